"""How it works shows the lines that train: a real training step of the trainer, on the reference
backend, traced line by line, runs only lines that the page shows, in the functions it shows."""

import inspect
import linecache
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

import nn_core.engine
from nn_core.engine import backends
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import go, start, trained
from ui.session import nav
from ui.views import how
from ui.views.train_controls import BLOG_SETUP

ENGINE = Path(nn_core.engine.__file__).parent
# the reference engine: every line of these files that a training step runs must be shown
REFERENCE_FILES = {str(ENGINE / name)
                   for name in ("network.py", "activations.py", "losses.py", "optim.py")}
BACKEND_FILE = str(ENGINE / "backends" / "reference.py")


def _trace(run: Callable[[], object]) -> dict:
    """``{code object: executed line numbers}`` for the code of the reference files that the
    reference backend runs (the training, not the trainer's measuring of each epoch)."""
    executed: dict = {}

    def local(frame, event, arg):
        if event == "line":
            executed.setdefault(frame.f_code, set()).add(frame.f_lineno)
        return local

    def on_call(frame, event, arg):
        if frame.f_code.co_filename not in REFERENCE_FILES:
            return None
        caller = frame.f_back
        while caller is not None and caller.f_code.co_filename != BACKEND_FILE:
            caller = caller.f_back
        return local if caller is not None else None

    sys.settrace(on_call)
    try:
        run()
    finally:
        sys.settrace(None)
    return executed


def _blog_trainer() -> Trainer:
    settings = RunSettings(dataset="blog", **BLOG_SETUP)
    return trained(settings, backend="reference")


def test_a_training_step_runs_only_the_lines_the_page_shows():
    at = go(start(), nav.HOW_IT_WORKS)
    assert not at.exception
    shown_lines = {line.strip() for block in at.code for line in block.value.splitlines()}

    trainer = _blog_trainer()
    before = trainer.network.get_params()
    executed = _trace(lambda: trainer.train_epochs(1))
    assert list(trainer._backends) == ["reference"]  # the reference backend trained
    assert not np.array_equal(trainer.network.params, before)  # and it did train

    shown_code = {f.__code__: f for f in how.SHOWN}
    assert executed, "the trace saw no reference code"
    for code, lines in executed.items():
        # the trainer called the very function objects the page reads its source from
        assert code in shown_code, f"{code.co_qualname} runs but is not shown"
        f = shown_code[code]
        text, first = inspect.getsourcelines(f)
        assert any(how.source(f) in block.value for block in at.code)  # shown whole
        for n in lines:
            assert first <= n < first + len(text)
            line = linecache.getline(code.co_filename, n).strip()
            assert line in shown_lines, f"{code.co_qualname} runs {line!r}, not on the page"
    # the step ran the whole reference: forward, the loss's delta, backward, the update
    ran = {shown_code[code].__qualname__ for code in executed}
    assert ran == {"Network.forward_layers", "sigmoid", "mse_delta", "sigmoid_derivative",
                   "Network.backward", "Network.train_step", "SGD.step"}


def test_the_reference_backend_trains_like_the_fast_one():
    """The traced reference run is the run the app makes: the per-sample backend (the one
    chosen for the blog's setup) gives the same weights."""
    reference = _blog_trainer()
    fast = Trainer(reference.settings, reference.dataset)
    reference.train_epochs(20)
    fast.train_epochs(20)
    assert list(fast._backends) == ["per_sample"]
    assert backends.choose(fast.network, 1, "sgd") == "per_sample"
    np.testing.assert_allclose(fast.network.params, reference.network.params, rtol=0,
                               atol=1e-12)


def test_without_a_network_the_generated_code_is_the_blogs():
    caption, code = how.per_sample_code()
    assert "the blog's 3-2-1 network" in caption
    # the blog's network: 3 inputs, 2 hidden sigmoids, 1 output, no biases, the blog's rule
    assert code.startswith("def sgd_epoch(") and "w0_1_2" in code and "w0_1_3" not in code
    assert "g1_0 =" in code  # the blog's rule sends the error back
