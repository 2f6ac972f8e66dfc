"""Gradient flow: per layer, how large the gradient is and how many units are saturated.

For the rows ``(X, Y)`` and the exact gradient of the mean loss (whatever rule trains), layer
``l``'s gradient norm is ``‖∂L/∂W⁽ˡ⁾, ∂L/∂b⁽ˡ⁾‖₂``. A hidden unit is *saturated* on a row when
its slope ``f'(z)`` is below :data:`SATURATED` (1%) of the activation's largest slope: a sigmoid
beyond ``|z| ≈ 6.0``, a tanh beyond ``|z| ≈ 3.0``, a ReLU at ``z ≤ 0`` (off). Little of any
error gets back through such a unit, so the layers below it learn slowly or not at all: the
story of the blog's network on raw inputs.

:class:`GradientFlow` records both at the trainer's recorded epochs on a fixed sample of at most
:data:`~nn_core.limits.FLOW_ROWS` training rows, keeping at most
:data:`~nn_core.limits.FLOW_POINTS` epochs (thinned by halves as the run grows, like the
history), so its cost per epoch shrinks as the run goes on.
"""

from __future__ import annotations

import numpy as np

from nn_core.analysis.rows import sample_rows
from nn_core.engine import activations
from nn_core.engine.network import QUIET, Network
from nn_core.limits import FLOW_POINTS, FLOW_ROWS

SATURATED = 0.01  # a slope below this share of the activation's largest slope


def threshold(name: str) -> float:
    """The slope below which a unit of activation ``name`` counts as saturated."""
    return SATURATED * activations.largest_slope(name)


def measure(network: Network, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(norms, saturated)``: each weight layer's gradient norm (exact gradient of the mean
    loss over the rows) and each hidden layer's share of (row, unit) pairs whose slope is below
    :func:`threshold`. Pure: the network's ``grad`` is not touched."""
    n, L = len(X), network.n_layers
    norms, saturated = np.zeros(L), np.zeros(L - 1)
    with np.errstate(**QUIET):
        _, outs = network.forward_layers(X)
        delta = network.output_delta(network.output, outs[-1], np.asarray(Y, dtype=float))
        for i in range(L - 1, -1, -1):
            g_w = outs[i].T @ delta / n
            squares = float(np.sum(g_w * g_w))
            if network.bias:
                g_b = delta.sum(axis=0) / n
                squares += float(np.sum(g_b * g_b))
            norms[i] = np.sqrt(squares)
            if i:
                name = network.layer_activations[i - 1]
                slope = activations.derivative(name, outs[i])
                saturated[i - 1] = float(np.mean(np.abs(slope) < threshold(name)))
                delta = network.derivatives[i - 1](outs[i], delta @ network.weights[i].T)
    return norms, saturated


class GradientFlow:
    """Gradient norms and saturated shares per layer at recorded epochs (bounded; see module)."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, cap: int = FLOW_POINTS,
                 rows: int = FLOW_ROWS) -> None:
        self.rows = sample_rows(len(X), min(int(rows), FLOW_ROWS))
        self.X, self.Y = X[self.rows], Y[self.rows]
        self.cap = max(4, min(int(cap), FLOW_POINTS))
        self.stride = 1
        self.epochs: list[int] = []
        self.norms: list[np.ndarray] = []
        self.saturated: list[np.ndarray] = []

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    def record(self, epoch: int, network: Network) -> None:
        """Measure ``network`` at ``epoch`` when the epoch is on the stride and not kept yet."""
        if epoch % self.stride or (self.epochs and epoch <= self.epochs[-1]) or not len(self.X):
            return
        norms, saturated = measure(network, self.X, self.Y)
        self.epochs.append(int(epoch))
        self.norms.append(norms)
        self.saturated.append(saturated)
        while len(self.epochs) > self.cap:
            self.stride *= 2
            keep = [i for i, e in enumerate(self.epochs) if e % self.stride == 0]
            self.epochs = [self.epochs[i] for i in keep]
            self.norms = [self.norms[i] for i in keep]
            self.saturated = [self.saturated[i] for i in keep]

    def drop_after(self, epoch: int) -> None:
        """Forget the epochs after ``epoch`` (the run went back there)."""
        keep = [i for i, e in enumerate(self.epochs) if e <= epoch]
        self.epochs = [self.epochs[i] for i in keep]
        self.norms = [self.norms[i] for i in keep]
        self.saturated = [self.saturated[i] for i in keep]

    def upto(self, epoch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(epochs, norms (k, layers), saturated (k, hidden layers))`` up to ``epoch``."""
        keep = [i for i, e in enumerate(self.epochs) if e <= epoch]
        n_layers = len(self.norms[0]) if self.norms else 0
        return (np.array([self.epochs[i] for i in keep], dtype=np.int64),
                np.array([self.norms[i] for i in keep]).reshape(len(keep), n_layers),
                np.array([self.saturated[i] for i in keep]).reshape(len(keep),
                                                                    max(n_layers - 1, 0)))
