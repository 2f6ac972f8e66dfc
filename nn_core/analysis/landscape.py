"""The loss landscape: the objective on a 2-D slice of weight space through the current weights.

The slice is ``θ(α, β) = θ* + α d₁ + β d₂`` around the current weights ``θ*``. Its directions:

- after a run (at least three kept snapshots that spread in two directions): the first two
  principal axes of the snapshots' offsets ``θᵢ − θ*`` (the right singular vectors of that
  matrix), orthonormal, so each snapshot projects to ``(αᵢ, βᵢ) = ((θᵢ − θ*)·d₁, (θᵢ − θ*)·d₂)``
  and the training path lies in the slice as closely as any plane through ``θ*`` allows
  (``explained`` is the share of the offsets' squared length the plane holds);
- before that: two random directions, *filter-normalised* (Li et al., *Visualizing the Loss
  Landscape of Neural Nets*, 2018): each unit's incoming weights in a direction are scaled to the
  norm of that unit's weights in ``θ*``, and the biases' parts are 0, so a step of 1 is as large
  as the weights themselves in every unit, whatever the layer's scale.

The objective is the data loss plus the L1/L2 penalty (what training minimises) on
:data:`~nn_core.limits.LANDSCAPE_GRID` (21) points along each axis, on at most
:data:`~nn_core.limits.LANDSCAPE_ROWS` (256) training rows, evenly spaced: fewer for a big
network, so that grid points × rows × parameters stays within
:data:`~nn_core.limits.LANDSCAPE_WORK` (:func:`rows_for`; the largest network, 25,364
parameters, gets 71 rows), but never fewer than :data:`~nn_core.limits.LANDSCAPE_MIN_ROWS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nn_core.engine.network import QUIET, Network
from nn_core.errors import PlaygroundError
from nn_core.limits import LANDSCAPE_GRID, LANDSCAPE_MIN_ROWS, LANDSCAPE_ROWS, LANDSCAPE_WORK

MARGIN = 0.25  # the slice reaches this share beyond the farthest path point
MIN_EXPLAINED_2ND = 1e-12  # a second axis holding less of the path is no direction


@dataclass(frozen=True)
class Landscape:
    """The objective ``loss[j, i]`` at ``θ* + alphas[i] d₁ + betas[j] d₂``."""

    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    path: np.ndarray  # (k, 2): the snapshots' projections, oldest first (empty before a run)
    path_epochs: np.ndarray
    centre: float  # the objective at θ* (alphas and betas hold 0 at their middle index)
    kind: str  # "pca" or "random"
    explained: float  # share of the path's squared offsets inside the slice (pca)
    n_rows: int


def filter_normalised(network: Network, rng: np.random.Generator) -> np.ndarray:
    """A random direction over the flat parameters: Gaussian, each unit's incoming weights
    scaled to that unit's weight norm in ``network``; biases 0 (Li et al. 2018)."""
    d = np.zeros_like(network.params)
    start = 0
    for block in network.blocks:
        n_out, cols = block.shape
        part = d[start:start + block.size].reshape(n_out, cols)
        n_in = cols - network.bias
        r = rng.standard_normal((n_out, n_in))
        scale = np.linalg.norm(block[:, :n_in], axis=1) / np.maximum(
            np.linalg.norm(r, axis=1), 1e-300)
        part[:, :n_in] = r * scale[:, None]
        start += block.size
    return d


def principal_directions(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The first two right singular vectors of ``offsets`` (k, P) and the share of its squared
    norm they hold; None when the offsets do not span two directions. Signs are fixed so each
    direction's largest component is positive."""
    if len(offsets) < 2:
        return None
    _, s, vt = np.linalg.svd(offsets, full_matrices=False)
    total = float(np.sum(s * s))
    if len(s) < 2 or total <= 0 or s[1] * s[1] <= MIN_EXPLAINED_2ND * total:
        return None
    d1, d2 = vt[0].copy(), vt[1].copy()
    for d in (d1, d2):
        if d[np.argmax(np.abs(d))] < 0:
            d *= -1
    return d1, d2, float((s[0] ** 2 + s[1] ** 2) / total)


def rows_for(n_params: int, n_rows: int, n: int = LANDSCAPE_GRID) -> int:
    """How many training rows an ``n`` × ``n`` slice of a network of ``n_params`` parameters
    is measured on (see module)."""
    fit = LANDSCAPE_WORK // max(n * n * int(n_params), 1)
    return int(min(n_rows, LANDSCAPE_ROWS, max(LANDSCAPE_MIN_ROWS, fit)))


def grid_size(n: int) -> int:
    """An odd grid size within :data:`LANDSCAPE_GRID` (the middle point is the centre)."""
    n = int(n)
    if not 3 <= n <= LANDSCAPE_GRID:
        raise PlaygroundError(f"the landscape's grid takes 3 to {LANDSCAPE_GRID} points a side, "
                              f"not {n}")
    return n if n % 2 else n - 1


def axis(reach: float, n: int) -> np.ndarray:
    """``n`` (odd) points from ``-reach`` to ``reach``, exactly 0 in the middle."""
    a = reach * np.linspace(-1.0, 1.0, n)
    a[n // 2] = 0.0
    return a


def evaluate(network: Network, X: np.ndarray, Y: np.ndarray, d1: np.ndarray, d2: np.ndarray,
             alphas: np.ndarray, betas: np.ndarray, l1: float = 0.0, l2: float = 0.0
             ) -> np.ndarray:
    """The objective at ``θ + α d₁ + β d₂`` for each grid point, ``(len(betas), len(alphas))``;
    on a scratch copy of the network (``network`` is not changed)."""
    if len(alphas) > LANDSCAPE_GRID or len(betas) > LANDSCAPE_GRID:
        raise PlaygroundError(f"the landscape's grid takes at most {LANDSCAPE_GRID} points a side")
    if len(X) > rows_for(network.params.size, len(X), max(len(alphas), len(betas))):
        raise PlaygroundError(f"the landscape takes at most {LANDSCAPE_ROWS} rows, fewer for a "
                              f"big network (grid points × rows × parameters ≤ "
                              f"{LANDSCAPE_WORK:,})")
    scratch = Network(network.sizes, network.hidden_activations, network.output,
                      network.loss_name, network.bias, network.init, np.random.default_rng(0))
    theta = network.get_params()
    out = np.empty((len(betas), len(alphas)))
    with np.errstate(**QUIET):
        for j, b in enumerate(betas):
            for i, a in enumerate(alphas):
                scratch.set_params(theta + a * d1 + b * d2)
                out[j, i] = scratch.objective(X, Y, l1, l2)
    return out


def landscape(network: Network, X: np.ndarray, Y: np.ndarray, path_params: list[np.ndarray],
              path_epochs: list[int], l1: float = 0.0, l2: float = 0.0,
              n: int = LANDSCAPE_GRID, seed: int = 0) -> Landscape:
    """The slice through ``network``'s weights (see module) on the rows ``(X, Y)`` (at most
    :data:`LANDSCAPE_ROWS`), with the run's kept weights ``path_params`` (oldest first)."""
    n = grid_size(n)
    theta = network.get_params()
    offsets = (np.array(path_params) - theta) if len(path_params) else np.zeros((0, theta.size))
    found = principal_directions(offsets) if len(path_params) >= 3 else None
    if found is not None:
        d1, d2, explained = found
        path = np.column_stack([offsets @ d1, offsets @ d2])
        reach_a = float(np.abs(path[:, 0]).max()) * (1 + MARGIN)
        reach_b = max(float(np.abs(path[:, 1]).max()) * (1 + MARGIN), reach_a / 4)
        kind, epochs = "pca", np.asarray(path_epochs, dtype=np.int64)
    else:
        rng = np.random.default_rng([seed, 3])
        d1, d2 = filter_normalised(network, rng), filter_normalised(network, rng)
        path, epochs, explained, kind = np.zeros((0, 2)), np.zeros(0, np.int64), 0.0, "random"
        reach_a = reach_b = 1.0
    if not (np.isfinite(reach_a) and reach_a > 0):
        reach_a = reach_b = 1.0
    alphas, betas = axis(reach_a, n), axis(reach_b, n)
    loss = evaluate(network, X, Y, d1, d2, alphas, betas, l1, l2)
    return Landscape(alphas, betas, loss, path, epochs, float(loss[n // 2, n // 2]), kind,
                     explained, len(X))
