"""Settings <-> URL query parameters: share links and classroom links (no Streamlit here).

A link carries settings only, never data: ``?dataset=xor&hidden=4,2&lr=0.1``. Parameter names
are the :class:`RunSettings` field names plus the view choices in :data:`UI_PARAMS`; only values
that differ from the defaults are written, so links stay short. Numbers are written with
``repr``, so a link reproduces exact values. An uploaded or edited table is written as
``dataset=csv`` and its column names (``target``, ``features``, ``task``) are left out.

Reading is lenient: a bad value falls back to the default for that one parameter with a
one-line notice, and nothing a URL holds makes :func:`from_query` raise or work long. The URL
has its own strict grammar (ASCII digits, ``true``/``false``, comma lists, ``none``); bounds,
choices and the rules between fields are the settings' own checks.

A classroom link *locks* controls: the pages do not show them. The ``hide`` parameter lists
them (settings names, view names and the sections in :data:`SECTIONS`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import numpy as np

from nn_core.data.builtin import BUILTIN
from nn_core.data.dataset import Dataset, split_indices
from nn_core.data.tabular import show, show_list
from nn_core.errors import PlaygroundError
from nn_core.settings import BadValue, RunSettings, check_item
from ui.session.choices import linked

MAX_PARAMS = 64  # parameters looked at when listing unknown names
MAX_VALUE_CHARS = 1000  # longer values are refused before parsing
LOCK_PARAM = "hide"  # the parameter listing a classroom link's locked controls
# ``dataset`` of a link made on an uploaded or edited table (see ui/session/actions.py)
UPLOADED = "csv"

Scalar = str | int | float | bool


@dataclass(frozen=True)
class Param:
    """One URL parameter: its default, and the choices or range its value must meet.

    ``items > 0`` makes it a comma list of at most that many items (``none`` = empty).
    """

    name: str
    default: Any
    choices: tuple[Any, ...] | None = None
    range: tuple[float, float] | None = None
    items: int = 0
    empty_text: str = "none"  # how the notices name an empty default

    @classmethod
    def of(cls, name: str, default: Any, meta: Mapping[str, Any]) -> Param:
        """The parameter of a setting or view choice, from its field metadata."""
        return cls(name, default, meta.get("choices"), meta.get("range"), meta.get("items", 0))

    @property
    def bounds(self) -> dict[str, Any]:
        """The metadata :func:`nn_core.settings.check_item` checks a value against."""
        return {k: v for k, v in (("choices", self.choices), ("range", self.range)) if v}


UI_PARAMS: dict[str, Param] = {
    name: Param.of(name, default, meta) for name, (default, meta) in linked().items()
}

# Parts of pages a classroom link can lock, besides single settings and view choices.
SECTIONS = {
    "data": "the Data page's dataset choice (built-in list, samples, noise, seed)",
    "upload": "the CSV upload",
    "editor": "the row editor",
    "network": "the Train page's Network settings",
    "training": "the Train page's Training settings",
    "stop": "the Train page's Stop settings",
}


def _setting_params() -> dict[str, Param]:
    """One Param per RunSettings field, from the field's default and metadata."""
    params = {f.name: Param.of(f.name, f.default, f.metadata)
              for f in dataclasses.fields(RunSettings)}
    params["dataset"] = dataclasses.replace(params["dataset"], choices=tuple(BUILTIN))
    params["target"] = dataclasses.replace(params["target"], empty_text="the dataset's own")
    params["features"] = dataclasses.replace(params["features"], empty_text="all")
    return params


SETTING_PARAMS = _setting_params()
LOCKABLE = frozenset(SETTING_PARAMS) | frozenset(UI_PARAMS) | frozenset(SECTIONS)
KNOWN = (*SETTING_PARAMS, *UI_PARAMS, LOCK_PARAM)  # every parameter name a link may hold
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


# --- writing ----------------------------------------------------------------------------------
def encode(value: Any) -> str:
    """A value as URL text: true/false, repr of a float, comma list (``none`` when empty)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return ",".join(encode(v) for v in value) if value else "none"
    return str(value)


def to_query(settings: RunSettings, ui: Mapping[str, Scalar] | None = None) -> dict[str, str]:
    """The parameters that differ from the defaults, in settings order, then view choices.

    A dataset that is not built-in is written as ``dataset=csv``, without its column names;
    ``target``/``features`` are written only when they name columns of the built-in dataset.
    Unknown or invalid ``ui`` entries raise ValueError (a programming error, not a user's).
    """
    out: dict[str, str] = {}
    spec = BUILTIN.get(settings.dataset)
    for name, p in SETTING_PARAMS.items():
        value = getattr(settings, name)
        if spec is None:
            if name == "dataset":
                value = UPLOADED
            elif name in ("target", "features", "task"):
                continue  # they describe the uploaded table
        elif name == "target" and value != spec.target:
            continue  # left over from a table; a built-in dataset ignores it
        elif name == "features" and not set(value) <= set(spec.features):
            continue
        if value != p.default:
            out[name] = encode(value)
    for name, value in (ui or {}).items():
        p = UI_PARAMS.get(name)
        if p is None:
            raise ValueError(f"unknown view choice {name!r}")
        text = encode(value)
        try:
            parsed = _parse(p, text)
        except _Bad:
            parsed = None
        if parsed != value or type(parsed) is not type(value):
            raise ValueError(f"{name}: {value!r} is not a valid value")
        if value != p.default:
            out[name] = text
    return out


def link_params_for(settings: RunSettings, view: Mapping[str, Scalar] | None = None,
                    locked: Iterable[str] = ()) -> dict[str, str]:
    """The query parameters of a link: settings and view choices, then the locked controls.

    An unknown locked name raises ValueError (a programming error, not a user's).
    """
    params = to_query(settings, view)
    names = sorted(set(locked))
    unknown = [n for n in names if n not in LOCKABLE]
    if unknown:
        raise ValueError(f"cannot hide unknown control {unknown[0]!r}")
    if names:
        params[LOCK_PARAM] = ",".join(names)
    return params


def classroom_link(base_url: str, settings: RunSettings, ui: Mapping[str, Scalar] | None = None,
                   locked: Iterable[str] = ()) -> str:
    """``base_url`` with the settings, view choices and locked controls as its query.

    With nothing locked this is the plain share link. An unknown locked name raises ValueError.
    """
    params = link_params_for(settings, ui, locked)
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(query=urlencode(params, safe=","), fragment=""))


# Pages a link can open (title -> URL path; the default page sits at the app's root).
PAGE_SLUGS = {"Data": "", "Train": "train", "Predict": "predict"}
_PAGE_PATHS = {"data", "train", "predict", "share", "how_it_works"}


def page_url(current_url: str, slug: str) -> str:
    """The address of page ``slug`` of the app that ``current_url`` (any of its pages) is in."""
    parts = urlsplit(current_url)
    segments = [seg for seg in parts.path.split("/") if seg]
    if segments and segments[-1] in _PAGE_PATHS:
        segments.pop()
    path = "/" + "/".join([*segments, slug] if slug else segments)
    return urlunsplit(parts._replace(path=path, query="", fragment=""))


# --- reading ----------------------------------------------------------------------------------
class _Bad(Exception):
    """A value that does not fit; the message says why (after ``name: ``)."""


def _default_text(p: Param) -> str:
    return encode(p.default) if p.default not in ("", ()) else p.empty_text


def _one_value(params: Mapping[str, Any], name: str) -> str:
    """The single text value of ``name`` (raises _Bad for lists, long or non-text values)."""
    raw = params[name]
    if isinstance(raw, (list, tuple)):
        if len(raw) != 1:
            raise _Bad(f"given {len(raw):,} times")
        raw = raw[0]
    if not isinstance(raw, str):
        raise _Bad("not text")
    if len(raw) > MAX_VALUE_CHARS:
        raise _Bad(f"value of {len(raw):,} characters")
    if not raw.strip():
        raise _Bad("empty value")
    return raw.strip()


def _lex(p: Param, text: str) -> Any:
    """``text`` read by the URL's grammar as a value of ``p``'s type (bounds not checked)."""
    if p.choices is not None:
        return {encode(c): c for c in p.choices}.get(text, text)
    if isinstance(p.default, bool):
        if text.lower() not in ("true", "false", "1", "0"):
            raise _Bad(f"{show(text)} is not true or false")
        return text.lower() in ("true", "1")
    if isinstance(p.default, int):
        if not _INT.fullmatch(text):
            raise _Bad(f"{show(text)} is not a whole number")
        return int(text)
    if isinstance(p.default, float):
        value = float(text) if _FLOAT.fullmatch(text) else None
        if value is None or not math.isfinite(value):
            finite = value is not None or text.lower().lstrip("+-") in ("nan", "inf", "infinity")
            raise _Bad(f"{show(text)} is not a {'finite ' if finite else ''}number")
        return value
    return text


def _parse(p: Param, text: str) -> Any:
    """``text`` as a value of ``p`` (raises _Bad saying what is wrong)."""
    if p.items:
        if text.lower() == "none":
            return ()
        items = text.split(",")
        if len(items) > p.items:
            raise _Bad(f"{show(text)} has more than {p.items} items")
        item = dataclasses.replace(p, default=0 if p.range else "", items=0)
        return tuple(_parse(item, t.strip()) for t in items)
    value = _lex(p, text)
    try:
        check_item(p.name, value, p.bounds)
    except BadValue as exc:
        raise _Bad(f"{show(text)} {exc.why(' to ')}") from None
    return value


def _check_columns(name: str, value: Any, dataset: str) -> None:
    """``target``/``features`` must name columns of the built-in dataset."""
    spec = BUILTIN[dataset]
    columns = (spec.target,) if name == "target" else spec.features
    for item in value if isinstance(value, tuple) else (value,):
        if item not in columns:
            raise _Bad(f"{show(item)} is not a column of the {dataset} data "
                       f"({', '.join(columns)})")


PROBE_ROWS_PER_CLASS = 8  # rows of each class (or of a regression) the network's rules meet
PROBE_WHOLE_ROWS = 64  # a dataset this small is checked whole


def _probe(data: Dataset) -> Dataset:
    """A few rows of ``data`` that meet the trainer's rules between fields as the whole would:
    the same columns, task, class list and labels (the first rows of each class), fixed test
    rows kept whole. The network is then built and run on these rows, not on thousands."""
    if data.n_samples <= PROBE_WHOLE_ROWS or data.test_rows is not None:
        return data
    if data.is_classification:
        rows = np.sort(np.concatenate([np.flatnonzero(data.y == c)[:PROBE_ROWS_PER_CLASS]
                                       for c in range(data.n_classes)]))
    else:
        rows = np.arange(PROBE_ROWS_PER_CLASS)
    return dataclasses.replace(data, X=data.X[rows], y=data.y[rows], notices=[])


def _data_key(settings: RunSettings) -> tuple:
    return tuple(getattr(settings, f) for f in DATA_KEY_FIELDS)


DATA_KEY_FIELDS = ("dataset", "n_samples", "noise", "data_seed", "target", "features", "task")


def _refusal(settings: RunSettings, data_cache: dict[tuple, Any] | None = None) -> str | None:
    """Why a trainer cannot be built from ``settings`` on the data they name (None if it can).

    Checks every rule between fields that the trainer enforces (output layer vs target, loss
    vs output, transforms vs number of inputs, test fraction vs rows, the scaling's range) the
    way the Train page would meet it, without building a network on the whole data: the split
    and the scaling run on every row (index and column arithmetic), the trainer itself on a
    few rows of each class (:func:`_probe`). ``data_cache`` keeps the datasets already drawn
    (by their data fields) across the trials of one link.
    """
    from nn_core.data.load import load_data
    from nn_core.data.preprocess import Preprocessor
    from nn_core.training.trainer import Trainer

    try:
        key = _data_key(settings)
        data = None if data_cache is None else data_cache.get(key)
        if data is None:
            data = load_data(settings)
            if data_cache is not None:
                data_cache[key] = data
        train, _ = split_indices(data, settings.test_fraction, settings.data_seed)
        if len(train) == 0:
            raise PlaygroundError("no training rows left: lower the test fraction")
        Preprocessor(settings.scale, settings.transforms).fit(data.X[train]).transform(data.X)
        Trainer(settings, _probe(data), history_cap=4)
    except PlaygroundError as exc:
        return " ".join(str(exc).split())[:160]
    return None


def _check_together(settings: RunSettings, notices: list[str]) -> RunSettings:
    """``settings`` if a trainer can be built from them; else the defaults with the link's
    values put back one field at a time (in settings order, data first), each kept only if the
    result still works. Every value left out adds a notice saying why."""
    data_cache: dict[tuple, Any] = {}
    if _refusal(settings, data_cache) is None:
        return settings
    good = RunSettings()
    for name, p in SETTING_PARAMS.items():
        value = getattr(settings, name)
        if value == getattr(good, name):
            continue
        try:
            trial = good.replace(**{name: value})
            problem = _refusal(trial, data_cache)
        except PlaygroundError as exc:
            problem = " ".join(str(exc).split())[:160]
        if problem is None:
            good = trial
        else:
            notices.append(f"{name}: {show(encode(value))} does not fit the rest of the link "
                           f"({problem}); using {_default_text(p)}")
    return good


def from_query(params: Mapping[str, str | list[str]]) -> tuple[RunSettings, dict[str, Scalar],
                                                                 list[str]]:
    """``(settings, view choices, notices)`` from a link's query parameters; never raises.

    Each bad value (wrong type, out of range, unknown choice, repeated, empty, too long) and each
    unknown parameter leaves the default in place and adds one notice naming the parameter and
    what was done, e.g. ``lr: 'abc' is not a number; using 0.03``. Problems of the ``hide``
    parameter are among the notices too. Notices quote URL text (cut to 40 characters): pages
    must show them as plain text only (``ui.views.text.plain``), never as markdown or HTML.
    """
    notices: list[str] = []
    settings = RunSettings()
    for name, p in SETTING_PARAMS.items():
        if name not in params:
            continue
        try:
            text = _one_value(params, name)
            if name == "dataset" and text.lower() in (UPLOADED, "custom"):
                raise _Bad("the link was made on an uploaded or edited table, which links do "
                           "not carry")
            value = _parse(p, text)
            if name in ("target", "features"):
                _check_columns(name, value, settings.dataset)
            settings = settings.replace(**{name: value})
        except _Bad as exc:
            notices.append(f"{name}: {exc}; using {_default_text(p)}")
        except BadValue as exc:  # e.g. one of the activations a list names
            notices.append(f"{name}: {show(str(exc.item))} {exc.why(' to ')}; "
                           f"using {_default_text(p)}")
        except PlaygroundError as exc:  # a rule between fields, e.g. activation vs hidden
            notices.append(f"{str(exc)[:160]}; using {_default_text(p)}")
    ui: dict[str, Scalar] = {name: p.default for name, p in UI_PARAMS.items()}
    for name, p in UI_PARAMS.items():
        if name in params:
            try:
                ui[name] = _parse(p, _one_value(params, name))
            except _Bad as exc:
                notices.append(f"{name}: {exc}; using {_default_text(p)}")
    parse_locked(params, notices)
    settings = _check_together(settings, notices)
    unknown_count = len(params) - sum(1 for name in KNOWN if name in params)
    if unknown_count > 0:
        unknown = [k for k in islice(params, MAX_PARAMS) if k not in KNOWN]
        shown = show_list(unknown[:3])
        more = unknown_count - len(unknown[:3])
        notices.append(f"ignored unknown parameter{'s' * (unknown_count > 1)} {shown}"
                       + (f" and {more:,} more" if more > 0 else ""))
    return settings, ui, notices


def parse_locked(params: Mapping[str, str | list[str]],
                 notices: list[str] | None = None) -> frozenset[str]:
    """The control names the ``hide`` parameter locks (empty when absent); unknown names are
    dropped.

    Problems are appended to ``notices`` when given (:func:`from_query` reports them already).
    """
    problems = notices if notices is not None else []
    if LOCK_PARAM not in params:
        return frozenset()
    try:
        text = _one_value(params, LOCK_PARAM)
    except _Bad as exc:
        problems.append(f"{LOCK_PARAM}: {exc}; hiding nothing")
        return frozenset()
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in LOCKABLE]
    if unknown:
        problems.append(f"{LOCK_PARAM}: ignored unknown control{'s' * (len(unknown) > 1)} "
                        f"{show_list(unknown[:3])}"
                        + (f" and {len(unknown) - 3:,} more" if len(unknown) > 3 else ""))
    return frozenset(n for n in names if n in LOCKABLE)
