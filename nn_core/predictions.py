"""A table of predictions for the rows of an input table: bounded, built in one step.

For the Predict page (and anything else that shows or writes predictions): the input table's own
columns, then the predicted label or value, then one probability per class. The size is checked
before anything is predicted (:data:`~nn_core.limits.MAX_PREDICTION_CELLS` cells of rows ×
outputs), the network runs once (labels come from the same probabilities), and the frame is made
in one call rather than a column at a time. Write it with :func:`nn_core.tabular.frame_csv`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from nn_core.errors import PlaygroundError
from nn_core.limits import MAX_PREDICTION_CELLS
from nn_core.tabular import feature_matrix


class Predictor(Protocol):
    """A Trainer or a TrainedModel: raw input rows in, probabilities ``(n, k)`` or values out."""

    def predict(self, X_raw: np.ndarray) -> np.ndarray: ...


def check_prediction_size(n_rows: int, n_outputs: int) -> None:
    """Refuse a table of more than ``MAX_PREDICTION_CELLS`` predicted cells, before predicting.

    ``n_outputs`` counts the predicted columns: the label or value, plus one per class.
    """
    cells = n_rows * n_outputs
    if cells > MAX_PREDICTION_CELLS:
        raise PlaygroundError(f"{n_rows:,} rows × {n_outputs:,} predicted columns is "
                              f"{cells:,} cells; the limit is {MAX_PREDICTION_CELLS:,}: predict "
                              "fewer rows at a time")


def prediction_table(model: Predictor, table: pd.DataFrame, feature_names: Sequence[str],
                     target_name: str, classes: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """``(result, skipped)``: ``table`` with the prediction and class probabilities appended.

    ``classes`` is empty for regression (the column holds values), else one label per output
    column of ``model.predict``. Rows with a missing or non-numeric input keep their cells and get
    blank predictions; ``skipped`` counts them. New columns are named ``predicted <target>`` and
    ``P(<label>)``, with `` (2)``, `` (3)``… added when the table already has that name.
    Raises :class:`PlaygroundError` for a missing input column, no usable row, or a table over
    the size limit (checked first).
    """
    classes = [str(c) for c in classes]
    check_prediction_size(len(table), 1 + len(classes))
    X, rows = feature_matrix(table, list(feature_names))
    out = np.asarray(model.predict(X), dtype=float)
    taken = {str(c) for c in table.columns}
    label_name = _free_name(f"predicted {target_name}", taken)
    n = len(table)
    new: dict[str, np.ndarray] = {}
    if classes:
        out = out.reshape(len(X), len(classes))
        labels = np.full(n, None, dtype=object)
        labels[rows] = np.asarray(classes, dtype=object)[np.argmax(out, axis=1)]
        new[label_name] = labels
        probabilities = np.full((n, len(classes)), np.nan)
        probabilities[rows] = out
        for k, label in enumerate(classes):
            new[_free_name(f"P({label})", taken)] = probabilities[:, k]
    else:
        values = np.full(n, np.nan)
        values[rows] = out.reshape(len(X))
        new[label_name] = values
    inputs = table.reset_index(drop=True)
    result = pd.concat([inputs, pd.DataFrame(new, index=inputs.index)], axis=1)
    return result, n - int(rows.sum())


def _free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``… if taken; the result is taken from then on."""
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name} ({k})", k + 1
    taken.add(candidate)
    return candidate
