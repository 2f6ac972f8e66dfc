"""One training step on one row, every number kept: the reference maths, written out plainly.

:func:`one_step` takes a network (or a trainer: its network, settings and a *copy* of its
optimiser's state), one input row and its coded target, and returns a :class:`StepTrace`: for
each layer, in the blog's order, the inputs ``a_in``, the weights ``W`` (and biases ``b``),
``z = W·a_in (+ b)``, the activation ``a = f(z)``; the error and the loss of the row; going back,
each layer's delta ``∂L/∂z`` and the gradients of its weights and biases, both by exact
backpropagation and by the blog's rule; the gradient the optimiser receives (the trainer's rule,
plus the L1/L2 penalty's gradient), the optimiser's step and the new weights.

Vectors are one-dimensional here (one row), weights ``(n_out, n_in)`` as in the blog, so
``z = W @ a_in + b`` reads like the blog's ``np.dot(self.weights_input_hidden, inputs)``. Nothing
here is on the training path: the trainer never calls it. It computes with the reference
engine's tables of activations and losses, and the tests prove that it gives the engine's own
numbers (:meth:`nn_core.engine.network.Network.train_step`, the optimisers' steps).

:func:`apply_step` puts a trace's new weights and optimiser state into the trainer, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from nn_core.engine import activations, losses, optim
from nn_core.engine.network import QUIET, RULES, Network

if TYPE_CHECKING:
    from nn_core.training.trainer import Trainer


@dataclass(frozen=True)
class LayerStep:
    """One weight layer's part of the step (``index`` 1 is the first hidden layer).

    Gradients are of the row's objective (loss + penalty): ``grad_*`` by exact
    backpropagation, ``blog_grad_*`` by the blog's rule; ``used_grad_*`` is the one the trainer's
    rule gives the optimiser. ``step_*`` is what the optimiser adds, ``new_* = old + step``.
    """

    index: int
    activation: str
    a_in: np.ndarray  # (n_in,) this layer's inputs
    W: np.ndarray  # (n_out, n_in)
    b: np.ndarray | None  # (n_out,) or None without biases
    z: np.ndarray  # (n_out,) W @ a_in + b
    a: np.ndarray  # (n_out,) f(z)
    slope: np.ndarray | None  # f'(z); None for a softmax output (its Jacobian is not diagonal)
    delta: np.ndarray  # ∂L/∂z, exact
    back_error: np.ndarray | None  # exact ∂L/∂a = W[l+1]ᵀ δ[l+1] (None for the output layer)
    blog_error: np.ndarray  # the error the blog's rule sends back: o - y at the top, then Wᵀ e
    blog_delta: np.ndarray  # the blog's rule's ∂L/∂z: e ⊙ f'(z) (the exact one at the top)
    grad_W: np.ndarray
    grad_b: np.ndarray | None
    blog_grad_W: np.ndarray
    blog_grad_b: np.ndarray | None
    penalty_grad_W: np.ndarray  # l2·W + l1·sign(W) (biases are never penalised)
    used_grad_W: np.ndarray
    used_grad_b: np.ndarray | None
    step_W: np.ndarray
    step_b: np.ndarray | None
    new_W: np.ndarray
    new_b: np.ndarray | None


@dataclass(frozen=True)
class StepTrace:
    """Every number of one training step on one row (see the module's docstring)."""

    x: np.ndarray  # the network's input row (after the trainer's preprocessing)
    y: np.ndarray  # the coded target (0/1, one-hot or standardised)
    layers: list[LayerStep]
    output: np.ndarray  # o
    output_errors: np.ndarray  # the blog's output_errors = y - o
    loss: float  # the data loss of the row
    penalty: float  # l1 Σ|w| + l2/2 Σ w²
    rule: str  # the rule whose gradient the optimiser received
    optimizer: str
    lr: float
    loss_name: str
    output_activation: str
    params_before: np.ndarray  # the engine's flat parameter vector before the step
    params_after: np.ndarray  # ... and after
    grad_used: np.ndarray  # the flat gradient the optimiser received
    optimizer_state: dict = field(repr=False)  # the optimiser's state after the step
    l1: float = 0.0
    l2: float = 0.0

    @property
    def objective(self) -> float:
        return self.loss + self.penalty

    @property
    def hidden_errors(self) -> list[np.ndarray]:
        """The blog's ``hidden_errors`` per hidden layer, in its sign: ``Wᵀ · output_errors``
        sent back through the weights alone (the engine's ``e`` has the opposite sign)."""
        return [-layer.blog_error for layer in self.layers[:-1]]

    @property
    def predicted_ratio(self) -> float | None:
        """``1/(o(1-o))``: the blog's step over the exact one on the last hidden layer, when the
        output is one sigmoid unit with squared error; None for other heads."""
        if (len(self.output) == 1 and self.output_activation == "sigmoid"
                and self.loss_name == "mse"):
            o = float(self.output[0])
            slope = o * (1.0 - o)
            return 1.0 / slope if slope > 0 else float("inf")
        return None


# ------------------------------------------------- the maths: the reference engine's tables
def activate(name: str, z: np.ndarray) -> np.ndarray:
    """``f(z)`` for one layer's vector (a new array)."""
    return activations.value(name, z)


def slope(name: str, a: np.ndarray) -> np.ndarray | None:
    """``f'(z)`` from ``a = f(z)``; None for softmax (its Jacobian is not diagonal)."""
    return None if name == "softmax" else activations.derivative(name, a)


def row_loss(loss: str, z: np.ndarray, o: np.ndarray, y: np.ndarray) -> float:
    """The loss of one row, from the output layer's input ``z`` and output ``o``."""
    if loss not in losses.LOSS_FUNCTIONS:
        raise ValueError(f"unknown loss {loss!r}")
    return losses.LOSS_FUNCTIONS[loss][0](z[None, :], o[None, :], y[None, :])


def output_delta(loss: str, output: str, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``∂L/∂z`` of the output layer for one row."""
    return losses.output_delta(loss, output, o, y)


def _flat(Ws: list[np.ndarray], bs: list[np.ndarray | None]) -> np.ndarray:
    """Per-layer matrices and biases as the engine's flat vector: each layer's ``[W b]``."""
    parts = [W if b is None else np.column_stack([W, b]) for W, b in zip(Ws, bs, strict=True)]
    return np.concatenate([p.ravel() for p in parts])


def _unflat(net: Network, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    Ws, bs, k = [], [], 0
    for n_in, n_out in zip(net.sizes[:-1], net.sizes[1:], strict=True):
        cols = n_in + net.bias
        block = flat[k : k + n_out * cols].reshape(n_out, cols)
        k += n_out * cols
        Ws.append(block[:, :n_in].copy())
        bs.append(block[:, n_in].copy() if net.bias else None)
    return Ws, bs


def one_step(network: Network, x: np.ndarray, y: np.ndarray, lr: float, rule: str = "exact",
             optimizer: optim.Optimizer | None = None, l1: float = 0.0,
             l2: float = 0.0) -> StepTrace:
    """One training step of ``network`` on the row ``(x, y)``, every number kept.

    ``x`` is the network's input row, ``y`` its coded target. The optimiser's step is taken on
    a copy of ``optimizer``'s state (plain SGD with ``lr`` when None); neither the network nor
    the optimiser changes.
    """
    if rule not in RULES:
        raise ValueError(f"unknown update rule {rule!r}")
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.size != network.sizes[0] or y.size != network.sizes[-1]:
        raise ValueError(f"the row has {x.size} inputs and {y.size} targets; the network "
                         f"takes {network.sizes[0]} and gives {network.sizes[-1]}")
    Ws = [m.copy() for m in network.matrices]
    bs = [None if b is None else b.copy() for b in network.biases]
    names = network.layer_activations
    L = len(Ws)

    with np.errstate(**QUIET):
        # forward: inputs → hidden_inputs (z) → hidden_outputs (a) → ... → final_outputs
        a_ins, zs, acts = [], [], []
        a = x
        for W, b, name in zip(Ws, bs, names, strict=True):
            a_ins.append(a)
            z = W @ a if b is None else W @ a + b
            a = activate(name, z)
            zs.append(z)
            acts.append(a)
        o = acts[-1]
        loss = row_loss(network.loss_name, zs[-1], o, y)

        # backward, exact: δ[L] from the loss, δ[l-1] = (W[l]ᵀ δ[l]) ⊙ f'(z[l-1])
        slopes = [slope(name, a) for name, a in zip(names, acts, strict=True)]
        deltas: list[np.ndarray] = [np.empty(0)] * L
        deltas[-1] = output_delta(network.loss_name, network.output, o, y)
        for i in range(L - 1, 0, -1):
            deltas[i - 1] = (Ws[i].T @ deltas[i]) * slopes[i - 1]
        # the blog's rule: e[L] = o - y, e[l-1] = W[l]ᵀ e[l]; its δ[l-1] = e[l-1] ⊙ f'(z[l-1])
        errors: list[np.ndarray] = [np.empty(0)] * L
        blog_deltas: list[np.ndarray] = [np.empty(0)] * L
        errors[-1] = o - y
        blog_deltas[-1] = deltas[-1]
        for i in range(L - 1, 0, -1):
            errors[i - 1] = Ws[i].T @ errors[i]
            blog_deltas[i - 1] = errors[i - 1] * slopes[i - 1]

        # gradients: ∂L/∂W = δ ⊗ a_in, ∂L/∂b = δ; the penalty's on the weights only
        pen_W = [l2 * W + l1 * np.sign(W) for W in Ws]
        grad_W = [np.outer(d, ai) + p for d, ai, p in zip(deltas, a_ins, pen_W, strict=True)]
        blog_grad_W = [np.outer(d, ai) + p
                       for d, ai, p in zip(blog_deltas, a_ins, pen_W, strict=True)]
        grad_b = [None if b is None else d.copy() for b, d in zip(bs, deltas, strict=True)]
        blog_grad_b = [None if b is None else d.copy()
                       for b, d in zip(bs, blog_deltas, strict=True)]
        used_W, used_b = (blog_grad_W, blog_grad_b) if rule == "blog" else (grad_W, grad_b)

        # the update: w ← w - lr·g for SGD, the optimiser's own step (on a copy) otherwise
        before = _flat(Ws, bs)
        g = _flat(used_W, used_b)
        # (each optimiser adds its step to the weights, so on zeros it gives the step itself,
        # exactly: new - old would lose the digits of a step much smaller than the weight)
        opt = optim.make("sgd", lr) if optimizer is None else _copy(optimizer, lr)
        if opt.name == "sgd":
            step = -lr * g
        else:
            step = np.zeros_like(before)
            opt.step(step, g.copy())
        after = before + step
        new_Ws, new_bs = _unflat(network, after)
        step_Ws, step_bs = _unflat(network, step)
        penalty = float(sum(l1 * np.abs(W).sum() + 0.5 * l2 * (W * W).sum() for W in Ws))

    layers = []
    for i in range(L):
        layers.append(LayerStep(
            index=i + 1, activation=names[i], a_in=a_ins[i], W=Ws[i], b=bs[i], z=zs[i],
            a=acts[i], slope=slopes[i], delta=deltas[i],
            back_error=None if i == L - 1 else Ws[i + 1].T @ deltas[i + 1], blog_error=errors[i],
            blog_delta=blog_deltas[i], grad_W=grad_W[i], grad_b=grad_b[i],
            blog_grad_W=blog_grad_W[i], blog_grad_b=blog_grad_b[i], penalty_grad_W=pen_W[i],
            used_grad_W=used_W[i], used_grad_b=used_b[i], step_W=step_Ws[i], step_b=step_bs[i],
            new_W=new_Ws[i],
            new_b=new_bs[i],
        ))
    return StepTrace(
        x=x, y=y, layers=layers, output=o, output_errors=y - o, loss=loss, penalty=penalty,
        rule=rule, optimizer=opt.name, lr=float(lr), loss_name=network.loss_name,
        output_activation=network.output, params_before=before, params_after=after,
        grad_used=g, optimizer_state=opt.get_state(), l1=float(l1), l2=float(l2),
    )


def _copy(optimizer: optim.Optimizer, lr: float) -> optim.Optimizer:
    """A new optimiser of the same kind, with ``lr`` and a copy of ``optimizer``'s state."""
    momentum = float(getattr(optimizer, "momentum", 0.9))
    copy = optim.make(optimizer.name, lr, momentum)
    copy.set_state(optimizer.get_state())
    return copy


# ----------------------------------------------------------------------------- the trainer
def trainer_step(trainer: Trainer, row: int) -> StepTrace:
    """:func:`one_step` of the trainer's network on its training row ``row`` (0-based, after
    the trainer's preprocessing and target coding), with its learning rate, update rule,
    optimiser (a copy of its state) and penalties."""
    n = len(trainer.X_train)
    if not 0 <= row < n:
        raise ValueError(f"row {row} is not one of the {n} training rows")
    s = trainer.settings
    return one_step(trainer.network, trainer.X_train[row], trainer.Y_train[row], s.lr,
                    s.update_rule, trainer.optimizer, s.l1, s.l2)


def apply_step(trainer: Trainer, trace: StepTrace) -> None:
    """Make the trainer's network and optimiser exactly what ``trace`` says they become.

    Refuses (ValueError) when the network is no longer the one the trace started from. The
    step is not an epoch: the epoch counter and the history stay; the trainer counts it in
    ``manual_steps``.
    """
    trainer.apply_manual_step(trace.params_before, trace.params_after, trace.optimizer_state)
