"""The network's gradients against central finite differences, and its building blocks."""

import itertools

import numpy as np
import pytest

from nn_core.engine import activations, losses, optim
from nn_core.engine.network import Network
from tests.conftest import numeric_gradient, trained

HEADS = [("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "ce"), ("softmax", "mse"),
         ("linear", "mse")]


def _targets(rng, output, n, k):
    if output == "softmax":
        return np.eye(k)[rng.integers(0, k, n)]
    if output == "sigmoid":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(size=(n, k))


@pytest.mark.parametrize(
    "hidden_act, head, bias, reg",
    list(itertools.product(activations.HIDDEN, HEADS, [True, False],
                           [(0.0, 0.0), (0.01, 0.0), (0.0, 0.03), (0.02, 0.05)])),
)
def test_gradient_matches_finite_differences(hidden_act, head, bias, reg):
    output, loss = head
    l1, l2 = reg
    rng = np.random.default_rng(7)
    k = 3 if output == "softmax" else 2
    X = rng.normal(size=(6, 3))
    Y = _targets(rng, output, 6, k)
    net = Network([3, 4, 5, k], hidden_act, output, loss, bias, "xavier",
                  np.random.default_rng(1))
    if l1:  # keep weights away from |w| = 0, where |w| has no derivative
        w = net.params * net.reg_mask
        net.params[np.abs(w) < 1e-3] += 0.01 * net.reg_mask[np.abs(w) < 1e-3]
    analytic = net.gradient(X, Y, l1, l2)
    numeric = numeric_gradient(net, X, Y, l1, l2)
    rel = np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))
    assert rel < 1e-6
    assert np.linalg.norm(analytic) > 1e-6  # a zero gradient would pass trivially


@pytest.mark.parametrize("hidden", [(), (3,), (4, 3, 5, 2, 3, 4)])
def test_gradient_any_depth(hidden):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 2))
    Y = _targets(rng, "sigmoid", 5, 1)
    net = Network([2, *hidden, 1], "tanh", "sigmoid", "bce", True, "he", rng)
    analytic = net.gradient(X, Y)
    numeric = numeric_gradient(net, X, Y, 0, 0)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_per_layer_activations_and_views():
    net = Network([2, 3, 4, 1], ["relu", "sigmoid"], "linear", "mse", True, "xavier",
                  np.random.default_rng(0))
    assert net.layer_activations == ["relu", "sigmoid", "linear"]
    assert [w.shape for w in net.weights] == [(2, 3), (3, 4), (4, 1)]
    assert [b.shape for b in net.biases] == [(3,), (4,), (1,)]
    net.weights[1][0, 2] = 0.25  # views write into the flat vector
    assert 0.25 in net.params
    X = np.array([[0.5, -1.0]])
    h1 = np.maximum(X @ net.weights[0] + net.biases[0], 0)
    h2 = 1 / (1 + np.exp(-(h1 @ net.weights[1] + net.biases[1])))
    np.testing.assert_allclose(net.forward(X), h2 @ net.weights[2] + net.biases[2], rtol=1e-14)


def test_hand_computed_step_of_a_tiny_network():
    """One SGD step on a 1-1-1 sigmoid network, worked out by hand."""
    net = Network([1, 1, 1], "sigmoid", "sigmoid", "mse", False, "blog", np.random.default_rng(0))
    net.set_params(np.array([0.5, -0.3]))
    x, t, lr = 2.0, 1.0, 0.1
    h = 1 / (1 + np.exp(-0.5 * x))
    o = 1 / (1 + np.exp(0.3 * h))
    d_out = (o - t) * o * (1 - o)
    d_hid = d_out * -0.3 * h * (1 - h)
    sgd = optim.SGD(lr)
    net.backward(np.array([[x]]), np.array([[t]]))
    np.testing.assert_allclose(net.grad, [d_hid * x, d_out * h], rtol=1e-14)  # a gradient
    sgd.step(net.params, net.grad)
    np.testing.assert_allclose(net.params, [0.5 - lr * d_hid * x, -0.3 - lr * d_out * h],
                               rtol=1e-14)


def test_initialisations_have_their_spread():
    rng = np.random.default_rng(0)
    blog = Network([400, 100, 1], init="blog", rng=rng)
    assert np.std(blog.weights[0]) == pytest.approx(100**-0.5, rel=0.02)
    he = Network([400, 100, 1], init="he", rng=rng)
    assert np.std(he.weights[0]) == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    xav = Network([400, 100, 1], init="xavier", rng=rng)
    assert np.abs(xav.weights[0]).max() <= np.sqrt(6 / 500)
    assert np.std(xav.weights[0]) == pytest.approx(np.sqrt(6 / 500) / np.sqrt(3), rel=0.02)
    assert np.all(xav.biases[0] == 0)


@pytest.mark.parametrize("name", activations.HIDDEN)
def test_activation_derivatives(name):
    z = np.linspace(-3, 3, 13).reshape(1, -1) + 0.01
    h = 1e-6
    numeric = (activations.value(name, z + h) - activations.value(name, z - h)) / (2 * h)
    np.testing.assert_allclose(activations.derivative(name, activations.value(name, z)),
                               numeric, atol=1e-8)


def test_losses_by_hand():
    z = np.array([[0.0], [2.0]])
    o = 1 / (1 + np.exp(-z))
    y = np.array([[1.0], [0.0]])
    assert losses.value("mse", "sigmoid", z, o, y) == pytest.approx(
        0.5 * ((0.5 - 1) ** 2 + o[1, 0] ** 2) / 2)
    assert losses.value("bce", "sigmoid", z, o, y) == pytest.approx(
        -(np.log(0.5) + np.log(1 - o[1, 0])) / 2)
    zs = np.array([[1.0, 2.0, 3.0]])
    p = np.exp(zs) / np.exp(zs).sum()
    assert losses.value("ce", "softmax", zs, p, np.array([[0, 0, 1.0]])) == pytest.approx(
        -np.log(p[0, 2]))
    # saturated: still finite
    assert np.isfinite(losses.value("bce", "sigmoid", np.array([[800.0]]), np.array([[1.0]]),
                                    np.array([[0.0]])))


def test_incompatible_heads_are_refused():
    with pytest.raises(ValueError, match="softmax"):
        Network([2, 1], output="linear", loss="ce")
    with pytest.raises(ValueError, match="sigmoid"):
        Network([2, 2], output="softmax", loss="bce")


@pytest.mark.parametrize("name", optim.OPTIMIZERS)
def test_optimisers_minimise_a_quadratic(name):
    """Each optimiser drives f(θ) = ½|θ - c|² to c, given the gradient θ - c, which it leaves
    as it is."""
    c = np.array([1.0, -2.0, 3.0])
    theta = np.zeros(3)
    opt = optim.make(name, 0.1 if name != "adam" else 0.05)
    for _ in range(2000):
        g = theta - c
        kept = g.copy()
        opt.step(theta, g)
        assert np.array_equal(g, kept)  # the gradient stays a gradient
    np.testing.assert_allclose(theta, c, atol=1e-3)


def test_adam_first_step_is_lr_times_sign():
    theta = np.zeros(2)
    opt = optim.Adam(0.01)
    opt.step(theta, np.array([3.0, -0.5]))
    np.testing.assert_allclose(theta, [-0.01, 0.01], rtol=1e-6)


def test_step_buffers_are_kept_for_the_last_few_batch_sizes_only(monkeypatch):
    """A visitor who tries many batch sizes must not pile up buffers of units × rows each."""
    from nn_core.engine.backends import recorded
    from nn_core.settings import RunSettings
    from nn_core.training.trainer import Trainer

    rng = np.random.default_rng(0)
    net = Network([3, 5, 1], ["tanh"], "sigmoid", "bce", True, "xavier", rng)
    X, Y = rng.normal(size=(40, 3)), rng.integers(0, 2, (40, 1)).astype(float)
    backend = recorded.Recorded(net, X, Y)
    for n in range(1, 21):
        backend.gradient(X[:n], Y[:n])
    assert list(backend._steps) == [18, 19, 20] and recorded.KEPT_BATCH_SIZES == 3

    def train(kept: int) -> Trainer:  # batch sizes 1…7 in turn, then back to 2
        monkeypatch.setattr(recorded, "KEPT_BATCH_SIZES", kept)
        s = RunSettings(dataset="xor", n_samples=60, hidden=(4,), batch_size=7)
        trainer = trained(s)
        for b in (1, 2, 3, 4, 5, 6, 7, 2):
            trainer.set_settings(s.replace(batch_size=b))
            trainer.train_epochs(1)
        return trainer

    evicting, keeping = train(3), train(1000)
    assert len(evicting._backends["recorded"]._steps) == 3
    assert len(keeping._backends["recorded"]._steps) > 3
    np.testing.assert_array_equal(evicting.network.params, keeping.network.params)
