"""One step, every number: nn_core.engine.trace against the engine, finite differences and the
blog."""

import copy
import itertools
import warnings

import numpy as np
import pytest

from nn_core.data.load import load_data
from nn_core.engine import optim
from nn_core.engine.backends import per_sample as scalar
from nn_core.engine.network import QUIET
from nn_core.engine.trace import one_step
from nn_core.settings import BLOG_SETUP, RunSettings
from nn_core.training.trainer import Trainer, apply_step, trainer_step
from tests.checks import clone, small_net
from tests.conftest import numeric_gradient
from tests.step_reference import blog_network, blog_train_values

HEADS = [("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "ce"), ("softmax", "mse"),
         ("linear", "mse")]
HIDDEN = ("sigmoid", "tanh", "relu", "linear")






def _row(net, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=net.sizes[0])
    n_out = net.sizes[-1]
    if net.output == "linear":
        y = rng.normal(size=n_out)
    elif net.output == "softmax":
        y = np.eye(n_out)[rng.integers(n_out)]
    else:
        y = rng.integers(0, 2, size=n_out).astype(float)
    return x, y


def _layer_flat(trace, which):
    """The per-layer arrays ``which`` ('grad', 'blog_grad', 'used_grad', 'step', 'new') as one
    flat vector in the engine's layout (each layer's [W b])."""
    parts = []
    for layer in trace.layers:
        W, b = getattr(layer, f"{which}_W"), getattr(layer, f"{which}_b")
        parts.append((W if b is None else np.column_stack([W, b])).ravel())
    return np.concatenate(parts)


# --------------------------------------------------------------------- against the engine
@pytest.mark.parametrize("hidden_act, head, bias",
                         list(itertools.product(HIDDEN, HEADS, (True, False))))
def test_every_number_is_the_engines_own(hidden_act, head, bias):
    net = small_net(hidden_act, head, bias)
    x, y = _row(net)
    X, Y = x[None, :], y[None, :]
    for rule, l1, l2 in (("exact", 0.0, 0.0), ("blog", 0.0, 0.0), ("exact", 0.01, 0.03),
                         ("blog", 0.02, 0.0)):
        before = net.get_params()
        trace = one_step(net, x, y, lr=0.3, rule=rule, l1=l1, l2=l2)
        assert np.array_equal(net.params, before)  # nothing changed
        zs, acts = net.forward_layers(X)
        for layer, z, a_in, a in zip(trace.layers, zs, acts[:-1], acts[1:], strict=True):
            np.testing.assert_allclose(layer.a_in, a_in[0], rtol=0, atol=1e-12)
            np.testing.assert_allclose(layer.z, z[0], rtol=0, atol=1e-12)
            np.testing.assert_allclose(layer.a, a[0], rtol=0, atol=1e-12)
        assert trace.loss == pytest.approx(net.loss(X, Y), rel=1e-12, abs=1e-12)
        assert trace.objective == pytest.approx(net.objective(X, Y, l1, l2), rel=1e-12,
                                                abs=1e-12)
        exact = net.gradient(X, Y, l1, l2, rule="exact")
        blog = net.gradient(X, Y, l1, l2, rule="blog")
        np.testing.assert_allclose(_layer_flat(trace, "grad"), exact, rtol=0, atol=1e-12)
        np.testing.assert_allclose(_layer_flat(trace, "blog_grad"), blog, rtol=0, atol=1e-12)
        np.testing.assert_allclose(trace.grad_used, exact if rule == "exact" else blog,
                                   rtol=0, atol=1e-12)
        np.testing.assert_array_equal(_layer_flat(trace, "used_grad"), trace.grad_used)
        # SGD: the step is -lr·g and the new weights are the old plus the step
        np.testing.assert_allclose(trace.params_after, before - 0.3 * trace.grad_used,
                                   rtol=0, atol=1e-15)
        np.testing.assert_array_equal(_layer_flat(trace, "new"), trace.params_after)
        np.testing.assert_array_equal(_layer_flat(trace, "step"), -0.3 * trace.grad_used)
        np.testing.assert_array_equal(before + _layer_flat(trace, "step"), trace.params_after)


def test_the_sgd_step_is_the_engines_step_on_both_paths():
    """What the trainer would do with this row as a batch: the reference engine's training
    step (gradient, penalty, SGD's step); and the per-sample backend's generated code."""
    for rule, bias, (l1, l2) in itertools.product(("exact", "blog"), (True, False),
                                                  ((0.0, 0.0), (0.01, 0.02))):
        net = small_net("tanh", ("sigmoid", "mse"), bias, sizes=(2, 3, 1))
        x, y = _row(net)
        trace = one_step(net, x, y, lr=0.5, rule=rule, l1=l1, l2=l2)
        ref = clone(net)
        with np.errstate(**QUIET):
            ref.train_step(x[None, :], y[None, :], optim.SGD(0.5), rule, l1, l2)
        np.testing.assert_allclose(trace.params_after, ref.params, rtol=0, atol=1e-12)
        fast = clone(net)
        assert scalar.supports(fast, 1, "sgd")
        scalar.sgd_epoch(fast, x[None, :], y[None, :], 0.5, rule, l1, l2)
        np.testing.assert_allclose(trace.params_after, fast.params, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_momentum_and_adam_steps_are_the_optimisers_own_on_a_copy(name):
    t = Trainer(RunSettings(dataset="moons", n_samples=60, hidden=(4,), optimizer=name,
                            lr=0.05, batch_size=8, l2=0.01), load_data(RunSettings(
                                dataset="moons", n_samples=60)))
    t.train_epochs(3)  # the optimiser has a state (velocity, moments, t) by now
    state_before = t.optimizer.get_state()
    params_before = t.network.get_params()
    trace = trainer_step(t, 5)
    # the live optimiser and network are untouched
    assert _state_equal(t.optimizer.get_state(), state_before)
    assert np.array_equal(t.network.params, params_before)
    # the reference engine: a training step on the row (gradient, penalty, the optimiser's
    # step), on copies
    net, opt = clone(t.network), copy.deepcopy(t.optimizer)
    X, Y = t.X_train[5:6], t.Y_train[5:6]
    with np.errstate(**QUIET):
        net.train_step(X, Y, opt, "exact", 0.0, 0.01)
    np.testing.assert_allclose(trace.params_after, net.params, rtol=0, atol=1e-12)
    assert trace.optimizer == name
    np.testing.assert_array_equal(params_before + _layer_flat(trace, "step"), trace.params_after)
    other = opt.get_state()
    for key, value in trace.optimizer_state.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_allclose(value, other[key], rtol=0, atol=1e-12)
        else:
            assert value == other[key]
    # and the step is not -lr·g for these
    assert not np.allclose(trace.params_after, params_before - 0.05 * trace.grad_used)


def _state_equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        np.array_equal(a[k], b[k]) if isinstance(a[k], np.ndarray) else a[k] == b[k] for k in a)


# --------------------------------------------------------------- finite differences
@pytest.mark.parametrize("hidden_act, head, bias",
                         list(itertools.product(("sigmoid", "tanh", "linear"), HEADS,
                                                (True, False))))
def test_the_exact_gradient_is_the_slope_of_the_loss(hidden_act, head, bias):
    net = small_net(hidden_act, head, bias, seed=3)
    x, y = _row(net, seed=4)
    X, Y = x[None, :], y[None, :]
    l1, l2 = 0.01, 0.02
    trace = one_step(net, x, y, lr=0.1, l1=l1, l2=l2)
    grad = _layer_flat(trace, "grad")
    np.testing.assert_allclose(grad, numeric_gradient(net, X, Y, l1, l2), rtol=0, atol=1e-9)
    assert np.abs(grad).max() > 1e-3  # not a vacuous comparison


# ------------------------------------------------------------------ the blog's rule
def test_the_blog_rules_hidden_step_is_one_over_o_one_minus_o_times_the_gradient():
    net = small_net("sigmoid", ("sigmoid", "mse"), False, sizes=(3, 5, 1), seed=2)
    x, y = _row(net, seed=7)
    trace = one_step(net, x, y, lr=0.1, rule="blog")
    o = trace.output[0]
    hidden = trace.layers[0]
    ratio = hidden.blog_grad_W / hidden.grad_W
    np.testing.assert_allclose(ratio, 1 / (o * (1 - o)), rtol=1e-12)
    assert trace.predicted_ratio == pytest.approx(1 / (o * (1 - o)), rel=1e-15)
    assert trace.predicted_ratio >= 4
    # the output layer's step is the same under both rules
    np.testing.assert_array_equal(trace.layers[1].blog_grad_W, trace.layers[1].grad_W)
    # other heads have no such single factor
    assert one_step(small_net("tanh", ("softmax", "ce"), True), *_row(
        small_net("tanh", ("softmax", "ce"), True)), lr=0.1).predicted_ratio is None


def _blog_trainer(**changes) -> Trainer:
    s = RunSettings(**{"dataset": "blog", **BLOG_SETUP, **changes})
    return Trainer(s, load_data(s))


def test_the_blogs_network_on_its_first_row_gives_the_blogs_own_numbers():
    t = _blog_trainer()
    assert t.X_train[0].tolist() == [170, 70, 25] and t.Y_train[0].tolist() == [1.0]
    trace = trainer_step(t, 0)
    hidden, out = trace.layers
    blog = blog_network(hidden.W, out.W, 0.1)
    ref = blog_train_values(blog, [170, 70, 25], [1])
    pairs = {"hidden_inputs": hidden.z, "hidden_outputs": hidden.a, "final_inputs": out.z,
             "final_outputs": out.a, "output_errors": trace.output_errors,
             "hidden_errors": trace.hidden_errors[0],
             "update_input_hidden": hidden.step_W, "update_hidden_output": out.step_W}
    for name, ours in pairs.items():  # relative: the hidden updates are ~1e-9
        np.testing.assert_allclose(ours, ref[name], rtol=1e-12, atol=0, err_msg=name)
    # the helper is the blog's own train: calling it moves the weights by those updates
    w_ih, w_ho = blog.weights_input_hidden.copy(), blog.weights_hidden_output.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        blog.train([170, 70, 25], [1])
    np.testing.assert_array_equal(blog.weights_input_hidden, w_ih + ref["update_input_hidden"])
    np.testing.assert_array_equal(blog.weights_hidden_output,
                                  w_ho + ref["update_hidden_output"])
    np.testing.assert_allclose(hidden.new_W, blog.weights_input_hidden, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out.new_W, blog.weights_hidden_output, rtol=1e-12, atol=1e-15)


def test_the_blogs_first_epoch_is_four_such_steps():
    """Applying the step on rows 0..3 in turn is the trainer's own first epoch (per-sample
    SGD, no shuffling): the step the view shows is the one training takes."""
    by_hand, trained = _blog_trainer(), _blog_trainer()
    for row in range(4):
        apply_step(by_hand, trainer_step(by_hand, row))
    trained.train_epochs(1)
    np.testing.assert_allclose(by_hand.network.params, trained.network.params, rtol=0,
                               atol=1e-12)


# -------------------------------------------------------------------------- applying
@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_apply_changes_the_live_network_exactly_as_shown(name):
    t = Trainer(RunSettings(dataset="xor", n_samples=40, hidden=(3,), optimizer=name, lr=0.1),
                load_data(RunSettings(dataset="xor", n_samples=40)))
    t.train_epochs(2)
    epoch, history = t.epoch, copy.deepcopy(t.history)
    trace = trainer_step(t, 3)
    apply_step(t, trace)
    assert np.array_equal(t.network.params, trace.params_after)  # bit for bit
    for layer, W, b in zip(trace.layers, t.network.matrices, t.network.biases, strict=True):
        assert np.array_equal(W, layer.new_W) and np.array_equal(b, layer.new_b)
    assert _state_equal(t.optimizer.get_state(), trace.optimizer_state)
    assert t.epoch == epoch and t.history == history and t.manual_steps == 1
    assert t.current()["train_loss"] == pytest.approx(
        t.network.loss(t.X_train, t.Y_train), rel=1e-12)
    # a second apply of the same trace is refused: the network is no longer where it started
    with pytest.raises(ValueError, match="changed"):
        apply_step(t, trace)
    assert np.array_equal(t.network.params, trace.params_after) and t.manual_steps == 1


def test_a_row_outside_the_training_rows_is_refused():
    t = _blog_trainer()
    with pytest.raises(ValueError, match="not one of the 4 training rows"):
        trainer_step(t, 4)


TRAINER_CASES = [
    dict(dataset="plane", n_samples=30, hidden=(4,), scale="standard"),  # coded regression
    dict(dataset="spiral", n_samples=30, hidden=(5, 3), activation="tanh,sigmoid"),  # one-hot
    dict(dataset="moons", n_samples=30, hidden=(3,), transforms=("x1^2", "x1x2"),
         scale="minmax", bias=False),
    dict(dataset="xor", n_samples=30, hidden=(4,), loss="mse", update_rule="blog", l2=0.01),
]


@pytest.mark.parametrize("case", TRAINER_CASES)
@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_a_trainers_first_epoch_is_its_rows_steps_applied_in_turn(case, name):
    """With one row per batch and no shuffling, the trainer's epoch is exactly the steps the
    view shows, row after row (its preprocessing, target coding, rule, penalty, optimiser)."""
    kw = {**case, "optimizer": name, "batch_size": 1, "shuffle": False, "lr": 0.05}
    by_hand, trained = _trainer_of(kw), _trainer_of(kw)
    trace = trainer_step(by_hand, 0)
    np.testing.assert_array_equal(trace.x, by_hand.X_train[0])
    np.testing.assert_array_equal(trace.y, by_hand.Y_train[0])
    for row in range(len(by_hand.X_train)):
        apply_step(by_hand, trainer_step(by_hand, row))
    trained.train_epochs(1)
    np.testing.assert_allclose(by_hand.network.params, trained.network.params, rtol=0,
                               atol=1e-12)
    assert by_hand.epoch == 0 and trained.epoch == 1
    assert by_hand.manual_steps == len(by_hand.X_train)


def _trainer_of(kw: dict) -> Trainer:
    s = RunSettings(**kw)
    return Trainer(s, load_data(s))
