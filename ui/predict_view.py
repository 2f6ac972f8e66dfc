"""What the Predict page needs around a trainer: default inputs, batch tables, result tables."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import pandas as pd

from nn_core.dataset import Dataset
from nn_core.datasets import BLOG_TEST
from nn_core.serialize import TrainedModel


class Predictor(Protocol):
    """A Trainer or a TrainedModel: raw inputs in, outputs or labels out."""

    def predict(self, X_raw: np.ndarray) -> np.ndarray: ...

    def predict_labels(self, X_raw: np.ndarray) -> list: ...


def blog_examples(ds: Dataset) -> list[list[float]]:
    """The blog's ``test_inputs`` when ``ds`` is the blog's table, else no examples."""
    if ds.name == "blog" and list(ds.feature_names) == ["height", "weight", "age"]:
        return [list(map(float, row)) for row in BLOG_TEST]
    return []


def default_inputs(ds: Dataset) -> list[float]:
    """Starting values of the input boxes: the blog's first test input, else the column means."""
    examples = blog_examples(ds)
    if examples:
        return examples[0]
    return [float(v) for v in np.round(ds.X.mean(axis=0), 4)]


def input_step(ds: Dataset, column: int) -> float:
    """A step for a number box: a round number near a tenth of the column's spread."""
    values = ds.X[:, column]
    spread = float(values.max() - values.min()) if len(values) else 0.0
    if spread <= 0 or not math.isfinite(spread):
        return 1.0
    if np.all(values == np.round(values)) and spread >= 10:
        return 1.0
    return float(10 ** math.floor(math.log10(spread / 10)))


def class_probabilities(model: Predictor, ds: Dataset, X: np.ndarray) -> np.ndarray | None:
    """Per-class probabilities ``(n, n_classes)`` of a classifier; None for regression."""
    if not ds.is_classification:
        return None
    return np.asarray(model.predict(X), dtype=float).reshape(len(X), ds.n_classes)


def results_frame(
    model: Predictor,
    ds: Dataset,
    X: np.ndarray,
    inputs: pd.DataFrame | None = None,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Inputs, the prediction and (for classifiers) one probability column per class.

    ``X`` holds the usable rows of ``inputs``; ``rows`` (a bool mask over ``inputs``) says which
    they are. Other rows keep their inputs and get blank predictions.
    """
    frame = (
        inputs.reset_index(drop=True).copy()
        if inputs is not None
        else pd.DataFrame(X, columns=list(ds.feature_names))
    )
    if rows is None:
        rows = np.ones(len(frame), dtype=bool)
    labels = model.predict_labels(X) if len(X) else []
    name = _free_name(f"predicted {ds.target_name}", frame.columns)
    if ds.is_classification:
        column = pd.Series([None] * len(frame), dtype=object)
        column[rows] = [str(v) for v in labels]
    else:
        column = pd.Series(np.full(len(frame), np.nan))
        column[rows] = np.asarray(labels, dtype=float)
    frame[name] = column
    probs = class_probabilities(model, ds, X) if len(X) else None
    if probs is not None:
        for k, label in enumerate(ds.classes):
            values = np.full(len(frame), np.nan)
            values[rows] = probs[:, k]
            frame[_free_name(f"P({label})", frame.columns)] = values
    return frame


def _free_name(name: str, taken: pd.Index) -> str:
    """``name``, or ``name (2)``, ``name (3)``… if the table already has it."""
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name} ({k})", k + 1
    return candidate


def model_dataset(model: TrainedModel) -> Dataset:
    """A stand-in dataset describing a loaded model's inputs and outputs (no data travels with
    a model): three rows spanning its training inputs as the preprocessing recorded them."""
    pre, n = model.preprocessor, len(model.feature_names)
    if pre.scale == "standard":
        mean, std = pre.stats["mean"][:n], pre.stats["std"][:n]
        X = np.vstack([mean - std, mean, mean + std])
    elif pre.scale == "minmax":
        lo, hi = pre.stats["min"][:n], pre.stats["max"][:n]
        X = np.vstack([lo, (lo + hi) / 2, hi])
    else:
        X = np.zeros((3, n))
    task = model.task
    y = np.zeros(3) if task == "regression" else np.zeros(3, dtype=np.int64)
    name = "blog" if model.settings.dataset == "blog" else "model"
    return Dataset(X, y, list(model.feature_names), model.target_name, task,
                   list(model.classes), name=name)
