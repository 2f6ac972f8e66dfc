"""The reference network: the maths of training in plain NumPy, readable in one sitting.

Layer ``l`` takes the outputs of the layer below (the data ``X`` for the first) and computes its
inputs ``z = a @ W + b`` and its outputs ``f(z)``; samples are rows, as in scikit-learn, and
``weights[l]`` is ``(n_in, n_out)``. :meth:`Network.backward` sends one delta per layer back,
``∂L/∂z``, and turns each into its layer's gradient; it returns every value it computed (a
:class:`Backprop`), which the one-step trace (:mod:`nn_core.engine.trace`) shows.
:meth:`Network.train_step` hands the gradient to an optimiser (:mod:`nn_core.engine.optim`), which
applies the learning rate. Activations and losses come from the tables in
:mod:`nn_core.engine.activations` and :mod:`nn_core.engine.losses`.

Two update rules:

- ``exact``: backpropagation, ``δ[l-1] = (δ[l] W[l]ᵀ) ⊙ f'(z[l-1])``, the true gradient.
- ``blog``: the rule of the blog's class (and of the book it follows): the error ``e = o - y``
  travels back through the weights alone, ``e[l-1] = e[l] W[l]ᵀ``, and each hidden layer's delta
  is ``e[l] ⊙ f'(z[l])``. The output layer's step is exact; hidden layers' are not.

All weights and biases live in one flat vector ``params`` (their gradient in ``grad``), each
layer's matrix stored ``(n_out, n_in)`` like the blog's (``matrices[l]``), followed by its bias
column; ``weights[l]``, ``biases[l]`` and ``grad_weights[l]``, ``grad_biases[l]`` are views. So an
optimiser updates every layer at once and a snapshot is one copy.

This is the engine How it works shows and the tests hold every other engine to. Speed lives in
:mod:`nn_core.engine.backends`: the trainer runs the backend that
:func:`nn_core.engine.backends.choose` picks, each proven equal to this one by the tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nn_core.engine import activations as table
from nn_core.engine import losses

if TYPE_CHECKING:
    from nn_core.engine.optim import Optimizer

INITS = ("blog", "xavier", "he")
INIT_TITLES = {"blog": "the blog's: normal(0, n_out^-½)", "xavier": "Xavier (uniform)",
               "he": "He (normal)"}
# Floating-point conditions that are not errors here: exp overflowing to inf in a saturated
# sigmoid gives exactly 0. Divergence is detected by the trainer from the weights and the loss.
QUIET = {"over": "ignore", "under": "ignore", "invalid": "ignore", "divide": "ignore"}
RULES = ("exact", "blog")
RULE_TITLES = {"exact": "exact gradient", "blog": "the blog's rule"}


@dataclass(slots=True)
class Backprop:
    """What :meth:`Network.backward` computed on the rows ``(X, Y)``, one array per weight layer
    (index 0 the first), one row per sample."""

    inputs: list[np.ndarray]  # z = a_in @ W + b
    outputs: list[np.ndarray]  # f(z); outputs[0] is X itself, so it has one more
    errors: list[np.ndarray]  # what reached each layer's outputs: o - Y at the top, then the
    # rule's δ[l] W[l]ᵀ (exact: ∂L/∂a) or the blog's e[l] W[l]ᵀ
    deltas: list[np.ndarray]  # ∂L/∂z (below the top, the blog's rule's own when it was used)
    grad: np.ndarray  # the network's own flat gradient, filled (not a copy)


class Network:
    """A fully connected feed-forward network with per-layer weight matrices ``(n_in, n_out)``."""

    def __init__(
        self,
        sizes: Sequence[int],
        activations: Sequence[str] | str = "tanh",
        output: str = "sigmoid",
        loss: str = "mse",
        bias: bool = True,
        init: str = "xavier",
        rng: np.random.Generator | None = None,
    ) -> None:
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"need an input and an output size of at least 1, got {sizes}")
        n_hidden = len(sizes) - 2
        hidden = [activations] * n_hidden if isinstance(activations, str) else list(activations)
        if len(hidden) != n_hidden:
            raise ValueError(f"{len(hidden)} activations for {n_hidden} hidden layers")
        for name in hidden:
            if name not in table.HIDDEN:
                raise ValueError(f"unknown hidden activation {name!r}")
        if output not in table.OUTPUT:
            raise ValueError(f"unknown output activation {output!r}")
        losses.check(loss, output)
        if init not in INITS:
            raise ValueError(f"unknown initialisation {init!r}")

        self.sizes = sizes
        self.hidden_activations = hidden
        self.output = output
        self.loss_name = loss
        self.bias = bool(bias)
        self.init = init
        self.layer_activations = [*hidden, output]
        self.functions = [table.ACTIVATIONS[name][0] for name in self.layer_activations]
        self.derivatives = [table.ACTIVATIONS[name][1] for name in self.layer_activations]
        self.output_delta = losses.LOSS_FUNCTIONS[loss][1]

        shapes = list(itertools.pairwise(sizes))
        n_params = sum(o * (i + self.bias) for i, o in shapes)
        self.params = np.zeros(n_params)
        self.grad = np.zeros(n_params)
        self.reg_mask = np.zeros(n_params)  # 1 on weights, 0 on biases: only weights are penalised
        self.blocks, self.matrices, self.biases = self._views(self.params, shapes)
        self.weights = [m.T for m in self.matrices]
        self.grad_blocks, grad_matrices, self.grad_biases = self._views(self.grad, shapes)
        self.grad_weights = [m.T for m in grad_matrices]
        for m in self._views(self.reg_mask, shapes)[1]:
            m[...] = 1.0
        self.initialise(rng if rng is not None else np.random.default_rng())

    def _views(self, flat: np.ndarray, shapes: list[tuple[int, int]]) -> tuple[list, list, list]:
        """Per layer, views of ``flat``: the block ``(n_out, n_in [+ 1])`` whose last column is
        the bias (when there are biases), the ``(n_out, n_in)`` matrix, the ``(n_out,)`` bias."""
        blocks, ms, bs, k = [], [], [], 0
        for n_in, n_out in shapes:
            cols = n_in + self.bias
            block = flat[k : k + n_out * cols].reshape(n_out, cols)
            k += n_out * cols
            blocks.append(block)
            ms.append(block[:, :n_in])
            bs.append(block[:, n_in] if self.bias else None)
        return blocks, ms, bs

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.weights)

    def initialise(self, rng: np.random.Generator) -> None:
        """Draw new weights layer by layer; biases start at zero.

        ``blog``: normal(0, n_out^-½), the blog's rule (``hidden_nodes**-0.5`` for the first
        layer); ``xavier``: uniform(±√(6/(n_in+n_out))); ``he``: normal(0, √(2/n_in)).
        """
        for m in self.matrices:
            n_out, n_in = m.shape
            if self.init == "blog":
                m[...] = rng.normal(0.0, n_out**-0.5, (n_out, n_in))
            elif self.init == "xavier":
                limit = np.sqrt(6.0 / (n_in + n_out))
                m[...] = rng.uniform(-limit, limit, (n_out, n_in))
            else:
                m[...] = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_out, n_in))
        for b in self.biases:
            if b is not None:
                b[...] = 0.0

    # --------------------------------------------------------------- the reference engine
    def forward_layers(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Every layer's ``inputs`` (z) and ``outputs`` (f(z)) for the rows of ``X``;
        ``outputs[0]`` is ``X`` itself."""
        inputs, outputs = [], [np.asarray(X, dtype=float)]
        with np.errstate(**QUIET):
            for W, b, f in zip(self.weights, self.biases, self.functions, strict=True):
                z = outputs[-1] @ W if b is None else outputs[-1] @ W + b
                inputs.append(z)
                outputs.append(f(z))
        return inputs, outputs

    def backward(self, X: np.ndarray, Y: np.ndarray, rule: str = "exact") -> Backprop:
        """Fill ``grad`` with the gradient of the mean loss over the rows ``(X, Y)``; return it
        with every value it was made from (:class:`Backprop`).

        With ``rule="blog"`` the hidden layers' deltas follow the blog's rule instead."""
        inputs, outputs = self.forward_layers(X)
        Y, n, L = np.asarray(Y, dtype=float), len(X), len(self.weights)
        deltas = [np.empty(0)] * L  # deltas[i] = ∂L/∂z of layer i, one row per sample
        errors = [np.empty(0)] * L  # errors[i] = what reaches layer i's outputs from above
        with np.errstate(**QUIET):
            deltas[-1] = self.output_delta(self.output, outputs[-1], Y)
            errors[-1] = outputs[-1] - Y
            for i in range(L - 1, 0, -1):  # from the top down
                W, f_derivative, a = self.weights[i], self.derivatives[i - 1], outputs[i]
                if rule == "blog":  # the blog's rule sends the error back, not the delta
                    errors[i - 1] = errors[i] @ W.T
                else:
                    errors[i - 1] = deltas[i] @ W.T
                deltas[i - 1] = f_derivative(a, errors[i - 1])
            for i in range(L):
                self.grad_weights[i][...] = outputs[i].T @ deltas[i] / n
                if self.bias:
                    self.grad_biases[i][...] = deltas[i].sum(axis=0) / n
        return Backprop(inputs, outputs, errors, deltas, self.grad)

    def train_step(self, X: np.ndarray, Y: np.ndarray, optimizer: Optimizer,
                   rule: str = "exact", l1: float = 0.0, l2: float = 0.0) -> None:
        """One update on the batch ``(X, Y)``: the gradient of the objective, then the step."""
        self.backward(X, Y, rule)
        if l1 or l2:
            self.grad += self.penalty_gradient(l1, l2)
        optimizer.step(self.params, self.grad)

    # ------------------------------------------------------------------------ measures
    def forward(self, X: np.ndarray) -> np.ndarray:
        """The network's outputs, shape ``(n_samples, n_outputs)``: :meth:`forward_layers`'s
        last output, keeping one layer at a time (a 20,000-row prediction through 6 × 64 units
        held every layer: ~120 MB)."""
        a = np.asarray(X, dtype=float)
        with np.errstate(**QUIET):
            for W, b, f in zip(self.weights, self.biases, self.functions, strict=True):
                a = f(a @ W if b is None else a @ W + b)
        return a

    def loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Mean data loss over the rows (no regularisation term)."""
        inputs, outputs = self.forward_layers(X)
        with np.errstate(**QUIET):
            return losses.value(self.loss_name, self.output, inputs[-1], outputs[-1],
                                np.asarray(Y, dtype=float))

    def penalty(self, l1: float = 0.0, l2: float = 0.0) -> float:
        """Regularisation term ``l1 Σ|w| + l2/2 Σ w²`` over the weights (never the biases)."""
        w = self.params * self.reg_mask
        return float(l1 * np.abs(w).sum() + 0.5 * l2 * (w * w).sum())

    def penalty_gradient(self, l1: float = 0.0, l2: float = 0.0) -> np.ndarray:
        """Gradient of :meth:`penalty` over the flat ``params`` (0 on the biases)."""
        w = self.params * self.reg_mask
        return l2 * w + l1 * np.sign(w)

    def objective(self, X: np.ndarray, Y: np.ndarray, l1: float = 0.0, l2: float = 0.0) -> float:
        """What training minimises: data loss plus regularisation penalty."""
        return self.loss(X, Y) + self.penalty(l1, l2)

    def gradient(self, X: np.ndarray, Y: np.ndarray, l1: float = 0.0, l2: float = 0.0,
                 rule: str = "exact") -> np.ndarray:
        """Gradient of :meth:`objective` (mean loss + penalty) over the flat ``params``; a copy.

        With ``rule="blog"`` the hidden layers' parts follow the blog's rule instead.
        """
        return self.backward(X, Y, rule).grad + self.penalty_gradient(l1, l2)

    # ---------------------------------------------------------------------- persistence
    def get_params(self) -> np.ndarray:
        """A copy of the flat parameter vector."""
        return self.params.copy()

    def set_params(self, flat: np.ndarray) -> None:
        """Overwrite every weight and bias from a flat vector of the right length."""
        flat = np.asarray(flat, dtype=float)
        if flat.shape != self.params.shape:
            raise ValueError(f"expected {self.params.size} parameters, got {flat.size}")
        np.copyto(self.params, flat)

    def describe(self) -> dict:
        """The architecture as plain data (no parameters)."""
        return {
            "sizes": list(self.sizes),
            "activations": list(self.hidden_activations),
            "output": self.output,
            "loss": self.loss_name,
            "bias": self.bias,
            "init": self.init,
        }
