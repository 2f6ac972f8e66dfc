"""Play, Pause, Step, Reset and the one-click fix of a failed run: the live panel's controls.

They live outside the ticking fragment (a click inside a running fragment does not stop it) and
their callbacks are idempotent (with ``run_every`` active, one click fired its callback twice in
about half the trials). Every change to the trainer goes through :mod:`ui.session.actions`,
which holds the session's lock; a tick drops its work when the generation counter moved (Reset)
or ``running`` went False (Pause) while it trained.
"""

from __future__ import annotations

import streamlit as st

from nn_core.errors import PlaygroundError
from nn_core.training.trainer import Trainer
from ui.server.runtime import session_id, shared_scheduler
from ui.session import actions, store, widgets


def _trainer_to_run() -> Trainer | None:
    """The session's trainer, or None (and the refusal shown) if it cannot train: the data
    does not load, or the run blew up (the page says why, once, beside its fix)."""
    try:
        trainer = actions.get_trainer()
    except PlaygroundError as exc:
        actions.set_error(str(exc))
        return None
    return None if trainer.diverged else trainer


def on_play() -> None:
    """Start playing (idempotent: a double-fired click changes nothing)."""
    trainer = _trainer_to_run()
    if trainer is None:
        return
    if trainer.stop_reason:
        actions.push_notice(f"{trainer.stop_reason} Raise the limit or press Reset to go on.")
        return
    actions.play()


def on_pause() -> None:
    """Stop playing; waits for the slice being trained, so the epoch shown is final."""
    actions.pause()
    shared_scheduler().leave(session_id())


def on_hidden() -> None:
    """The browser says the tab was hidden while playing: pause and free the slot."""
    if not store.session().running:
        return
    on_pause()
    actions.push_notice("Paused because this tab was hidden: its share of the server went to "
                      "the other runs. Press Play to go on.")


def leave_training() -> None:
    """The visitor opened another page: stop playing and give the slot, or the place in the
    queue, back (a session let in later is woken on the Train page)."""
    actions.pause()
    shared_scheduler().leave(session_id())


def on_step() -> None:
    """Pause and train exactly one epoch."""
    actions.pause()
    if _trainer_to_run() is not None:
        actions.train_one_epoch()


def on_reset() -> None:
    """New weights from the seed, epoch 0; the data and every setting stay."""
    actions.drop_trainer()
    shared_scheduler().leave(session_id())


def on_try_rate(rate: float) -> None:
    """The one-click fix of a run that diverged or died: this learning rate and new weights
    from the seed, ready to play.

    It does not start playing: the learning-rate slider in the browser still holds the old
    rate until this run reaches it, and a tick sent before then would set that rate again."""
    if not actions.may_change("lr"):  # the button is not offered then; a stale click says why
        actions.push_notice("This classroom link fixes lr: the learning rate stays as it is.")
        return
    if actions.restart_with(lr=rate):
        actions.push_notice(f"Learning rate {rate:g}, new weights from the seed: press Play.")


def fix_rate(trainer) -> float | None:
    """The learning rate the fix offers: the trainer's suggestion (a step of the slider,
    :data:`nn_core.settings.LEARNING_RATES`), or None when the run did not go wrong or the rate
    cannot go lower."""
    suggested = getattr(trainer, "suggested_lr", None)
    if not getattr(trainer, "diverged", False) or suggested is None:
        return None
    return suggested if suggested < trainer.settings.lr else None


def failed_run_notice() -> None:
    """What went wrong with a run that blew up or died, in plain words, and its fix."""
    trainer = store.session().trainer
    if trainer is None or not trainer.diverged:
        return
    rate = fix_rate(trainer)
    st.error(trainer.stop_reason, icon="⚠️")
    if rate is not None and actions.may_change("lr"):
        st.button(f"Try learning rate {rate:g}", key=widgets.W_FIX_RATE, on_click=on_try_rate,
                  args=(rate,), type="primary", width="content",
                  help="Sets this learning rate and starts again from the seed's weights.")
