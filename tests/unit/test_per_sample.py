"""The plain-float per-sample path computes what the NumPy path computes."""

import itertools
import linecache

import numpy as np
import pytest

from nn_core.engine.backends import per_sample as scalar
from nn_core.engine.network import QUIET, Network
from nn_core.engine.optim import SGD

HEADS = [("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "ce"), ("softmax", "mse"),
         ("linear", "mse")]


def _pair(sizes, act, output, loss, bias):
    """Two networks with the same initial weights."""
    return [Network(sizes, act, output, loss, bias, "xavier", np.random.default_rng(1))
            for _ in range(2)]


def _numpy_epoch(net, X, Y, lr, rule="exact", l1=0.0, l2=0.0):
    """The reference engine: a training step with SGD on each row in turn."""
    sgd = SGD(lr)
    with np.errstate(**QUIET):
        for i in range(len(X)):
            net.train_step(X[i : i + 1], Y[i : i + 1], sgd, rule, l1, l2)


def _data(n_in, output, k, n=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in))
    Y = np.eye(k)[rng.integers(0, k, n)] if output == "softmax" else rng.random((n, k))
    return X, Y


@pytest.mark.parametrize("act, head, bias, rule, reg", list(itertools.product(
    ["sigmoid", "tanh", "relu", "linear"], HEADS, [True, False], ["exact", "blog"],
    [(0.0, 0.0), (0.01, 0.02), (0.01, 0.0), (0.0, 0.02)])))
def test_scalar_epochs_match_numpy_steps(act, head, bias, rule, reg):
    output, loss = head
    k = 3 if output == "softmax" else 1
    X, Y = _data(3, output, k)
    ref, fast = _pair([3, 4, 3, k], act, output, loss, bias)
    start = ref.get_params()
    for _ in range(5):
        _numpy_epoch(ref, X, Y, 0.1, rule, *reg)
        scalar.sgd_epoch(fast, X, Y, 0.1, rule, *reg)
    assert not np.array_equal(ref.params, start)
    np.testing.assert_allclose(fast.params, ref.params, rtol=0, atol=1e-12)


@pytest.mark.parametrize("sizes, acts", [
    ([2, 1], []),  # no hidden layer
    ([1, 1], []),
    ([2, 5, 1], ["relu"]),
    ([3, 4, 2, 3, 1], ["tanh", "relu", "sigmoid"]),  # three hidden layers, mixed
    ([2, 3, 3, 3, 3, 1], "linear"),
    ([40, 3, 1], "tanh"),  # sums longer than one generated line
])
@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("bias, rule, reg", [(True, "exact", (0.0, 0.0)),
                                             (False, "blog", (0.0, 0.0)),
                                             (True, "blog", (0.01, 0.02))])
def test_other_shapes_match_numpy_steps(sizes, acts, head, bias, rule, reg):
    output, loss = head
    k = 4 if output == "softmax" else 2 if output == "linear" else sizes[-1]
    sizes = [*sizes[:-1], k]
    X, Y = _data(sizes[0], output, k, n=5, seed=len(sizes))
    ref, fast = _pair(sizes, acts, output, loss, bias)
    for _ in range(3):
        _numpy_epoch(ref, X, Y, 0.05, rule, *reg)
        scalar.sgd_epoch(fast, X, Y, 0.05, rule, *reg)
    np.testing.assert_allclose(fast.params, ref.params, rtol=0, atol=1e-12)


def test_softmax_with_one_output():
    ref, fast = _pair([2, 3, 1], "tanh", "softmax", "ce", True)
    X, Y = _data(2, "softmax", 1)
    _numpy_epoch(ref, X, Y, 0.1)
    scalar.sgd_epoch(fast, X, Y, 0.1)
    np.testing.assert_allclose(fast.params, ref.params, rtol=0, atol=1e-12)


def test_no_rows_changes_nothing():
    net = Network([3, 2, 1], rng=np.random.default_rng(0))
    before = net.get_params()
    scalar.sgd_epoch(net, np.empty((0, 3)), np.empty((0, 1)), 0.1)
    assert np.array_equal(net.params, before)


def test_saturated_sigmoid_is_zero_like_numpy():
    net = Network([1, 1], "tanh", "sigmoid", "mse", False, "blog", np.random.default_rng(0))
    net.set_params(np.array([1.0]))
    scalar.sgd_epoch(net, np.array([[-800.0]]), np.array([[1.0]]), 0.5)
    assert net.params[0] == 1.0  # o = 0 exactly, so o(1 - o) = 0: no step, no overflow


EXTREME_ROWS = [[1e300, -1e300, 0.0], [1e300, 1e300, 1e300], [-1e300, 5.0, 1.0],
                [np.inf, 0.0, 1.0], [-np.inf, 1.0, 2.0], [np.nan, 0.0, 0.0], [-800.0, 0.0, 1e-300]]


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "linear"])
@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("row", EXTREME_ROWS)
def test_extreme_inputs_raise_nothing_and_diverge_like_numpy(act, head, row):
    """math.exp raises OverflowError and float division ZeroDivisionError where NumPy gives inf
    or NaN: none of that may escape. Where NumPy's weights turn inf or NaN, ours do too (so the
    trainer sees the divergence); where both stay finite, they agree. (Ours may be NaN where
    NumPy's are finite: its BLAS skips a zero δ times an infinite activation.)"""
    output, loss = head
    k = 3 if output == "softmax" else 1
    X, Y = np.array([row, row, [0.5, -0.5, 1.0]]), np.full((3, k), 1.0 / k)
    for bias, rule, reg in [(True, "exact", (0.0, 0.0)), (False, "blog", (0.01, 0.02))]:
        ref, fast = _pair([3, 4, k], act, output, loss, bias)
        _numpy_epoch(ref, X, Y, 0.1, rule, *reg)
        scalar.sgd_epoch(fast, X, Y, 0.1, rule, *reg)
        ours, theirs = np.isfinite(fast.params), np.isfinite(ref.params)
        assert not (ours & ~theirs).any()
        np.testing.assert_allclose(fast.params[ours], ref.params[ours], rtol=1e-12, atol=1e-12)


def test_generated_code_is_cached_per_shape_and_options(monkeypatch):
    net = Network([2, 3, 1], "tanh", "sigmoid", "bce", True, "xavier", np.random.default_rng(0))
    X, Y = _data(2, "sigmoid", 1)
    scalar.sgd_epoch(net, X, Y, 0.1)
    generated = []
    monkeypatch.setattr(scalar, "_generate", lambda *key: generated.append(key) or "")
    scalar.sgd_epoch(net, X, Y, 0.3)  # another learning rate: the same code
    assert generated == []
    monkeypatch.undo()
    code = scalar.source(net, "exact", 0.0, 0.0)
    assert code.startswith("def sgd_epoch(") and "0.3" not in code
    compile(code, "<test>", "exec")
    assert "* l2_step" not in code and "* l2_step" in scalar.source(net, "exact", 0.0, 0.01)
    assert "g1_0 =" in scalar.source(net, "blog") and "g1_0 =" not in code


def test_the_cache_and_its_traceback_source_stay_bounded_however_many_shapes():
    """Each shape a visitor trains adds compiled code and its source for tracebacks; both are
    process-wide, so both are bounded (the oldest shapes are dropped) and stay in step."""
    def scalar_sources():
        prefix = "<nn_core.engine.backends.per_sample "
        return {name for name in linecache.cache if name.startswith(prefix)}

    X, Y = _data(2, "sigmoid", 1)
    for hidden in range(1, scalar.MAX_CACHED + 10):
        net = Network([2, hidden, 1], "tanh", "sigmoid", "bce", True, "xavier",
                      np.random.default_rng(0))
        scalar.sgd_epoch(net, X, Y, 0.1)
    assert len(scalar._cache) == scalar.MAX_CACHED
    assert scalar_sources() == {scalar._filename(key) for key in scalar._cache}
    net = Network([2, 1, 1], "tanh", "sigmoid", "bce", True, "xavier", np.random.default_rng(0))
    scalar.sgd_epoch(net, X, Y, 0.1)  # evicted long ago: compiled again, and its source back
    key = scalar._key(net, "exact", 0.0, 0.0)
    assert linecache.getline(scalar._filename(key), 1).startswith("def sgd_epoch(")
    assert len(scalar_sources()) == scalar.MAX_CACHED


def test_each_option_set_has_its_own_source_for_tracebacks():
    net = Network([2, 3, 1], "tanh", "sigmoid", "bce", True, "xavier", np.random.default_rng(0))
    X, Y = _data(2, "sigmoid", 1)
    scalar.sgd_epoch(net, X, Y, 0.1, "exact", 0.0, 0.01)
    scalar.sgd_epoch(net, X, Y, 0.1, "blog")
    for rule, l2 in (("exact", 0.01), ("blog", 0.0)):
        name = scalar._filename(scalar._key(net, rule, 0.0, l2))
        assert "".join(linecache.cache[name][2]) == scalar.source(net, rule, 0.0, l2)


def test_only_whitelisted_names_reach_the_code():
    net = Network([2, 3, 1], rng=np.random.default_rng(0))
    net.hidden_activations = ["__import__('os').system('false')"]
    with pytest.raises(ValueError, match="unknown hidden activation"):
        scalar.source(net)
    net = Network([2, 3, 1], rng=np.random.default_rng(0))
    net.loss_name = "ce"  # not with a sigmoid output
    with pytest.raises(ValueError, match="loss and output"):
        scalar.source(net)


def test_networks_too_large_for_generated_code_are_refused():
    net = Network([2, 30, 30, 1], rng=np.random.default_rng(0))
    assert net.params.size > scalar.MAX_CODE_PARAMS
    with pytest.raises(ValueError, match="too many"):
        scalar.sgd_epoch(net, np.zeros((1, 2)), np.zeros((1, 1)), 0.1)


def test_only_small_per_sample_sgd_takes_this_path():
    small = Network([3, 2, 1])
    big = Network([2, 16, 16, 1])
    assert scalar.supports(small, 1, "sgd")
    assert not scalar.supports(small, 2, "sgd")
    assert not scalar.supports(small, 1, "adam")
    assert not scalar.supports(big, 1, "sgd")
    assert scalar.supports(Network([2, 8, 8, 1]), 1, "sgd")  # 105 parameters, the moons net
    assert scalar.MAX_PARAMS <= scalar.MAX_CODE_PARAMS


@pytest.mark.parametrize("shuffled", [False, True])
def test_a_pass_trains_each_epoch_at_the_optimisers_learning_rate_of_the_moment(shuffled):
    """The pass looks its code up once and keeps the rows as lists when they are not shuffled,
    but the learning rate is read every epoch, as the reference's step reads it."""
    fast, ref = _pair([3, 4, 1], "tanh", "sigmoid", "bce", True)
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(9, 3)), rng.integers(0, 2, (9, 1)).astype(float)
    sgd = SGD(0.1)
    run = scalar.PerSample(fast, X, Y).epoch(sgd, 1, shuffled, np.random.default_rng(3),
                                             "exact", 0.0, 0.0)
    order = np.random.default_rng(3)
    for lr in (0.1, 0.5, 0.02):
        sgd.lr = lr
        run()
        rows = order.permutation(len(X)) if shuffled else np.arange(len(X))
        _numpy_epoch(ref, X[rows], Y[rows], lr)
        np.testing.assert_allclose(fast.params, ref.params, rtol=0, atol=1e-12)
    assert np.abs(fast.params - Network([3, 4, 1], "tanh", "sigmoid", "bce", True, "xavier",
                                        np.random.default_rng(1)).params).max() > 1e-3
