"""Hidden space: where the rows land in one hidden layer, and how the input grid bends there.

Layer ``l``'s outputs ``a⁽ˡ⁾`` (one row per data row) are drawn on two axes: the layer's two
units when it has two; its one unit (against 0) when it has one; else its first two principal
axes: the activations are centred on their mean ``μ`` and projected on the first two right
singular vectors ``v₁, v₂`` of ``a⁽ˡ⁾ − μ``, ``p = (a − μ) [v₁ v₂]`` (``explained`` says how much
of the spread they hold). The straight lines of a grid over two inputs go through the same
layers and the same projection: a layer that separates the classes has bent and stretched the
grid so that a straight line (the next layer's boundary) can split them (the view of ConvNetJS's
classify2d demo). Points and lines are bounded: :data:`~nn_core.limits.HIDDEN_ROWS` rows,
:data:`~nn_core.limits.HIDDEN_LINES` lines a direction of
:data:`~nn_core.limits.HIDDEN_LINE_POINTS` points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nn_core.engine.network import QUIET, Network
from nn_core.errors import PlaygroundError
from nn_core.limits import HIDDEN_LINE_POINTS, HIDDEN_LINES, HIDDEN_ROWS


@dataclass(frozen=True)
class HiddenSpace:
    points: np.ndarray  # (n, 2) the rows' places
    lines: list[np.ndarray]  # each (m, 2): one grid line's image
    kind: str  # "units", "one unit" or "pca"
    explained: float  # pca: share of the activations' spread on the two axes (else 1)
    mean: np.ndarray
    basis: np.ndarray  # (width, 2): p = (a - mean) @ basis


def layer_outputs(network: Network, X: np.ndarray, layer: int) -> np.ndarray:
    """Hidden layer ``layer``'s outputs (1 = the first hidden layer) for the rows ``X``."""
    if not 1 <= layer <= network.n_layers - 1:
        raise PlaygroundError(f"the network has no hidden layer {layer}")
    with np.errstate(**QUIET):
        out = np.asarray(X, dtype=float)
        for W, b, f in list(zip(network.weights, network.biases, network.functions,
                                strict=True))[:layer]:
            out = f(out @ W if b is None else out @ W + b)
    return out


def projection(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, str, float]:
    """``(mean, basis, kind, explained)`` drawing the activations ``A`` on two axes."""
    width = A.shape[1]
    if width == 2:
        return np.zeros(2), np.eye(2), "units", 1.0
    if width == 1:
        return np.zeros(1), np.array([[1.0, 0.0]]), "one unit", 1.0
    mean = A.mean(axis=0)
    _, s, vt = np.linalg.svd(A - mean, full_matrices=False)
    basis = vt[:2].T.copy()
    for k in range(2):
        if basis[np.argmax(np.abs(basis[:, k])), k] < 0:
            basis[:, k] *= -1
    total = float(np.sum(s * s))
    return mean, basis, "pca", float(np.sum(s[:2] ** 2) / total) if total > 0 else 1.0


def grid_lines(lo: np.ndarray, hi: np.ndarray, ix: int, iy: int, base: np.ndarray,
               n_lines: int = HIDDEN_LINES, n_points: int = HIDDEN_LINE_POINTS
               ) -> list[np.ndarray]:
    """Raw input rows along a grid's lines over inputs ``ix`` and ``iy`` (from ``lo`` to ``hi``
    of each), every other input at ``base``: ``n_lines`` lines each way of ``n_points`` rows
(one line along ``ix`` when ``ix == iy``: a table of one input)."""
    if n_lines > HIDDEN_LINES or n_points > HIDDEN_LINE_POINTS:
        raise PlaygroundError(f"at most {HIDDEN_LINES} grid lines of {HIDDEN_LINE_POINTS} points")
    lines = []
    along = np.linspace(0.0, 1.0, n_points)
    if ix == iy:  # one input: one line along it
        rows = np.tile(np.asarray(base, dtype=float), (n_points, 1))
        rows[:, ix] = lo[ix] + along * (hi[ix] - lo[ix])
        return [rows]
    for k in np.linspace(0.0, 1.0, n_lines):
        for moving, fixed in ((ix, iy), (iy, ix)):
            rows = np.tile(np.asarray(base, dtype=float), (n_points, 1))
            rows[:, moving] = lo[moving] + along * (hi[moving] - lo[moving])
            rows[:, fixed] = lo[fixed] + k * (hi[fixed] - lo[fixed])
            lines.append(rows)
    return lines


def hidden_space(network: Network, X: np.ndarray, layer: int,
                 lines: list[np.ndarray] = ()) -> HiddenSpace:
    """The rows ``X`` (network inputs, at most :data:`HIDDEN_ROWS`) and the grid ``lines``
    (network inputs) in hidden layer ``layer``, projected as :func:`projection` says."""
    if len(X) > HIDDEN_ROWS:
        raise PlaygroundError(f"the hidden space draws at most {HIDDEN_ROWS} rows")
    if len(lines) > 2 * HIDDEN_LINES:
        raise PlaygroundError(f"at most {2 * HIDDEN_LINES} grid lines")
    A = layer_outputs(network, X, layer)
    mean, basis, kind, explained = projection(A)
    points = (A - mean) @ basis
    images = [(layer_outputs(network, rows, layer) - mean) @ basis for rows in lines]
    return HiddenSpace(points, images, kind, explained, mean, basis)
