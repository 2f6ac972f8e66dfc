"""The rows a bounded measurement uses: evenly spaced, always the same for one table."""

from __future__ import annotations

import numpy as np


def sample_rows(n: int, most: int) -> np.ndarray:
    """Indices of at most ``most`` of ``n`` rows, evenly spaced from the first to the last
    (all of them when ``n <= most``)."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(np.int64))
