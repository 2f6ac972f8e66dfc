"""Each fast backend computes what the reference network computes, and one function chooses."""

import itertools

import numpy as np
import pytest

from nn_core.data.load import load_data
from nn_core.engine import activations, backends
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
    activations.HIDDEN, HEADS, [True, False], ["exact", "blog"], [1, 7])))
def test_recorded_gradient_is_the_reference_gradient(act, head, bias, rule, n):
    net, X, Y = _case(act, *head, bias, n)
    with np.errstate(**QUIET):
        reference = net.backward(X, Y, rule).grad.copy()
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
        expected = net.backward(X, Y).grad.copy()
        net.train_step(X, Y, make(name, 0.1))
    np.testing.assert_array_equal(net.grad, expected)
    assert np.all(net.params != start)


def test_fast_tanh_is_numpys_tanh_to_a_few_ulps_of_one_and_exact_at_the_extremes():
    """The recorded backend's tanh, ``1 - 2/(e^{2z} + 1)`` from one exp, against ``np.tanh`` (the
    reference's) and libm's ``math.tanh``. Tolerance 4e-16 absolute (2 ulps of 1): ``2/(e+1)``
    lies in [0, 2], so its rounding and exp's ~1 ulp give at most ~3.3e-16 of absolute error,
    and ``np.tanh`` itself differs by an ulp between its AVX-512 and libm paths. Absolute, not
    relative: near 0 the result is ``z`` to within ~1e-16, not to 1e-16 of ``z``."""
    import math

    from nn_core.engine.backends.recorded import _tanh_from_exp as _tanh

    z = np.concatenate([np.linspace(-25, 25, 200_001), np.geomspace(1e-300, 30, 2000),
                        -np.geomspace(1e-300, 30, 2000)])
    fast = _tanh(z.copy(), np.empty_like(z))
    np.testing.assert_allclose(fast, np.tanh(z), rtol=0, atol=4e-16)
    libm = np.array([math.tanh(v) for v in z[::97]])
    np.testing.assert_allclose(fast[::97], libm, rtol=0, atol=4e-16)
    assert np.all(np.abs(fast) <= 1.0)
    edges = np.array([354.0, 355.0, 373.0, -373.0, -374.0, 710.0, -710.0, 1e308, -1e308,
                      np.inf, -np.inf, 0.0, np.nan])
    with np.errstate(**QUIET):
        out = _tanh(edges.copy(), np.empty_like(edges))  # in place too: z is out
    np.testing.assert_array_equal(out[:-1], np.tanh(edges[:-1]))
    assert np.isnan(out[-1])
    same = z.copy()
    assert _tanh(same, same) is same
    np.testing.assert_array_equal(same, fast)


def test_tanh_from_exp_only_where_numpys_tanh_is_scalar_and_the_layer_large():
    from nn_core.engine.backends import recorded

    net, X, Y = _case("tanh", "sigmoid", "bce", True, 200)  # 4 × 200 and 5 × 200 values
    kernels = [s.f for s in Recorded(net, X, Y)._steps_for(200)[:2]]
    expected = recorded._tanh if recorded.VECTOR_TANH else recorded._tanh_from_exp
    assert kernels == [expected] * 2
    assert [s.f for s in Recorded(net, X, Y)._steps_for(100)[:2]] == [recorded._tanh] * 2


@pytest.mark.parametrize("rule", ["exact", "blog"])
def test_layers_of_many_values_take_tanh_from_exp_and_still_train_like_the_reference(
        rule, monkeypatch):
    """Full batches of moons through 2-8-8-1 tanh: 8 × 300 values a layer, past TANH_FROM_EXP,
    so where NumPy's tanh is scalar (made so here, whatever this CPU) the recorded backend
    computes tanh from exp; its gradient and 5 epochs of training
    match the reference engine (np.tanh) to 1e-12. Why 1e-12 holds: each activation differs
    by at most ~3e-16 (the test above), and five full-batch steps at this learning rate keep
    the weights within ~2e-16 of the reference's (measured)."""
    from nn_core.engine.backends import recorded

    monkeypatch.setattr(recorded, "VECTOR_TANH", False)
    settings = RunSettings(dataset="moons", n_samples=300, hidden=(8, 8), activation="tanh",
                           lr=0.3, batch_size=0, update_rule=rule, seed=2)
    data = load_data(settings)
    reference = Trainer(settings, data, backend="reference")
    fast = Trainer(settings, data, backend="recorded")
    X, Y = fast.X_train, fast.Y_train
    assert 8 * len(X) >= recorded.TANH_FROM_EXP
    backend = fast._backend(len(X))
    with np.errstate(**QUIET):
        expected = reference.network.backward(X, Y, rule).grad.copy()
    np.testing.assert_allclose(backend.gradient(X, Y, rule), expected, rtol=0, atol=1e-12)
    assert [s.f for s in backend._steps_for(len(X))[:2]] == [recorded._tanh_from_exp] * 2
    reference.train_epochs(5)
    fast.train_epochs(5)
    assert np.abs(fast.network.params - reference.network.params).max() < 1e-12
    assert not np.array_equal(reference.network.params, Trainer(settings, data).network.params)
