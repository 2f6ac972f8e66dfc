"""How good is a trained network: confusion matrices, precision and recall, R², RMSE, residuals.

Pure numpy on arrays the caller already has: true targets (class indices, or values) and the
network's outputs (class probabilities ``(n, k)``, or values ``(n,)``, as
:meth:`nn_core.training.trainer.Trainer.predict` gives them). A ratio whose denominator is 0
(precision of
a class never predicted, recall of a class with no rows, R² of a constant target) is undefined:
NaN here, never 0, so a view can show "—".

:func:`trainer_quality` measures a :class:`~nn_core.training.trainer.Trainer` on its training rows
(the
rows it learns from: a validation share set aside for early stopping is in neither split) and on
its test rows, with the network's current weights. :func:`target_indices` reads a target column
of a table (the Predict page's batch CSV) as the dataset's class indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from nn_core.training.trainer import Trainer

UNDEFINED = float("nan")


# ------------------------------------------------------------------------------ classification
def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``(n_classes, n_classes)``: row = true class, column = predicted class."""
    t = np.asarray(y_true, dtype=np.int64).reshape(-1)
    p = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"{len(t)} true labels but {len(p)} predicted")
    k = int(n_classes)
    if len(t) and (min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= k):
        raise ValueError(f"class indices must lie in 0..{k - 1}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, UNDEFINED)
    np.divide(num, den, out=out, where=den > 0)
    return out


def row_shares(matrix: np.ndarray) -> np.ndarray:
    """Each row of a confusion matrix as shares of its true class (NaN for a class with no
    rows): the diagonal is each class's recall."""
    m = np.asarray(matrix, dtype=float)
    return _ratio(m, m.sum(axis=1, keepdims=True))


def precision_recall(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per class: precision (of the rows predicted as it, the share truly it) and recall (of
    its rows, the share predicted as it). NaN where no row was predicted as / belongs to it."""
    m = np.asarray(matrix, dtype=float)
    hits = np.diag(m)
    return _ratio(hits, m.sum(axis=0)), _ratio(hits, m.sum(axis=1))


def accuracy(matrix: np.ndarray) -> float:
    """Share of rows on the diagonal (NaN for no rows)."""
    m = np.asarray(matrix, dtype=float)
    total = m.sum()
    return float(np.trace(m) / total) if total > 0 else UNDEFINED


# ---------------------------------------------------------------------------------- regression
def residuals(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Actual minus predicted, per row."""
    return np.asarray(y_true, dtype=float).reshape(-1) - np.asarray(y_pred, dtype=float).reshape(-1)


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root mean squared error (NaN for no rows)."""
    r = residuals(y_true, y_pred)
    return float(np.sqrt(np.mean(r**2))) if len(r) else UNDEFINED


def r2(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Coefficient of determination, 1 − SS_res / SS_tot (NaN for fewer than two rows or a
    constant target, where it is undefined)."""
    y = np.asarray(y_true, dtype=float).reshape(-1)
    if len(y) < 2:
        return UNDEFINED
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    ss_res = float(np.sum(residuals(y, y_pred) ** 2))
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else UNDEFINED


# ------------------------------------------------------------------------------ measured rows
@dataclass(frozen=True)
class ClassQuality:
    """A classifier on some rows: ``rows`` are their numbers (in the dataset or the table),
    ``y_true`` class indices, ``probabilities`` ``(n, n_classes)``."""

    rows: np.ndarray
    y_true: np.ndarray
    probabilities: np.ndarray
    n_classes: int
    y_pred: np.ndarray = field(init=False)
    matrix: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        p = np.asarray(self.probabilities, dtype=float).reshape(len(self.y_true), self.n_classes)
        pred = np.argmax(p, axis=1) if len(p) else np.zeros(0, dtype=np.int64)
        object.__setattr__(self, "probabilities", p)
        object.__setattr__(self, "y_pred", pred.astype(np.int64))
        object.__setattr__(self, "matrix", confusion_matrix(self.y_true, pred, self.n_classes))

    @property
    def n(self) -> int:
        return len(self.y_true)

    @property
    def shares(self) -> np.ndarray:
        return row_shares(self.matrix)

    @property
    def precision(self) -> np.ndarray:
        return precision_recall(self.matrix)[0]

    @property
    def recall(self) -> np.ndarray:
        return precision_recall(self.matrix)[1]

    @property
    def accuracy(self) -> float:
        return accuracy(self.matrix)

    @property
    def wrong(self) -> np.ndarray:
        """Bool mask of the rows whose predicted class is not their true class."""
        return self.y_pred != np.asarray(self.y_true)

    @property
    def predicted_probability(self) -> np.ndarray:
        """The probability the network gives its predicted class, per row."""
        return self.probabilities[np.arange(self.n), self.y_pred]


@dataclass(frozen=True)
class RegressionQuality:
    """A regression network on some rows: ``rows`` are their numbers, ``y_true`` the actual
    values and ``y_pred`` the predicted ones."""

    rows: np.ndarray
    y_true: np.ndarray
    y_pred: np.ndarray

    @property
    def n(self) -> int:
        return len(self.y_true)

    @property
    def residuals(self) -> np.ndarray:
        return residuals(self.y_true, self.y_pred)

    @property
    def r2(self) -> float:
        return r2(self.y_true, self.y_pred)

    @property
    def rmse(self) -> float:
        return rmse(self.y_true, self.y_pred)


Quality = ClassQuality | RegressionQuality


def quality_of(task: str, n_classes: int, y_true: np.ndarray, out: np.ndarray,
               rows: np.ndarray | None = None) -> Quality:
    """Measure outputs ``out`` (probabilities or values) against ``y_true`` for ``task``."""
    y_true = np.asarray(y_true)
    rows = np.arange(len(y_true)) if rows is None else np.asarray(rows, dtype=np.int64)
    if task == "regression":
        return RegressionQuality(rows, y_true.astype(float),
                                 np.asarray(out, dtype=float).reshape(-1))
    return ClassQuality(rows, y_true.astype(np.int64), np.asarray(out, dtype=float), n_classes)


def trainer_quality(trainer: Trainer) -> dict[str, Quality]:
    """``{"train": ..., "test": ...}`` for the trainer's current weights: the training rows
    it learns from (``train_idx``, validation rows excluded) and its test rows (``test_idx``),
    each numbered by its row in the dataset. One forward pass per split, on the inputs the
    trainer already preprocessed."""
    ds = trainer.dataset
    out: dict[str, Quality] = {}
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for split, X, y, idx in (("train", trainer.X_train, trainer.y_train, trainer.train_idx),
                                 ("test", trainer.X_test, trainer.y_test, trainer.test_idx)):
            pred = trainer.coding.decode(trainer.network.forward(X))
            out[split] = quality_of(ds.task, ds.n_classes, y, pred, idx)
    return out


# ------------------------------------------------------------------------ targets in a table
def target_indices(column: pd.Series, classes: list[str]) -> np.ndarray:
    """A table's target column as indices into ``classes``, read as the dataset was read
    (numbers as ``"1"``/``"2.5"``, text trimmed); -1 where the cell is missing or names no class."""
    from nn_core.data.tabular import _label, _target_values

    numbers, labels = _target_values(column)
    if labels is None:
        labels = [_label(float(v)) if np.isfinite(v) else None for v in numbers]
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index.get(lab, -1) if lab is not None else -1 for lab in labels],
                    dtype=np.int64)


def target_values(column: pd.Series) -> np.ndarray | None:
    """A table's target column as floats (NaN where missing or not finite); None when the
    column holds text."""
    from nn_core.data.tabular import as_numbers

    values = as_numbers(column)
    if values is None:
        return None
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(values), values, np.nan)
