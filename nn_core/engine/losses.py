"""Losses: their value and the gradient with respect to the output layer's input ``z``.

All three are means over the samples of a sum over the outputs:

- ``mse``  squared error, the blog's: ``L = 1/n Σ_i ½ Σ_k (o_ik - y_ik)²``. The factor ½ makes the
  gradient ``(o - y)``, so one sample with batch size 1 gives exactly the blog's output update.
- ``bce``  binary cross-entropy on sigmoid outputs: ``L = -1/n Σ_i Σ_k y log o + (1-y) log(1-o)``.
- ``ce``   categorical cross-entropy on softmax outputs: ``L = -1/n Σ_i Σ_k y_ik log o_ik``.

Values are computed from ``z`` (log-sum-exp, softplus), so they stay finite when outputs saturate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

LOSSES = ("mse", "bce", "ce")
TITLES = {"mse": "squared error (the blog's)", "bce": "binary cross-entropy",
          "ce": "categorical cross-entropy"}
_ONE = np.array(1.0)
# which output activations each loss accepts
COMPATIBLE = {
    "mse": ("sigmoid", "softmax", "linear"),
    "bce": ("sigmoid",),
    "ce": ("softmax",),
}


def check(loss: str, output: str) -> None:
    """Raise ValueError if ``loss`` cannot be used with the ``output`` activation."""
    if loss not in COMPATIBLE:
        raise ValueError(f"unknown loss {loss!r}")
    if output not in COMPATIBLE[loss]:
        allowed = " or ".join(COMPATIBLE[loss])
        raise ValueError(f"the {loss} loss needs a {allowed} output layer, not {output}")


def value(loss: str, output: str, z: np.ndarray, o: np.ndarray, y: np.ndarray) -> float:
    """Mean loss over the samples, from the output layer's input ``z`` and output ``o``."""
    n = max(len(y), 1)
    if loss == "mse":
        return float(0.5 * np.sum((o - y) ** 2) / n)
    if loss == "bce":  # log(1 + e^z) - y z  ==  -(y log o + (1 - y) log(1 - o))
        return float(np.sum(np.logaddexp(0.0, z) - y * z) / n)
    if loss == "ce":  # Σ_k y_k (logsumexp(z) - z_k)
        m = z.max(axis=1, keepdims=True)
        lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
        return float(np.sum(y * (lse - z)) / n)
    raise ValueError(f"unknown loss {loss!r}")


def output_delta_function(
    loss: str, output: str,
) -> Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """The function ``(o, y, out, tmp) -> out`` that writes ``n · ∂L/∂z`` for the output layer.

    Outputs are in columns, ``(n_outputs, n)``, as inside :meth:`Network.backward_columns`; the
    caller divides by n. For the matched pairs (sigmoid + bce, softmax + ce, linear + mse) it is
    ``o - y``; squared error on a sigmoid or softmax multiplies by the activation's slope.
    """
    check(loss, output)
    if loss == "mse" and output == "sigmoid":
        return delta_mse_sigmoid
    if loss == "mse" and output == "softmax":
        return delta_mse_softmax
    return delta_matched


def delta_matched(o: np.ndarray, y: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    return np.subtract(o, y, out)


def delta_mse_sigmoid(o: np.ndarray, y: np.ndarray, out: np.ndarray,
                       tmp: np.ndarray) -> np.ndarray:
    np.subtract(o, y, out)  # ((o - y) o)(1 - o): the blog's order of operations
    np.multiply(out, o, out)
    np.subtract(_ONE, o, tmp)
    return np.multiply(out, tmp, out)


def delta_mse_softmax(o: np.ndarray, y: np.ndarray, out: np.ndarray,
                       tmp: np.ndarray) -> np.ndarray:
    np.subtract(o, y, out)  # Jacobian of softmax: o ⊙ (g - <g, o>), per column
    np.multiply(out, o, tmp)
    np.subtract(out, tmp.sum(axis=0, keepdims=True), out)
    return np.multiply(out, o, out)

