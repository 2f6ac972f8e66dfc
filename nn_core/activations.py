"""Activation functions: the value, and the derivative written in terms of the value.

Every function writes into a buffer given by the caller (``out=``), so a training step allocates
nothing. The derivatives use the activation's output ``a`` rather than its input ``z``:
sigmoid' = a(1 - a), tanh' = 1 - a², relu' = [a > 0], linear' = 1. Softmax is only an output
activation; its derivative is applied by the loss (see :mod:`nn_core.losses`).
"""

from __future__ import annotations

import numpy as np

HIDDEN = ("sigmoid", "tanh", "relu", "linear")
OUTPUT = ("sigmoid", "softmax", "linear")

_HALF = np.array(0.5)
_ONE = np.array(1.0)
_ZERO = np.array(0.0)


def apply(name: str, z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Write ``f(z)`` into ``out`` and return it (``out`` may be ``z`` itself)."""
    if name == "tanh":
        return np.tanh(z, out=out)
    if name == "sigmoid":
        # 1 / (1 + e^-z), the blog's formula and order, so its class matches it bit for bit.
        # e^-z overflows to inf for z < -709 and the result is then exactly 0, not an error:
        # callers run with np.errstate(over="ignore") (see nn_core.network.QUIET).
        np.negative(z, out=out)
        np.exp(out, out=out)
        np.add(_ONE, out, out=out)
        return np.divide(_ONE, out, out=out)
    if name == "relu":
        return np.maximum(z, _ZERO, out=out)
    if name == "linear":
        if out is not z:
            np.copyto(out, z)
        return out
    if name == "softmax":
        np.subtract(z, z.max(axis=1, keepdims=True), out=out)
        np.exp(out, out=out)
        return np.divide(out, out.sum(axis=1, keepdims=True), out=out)
    raise ValueError(f"unknown activation {name!r}")


def multiply_derivative(name: str, a: np.ndarray, d: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """``d *= f'(z)`` in place, with ``f'`` computed from the activation ``a = f(z)``.

    ``tmp`` is scratch space of the same shape.
    """
    if name == "tanh":
        np.multiply(a, a, out=tmp)
        np.subtract(_ONE, tmp, out=tmp)
        return np.multiply(d, tmp, out=d)
    if name == "sigmoid":  # (d a)(1 - a), the blog's order of operations
        np.multiply(d, a, out=d)
        np.subtract(_ONE, a, out=tmp)
        return np.multiply(d, tmp, out=d)
    if name == "relu":
        np.greater(a, _ZERO, out=tmp)
        return np.multiply(d, tmp, out=d)
    if name == "linear":
        return d
    raise ValueError(f"no elementwise derivative for {name!r}")


def derivative(name: str, a: np.ndarray) -> np.ndarray:
    """f'(z) as a new array, from ``a = f(z)`` (for charts and tests)."""
    d = np.ones_like(a)
    return multiply_derivative(name, a, d, np.empty_like(a))


def value(name: str, z: np.ndarray) -> np.ndarray:
    """f(z) as a new array."""
    z = np.asarray(z, dtype=float)
    return apply(name, z, np.empty_like(z))
