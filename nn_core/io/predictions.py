"""A table of predictions for the rows of an input table: bounded, built in one step.

For the Predict page (and anything else that shows or writes predictions): the input table's own
columns, then the predicted label or value, then one probability per class. The size is checked
before anything is predicted (:data:`~nn_core.limits.MAX_PREDICTION_CELLS` cells of rows ×
outputs), the network runs once (labels come from the same probabilities), and the frame is made
in one call rather than a column at a time. The Predict page, the CLI's ``predict`` and the
standalone script name and order the columns alike. Write it with
:func:`nn_core.data.tabular.frame_csv`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from nn_core.data.tabular import feature_matrix
from nn_core.errors import PlaygroundError
from nn_core.limits import MAX_PREDICTION_CELLS


class Predictor(Protocol):
    """A Trainer or a TrainedModel: raw input rows in, probabilities ``(n, k)`` or values out."""

    def predict(self, X_raw: np.ndarray) -> np.ndarray: ...


def check_prediction_size(n_rows: int, n_outputs: int) -> None:
    """Refuse a table of more than ``MAX_PREDICTION_CELLS`` predicted cells, before predicting.

    ``n_outputs`` counts the predicted columns: the label or value, plus one per class.
    """
    cells = n_rows * n_outputs
    if cells > MAX_PREDICTION_CELLS:
        most = max(1, MAX_PREDICTION_CELLS // max(1, n_outputs))
        raise PlaygroundError(f"{n_rows:,} rows × {n_outputs:,} predicted columns is "
                              f"{cells:,} cells; the limit is {MAX_PREDICTION_CELLS:,}: predict "
                              f"at most {most:,} rows at a time")


def predictions_frame(inputs: pd.DataFrame, out: np.ndarray | None, rows: np.ndarray,
                      target_name: str, classes: Sequence[str]) -> pd.DataFrame:
    """``inputs`` with one probability column per class (none for regression), then the
    predicted label or value, joined in one step (a column at a time, a thousand classes took
    seconds).

    ``out`` holds the network's outputs for the rows where the bool mask ``rows`` is true (None
    when no row was usable); the other rows keep their cells and get blank predictions. Columns
    are named by :func:`~nn_core.io.export.probability_column` and
    :func:`~nn_core.io.export.prediction_column`, with `` (2)``, `` (3)``… added to a name the
    table already has.
    """
    from nn_core.io.export import prediction_column, probability_column

    classes = [str(c) for c in classes]
    inputs = inputs.reset_index(drop=True)
    n = len(inputs)
    taken = {str(c) for c in inputs.columns}
    new: dict[str, np.ndarray] = {}
    if classes:
        probabilities = np.full((n, len(classes)), np.nan)
        labels = np.full(n, None, dtype=object)
        if out is not None:
            out = np.asarray(out, dtype=float).reshape(-1, len(classes))
            probabilities[rows] = out
            labels[rows] = np.asarray(classes, dtype=object)[np.argmax(out, axis=1)]
        for k, label in enumerate(classes):
            new[free_name(probability_column(label), taken)] = probabilities[:, k]
        new[free_name(prediction_column(target_name), taken)] = labels
    else:
        values = np.full(n, np.nan)
        if out is not None:
            values[rows] = np.asarray(out, dtype=float).reshape(-1)
        new[free_name(prediction_column(target_name), taken)] = values
    return pd.concat([inputs, pd.DataFrame(new, index=inputs.index)], axis=1)


def prediction_table(model: Predictor, table: pd.DataFrame, feature_names: Sequence[str],
                     target_name: str, classes: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """``(result, skipped)``: ``table`` with its predictions appended (:func:`predictions_frame`).

    ``classes`` is empty for regression, else one label per output column of
    ``model.predict``. The size is checked first; the network runs once on the usable rows;
    ``skipped`` counts the rows with a missing or non-numeric input. Raises
    :class:`PlaygroundError` for a missing input column, no usable row, or a table over the
    size limit.
    """
    check_prediction_size(len(table), 1 + len(classes))
    X, rows = feature_matrix(table, list(feature_names))
    out = model.predict(X) if len(X) else None
    return (predictions_frame(table, out, rows, target_name, classes),
            len(table) - int(rows.sum()))


def free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``… if taken; the result is taken from then on."""
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name} ({k})", k + 1
    taken.add(candidate)
    return candidate
