"""Losses: a table of (value, output delta) beside their implementation.

All three are means over the samples (rows) of a sum over the outputs:

- ``mse``  squared error, the blog's: ``L = 1/n Σ_i ½ Σ_k (o_ik - y_ik)²``. The factor ½ makes the
  error ``o - y``, so one sample with batch size 1 gives exactly the blog's output update.
- ``bce``  binary cross-entropy on sigmoid outputs: ``L = -1/n Σ_i Σ_k y log o + (1-y) log(1-o)``.
- ``ce``   categorical cross-entropy on softmax outputs: ``L = -1/n Σ_i Σ_k y_ik log o_ik``.

Values are computed from the output layer's inputs ``z`` (log-sum-exp, softplus), so they stay
finite when outputs saturate. The output delta is ``∂L/∂z`` of one sample: squared error sends
its error ``o - y`` back through the output activation's derivative; each cross-entropy's own
derivative cancels its activation's, leaving ``o - y``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nn_core.engine import activations

LOSSES = ("mse", "bce", "ce")
TITLES = {"mse": "squared error (the blog's)", "bce": "binary cross-entropy",
          "ce": "categorical cross-entropy"}
# which output activations each loss accepts
COMPATIBLE = {
    "mse": ("sigmoid", "softmax", "linear"),
    "bce": ("sigmoid",),
    "ce": ("softmax",),
}

Array = np.ndarray


def mse(z: Array, o: Array, y: Array) -> float:
    return float(0.5 * np.sum((o - y) ** 2) / max(len(y), 1))


def bce(z: Array, o: Array, y: Array) -> float:  # log(1 + e^z) - y z == -(y log o + ...)
    return float(np.sum(np.logaddexp(0.0, z) - y * z) / max(len(y), 1))


def ce(z: Array, o: Array, y: Array) -> float:  # Σ_k y_k (logsumexp(z) - z_k)
    m = z.max(axis=-1, keepdims=True)
    log_sum_exp = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return float(np.sum(y * (log_sum_exp - z)) / max(len(y), 1))


def mse_delta(output: str, o: Array, y: Array) -> Array:
    return activations.ACTIVATIONS[output][1](o, o - y)


def cross_entropy_delta(output: str, o: Array, y: Array) -> Array:
    return o - y


LOSS_FUNCTIONS: dict[str, tuple[Callable[[Array, Array, Array], float],
                                Callable[[str, Array, Array], Array]]] = {
    #       value   output delta ∂L/∂z (per sample)
    "mse": (mse, mse_delta),
    "bce": (bce, cross_entropy_delta),
    "ce": (ce, cross_entropy_delta),
}


def check(loss: str, output: str) -> None:
    """Raise ValueError if ``loss`` cannot be used with the ``output`` activation."""
    if loss not in COMPATIBLE:
        raise ValueError(f"unknown loss {loss!r}")
    if output not in COMPATIBLE[loss]:
        allowed = " or ".join(COMPATIBLE[loss])
        raise ValueError(f"the {loss} loss needs a {allowed} output layer, not {output}")


def value(loss: str, output: str, z: Array, o: Array, y: Array) -> float:
    """Mean loss over the rows, from the output layer's inputs ``z`` and outputs ``o``."""
    check(loss, output)
    return LOSS_FUNCTIONS[loss][0](z, o, y)


def output_delta(loss: str, output: str, o: Array, y: Array) -> Array:
    """``∂L/∂z`` of the output layer, one row per sample (not divided by the batch size)."""
    check(loss, output)
    return LOSS_FUNCTIONS[loss][1](output, o, y)
