"""Run records are kept by the trainer object, not by its ``id()``: CPython gives a freed
trainer's address to a later object, and a new trainer there must start a run of its own."""

import gc
import weakref

import pytest

from ui.session import actions, store


def _trained_with_a_change(epochs: int = 2) -> weakref.ref:
    """The session's trainer, trained ``epochs`` epochs at lr 0.03 then set to lr 0.2, then
    forgotten by the session without being kept as a run (a reference to it is returned)."""
    trainer = actions.get_trainer()
    trainer.train_epochs(epochs)
    assert actions.update_settings(lr=0.2).startswith("Kept")
    assert actions.live_run().settings.lr == 0.03  # the run started at 0.03 ...
    store.session().trainer = None  # ... and is dropped without drop_trainer's bookkeeping
    return weakref.ref(trainer)


@pytest.mark.parametrize("same_id", [False, True])
def test_a_new_trainer_at_a_reused_id_does_not_inherit_the_old_runs_record(ss, monkeypatch,
                                                                          same_id):
    assert store.session().settings.lr == 0.03
    if same_id:  # the address reused, made certain: every object has the same id()
        monkeypatch.setattr(actions, "id", lambda obj: 1, raising=False)
    old = _trained_with_a_change()
    gc.collect()
    assert old() is None  # nothing else holds the old trainer
    new = actions.get_trainer()
    new.train_epochs(5)
    record = actions.live_run()
    assert record.settings.lr == 0.2 and record.changes == ()  # its own run: lr 0.2 throughout
    assert record.epochs == 5


def test_a_trainers_record_lives_as_long_as_the_trainer(ss):
    """The run tracks hold no trainer alive: a dropped trainer's record-keeping goes with it,
    while a trainer still alive keeps its own."""
    tracks = store.session().run_tracks
    old = _trained_with_a_change()
    gc.collect()
    assert old() is None and len(tracks) == 0
    a = actions.get_trainer()
    a.train_epochs(3)
    actions.update_settings(lr=0.1)  # noted at epoch 3 for a
    store.session().trainer = None
    b = actions.get_trainer()  # a is still alive (held here): b starts its own track
    assert len(tracks) == 2
    b.train_epochs(4)
    assert actions.live_run().changes == ()
    store.session().trainer = a
    a.train_epochs(1)
    assert actions.live_run().changes == ("epoch 3: lr 0.2 → 0.1",)
