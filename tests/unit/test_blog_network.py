"""The blog's class on our engine behaves exactly like the blog's own code."""

import warnings

import numpy as np
import pytest

import nn_core
from tests import blog_reference

TRAINING_INPUTS = [[170, 70, 25], [160, 55, 30], [180, 90, 40], [150, 45, 20]]
TRAINING_TARGETS = [[1], [0], [1], [0]]
TEST_INPUTS = [[175, 75, 27], [165, 60, 35], [185, 95, 42]]


def _train_blog_example(cls, seed, shape=(3, 2, 1), lr=0.1, inputs=TRAINING_INPUTS,
                        targets=TRAINING_TARGETS, epochs=1000):
    np.random.seed(seed)
    network = cls(*shape, lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the blog's sigmoid overflows in exp
        for _ in range(epochs):
            for x, t in zip(inputs, targets, strict=True):
                network.train(x, t)
    return network


def test_blog_example_runs_verbatim():
    """The post's "Testing the Neural Network" listing, unchanged but for the import."""
    from nn_core import NeuralNetwork

    network = NeuralNetwork(3, 2, 1, 0.1)
    training_inputs = [[170, 70, 25], [160, 55, 30], [180, 90, 40], [150, 45, 20]]
    training_targets = [[1], [0], [1], [0]]
    for i in range(1000):  # noqa: B007  (the post verbatim)
        for inputs, targets in zip(training_inputs, training_targets):  # noqa: B905
            network.train(inputs, targets)
    test_inputs = [[175, 75, 27], [165, 60, 35], [185, 95, 42]]
    for inputs in test_inputs:
        prediction = network.predict(inputs)
        assert prediction.shape == (1, 1)
        assert 0.0 < prediction[0, 0] < 1.0
    assert network.weights_input_hidden.shape == (2, 3)
    assert network.weights_hidden_output.shape == (1, 2)
    assert (network.input_nodes, network.hidden_nodes, network.output_nodes) == (3, 2, 1)
    assert network.learning_rate == 0.1


@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")  # the blog's
@pytest.mark.parametrize("seed", range(8))
def test_same_weights_as_the_blog_after_its_1000_epochs(seed):
    ours = _train_blog_example(nn_core.NeuralNetwork, seed)
    blog = _train_blog_example(blog_reference.NeuralNetwork, seed)
    np.testing.assert_array_equal(ours.weights_input_hidden, blog.weights_input_hidden)
    np.testing.assert_array_equal(ours.weights_hidden_output, blog.weights_hidden_output)
    for x in TEST_INPUTS:
        np.testing.assert_array_equal(ours.predict(x), blog.predict(x))


@pytest.mark.parametrize("shape", [(3, 1, 1), (3, 4, 1), (3, 16, 1), (3, 5, 2), (3, 8, 3)])
@pytest.mark.parametrize("scaled", [False, True])
def test_same_weights_as_the_blog_for_other_shapes(shape, scaled):
    """Other sizes, on raw inputs (saturated) and on scaled ones, where the blog's rule is
    unstable enough that any rounding difference would grow: the match must be exact."""
    inputs = np.array(TRAINING_INPUTS, float)
    if scaled:
        inputs = (inputs - inputs.mean(axis=0)) / inputs.std(axis=0)
    labels = [1, 0, 1, 0]
    targets = [np.eye(shape[2])[c].tolist() if shape[2] > 1 else [c] for c in labels]
    for seed in (0, 1, 2):
        ours = _train_blog_example(nn_core.NeuralNetwork, seed, shape, 0.3, inputs.tolist(),
                                   targets)
        blog = _train_blog_example(blog_reference.NeuralNetwork, seed, shape, 0.3,
                                   inputs.tolist(), targets)
        np.testing.assert_array_equal(ours.weights_input_hidden, blog.weights_input_hidden)
        np.testing.assert_array_equal(ours.weights_hidden_output, blog.weights_hidden_output)


def test_the_blog_example_does_not_learn():
    """Raw inputs of 150-180 saturate the sigmoids: every prediction ends near 0.5."""
    network = _train_blog_example(nn_core.NeuralNetwork, 0)
    preds = np.array([network.predict(x)[0, 0] for x in TEST_INPUTS])
    assert np.all(np.abs(preds - 0.5) < 0.01)


def test_blog_hidden_step_is_not_the_gradient():
    """The blog's hidden update is 1/(o(1-o)) times the true gradient step for one output."""
    np.random.seed(3)
    net = nn_core.NeuralNetwork(3, 2, 1, 0.1)
    x = np.array([[0.3, -0.2, 0.5]])
    t = np.array([[1.0]])
    exact = net.net.gradient(x, t, rule="exact")
    blog = net.net.gradient(x, t, rule="blog")
    o = net.net.forward(x)[0, 0]
    n_hidden_params = 6
    ratio = blog[:n_hidden_params] / exact[:n_hidden_params]
    np.testing.assert_allclose(ratio, 1.0 / (o * (1.0 - o)), rtol=1e-10)
    np.testing.assert_allclose(blog[n_hidden_params:], exact[n_hidden_params:], rtol=1e-12)
    assert ratio.min() >= 4.0  # the blog's hidden step is at least 4x the gradient's


def test_assigning_the_blog_attributes_writes_through():
    net = nn_core.NeuralNetwork(2, 2, 1, 0.5)
    net.weights_input_hidden = np.array([[0.1, 0.2], [0.3, 0.4]])
    net.weights_hidden_output = np.array([[0.5, -0.5]])
    h = 1 / (1 + np.exp(-np.array([0.1 + 0.2, 0.3 + 0.4])))
    expected = 1 / (1 + np.exp(-(0.5 * h[0] - 0.5 * h[1])))
    assert net.predict([1, 1])[0, 0] == pytest.approx(expected, abs=1e-15)
