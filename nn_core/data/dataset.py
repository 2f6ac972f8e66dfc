"""A dataset ready for training, its train/test split, and the one entry point that loads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from nn_core.errors import PlaygroundError

if TYPE_CHECKING:
    pass

TASK_KINDS = ("binary", "multiclass", "regression")
TASK_CHOICES = ("auto", "classification", "regression")  # what a user asks for; auto infers


@dataclass
class Dataset:
    """Raw features ``X`` (n, d), targets ``y`` and what the user needs to read them.

    ``y`` holds class indices into ``classes`` (int64) for classification and values (float64)
    for regression. ``test_rows`` fixes the test rows (the blog's table); otherwise the split is
    random. ``notices`` are one-line messages for the user (rows dropped, columns left out).
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_name: str
    task: str
    classes: list[str]
    name: str = "custom"
    description: str = ""
    test_rows: np.ndarray | None = None
    notices: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.X = np.asarray(self.X, dtype=np.float64)
        if self.X.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {self.X.shape}")
        n, d = self.X.shape
        if self.task not in TASK_KINDS:
            raise ValueError(f"task must be one of {TASK_KINDS}, got {self.task!r}")
        self.y = np.asarray(self.y, dtype=np.float64 if self.task == "regression" else np.int64)
        if self.y.shape != (n,):
            raise ValueError(f"y must have shape ({n},), got {self.y.shape}")
        if len(self.feature_names) != d:
            raise ValueError(f"{d} feature columns but {len(self.feature_names)} names")
        if self.is_classification:
            in_range = n == 0 or 0 <= self.y.min() <= self.y.max() < len(self.classes)
            if len(self.classes) < 2 or not in_range:
                raise ValueError("classification needs >= 2 classes and y indices into them")
        elif self.classes:
            raise ValueError("a regression dataset has no classes")
        if self.test_rows is not None:
            self.test_rows = np.asarray(self.test_rows, dtype=bool)
            if self.test_rows.shape != (n,):
                raise ValueError(f"test_rows must have shape ({n},)")

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"


def split_indices(ds: Dataset, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(train, test)``, each sorted; the same seed gives the same split.

    Classification is stratified: every class keeps at least one training row, and a class with
    two or more rows gets at least one test row when ``test_fraction > 0``. A dataset with fixed
    ``test_rows`` (the blog's table) ignores ``test_fraction`` and ``seed``.
    """
    if ds.test_rows is not None:
        return np.flatnonzero(~ds.test_rows), np.flatnonzero(ds.test_rows)
    if not 0.0 <= test_fraction < 1.0:
        raise PlaygroundError(f"test fraction must be at least 0 and below 1, got {test_fraction}")
    rng = np.random.default_rng(seed)
    if ds.is_classification:
        groups = [np.flatnonzero(ds.y == c) for c in range(ds.n_classes)]
    else:
        groups = [np.arange(ds.n_samples)]
    test_parts = []
    for rows in groups:
        rows = rng.permutation(rows)
        n_test = _test_count(len(rows), test_fraction)
        test_parts.append(rows[:n_test])
    test = np.sort(np.concatenate(test_parts)).astype(np.int64)
    train = np.setdiff1d(np.arange(ds.n_samples), test).astype(np.int64)
    return train, test


def _test_count(n: int, test_fraction: float) -> int:
    """How many of ``n`` rows go to the test set: at least one and never all (if n >= 2)."""
    if test_fraction <= 0 or n < 2:
        return 0
    return min(max(round(n * test_fraction), 1), n - 1)
