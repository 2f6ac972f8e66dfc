"""One object that describes a run: data choice, preprocessing, architecture, optimiser, seed.

The CLI, the app and the share link all build a :class:`RunSettings`, so the same settings give
the same numbers everywhere. It converts to and from a plain dict (JSON-ready) and is checked on
the way in: a wrong value raises :class:`PlaygroundError` naming the field and what is allowed.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from nn_core.errors import PlaygroundError
from nn_core.limits import MAX_SAMPLES, MIN_SAMPLES

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
OUTPUTS = ("auto", "sigmoid", "softmax", "linear")
LOSSES = ("auto", "mse", "bce", "ce")
OPTIMIZERS = ("sgd", "momentum", "adam")
INITS = ("blog", "xavier", "he")
SCALES = ("standard", "minmax", "none")
UPDATE_RULES = ("exact", "blog")
TASKS = ("auto", "classification", "regression")
TRANSFORMS = ("x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2")
MAX_HIDDEN_LAYERS = 6
MAX_NODES = 64  # units per hidden layer: the Train page's widgets, links and the CLI all allow it
MAX_EPOCHS = 1_000_000
MAX_PATIENCE = 100_000
# Early stopping is on by default for an uploaded table with at least this many rows, where
# overfitting is silent; the built-in 2-D sets are there to be watched, so it is off for them.
EARLY_STOPPING_ROWS = 100
EARLY_STOPPING = {"patience": 20, "validation_fraction": 0.1}


def _choice(options: tuple[str, ...]) -> dict[str, Any]:
    return {"choices": options}


def _range(lo: float, hi: float) -> dict[str, Any]:
    return {"range": (lo, hi)}


@dataclass(frozen=True)
class RunSettings:
    """Every choice that shapes a run. Defaults are the playground's, not the blog's.

    ``batch_size = 0`` means the full training set in one batch. ``activation`` is one name for
    every hidden layer or a comma-separated list, one per hidden layer ("tanh,relu").
    ``seed`` seeds the training (initial weights and shuffling); ``data_seed`` seeds the
    built-in dataset generator and the train/test split, so regenerating data leaves the
    initial weights alone.

    ``epochs`` defaults to the cap, so a run goes on until the learner pauses it.
    ``validation_fraction`` carves a validation share from the training rows (the test rows
    stay untouched); ``patience > 0`` stops after that many epochs without a better validation
    loss (the training loss without a validation share) and restores the best weights.
    """

    # data
    dataset: str = "moons"
    n_samples: int = field(default=200, metadata=_range(MIN_SAMPLES, MAX_SAMPLES))
    noise: float = field(default=0.1, metadata=_range(0.0, 1.0))
    test_fraction: float = field(default=0.2, metadata=_range(0.0, 0.9))
    data_seed: int = field(default=0, metadata=_range(0, 2**31 - 1))
    target: str = ""
    features: tuple[str, ...] = ()
    task: str = field(default="auto", metadata=_choice(TASKS))
    # preprocessing
    transforms: tuple[str, ...] = field(default=(), metadata=_choice(TRANSFORMS))
    scale: str = field(default="standard", metadata=_choice(SCALES))
    # architecture
    hidden: tuple[int, ...] = field(default=(8, 8), metadata=_range(1, MAX_NODES))
    activation: str = "tanh"
    output: str = field(default="auto", metadata=_choice(OUTPUTS))
    loss: str = field(default="auto", metadata=_choice(LOSSES))
    bias: bool = True
    init: str = field(default="xavier", metadata=_choice(INITS))
    # optimisation
    update_rule: str = field(default="exact", metadata=_choice(UPDATE_RULES))
    lr: float = field(default=0.03, metadata=_range(1e-6, 10.0))
    batch_size: int = field(default=10, metadata=_range(0, 100_000))
    optimizer: str = field(default="sgd", metadata=_choice(OPTIMIZERS))
    momentum: float = field(default=0.9, metadata=_range(0.0, 0.999))
    l1: float = field(default=0.0, metadata=_range(0.0, 10.0))
    l2: float = field(default=0.0, metadata=_range(0.0, 10.0))
    shuffle: bool = True
    epochs: int = field(default=MAX_EPOCHS, metadata=_range(1, MAX_EPOCHS))
    target_loss: float = field(default=0.0, metadata=_range(0.0, 1e6))
    patience: int = field(default=0, metadata=_range(0, MAX_PATIENCE))
    validation_fraction: float = field(default=0.0, metadata=_range(0.0, 0.5))
    seed: int = field(default=0, metadata=_range(0, 2**31 - 1))

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _coerce(f, getattr(self, f.name)))
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise PlaygroundError(
                f"hidden: at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(self.hidden)}"
            )
        acts = tuple(a.strip() for a in self.activation.split(",") if a.strip())
        bad = [a for a in acts if a not in ACTIVATIONS]
        if bad:
            raise PlaygroundError(
                f"activation: unknown {bad[0]!r}; choose from {', '.join(ACTIVATIONS)}"
            )
        if len(acts) > 1 and len(acts) != len(self.hidden):
            raise PlaygroundError(
                f"activation: give one name or one per hidden layer ({len(self.hidden)}), "
                f"got {len(acts)}"
            )

    @property
    def activations(self) -> tuple[str, ...]:
        """One activation name per hidden layer (none without hidden layers)."""
        names = tuple(a.strip() for a in self.activation.split(",") if a.strip()) or ("tanh",)
        if len(names) == 1:
            return names * len(self.hidden)
        return names

    def replace(self, **changes: Any) -> RunSettings:
        """A copy with some fields changed (and checked)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for k, v in out.items():
            if isinstance(v, tuple):
                out[k] = list(v)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSettings:
        """Build from a dict; unknown keys and bad values raise :class:`PlaygroundError`."""
        if not isinstance(data, dict):
            raise PlaygroundError("settings must be a JSON object of name: value pairs")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise PlaygroundError(f"unknown setting {unknown[0]!r}")
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunSettings:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise PlaygroundError(f"settings file is not valid JSON ({exc.msg})") from None
        return cls.from_dict(data)


def value_range(name: str) -> tuple[Any, Any]:
    """The ``(lo, hi)`` a setting's value (or each item of it) must lie in; KeyError if none.

    The one home of every range: the Train and Data pages' widgets, the link parser and the CLI
    all take their limits from here.
    """
    return _FIELDS[name].metadata["range"]


def value_choices(name: str) -> tuple[str, ...]:
    """The names a setting's value (or each item of it) must be one of; KeyError if none."""
    return _FIELDS[name].metadata["choices"]


def with_early_stopping(settings: RunSettings, n_rows: int) -> RunSettings:
    """``settings`` for a newly chosen table: early stopping on (:data:`EARLY_STOPPING`) for
    an uploaded table of at least :data:`EARLY_STOPPING_ROWS` rows, off for a smaller one;
    a built-in dataset's settings are returned unchanged."""
    from nn_core.data.builtin import BUILTIN

    if settings.dataset in BUILTIN:
        return settings
    if n_rows < EARLY_STOPPING_ROWS:
        return settings.replace(patience=0, validation_fraction=0.0)
    return settings.replace(**EARLY_STOPPING)


def field_names() -> list[str]:
    """Names of every setting, in declaration order."""
    return [f.name for f in dataclasses.fields(RunSettings)]


_FIELDS = {f.name: f for f in dataclasses.fields(RunSettings)}


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    """Check and normalise one field's value; raise PlaygroundError naming the field."""
    name, default = f.name, f.default
    meta = f.metadata
    try:
        if isinstance(default, bool):
            value = _as_bool(value)
        elif isinstance(default, int):
            value = _as_int(value)
        elif isinstance(default, float):
            value = _as_float(value)
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise TypeError("expected text")
            value = value.strip()
        elif isinstance(default, tuple):
            if isinstance(value, str):
                value = [v for v in value.split(",") if v.strip()]
            if not isinstance(value, (list, tuple)):
                raise TypeError("expected a list")
            if len(value) > 1000:
                raise TypeError("list too long")
            if name == "hidden":
                value = tuple(_as_int(v) for v in value)
            else:
                if not all(isinstance(v, str) for v in value):
                    raise TypeError("expected a list of text")
                value = tuple(v.strip() for v in value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise PlaygroundError(f"{name}: {exc}") from None
    items = value if isinstance(value, tuple) else (value,)
    if "choices" in meta:
        for v in items:
            if v not in meta["choices"]:
                raise PlaygroundError(
                    f"{name}: unknown {v!r}; choose from {', '.join(meta['choices'])}"
                )
    if "range" in meta:
        lo, hi = meta["range"]
        for v in items:
            if not lo <= v <= hi:
                raise PlaygroundError(f"{name}: {v} is outside {lo:g}…{hi:g}")
    return value


def _as_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(v, str) and v.strip().lower() in ("0", "false", "no", "off"):
        return False
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    raise TypeError(f"expected true or false, got {v!r}"[:80])


def _as_int(v: Any) -> int:
    if isinstance(v, bool):
        raise TypeError("expected a whole number")
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        try:
            return int(v.strip())
        except ValueError:
            pass
    raise TypeError(f"expected a whole number, got {v!r}"[:80])


def _as_float(v: Any) -> float:
    if isinstance(v, bool):
        raise TypeError("expected a number")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise TypeError(f"expected a number, got {v!r}"[:80]) from None
    if not math.isfinite(x):
        raise ValueError("expected a finite number")
    return x + 0.0  # -0.0 becomes 0.0 (numpy refuses a noise scale of -0.0)
