"""The session: one typed object per browser session, and the one place that touches
``st.session_state``.

Everything a session keeps lives in one :class:`Session` under :data:`KEY`, made by
:func:`session` on first use: the :class:`RunSettings` (the truth for every choice), the
:class:`Dataset` they describe, the CSV bytes behind an uploaded or edited table (per session
only, never in ``st.cache_resource``), the :class:`Trainer` if one was built, the run's state,
messages, the share link's state, the runs kept to compare and the views' own choices. Pages and
views read and change it through the functions here (or ``state.session().field``) and never
touch ``st.session_state``.

Streamlit keeps a widget's value in ``st.session_state`` under the widget's key, and forgets it
when a page without that widget runs. The widget binding below makes every such key and is the
only code that reads or writes those values: a widget bound to a setting (:func:`bind` +
:func:`on_change`) or to a view choice (:func:`view_widget`) takes its value from the session on
every run and writes it back in its callback, so the value survives page switches and a refused
value springs back.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import weakref
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

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
from nn_core.errors import PlaygroundError
from nn_core.io.bundle import read_bundle
from nn_core.io.serialize import TrainedModel
from nn_core.limits import data_bytes, network_params, table_shape, trainer_bytes
from nn_core.settings import DATA_FIELDS, RELOAD, RunSettings, with_early_stopping
from nn_core.training.runs import MAX_RUNS, RunLog, RunRecord, data_fingerprint, record_run
from nn_core.training.snapshots import capacity_for
from nn_core.training.trainer import Trainer
from ui.live.view import DEFAULT_SPEED, SPEEDS
from ui.server import scheduler
from ui.session import locks
from ui.session.link_codec import UI_PARAMS
from ui.views.text import plain

KEY = "nn_session"  # the one st.session_state entry that is not a widget's value


# --- the session object ------------------------------------------------------------------------
@dataclass
class Views:
    """What this session looks at: choices that change no run. The first five are the Train
    page's view, which a link carries (named and checked by ``ui.session.link_codec.UI_PARAMS``)."""

    speed: int | str = UI_PARAMS["speed"].default  # epochs per frame, or "max"
    surface_x: int = UI_PARAMS["surface_x"].default  # the surface's horizontal input (index)
    surface_y: int = UI_PARAMS["surface_y"].default  # ... and its vertical input
    discretise: bool = UI_PARAMS["discretise"].default  # the surface in two flat colours
    log_loss: bool = UI_PARAMS["log_loss"].default  # the loss charts on a log scale
    scrub_epoch: int = 0  # the epoch the Train page's charts look back to (ui/views/scrubber.py)
    scrub_at: tuple[int, int] | None = None  # (generation, epoch) the look-back was chosen on
    scrub_bound: int = -1  # the scrubber's last upper end: a new one is a new slider
    step_row: int = 0  # the training row of How it works' step view (ui/views/step.py)
    mark_wrong: bool = False  # ring the wrong rows on the decision surface (paused)


LINK_VIEWS = tuple(UI_PARAMS)  # the fields of Views a link carries


@dataclass
class Live:
    """The live element's bookkeeping (ui/live/panel.py)."""

    # number of the last message sent to the element (it ignores older ones). It starts at the
    # session's start in milliseconds: a page whose session was lost (ui/session/reconnect.py) keeps
    # its element, and the new session's messages must number above the old one's (which sent far
    # fewer than one a millisecond), or the element keeps drawing the old network.
    seq: int = field(default_factory=lambda: int(time.time() * 1000))
    view: tuple[Any, Any] | None = None  # (key, LiveView): the charts' view of the trainer
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
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # trainer changes
    notices: list[str] = field(default_factory=list)  # one-line messages to show once
    error: str | None = None  # a refused input, shown once with st.error
    runs: RunLog = field(default_factory=RunLog)  # finished runs kept to compare
    # each trainer's run: its data's name and settings by epoch, held while the trainer lives
    run_tracks: weakref.WeakKeyDictionary[Trainer, dict[str, Any]] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False)
    link_read: bool = False  # this session's opening URL has been read
    locked: frozenset[str] = frozenset()  # controls and sections a classroom link hides
    views: Views = field(default_factory=Views)
    live: Live = field(default_factory=Live)
    quality: tuple[tuple, Any] | None = None  # (key, measures) of the paused network
    inside: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # Inside the network's
    # views by name: (what they were made for, the view); one of each (ui/views/inside.py)
    loaded_model: tuple[TrainedModel, str] | None = None  # a model file and its name
    batch_prediction: tuple[tuple, Any] | None = None  # (key, prediction or refusal message)
    step_result: tuple[bool, str] | None = None  # the last "apply this step", shown once
    # this session replaced one its page lost (ui/session/reconnect.py)
    session_lost: bool | None = None


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


def init_state() -> None:
    """Make sure the session exists; safe to call on every run of every page."""
    session()


# --- settings ---------------------------------------------------------------------------------
def get_settings() -> RunSettings:
    return session().settings


def set_settings(new: RunSettings, what: str = "the change") -> str | None:
    """Store new settings; reload the data if a data field changed; keep or drop the trainer.

    What a classroom link fixes stays as it is (:func:`ui.session.locks.hold`), whatever ``what``
    (the route, for the notice that says so: "the run bundle", ...) would change. Returns a one-line
    message for the user saying what happened to a trained network, or None when there was
    nothing to say. Raises :class:`PlaygroundError` (and changes nothing) when the new data
    settings cannot be loaded.
    """
    s = session()
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
    """``set_settings(get_settings().replace(**changes))``; PlaygroundError on a bad value."""
    return set_settings(get_settings().replace(**changes))


def try_update_settings(**changes: Any) -> bool:
    """Like :func:`update_settings` but records the message as a notice and a refusal as the
    error to show; returns whether the change was applied. Meant for widget callbacks: it holds
    the training lock, so a trainer is never changed, or replaced and recorded, mid-slice."""
    try:
        with train_lock():
            message = update_settings(**changes)
    except PlaygroundError as exc:
        set_error(str(exc))
        return False
    if message:
        push_notice(message)
    return True


# --- widget binding: the one place that makes widget keys and touches their values -----------
# Every widget key of the app is made here (browser tests and page.css find elements by their
# st-key-<key> class, so these stay stable). Data page:
W_UPLOAD = "w_upload_csv"  # the CSV uploader
W_BUNDLE = "w_upload_bundle"  # the run-bundle uploader
W_DATA_TAB = "w_data_tab"  # the tabs: built-in, upload, edit rows
# Train page:
W_PLAY, W_PAUSE, W_STEP, W_RESET = "train_play", "train_pause", "train_step", "train_reset"
W_FIX_RATE = "train_fix"  # a failed run's "Try learning rate ..."
W_LIVE = "nn_live"  # the live charts' element (ui/live/panel.py)
W_HIDDEN_LAYERS = "w_hidden_layers"  # the number of hidden layers
W_REG_KIND = "w_reg_kind"  # regularisation: none, L1 or L2
W_REG_RATE = "w_reg_rate"  # ... and its rate
W_SCRUB_CONTINUE, W_SCRUB_NOW = "scrub_continue", "scrub_now"  # the scrubber's buttons
# Predict page:
W_PREDICT_UPLOAD = "w_predict_csv"  # the CSV of inputs
W_PREDICT_EXAMPLE = "w_predict_example"  # the blog's test input chosen
W_MODEL_UPLOAD = "w_predict_model"  # the model-file uploader
W_PREDICT_SOURCE = "w_predict_source"  # this session's network or the loaded model
W_PREDICT_DOWNLOAD = "w_predict_download"  # the predictions' download
# Share & export page:
W_LINK_PAGE = "share_target_page"  # the page a link opens
W_LINK_HIDE = "share_hide"  # what a classroom link hides
# How it works page:
W_STEP_NEXT_ROW, W_STEP_APPLY = "step_next_row", "step_apply"  # the step view's buttons
# Inside the network page (ui/views/inside.py):
W_INSIDE_LAYER = "w_inside_layer"  # the hidden layer the hidden space shows
W_INSIDE_FIND, W_INSIDE_USE = "w_inside_find", "w_inside_use"  # the rate finder's buttons
# Every page (app.py):
W_LINK_PROBE = "nn_link_probe"  # the element reporting a query string Streamlit dropped
W_PRELOAD = "nn_preload"  # the element warming the browser's element code (ui/views/preload.py)
# the element telling a reconnect (ui/session/reconnect.py)
W_RECONNECT_WATCH = "nn_reconnect_watch"
W_PAGE_SUPPORT = "nn_page_support"  # code colours, formulas by keyboard (ui/views/a11y.py)
# The widgets bound to the session's view choices (field of Views -> widget key)
VIEW_WIDGETS = {"speed": "w_train_speed", "surface_x": "w_view_x", "surface_y": "w_view_y",
                "discretise": "w_view_discrete", "log_loss": "w_view_log",
                "scrub_epoch": "w_scrub_epoch", "step_row": "w_step_row",
                "mark_wrong": "w_quality_mark"}


def widget_key(field: str) -> str:
    """The widget key of a settings field (also its CSS class ``st-key-w_<field>``)."""
    return f"w_{field}"


def units_key(layer: int) -> str:
    """Key of the Train page's number of units in hidden layer ``layer`` (from 0)."""
    return f"w_units_{layer}"


def editor_key() -> str:
    """The data editor's key: a new one shows the editor fresh from the current dataset."""
    s = session()
    return f"w_editor_{s.data_version}_{s.editor_version}"


def plot_axis_key(axis: str) -> str:
    """Key of the Data page's axis chooser ``axis`` ("x" or "y") for the current dataset."""
    return f"w_plot_{axis}_{session().data_version}"


def held_input_key(column: int) -> str:
    """Key of the Train page's slider holding input ``column`` fixed on the surface (a view
    choice of this session for the current dataset, never part of the settings)."""
    return f"w_held_{session().data_version}_{column}"


def predict_input_key(column: int) -> str:
    """Key of the Predict page's number box for feature ``column`` of the current dataset."""
    return f"w_predict_in_{session().data_version}_{column}"


def step_unit_key(layer: int) -> str:
    """Widget key: the unit shown of a large layer (0 = the inputs) in the step view."""
    return f"w_step_unit_{layer}"


def restore_key(run: int) -> str:
    """Key of the Train page's Restore button of kept run number ``run``."""
    return f"runs_restore_{run}"


def fix_key(fields: Iterable[str]) -> str:
    """Key of the Train page's one-click fix setting ``fields`` (the scaling hint's buttons)."""
    return f"hint_{'_'.join(fields)}"


def put(key: str, value: Any) -> str:
    """Show ``value`` in widget ``key`` this run (call right before creating the widget, with
    no ``value=``/``index=``/``default=``); returns the key.

    Only a value the widget does not hold already is written: a write makes the browser take it,
    which would undo keys pressed on a slider while this run was on its way."""
    ss = _ss()
    if key not in ss or ss[key] != value:
        ss[key] = value
    return key


def seed(key: str, default: Any, valid: Callable[[Any], bool] | None = None) -> str:
    """Give widget ``key`` the value ``default`` unless it holds a (``valid``) one already;
    returns the key. For widgets whose value Streamlit keeps (``persist_state``, or one page)."""
    ss = _ss()
    if key not in ss or (valid is not None and not valid(ss[key])):
        ss[key] = default
    return key


def on_value(key: str, handler: Callable[..., None], *args: Any) -> Callable[[], None]:
    """A widget callback calling ``handler(value, *args)`` with widget ``key``'s new value."""

    def callback() -> None:
        handler(_ss().get(key), *args)

    return callback


def bind(field: str, to_widget: Callable[[Any], Any] | None = None) -> str:
    """Put the stored setting into its widget's state and return the key to give the widget.

    Call right before creating the widget, with ``key=bind(...)``, ``on_change=on_change(...)``
    and no ``value=``/``index=``/``default=`` argument.
    """
    value = getattr(get_settings(), field)
    return put(widget_key(field), to_widget(value) if to_widget else value)


def on_change(field: str, from_widget: Callable[[Any], Any] | None = None,
              apply: Callable[[Any], None] | None = None) -> Callable[[], None]:
    """A widget callback writing the widget's value to the settings field ``field`` (or, with
    ``apply``, handing the value to it instead)."""

    def write(value: Any) -> None:
        value = from_widget(value) if from_widget else value
        if apply is not None:
            apply(value)
        else:
            try_update_settings(**{field: value})

    return on_value(widget_key(field), write)


def view_widget(name: str, renew: bool = False) -> dict[str, Any]:
    """``key=`` and ``on_change=`` for a widget showing the view choice ``name`` (a field of
    :class:`Views`): it shows the stored choice on every run and stores the user's. ``renew``:
    the widget is a new one for Streamlit (its bounds changed), so its value is written again
    rather than left to the old widget."""
    views = session().views
    if renew:
        _ss().pop(VIEW_WIDGETS[name], None)
    key = put(VIEW_WIDGETS[name], getattr(views, name))
    return {"key": key, "on_change": on_value(key, lambda value: setattr(views, name, value))}


def set_predict_inputs(values: list[float]) -> None:
    """Fill the Predict page's number boxes with ``values`` (one per feature)."""
    for i, value in enumerate(values):
        put(predict_input_key(i), value)


def editor_edits() -> dict[str, Any] | None:
    """The data editor's pending edits, from its own widget state (None before any)."""
    return _ss().get(editor_key())


def mark_wrong_rows() -> bool:
    """Whether the user asked for the wrong rows to be marked on the surface."""
    return session().views.mark_wrong


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
    base = get_settings().replace(dataset="csv", **fields)
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
        current = get_settings()
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


def csv_columns(numeric_only: bool = False) -> list[str]:
    """The columns of the session's CSV table: all (target choices) or those holding numbers
    (feature choices)."""
    s = session()
    return list(s.csv_numeric if numeric_only else s.csv_columns)


def csv_bytes() -> bytes | None:
    return session().csv_bytes


def csv_name() -> str:
    return session().csv_name


def data_version() -> int:
    return session().data_version


def apply_editor_edits() -> None:
    """The data editor's Apply: the edited table becomes the data, or nothing changes and the
    edits stay in the editor with one error line. Nothing is left out silently: added rows
    without any value are counted in the notice, and rows the data layer drops (a missing
    value) are in the dataset's own notices, which the Data page shows."""
    from ui.views.data import apply_edits, dataset_frame, table_csv

    ds = get_dataset()
    edits = editor_edits() or {}
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
    session().editor_version += 1


def upload_seen(file_id: str | None = None) -> str | None:
    """The file id of the last processed upload; with an argument, remember that one."""
    s = session()
    if file_id is not None:
        s.upload_seen = file_id
    return s.upload_seen


# --- trainer ----------------------------------------------------------------------------------
def get_trainer() -> Trainer:
    """The session's trainer, built from the settings and dataset on first use.

    Raises PlaygroundError when the settings do not fit the data.
    """
    s = session()
    if s.trainer is None:
        settings, dataset = get_settings(), get_dataset()
        check_memory(trainer_need(settings, dataset), "this network on this data")
        s.trainer = Trainer(settings, dataset)
        _track(s.trainer)
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


def current_trainer() -> Trainer | None:
    """The trainer if one exists, without building one."""
    return session().trainer


def drop_trainer() -> None:
    """Forget the trainer (Reset): stop playing and bump the generation counter. A trainer
    that trained an epoch or more joins the runs kept to compare."""
    s = session()
    _keep_run(s.trainer)
    s.trainer = None
    s.running = False
    s.generation += 1


def generation() -> int:
    return session().generation


def is_running() -> bool:
    return session().running


def set_running(flag: bool) -> None:
    session().running = bool(flag)


def train_lock() -> threading.Lock:
    """The session's training lock: held by every change to the trainer."""
    return session().lock


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
def touched() -> float | None:
    """When the Train page last ran whole (a click or a change), on ``ui.live.panel.clock``."""
    return session().live.touched


def set_touched(when: float) -> None:
    session().live.touched = float(when)


def next_live_seq() -> int:
    """A new, larger message number for the live element (it ignores older messages)."""
    live = session().live
    live.seq += 1
    return live.seq


def frame_rate() -> float | None:
    """Frames a second this session's recent ticks trained (None before the first)."""
    return session().live.rate


def note_frame_rate(frames: int, seconds: float) -> None:
    """Fold one tick's frames and length into :func:`frame_rate` (recent ticks weigh most)."""
    if seconds <= 0:
        return
    live = session().live
    now = frames / seconds
    live.rate = now if live.rate is None else 0.5 * live.rate + 0.5 * now


def live_view() -> Any:
    return session().live.view


def set_live_view(value: Any) -> None:
    session().live.view = value


def pending_frames(identity: Any) -> tuple[list, Any] | None:
    """The frames trained and not sent yet, with their history, if they were made for
    ``identity`` (the generation and the view); else None."""
    pending = session().live.pending
    if pending is None or pending[0] != identity:
        return None
    return pending[1], pending[2]


def set_pending_frames(value: tuple[Any, list, Any] | None) -> None:
    session().live.pending = value


def static_sent() -> str | None:
    """The key of the view whose static part was last sent to the live element (or None)."""
    return session().live.static_sent


def set_static_sent(key: str | None) -> None:
    session().live.static_sent = key


def fit_views(n_features: int) -> Views:
    """The view choices, each surface input within the data's ``n_features`` (else its
    default) and the speed one of the speeds offered."""
    views = session().views
    if views.speed not in SPEEDS:
        views.speed = DEFAULT_SPEED
    if not 0 <= views.surface_x < n_features:
        views.surface_x = 0
    if not 0 <= views.surface_y < n_features:
        views.surface_y = min(1, n_features - 1)
    return views


# --- a model loaded from a file on the Predict page ----------------------------------------------
def loaded_model() -> tuple[Any, str]:
    """The model loaded from a file and its name, or (None, "")."""
    return session().loaded_model or (None, "")


def set_loaded_model(model: TrainedModel | None, name: str = "") -> None:
    session().loaded_model = None if model is None else (model, name)


# --- the Predict page's batch prediction (one per session, redone only when its key changes) ---
def batch_prediction(key: tuple) -> Any:
    """The stored batch prediction (or refusal message) if it was made for ``key``, else None."""
    stored = session().batch_prediction
    return stored[1] if stored is not None and stored[0] == key else None


def set_batch_prediction(key: tuple | None, value: Any = None) -> None:
    """Keep ``value`` as the batch prediction for ``key`` (replacing any other); None forgets."""
    session().batch_prediction = None if key is None else (key, value)


# --- share links (see ui/session/share.py) ------------------------------------------------------
def view_choices() -> dict[str, Any]:
    """The view choices a link carries (ui.session.link_codec.UI_PARAMS names), as this
    session has them."""
    views = session().views
    return {name: getattr(views, name) for name in LINK_VIEWS}


def set_view_choices(choices: dict[str, Any]) -> None:
    views = session().views
    for name, value in choices.items():
        if name in LINK_VIEWS:
            setattr(views, name, value)


def locked() -> frozenset[str]:
    """What this session's classroom link locks, hidden from the page (empty without one)."""
    return session().locked


def set_locked(names: frozenset[str]) -> None:
    session().locked = frozenset(names)


def may_change(*fields: str) -> bool:
    """Whether this session may change all of these settings fields (:mod:`ui.session.locks`)."""
    return locks.may_change(locked(), *fields)


def shown(*names: str) -> bool:
    """True unless a classroom link hides any of ``names`` (a setting, a view choice or a
    section)."""
    h = locked()
    return not any(n in h for n in names)


def link_read() -> bool:
    """Whether the opening URL was read already; marks it read."""
    s = session()
    done, s.link_read = s.link_read, True
    return done


# --- a session that replaced one lost with its server (see ui/session/reconnect.py) -------------
def session_lost() -> bool | None:
    """Whether this session replaced one its page lost; None before its first run said."""
    return session().session_lost


def set_session_lost(lost: bool) -> None:
    session().session_lost = bool(lost)


# --- the Train page's "How good is it" section (see ui/views/quality.py) ------------------------
def inside_views() -> dict[str, tuple[Any, Any]]:
    """Inside the network's views made for this session, by name: ``(key, view)``."""
    return session().inside


def quality(key: tuple) -> Any:
    """The stored measures if they were made for ``key`` (trainer and weights), else None."""
    stored = session().quality
    return stored[1] if stored is not None and stored[0] == key else None


def set_quality(key: tuple, value: Any) -> None:
    session().quality = (key, value)


# --- runs kept to compare (nn_core/training/runs.py; shown by ui/views/runs.py) -------------
def run_log() -> RunLog:
    return session().runs


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
    log = run_log()
    record = _record(trainer, log.take_number())
    notice = log.add(record) if record is not None else None
    if notice:
        push_notice(notice)


def live_run() -> RunRecord | None:
    """The current trainer's run so far (numbered as the next run), or None before an epoch."""
    trainer = current_trainer()
    if trainer is None or trainer.epoch < 1:
        return None
    return _record(trainer, run_log().next_number)


def runs_for_bundle() -> list[RunRecord]:
    """The last :data:`~nn_core.training.runs.MAX_RUNS` runs, the live one included, oldest
    first."""
    live = live_run()
    return [*run_log().runs, *([live] if live is not None else [])][-MAX_RUNS:]


def add_runs(runs: list[RunRecord]) -> None:
    """Add runs from a bundle to the comparison (numbered anew), with one notice."""
    log = run_log()
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
    run = run_log().get(number)
    if run is None:
        set_error("That run is no longer kept.")
        return
    current = get_settings()
    same_data = all(getattr(current, f) == getattr(run.settings, f) for f in DATA_FIELDS)
    try:
        if not same_data:
            check_memory(dataset_need(run.settings, csv_bytes()), "that run's data")
    except PlaygroundError as exc:
        set_error(f"Could not restore {run.label}: {exc}")
        return
    try:
        data = get_dataset() if same_data else load_data(run.settings, csv_bytes())
    except PlaygroundError:
        data = None
    if data is None or data_fingerprint(data) != run.data_key:
        set_error(f"{run.label} was trained on other data ({run.data}), which this session "
                  "does not have now: load that table on the Data page, then restore the run.")
        return
    try:
        set_settings(run.settings, f"restoring {run.label}")
    except PlaygroundError as exc:
        set_error(f"Could not restore {run.label}: {exc}")
        return
    drop_trainer()
    push_notice(f"Restored the settings {run.label} started with; new weights from its seed: "
                "press Play to train it again.")
