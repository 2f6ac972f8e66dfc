"""The intermediate values of one call of the blog's ``train``, from the blog's own lines.

``blog_train_values`` runs the source of ``tests/blog_reference.NeuralNetwork.train`` itself,
turned into a function that returns its locals: each ``self.weights_X += step`` becomes
``update_X = step``, so the weights stay as they are and the steps are kept.
``tests/unit/test_one_step.py`` checks that calling the blog's ``train`` changes the weights by
exactly these updates.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable

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


class _KeepSteps(ast.NodeTransformer):
    """``self.weights_X += step`` -> ``update_X = step``."""

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.Assign:
        target = node.target
        assert isinstance(node.op, ast.Add) and isinstance(target, ast.Attribute), \
            ast.unparse(node)
        name = target.attr.replace("weights_", "update_")
        return ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], node.value), node)


def _blog_train_locals() -> Callable[..., dict]:
    """The blog's ``train``, rewritten by ``_KeepSteps``, returning its locals."""
    source = textwrap.dedent(inspect.getsource(blog_reference.NeuralNetwork.train))
    tree = ast.parse(source)
    train = tree.body[0]
    assert isinstance(train, ast.FunctionDef) and train.name == "train"
    train = _KeepSteps().visit(train)
    train.body.append(ast.Return(ast.Call(ast.Name("locals", ast.Load()), [], [])))
    namespace = dict(vars(blog_reference))
    exec(compile(ast.fix_missing_locations(tree), blog_reference.__file__, "exec"), namespace)
    return namespace["train"]


_TRAIN_LOCALS = _blog_train_locals()


def blog_train_values(net: blog_reference.NeuralNetwork, inputs_list, targets_list) -> dict:
    """The locals of the blog's ``train`` for one row (columns as 1-d arrays), and its two weight
    updates; the network is not changed."""
    found = _TRAIN_LOCALS(net, inputs_list, targets_list)
    columns = ("hidden_inputs", "hidden_outputs", "final_inputs", "final_outputs",
               "output_errors", "hidden_errors")
    return {**{name: found[name][:, 0] for name in columns},
            "update_input_hidden": found["update_input_hidden"],
            "update_hidden_output": found["update_hidden_output"]}
