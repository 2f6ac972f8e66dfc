"""Looking back to any epoch: an epoch between two snapshots is rebuilt by replaying from the
earlier one, and equals a run stopped there bit for bit (weights, optimiser state, generator)."""

import numpy as np
import pytest

from nn_core import limits
from nn_core.data.load import load_data
from nn_core.errors import PlaygroundError
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.checks import assert_same_state


def _trainer(s: RunSettings) -> Trainer:
    return Trainer(s, load_data(s))


def _stopped_at(s: RunSettings, k: int) -> Trainer:
    t = _trainer(s)
    t.train_epochs(k)
    assert t.epoch == k
    return t


RUNS = [
    RunSettings(dataset="moons", n_samples=200, hidden=(8, 8), optimizer="adam", lr=0.01,
                batch_size=16, seed=3),
    RunSettings(dataset="circle", n_samples=120, hidden=(4,), optimizer="momentum", lr=0.05,
                batch_size=8, l2=0.001, seed=1),
    RunSettings(dataset="xor", n_samples=60, hidden=(3,), optimizer="sgd", lr=0.3, batch_size=1,
                seed=2),
]


@pytest.mark.parametrize("s", RUNS, ids=["adam-minibatch", "momentum", "per-sample"])
def test_every_epoch_equals_a_run_stopped_there(s):
    t = _trainer(s)
    t.train_epochs(300)
    kept = t.snapshots.epochs()
    assert t.snapshots.stride > 1  # the tail is sparse: most epochs are not kept
    between = [k for k in (21, 50, 137, 255, 299) if k not in kept]
    assert len(between) >= 4
    for k in [*between, kept[len(kept) // 2]]:
        assert t.reachable(k) == k
        view = t.at_epoch(k)
        assert_same_state(view, _stopped_at(s, k))
        assert view.history["epoch"][-1] == k
    assert t.epoch == 300  # looking changes nothing


def test_after_early_stopping_every_epoch_is_exact_and_now_is_the_held_network():
    s = RunSettings(dataset="moons", n_samples=200, noise=0.3, hidden=(8,), lr=0.3,
                    batch_size=8, seed=2, patience=5, validation_fraction=0.2)
    t = _trainer(s)
    t.train_epochs(2000)
    assert t.stop_kind == "early" and t.restored
    assert t.held_epoch == t.best_epoch < t.epoch
    ks = [*[k for k in range(22, t.epoch) if k not in t.snapshots][:3], t.epoch - 1]
    for k in ks:
        assert_same_state(t.at_epoch(k), _stopped_at(s, k))
    # the network held is the best epoch's: its losses are those of a run stopped there
    best = _stopped_at(s, t.best_epoch)
    assert np.array_equal(t.network.params, best.network.params)
    assert t.summary()["test_loss"] == best.current()["test_loss"]


def test_continue_from_an_epoch_between_snapshots_then_training_on_is_exact():
    s = RUNS[0]
    t = _trainer(s)
    t.train_epochs(200)
    k = next(k for k in range(150, 200) if k not in t.snapshots)
    t.continue_from(k)
    fresh = _stopped_at(s, k)
    assert_same_state(t, fresh)
    t.train_epochs(17)
    fresh.train_epochs(17)
    assert_same_state(t, fresh)


def test_a_replay_keeps_to_the_settings_then_in_force():
    s = RUNS[1]
    t = _trainer(s)
    t.train_epochs(90)
    t.set_settings(t.settings.replace(lr=0.02, optimizer="adam"))  # a change a replay must see
    t.train_epochs(110)
    reference = _trainer(s)
    reference.train_epochs(90)
    reference.set_settings(reference.settings.replace(lr=0.02, optimizer="adam"))
    for k in (85, 93, 150, 199):
        ref = _trainer(s)
        ref.train_epochs(min(k, 90))
        if k > 90:
            ref.set_settings(ref.settings.replace(lr=0.02, optimizer="adam"))
            ref.train_epochs(k - 90)
        assert k in t.snapshots or t.reachable(k) == k
        assert_same_state(t.at_epoch(k), ref)


def test_a_step_by_hand_is_kept_and_never_replayed_over():
    from nn_core.training.trainer import apply_step, trainer_step

    s = RUNS[0]
    t = _trainer(s)
    t.train_epochs(40)
    apply_step(t, trainer_step(t, 0))
    t.train_epochs(30)
    assert 40 in t.snapshots  # the state just after the step by hand
    ref = _stopped_at(s, 40)
    apply_step(ref, trainer_step(ref, 0))
    ref.train_epochs(25)
    assert_same_state(t.at_epoch(65), ref)


def test_too_costly_or_crossing_a_lost_change_gives_the_nearest_reachable_epoch():
    s = RUNS[0]
    t = _trainer(s)
    t.train_epochs(300)
    stride = t.snapshots.stride
    k = next(k for k in range(200, 300) if k % stride == stride - 1)
    base = k - stride + 1
    assert base in t.snapshots
    t.replay_epochs = lambda: 3  # as if one epoch cost a third of the replay budget
    assert t.reachable(k) == base + 3
    with pytest.raises(PlaygroundError, match="cannot be rebuilt"):
        t.at_epoch(k)
    assert t.reachable(base + 2) == base + 2


def test_replay_budget_follows_the_limit():
    s = RUNS[0]
    t = _trainer(s)
    rows, n = len(t.X_train), t.network.params.size
    batches = -(-rows // 16)
    work = rows * n + batches * (limits.REPLAY_STEP_WORK * n + limits.REPLAY_BATCH_WORK)
    assert t.replay_epochs() == limits.MAX_REPLAY_WORK // work
    t.replay_epochs = lambda: 0  # one epoch over the budget: only kept epochs are shown
    t.train_epochs(300)
    k = next(k for k in range(21, 300) if k not in t.snapshots)
    assert t.reachable(k) == max(e for e in t.snapshots.epochs() if e < k)


def test_pins_are_bounded_and_the_floor_says_where_replays_stop():
    s = RunSettings(dataset="xor", n_samples=40, hidden=(2,), lr=0.1, seed=0)
    t = _trainer(s)
    store = t.snapshots
    lrs = [0.1, 0.2]
    for i in range(store.max_pinned + 12):
        t.train_epochs(3)
        t.set_settings(t.settings.replace(lr=lrs[i % 2] + 0.001 * i))
    assert len(store._pinned) == store.max_pinned
    assert len(store) <= store.capacity
    assert store.floor > 0
    kept = store.epochs()
    # before the floor only kept epochs are shown (a change there is no longer pinned)
    gap = next(k for k in range(1, store.floor) if k not in kept)
    assert t.reachable(gap) == max(e for e in kept if e < gap)
    # from the floor on, every epoch is rebuilt from a snapshot after the last change
    assert all(t.reachable(k) == k for k in range(store.floor, t.epoch + 1))


def test_the_scrubbers_caption_says_how_epochs_are_reached_and_why_one_is_not():
    from ui.views.scrubber import kept_caption

    t = _trainer(RunSettings())
    t.train_epochs(200)
    stride = t.snapshots.stride
    assert stride > 1
    text = kept_caption(t, 50)
    assert f"then one every {stride} epochs" in text
    assert f"rebuilt exactly by training on from the earlier one (at most " \
           f"{t.replay_epochs():,} epochs" in text
    assert "cannot be rebuilt" not in text  # 50 is reached
    t.replay_epochs = lambda: 0
    base = max(e for e in t.snapshots.epochs() if e < 50)
    text = kept_caption(t, 50)
    assert "only these are shown" in text
    assert text.endswith(f"Epoch 50 cannot be rebuilt (the replay from the last snapshot "
                         f"would cost more than this server allows): showing epoch {base}.")
