"""A trained model as JSON: settings, architecture, parameters, preprocessing, target coding.

No pickle. Loading checks everything before use (format, types, sizes, finiteness), so a
malformed or tampered file is refused with one line for the user, never half-loaded.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from nn_core.errors import PlaygroundError
from nn_core.network import Network
from nn_core.preprocess import Preprocessor
from nn_core.settings import RunSettings
from nn_core.training import TargetCoding, Trainer, labels_of, predict_raw

FORMAT = "nn-playground-model"
VERSION = 1
MAX_MODEL_BYTES = 5_000_000


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
                   list(ds.feature_names), ds.target_name, list(ds.classes), trainer.epoch)

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
    """Read a model written by :func:`model_to_json`; refuse anything else with a clear line."""
    if isinstance(text, bytes):
        if len(text) > MAX_MODEL_BYTES:
            raise PlaygroundError(f"model file is larger than {MAX_MODEL_BYTES // 1_000_000} MB")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PlaygroundError("model file is not UTF-8 text") from None
    if len(text) > MAX_MODEL_BYTES:
        raise PlaygroundError(f"model file is larger than {MAX_MODEL_BYTES // 1_000_000} MB")
    try:
        d = json.loads(text, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, ValueError, RecursionError):
        raise PlaygroundError("model file is not valid JSON") from None
    try:
        return _from_dict(d)
    except PlaygroundError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise PlaygroundError(f"model file is damaged or not a playground model ({exc})"[:200]) \
            from None


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def _from_dict(d: Any) -> TrainedModel:
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise PlaygroundError("this JSON file is not a playground model")
    if d.get("version") != VERSION:
        raise PlaygroundError(f"model format version {d.get('version')!r} is not supported "
                              f"(this app reads version {VERSION})")
    settings = RunSettings.from_dict(d["settings"])
    arch = d["network"]
    if not isinstance(arch, dict):
        raise TypeError("network must be an object")
    sizes = arch["sizes"]
    if (not isinstance(sizes, list) or not 2 <= len(sizes) <= 10
            or not all(isinstance(s, int) and 1 <= s <= 10_000 for s in sizes)):
        raise PlaygroundError("model file has an invalid list of layer sizes")
    net = Network(sizes, arch["activations"], arch["output"], arch["loss"], bool(arch["bias"]),
                  arch.get("init", "xavier"), np.random.default_rng(0))
    params = d["params"]
    if not isinstance(params, list) or len(params) != net.params.size:
        raise PlaygroundError(f"model file should hold {net.params.size} parameters")
    if not all(isinstance(p, (int, float)) and not isinstance(p, bool) and math.isfinite(p)
               for p in params):
        raise PlaygroundError("model file has a parameter that is not a finite number")
    net.set_params(np.array(params, dtype=float))
    pre = Preprocessor.from_dict(d["preprocessor"])
    tc = d["target_coding"]
    coding = TargetCoding(str(tc["task"]), int(tc["n_outputs"]), float(tc["mean"]),
                          float(tc["std"]))
    if coding.task not in ("binary", "multiclass", "regression") or coding.n_outputs != sizes[-1]:
        raise PlaygroundError("model file's target description does not match its network")
    if not (math.isfinite(coding.mean) and math.isfinite(coding.std) and coding.std > 0):
        raise PlaygroundError("model file's target scaling is invalid")
    names = d["feature_names"]
    classes = d["classes"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise TypeError("feature_names must be a list of text")
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise TypeError("classes must be a list of text")
    n_classes_needed = 0 if coding.task == "regression" else max(2, coding.n_outputs)
    if len(classes) != n_classes_needed:
        raise PlaygroundError("model file's classes do not match its outputs")
    n_inputs = len(pre.output_names(names))
    if n_inputs != sizes[0]:
        raise PlaygroundError(f"model file's inputs ({n_inputs}) do not match its network "
                              f"({sizes[0]})")
    target = d["target_name"]
    if not isinstance(target, str):
        raise TypeError("target_name must be text")
    return TrainedModel(settings, net, pre, coding, names, target, classes,
                        int(d.get("epochs", 0)))
