"""The plain-float per-sample path computes what the NumPy path computes."""

import itertools

import numpy as np
import pytest

from nn_core import scalar
from nn_core.network import QUIET, Network
from nn_core.optim import SGD, add_penalty_gradient

HEADS = [("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "ce"), ("softmax", "mse"),
         ("linear", "mse")]


@pytest.mark.parametrize("act, head, bias, rule, reg", list(itertools.product(
    ["sigmoid", "tanh", "relu", "linear"], HEADS, [True, False], ["exact", "blog"],
    [(0.0, 0.0), (0.01, 0.02)])))
def test_scalar_epochs_match_numpy_steps(act, head, bias, rule, reg):
    output, loss = head
    l1, l2 = reg
    rng = np.random.default_rng(0)
    k = 3 if output == "softmax" else 1
    X = rng.normal(size=(6, 3))
    Y = np.eye(k)[rng.integers(0, k, 6)] if output == "softmax" else rng.random((6, k))
    ref = Network([3, 4, 3, k], act, output, loss, bias, "xavier", np.random.default_rng(1))
    fast = Network([3, 4, 3, k], act, output, loss, bias, "xavier", np.random.default_rng(1))
    sgd, tmp = SGD(0.1), np.empty_like(ref.params)
    for _ in range(5):
        with np.errstate(**QUIET):
            for i in range(len(X)):
                ref.backward(X[i : i + 1], Y[i : i + 1], sgd.grad_scale(), rule)
                add_penalty_gradient(ref.grad, ref.params, ref.reg_mask, l1, l2,
                                     sgd.grad_scale(), tmp)
                sgd.step(ref.params, ref.grad)
        scalar.sgd_epoch(fast, X, Y, 0.1, rule, l1, l2)
    assert not np.array_equal(ref.params, Network([3, 4, 3, k], act, output, loss, bias,
                                                  "xavier", np.random.default_rng(1)).params)
    np.testing.assert_allclose(fast.params, ref.params, rtol=0, atol=1e-12)


def test_saturated_sigmoid_is_zero_like_numpy():
    net = Network([1, 1], "tanh", "sigmoid", "mse", False, "blog", np.random.default_rng(0))
    net.set_params(np.array([1.0]))
    scalar.sgd_epoch(net, np.array([[-800.0]]), np.array([[1.0]]), 0.5)
    assert net.params[0] == 1.0  # o = 0 exactly, so o(1 - o) = 0: no step, no overflow


def test_only_small_per_sample_sgd_takes_this_path():
    small = Network([3, 2, 1])
    big = Network([2, 8, 8, 1])
    assert scalar.supports(small, 1, "sgd")
    assert not scalar.supports(small, 2, "sgd")
    assert not scalar.supports(small, 1, "adam")
    assert not scalar.supports(big, 1, "sgd")
