"""The intermediate values of one call of the blog's ``train``, by the blog's own lines.

``blog_train_values`` runs the body of ``tests/blog_reference.NeuralNetwork.train`` line by line
(the same expressions, in the same order) and returns its locals and the weight updates;
``tests/test_one_step.py`` checks that calling the blog's ``train`` itself changes the weights by
exactly these updates, so the copy cannot drift from the reference.
"""

from __future__ import annotations

import numpy as np

from tests import blog_reference


def blog_network(weights_input_hidden: np.ndarray, weights_hidden_output: np.ndarray,
                 learning_rate: float = 0.1) -> blog_reference.NeuralNetwork:
    """The blog's class with these (out, in) weights."""
    hidden, inputs = weights_input_hidden.shape
    net = blog_reference.NeuralNetwork(inputs, hidden, weights_hidden_output.shape[0],
                                       learning_rate)
    net.weights_input_hidden = np.array(weights_input_hidden, dtype=float)
    net.weights_hidden_output = np.array(weights_hidden_output, dtype=float)
    return net


def blog_train_values(self: blog_reference.NeuralNetwork, inputs_list, targets_list) -> dict:
    """The locals of the blog's ``train`` for one row, and its two weight updates."""
    inputs = np.array(inputs_list, ndmin=2).T
    targets = np.array(targets_list, ndmin=2).T

    hidden_inputs = np.dot(self.weights_input_hidden, inputs)
    hidden_outputs = self.sigmoid(hidden_inputs)

    final_inputs = np.dot(self.weights_hidden_output, hidden_outputs)
    final_outputs = self.sigmoid(final_inputs)

    output_errors = targets - final_outputs
    hidden_errors = np.dot(self.weights_hidden_output.T, output_errors)

    update_hidden_output = self.learning_rate * np.dot(
        (output_errors * final_outputs * (1 - final_outputs)), np.transpose(hidden_outputs))
    update_input_hidden = self.learning_rate * np.dot(
        (hidden_errors * hidden_outputs * (1 - hidden_outputs)), np.transpose(inputs))
    return {
        "hidden_inputs": hidden_inputs[:, 0], "hidden_outputs": hidden_outputs[:, 0],
        "final_inputs": final_inputs[:, 0], "final_outputs": final_outputs[:, 0],
        "output_errors": output_errors[:, 0], "hidden_errors": hidden_errors[:, 0],
        "update_input_hidden": update_input_hidden,
        "update_hidden_output": update_hidden_output,
    }
