"""Optimisers over the flat parameter vector: SGD, momentum, Adam.

``step(params, g)`` takes the gradient ``g`` (the network's ``grad``, penalty included) and
updates ``params`` in place, one line per quantity it keeps; it never changes ``g``. The learning
rate is applied here and nowhere else.
"""

from __future__ import annotations

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "adam")
TITLES = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}


class Optimizer:
    """Base: ``step(params, g)`` moves ``params`` against the gradient ``g``."""

    name = "base"

    def __init__(self, lr: float) -> None:
        self.lr = float(lr)

    def step(self, params: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def get_state(self) -> dict:
        """A copy of what the optimiser has learnt so far (velocity, moments), by name."""
        return {"name": self.name}

    def set_state(self, state: dict) -> None:
        """Go back to a state from :meth:`get_state` of an optimiser of the same kind."""


class SGD(Optimizer):
    """``θ ← θ - lr · g``."""

    name = "sgd"

    def step(self, params: np.ndarray, g: np.ndarray) -> None:
        params -= self.lr * g


class Momentum(Optimizer):
    """Heavy ball: ``v ← μ v - lr · g``, ``θ ← θ + v``."""

    name = "momentum"

    def __init__(self, lr: float, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = float(momentum)
        self.velocity: np.ndarray | None = None

    def step(self, params: np.ndarray, g: np.ndarray) -> None:
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        self.velocity = self.momentum * self.velocity - self.lr * g
        params += self.velocity

    def get_state(self) -> dict:
        v = self.velocity
        return {"name": self.name, "velocity": None if v is None else v.copy()}

    def set_state(self, state: dict) -> None:
        v = state["velocity"]
        self.velocity = None if v is None else v.copy()


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with β₁ = 0.9, β₂ = 0.999, ε = 1e-8 and bias correction."""

    name = "adam"
    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, lr: float) -> None:
        super().__init__(lr)
        self.t = 0
        self.m: np.ndarray | None = None
        self.v: np.ndarray | None = None

    def step(self, params: np.ndarray, g: np.ndarray) -> None:
        if self.m is None or self.v is None:
            self.m, self.v = np.zeros_like(params), np.zeros_like(params)
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * g
        self.v = self.beta2 * self.v + (1 - self.beta2) * g**2
        lr_t = self.lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        params -= (self.m / (np.sqrt(self.v) + self.eps)) * lr_t

    def get_state(self) -> dict:
        m, v = (None, None) if self.m is None or self.v is None else (self.m.copy(), self.v.copy())
        return {"name": self.name, "t": self.t, "m": m, "v": v}

    def set_state(self, state: dict) -> None:
        self.t = state["t"]
        if state["m"] is None:
            self.m = self.v = None
        else:
            self.m, self.v = state["m"].copy(), state["v"].copy()


def make(name: str, lr: float, momentum: float = 0.9) -> Optimizer:
    """An optimiser by name."""
    if name == "sgd":
        return SGD(lr)
    if name == "momentum":
        return Momentum(lr, momentum)
    if name == "adam":
        return Adam(lr)
    raise ValueError(f"unknown optimiser {name!r}")
