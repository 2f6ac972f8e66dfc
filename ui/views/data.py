"""Tables and small facts the Data page shows about a :class:`Dataset` (no maths here)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from nn_core.data.dataset import Dataset, split_indices
from nn_core.data.tabular import frame_csv


def whole_mb(n_bytes: int) -> int:
    """A byte limit in whole megabytes (at least 1), as an uploader's ``max_upload_size``."""
    return max(1, n_bytes // (1024 * 1024))


TASK_LABELS = {
    "binary": "binary classification",
    "multiclass": "multi-class classification",
    "regression": "regression",
}


def class_metric(ds: Dataset) -> str:
    """The number of classes, "—" for a regression target: short enough for the Data page's
    narrow metric at any width (the caption under it names the task in full)."""
    return str(ds.n_classes) if ds.is_classification else "—"


def dataset_frame(ds: Dataset) -> pd.DataFrame:
    """The dataset as a table: feature columns, then the target (class labels, not indices)."""
    frame = pd.DataFrame(ds.X, columns=list(ds.feature_names))
    if ds.is_classification:
        target = pd.Series([ds.classes[int(i)] for i in ds.y], dtype=object)
    else:
        target = pd.Series(ds.y, dtype=float)
    frame[ds.target_name] = target
    return frame


def table_csv(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV bytes, the form the data layer reads (formulas neutralised)."""
    return frame_csv(frame).encode("utf-8")


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def apply_edits(base: pd.DataFrame, edits: Mapping[str, Any] | None) -> tuple[pd.DataFrame, int]:
    """``base`` with a data editor's edits applied: ``(table, empty added rows dropped)``.

    ``edits`` is the editor's own state (:func:`ui.session.widgets.editor_edits`):
    ``edited_rows`` (position -> {column: value}), ``added_rows`` (list of {column: value})
    and ``deleted_rows`` (positions). Added rows without a single value are left out and
    counted, so the page can say so; every other edit is kept exactly as typed.
    """
    edits = edits or {}
    columns = list(base.columns)
    rows = base.to_dict("records")
    for pos, change in (edits.get("edited_rows") or {}).items():
        i = int(pos)
        if 0 <= i < len(rows):
            rows[i] = {**rows[i], **{c: v for c, v in change.items() if c in columns}}
    deleted = {int(i) for i in edits.get("deleted_rows") or ()}
    rows = [r for i, r in enumerate(rows) if i not in deleted]
    empty = 0
    for added in edits.get("added_rows") or ():
        row = {c: added.get(c) for c in columns}
        if all(_blank(v) for v in row.values()):
            empty += 1
        else:
            rows.append(row)
    return pd.DataFrame(rows, columns=columns), empty


def holdout_mask(ds: Dataset, test_fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of the rows the trainer holds out for testing (the same split it uses)."""
    _, test = split_indices(ds, test_fraction, seed)
    mask = np.zeros(ds.n_samples, dtype=bool)
    mask[test] = True
    return mask


def class_counts(ds: Dataset) -> dict[str, int]:
    """Rows per class label, in class order."""
    counts = np.bincount(ds.y.astype(np.int64), minlength=ds.n_classes)
    return {label: int(n) for label, n in zip(ds.classes, counts, strict=True)}
