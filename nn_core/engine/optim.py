"""Optimisers over the flat parameter vector: SGD, momentum, Adam.

Each optimiser says which ``scale`` it wants the backward pass to apply (:attr:`grad_scale`), so
plain SGD receives its step ready-made (``-lr · gradient``) and spends one NumPy call on the
update. Regularisation is added to the gradient here, on the weights only (``mask``).
"""

from __future__ import annotations

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "adam")
TITLES = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}


class Optimizer:
    """Base: ``step(params, g)`` with ``g = grad_scale(lr) · gradient`` already in place."""

    name = "base"

    def __init__(self, lr: float) -> None:
        self.lr = float(lr)

    def grad_scale(self) -> float:
        return 1.0

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

    def grad_scale(self) -> float:
        return -self.lr

    def step(self, params: np.ndarray, g: np.ndarray) -> None:
        np.add(params, g, out=params)


class Momentum(Optimizer):
    """Heavy ball: ``v ← μ v - lr · g``, ``θ ← θ + v``."""

    name = "momentum"

    def __init__(self, lr: float, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = np.asarray(float(momentum))
        self.velocity: np.ndarray | None = None

    def step(self, params: np.ndarray, g: np.ndarray) -> None:
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        v = self.velocity
        np.multiply(v, self.momentum, out=v)
        np.multiply(g, -self.lr, out=g)
        np.add(v, g, out=v)
        np.add(params, v, out=params)

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
        if self.m is None:
            self.m, self.v, self._tmp = (np.zeros_like(params) for _ in range(3))
        m, v, tmp = self.m, self.v, self._tmp
        self.t += 1
        m *= self.beta1
        m += (1 - self.beta1) * g
        np.multiply(g, g, out=g)
        v *= self.beta2
        v += (1 - self.beta2) * g
        lr_t = self.lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        np.sqrt(v, out=tmp)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr_t
        params -= tmp

    def get_state(self) -> dict:
        m, v = (None, None) if self.m is None else (self.m.copy(), self.v.copy())
        return {"name": self.name, "t": self.t, "m": m, "v": v}

    def set_state(self, state: dict) -> None:
        self.t = state["t"]
        if state["m"] is None:
            self.m = self.v = None
        else:
            self.m, self.v = state["m"].copy(), state["v"].copy()
            self._tmp = np.empty_like(self.m)


def make(name: str, lr: float, momentum: float = 0.9) -> Optimizer:
    """An optimiser by name."""
    if name == "sgd":
        return SGD(lr)
    if name == "momentum":
        return Momentum(lr, momentum)
    if name == "adam":
        return Adam(lr)
    raise ValueError(f"unknown optimiser {name!r}")


def add_penalty_gradient(g: np.ndarray, params: np.ndarray, mask: np.ndarray, l1: float,
                         l2: float, scale: float, tmp: np.ndarray) -> None:
    """``g += scale · (l2 · w + l1 · sign(w))`` on the weights (``mask``), in place."""
    if l2:
        np.multiply(params, mask, out=tmp)
        tmp *= scale * l2
        g += tmp
    if l1:
        np.sign(params, out=tmp)
        tmp *= mask
        tmp *= scale * l1
        g += tmp
