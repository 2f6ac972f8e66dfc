"""The store: one typed :class:`Session` per browser session, and the one module that touches
``st.session_state``.

Everything a session keeps lives in one :class:`Session` under :data:`KEY`, made by
:func:`session` on first use: the :class:`RunSettings` (the truth for every choice), the
:class:`Dataset` they describe, the CSV bytes behind an uploaded or edited table (per session
only, never in ``st.cache_resource``), the :class:`Trainer` if one was built, the run's state,
messages, the runs kept to compare, the view choices and what was made for them. Pages and views
read its fields directly (``session().settings``) and change them only through
:mod:`ui.session.actions`, whose functions take the session's one lock (:attr:`Session.lock`)
where they touch the trainer; widgets are bound to it by :mod:`ui.session.widgets`.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from nn_core.data.dataset import Dataset
from nn_core.io.serialize import TrainedModel
from nn_core.settings import RunSettings
from nn_core.training.runs import RunLog
from nn_core.training.trainer import Trainer
from ui.session.choices import ViewChoices

KEY = "nn_session"  # the one st.session_state entry that is not a widget's value
T = TypeVar("T")


@dataclass
class Live:
    """The live element's bookkeeping (ui/live/panel.py)."""

    # number of the last message sent to the element (it ignores older ones). It starts at the
    # session's start in milliseconds: a page whose session was lost (ui/session/reconnect.py)
    # keeps its element, and the new session's messages must number above the old one's (which
    # sent far fewer than one a millisecond), or the element keeps drawing the old network.
    seq: int = field(default_factory=lambda: int(time.time() * 1000))
    pending: tuple[Any, list, Any] | None = None  # (identity, frames, history) not yet sent
    static_sent: str | None = None  # key of the view whose static part the element has
    touched: float | None = None  # when the Train page last ran whole (the idle pause)
    rate: float | None = None  # frames a second this session's ticks trained lately


@dataclass(eq=False)
class Session:
    """One browser session's state. Fields change in place: an old run still finishing (fast
    reruns) and the new one share this object, so the generation counter and the lock guard
    the trainer."""

    settings: RunSettings = field(default_factory=RunSettings)
    dataset: Dataset | None = None  # loaded lazily from the settings
    csv_bytes: bytes | None = None  # the uploaded or edited table, or None
    csv_name: str = ""  # the upload's file name (user text: show as plain text only)
    csv_columns: list[str] = field(default_factory=list)  # every column (target choices)
    csv_numeric: list[str] = field(default_factory=list)  # columns of numbers (features)
    upload_seen: str | None = None  # file id of the last CSV upload processed
    data_version: int = 0  # bumped whenever the dataset changes (new keys for data widgets)
    editor_version: int = 0  # part of the data editor's key; bumped to show it fresh
    trainer: Trainer | None = None
    running: bool = False  # the Train page's Play state
    generation: int = 0  # bumped whenever the trainer is dropped (guards in-flight ticks)
    # the one lock: held by every change to the trainer (ui.session.actions, the live panel's
    # training); re-entrant, so an action may call another
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    notices: list[str] = field(default_factory=list)  # one-line messages to show once
    error: str | None = None  # a refused input, shown once with st.error
    runs: RunLog = field(default_factory=RunLog)  # finished runs kept to compare
    # each trainer's run: its data's name and settings by epoch, held while the trainer lives
    run_tracks: weakref.WeakKeyDictionary[Trainer, dict[str, Any]] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False)
    link_read: bool = False  # this session's opening URL has been read
    locked: frozenset[str] = frozenset()  # controls and sections a classroom link hides
    views: ViewChoices = field(default_factory=ViewChoices)
    live: Live = field(default_factory=Live)
    loaded_model: tuple[TrainedModel, str] | None = None  # a model file and its name
    step_result: tuple[bool, str] | None = None  # the last "apply this step", shown once
    # this session replaced one its page lost (ui/session/reconnect.py)
    session_lost: bool | None = None
    # what was made for a key, one entry a slot (see :meth:`keyed`)
    made: dict[str, tuple[Any, Any]] = field(default_factory=dict, repr=False)

    def keyed(self, slot: str, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept in ``slot`` if it was made for ``key``; else ``make()``, kept in the
        slot for ``key`` (replacing what was there). A slot holds one value: the measures of
        the paused network, the predicted table, each Inside view, the live charts' view."""
        kept = self.made.get(slot)
        if kept is not None and kept[0] == key:
            return kept[1]
        value = make()
        self.keep(slot, key, value)
        return value

    def made_for(self, slot: str, key: Hashable) -> Any:
        """The value in ``slot`` if it was made for ``key``, else None."""
        kept = self.made.get(slot)
        return kept[1] if kept is not None and kept[0] == key else None

    def keep(self, slot: str, key: Hashable, value: Any) -> None:
        """Keep ``value`` in ``slot`` as made for ``key`` (what a callback made, say)."""
        self.made[slot] = (key, value)

    def peek(self, slot: str) -> Any:
        """The value in ``slot`` whatever it was made for, or None."""
        kept = self.made.get(slot)
        return None if kept is None else kept[1]

    def forget(self, slot: str) -> None:
        """Empty ``slot`` (its value is freed with the last reference to it)."""
        self.made.pop(slot, None)


def _ss() -> MutableMapping[str, Any]:
    """The session's store (tests replace this with a plain dict)."""
    return st.session_state


def session() -> Session:
    """This browser session's :class:`Session`, made on first use."""
    ss = _ss()
    s = ss.get(KEY)
    if s is None:
        s = ss[KEY] = Session()
    return s


def widget_values() -> MutableMapping[str, Any]:
    """Where Streamlit keeps widget values by key (for :mod:`ui.session.widgets` only)."""
    return _ss()


def browser_reported(key: str) -> bool:
    """Whether the browser reported widget ``key``'s value with the request that started this
    run (for :mod:`ui.session.widgets` only). A widget the browser had not drawn yet when the
    visitor clicked (a slow machine, a click right after the page loaded) is missing from that
    report; the browser then draws it from its default unless the run writes the value to it.

    Read from Streamlit's private session-state objects (the widget states a rerun request
    brought). True where there is no report to go by: a run the app itself asked for
    (``st.rerun`` sends none), outside a script run, or where those objects are missing."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return True
    try:
        state = ctx.session_state._state
        reported = state._new_widget_state.states
        widget_id = state._key_id_mapper.get_id_from_key(key, None)
    except AttributeError:
        return True
    return not reported or (widget_id is not None and widget_id in reported)


def trainer_ref(trainer: Trainer) -> weakref.ref:
    """``trainer`` as part of a :meth:`Session.keyed` key: equal while that trainer lives, never
    equal to a later trainer (an ``id`` may be reused), and it does not keep the trainer."""
    return weakref.ref(trainer)
