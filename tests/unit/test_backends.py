"""Each fast backend computes what the reference network computes, and one function chooses."""

import itertools

import numpy as np
import pytest

from nn_core.data.load import load_data
from nn_core.engine import backends
from nn_core.engine.backends.recorded import Recorded
from nn_core.engine.network import QUIET, Network
from nn_core.engine.optim import make
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer

HEADS = [("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "ce"), ("softmax", "mse"),
         ("linear", "mse")]


def _case(act, output, loss, bias, n):
    rng = np.random.default_rng(5)
    k = 3 if output == "softmax" else 2
    net = Network([3, 4, 5, k], act, output, loss, bias, "xavier", rng)
    X = rng.normal(size=(n, 3))
    Y = np.eye(k)[rng.integers(0, k, n)] if output == "softmax" else rng.random((n, k))
    return net, X, Y


@pytest.mark.parametrize("act, head, bias, rule, n", list(itertools.product(
    ["sigmoid", "tanh", "relu", "linear"], HEADS, [True, False], ["exact", "blog"], [1, 7])))
def test_recorded_gradient_is_the_reference_gradient(act, head, bias, rule, n):
    net, X, Y = _case(act, *head, bias, n)
    with np.errstate(**QUIET):
        reference = net.backward(X, Y, rule).copy()
    net.grad[...] = np.nan  # the backend must fill every entry
    fast = Recorded(net, X, Y).gradient(X, Y, rule)
    assert fast is net.grad  # the network's grad holds the gradient
    assert np.linalg.norm(reference) > 1e-6
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-12)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("batch_size", [1, 5, 0])
def test_every_backend_trains_like_the_reference(optimizer, batch_size):
    settings = RunSettings(dataset="moons", n_samples=40, hidden=(3,), optimizer=optimizer,
                           lr=0.05, batch_size=batch_size, l1=0.001, l2=0.01, seed=4)
    data = load_data(settings)
    reference = Trainer(settings, data, backend="reference")
    reference.train_epochs(4)
    chosen = backends.choose(reference.network, batch_size or 40, optimizer)
    names = ["recorded"] + (["per_sample"] if chosen == "per_sample" else [])
    for name in names:
        fast = Trainer(settings, data, backend=name)
        fast.train_epochs(4)
        assert list(fast._backends) == [name]
        np.testing.assert_allclose(fast.network.params, reference.network.params, rtol=0,
                                   atol=1e-12)
    auto = Trainer(settings, data)
    auto.train_epochs(1)
    assert list(auto._backends) == [chosen]


def test_choose():
    small = Network([2, 4, 1])
    big = Network([2, 64, 1])
    assert backends.choose(small, 1, "sgd") == "per_sample"
    assert backends.choose(small, 2, "sgd") == "recorded"
    assert backends.choose(small, 1, "adam") == "recorded"
    assert backends.choose(big, 1, "sgd") == "recorded"
    assert backends.choose(big, 1, "sgd", "reference") == "reference"
    with pytest.raises(ValueError, match="per-sample"):
        backends.choose(big, 1, "sgd", "per_sample")
    with pytest.raises(ValueError, match="unknown backend"):
        backends.choose(small, 1, "sgd", "turbo")


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_the_optimisers_leave_the_gradient_alone(name):
    """After a step, grad still holds the gradient (not -lr·g, nor g² for Adam)."""
    net, X, Y = _case("tanh", "sigmoid", "bce", True, 6)
    start = net.get_params()
    with np.errstate(**QUIET):
        expected = net.backward(X, Y).copy()
        net.train_step(X, Y, make(name, 0.1))
    np.testing.assert_array_equal(net.grad, expected)
    assert np.all(net.params != start)
