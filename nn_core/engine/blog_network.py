"""The blog's ``NeuralNetwork``, with its API and its behaviour, running on
:mod:`nn_core.engine.network`.

Same constructor ``(input_nodes, hidden_nodes, output_nodes, learning_rate)``, same ``train`` and
``predict`` (column vectors, as in the blog), same attributes. What it keeps from the blog, on
purpose: sigmoid everywhere, no biases, one sample per update, squared error, weights drawn from
NumPy's global random state as ``normal(0, nodes**-0.5)`` in the blog's order, and the blog's
hidden-layer rule (errors sent back through the weights without the output sigmoid's
derivative; see :mod:`nn_core.engine.network`). The blog's ``(n_out, n_in)`` attributes are the
engine's own stored matrices, and the reference engine keeps the blog's order of operations, so
the numbers match the blog's code bit for bit.
"""

from __future__ import annotations

import numpy as np

from nn_core.engine.network import Network
from nn_core.engine.optim import SGD


def _blog_matrix(layer: int) -> property:
    """One of the blog's weight attributes: layer ``layer``'s stored ``(out, in)`` matrix."""

    def get(self: NeuralNetwork) -> np.ndarray:
        return self.net.matrices[layer]

    def put(self: NeuralNetwork, value: np.ndarray) -> None:
        self.net.matrices[layer][...] = value

    return property(get, put)


class NeuralNetwork:
    """Three layers (input, hidden, output), trained one sample at a time, as in the blog."""

    def __init__(self, input_nodes: int, hidden_nodes: int, output_nodes: int,
                 learning_rate: float) -> None:
        self.input_nodes = input_nodes
        self.hidden_nodes = hidden_nodes
        self.output_nodes = output_nodes
        self.learning_rate = learning_rate

        self.net = Network([input_nodes, hidden_nodes, output_nodes], "sigmoid",
                           output="sigmoid", loss="mse", bias=False, init="blog")
        # The blog draws from the global state, (out, in) shaped, input→hidden first.
        self.weights_input_hidden = np.random.normal(0.0, self.hidden_nodes**-0.5,
                                                     (self.hidden_nodes, self.input_nodes))
        self.weights_hidden_output = np.random.normal(0.0, self.output_nodes**-0.5,
                                                      (self.output_nodes, self.hidden_nodes))

        self.sigmoid = lambda x: 1 / (1 + np.exp(-x))

    # The blog's attributes are the engine's stored (out, in) matrices; assigning copies in.
    weights_input_hidden = _blog_matrix(0)
    weights_hidden_output = _blog_matrix(1)

    def train(self, inputs_list, targets_list) -> None:
        """One update on one sample with the blog's rule and learning rate."""
        inputs = np.array(inputs_list, ndmin=2, dtype=float)
        targets = np.array(targets_list, ndmin=2, dtype=float)
        self.net.train_step(inputs, targets, SGD(self.learning_rate), rule="blog")

    def predict(self, inputs_list) -> np.ndarray:
        """Outputs as a column vector ``(output_nodes, 1)``, as the blog returns them."""
        inputs = np.array(inputs_list, ndmin=2, dtype=float).T
        return self.net.forward(inputs.T).T
