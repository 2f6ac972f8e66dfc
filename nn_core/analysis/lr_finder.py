"""The learning-rate finder (Smith 2017; fast.ai's ``lr_find``): train a copy, raising the rate.

A copy of the network and of its optimiser (its state too) trains on at most
:data:`~nn_core.limits.LR_FINDER_STEPS` mini-batches of the run's batch size (at most
:data:`~nn_core.limits.LR_FINDER_ROWS` rows; the rows reshuffled each pass, from their own
generator) while the rate grows geometrically from ``1e-5`` to ``10``: step ``i`` of ``N`` uses
``lrᵢ = 1e-5 · (10 / 1e-5)^(i/(N−1))``. After each step it measures the objective (loss +
penalty) on one fixed sample of at most :data:`~nn_core.limits.LR_FINDER_ROWS` training rows (so
a batch of one row does not make the curve noise) and smooths it with an exponential moving
average (β = 0.9, bias-corrected); it stops when that passes 4× its lowest value or is not
finite (the loss exploded). The suggested rate is where the smoothed loss falls fastest against
``log lr`` before its minimum: fast.ai's "steepest" suggestion. The live network, its optimiser
and its run are never touched.
Cost: at most 100 training steps on 256 rows and 100 forward passes on 256; memory: one copy of
the weights and the optimiser's state, and one mini-batch's activations.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from nn_core.analysis.rows import sample_rows
from nn_core.engine.network import QUIET, Network
from nn_core.engine.optim import Optimizer
from nn_core.errors import PlaygroundError
from nn_core.limits import LR_FINDER_ROWS, LR_FINDER_STEPS

START, END = 1e-5, 10.0
BETA = 0.9  # smoothing of the loss (fast.ai: 0.98 on noisy mini-batch losses)
EXPLODED = 4.0  # stop when the smoothed loss passes this many times its lowest
MIN_FALL = 0.01  # a suggestion needs the smoothed loss to fall by 1% of its start at least


@dataclass(frozen=True)
class RateSearch:
    rates: np.ndarray  # the rate of each step taken
    losses: np.ndarray  # the objective on the fixed rows after each step
    smoothed: np.ndarray
    suggested: float | None  # the steepest fall before the minimum, or None
    stopped: str  # why it ended
    batch_rows: int
    measured_rows: int


def rates(steps: int = LR_FINDER_STEPS) -> np.ndarray:
    """The ``steps`` rates, geometric from :data:`START` to :data:`END`."""
    return START * (END / START) ** (np.arange(steps) / max(steps - 1, 1))


def smooth(losses: np.ndarray, beta: float = BETA) -> np.ndarray:
    """The exponential moving average of ``losses``, bias-corrected (as fast.ai)."""
    out, avg = np.empty(len(losses)), 0.0
    for i, v in enumerate(losses):
        avg = beta * avg + (1 - beta) * v
        out[i] = avg / (1 - beta ** (i + 1))
    return out


def steepest(rates_: np.ndarray, smoothed: np.ndarray) -> float | None:
    """The rate where ``smoothed`` falls fastest against ``log10(rate)`` before its minimum."""
    low = int(np.argmin(smoothed))
    if low < 2 or smoothed[0] - smoothed[low] < MIN_FALL * abs(smoothed[0]):
        return None  # no real fall (a saturated network's flat curve): nothing to suggest
    slope = np.gradient(smoothed[: low + 1], np.log10(rates_[: low + 1]))
    i = int(np.argmin(slope[:low]))
    return float(rates_[i]) if slope[i] < 0 else None


def find_rate(network: Network, optimizer: Optimizer, X: np.ndarray, Y: np.ndarray,
              batch_size: int, seed: int, rule: str = "exact", l1: float = 0.0, l2: float = 0.0,
              steps: int = LR_FINDER_STEPS) -> RateSearch:
    """Run the search (see module) on copies; ``network`` and ``optimizer`` are not changed."""
    if not 3 <= steps <= LR_FINDER_STEPS:
        raise PlaygroundError(f"the rate finder takes 3 to {LR_FINDER_STEPS} mini-batches")
    n = len(X)
    if n == 0:
        raise PlaygroundError("no training rows to search a rate on")
    size = min(batch_size if 0 < batch_size < n else n, LR_FINDER_ROWS)
    net = Network(network.sizes, network.hidden_activations, network.output, network.loss_name,
                  network.bias, network.init, np.random.default_rng(0))
    net.set_params(network.params)
    opt = copy.deepcopy(optimizer)
    rng = np.random.default_rng([int(seed), 2])
    all_rates = rates(steps)
    taken, losses = [], []
    order, at = rng.permutation(n), 0
    fixed = sample_rows(n, LR_FINDER_ROWS)
    x_eval, y_eval = X[fixed], Y[fixed]
    stopped = f"tried all {steps} rates up to {END:g}"
    best = np.inf
    with np.errstate(**QUIET):
        for lr in all_rates:
            if at + size > n:
                order, at = rng.permutation(n), 0
            rows = order[at:at + size]
            at += size
            opt.lr = float(lr)
            net.train_step(X[rows], Y[rows], opt, rule, l1, l2)
            taken.append(lr)
            losses.append(net.objective(x_eval, y_eval, l1, l2))
            sm = smooth(np.array(losses))[-1]
            if not np.isfinite(sm) or sm > EXPLODED * best:
                stopped = f"the loss exploded at rate {lr:.2g}"
                break
            best = min(best, sm)
    r, lo = np.array(taken), np.array(losses)
    sm = smooth(lo)
    finite = np.isfinite(sm)
    suggestion = steepest(r[finite], sm[finite]) if finite.sum() >= 3 else None
    return RateSearch(r, lo, sm, suggestion, stopped, size, len(fixed))


def snap(rate: float, grid: tuple[float, ...]) -> float:
    """The value of ``grid`` nearest to ``rate`` on a log scale."""
    g = np.asarray(grid, dtype=float)
    return float(g[np.argmin(np.abs(np.log10(g) - np.log10(rate)))])
