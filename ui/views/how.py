"""What the How-it-works page shows: the reference engine's source code, read from the running
functions, one worked comparison of the rules, each part's layout, and the button that loads
the blog's own run."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import streamlit as st

from nn_core.data.builtin import BLOG_TRAIN, BLOG_TRAIN_TARGETS
from nn_core.engine import activations, losses
from nn_core.engine.backends import per_sample
from nn_core.engine.network import Network
from nn_core.engine.optim import SGD
from nn_core.errors import PlaygroundError
from nn_core.settings import BLOG_SETUP
from ui.session import actions

# The blog's train method, as published (its indentation slip fixed); shown next to the maths.
BLOG_TRAIN_METHOD = """\
def train(self, inputs_list, targets_list):
    inputs = np.array(inputs_list, ndmin=2).T
    targets = np.array(targets_list, ndmin=2).T

    hidden_inputs = np.dot(self.weights_input_hidden, inputs)
    hidden_outputs = self.sigmoid(hidden_inputs)

    final_inputs = np.dot(self.weights_hidden_output, hidden_outputs)
    final_outputs = self.sigmoid(final_inputs)

    output_errors = targets - final_outputs
    hidden_errors = np.dot(self.weights_hidden_output.T, output_errors)

    self.weights_hidden_output += self.learning_rate * np.dot(
        (output_errors * final_outputs * (1 - final_outputs)), np.transpose(hidden_outputs))
    self.weights_input_hidden += self.learning_rate * np.dot(
        (hidden_errors * hidden_outputs * (1 - hidden_outputs)), np.transpose(inputs))
"""


# The reference engine's functions the page shows, part by part, for the blog's network (sigmoid,
# squared error, SGD). tests/app/test_how_it_works.py traces a real training step of the trainer on
# the reference backend and proves that these are the lines that run.
FORWARD = (Network.forward_layers, activations.sigmoid)
LOSS = (losses.mse,)
OUTPUT_DELTA = (losses.mse_delta, activations.sigmoid_derivative)
BACKWARD = (Network.backward,)
UPDATE = (Network.train_step, SGD.step)
SHOWN = (*FORWARD, *LOSS, *OUTPUT_DELTA, *BACKWARD, *UPDATE)


def sources(functions: tuple[Callable[..., Any], ...]) -> str:
    """The source of each function, without docstrings, one after the other."""
    return "\n\n".join(source(f) for f in functions)


def caption(functions: tuple[Callable[..., Any], ...]) -> str:
    """Where the shown functions live: ``nn_core/engine/network.py — Network.backward``."""
    return " · ".join(f"{inspect.getmodule(f).__name__.replace('.', '/')}.py — {f.__qualname__}"
                      for f in functions)


@lru_cache(maxsize=64)
def source(obj: Callable[..., Any] | type, docstrings: bool = False) -> str:
    """The current source code of an engine function or class (so the page never goes stale),
    read once a process: the engine's code does not change while the server runs.

    Function docstrings are left out unless asked for: the page explains the code beside it.
    """
    text = textwrap.dedent(inspect.getsource(obj))
    if not docstrings:
        lines = text.splitlines()
        drop: set[int] = set()
        for node in ast.walk(ast.parse(text)):
            body = getattr(node, "body", None)
            if (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
                and len(body) > 1
            ):
                drop.update(range(body[0].lineno - 1, body[0].end_lineno))
        text = "\n".join(line for i, line in enumerate(lines) if i not in drop)
    return text.rstrip()


def per_sample_code(network: Network | None = None, rule: str = "blog", l1: float = 0.0,
                    l2: float = 0.0) -> tuple[str, str]:
    """``(caption, source)``: the function the per-sample backend generates and runs for
    ``network`` (None: the blog's 3-2-1 network with its rule)."""
    who = "your network"
    if network is None or network.params.size > per_sample.MAX_PARAMS:
        network = Network([3, 2, 1], "sigmoid", "sigmoid", "mse", bias=False, init="blog",
                          rng=np.random.default_rng(0))
        rule, l1, l2, who = "blog", 0.0, 0.0, "the blog's 3-2-1 network"
    return (f"nn_core/engine/backends/per_sample.py writes this function for {who}: the same "
            "maths per number, the loop over the samples inside. The playground trains with it "
            "when the batch size is 1 and the optimiser is plain SGD (the tests prove it equal "
            "to the reference)", per_sample.source(network, rule, l1, l2).rstrip())


@dataclass(frozen=True)
class RuleComparison:
    output: float  # the network's output o for the row
    predicted_ratio: float  # 1 / (o (1 - o))
    measured_ratio: float  # blog-rule hidden step / exact hidden step (nan if all are zero)
    zero_share: float  # share of hidden-weight gradients that are exactly 0 (saturated sigmoids)


def blog_rule_comparison(seed: int = 0) -> RuleComparison:
    """Both rules' hidden-layer steps on the blog's first training row, blog's 3-2-1 network."""
    X = np.asarray(BLOG_TRAIN[:1], dtype=float)
    Y = np.asarray(BLOG_TRAIN_TARGETS[:1], dtype=float)[:, None]
    net = Network(
        [3, 2, 1],
        "sigmoid",
        output="sigmoid",
        loss="mse",
        bias=False,
        init="blog",
        rng=np.random.default_rng(seed),
    )
    n_hidden = net.weights[0].size  # the first layer's weights come first in the flat vector
    exact = net.gradient(X, Y)[:n_hidden]
    blog = net.gradient(X, Y, rule="blog")[:n_hidden]
    o = float(net.forward(X)[0, 0])
    nonzero = exact != 0
    measured = float(np.median(blog[nonzero] / exact[nonzero])) if nonzero.any() else float("nan")
    return RuleComparison(
        output=o,
        predicted_ratio=1.0 / (o * (1.0 - o)),
        measured_ratio=measured,
        zero_share=float(np.mean(~nonzero)),
    )


# The blog's own run: its table and epochs, and its network as the Train page defines it.
BLOG_RUN = {"dataset": "blog", "epochs": 1000, **BLOG_SETUP}


def use_blog_setup() -> bool:
    """Put the blog's own run into the settings; False (and an error to show) if refused."""
    try:
        actions.update_settings(**BLOG_RUN)
    except PlaygroundError as exc:
        actions.set_error(f"Could not load the blog's setup: {exc}")
        return False
    actions.push_notice("Loaded the blog's setup: its 3-2-1 sigmoid network on its table.")
    return True


def section(title: str, maths: list[str], text: str, code: str, code_caption: str) -> None:
    """One part of the page: its formulas and words on the left, the engine's code on the
    right."""
    st.header(title)
    left, right = st.columns([5, 7], gap="large")
    with left:
        for line in maths:
            st.latex(line)
        st.markdown(text)
    with right:
        st.caption(code_caption)
        st.code(code, language="python", wrap_lines=True)
