"""Runs kept side by side: what each run was set to, how it went, and a bounded log of them.

A *run* is a trainer's life from new weights (a reset, new data, a new architecture) until the
next one. :func:`record_run` turns a trainer into a :class:`RunRecord`: the settings it started
with, the settings changed while it trained (say a learning rate moved at epoch 40), its data,
its history thinned to at most :data:`MAX_POINTS` points, its final and best metrics and why it
stopped. A :class:`RunLog` keeps the last :data:`MAX_RUNS`; the oldest drops first, and
:meth:`RunLog.add` says so.

Memory: a record holds its history as float64 arrays (``6 × MAX_POINTS × 8`` = 9,600 bytes) and
a few bounded strings; the largest settings the app accepts (50 features of 100 characters,
every character 4 bytes wide) add ~30 kB. So one record stays under :data:`MAX_RECORD_BYTES`
(48 kB) and a session's log under :data:`MAX_LOG_BYTES` (480 kB); tests check the worst case.

Records go into run bundles as JSON (:meth:`RunRecord.to_dict`); :meth:`RunRecord.from_dict`
reads one back from a stranger's file, checking every type, size, count and number, and refuses
with one :class:`PlaygroundError` line.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from nn_core.errors import PlaygroundError
from nn_core.limits import MAX_FEATURES, MAX_NAME_CHARS
from nn_core.settings import MAX_EPOCHS, RunSettings

MAX_RUNS = 10  # runs a session keeps (the live run aside)
MAX_POINTS = 200  # points of a kept run's history, per series
MAX_CHANGES = 8  # settings changes while a run trained, kept per run
MAX_TEXT = 400  # characters of a stop reason or a change's description
MAX_DATA_NAME = 255  # characters of the data's name (a file name)
MAX_RECORD_BYTES = 48 * 1024
MAX_LOG_BYTES = MAX_RUNS * MAX_RECORD_BYTES
SERIES = ("epoch", "train_loss", "test_loss", "train_metric", "test_metric", "val_loss")
FINAL = ("train_loss", "test_loss", "train_metric", "test_metric")
TASKS = ("binary", "multiclass", "regression")
SOURCES = ("session", "bundle")
KEYS = ("number", "settings", "data", "data_key", "task", "epochs", "history", "final", "best",
        "stop", "changes", "source")
# values a record's JSON holds at most: the history, the settings (features), a few fields
MAX_RECORD_ITEMS = len(SERIES) * (MAX_POINTS + 2) + 2 * MAX_FEATURES + 200


@dataclass(frozen=True)
class RunRecord:
    """One finished run, ready to compare (see the module docstring)."""

    number: int  # "Run 3": numbered in the order the session kept them
    settings: RunSettings  # the settings the run started with (Restore brings these back)
    data: str  # the data's name: a built-in dataset's, or the table's file name (user text)
    data_key: str  # fingerprint of the training data (see data_fingerprint)
    task: str  # binary, multiclass or regression
    epochs: int  # epochs trained
    history: dict[str, np.ndarray]  # SERIES → float64 array, at most MAX_POINTS long
    final: dict[str, float]  # FINAL → the network's numbers when the run ended
    best: dict[str, float]  # best test metric and loss, and their epochs (NaN when unknown)
    stop: str = ""  # why it stopped, if it did
    changes: tuple[str, ...] = ()  # "epoch 40: lr 0.03 → 0.1"
    source: str = "session"  # "bundle" when it came in a loaded run bundle

    @property
    def metric_name(self) -> str:
        return "R²" if self.task == "regression" else "accuracy"

    @property
    def label(self) -> str:
        return f"Run {self.number}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: NaN becomes null (strict JSON has no NaN)."""
        return {
            "number": self.number, "settings": self.settings.to_dict(), "data": self.data,
            "data_key": self.data_key, "task": self.task, "epochs": self.epochs,
            "history": {k: [_json_number(v) for v in self.history[k]] for k in SERIES},
            "final": {k: _json_number(self.final[k]) for k in FINAL},
            "best": {k: _json_number(v) for k, v in self.best.items()},
            "stop": self.stop, "changes": list(self.changes), "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: Any, number: int | None = None) -> RunRecord:
        """A record from JSON data (a stranger's): PlaygroundError naming what is wrong."""
        if not isinstance(d, dict):
            raise PlaygroundError("a run must be a JSON object")
        extra = [k for k in d if k not in KEYS]
        if extra:
            raise PlaygroundError(f"a run has an unexpected field {str(extra[0])[:40]!r}")
        try:
            settings = RunSettings.from_dict(d.get("settings"))
        except PlaygroundError as exc:
            raise PlaygroundError(f"a run's settings: {exc}") from None
        if len(settings.features) > MAX_FEATURES or any(
                len(n) > MAX_NAME_CHARS for n in (*settings.features, settings.target)):
            raise PlaygroundError(f"a run's settings name more than {MAX_FEATURES} features or "
                                  f"a column name longer than {MAX_NAME_CHARS} characters")
        num = _int(d.get("number"), "number", 1, 10**9)
        epochs = _int(d.get("epochs"), "epochs", 1, MAX_EPOCHS)
        task = d.get("task")
        if task not in TASKS:
            raise PlaygroundError(f"a run's task must be one of {', '.join(TASKS)}")
        history = _history(d.get("history"), epochs)
        final = _numbers(d.get("final"), FINAL, "final")
        best = _numbers(d.get("best"), BEST, "best")
        for key in ("test_metric_epoch", "test_loss_epoch"):
            e = best[key]
            if not math.isnan(e) and not (e.is_integer() and 0 <= e <= epochs):
                raise PlaygroundError(f"a run's best {key} must be an epoch of the run")
        changes = d.get("changes", [])
        if not isinstance(changes, list) or len(changes) > MAX_CHANGES:
            raise PlaygroundError(f"a run's changes must be a list of at most {MAX_CHANGES}")
        return cls(
            number=num if number is None else number, settings=settings,
            data=_text(d.get("data"), "data", MAX_DATA_NAME),
            data_key=_text(d.get("data_key", ""), "data_key", 64), task=task, epochs=epochs,
            history=history, final=final, best=best,
            stop=_text(d.get("stop", ""), "stop", MAX_TEXT),
            changes=tuple(_text(c, "change", MAX_TEXT) for c in changes),
            source=_choice(d.get("source", "session"), "source", SOURCES),
        )


BEST = ("test_metric", "test_metric_epoch", "test_loss", "test_loss_epoch")


class RunLog:
    """The last :data:`MAX_RUNS` runs of a session, oldest first (see the module docstring)."""

    def __init__(self, max_runs: int = MAX_RUNS) -> None:
        self.max_runs = max(int(max_runs), 1)
        self.runs: list[RunRecord] = []
        self.next_number = 1

    def __len__(self) -> int:
        return len(self.runs)

    def take_number(self) -> int:
        """The number of the next run (each number is used once)."""
        n = self.next_number
        self.next_number += 1
        return n

    def add(self, record: RunRecord) -> str | None:
        """Keep ``record``; a one-line notice if older runs had to go to keep the bound."""
        self.runs.append(record)
        self.next_number = max(self.next_number, record.number + 1)
        dropped = self.runs[: -self.max_runs]
        self.runs = self.runs[-self.max_runs:]
        if not dropped:
            return None
        names = ", ".join(r.label for r in dropped)
        return (f"{names} left the run comparison: a session keeps the last {self.max_runs} "
                "runs, and the oldest go first.")

    def get(self, number: int) -> RunRecord | None:
        return next((r for r in self.runs if r.number == number), None)


def record_run(trainer: Any, number: int, data: str = "",
               segments: Sequence[tuple[int, RunSettings]] = (),
               data_key: str | None = None) -> RunRecord | None:
    """The run a trainer made, or None if it trained no epoch.

    ``segments`` are ``(first epoch, settings)`` in the order the settings were set while the
    trainer lived (its start first); without them the trainer's current settings stand alone.
    Settings set after the last epoch trained (say a new rate, then Reset) are not part of it.
    ``data_key`` is the trainer's :func:`data_fingerprint` if known.
    """
    epochs = int(trainer.epoch)
    if epochs < 1:
        return None
    segs = [(int(e), s) for e, s in segments if int(e) < epochs] or [(0, trainer.settings)]
    start = segs[0][1]
    changes = []
    for (_, before), (epoch, after) in pairwise(segs):
        diff = ", ".join(f"{k} {_show(getattr(before, k))} → {_show(getattr(after, k))}"
                         for k in changed_fields([before, after]))
        if diff:
            changes.append(f"epoch {epoch}: {diff}"[:MAX_TEXT])
    if len(changes) > MAX_CHANGES:
        changes = [*changes[: MAX_CHANGES - 1], f"and {len(changes) - MAX_CHANGES + 1} more"]
    n = min(len(trainer.history[k]) for k in SERIES)
    full = {k: np.asarray(trainer.history[k][:n], dtype=np.float64) for k in SERIES}
    cur = trainer.current()
    final = {k: float(cur[k]) for k in FINAL}
    if n == 0 or full["epoch"][-1] != epochs:  # the last epoch was not recorded: add it
        for k in SERIES:
            full[k] = np.append(full[k], float(cur[k]))
    return RunRecord(
        number=number, settings=start, data=str(data or start.dataset)[:MAX_DATA_NAME],
        data_key=data_key or data_fingerprint(trainer.dataset), task=trainer.task, epochs=epochs,
        history=thin(full, MAX_POINTS), final=final, best=best_of(full),
        stop=str(trainer.stop_reason or "")[:MAX_TEXT], changes=tuple(changes),
    )


def thin(history: dict[str, np.ndarray], k: int = MAX_POINTS) -> dict[str, np.ndarray]:
    """At most ``k`` points of each series, evenly spread, the first and last always kept."""
    n = len(history["epoch"])
    if n <= k:
        return {key: np.array(v, dtype=np.float64) for key, v in history.items()}
    idx = np.unique(np.round(np.linspace(0, n - 1, k)).astype(np.int64))
    return {key: np.asarray(v, dtype=np.float64)[idx] for key, v in history.items()}


def best_of(history: dict[str, np.ndarray]) -> dict[str, float]:
    """The highest test metric and lowest test loss of a history, with their epochs."""
    out = {}
    for key, pick in (("test_metric", np.nanargmax), ("test_loss", np.nanargmin)):
        values = history[key]
        if len(values) and np.isfinite(values).any():
            i = int(pick(np.where(np.isfinite(values), values, np.nan)))
            out[key], out[f"{key}_epoch"] = float(values[i]), float(history["epoch"][i])
        else:
            out[key] = out[f"{key}_epoch"] = math.nan
    return out


def changed_fields(settings: Sequence[RunSettings]) -> list[str]:
    """The settings fields whose values are not all the same, in declaration order."""
    if len(settings) < 2:
        return []
    dicts = [s.to_dict() for s in settings]
    return [k for k in dicts[0] if any(d[k] != dicts[0][k] for d in dicts[1:])]


def data_fingerprint(dataset: Any) -> str:
    """A short hash of what a network learns from: inputs, targets, names and classes."""
    h = hashlib.sha256()
    for arr in (dataset.X, dataset.y):
        a = np.ascontiguousarray(arr)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    for names in (dataset.feature_names, [dataset.target_name], dataset.classes):
        h.update("\x1f".join(map(str, names)).encode("utf-8", "replace") + b"\x1e")
    return h.hexdigest()[:16]


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value)) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _json_number(v: float) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _int(v: Any, name: str, lo: int, hi: int) -> int:
    if type(v) is not int or not lo <= v <= hi:
        raise PlaygroundError(f"a run's {name} must be a whole number from {lo:,} to {hi:,}")
    return v


def _text(v: Any, name: str, limit: int) -> str:
    if not isinstance(v, str) or len(v) > limit:
        raise PlaygroundError(f"a run's {name} must be text of at most {limit} characters")
    return v


def _choice(v: Any, name: str, options: tuple[str, ...]) -> str:
    if v not in options:
        raise PlaygroundError(f"a run's {name} must be one of {', '.join(options)}")
    return v


def _number(v: Any, name: str) -> float:
    """A finite JSON number, or null for "not known" (NaN)."""
    if v is None:
        return math.nan
    if type(v) not in (int, float) or not math.isfinite(v) or abs(v) > 1e300:
        raise PlaygroundError(f"a run's {name} must hold finite numbers or null")
    return float(v)


def _numbers(d: Any, keys: tuple[str, ...], name: str) -> dict[str, float]:
    if not isinstance(d, dict) or set(d) != set(keys):
        raise PlaygroundError(f"a run's {name} must be an object of {', '.join(keys)}")
    return {k: _number(d[k], f"{name} {k}") for k in keys}


def _history(d: Any, epochs: int) -> dict[str, np.ndarray]:
    if not isinstance(d, dict) or set(d) != set(SERIES):
        raise PlaygroundError(f"a run's history must be an object of {', '.join(SERIES)}")
    lengths = {len(v) if isinstance(v, list) else -1 for v in d.values()}
    if len(lengths) != 1 or not 1 <= lengths.pop() <= MAX_POINTS:
        raise PlaygroundError(f"a run's history must be lists of the same length, 1 to "
                              f"{MAX_POINTS} numbers each")
    out = {k: np.array([_number(v, f"history {k}") for v in d[k]], dtype=np.float64)
           for k in SERIES}
    e = out["epoch"]
    if not (np.all(np.isfinite(e)) and np.all(e == np.round(e)) and e[0] >= 0
            and e[-1] <= epochs and np.all(np.diff(e) > 0)):
        raise PlaygroundError("a run's history epochs must be whole numbers rising from 0 to "
                              "the run's epochs")
    return out
