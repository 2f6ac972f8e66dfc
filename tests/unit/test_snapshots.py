"""Snapshots for the epoch scrubber: which epochs are kept, within what memory, and going back
to one equals a run that never went further, bit for bit."""

import itertools

import numpy as np
import pytest

from nn_core.data.load import load_data
from nn_core.errors import PlaygroundError
from nn_core.settings import RunSettings
from nn_core.training.snapshots import (
    DENSE_EPOCHS,
    MAX_SNAPSHOTS,
    MIN_SNAPSHOTS,
    SnapshotStore,
    capacity_for,
    capture,
)
from nn_core.training.trainer import Trainer
from tests.checks import assert_same_state


def _trainer(**kw) -> Trainer:
    s = RunSettings(**kw)
    return Trainer(s, load_data(s))


def test_dense_early_then_an_even_stride_within_the_capacity():
    t = _trainer(dataset="moons", n_samples=100, hidden=(4,), batch_size=0, seed=1)
    store = t.snapshots
    assert store.capacity == MAX_SNAPSHOTS and store.head == DENSE_EPOCHS
    t.train_epochs(15)
    assert store.epochs() == list(range(16))
    t.train_epochs(1000 - 15)
    kept = store.epochs()
    assert len(kept) <= MAX_SNAPSHOTS
    assert kept[: DENSE_EPOCHS + 1] == list(range(DENSE_EPOCHS + 1))  # every early epoch
    tail = kept[DENSE_EPOCHS + 1:]
    assert len(tail) >= (MAX_SNAPSHOTS - DENSE_EPOCHS - 1) // 2  # thinned by halves only
    gaps = set(np.diff(tail))
    assert gaps == {store.stride} and store.stride > 1  # sparse late, evenly spaced
    assert all(e % store.stride == 0 for e in tail)
    assert tail[-1] > 1000 - store.stride  # the tail reaches the present


def test_store_thins_by_halving_the_tail():
    store = SnapshotStore(10, capacity=12)
    assert store.head == 4
    t = _trainer(dataset="xor", n_samples=40, hidden=(2,), seed=0)
    t.snapshots = store
    store.drop_after(-1)
    for e in range(60):
        t.epoch = e  # the store only reads the epoch here
        if store.due(e):
            store.add(capture(t, store.latest()))
        assert len(store) <= 12
    assert store.epochs()[:5] == [0, 1, 2, 3, 4]
    assert store.stride == 8 and store.epochs()[5:] == [8, 16, 24, 32, 40, 48, 56]


def test_capacity_and_memory_bound_for_the_largest_network():
    # 50 inputs, six hidden layers of 64, 20 outputs, biases: the largest network allowed
    sizes = [50, *([64] * 6), 20]
    n_params = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    assert n_params == 25_364
    assert capacity_for(n_params) == MIN_SNAPSHOTS
    assert capacity_for(105) == MAX_SNAPSHOTS  # the default moons network
    assert MIN_SNAPSHOTS * 4 * 8 * n_params < 20e6  # the documented bound per session
    t = _trainer(dataset="moons", n_samples=200, hidden=(64,) * 6, optimizer="adam", lr=0.001,
                 batch_size=0, seed=0)
    t.train_epochs(200)
    n = t.network.params.size
    assert len(t.snapshots) <= capacity_for(n)
    assert t.snapshots.nbytes() <= len(t.snapshots) * 4 * 8 * n


@pytest.mark.parametrize("kw", [
    dict(dataset="moons", n_samples=200, hidden=(8, 8), optimizer="adam", lr=0.01, batch_size=16),
    dict(dataset="circle", n_samples=120, hidden=(4,), optimizer="momentum", lr=0.05,
         batch_size=8, l2=0.001),
    dict(dataset="xor", n_samples=60, hidden=(3,), optimizer="sgd", lr=0.3, batch_size=1),
])
def test_continue_from_equals_a_run_that_never_went_further(kw):
    n = 23
    t = _trainer(seed=3, **kw)
    t.train_epochs(150)
    k = max(e for e in t.snapshots.epochs() if e <= 37)
    assert k > DENSE_EPOCHS  # a snapshot of the sparse tail
    fresh = _trainer(seed=3, **kw)
    fresh.train_epochs(k)
    state_at_k = fresh.network.get_params()
    fresh.train_epochs(n)

    t.continue_from(k)
    assert t.epoch == k
    assert np.array_equal(t.network.params, state_at_k)
    assert max(t.history["epoch"]) <= k and max(t.snapshots.epochs()) == k
    t.train_epochs(n)
    assert t.epoch == fresh.epoch == k + n
    assert_same_state(t, fresh)
    assert t.history == fresh.history  # the history was never thinned in 150 epochs


def test_continue_from_keeps_early_stopping_exact():
    s = RunSettings(dataset="moons", n_samples=200, noise=0.3, hidden=(8,), lr=0.3,
                    batch_size=8, seed=2, patience=5, validation_fraction=0.2)
    fresh = Trainer(s, load_data(s))
    fresh.train_epochs(400)
    assert fresh.stop_kind == "early"
    t = Trainer(s, load_data(s))
    t.train_epochs(400)
    k = t.snapshots.epochs()[len(t.snapshots.epochs()) // 2]
    t.continue_from(k)
    assert t.stop_reason is None
    t.train_epochs(400)
    assert t.epoch == fresh.epoch and t.best_epoch == fresh.best_epoch
    assert t.stop_reason == fresh.stop_reason
    assert np.array_equal(t.network.params, fresh.network.params)


def test_at_epoch_shows_the_network_then_and_leaves_the_run_alone():
    kw = dict(dataset="moons", n_samples=200, hidden=(8, 8), batch_size=16, seed=4)
    fresh = _trainer(**kw)
    fresh.train_epochs(12)
    t = _trainer(**kw)
    t.train_epochs(40)
    params_now, history_now = t.network.get_params(), {k: list(v) for k, v in t.history.items()}
    view = t.at_epoch(12)
    assert view.epoch == 12
    assert np.array_equal(view.network.params, fresh.network.params)
    assert view.history == fresh.history
    grid = np.random.default_rng(0).normal(size=(30, 2))
    assert np.array_equal(view.predict(grid), fresh.predict(grid))
    assert t.epoch == 40 and np.array_equal(t.network.params, params_now)
    assert t.history == history_now


def test_a_roll_back_forgets_later_snapshots():
    t = _trainer(dataset="moons", n_samples=200, hidden=(8,), activation="relu", lr=0.03,
                 batch_size=1, seed=0)
    t.train_epochs(25)
    t.set_settings(t.settings.replace(lr=10.0))
    t.train_epochs(300)
    assert t.diverged and t.epoch >= 20
    kept = t.snapshots.epochs()
    assert kept[-1] == t.epoch  # nothing after the epoch the run went back to
    assert np.array_equal(t.snapshots.get(t.epoch).params, t.network.params)
    # going back before the blow-up (with a sane rate) trains on again
    t.continue_from(10)
    assert not t.diverged and t.stop_reason is None and t.suggested_lr is None
    t.set_settings(t.settings.replace(lr=0.03))
    assert t.train_epochs(5) == 5 and t.epoch == 15


def test_unknown_epoch_is_refused_in_words():
    t = _trainer(dataset="xor", n_samples=40, hidden=(2,), seed=0)
    t.train_epochs(3)
    with pytest.raises(PlaygroundError, match="epoch 99 is not in this run"):
        t.continue_from(99)
    with pytest.raises(PlaygroundError):
        t.at_epoch(-1)
