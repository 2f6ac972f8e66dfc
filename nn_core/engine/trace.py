"""One training step on one row, every number kept, as the reference engine computes it.

:func:`one_step` takes a network, one input row and its coded target (and the learning rate,
rule, optimiser and penalties) and returns a :class:`StepTrace`: for each layer, in the blog's
order, the inputs ``a_in``, the weights ``W`` (and biases ``b``), ``z = W·a_in (+ b)``, the
activation ``a = f(z)``; the error and the loss of the row; going back, each layer's delta
``∂L/∂z`` and the gradients of its weights and biases, both by exact backpropagation and by the
blog's rule; the gradient the optimiser receives (the rule's, plus the L1/L2 penalty's), the
optimiser's step and the new weights.

Nothing here re-derives the maths: every number is read from the reference engine's own
functions on a copy of the network (:meth:`~nn_core.engine.network.Network.backward` returns
its forward values, errors, deltas and gradient; :meth:`~nn_core.engine.network.Network.loss`,
``penalty``, ``penalty_gradient`` and :meth:`~nn_core.engine.network.Network.train_step` with a
copy of the optimiser give the rest), and only arranged per layer. Vectors are one-dimensional
here (one row), weights ``(n_out, n_in)`` as in the blog, so ``z = W @ a_in + b`` reads like the
blog's ``np.dot(self.weights_input_hidden, inputs)``. Nothing here is on the training path: the
trainer never calls it (:func:`nn_core.training.trainer.trainer_step` asks it for a trainer's
row, :func:`nn_core.training.trainer.apply_step` applies the result).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from nn_core.engine import activations, optim
from nn_core.engine.network import QUIET, RULES, Network


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


def one_step(network: Network, x: np.ndarray, y: np.ndarray, lr: float, rule: str = "exact",
             optimizer: optim.Optimizer | None = None, l1: float = 0.0,
             l2: float = 0.0) -> StepTrace:
    """One training step of ``network`` on the row ``(x, y)``, every number kept.

    ``x`` is the network's input row, ``y`` its coded target. The engine works on a copy of the
    network and a copy of ``optimizer``'s state (plain SGD with ``lr`` when None); neither the
    network nor the optimiser changes.
    """
    if rule not in RULES:
        raise ValueError(f"unknown update rule {rule!r}")
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.size != network.sizes[0] or y.size != network.sizes[-1]:
        raise ValueError(f"the row has {x.size} inputs and {y.size} targets; the network "
                         f"takes {network.sizes[0]} and gives {network.sizes[-1]}")
    net = _copy_network(network)
    X, Y = x[None, :], y[None, :]
    names = net.layer_activations
    with np.errstate(**QUIET):
        # both rules' passes: forward values, errors, deltas, gradients (the penalty's added)
        penalty_grad = net.penalty_gradient(l1, l2)
        exact = net.backward(X, Y, "exact")
        grad = exact.grad + penalty_grad
        blog = net.backward(X, Y, "blog")
        blog_grad = blog.grad + penalty_grad
        loss, penalty = net.loss(X, Y), net.penalty(l1, l2)
        # the engine's training step, on the copy: the gradient the optimiser received (left in
        # grad) and the new weights
        before = net.get_params()
        opt = optim.make("sgd", lr) if optimizer is None else _copy_optimizer(optimizer, lr)
        step_opt = _copy_optimizer(opt, lr)  # the step itself, on zeros, from the same state:
        # each optimiser adds its step to the weights, so this is exact (new - old would lose
        # the digits of a step much smaller than the weight)
        net.train_step(X, Y, opt, rule, l1, l2)
        used, after = net.grad.copy(), net.get_params()
        step = np.zeros_like(before)
        step_opt.step(step, used)

    Ws, bs = _per_layer(net, before)
    grad_Ws, grad_bs = _per_layer(net, grad)
    blog_Ws, blog_bs = _per_layer(net, blog_grad)
    pen_Ws, _ = _per_layer(net, penalty_grad)
    used_Ws, used_bs = _per_layer(net, used)
    step_Ws, step_bs = _per_layer(net, step)
    new_Ws, new_bs = _per_layer(net, after)
    L = len(Ws)
    layers = []
    for i in range(L):
        a = exact.outputs[i + 1][0]
        layers.append(LayerStep(
            index=i + 1, activation=names[i], a_in=exact.outputs[i][0], W=Ws[i], b=bs[i],
            z=exact.inputs[i][0], a=a, slope=_slope(names[i], a), delta=exact.deltas[i][0],
            back_error=None if i == L - 1 else exact.errors[i][0], blog_error=blog.errors[i][0],
            blog_delta=blog.deltas[i][0], grad_W=grad_Ws[i], grad_b=grad_bs[i],
            blog_grad_W=blog_Ws[i], blog_grad_b=blog_bs[i], penalty_grad_W=pen_Ws[i],
            used_grad_W=used_Ws[i], used_grad_b=used_bs[i], step_W=step_Ws[i], step_b=step_bs[i],
            new_W=new_Ws[i], new_b=new_bs[i],
        ))
    o = exact.outputs[-1][0]
    return StepTrace(
        x=x, y=y, layers=layers, output=o, output_errors=y - o, loss=loss, penalty=penalty,
        rule=rule, optimizer=opt.name, lr=float(lr), loss_name=net.loss_name,
        output_activation=net.output, params_before=before, params_after=after,
        grad_used=used, optimizer_state=opt.get_state(), l1=float(l1), l2=float(l2),
    )


def _slope(name: str, a: np.ndarray) -> np.ndarray | None:
    """``f'(z)`` from ``a = f(z)`` (the engine's table); None for softmax (its Jacobian is not
    diagonal)."""
    return None if name == "softmax" else activations.derivative(name, a)


def _copy_network(network: Network) -> Network:
    """A separate network with the same weights (a deep copy would break the flat views)."""
    d = network.describe()
    net = Network(d["sizes"], d["activations"], d["output"], d["loss"], d["bias"], d["init"],
                  np.random.default_rng(0))
    net.set_params(network.params)
    return net


def _per_layer(net: Network, flat: np.ndarray) -> tuple[list[np.ndarray],
                                                          list[np.ndarray | None]]:
    """A flat vector in the engine's layout as per-layer ``(n_out, n_in)`` matrices and biases
    (copies)."""
    _, ms, bs = net._views(np.array(flat, dtype=float), list(pairwise(net.sizes)))
    return [m.copy() for m in ms], [None if b is None else b.copy() for b in bs]


def _copy_optimizer(optimizer: optim.Optimizer, lr: float) -> optim.Optimizer:
    """A new optimiser of the same kind, with ``lr`` and a copy of ``optimizer``'s state."""
    momentum = float(getattr(optimizer, "momentum", 0.9))
    copy = optim.make(optimizer.name, lr, momentum)
    copy.set_state(optimizer.get_state())
    return copy
