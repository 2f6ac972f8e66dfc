"""Activation functions: the value, and the derivative written in terms of the value.

Every function writes into a buffer given by the caller (``out=``), so a training step allocates
nothing. The derivatives use the activation's output ``a`` rather than its input ``z``:
sigmoid' = a(1 - a), tanh' = 1 - a², relu' = [a > 0], linear' = 1. Softmax is only an output
activation; its derivative is applied by the loss (see :mod:`nn_core.engine.losses`).
"""

from __future__ import annotations

import functools

import numpy as np

HIDDEN = ("sigmoid", "tanh", "relu", "linear")
OUTPUT = ("sigmoid", "softmax", "linear")

_ONE = np.array(1.0)
_ZERO = np.array(0.0)


def _sigmoid(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # 1 / (1 + e^-z), the blog's formula and order, so its class matches it bit for bit.
    # e^-z overflows to inf for z < -709 and the result is then exactly 0, not an error:
    # callers run with np.errstate(over="ignore") (see nn_core.engine.network.QUIET).
    # z is used as scratch (it is contiguous; out may be a strided view).
    np.negative(z, out=z)
    np.exp(z, out=z)
    np.add(_ONE, z, out=z)
    return np.divide(_ONE, z, out=out)


def _tanh(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=out)


def _relu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.maximum(z, _ZERO, out=out)


def _linear(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    if out is not z:
        np.copyto(out, z)
    return out


def _softmax(z: np.ndarray, out: np.ndarray, axis: int = 1) -> np.ndarray:
    np.subtract(z, z.max(axis=axis, keepdims=True), out=out)
    np.exp(out, out=out)
    return np.divide(out, out.sum(axis=axis, keepdims=True), out=out)


def _d_sigmoid(a: np.ndarray, d: np.ndarray) -> np.ndarray:
    np.multiply(d, a, d)  # (d a)(1 - a), the blog's order of operations
    np.subtract(_ONE, a, a)
    return np.multiply(d, a, d)


def _d_tanh(a: np.ndarray, d: np.ndarray) -> np.ndarray:
    np.square(a, a)
    np.subtract(_ONE, a, a)
    return np.multiply(d, a, d)


def _d_relu(a: np.ndarray, d: np.ndarray) -> np.ndarray:
    np.greater(a, _ZERO, a)
    return np.multiply(d, a, d)


def _d_linear(a: np.ndarray, d: np.ndarray) -> np.ndarray:
    return d


FORWARD = {"sigmoid": _sigmoid, "tanh": _tanh, "relu": _relu, "linear": _linear,
           "softmax": _softmax}
# The same for activations stored one column per sample (inside a training step).
FORWARD_COLUMNS = {**FORWARD, "softmax": functools.partial(_softmax, axis=0)}
# d *= f'(z), from a = f(z), in place; a is overwritten (the backward pass needs it no more, and
# working in place keeps one array fewer in cache). Softmax's is the loss's business.
DERIVATIVE = {"sigmoid": _d_sigmoid, "tanh": _d_tanh, "relu": _d_relu, "linear": _d_linear}


def apply(name: str, z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Write ``f(z)`` into ``out`` and return it (``out`` may be ``z`` itself; ``z`` may be
    overwritten)."""
    if name not in FORWARD:
        raise ValueError(f"unknown activation {name!r}")
    return FORWARD[name](z, out)


def multiply_derivative(name: str, a: np.ndarray, d: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """``d *= f'(z)`` in place, with ``f'`` computed from the activation ``a = f(z)``."""
    if name not in DERIVATIVE:
        raise ValueError(f"no elementwise derivative for {name!r}")
    np.copyto(tmp, a)
    return DERIVATIVE[name](tmp, d)


def derivative(name: str, a: np.ndarray) -> np.ndarray:
    """f'(z) as a new array, from ``a = f(z)`` (for charts and tests)."""
    d = np.ones_like(a)
    return multiply_derivative(name, a, d, np.empty_like(a))


def value(name: str, z: np.ndarray) -> np.ndarray:
    """f(z) as a new array."""
    a = np.array(z, dtype=float)
    return apply(name, a, a)
