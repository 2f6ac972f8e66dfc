"""Input preprocessing: optional feature transforms, then scaling fitted on the training rows.

Transforms are TF Playground's extra inputs for 2-D data (x1², x2², x1·x2, sin x1, sin x2),
computed from the raw values. Scaling is "standard" (zero mean, unit spread), "minmax" (into
0.01–0.99, the range of the book behind the blog) or "none" (the blog's raw inputs).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from nn_core.errors import PlaygroundError
from nn_core.limits import MAX_FEATURES

LOW, HIGH = 0.01, 0.99  # the minmax range
STATS = {"standard": ("mean", "std"), "minmax": ("min", "max"), "none": ()}
SCALES = tuple(STATS)
SCALE_TITLES = {"standard": "standardise (mean 0, sd 1)", "minmax": f"min–max to {LOW:g}–{HIGH:g}",
                "none": "none: raw values (the blog's)"}
# Extra inputs for 2-D data, as in TensorFlow Playground: name -> (the NumPy expression of the
# two inputs x1 and x2, the new column's name from theirs a and b). The standalone script
# (nn_core.io.export) computes them with the same expressions.
TRANSFORM_TABLE = {
    "x1^2": ("x1 * x1", "{a}^2"),
    "x2^2": ("x2 * x2", "{b}^2"),
    "x1x2": ("x1 * x2", "{a}*{b}"),
    "sin_x1": ("np.sin(x1)", "sin({a})"),
    "sin_x2": ("np.sin(x2)", "sin({b})"),
}
TRANSFORMS = tuple(TRANSFORM_TABLE)
_TRANSFORM = {t: eval(f"lambda x1, x2: {code}", {"np": np})  # constant code from the table
              for t, (code, _) in TRANSFORM_TABLE.items()}


def _transform_columns(X: np.ndarray, transforms: Sequence[str]) -> list[np.ndarray]:
    return [_TRANSFORM[t](X[:, 0], X[:, 1]) for t in transforms]


def _transform_name(t: str, a: str, b: str) -> str:
    return TRANSFORM_TABLE[t][1].format(a=a, b=b)


class Preprocessor:
    """Transforms, then scaling. ``fit`` on the training rows, ``transform`` anything after."""

    def __init__(self, scale: str = "standard", transforms: Sequence[str] = ()) -> None:
        if scale not in SCALES:
            raise PlaygroundError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}"[:120])
        if isinstance(transforms, str) or not all(t in TRANSFORMS for t in transforms):
            raise PlaygroundError(f"transforms must be chosen from {', '.join(TRANSFORMS)}")
        self.scale = scale
        self.transforms = tuple(t for t in TRANSFORMS if t in transforms)  # canonical order
        self.n_inputs: int | None = None
        self.stats: dict[str, np.ndarray] = {}

    @property
    def fitted(self) -> bool:
        return self.n_inputs is not None

    @property
    def n_outputs(self) -> int:
        """Number of columns ``transform`` returns (needs ``fit``)."""
        return self._need_fit() + len(self.transforms)

    def fit(self, X_train: np.ndarray) -> Preprocessor:
        """Learn the scaling statistics from the training rows only."""
        Z = self._expand(X_train, fitting=True)
        if len(Z) == 0:
            raise PlaygroundError("cannot fit the scaling on zero training rows")
        flat = Z.max(axis=0) == Z.min(axis=0)  # constant columns: exactly, not std > 0
        if self.scale == "standard":
            with np.errstate(over="ignore", invalid="ignore"):
                mean, std = np.where(flat, Z[0], Z.mean(axis=0)), Z.std(axis=0)
            self.stats = {"mean": mean, "std": np.where(flat | (std == 0), 1.0, std)}
        elif self.scale == "minmax":
            self.stats = {"min": Z.min(axis=0), "max": Z.max(axis=0)}
        if not all(np.isfinite(v).all() for v in self.stats.values()):
            raise PlaygroundError("the inputs are too large to scale")
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """The network's inputs for raw rows ``X`` (n, n_inputs)."""
        self._need_fit()
        Z = self._expand(X)
        if self.scale == "none":
            return Z
        with np.errstate(over="ignore", invalid="ignore"):
            if self.scale == "standard":
                out = (Z - self.stats["mean"]) / self.stats["std"]
            else:
                lo, span = self.stats["min"], self.stats["max"] - self.stats["min"]
                flat = span == 0
                out = LOW + (HIGH - LOW) * (Z - lo) / np.where(flat, 1.0, span)
                out[:, flat] = (LOW + HIGH) / 2  # a constant column sits in the middle
        if not np.isfinite(out).all():
            raise PlaygroundError("the inputs are too far outside the training range to scale")
        return out

    def fit_transform(self, X_train: np.ndarray) -> np.ndarray:
        return self.fit(X_train).transform(X_train)

    def output_names(self, feature_names: Sequence[str]) -> list[str]:
        """Names of the transformed columns: the inputs, then e.g. "height^2", "sin(weight)"."""
        names = [str(n) for n in feature_names]
        if self.n_inputs is not None and len(names) != self.n_inputs:
            raise PlaygroundError(f"expected {self.n_inputs} input name(s), got {len(names)}")
        if self.transforms:
            if len(names) != 2:
                raise PlaygroundError(self._two_inputs_message(len(names)))
            names += [_transform_name(t, names[0], names[1]) for t in self.transforms]
        return names

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: scale, transforms, number of raw inputs and the fitted statistics."""
        out: dict[str, Any] = {"scale": self.scale, "transforms": list(self.transforms),
                               "n_inputs": self.n_inputs}
        out.update({k: [float(x) for x in v] for k, v in self.stats.items()})
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Preprocessor:
        """Rebuild from :meth:`to_dict`; anything malformed raises PlaygroundError."""
        if not isinstance(d, dict):
            raise PlaygroundError("preprocessing: expected an object")
        scale, transforms = d.get("scale"), d.get("transforms", [])
        if (scale not in SCALES or not isinstance(transforms, list)
                or len(set(map(str, transforms))) != len(transforms)):
            raise PlaygroundError("preprocessing: bad scale or transforms")
        p = cls(scale, transforms)
        extra = set(d) - {"scale", "transforms", "n_inputs", *STATS[scale]}
        if extra:
            raise PlaygroundError(f"preprocessing: unexpected field {sorted(extra)[0]!r}"[:120])
        n = d.get("n_inputs")
        if n is None:
            if any(k in d for k in STATS[scale]):
                raise PlaygroundError("preprocessing: statistics without n_inputs")
            return p
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_FEATURES:
            raise PlaygroundError("preprocessing: n_inputs must be a whole number of columns")
        if p.transforms and n != 2:
            raise PlaygroundError(p._two_inputs_message(n))
        width = n + len(p.transforms)
        for key in STATS[scale]:
            v = d.get(key)
            if not isinstance(v, list) or len(v) != width or not all(
                    isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)
                    for x in v):
                raise PlaygroundError(f"preprocessing: {key} must be {width} finite numbers")
            p.stats[key] = np.array(v, dtype=np.float64)
        if scale == "standard" and not (p.stats["std"] > 0).all():
            raise PlaygroundError("preprocessing: std must be positive")
        if scale == "minmax" and not (p.stats["max"] >= p.stats["min"]).all():
            raise PlaygroundError("preprocessing: max must not be below min")
        p.n_inputs = n
        return p

    # --- helpers ---------------------------------------------------------------------------------

    def _need_fit(self) -> int:
        if self.n_inputs is None:
            raise PlaygroundError("the preprocessing is not fitted yet")
        return self.n_inputs

    def _two_inputs_message(self, n: int) -> str:
        return (f"feature transforms ({', '.join(self.transforms)}) need exactly 2 input "
                f"features; this data has {n}")

    def _expand(self, X: np.ndarray, fitting: bool = False) -> np.ndarray:
        """Raw inputs as float (n, d), checked, with the transform columns appended."""
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            raise PlaygroundError("inputs must be numbers") from None
        if X.ndim != 2:
            raise PlaygroundError(f"inputs must be a table of rows, got shape {X.shape}")
        if fitting:
            if self.transforms and X.shape[1] != 2:
                raise PlaygroundError(self._two_inputs_message(X.shape[1]))
            self.n_inputs, self.stats = X.shape[1], {}
        elif X.shape[1] != self.n_inputs:
            raise PlaygroundError(f"expected {self.n_inputs} input column(s), got {X.shape[1]}")
        if not np.isfinite(X).all():
            raise PlaygroundError("inputs must be finite numbers")
        if not self.transforms:
            return X
        return np.column_stack([X, *_transform_columns(X, self.transforms)])
