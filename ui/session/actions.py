"""Actions: every change to a session goes through a function here.

Each takes the session's one lock (:attr:`ui.session.store.Session.lock`, re-entrant) where it
touches the trainer, so a trainer is never changed, replaced or recorded in the middle of the
live panel's training slice; pages and views call these and read the session's fields
(:func:`ui.session.store.session`) directly, and never take the lock themselves.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import streamlit as st

from nn_core.data.builtin import BUILTIN
from nn_core.data.dataset import Dataset
from nn_core.data.load import load_data
from nn_core.data.tabular import (
    dataset_from_table,
    default_target,
    numeric_columns,
    read_csv_bytes,
)
from nn_core.engine.trace import StepTrace
from nn_core.errors import PlaygroundError
from nn_core.io.bundle import read_bundle
from nn_core.io.serialize import TrainedModel
from nn_core.limits import data_bytes, network_params, table_shape, trainer_bytes
from nn_core.settings import DATA_FIELDS, RELOAD, RunSettings, with_early_stopping
from nn_core.training.runs import MAX_RUNS, RunRecord, data_fingerprint, record_run
from nn_core.training.snapshots import capacity_for
from nn_core.training.trainer import Trainer, apply_step, trainer_step
from ui.server import scheduler
from ui.session import locks, widgets
from ui.session.store import Session, session
from ui.views.text import plain


def init_state() -> None:
    """Make sure the session exists; safe to call on every run of every page."""
    session()


# --- settings ---------------------------------------------------------------------------------


def set_settings(new: RunSettings, what: str = "the change") -> str | None:
    """Store new settings; reload the data if a data field changed; keep or drop the trainer.

    What a classroom link fixes stays as it is (:func:`ui.session.locks.hold`), whatever ``what``
    (the route, for the notice that says so: "the run bundle", ...) would change. Returns a one-line
    message for the user saying what happened to a trained network, or None when there was
    nothing to say. Raises :class:`PlaygroundError` (and changes nothing) when the new data
    settings cannot be loaded.
    """
    s = session()
    with s.lock:
        return _set_settings(s, new, what)


def _set_settings(s: Session, new: RunSettings, what: str) -> str | None:
    old = s.settings
    new, kept = locks.hold(old, new, s.locked)
    if kept:
        push_notice(locks.kept_notice(kept, what))
    if new == old:
        return None
    if old.effect_of(new) == RELOAD:  # may raise: nothing changed yet
        check_memory(dataset_need(new, s.csv_bytes), "this data")
        s.dataset = load_data(new, s.csv_bytes)
        s.data_version += 1
    s.settings = new
    trainer = s.trainer
    if trainer is None:
        return None
    untrained = trainer.epoch == 0 and trainer.manual_steps == 0
    if old.needs_reset(new):
        drop_trainer()
        return "The network was reset: that change needs a new network."
    try:
        trainer.set_settings(new)
    except PlaygroundError:
        drop_trainer()
        return "The network was reset: that change needs a new network."
    _note_settings(trainer, new)
    if untrained:  # nothing trained to keep: the setting simply applies from the first epoch
        return None
    return "Kept the trained network: the new setting applies from the next epoch."


def update_settings(**changes: Any) -> str | None:
    """``set_settings(session().settings.replace(**changes))``; PlaygroundError on a bad value."""
    return set_settings(session().settings.replace(**changes))


def try_update_settings(**changes: Any) -> bool:
    """Like :func:`update_settings` but records the message as a notice and a refusal as the
    error to show; returns whether the change was applied. Meant for widget callbacks (like every
    action, it holds the session's lock: a trainer is never changed, or replaced and recorded,
    mid-slice)."""
    try:
        message = update_settings(**changes)
    except PlaygroundError as exc:
        set_error(str(exc))
        return False
    if message:
        push_notice(message)
    return True


# --- data -------------------------------------------------------------------------------------
def get_dataset() -> Dataset:
    """The session's dataset, loaded from the settings on first use.

    If the stored settings name a table this session no longer has (a shared link to an
    uploaded CSV, say), fall back to the default dataset and say so.
    """
    s = session()
    if s.dataset is None:
        try:
            check_memory(dataset_need(s.settings, s.csv_bytes), "this data")
            s.dataset = load_data(s.settings, s.csv_bytes)
        except PlaygroundError as exc:
            default = RunSettings()
            s.settings = s.settings.replace(**{f: getattr(default, f) for f in DATA_FIELDS})
            s.csv_bytes = None
            s.dataset = load_data(s.settings)
            push_notice(f"Could not load the data ({exc}); showing the default dataset instead.")
    return s.dataset


def set_dataset(
    dataset: Dataset,
    settings: RunSettings | None = None,
    csv_bytes: bytes | None = None,
    csv_name: str | None = None,
) -> str | None:
    """Make ``dataset`` the session's data (with the settings and CSV bytes that describe it).

    Always drops the trainer; returns a message if there was one to drop.
    """
    s = session()
    with s.lock:
        return _set_dataset(s, dataset, settings, csv_bytes, csv_name)


def _set_dataset(s: Session, dataset: Dataset, settings: RunSettings | None,
                 csv_bytes: bytes | None, csv_name: str | None) -> str | None:
    if settings is not None:  # the data's own fields come with it; the link fixes the rest
        settings, kept = locks.hold(s.settings, settings,
                                    locks.fixed_fields(s.locked) - set(DATA_FIELDS))
        if kept:
            push_notice(locks.kept_notice(kept, "the new data"))
        s.settings = settings
    if csv_bytes is not None:
        s.csv_bytes = csv_bytes
    if csv_name is not None:
        s.csv_name = csv_name
    s.dataset = dataset
    s.data_version += 1
    s.editor_version += 1
    had_trainer = s.trainer is not None
    drop_trainer()
    return "The network was reset for the new data." if had_trainer else None


def use_table(csv_bytes: bytes, name: str, **changes: Any) -> Dataset:
    """Load a CSV table (an upload or an edited table) as the session's data.

    ``changes`` are settings fields for the table (target, features, task); without a target
    the last column is the target and every other numeric column a feature. On
    PlaygroundError nothing changes, so the previous dataset stays. On success the chosen
    target and features are written to the settings.
    """
    check_memory(data_bytes(*table_shape(csv_bytes), len(csv_bytes)), "this table")
    table = read_csv_bytes(csv_bytes)
    columns = [str(c) for c in table.columns]
    fields = {"target": "", "features": (), "task": "auto", **changes}
    if not fields["target"] and columns:
        fields["target"] = default_target(columns)
    base = session().settings.replace(dataset="csv", **fields)
    dataset = dataset_from_table(table, base.target, base.features, base.task, name="csv")
    settings = base.replace(target=dataset.target_name, features=tuple(dataset.feature_names))
    if not changes:  # a new table (not a new target or an edit): early stopping by its size
        settings = with_early_stopping(settings, dataset.n_samples)
        if settings.patience and may_change("patience", "validation_fraction"):
            push_notice(f"Early stopping is on for a table of {dataset.n_samples} rows "
                        f"(patience {settings.patience} epochs, validation share "
                        f"{settings.validation_fraction:.0%}); see Train → Stop.")
    message = set_dataset(dataset, settings=settings, csv_bytes=csv_bytes, csv_name=name)
    s = session()
    s.csv_columns = columns
    s.csv_numeric = numeric_columns(table)
    if message:
        push_notice(message)
    return dataset


def load_bundle(data: bytes) -> None:
    """Restore a run bundle's settings and data, and add its runs to the comparison; on
    PlaygroundError nothing changes."""
    settings, table, name, runs = read_bundle(data)
    if table is not None and locks.tables_fixed(session().locked):
        current = session().settings
        settings = settings.replace(**{f: getattr(current, f) for f in DATA_FIELDS})
        push_notice("This classroom link fixes the data: the run bundle's table was not loaded "
                    "and the data settings stay as they were.")
    elif table is not None:
        use_table(table, name, target=settings.target, features=settings.features,
                  task=settings.task)
    message = set_settings(settings, "the run bundle")
    if message:
        push_notice(message)
    if runs:
        add_runs(runs)


def apply_editor_edits() -> None:
    """The data editor's Apply: the edited table becomes the data, or nothing changes and the
    edits stay in the editor with one error line. Nothing is left out silently: added rows
    without any value are counted in the notice, and rows the data layer drops (a missing
    value) are in the dataset's own notices, which the Data page shows."""
    from ui.views.data import apply_edits, dataset_frame, table_csv

    ds = get_dataset()
    edits = widgets.editor_edits() or {}
    if not any(edits.get(k) for k in ("edited_rows", "added_rows", "deleted_rows")):
        push_notice("No edits to apply.")
        return
    table, empty = apply_edits(dataset_frame(ds), edits)
    try:
        new = use_table(
            table_csv(table),
            "edited table",
            target=ds.target_name,
            features=tuple(ds.feature_names),
            task="classification" if ds.is_classification else "regression",
        )
    except PlaygroundError as exc:
        set_error(f"Could not apply the edits: {exc}. Your edits are still here.")
        return
    message = f"Applied the edits: the data now has {new.n_samples} rows."
    if empty:
        message += f" Left out {empty} added row{'s' * (empty != 1)} with no values at all."
    push_notice(message)


def reset_editor() -> None:
    """Show the data editor fresh from the current data (its edits dropped)."""
    session().editor_version += 1


def mark_upload_seen(file_id: str) -> None:
    """The CSV upload ``file_id`` was processed (a rerun with the same file does nothing)."""
    session().upload_seen = file_id


# --- trainer ----------------------------------------------------------------------------------
def get_trainer() -> Trainer:
    """The session's trainer, built from the settings and dataset on first use.

    Raises PlaygroundError when the settings do not fit the data.
    """
    s = session()
    if s.trainer is None:
        settings, dataset = s.settings, get_dataset()
        check_memory(trainer_need(settings, dataset), "this network on this data")
        trainer = Trainer(settings, dataset)
        with s.lock:
            if s.trainer is None:
                s.trainer = trainer
                _track(trainer)
    return s.trainer


# --- memory: each part a session allocates, checked against the server's ceiling first --------
def memory_left_mb() -> float | None:
    """MB this server process may still grow before its ceiling (``NN_PLAYGROUND_MAX_RSS_MB``,
    ui/server/scheduler.py); None without a ceiling."""
    ceiling = scheduler.config_from_env().max_rss_mb
    return ceiling - scheduler.process_rss_mb() if ceiling else None


def check_memory(need_bytes: int, what: str) -> None:
    """Raise PlaygroundError (one line, nothing changed) when allocating ``need_bytes`` for
    ``what`` would take the server past its memory ceiling."""
    left = memory_left_mb()
    need = need_bytes / 2**20
    if left is not None and need > left:
        raise PlaygroundError(
            f"the server has too little memory free for {what} now (it needs about "
            f"{need:,.0f} MB, {max(left, 0.0):,.0f} MB are free): try fewer rows or a smaller "
            "network, or come back in a few minutes")


def dataset_need(settings: RunSettings, csv: bytes | None) -> int:
    """Bytes loading the data ``settings`` name will take (nn_core.limits.data_bytes)."""
    if settings.dataset in BUILTIN:
        spec = BUILTIN[settings.dataset]
        return data_bytes(settings.n_samples, len(spec.features) + 1)
    return data_bytes(*table_shape(csv), len(csv)) if csv else 0


def trainer_need(settings: RunSettings, dataset: Dataset) -> int:
    """Bytes a trainer of ``settings`` on ``dataset`` will hold (nn_core.limits.trainer_bytes),
    its look-back snapshots included."""
    inputs = dataset.n_features + len(settings.transforms)
    outputs = dataset.n_classes if dataset.n_classes > 2 else 1
    params = network_params([inputs, *settings.hidden, outputs])
    return trainer_bytes(dataset.n_samples, inputs, settings.hidden, outputs,
                         settings.batch_size, capacity_for(params))


def play() -> None:
    """Start playing (the live panel trains from its next tick)."""
    session().running = True


def pause() -> None:
    """Stop playing; waits for the slice being trained, so the epoch shown is final."""
    s = session()
    with s.lock:
        s.running = False


def pause_if(generation: int) -> None:
    """Stop playing if the trainer is still the one of ``generation`` (a tick that found the
    run paused or stopped while its timer ran)."""
    s = session()
    with s.lock:
        if s.generation == generation:
            s.running = False


def restart_with(**changes: Any) -> bool:
    """These settings and new weights from the seed, in one step under the lock; on a refused
    value the error is recorded and nothing changes. Returns whether it was done."""
    with session().lock:
        try:
            update_settings(**changes)
        except PlaygroundError as exc:
            set_error(str(exc))
            return False
        drop_trainer()
    return True


def train_one_epoch() -> None:
    """Train the session's trainer exactly one epoch (ending the epoch in progress, if any)."""
    s = session()
    with s.lock:
        if s.trainer is not None:
            s.trainer.train_epochs(1)


def drop_trainer() -> None:
    """Forget the trainer (Reset): stop playing and bump the generation counter. A trainer
    that trained an epoch or more joins the runs kept to compare."""
    s = session()
    with s.lock:
        _keep_run(s.trainer)
        s.trainer = None
        s.running = False
        s.generation += 1


# --- messages ---------------------------------------------------------------------------------
def push_notice(message: str) -> None:
    s = session()
    s.notices = [*s.notices, message]


def take_notices() -> list[str]:
    """The pending notices (each shown once)."""
    s = session()
    notices, s.notices = s.notices, []
    return notices


def set_error(message: str) -> None:
    session().error = message


def take_error() -> str | None:
    """The pending error message (shown once)."""
    s = session()
    message, s.error = s.error, None
    return message


def show_messages() -> None:
    """Show the pending error and notices at the top of a page."""
    error = take_error()
    if error:
        st.error(plain(error, limit=400), icon="⚠️")
    for notice in take_notices():
        st.info(plain(notice, limit=400), icon="ℹ️")


# --- Train page: live training (ui/live/) -------------------------------------------------------


def next_live_seq() -> int:
    """A new, larger message number for the live element (it ignores older messages)."""
    live = session().live
    live.seq += 1
    return live.seq


def note_frame_rate(frames: int, seconds: float) -> None:
    """Fold one tick's frames and length into :func:`frame_rate` (recent ticks weigh most)."""
    if seconds <= 0:
        return
    live = session().live
    now = frames / seconds
    live.rate = now if live.rate is None else 0.5 * live.rate + 0.5 * now


def pending_frames(identity: Any) -> tuple[list, Any] | None:
    """The frames trained and not sent yet, with their history, if they were made for
    ``identity`` (the generation and the view); else None."""
    pending = session().live.pending
    if pending is None or pending[0] != identity:
        return None
    return pending[1], pending[2]


def keep_frames(generation: int, view_key: str, frames: list, history: Any) -> None:
    """Frames trained by the trainer of ``generation`` for view ``view_key`` and not sent yet
    (:func:`pending_frames` finds them by ``(generation, view_key)``), kept unless that trainer
    was dropped meanwhile."""
    s = session()
    with s.lock:
        if s.generation == generation:
            s.live.pending = ((generation, view_key), frames, history)


def frames_sent(view_key: str | None) -> None:
    """The element has the static part of view ``view_key`` and every frame trained so far
    (None: it may have nothing; send it all)."""
    live = session().live
    live.static_sent = view_key
    if view_key is not None:
        live.pending = None


def touch(when: float) -> None:
    """The Train page ran whole (a click or a change) at ``when`` (``ui.live.panel.clock``)."""
    session().live.touched = float(when)


# --- a model loaded from a file on the Predict page ----------------------------------------------


def set_loaded_model(model: TrainedModel | None, name: str = "") -> None:
    session().loaded_model = None if model is None else (model, name)




# --- share links (see ui/session/share.py) ------------------------------------------------------
def take_link() -> bool:
    """Whether the opening URL is still to be read; from now on it counts as read."""
    s = session()
    first, s.link_read = not s.link_read, True
    return first


def set_view_choices(values: dict[str, Any]) -> None:
    """Take the view choices a link carried."""
    session().views.set_linked(values)




def set_locked(names: frozenset[str]) -> None:
    session().locked = frozenset(names)


def may_change(*fields: str) -> bool:
    """Whether this session may change all of these settings fields (:mod:`ui.session.locks`)."""
    return locks.may_change(session().locked, *fields)


def shown(*names: str) -> bool:
    """True unless a classroom link hides any of ``names`` (a setting, a view choice or a
    section)."""
    h = session().locked
    return not any(n in h for n in names)


# --- a session that replaced one lost with its server (see ui/session/reconnect.py) -------------


def set_session_lost(lost: bool) -> None:
    session().session_lost = bool(lost)




# --- runs kept to compare (nn_core/training/runs.py; shown by ui/views/runs.py) -------------


def _track(trainer: Trainer) -> dict[str, Any]:
    """The record-keeping of ``trainer``'s run: its data's name, the settings it trained with
    from which epoch, its data's fingerprint (made once, when first needed). Kept by the
    trainer object itself (not its ``id()``, which a later trainer may reuse) for as long as it
    lives."""
    here = session()
    track = here.run_tracks.get(trainer)
    if track is None:
        s = trainer.settings
        name = s.dataset if s.dataset in BUILTIN else (here.csv_name or "uploaded table")
        track = here.run_tracks[trainer] = {"data": name, "segments": [(0, s)], "key": None}
    return track


def _note_settings(trainer: Trainer, new: RunSettings) -> None:
    """The live run trains with ``new`` from its current epoch on (bounded: the oldest changes
    merge once there are many)."""
    segments = _track(trainer)["segments"]
    epoch = trainer.epoch + (trainer.epoch_progress > 0)  # an epoch in progress ends as begun
    if segments[-1][0] == epoch:  # nothing trained with the settings it replaces
        segments[-1] = (epoch, new)
    else:
        segments.append((epoch, new))
    if len(segments) > 64:
        del segments[1]


def _record(trainer: Trainer, number: int) -> RunRecord | None:
    track = _track(trainer)
    if track["key"] is None:
        track["key"] = data_fingerprint(trainer.dataset)
    return record_run(trainer, number, track["data"], track["segments"], track["key"])


def _keep_run(trainer: Trainer | None) -> None:
    if trainer is None or trainer.epoch < 1:
        return
    log = session().runs
    record = _record(trainer, log.take_number())
    notice = log.add(record) if record is not None else None
    if notice:
        push_notice(notice)


def live_run() -> RunRecord | None:
    """The current trainer's run so far (numbered as the next run), or None before an epoch."""
    trainer = session().trainer
    if trainer is None or trainer.epoch < 1:
        return None
    return _record(trainer, session().runs.next_number)


def runs_for_bundle() -> list[RunRecord]:
    """The last :data:`~nn_core.training.runs.MAX_RUNS` runs, the live one included, oldest
    first."""
    live = live_run()
    return [*session().runs.runs, *([live] if live is not None else [])][-MAX_RUNS:]


def add_runs(runs: list[RunRecord]) -> None:
    """Add runs from a bundle to the comparison (numbered anew), with one notice."""
    log = session().runs
    notices = [log.add(dataclasses.replace(r, number=log.take_number(), source="bundle"))
               for r in runs]
    push_notice(f"The bundle brought {len(runs)} run{'s' * (len(runs) != 1)} to compare: see "
                "Train → Compare runs.")
    for notice in notices[-1:]:
        if notice:
            push_notice(notice)


def restore_run(number: int) -> None:
    """Make a kept run's settings the session's, with new weights from its seed (a widget
    callback: says what happened in a notice, or why not in an error)."""
    run = session().runs.get(number)
    if run is None:
        set_error("That run is no longer kept.")
        return
    current = session().settings
    same_data = all(getattr(current, f) == getattr(run.settings, f) for f in DATA_FIELDS)
    try:
        if not same_data:
            check_memory(dataset_need(run.settings, session().csv_bytes), "that run's data")
    except PlaygroundError as exc:
        set_error(f"Could not restore {run.label}: {exc}")
        return
    try:
        data = get_dataset() if same_data else load_data(run.settings, session().csv_bytes)
    except PlaygroundError:
        data = None
    if data is None or data_fingerprint(data) != run.data_key:
        set_error(f"{run.label} was trained on other data ({run.data}), which this session "
                  "does not have now: load that table on the Data page, then restore the run.")
        return
    try:
        with session().lock:
            set_settings(run.settings, f"restoring {run.label}")
    except PlaygroundError as exc:
        set_error(f"Could not restore {run.label}: {exc}")
        return
    drop_trainer()
    push_notice(f"Restored the settings {run.label} started with; new weights from its seed: "
                "press Play to train it again.")


# --- view choices (ui/session/choices.py) ------------------------------------------------------
def set_view(**values: Any) -> None:
    """Set view choices by name (a refused name raises: a programming error)."""
    views = session().views
    for name, value in values.items():
        if not hasattr(views, name):
            raise AttributeError(f"no view choice {name!r}")
        setattr(views, name, value)


def follow_run(trainer: Trainer | None, running: bool) -> bool:
    """Keep the look-back in step with the session's run (:meth:`ViewChoices.follow`); returns
    whether there is a run to look back on (paused, trained)."""
    s = session()
    idle = trainer is None or running or trainer.epoch == 0
    s.views.follow(None if idle else (s.generation, int(trainer.epoch)))
    return not idle


def look_back_ends(now: int) -> bool:
    """The look-back slider ends at ``now``; whether that end is new
    (:meth:`ViewChoices.bound_to`)."""
    return session().views.bound_to(now)


# --- the trainer, changed from a page -------------------------------------------------------
def continue_from(epoch: int) -> None:
    """Make the kept snapshot of ``epoch`` the live network (the trainer goes back there
    exactly); the scrubber's "Continue from here"."""
    s = session()
    with s.lock:
        trainer = s.trainer
        if trainer is None or s.running:
            return
        try:
            trainer.continue_from(epoch)
        except PlaygroundError as exc:
            set_error(str(exc))
            return
    push_notice(f"Back at epoch {epoch}: press Play or Step to train on from there.")


def step_trace(row: int) -> StepTrace | None:
    """One training step on training row ``row`` of the session's trainer, every number
    computed and nothing changed (How it works), or None without a trainer."""
    s = session()
    with s.lock:
        return None if s.trainer is None else trainer_step(s.trainer, row)


def apply_shown_step(row: int, shown_after: np.ndarray) -> None:
    """Apply the step on ``row`` if it is still the one shown (same weights, settings and
    optimiser state give the same new weights, bit for bit); else say so in
    ``session().step_result``."""
    s = session()
    with s.lock:
        trainer = s.trainer
        try:
            if trainer is None:
                raise ValueError("the network was reset")
            trace = trainer_step(trainer, row)
            if not np.array_equal(trace.params_after, shown_after, equal_nan=True):
                raise ValueError("the network or its settings changed since the step was shown")
            apply_step(trainer, trace)
        except ValueError as exc:
            s.step_result = (
                False, f"Not applied: {exc}. The step below is the one for the network now.")
            return
    s.step_result = (True, (
        f"Applied the step on training row {row}: the weights are now the “new w” that was "
        f"shown. It is not an epoch: the epoch counter stays at {trainer.epoch} and the loss "
        f"history is unchanged; the Train page's loss line ends at the loss after the step. "
        f"Steps applied by hand to this network: "
        f"{trainer.manual_steps}."))
