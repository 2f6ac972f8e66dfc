"""Pause at the largest settings (issue 21, item 6).

A big mini-batch (a full batch of thousands of rows through 6 × 64 units) is one step that
took 0.3-0.9 s: longer than any time slice, so a Pause waited for it. The recorded backend now
lets the trainer stop between the calls of such a step, with the numbers unchanged. And the page
run that answers a Pause trains nothing. How long a Pause takes is measured in bench/load.py
(bench/pause.md), not here.
"""

from __future__ import annotations

from unittest import mock

import numpy as np

from nn_core.engine.backends import recorded
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import button, session, train_page, trained
from tests.unit.test_train_slices import _same_run

BIG = dict(dataset="spiral3", n_samples=1200, hidden=(64,) * 3, optimizer="adam", lr=0.003,
           batch_size=0, seed=4)


def _trainer(**kw) -> Trainer:
    s = RunSettings(**kw)
    return trained(s)


def test_a_big_batch_is_split_between_its_calls_and_gives_the_same_numbers() -> None:
    whole = _trainer(**BIG)
    whole.train_epochs(3)
    sliced = _trainer(**BIG)
    assert len(sliced.X_train) * sum(sliced.network.sizes) >= recorded.SPLIT_BATCH_VALUES
    calls = 0
    inside = 0
    while sliced.epoch < 3:
        before = sliced.network.params.copy()
        sliced.train_for(0.0)  # a zero budget stops at the first place it may
        calls += 1
        if sliced.epoch == 0 and np.array_equal(before, sliced.network.params):
            inside += 1  # stopped inside the one batch of the epoch: no step taken yet
    _same_run(whole, sliced)
    assert inside > 10 and calls > 3 * 10  # many stops inside each full-batch step


def test_a_small_batch_is_not_split_inside() -> None:
    kw = {**BIG, "n_samples": 200, "hidden": (8,), "batch_size": 10}
    t = _trainer(**kw)
    assert 10 * sum(t.network.sizes) < recorded.SPLIT_BATCH_VALUES
    batches = -(-len(t.X_train) // 10)
    calls = 0
    while t.epoch < 1:
        t.train_for(0.0)
        calls += 1
    assert calls == batches  # one stop per mini-batch, none inside


def test_the_run_that_answers_a_pause_trains_nothing() -> None:
    at = train_page()
    button(at, "train_play").click().run()
    trainer = session(at).trainer
    assert session(at).running and trainer.epoch > 0
    with mock.patch.object(Trainer, "train_for", side_effect=AssertionError("trained")) as tf, \
            mock.patch.object(Trainer, "train_epochs",
                              side_effect=AssertionError("trained")) as run:
        button(at, "train_pause").click().run()
        assert not at.exception, at.exception
        assert tf.call_count == 0 and run.call_count == 0
    assert not session(at).running
    assert button(at, "train_play")  # the page shows Play again
