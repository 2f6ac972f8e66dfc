"""Activation functions: a table of (value, derivative) beside their implementation.

``value(z)`` is ``f(z)``. ``derivative(a, e)`` is the chain rule's step back through ``f``:
``e ⊙ f'(z)`` for an error ``e`` that reaches the layer's outputs ``a = f(z)``. It is written
from the outputs, which the forward pass keeps (as the blog keeps ``hidden_outputs``), and in the
blog's order of operations (``e * a * (1 - a)``), so the blog's class matches it bit for bit.
Samples are rows: softmax normalises the last axis, and its derivative is its Jacobian
``diag(a) - a aᵀ`` times ``e``. Softmax is an output activation only.

To add one (CONTRIBUTING.md): write its value and derivative here, numpy only, and list it in
:data:`ACTIVATIONS` and :data:`HIDDEN`. Everything else reads these tables when it runs: the
settings, the CLI and the Train page offer it; the fast backends and the exported script fall
back to these functions for a name they have no code of their own for; its largest slope is
measured (:func:`largest_slope`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

HIDDEN = ("sigmoid", "tanh", "relu", "linear")
OUTPUT = ("sigmoid", "softmax", "linear")

Array = np.ndarray


def sigmoid(z: Array) -> Array:
    return 1 / (1 + np.exp(-z))  # e^-z overflows to inf for z < -709: the result is then 0


def sigmoid_derivative(a: Array, e: Array) -> Array:
    return e * a * (1 - a)


def tanh(z: Array) -> Array:
    return np.tanh(z)


def tanh_derivative(a: Array, e: Array) -> Array:
    return e * (1 - a**2)


def relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def relu_derivative(a: Array, e: Array) -> Array:
    return e * (a > 0)


def linear(z: Array) -> Array:
    return z


def linear_derivative(a: Array, e: Array) -> Array:
    return e


def softmax(z: Array) -> Array:
    exp = np.exp(z - z.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def softmax_derivative(a: Array, e: Array) -> Array:
    return (e - (e * a).sum(axis=-1, keepdims=True)) * a


ACTIVATIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array, Array], Array]]] = {
    #           value      derivative: e ⊙ f'(z), from a = f(z)
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "linear": (linear, linear_derivative),
    "softmax": (softmax, softmax_derivative),
}


def _entry(name: str) -> tuple[Callable[[Array], Array], Callable[[Array, Array], Array]]:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}")
    return ACTIVATIONS[name]


def value(name: str, z: Array) -> Array:
    """``f(z)`` as a new array."""
    return np.array(_entry(name)[0](np.asarray(z, dtype=float)), dtype=float)


def derivative(name: str, a: Array) -> Array:
    """``f'(z)`` as a new array, from ``a = f(z)`` (elementwise activations: charts and tests)."""
    if name == "softmax":
        raise ValueError("softmax has no elementwise derivative (its Jacobian is a matrix)")
    a = np.asarray(a, dtype=float)
    return np.asarray(_entry(name)[1](a, np.ones_like(a)), dtype=float)


def largest_slope(name: str) -> float:
    """The largest ``f'(z)`` of an elementwise activation, measured on ``z`` from -30 to 30 in
    steps of 0.1 (sigmoid's is 0.25, at 0; tanh's, relu's and linear's 1): what a unit's slope
    is compared with to call it saturated."""
    z = np.arange(-300, 301) / 10  # 0 exactly among them
    with np.errstate(over="ignore"):
        return float(np.nanmax(derivative(name, value(name, z))))
