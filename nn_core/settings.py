"""One object that describes a run: data choice, preprocessing, architecture, optimiser, seed.

The CLI, the app and the share link all build a :class:`RunSettings`, so the same settings give
the same numbers everywhere. It converts to and from a plain dict (JSON-ready) and is checked on
the way in: a wrong value raises :class:`PlaygroundError` naming the field and what is allowed.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nn_core.data.dataset import TASK_CHOICES
from nn_core.data.preprocess import SCALE_TITLES, SCALES, TRANSFORMS
from nn_core.engine import activations, losses, network, optim
from nn_core.engine.backends.recorded import DTYPES
from nn_core.errors import PlaygroundError
from nn_core.limits import MAX_COLUMNS, MAX_SAMPLES, MIN_SAMPLES

# Every name a setting may take comes from the module that implements it.
OUTPUTS = ("auto", *activations.OUTPUT)
LOSSES = ("auto", *losses.LOSSES)
OPTIMIZERS = optim.OPTIMIZERS
INITS = network.INITS
UPDATE_RULES = network.RULES
TASKS = TASK_CHOICES
AUTO = {"auto": "auto (by problem)"}
TITLES = {  # how the pages name the choices of a setting
    "output": {**AUTO, **{a: a for a in activations.OUTPUT}},
    "loss": {**AUTO, **losses.TITLES},
    "optimizer": optim.TITLES,
    "init": network.INIT_TITLES,
    "update_rule": network.RULE_TITLES,
    "scale": SCALE_TITLES,
    "task": {t: t.capitalize() for t in TASK_CHOICES},
    "dtype": {"float64": "float64 (double)", "float32": "float32 (single)"},
}
MAX_HIDDEN_LAYERS = 6
MAX_NODES = 64  # units per hidden layer: the Train page's widgets, links and the CLI all allow it
MAX_EPOCHS = 1_000_000
MAX_PATIENCE = 100_000
MAX_SEED = 2**31 - 1
# The learning rates offered: the slider's steps (TensorFlow Playground's, and 1e-6) and the
# grid a failed run's suggestion is picked from. Its ends are the setting's range; a link may
# set any value between.
LEARNING_RATES = (0.000001, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
# Early stopping is on by default for an uploaded table with at least this many rows, where
# overfitting is silent; the built-in 2-D sets are there to be watched, so it is off for them.
EARLY_STOPPING_ROWS = 100
EARLY_STOPPING = {"patience": 20, "validation_fraction": 0.1}

# What changing a setting does to a trained network, weakest first: the weights stay and the
# change applies from the next epoch; new weights from the seed; new data, then new weights.
KEEP, RESET, RELOAD = "keep", "reset", "reload"
EFFECTS = (KEEP, RESET, RELOAD)
EFFECT_HELP = {KEEP: "Changing it keeps the trained weights.",
               RESET: "Changing it starts a new network.",
               RELOAD: "Changing it reloads the data and starts a new network."}
# Where a setting's widget lives: the Data page, or a section of the Train page.
SECTIONS = ("data", "network", "training", "stop")
_UNSET = object()


def hidden_activations() -> tuple[str, ...]:
    """The hidden layers' activations, read from the engine's table when asked (not copied at
    import), so one added there is offered by the CLI, links and the Train page alike."""
    return activations.HIDDEN


def _setting(default: Any, section: str, effect: str, help: str, *,
             choices: tuple[Any, ...] | None = None, range: tuple[float, float] | None = None,
             items: int = 0, blog: Any = _UNSET, flag: str | None = None) -> Any:
    """A field of :class:`RunSettings` with everything the CLI, links and widgets need to know.

    ``section`` and ``effect`` are from :data:`SECTIONS` and :data:`EFFECTS`; ``help`` is one
    sentence for a widget and a ``--flag``; ``choices`` or ``range`` bound the value (each item
    of a list, which holds at most ``items``); ``blog`` is the value of the blog's network
    (:data:`BLOG_SETUP`); ``flag`` is the CLI's name when it is not the field's ("" for none).
    """
    meta: dict[str, Any] = {"section": section, "effect": effect, "help": help}
    if choices is not None:
        meta["choices"] = choices
    if range is not None:
        meta["range"] = range
    if items:
        meta["items"] = items
    if blog is not _UNSET:
        meta["blog"] = blog
    if flag is not None:
        meta["flag"] = flag
    return field(default=default, metadata=meta)


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

    Each field's metadata (see :func:`_setting`) says where its widget lives, what a change does
    to a trained network, its help text and its bounds: the CLI, the link codec and the widgets
    are derived from it.
    """

    dataset: str = _setting("moons", "data", RELOAD,
                            "A built-in dataset, or csv for an uploaded table.", flag="")
    n_samples: int = _setting(200, "data", RELOAD, "How many points a built-in dataset draws.",
                              range=(MIN_SAMPLES, MAX_SAMPLES), flag="samples")
    noise: float = _setting(0.1, "data", RELOAD, "Noise of a built-in dataset: 0 draws clean "
                            "shapes; 1 blurs the classes into each other.", range=(0.0, 1.0))
    test_fraction: float = _setting(0.2, "data", RESET, "Share of rows held out to measure how "
                                    "well the network generalises.", range=(0.0, 0.9))
    data_seed: int = _setting(0, "data", RELOAD, "Seed of a built-in dataset's points and of "
                              "the train/test split.", range=(0, MAX_SEED))
    target: str = _setting("", "data", RELOAD, "The column the network learns to predict.")
    # (a table has at most MAX_COLUMNS columns; loading it checks the MAX_FEATURES used)
    features: tuple[str, ...] = _setting((), "data", RELOAD, "The inputs of the network: columns "
                                         "that hold numbers (default: all).", items=MAX_COLUMNS)
    task: str = _setting("auto", "data", RELOAD, "Classification predicts a label, regression a "
                         "number. Auto treats text and a few whole-number values as labels, other "
                         "numbers as a regression target.", choices=TASKS)
    transforms: tuple[str, ...] = _setting(
        (), "network", RESET, "Extra inputs computed from two inputs, as in TensorFlow "
        "Playground.", choices=TRANSFORMS, items=len(TRANSFORMS), blog=())
    scale: str = _setting(
        "standard", "network", RESET, "Raw inputs of 150–180 (the blog's heights) drive sigmoid "
        "and tanh units into saturation; scaling brings them near 0. Standardising (mean 0, sd "
        "1) suits a network with biases. Without biases it moves the data's centre to 0, the one "
        "point a bias-free network cannot shift its boundaries away from: there use min–max (to "
        "0.01–0.99) or turn biases on.", choices=SCALES, blog="none")
    hidden: tuple[int, ...] = _setting(
        (8, 8), "network", RESET, "Units per hidden layer; none: no hidden layer (a linear or "
        "logistic model).", range=(1, MAX_NODES), items=MAX_HIDDEN_LAYERS, blog=(2,))
    activation: str = _setting("tanh", "network", RESET, "The hidden layers' activation: one "
                               "name, or one per hidden layer (tanh,relu).", blog="sigmoid")
    output: str = _setting("auto", "network", RESET, "The output layer's activation.",
                           choices=OUTPUTS, blog="sigmoid")
    loss: str = _setting("auto", "network", RESET, "What the training minimises.",
                         choices=LOSSES, blog="mse")
    bias: bool = _setting(True, "network", RESET, "Bias terms (the blog's network has none).",
                          blog=False)
    init: str = _setting("xavier", "network", RESET, "How the initial weights are drawn.",
                         choices=INITS, blog="blog")
    update_rule: str = _setting(
        "exact", "training", KEEP, "The blog's rule sends errors back through the weights "
        "without the output sigmoid's slope: its hidden-layer steps are ≥ 4× the gradient's.",
        choices=UPDATE_RULES, blog="blog")
    lr: float = _setting(0.03, "training", KEEP, "Learning rate: how far each update steps.",
                         range=(LEARNING_RATES[0], LEARNING_RATES[-1]), blog=0.1)
    batch_size: int = _setting(10, "training", KEEP, "Rows per update, 0 = all. 1 updates after "
                               "every row, as the blog's loop does; a batch larger than the "
                               "training rows is all of them.", range=(0, 100_000), blog=1)
    optimizer: str = _setting("sgd", "training", KEEP, "How the gradient becomes a step.",
                              choices=OPTIMIZERS, blog="sgd")
    momentum: float = _setting(0.9, "training", KEEP, "Share of the last step the momentum "
                               "optimiser keeps.", range=(0.0, 0.999))
    l1: float = _setting(0.0, "training", KEEP, "L1 penalty on the weights: it pushes small "
                         "ones to exactly 0.",
                         range=(0.0, 10.0), blog=0.0)
    l2: float = _setting(0.0, "training", KEEP, "L2 penalty on the weights (weight decay): it "
                         "shrinks them all.",
                         range=(0.0, 10.0), blog=0.0)
    shuffle: bool = _setting(True, "training", KEEP, "Shuffle the training rows each epoch.",
                             blog=False)
    epochs: int = _setting(MAX_EPOCHS, "stop", KEEP, f"Stop after this many epochs (the most, "
                           f"{MAX_EPOCHS:,}, trains until you pause).", range=(1, MAX_EPOCHS))
    target_loss: float = _setting(0.0, "stop", KEEP, "Stop once the training loss is this low; "
                                  "0 = no target.", range=(0.0, 1e6))
    patience: int = _setting(0, "stop", KEEP, "Early stopping: stop after this many epochs "
                             "without a better validation loss and go back to the weights of "
                             "the best epoch; 0 = off.", range=(0, MAX_PATIENCE))
    validation_fraction: float = _setting(
        0.0, "stop", RESET, "Share of the training rows set aside for early stopping to watch "
        "(the test rows stay untouched).", range=(0.0, 0.5))
    seed: int = _setting(0, "training", RESET, "Seed of the initial weights and the shuffling.",
                         range=(0, MAX_SEED))
    dtype: str = _setting(
        "float64", "training", KEEP, "The floating-point precision training computes in. "
        "float32 (single, about 7 significant digits) is faster on full batches and large "
        "networks, most on CPUs without AVX-512, and tracks float64 to about 1e-6 on the tested "
        "runs; the network, its measures and saved models stay float64.", choices=DTYPES,
        blog="float64")

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _coerce(f, getattr(self, f.name)))
        acts = tuple(a.strip() for a in self.activation.split(",") if a.strip())
        for a in acts:
            check_item("activation", a, {"choices": hidden_activations()})
        if len(acts) > 1 and len(acts) != len(self.hidden):
            raise PlaygroundError(
                f"activation: give one name or one per hidden layer ({len(self.hidden)}), "
                f"got {len(acts)}"
            )

    def effect_of(self, new: RunSettings) -> str | None:
        """What going from these settings to ``new`` does to a trained network: None when
        nothing changed, else the strongest of :data:`EFFECTS` among the changed fields."""
        changed = [EFFECT[name] for name in EFFECT if getattr(self, name) != getattr(new, name)]
        return max(changed, key=EFFECTS.index, default=None)

    def needs_reset(self, new: RunSettings) -> bool:
        """True when going to ``new`` needs new weights (the data or the network changed).

        Learning rate, batch size, optimiser, momentum, regularisation, update rule, shuffling
        and the stopping rules can change between epochs and keep the weights.
        """
        return self.effect_of(new) in (RESET, RELOAD)

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


def choice_title(name: str, choice: str) -> str:
    """How the pages name one choice of setting ``name`` (the choice itself when untitled)."""
    return TITLES.get(name, {}).get(choice, choice)


def help_text(name: str, effect: bool = False) -> str:
    """A setting's help sentence; with ``effect``, followed by what a change does."""
    meta = _FIELDS[name].metadata
    return meta["help"] + (" " + EFFECT_HELP[meta["effect"]] if effect else "")


def fields_in(section: str) -> tuple[str, ...]:
    """The settings whose widgets live in ``section`` (one of :data:`SECTIONS`)."""
    return tuple(n for n, f in _FIELDS.items() if f.metadata["section"] == section)


class BadValue(PlaygroundError):
    """A setting's value (or one item of a list) outside its ``choices`` or ``range``."""

    def __init__(self, name: str, item: Any, choices: tuple[Any, ...] | None = None,
                 range: tuple[Any, Any] | None = None) -> None:
        self.name, self.item, self.choices, self.range = name, item, choices, range
        shown = repr(item) if isinstance(item, str) else item
        super().__init__(f"{name}: {shown} {self.why('…')}")

    def why(self, to: str) -> str:
        """The end of a sentence about the value: ``is outside 1e-06…10`` (``to`` joins the
        ends) or ``is not one of sgd, momentum, adam``."""
        if self.choices is not None:
            return f"is not one of {', '.join(map(str, self.choices))}"
        lo, hi = self.range or (0, 0)
        return f"is outside {show_bound(lo)}{to}{show_bound(hi)}"


def show_bound(x: float) -> str:
    """An end of a range as text: every digit of a whole number, ``1e-06`` for a float."""
    return str(x) if isinstance(x, int) else f"{x:g}"


def check_item(name: str, item: Any, meta: Mapping[str, Any]) -> None:
    """Raise :class:`BadValue` if ``item`` breaks the ``choices`` or ``range`` in ``meta``
    (a setting's field metadata, or a view choice's)."""
    if "choices" in meta and item not in meta["choices"]:
        raise BadValue(name, item, choices=meta["choices"])
    if "range" in meta and not meta["range"][0] <= item <= meta["range"][1]:
        raise BadValue(name, item, range=meta["range"])


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
EFFECT = {name: f.metadata["effect"] for name, f in _FIELDS.items()}
DATA_FIELDS = tuple(name for name, e in EFFECT.items() if e == RELOAD)  # they decide the data
# The blog's network and training: 2 sigmoid hidden units, no biases, squared error, per-row
# updates, its initialisation and update rule, raw inputs.
BLOG_SETUP: dict[str, Any] = {name: f.metadata["blog"] for name, f in _FIELDS.items()
                              if "blog" in f.metadata}


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
            if len(value) > meta["items"]:
                raise TypeError(f"at most {meta['items']} items, got {len(value)}")
            if "range" in meta:  # a list of whole numbers
                value = tuple(_as_int(v) for v in value)
            else:
                if not all(isinstance(v, str) for v in value):
                    raise TypeError("expected a list of text")
                value = tuple(v.strip() for v in value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise PlaygroundError(f"{name}: {exc}") from None
    for item in value if isinstance(value, tuple) else (value,):
        check_item(name, item, meta)
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
