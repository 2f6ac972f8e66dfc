"""A run bundle: one JSON file with the settings and the data, to reopen a run elsewhere.

``{"format": "nn-playground-run", "version": 2, "settings": {...}, "csv_name": "...",
"csv": "...", "runs": [...]}``. ``csv`` is the table as text: the uploaded or edited table's
own text, or for a built-in dataset the generated table (for reading; loading regenerates it
from the settings). ``runs`` (version 2, optional) are the session's kept runs
(:mod:`nn_core.training.runs`), so a shared bundle carries the comparison; version 1 bundles have
none
and load as before. Loading checks everything and refuses with one :class:`PlaygroundError`
line. A bundle is at most :data:`~nn_core.limits.MAX_BUNDLE_BYTES`, the upload limit, and
writing refuses a larger one (the oldest runs give way first), so every bundle the app writes
can be uploaded and loaded back.
"""

from __future__ import annotations

import json
from typing import Any

from nn_core.data.builtin import BUILTIN
from nn_core.data.load import load_data
from nn_core.data.tabular import dataset_from_table, read_csv_bytes, show
from nn_core.errors import PlaygroundError
from nn_core.io.export import dataset_csv
from nn_core.io.jsonscan import control_text, json_items
from nn_core.limits import MAX_BUNDLE_BYTES, MAX_COLUMNS
from nn_core.settings import RunSettings
from nn_core.training.runs import MAX_RECORD_ITEMS, MAX_RUNS, RunRecord

FORMAT = "nn-playground-run"
VERSION = 2  # 2 added the runs; version 1 bundles load as before
UPLOADED = "csv"  # ``dataset`` of an uploaded or edited table (as in ui/session/actions.py)
MAX_CSV_NAME = 255
# values in a bundle's JSON: a few fields, the settings (features: a column name each), runs
MAX_BUNDLE_ITEMS = 4 * MAX_COLUMNS + 1000 + MAX_RUNS * MAX_RECORD_ITEMS
KEYS = ("format", "version", "settings", "csv_name", "csv", "runs")


def bundle_to_json(settings: RunSettings, csv_bytes: bytes | None, csv_name: str = "",
                   runs: list[RunRecord] | tuple[RunRecord, ...] = ()) -> str:
    """The bundle as JSON text; PlaygroundError if the table is missing or does not load.

    For a built-in dataset ``csv_bytes`` is ignored and the generated table written instead.
    ``runs`` go in too (the last :data:`MAX_RUNS`), as many of the newest as fit under the size
    limit: :func:`write_bundle` says how many were left out.
    """
    return write_bundle(settings, csv_bytes, csv_name, runs)[0]


def write_bundle(settings: RunSettings, csv_bytes: bytes | None, csv_name: str = "",
                 runs: list[RunRecord] | tuple[RunRecord, ...] = ()) -> tuple[str, int]:
    """``(bundle JSON, number of runs left out)``; see :func:`bundle_to_json`."""
    if settings.dataset in BUILTIN:
        text = _table_text(settings)
        csv_name = f"{settings.dataset}.csv"
    else:
        if csv_bytes is None:
            raise PlaygroundError("there is no table to put in the bundle: upload one first")
        settings = settings.replace(dataset=UPLOADED)
        text = _as_text(csv_bytes)
        _check_table(settings, text.encode("utf-8"))
    bundle = {"format": FORMAT, "version": VERSION, "settings": settings.to_dict(),
              "csv_name": str(csv_name)[:MAX_CSV_NAME], "csv": text}
    out = json.dumps(bundle, indent=1, ensure_ascii=False)
    if len(out.encode("utf-8")) > MAX_BUNDLE_BYTES:
        raise PlaygroundError(f"the bundle would be larger than {_megabytes()}, the limit for a "
                              "run bundle: use a smaller table")
    kept = [r.to_dict() for r in list(runs)[-MAX_RUNS:]]
    left_out = len(runs) - len(kept)
    while kept:  # the oldest runs give way first
        with_runs = json.dumps({**bundle, "runs": kept}, indent=1, ensure_ascii=False)
        if len(with_runs.encode("utf-8")) <= MAX_BUNDLE_BYTES:
            return with_runs, left_out
        kept, left_out = kept[1:], left_out + 1
    return out, left_out


def bundle_from_json(data: bytes | str) -> tuple[RunSettings, bytes | None, str]:
    """``(settings, csv_bytes, csv_name)`` from a bundle; PlaygroundError if anything is off.

    For a built-in dataset the result is ``(settings, None, "")``: the data comes from the
    settings. Otherwise ``csv_bytes`` is the table as UTF-8 and ``csv_name`` the file name it
    had (user text: show it as plain text only).
    """
    return read_bundle(data)[:3]


def read_bundle(data: bytes | str) -> tuple[RunSettings, bytes | None, str, list[RunRecord]]:
    """:func:`bundle_from_json` and the runs the bundle carries (none in a version 1 bundle)."""
    bundle = _read_json(data)
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise PlaygroundError("this is not a run bundle of the playground")
    version = bundle.get("version")
    if type(version) is not int or not 1 <= version <= 1_000_000:
        raise PlaygroundError("the run bundle has no valid version number")
    if version > VERSION:
        raise PlaygroundError(f"the run bundle is version {version}; this app reads version "
                              f"{VERSION}: update the app")
    extra = [k for k in bundle if k not in KEYS]
    if extra:
        raise PlaygroundError(f"the run bundle has an unexpected field {show(extra[0])}")
    where = control_text(bundle, skip=frozenset({"csv"}))
    if where is not None:
        raise PlaygroundError(_one_line(f"the run bundle's {where} holds a line break, tab or "
                                        "other control character; a run bundle has none outside "
                                        "its table"))
    runs = _runs(bundle)
    try:
        settings = RunSettings.from_dict(bundle.get("settings"))
    except PlaygroundError as exc:
        raise PlaygroundError(_one_line(f"the run bundle's settings: {exc}")) from None
    name, text = bundle.get("csv_name", ""), bundle.get("csv")
    if not isinstance(name, str) or len(name) > MAX_CSV_NAME:
        raise PlaygroundError(f"the run bundle's file name must be text of at most "
                              f"{MAX_CSV_NAME} characters")
    if text is not None and not isinstance(text, str):
        raise PlaygroundError("the run bundle's table must be CSV text")
    builtin = settings.dataset in BUILTIN
    if not builtin and settings.dataset != UPLOADED:
        raise PlaygroundError(f"the run bundle names an unknown dataset {show(settings.dataset)}")
    if text is None:
        if builtin:
            return settings, None, "", runs
        raise PlaygroundError("the run bundle has no table for its uploaded data")
    try:
        csv_bytes = text.encode("utf-8")
    except UnicodeEncodeError:
        raise PlaygroundError("the run bundle's table is not valid text") from None
    if builtin:
        _bundle_error(read_csv_bytes, csv_bytes)
        return settings, None, "", runs
    _check_table(settings, csv_bytes)
    return settings, csv_bytes, name, runs


def _runs(bundle: Any) -> list[RunRecord]:
    if not isinstance(bundle, dict) or "runs" not in bundle:
        return []
    runs = bundle["runs"]
    if not isinstance(runs, list) or len(runs) > MAX_RUNS:
        raise PlaygroundError(f"the run bundle's runs must be a list of at most {MAX_RUNS}")
    out = []
    for i, run in enumerate(runs):
        try:
            out.append(RunRecord.from_dict(run))
        except PlaygroundError as exc:
            raise PlaygroundError(_one_line(f"the run bundle's run {i + 1}: {exc}")) from None
    return out


def _read_json(data: bytes | str) -> Any:
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, (bytes, str)):
        raise PlaygroundError("expected the contents of a run bundle file")
    size = len(data)
    if isinstance(data, str) and size <= MAX_BUNDLE_BYTES:
        size = len(data.encode("utf-8", "replace"))
    if size > MAX_BUNDLE_BYTES:
        raise PlaygroundError(f"the file is larger than {_megabytes()}, the limit for a run "
                              "bundle")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PlaygroundError("a run bundle is UTF-8 JSON text; this file is not") from None
    if json_items(data, MAX_BUNDLE_ITEMS) > MAX_BUNDLE_ITEMS:
        raise PlaygroundError(f"the run bundle holds more values than a bundle can (at most "
                              f"{MAX_BUNDLE_ITEMS:,})")
    try:
        return json.loads(data)
    except RecursionError:
        raise PlaygroundError("the run bundle is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or a number too long to read
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "a number is too long"
        raise PlaygroundError(_one_line(f"the run bundle is not valid JSON ({msg})")) from None


def _check_table(settings: RunSettings, csv_bytes: bytes) -> None:
    """The table must load with the settings' target, features and task."""
    table = _bundle_error(read_csv_bytes, csv_bytes)
    _bundle_error(dataset_from_table, table, settings.target, settings.features, settings.task)


def _bundle_error(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` with a refusal said to be about the bundle's table."""
    try:
        return fn(*args)
    except PlaygroundError as exc:
        raise PlaygroundError(_one_line(f"the run bundle's table: {exc}")) from None


def _as_text(csv_bytes: bytes) -> str:
    """The table's text, decoded as the CSV reader does (UTF-8, UTF-16 with BOM, Latin-1)."""
    _bundle_error(read_csv_bytes, csv_bytes)  # refuses what is not a CSV table
    data = bytes(csv_bytes)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _table_text(settings: RunSettings) -> str:
    """A built-in dataset as CSV text: its features, then the target (class labels)."""
    return dataset_csv(load_data(settings))


def _megabytes() -> str:
    return f"{MAX_BUNDLE_BYTES / 2**20:g} MB"


def _one_line(message: str, limit: int = 240) -> str:
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
