"""The epoch scrubber on the Train page: while paused, look back at any epoch from 0 to now
and go on from there.

The trainer keeps snapshots at a bounded number of epochs (``nn_core/training/snapshots.py``:
every epoch up to 20, then an even stride) and rebuilds any epoch between two of them exactly,
by replaying from the earlier one (``Trainer.at_epoch``; its cost is checked against
``nn_core/limits.py`` before it is spent: ``Trainer.reachable`` names the nearest epoch that
fits). The slider offers every epoch; the live element then draws ``Trainer.at_epoch(k)`` (a
read-only copy) instead of the live network. Play, Step and Reset move the run on, and the
scrubber follows: a choice is remembered only for the run and epoch it was made on
(``ViewChoices.scrub_at`` in ui/session/choices.py), so any of them returns to now.
"""

from __future__ import annotations

import streamlit as st

from nn_core.training.trainer import Trainer
from ui.session import actions, store, widgets


def kept_caption(trainer: Trainer, wanted: int | None = None) -> str:
    """Which epochs are kept and how the others are rebuilt, in words true for this run; and,
    when ``wanted`` cannot be rebuilt, which epoch is shown instead and why."""
    store = trainer.snapshots
    n = len([e for e in store.epochs() if e <= trainer.epoch])
    if store.stride == 1 and trainer.epoch <= store.capacity:
        how = "every epoch so far"
    elif store.stride == 1:
        how = f"every epoch up to {store.head}, then every epoch"
    else:
        how = f"every epoch up to {store.head}, then one every {store.stride} epochs"
    text = (f"{n} snapshots kept ({how}; at most {store.capacity}, thinned by halves as the "
            "run grows)")
    if how != "every epoch so far" and trainer.replay_epochs() > 0:
        text += ("; an epoch between two is rebuilt exactly by training on from the earlier "
                 f"one (at most {trainer.replay_epochs():,} epochs of this run at a time)")
    elif how != "every epoch so far":
        text += ("; one epoch of this run costs more than a look back may, so only these "
                 "are shown")
    text += "."
    if wanted is not None and trainer.reachable(wanted) != wanted:
        got = trainer.reachable(wanted)
        why = ("a change a replay cannot redo lies between it and the last snapshot"
               if store.base(wanted) is None else
               "the replay from the last snapshot would cost more than this server allows")
        text += f" Epoch {wanted:,} cannot be rebuilt ({why}): showing epoch {got:,}."
    return text


def look_back(trainer: Trainer | None, running: bool) -> int | None:
    """The epoch the charts should show instead of now, or None; keeps the slider in step with
    the run (back to now after Play, Step, Reset or Continue). An epoch that cannot be rebuilt
    gives the nearest one before it that can (:meth:`Trainer.reachable`)."""
    if not actions.follow_run(trainer, running):
        return None
    k = trainer.reachable(store.session().views.scrub_epoch)
    return None if k == trainer.epoch else int(k)


def controls(trainer: Trainer | None, running: bool) -> int | None:
    """The slider and its two buttons (only while paused after some training); returns the
    epoch looked back to, or None for now."""
    k = look_back(trainer, running)
    if trainer is None or running or trainer.epoch == 0:
        return None
    now = int(trainer.epoch)
    c_slider, c_continue, c_now = st.columns([4, 1.3, 1], vertical_alignment="bottom")
    renew = actions.look_back_ends(now)  # a new "now" is a new slider for Streamlit
    c_slider.slider(
        "Look back to epoch", 0, now, step=1, **widgets.view_widget("scrub_epoch", renew),
        help="Every chart shows the network as it was at that epoch.",
    )
    c_continue.button("Continue from here", key=widgets.W_SCRUB_CONTINUE, on_click=on_continue,
                      args=(k,), disabled=k is None, width="stretch",
                      help="Make that epoch's network the live one; the later epochs are "
                      "forgotten.")
    c_now.button("Back to now", key=widgets.W_SCRUB_NOW, on_click=on_back_to_now,
                 disabled=k is None, width="stretch")
    wanted = store.session().views.scrub_epoch
    st.caption(kept_caption(trainer, wanted))
    return k


def on_continue(epoch: int | None) -> None:
    """Make the snapshot of ``epoch`` the live network (the trainer goes back there exactly)."""
    if epoch is not None:
        actions.continue_from(epoch)


def on_back_to_now() -> None:
    trainer = store.session().trainer
    if trainer is not None:
        actions.set_view(scrub_epoch=int(trainer.epoch))
