"""A trained model as JSON: settings, architecture, parameters, preprocessing, target coding.

No pickle. Loading checks everything before use (format, types, sizes, finiteness), so a
malformed or tampered file is refused with one line for the user, never half-loaded.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np

from nn_core.data.preprocess import Preprocessor
from nn_core.engine.network import Network
from nn_core.errors import PlaygroundError
from nn_core.io.jsonscan import control_text, json_items
from nn_core.limits import (
    MAX_ABS_VALUE,
    MAX_CLASSES,
    MAX_FEATURES,
    MAX_MODEL_BYTES,
    MAX_NAME_CHARS,
)
from nn_core.settings import MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_NODES, TRANSFORMS, RunSettings
from nn_core.training.trainer import TargetCoding, Trainer, labels_of, predict_raw, resolve_head

FORMAT = "nn-playground-model"
VERSION = 1
# The app's own limits, as a network's shape: inputs (features, or 2 with every transform),
# hidden layers of nodes, outputs (one per class at most).
MAX_INPUTS = max(MAX_FEATURES, 2 + len(TRANSFORMS))
MAX_MODEL_PARAMS = ((MAX_INPUTS + 1) * MAX_NODES + (MAX_HIDDEN_LAYERS - 1) * (MAX_NODES + 1)
                    * MAX_NODES + (MAX_NODES + 1) * MAX_CLASSES)
MAX_MODEL_ITEMS = MAX_MODEL_PARAMS + 10_000  # values in the JSON: parameters, names, statistics


class TrainedModel:
    """What predicting needs: the network, the preprocessing, and how to read the outputs."""

    def __init__(self, settings: RunSettings, network: Network, preprocessor: Preprocessor,
                 coding: TargetCoding, feature_names: list[str], target_name: str,
                 classes: list[str], epochs: int = 0) -> None:
        self.settings = settings
        self.network = network
        self.preprocessor = preprocessor
        self.coding = coding
        self.feature_names = feature_names
        self.target_name = target_name
        self.task = coding.task
        self.classes = classes
        self.epochs = epochs

    @classmethod
    def from_trainer(cls, trainer: Trainer) -> TrainedModel:
        ds = trainer.dataset
        return cls(trainer.settings, trainer.network, trainer.preprocessor, trainer.coding,
                   list(ds.feature_names), ds.target_name, list(ds.classes),
                   trainer.held_epoch)  # the epoch of the weights held (early stopping)

    def predict(self, X_raw: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, n_classes)`` or values ``(n,)`` for raw input rows."""
        X_raw = np.asarray(X_raw, dtype=float)
        if X_raw.ndim == 1:
            X_raw = X_raw.reshape(1, -1)
        if X_raw.shape[1] != len(self.feature_names):
            raise PlaygroundError(f"the model needs {len(self.feature_names)} inputs "
                                  f"({', '.join(self.feature_names)}), got {X_raw.shape[1]}")
        return predict_raw(self.network, self.preprocessor, self.coding, X_raw)

    def predict_labels(self, X_raw: np.ndarray) -> list:
        return labels_of(self.predict(X_raw), self.task, self.classes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "settings": self.settings.to_dict(),
            "network": self.network.describe(),
            "params": [float(v) for v in self.network.params],
            "preprocessor": self.preprocessor.to_dict(),
            "target_coding": self.coding.to_dict(),
            "feature_names": list(self.feature_names),
            "target_name": self.target_name,
            "classes": list(self.classes),
            "epochs": int(self.epochs),
        }


def model_to_json(model: Trainer | TrainedModel) -> str:
    """The model as a JSON document (floats written with full precision)."""
    if isinstance(model, Trainer):
        model = TrainedModel.from_trainer(model)
    return json.dumps(model.to_dict(), indent=1)


def model_from_json(text: str | bytes) -> TrainedModel:
    """Read a model written by :func:`model_to_json`; refuse anything else with a clear line.

    The checks come before anything is built: the file's size, the number of values it holds,
    then every field against the app's own limits (inputs, layers, nodes per layer, classes,
    epochs), so a file the app could not have written costs no more memory than its text.
    """
    if isinstance(text, (bytearray, memoryview)):
        text = bytes(text)
    if not isinstance(text, (bytes, str)):
        raise PlaygroundError("expected the contents of a model file")
    if len(text) > MAX_MODEL_BYTES:
        raise PlaygroundError(_too_large())
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PlaygroundError("model file is not UTF-8 text") from None
    elif len(text.encode("utf-8", "replace")) > MAX_MODEL_BYTES:
        raise PlaygroundError(_too_large())
    if json_items(text, MAX_MODEL_ITEMS) > MAX_MODEL_ITEMS:
        raise PlaygroundError(f"model file holds more values than a playground model can "
                              f"(at most {MAX_MODEL_ITEMS:,})")
    try:
        d = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NotFinite:
        raise PlaygroundError("model file has a number too large to be finite") from None
    except (ValueError, RecursionError):  # JSONDecodeError, or an integer too long to read
        raise PlaygroundError("model file is not valid JSON") from None
    where = control_text(d)
    if where is not None:
        raise PlaygroundError(_one_line(f"model file's {where} holds a line break, tab or other "
                                        "control character; a playground model has none"))
    try:
        return _from_dict(d)
    except PlaygroundError as exc:
        raise PlaygroundError(_one_line(str(exc))) from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
        raise PlaygroundError(_one_line(f"model file is damaged or not a playground model "
                                        f"({exc})")) from None


class _NotFinite(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity
        raise _NotFinite(text)
    return value


def _too_large() -> str:
    return f"model file is larger than {MAX_MODEL_BYTES / 2**20:g} MB"


def _one_line(message: str, limit: int = 240) -> str:
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(d: dict, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    """``d[key]`` if it has the JSON type ``kind`` (never a bool for numbers)."""
    if key not in d:
        raise PlaygroundError(f"model file has no {key}")
    value = d[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise PlaygroundError(f"model file's {key} must be {what}")
    return value


def _whole(d: dict, key: str, lo: int, hi: int, default: int | None = None) -> int:
    """A whole number within ``lo…hi`` (JSON integers only)."""
    if default is not None and key not in d:
        return default
    value = _field(d, key, int, "a whole number")
    if not lo <= value <= hi:
        raise PlaygroundError(f"model file's {key} must be {lo:,} to {hi:,}"
                              + ("" if abs(value) > 10**12 else f", not {value:,}"))
    return value


def _number(d: dict, key: str, limit: float) -> float:
    """A finite number of at most ``limit`` in size."""
    value = float(_field(d, key, (int, float), "a number"))
    if not abs(value) <= limit:
        raise PlaygroundError(f"model file's {key} is outside ±{limit:g}")
    return value


def _texts(d: dict, key: str, most: int, chars: int | None) -> list[str]:
    """A list of at most ``most`` distinct texts (each at most ``chars`` long)."""
    values = _field(d, key, list, "a list of text")
    if len(values) > most:
        raise PlaygroundError(f"model file has {len(values):,} {key}; the limit is {most}")
    if not all(isinstance(v, str) for v in values):
        raise PlaygroundError(f"model file's {key} must be a list of text")
    if chars is not None and any(len(v) > chars for v in values):
        raise PlaygroundError(f"model file has one of its {key} longer than {chars} characters")
    if len(set(values)) != len(values):
        raise PlaygroundError(f"model file's {key} repeat a name")
    return values


def _sizes(arch: dict) -> list[int]:
    """The layer sizes, checked against the app's limits before anything is built."""
    sizes = _field(arch, "sizes", list, "a list of layer sizes")
    if not 2 <= len(sizes) <= MAX_HIDDEN_LAYERS + 2 or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in sizes):
        raise PlaygroundError(f"model file has an invalid list of layer sizes: the app makes "
                              f"2 to {MAX_HIDDEN_LAYERS + 2} layers of whole numbers of nodes")
    limits = [("inputs", MAX_INPUTS)] + [("nodes in a hidden layer", MAX_NODES)] * (
        len(sizes) - 2) + [("outputs", MAX_CLASSES)]
    for size, (what, most) in zip(sizes, limits, strict=True):
        if not 1 <= size <= most:
            shown = f"{size:,}" if abs(size) <= 10**12 else "a huge number of"
            raise PlaygroundError(f"model file has an invalid list of layer sizes: {shown} "
                                  f"{what}; the app allows 1 to {most}")
    return sizes


def _from_dict(d: Any) -> TrainedModel:
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise PlaygroundError("this JSON file is not a playground model")
    version = d.get("version")
    if type(version) is not int or version != VERSION:
        raise PlaygroundError(f"model format version {str(version)[:20]!r} is not supported "
                              f"(this app reads version {VERSION})")
    try:
        settings = RunSettings.from_dict(d.get("settings"))
    except PlaygroundError as exc:
        raise PlaygroundError(f"model file's settings: {exc}") from None
    arch = _field(d, "network", dict, "an object")
    sizes = _sizes(arch)
    bias = _field(arch, "bias", bool, "true or false")
    n_params = sum((n_in + bias) * n_out for n_in, n_out in itertools.pairwise(sizes))
    if n_params > MAX_MODEL_PARAMS:  # implied by the sizes' limits; said once more, plainly
        raise PlaygroundError(f"model file's network has {n_params:,} parameters; the limit is "
                              f"{MAX_MODEL_PARAMS:,}")
    params = _field(d, "params", list, "a list of numbers")
    if len(params) != n_params:
        raise PlaygroundError(f"model file should hold {n_params} parameters, not "
                              f"{len(params):,}")
    if not all(isinstance(p, (int, float)) and not isinstance(p, bool) and math.isfinite(p)
               for p in params):
        raise PlaygroundError("model file has a parameter that is not a finite number")

    names = _texts(d, "feature_names", MAX_FEATURES, MAX_NAME_CHARS)
    classes = _texts(d, "classes", MAX_CLASSES, None)
    target = _field(d, "target_name", str, "text")
    if len(target) > MAX_NAME_CHARS:
        raise PlaygroundError(f"model file's target_name is longer than {MAX_NAME_CHARS} "
                              "characters")
    tc = _field(d, "target_coding", dict, "an object")
    task = tc.get("task")
    if task not in ("binary", "multiclass", "regression"):
        raise PlaygroundError("model file's target description does not match its network")
    n_outputs = _whole(tc, "n_outputs", 1, MAX_CLASSES)
    coding = TargetCoding(task, n_outputs, _number(tc, "mean", MAX_ABS_VALUE),
                          _number(tc, "std", 2 * MAX_ABS_VALUE))
    if coding.std <= 0:
        raise PlaygroundError("model file's target scaling is invalid")
    if (settings.task == "regression") != (task == "regression") and settings.task != "auto":
        raise PlaygroundError("model file's target description does not match its settings")
    n_classes = {"regression": 0, "binary": 2}.get(task, len(classes))
    if len(classes) != n_classes or (task == "multiclass" and n_classes < 3):
        raise PlaygroundError("model file's classes do not match its outputs")
    output, loss, n_out = resolve_head(settings, task, n_classes)
    if coding.n_outputs != n_out or sizes[-1] != n_out:
        raise PlaygroundError("model file's target description does not match its network")

    try:
        pre = Preprocessor.from_dict(d.get("preprocessor"))
    except PlaygroundError as exc:
        raise PlaygroundError(f"model file's {exc}") from None
    if not pre.fitted or (pre.scale, pre.transforms) != (
            settings.scale, Preprocessor(settings.scale, settings.transforms).transforms):
        raise PlaygroundError("model file's preprocessing does not match its settings")
    try:
        n_inputs = len(pre.output_names(names))
    except PlaygroundError as exc:
        raise PlaygroundError(f"model file's feature_names: {exc}") from None
    if n_inputs != sizes[0]:
        raise PlaygroundError(f"model file's inputs ({n_inputs}) do not match its network "
                              f"({sizes[0]})")
    if sizes[1:-1] != list(settings.hidden):
        raise PlaygroundError("model file's network does not match its settings' hidden layers")
    drawn = {"activations": list(settings.activations), "output": output, "loss": loss,
             "init": settings.init}
    for key, value in drawn.items():
        if arch.get(key, "xavier" if key == "init" else None) != value:
            raise PlaygroundError(f"model file's network ({key}) does not match its settings")
    if bias != settings.bias:
        raise PlaygroundError("model file's network bias does not match its settings")
    epochs = _whole(d, "epochs", 0, MAX_EPOCHS, default=0)

    net = Network(sizes, drawn["activations"], output, loss, bias, settings.init,
                  np.random.default_rng(0))
    net.set_params(np.array(params, dtype=float))
    return TrainedModel(settings, net, pre, coding, names, target, classes, epochs)
