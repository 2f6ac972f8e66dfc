"""What the Predict page needs around a trainer: default inputs, batch tables, result tables."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from nn_core.data.builtin import BLOG_TEST
from nn_core.data.dataset import Dataset
from nn_core.data.tabular import feature_matrix, read_csv_bytes
from nn_core.io.predictions import check_prediction_size, predictions_frame
from nn_core.io.serialize import TrainedModel
from nn_core.limits import prediction_bytes, table_shape
from ui.views.quality import TargetCheck, target_check

PREVIEW_ROWS = 1000  # rows of a batch prediction shown on the page
PREVIEW_CELLS = 50_000  # ... and at most this many values (the download has them all)


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


def prediction_columns(ds: Dataset) -> int:
    """How many columns a prediction adds to a table: the prediction, and for a classifier one
    probability per class."""
    return 1 + (ds.n_classes if ds.is_classification else 0)


def results_frame(
    model: Predictor,
    ds: Dataset,
    X: np.ndarray,
    inputs: pd.DataFrame | None = None,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Inputs, one probability column per class (classifiers) and the prediction.

    ``X`` holds the usable rows of ``inputs``; ``rows`` (a bool mask over ``inputs``) says which
    they are. One forward pass; the table is :func:`nn_core.io.predictions.predictions_frame`'s.
    """
    frame = inputs if inputs is not None else pd.DataFrame(X, columns=list(ds.feature_names))
    if rows is None:
        rows = np.ones(len(frame), dtype=bool)
    out = np.asarray(model.predict(X), dtype=float) if len(X) else None
    classes = list(ds.classes) if ds.is_classification else []
    return predictions_frame(frame, out, rows, ds.target_name, classes)


@dataclass(frozen=True)
class BatchPrediction:
    """A CSV's rows with their predictions, and how many rows had no usable input."""

    frame: pd.DataFrame
    skipped: int
    check: TargetCheck | None = None  # the file's own target column against the predictions

    def preview(self, cells: int = PREVIEW_CELLS) -> pd.DataFrame:
        """The first rows, at most ``cells`` values and :data:`PREVIEW_ROWS` rows: what the
        page shows (the download has every row)."""
        n_rows = max(1, min(PREVIEW_ROWS, cells // max(1, self.frame.shape[1])))
        return self.frame.head(n_rows)


def batch_prediction(model: Predictor, ds: Dataset, data: bytes) -> BatchPrediction:
    """Read a CSV of inputs and predict every usable row.

    Raises :class:`PlaygroundError` for a file that cannot be read or lacks a feature column,
    and before predicting when the table would hold more than
    :data:`~nn_core.limits.MAX_PREDICTION_CELLS` predicted values.
    """
    table = read_csv_bytes(data)
    check_prediction_size(len(table), prediction_columns(ds))
    X, rows = feature_matrix(table, list(ds.feature_names))
    frame = results_frame(model, ds, X, inputs=table, rows=rows)
    return BatchPrediction(frame, len(rows) - int(rows.sum()),
                           target_check(table, frame, X, rows, ds))


def prediction_need(model: Predictor, ds: Dataset, data: bytes) -> int:
    """Bytes predicting the CSV ``data`` with ``model`` will take
    (:func:`nn_core.limits.prediction_bytes`), counted from the file's size and line breaks and
    the network's widest layer before anything is read."""
    rows, columns = table_shape(data)
    network = getattr(model, "network", None)
    widest = max(network.sizes) if network is not None else columns
    return prediction_bytes(rows, columns, prediction_columns(ds), widest, len(data))


def prediction_key(model: Predictor, ds: Dataset, data: bytes) -> tuple:
    """What a batch prediction depends on: this model object, its current weights (a
    trainer's change as it trains), the names it predicts with, and the file's bytes."""
    network = getattr(model, "network", None)
    weights = b"" if network is None else np.asarray(network.params).tobytes()
    return (id(model), hashlib.blake2b(weights, digest_size=16).hexdigest(),
            tuple(ds.feature_names), ds.target_name, tuple(ds.classes),
            hashlib.blake2b(data, digest_size=16).hexdigest())


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
