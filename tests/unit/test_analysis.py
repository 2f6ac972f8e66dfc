"""nn_core/analysis: gradient flow, loss landscape, hidden space, rate finder (issue 25)."""

import copy
import json

import numpy as np
import pytest

from nn_core.analysis import gradients, hidden, landscape, lr_finder
from nn_core.analysis.rows import sample_rows
from nn_core.data.load import load_data
from nn_core.engine.network import Network
from nn_core.errors import PlaygroundError
from nn_core.limits import (
    FLOW_POINTS,
    HIDDEN_ROWS,
    LANDSCAPE_GRID,
    LANDSCAPE_ROWS,
    LR_FINDER_ROWS,
    LR_FINDER_STEPS,
)
from nn_core.settings import BLOG_SETUP, RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import numeric_gradient, trained

MOONS = RunSettings(dataset="moons", hidden=(8, 8), activation="tanh", epochs=3000)


def fresh(net: Network) -> Network:
    """A network of the same shape (a deepcopy would cut its views from its params)."""
    return Network(net.sizes, net.hidden_activations, net.output, net.loss_name, net.bias,
                   net.init, np.random.default_rng(0))


# ------------------------------------------------------------------------------ gradient flow
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_layer_norms_are_the_norms_of_the_finite_difference_gradient(act):
    rng = np.random.default_rng(4)
    net = Network([3, 5, 4, 2], act, "softmax", "ce", True, "xavier", rng)
    X, Y = rng.normal(size=(7, 3)), np.eye(2)[rng.integers(0, 2, 7)]
    norms, _ = gradients.measure(net, X, Y)
    num = numeric_gradient(net, X, Y, 0.0, 0.0)
    net.grad[...] = num
    expected = [np.linalg.norm(block) for block in net.grad_blocks]
    np.testing.assert_allclose(norms, expected, rtol=1e-6)


def test_saturated_share_counts_slopes_below_the_threshold_by_hand():
    net = Network([1, 2, 1], "sigmoid", "sigmoid", "mse", False, "blog", None)
    net.matrices[0][...] = [[1.0], [0.0]]  # unit 1 sees z = x, unit 2 always z = 0
    X = np.array([[-8.0], [-1.0], [0.0], [7.0]])  # sigmoid slope < 0.0025 only at |z| > 5.99
    _, saturated = gradients.measure(net, X, np.zeros((4, 1)))
    assert saturated[0] == 2 / 8  # rows -8 and 7 of unit 1, of 4 rows x 2 units
    assert gradients.threshold("sigmoid") == 0.0025 and gradients.threshold("tanh") == 0.01


def test_measuring_does_not_touch_the_network():
    t = trained(MOONS, 3)
    params, grad = t.network.params.copy(), t.network.grad.copy()
    gradients.measure(t.network, t.X_train, t.Y_train)
    assert np.array_equal(t.network.params, params) and np.array_equal(t.network.grad, grad)


def test_blog_raw_network_hidden_gradient_dies_and_min_max_revives_it():
    raw = trained(RunSettings(dataset="blog", epochs=1000, **BLOG_SETUP), 1000)
    _, norms, sat = raw.flow.upto(raw.epoch)
    assert norms[-1, 0] < 1e-8 and sat[-1, 0] == 1.0  # the hidden layer: no gradient, saturated
    assert norms[-1, 1] > 1e-5  # the output layer still has one (and predicts ~0.5)
    assert np.allclose(raw.predict(raw.dataset.X)[:, 1], 0.4984, atol=1e-3)
    scaled = trained(RunSettings(dataset="blog", epochs=1000,
                                 **{**BLOG_SETUP, "scale": "minmax"}), 1000)
    _, norms, sat = scaled.flow.upto(scaled.epoch)
    assert norms[-1, 0] > 1e-3 and sat.max() == 0.0


def test_flow_is_bounded_thinned_and_cut_when_the_run_goes_back():
    t = trained(MOONS, 700)
    epochs, norms, _ = t.flow.upto(t.epoch)
    assert len(epochs) <= FLOW_POINTS and epochs[0] == 0 and epochs[-1] == 696
    assert np.all(np.diff(epochs) == t.flow.stride) and t.flow.stride == 8
    assert t.flow.n_rows == min(len(t.X_train), 256)
    i = list(epochs).index(400)
    expected, _ = gradients.measure(t.at_epoch(400).network, t.flow.X, t.flow.Y)
    np.testing.assert_array_equal(norms[i], expected)
    t.continue_from(400)
    assert t.flow.upto(10**9)[0][-1] == 400


# ------------------------------------------------------------------------------ landscape
def moons_slice(epochs=40):
    t = trained(MOONS, epochs)
    rows = sample_rows(len(t.X_train), LANDSCAPE_ROWS)
    kept = [e for e in t.snapshots.epochs() if e <= t.epoch]
    params = [t.snapshots.get(e).params for e in kept]
    X, Y = t.X_train[rows], t.Y_train[rows]
    return t, X, Y, params, kept


def test_landscape_centre_is_the_objective_and_the_path_the_projections():
    t, X, Y, params, kept = moons_slice()
    land = landscape.landscape(t.network, X, Y, params, kept, l1=0.001, l2=0.01, n=15)
    assert land.kind == "pca"
    assert land.centre == t.network.objective(X, Y, 0.001, 0.01)
    assert land.loss[7, 7] == land.centre and land.alphas[7] == 0.0 and land.betas[7] == 0.0
    # the directions from an SVD of the offsets, recomputed via the Gram matrix's eigenvectors
    D = np.array(params) - t.network.params
    w, v = np.linalg.eigh(D.T @ D)
    d1, d2 = v[:, -1], v[:, -2]
    d1, d2 = (d if d[np.argmax(np.abs(d))] > 0 else -d for d in (d1, d2))
    np.testing.assert_allclose(land.path, np.column_stack([D @ d1, D @ d2]), atol=1e-9)
    assert np.isclose(land.explained, (w[-1] + w[-2]) / w.sum())
    # a grid point's value is the objective of the weights it stands for
    net = fresh(t.network)
    net.set_params(t.network.params + land.alphas[3] * d1 + land.betas[11] * d2)
    assert np.isclose(land.loss[11, 3], net.objective(X, Y, 0.001, 0.01), rtol=1e-9)
    assert land.path_epochs.tolist() == kept


def test_before_a_run_the_directions_are_filter_normalised():
    t = trained(MOONS)
    d = landscape.filter_normalised(t.network, np.random.default_rng(1))
    net = fresh(t.network)
    net.params[...] = d
    for m, dm, b in zip(t.network.matrices, net.matrices, net.biases, strict=True):
        np.testing.assert_allclose(np.linalg.norm(dm, axis=1), np.linalg.norm(m, axis=1))
        assert not b.any()
    land = landscape.landscape(t.network, t.X_train[:50], t.Y_train[:50], [], [], n=5)
    assert land.kind == "random" and len(land.path) == 0
    assert land.centre == t.network.objective(t.X_train[:50], t.Y_train[:50])


def test_landscape_is_bounded_before_it_is_spent():
    t, X, Y, params, kept = moons_slice(5)
    with pytest.raises(PlaygroundError):
        landscape.landscape(t.network, X, Y, params, kept, n=LANDSCAPE_GRID + 1)
    with pytest.raises(PlaygroundError):
        landscape.evaluate(t.network, np.zeros((LANDSCAPE_ROWS + 1, 2)), Y, params[0], params[0],
                           np.zeros(3), np.zeros(3))
    land = landscape.landscape(t.network, X, Y, params, kept, n=20)
    assert land.loss.shape == (19, 19)  # odd, so the centre is a grid point
    # rows shrink with the network so that grid points × rows × parameters stays bounded
    assert landscape.rows_for(105, 5000) == LANDSCAPE_ROWS
    assert landscape.rows_for(105, 7) == 7
    assert landscape.rows_for(25_364, 20_000) == 800_000_000 // (21 * 21 * 25_364) == 71
    assert landscape.rows_for(10**7, 20_000) == 32
    big = Network([50, *[64] * 6, 20], "tanh", "softmax", "ce", True, "xavier",
                  np.random.default_rng(0))
    with pytest.raises(PlaygroundError):  # 72 rows of the largest network: refused unspent
        landscape.evaluate(big, np.zeros((72, 50)), np.zeros((72, 20)), big.params, big.params,
                           np.zeros(21), np.zeros(21))


# ------------------------------------------------------------------------------ hidden space
def test_hidden_points_are_the_layers_activations_projected():
    t = trained(MOONS, 30)
    X = t.X_train[sample_rows(len(t.X_train), HIDDEN_ROWS)]
    _, outs = t.network.forward_layers(X)
    space = hidden.hidden_space(t.network, X, 1)
    A = outs[1]
    centred = A - A.mean(axis=0)
    w, v = np.linalg.eigh(centred.T @ centred)
    expected = centred @ v[:, [-1, -2]]
    for k in range(2):  # the same axes up to their sign
        assert np.allclose(np.abs(space.points[:, k]), np.abs(expected[:, k]), atol=1e-9)
    assert np.isclose(space.explained, (w[-1] + w[-2]) / w.sum())
    assert space.kind == "pca"


def test_two_units_are_the_axes_and_grid_lines_go_through_the_same_layers():
    s = RunSettings(dataset="xor", hidden=(2,), activation="tanh")
    t = trained(s, 20)
    lines = hidden.grid_lines(np.array([-1.0, -1.0]), np.array([1.0, 1.0]), 0, 1,
                              np.zeros(2), n_lines=3, n_points=5)
    assert len(lines) == 6 and lines[0][:, 0].tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    space = hidden.hidden_space(t.network, t.X_train, 1, lines)
    _, outs = t.network.forward_layers(t.X_train)
    np.testing.assert_array_equal(space.points, outs[1])
    np.testing.assert_array_equal(space.lines[2], t.network.forward_layers(lines[2])[1][1])
    with pytest.raises(PlaygroundError):
        hidden.hidden_space(t.network, np.zeros((HIDDEN_ROWS + 1, 2)), 1)
    one = hidden.grid_lines(np.array([0.0]), np.array([2.0]), 0, 0, np.zeros(1), 3, 3)
    assert len(one) == 1 and one[0][:, 0].tolist() == [0.0, 1.0, 2.0]


# ------------------------------------------------------------------------------ rate finder
def test_rate_finder_runs_on_a_copy_bit_for_bit():
    s = MOONS.replace(optimizer="adam", batch_size=16, epochs=50)
    a, b = trained(s, 3), trained(s, 3)
    before = (a.network.params.copy(), json.dumps(a.rng.bit_generator.state),
              copy.deepcopy(a.optimizer.get_state()))
    found = lr_finder.find_rate(a.network, a.optimizer, a.X_train, a.Y_train, 16, s.seed)
    assert np.array_equal(a.network.params, before[0])
    assert json.dumps(a.rng.bit_generator.state) == before[1]
    st = a.optimizer.get_state()
    assert st["t"] == before[2]["t"] and np.array_equal(st["m"], before[2]["m"])
    a.train_epochs(20)
    b.train_epochs(20)  # the run goes on exactly as one that never searched
    assert np.array_equal(a.network.params, b.network.params) and a.history == b.history
    assert found.batch_rows == 16 and found.measured_rows == min(len(a.X_train), LR_FINDER_ROWS)


def test_rates_grow_geometrically_and_the_search_stops_when_the_loss_explodes():
    r = lr_finder.rates()
    assert len(r) == LR_FINDER_STEPS and r[0] == 1e-5 and np.isclose(r[-1], 10.0)
    assert np.allclose(r[1:] / r[:-1], (10 / 1e-5) ** (1 / 99))
    t = trained(MOONS)
    found = lr_finder.find_rate(t.network, t.optimizer, t.X_train, t.Y_train, 10, 0)
    assert 0.1 < found.suggested < 1  # moons with SGD: the loss falls fastest near 0.4
    adam = Trainer(MOONS.replace(optimizer="adam"), load_data(MOONS))
    found = lr_finder.find_rate(adam.network, adam.optimizer, adam.X_train, adam.Y_train, 10, 0)
    assert "exploded" in found.stopped and len(found.rates) < LR_FINDER_STEPS
    assert found.smoothed[-1] > 4 * found.smoothed[:-1].min()
    assert 1e-3 < found.suggested < 0.1  # Adam: the usual 0.001-0.03
    with pytest.raises(PlaygroundError):
        lr_finder.find_rate(t.network, t.optimizer, t.X_train, t.Y_train, 10, 0,
                            steps=LR_FINDER_STEPS + 1)


def test_suggestion_is_the_steepest_fall_before_the_minimum():
    rates = np.logspace(-5, 1, 7)
    smoothed = np.array([1.0, 0.99, 0.9, 0.5, 0.4, 0.45, 3.0])
    # slopes per decade before the minimum (index 4): -0.01, -0.05, -0.245, -0.25, ...
    slope = np.gradient(smoothed[:5], np.log10(rates[:5]))
    assert lr_finder.steepest(rates, smoothed) == rates[int(np.argmin(slope[:4]))] == rates[3]
    assert lr_finder.steepest(rates, np.array([0.1, 0.2, 0.3, 1, 2, 3, 4])) is None
    flat = np.array([0.125, 0.125 - 1e-12, 0.125 - 2e-12, 0.125 - 3e-12, 0.13, 0.2, 0.5])
    assert lr_finder.steepest(rates, flat) is None  # a fall of 3e-12: no suggestion
    assert lr_finder.snap(0.4037, (0.01, 0.03, 0.1, 0.3, 1.0)) == 0.3
    assert lr_finder.smooth(np.array([2.0, 2.0, 2.0]))[-1] == pytest.approx(2.0)
