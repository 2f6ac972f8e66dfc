"""Trainer.train_for: training cut at mini-batch boundaries gives the numbers of whole epochs."""

import numpy as np
import pytest

from nn_core.engine.backends import per_sample
from nn_core.engine.backends.per_sample import ROWS_PER_PIECE
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import trained

# moons of 203 rows: 163 training rows, so batches of 10 end with a shorter one of 3
NUMPY = dict(dataset="moons", n_samples=203, hidden=(8, 8), optimizer="adam", lr=0.01,
             batch_size=10, l2=0.001, seed=3)
# batch 1 and plain SGD on a small net: the per-sample backend, cut every ROWS_PER_PIECE rows
PER_SAMPLE = dict(dataset="circle", n_samples=250, hidden=(4,), optimizer="sgd", lr=0.05,
                  batch_size=1, seed=2)


def _trainer(**kw) -> Trainer:
    s = RunSettings(**kw)
    return trained(s)


def _sliced(t: Trainer, epochs: int) -> int:
    """Train ``epochs`` epochs one piece per call (a zero budget stops at the first boundary);
    returns the number of calls."""
    calls = 0
    while t.epoch < epochs:
        t.train_for(0.0)
        calls += 1
    return calls


def _same_run(a: Trainer, b: Trainer) -> None:
    assert a.epoch == b.epoch
    assert np.array_equal(a.network.params, b.network.params)
    assert a.history == b.history
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    sa, sb = a.optimizer.get_state(), b.optimizer.get_state()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert np.array_equal(sa[k], sb[k]), k
    assert a.snapshots.epochs() == b.snapshots.epochs()


@pytest.mark.parametrize("kw", [NUMPY, PER_SAMPLE, {**NUMPY, "shuffle": False},
                                {**NUMPY, "batch_size": 0}])
def test_sliced_epochs_equal_whole_epochs_bit_for_bit(kw):
    whole = _trainer(**kw)
    whole.train_epochs(12)
    sliced = _trainer(**kw)
    calls = _sliced(sliced, 12)
    _same_run(whole, sliced)
    n = len(sliced.X_train)
    size = kw["batch_size"] if 0 < kw["batch_size"] < n else n
    piece = ROWS_PER_PIECE if per_sample.supports(sliced.network, size, "sgd") and \
        kw["optimizer"] == "sgd" else size
    assert calls == 12 * -(-n // piece)  # one call per piece: every piece is a boundary


def test_progress_counts_the_rows_of_the_epoch_in_progress():
    t = _trainer(**NUMPY)
    n = len(t.X_train)
    assert n == 163 and t.epoch_progress == 0.0
    t.train_for(0.0)
    assert (t.epoch, t.epoch_progress) == (0, 10 / 163)
    for _ in range(15):
        t.train_for(0.0)
    assert (t.epoch, t.epoch_progress) == (0, 160 / 163)
    t.train_for(0.0)  # the short last batch ends the epoch
    assert (t.epoch, t.epoch_progress) == (1, 0.0)


def test_a_slice_moves_the_weights_and_the_measures_follow():
    t = _trainer(**NUMPY)
    before = t.current()["train_loss"]
    t.train_for(0.0)
    assert t.epoch == 0
    assert t.current()["train_loss"] != before  # not the cached measure of the old weights
    assert t.current()["train_loss"] == t._loss_on(t.X_train, t.Y_train)


def test_a_budget_and_an_epoch_limit_end_whole_epochs_like_run():
    a, b = _trainer(**NUMPY), _trainer(**NUMPY)
    a.train_epochs(5)
    assert b.train_for(60.0, epochs=5) == 5
    _same_run(a, b)


def test_step_inside_an_epoch_finishes_that_epoch():
    whole = _trainer(**NUMPY)
    whole.train_epochs(3)
    t = _trainer(**NUMPY)
    t.train_epochs(2)
    for _ in range(4):
        t.train_for(0.0)
    assert t.epoch == 2 and t.epoch_progress == 40 / 163
    assert t.train_epochs(1) == 1
    _same_run(whole, t)


def test_settings_set_inside_an_epoch_apply_from_its_end():
    whole = _trainer(**NUMPY)
    whole.train_epochs(3)
    new = whole.settings.replace(lr=0.05, batch_size=7)
    whole.set_settings(new)
    whole.train_epochs(2)
    t = _trainer(**NUMPY)
    t.train_epochs(2)
    t.train_for(0.0)
    t.set_settings(new)  # inside epoch 3: it ends with batches of 10 at rate 0.01
    assert t.settings.lr == 0.01
    _sliced(t, 5)
    assert t.settings == new
    _same_run(whole, t)


def test_going_back_drops_the_epoch_in_progress():
    whole = _trainer(**NUMPY)
    whole.train_epochs(10)
    whole.continue_from(10)
    whole.train_epochs(2)
    t = _trainer(**NUMPY)
    t.train_epochs(10)
    t.train_for(0.0)
    t.continue_from(10)
    assert (t.epoch, t.epoch_progress) == (10, 0.0)
    t.train_epochs(2)
    _same_run(whole, t)


def test_grace_finishes_an_epoch_that_ends_soon_enough():
    t = _trainer(**NUMPY)
    assert t.train_for(0.0, grace=float("inf")) == 1  # any rest "fits": the epoch ends
    assert (t.epoch, t.epoch_progress) == (1, 0.0)
    t.train_for(0.0)
    assert t.train_for(0.0, grace=0.0) == 0  # no grace: one mini-batch, inside the epoch
    assert (t.epoch, t.epoch_progress) == (1, 20 / 163)
