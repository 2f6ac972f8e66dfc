"""The one-step trace (nn_core.engine.trace) is the reference engine's own numbers: what
``Network.backward`` returns and ``Network.train_step`` does, bit for bit, and each delta and
error is the slope of the loss by finite differences."""

import itertools

import numpy as np
import pytest

from nn_core.engine import activations, losses, optim
from nn_core.engine.network import QUIET, RULES, Network
from nn_core.engine.trace import one_step
from tests.checks import clone, small_net
from tests.conftest import numeric_gradient

HEADS = [("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "ce"), ("softmax", "mse"),
         ("linear", "mse")]
HIDDEN = activations.HIDDEN  # every hidden activation of the table, one added too
CASES = list(itertools.product(HIDDEN, HEADS, (True, False)))






def _row(net: Network, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=net.sizes[0])
    n_out = net.sizes[-1]
    if net.output == "linear":
        return x, rng.normal(size=n_out)
    if net.output == "softmax":
        return x, np.eye(n_out)[rng.integers(n_out)]
    return x, rng.integers(0, 2, size=n_out).astype(float)


def _flat(trace, which: str) -> np.ndarray:
    """Per-layer ``{which}_W`` and ``{which}_b`` as one vector in the engine's layout."""
    parts = []
    for layer in trace.layers:
        W, b = getattr(layer, f"{which}_W"), getattr(layer, f"{which}_b")
        parts.append((W if b is None else np.column_stack([W, b])).ravel())
    return np.concatenate(parts)


@pytest.mark.parametrize("hidden_act, head, bias", CASES)
def test_every_number_is_what_the_engines_backward_returned(hidden_act, head, bias):
    net = small_net(hidden_act, head, bias)
    x, y = _row(net)
    X, Y = x[None, :], y[None, :]
    l1, l2 = 0.01, 0.02
    with np.errstate(**QUIET):
        penalty = net.penalty_gradient(l1, l2)
        exact = net.backward(X, Y, "exact")
        exact_grad = exact.grad + penalty
        blog = net.backward(X, Y, "blog")
        blog_grad = blog.grad + penalty
        zs, acts = net.forward_layers(X)
    # the record is the forward pass's own values
    for z, z2, a, a2 in zip(exact.inputs, zs, exact.outputs, acts, strict=False):
        np.testing.assert_array_equal(z, z2)
        np.testing.assert_array_equal(a, a2)
    for rule in RULES:
        before = net.get_params()
        trace = one_step(net, x, y, lr=0.1, rule=rule, l1=l1, l2=l2)
        np.testing.assert_array_equal(net.params, before)  # the network is left alone
        top = len(trace.layers) - 1
        for i, layer in enumerate(trace.layers):
            np.testing.assert_array_equal(layer.a_in, exact.outputs[i][0])
            np.testing.assert_array_equal(layer.z, exact.inputs[i][0])
            np.testing.assert_array_equal(layer.a, exact.outputs[i + 1][0])
            np.testing.assert_array_equal(layer.W, net.matrices[i])
            np.testing.assert_array_equal(layer.delta, exact.deltas[i][0])
            np.testing.assert_array_equal(layer.blog_delta, blog.deltas[i][0])
            np.testing.assert_array_equal(layer.blog_error, blog.errors[i][0])
            if i == top:
                assert layer.back_error is None
            else:
                np.testing.assert_array_equal(layer.back_error, exact.errors[i][0])
        np.testing.assert_array_equal(trace.output, exact.outputs[-1][0])
        np.testing.assert_array_equal(_flat(trace, "grad"), exact_grad)
        np.testing.assert_array_equal(_flat(trace, "blog_grad"), blog_grad)
        np.testing.assert_array_equal(trace.grad_used, exact_grad if rule == "exact"
                                      else blog_grad)
        assert trace.loss == net.loss(X, Y) and trace.penalty == net.penalty(l1, l2)
        # the new weights are the engine's own training step (here with momentum's first step)
        ref, opt = clone(net), optim.make("momentum", 0.1, 0.5)
        with np.errstate(**QUIET):
            ref.train_step(X, Y, opt, rule, l1, l2)
        moved = one_step(net, x, y, lr=0.1, rule=rule, optimizer=optim.make("momentum", 0.1, 0.5),
                         l1=l1, l2=l2)
        np.testing.assert_array_equal(moved.params_after, ref.params)
        np.testing.assert_array_equal(moved.params_before + _flat(moved, "step"), ref.params)
        np.testing.assert_array_equal(moved.optimizer_state["velocity"], opt.velocity)


def _loss_from(net: Network, layer: int, Y: np.ndarray, z: np.ndarray | None = None,
               a: np.ndarray | None = None) -> float:
    """The loss when layer ``layer``'s input is ``z`` (or its output is ``a``), computed up
    through the layers above with the engine's weights and activations."""
    if a is None:
        a = net.functions[layer](z)
    for i in range(layer + 1, net.n_layers):
        b = net.biases[i]
        z = a @ net.weights[i] if b is None else a @ net.weights[i] + b
        a = net.functions[i](z)
    return losses.value(net.loss_name, net.output, z, a, Y)


def _slopes(f, v: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(v)
    for j in range(v.size):
        up, down = v.copy(), v.copy()
        up[0, j] += h
        down[0, j] -= h
        out[0, j] = (f(up) - f(down)) / (2 * h)
    return out


@pytest.mark.parametrize("hidden_act, head, bias", CASES)
def test_each_delta_and_error_is_the_slope_of_the_loss(hidden_act, head, bias):
    """δ = ∂L/∂z for every layer, the error sent back = ∂L/∂a for every hidden layer, and the
    weights' gradient = ∂(L + penalty)/∂w, all by central differences; the blog's rule's error
    starts at o − y and goes back through the weights alone."""
    net = small_net(hidden_act, head, bias, seed=3)
    x, y = _row(net, seed=4)
    X, Y = x[None, :], y[None, :]
    trace = one_step(net, x, y, lr=0.1, rule="blog", l1=0.01, l2=0.02)
    with np.errstate(**QUIET):
        for i, layer in enumerate(trace.layers):
            z, a = layer.z[None, :], layer.a[None, :]
            dz = _slopes(lambda v, i=i: _loss_from(net, i, Y, z=v), z)
            np.testing.assert_allclose(layer.delta, dz[0], rtol=0, atol=1e-8)
            if layer.back_error is not None:
                da = _slopes(lambda v, i=i: _loss_from(net, i, Y, a=v), a)
                np.testing.assert_allclose(layer.back_error, da[0], rtol=0, atol=1e-8)
                assert np.abs(da).max() > 1e-4  # not a vacuous comparison
        numeric = numeric_gradient(net, X, Y, 0.01, 0.02)
    np.testing.assert_allclose(_flat(trace, "grad"), numeric, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(trace.layers[-1].blog_error, trace.output - y)
    for below, above in itertools.pairwise(trace.layers):
        np.testing.assert_allclose(below.blog_error, above.W.T @ above.blog_error, rtol=1e-12,
                                   atol=1e-15)
