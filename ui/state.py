"""The one place that names session-state keys, their defaults and the rules between them.

A session holds one :class:`RunSettings` (the truth for every choice), the :class:`Dataset` it
describes, the CSV bytes behind an uploaded or edited table (per session only, never in
``st.cache_resource``), and the :class:`Trainer` if one was built. Pages never touch
``st.session_state`` keys directly: they call the functions here.

Widgets bound to a setting (:func:`bind` + :func:`on_change`) take their value from the stored
settings on every run and write back through :func:`set_settings`, so a value survives page
switches (Streamlit forgets widget state of pages not shown) and a refused value springs back.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

import streamlit as st

from nn_core.data.builtin import BUILTIN
from nn_core.data.dataset import Dataset
from nn_core.data.load import load_data
from nn_core.data.tabular import dataset_from_table, numeric_columns, read_csv_bytes
from nn_core.errors import PlaygroundError
from nn_core.io.bundle import read_bundle
from nn_core.settings import DATA_FIELDS, RELOAD, RunSettings, with_early_stopping
from nn_core.training.runs import MAX_RUNS, RunLog, RunRecord, data_fingerprint, record_run
from nn_core.training.trainer import Trainer
from ui.text import plain

# --- session-state keys -----------------------------------------------------------------------
SETTINGS = "settings"  # RunSettings
DATASET = "dataset"  # Dataset or None (loaded lazily from SETTINGS)
CSV_BYTES = "csv_bytes"  # bytes of the uploaded / edited table, or None
CSV_NAME = "csv_name"  # the upload's file name (user text: show as plain text only)
TRAINER = "trainer"  # Trainer or None
RUNNING = "running"  # bool: the Train page's Play state
GENERATION = "generation"  # int: bumped whenever the trainer is dropped (guards in-flight ticks)
DATA_VERSION = "data_version"  # int: bumped whenever the dataset changes (resets data widgets)
NOTICES = "notices"  # list[str]: one-line messages to show once
LAST_ERROR = "last_error"  # str or None: a refused input, shown once with st.error
UPLOAD_SEEN = "upload_seen"  # file_id of the last CSV upload processed
EDITOR_VERSION = "editor_version"  # int: part of the data editor's key; bump to reset it
CSV_COLUMNS = "csv_columns"  # list[str]: every column of the CSV table (target choices)
CSV_NUMERIC = "csv_numeric"  # list[str]: its columns holding numbers (feature choices)
RUNS = "runs"  # RunLog: the finished runs kept to compare (Train page, run bundles)
RUN_TRACK = "run_track"  # dict or None: the live run's data name and settings over its epochs

# Widget keys (not settings fields)
W_UPLOAD = "w_upload_csv"
W_PREDICT_UPLOAD = "w_predict_csv"
W_PREDICT_EXAMPLE = "w_predict_example"
W_DATA_TAB = "w_data_tab"


def _defaults() -> dict[str, Any]:
    return {
        SETTINGS: RunSettings(),
        DATASET: None,
        CSV_BYTES: None,
        CSV_NAME: "",
        TRAINER: None,
        RUNNING: False,
        GENERATION: 0,
        DATA_VERSION: 0,
        NOTICES: [],
        LAST_ERROR: None,
        UPLOAD_SEEN: None,
        EDITOR_VERSION: 0,
        CSV_COLUMNS: [],
        CSV_NUMERIC: [],
        RUNS: RunLog(),
        RUN_TRACK: None,
    }


def _ss() -> MutableMapping[str, Any]:
    """The session's store (tests replace this with a plain dict)."""
    return st.session_state


def init_state() -> None:
    """Fill in every missing key with its default; safe to call on every run of every page."""
    ss = _ss()
    for key, value in _defaults().items():
        if key not in ss:
            ss[key] = value


# --- settings ---------------------------------------------------------------------------------
def get_settings() -> RunSettings:
    init_state()
    return _ss()[SETTINGS]


def set_settings(new: RunSettings) -> str | None:
    """Store new settings; reload the data if a data field changed; keep or drop the trainer.

    Returns a one-line message for the user saying what happened to a trained network, or
    None when there was nothing to say. Raises :class:`PlaygroundError` (and changes nothing)
    when the new data settings cannot be loaded.
    """
    ss = _ss()
    old = get_settings()
    if new == old:
        return None
    if old.effect_of(new) == RELOAD:
        dataset = load_data(new, ss[CSV_BYTES])  # may raise: nothing changed yet
        ss[DATASET] = dataset
        ss[DATA_VERSION] += 1
    ss[SETTINGS] = new
    trainer: Trainer | None = ss[TRAINER]
    if trainer is None:
        return None
    if old.needs_reset(new):
        drop_trainer()
        return "The network was reset: that change needs a new network."
    try:
        trainer.set_settings(new)
    except PlaygroundError:
        drop_trainer()
        return "The network was reset: that change needs a new network."
    _note_settings(trainer, new)
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


# --- widgets bound to settings ---------------------------------------------------------------
def widget_key(field: str) -> str:
    """The widget key of a settings field (also its CSS class ``st-key-w_<field>``)."""
    return f"w_{field}"


def bind(field: str, to_widget: Callable[[Any], Any] | None = None) -> str:
    """Put the stored setting into its widget's state and return the key to give the widget.

    Call right before creating the widget, with ``key=bind(...)``, ``on_change=on_change(...)``
    and no ``value=``/``index=``/``default=`` argument.
    """
    value = getattr(get_settings(), field)
    key = widget_key(field)
    _ss()[key] = to_widget(value) if to_widget else value
    return key


def on_change(field: str, from_widget: Callable[[Any], Any] | None = None) -> Callable[[], None]:
    """A widget callback writing the widget's value to the settings field ``field``."""

    def callback() -> None:
        value = _ss()[widget_key(field)]
        try_update_settings(**{field: from_widget(value) if from_widget else value})

    return callback


# --- data -------------------------------------------------------------------------------------
def get_dataset() -> Dataset:
    """The session's dataset, loaded from the settings on first use.

    If the stored settings name a table this session no longer has (a shared link to an
    uploaded CSV, say), fall back to the default dataset and say so.
    """
    ss = _ss()
    init_state()
    if ss[DATASET] is None:
        try:
            ss[DATASET] = load_data(ss[SETTINGS], ss[CSV_BYTES])
        except PlaygroundError as exc:
            default = RunSettings()
            fields = {f: getattr(default, f) for f in DATA_FIELDS}
            ss[SETTINGS] = ss[SETTINGS].replace(**fields)
            ss[CSV_BYTES] = None
            ss[DATASET] = load_data(ss[SETTINGS])
            push_notice(f"Could not load the data ({exc}); showing the default dataset instead.")
    return ss[DATASET]


def set_dataset(
    dataset: Dataset,
    settings: RunSettings | None = None,
    csv_bytes: bytes | None = None,
    csv_name: str | None = None,
) -> str | None:
    """Make ``dataset`` the session's data (with the settings and CSV bytes that describe it).

    Always drops the trainer; returns a message if there was one to drop.
    """
    ss = _ss()
    init_state()
    if settings is not None:
        ss[SETTINGS] = settings
    if csv_bytes is not None:
        ss[CSV_BYTES] = csv_bytes
    if csv_name is not None:
        ss[CSV_NAME] = csv_name
    ss[DATASET] = dataset
    ss[DATA_VERSION] += 1
    ss[EDITOR_VERSION] += 1
    had_trainer = ss[TRAINER] is not None
    drop_trainer()
    return "The network was reset for the new data." if had_trainer else None


def use_table(csv_bytes: bytes, name: str, **changes: Any) -> Dataset:
    """Load a CSV table (an upload or an edited table) as the session's data.

    ``changes`` are settings fields for the table (target, features, task); without a target
    the last column is the target and every other numeric column a feature. On
    PlaygroundError nothing changes, so the previous dataset stays. On success the chosen
    target and features are written to the settings.
    """
    table = read_csv_bytes(csv_bytes)
    columns = [str(c) for c in table.columns]
    fields = {"target": "", "features": (), "task": "auto", **changes}
    if not fields["target"] and columns:
        fields["target"] = columns[-1]
    base = get_settings().replace(dataset="csv", **fields)
    dataset = dataset_from_table(table, base.target, base.features, base.task, name="csv")
    settings = base.replace(target=dataset.target_name, features=tuple(dataset.feature_names))
    if not changes:  # a new table (not a new target or an edit): early stopping by its size
        settings = with_early_stopping(settings, dataset.n_samples)
        if settings.patience:
            push_notice(f"Early stopping is on for a table of {dataset.n_samples} rows "
                        f"(patience {settings.patience} epochs, validation share "
                        f"{settings.validation_fraction:.0%}); see Train → Stop.")
    message = set_dataset(dataset, settings=settings, csv_bytes=csv_bytes, csv_name=name)
    _ss()[CSV_COLUMNS] = columns
    _ss()[CSV_NUMERIC] = numeric_columns(table)
    if message:
        push_notice(message)
    return dataset


def load_bundle(data: bytes) -> None:
    """Restore a run bundle's settings and data, and add its runs to the comparison; on
    PlaygroundError nothing changes."""
    settings, table, name, runs = read_bundle(data)
    if table is not None:
        use_table(table, name, target=settings.target, features=settings.features,
                  task=settings.task)
    message = set_settings(settings)
    if message:
        push_notice(message)
    if runs:
        add_runs(runs)


def csv_columns(numeric_only: bool = False) -> list[str]:
    """The columns of the session's CSV table: all (target choices) or those holding numbers
    (feature choices)."""
    return list(_ss()[CSV_NUMERIC if numeric_only else CSV_COLUMNS])


def csv_bytes() -> bytes | None:
    return _ss()[CSV_BYTES]


def csv_name() -> str:
    return _ss()[CSV_NAME]


def data_version() -> int:
    return _ss()[DATA_VERSION]


def editor_key() -> str:
    """The data editor's key: a new one shows the editor fresh from the current dataset."""
    return f"w_editor_{_ss()[DATA_VERSION]}_{_ss()[EDITOR_VERSION]}"


def editor_edits() -> dict[str, Any] | None:
    """The data editor's pending edits, from its own widget state (None before any)."""
    return _ss().get(editor_key())


def apply_editor_edits() -> None:
    """The data editor's Apply: the edited table becomes the data, or nothing changes and the
    edits stay in the editor with one error line. Nothing is left out silently: added rows
    without any value are counted in the notice, and rows the data layer drops (a missing
    value) are in the dataset's own notices, which the Data page shows."""
    from ui.data_view import apply_edits, dataset_frame, table_csv

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


def plot_axis_key(axis: str) -> str:
    """Key of the Data page's axis chooser ``axis`` ("x" or "y") for the current dataset."""
    return f"w_plot_{axis}_{_ss()[DATA_VERSION]}"


def held_input_key(column: int) -> str:
    """Key of the Train page's slider holding input ``column`` fixed on the surface (a view
    choice of this session for the current dataset, never part of the settings)."""
    return f"w_held_{_ss()[DATA_VERSION]}_{column}"


def predict_input_key(column: int) -> str:
    """Key of the Predict page's number box for feature ``column`` of the current dataset."""
    return f"w_predict_in_{_ss()[DATA_VERSION]}_{column}"


def reset_editor() -> None:
    _ss()[EDITOR_VERSION] += 1


def upload_seen(file_id: str | None = None) -> str | None:
    """The file id of the last processed upload; with an argument, remember that one."""
    if file_id is not None:
        _ss()[UPLOAD_SEEN] = file_id
    return _ss()[UPLOAD_SEEN]


# --- trainer ----------------------------------------------------------------------------------
def get_trainer() -> Trainer:
    """The session's trainer, built from the settings and dataset on first use.

    Raises PlaygroundError when the settings do not fit the data.
    """
    ss = _ss()
    if ss[TRAINER] is None:
        ss[TRAINER] = Trainer(get_settings(), get_dataset())
        _track(ss[TRAINER])
    return ss[TRAINER]


def current_trainer() -> Trainer | None:
    """The trainer if one exists, without building one."""
    init_state()
    return _ss()[TRAINER]


def drop_trainer() -> None:
    """Forget the trainer (Reset): stop playing and bump the generation counter. A trainer
    that trained an epoch or more joins the runs kept to compare."""
    ss = _ss()
    _keep_run(ss.get(TRAINER))
    ss[TRAINER] = None
    ss[RUNNING] = False
    ss[GENERATION] += 1


def generation() -> int:
    return _ss()[GENERATION]


def is_running() -> bool:
    return bool(_ss()[RUNNING])


def set_running(flag: bool) -> None:
    _ss()[RUNNING] = bool(flag)


# --- messages ---------------------------------------------------------------------------------
def push_notice(message: str) -> None:
    _ss()[NOTICES] = [*_ss()[NOTICES], message]


def take_notices() -> list[str]:
    """The pending notices (each shown once)."""
    ss = _ss()
    notices = list(ss[NOTICES])
    ss[NOTICES] = []
    return notices


def set_error(message: str) -> None:
    _ss()[LAST_ERROR] = message


def take_error() -> str | None:
    """The pending error message (shown once)."""
    ss = _ss()
    message = ss[LAST_ERROR]
    ss[LAST_ERROR] = None
    return message


def show_messages() -> None:
    """Show the pending error and notices at the top of a page."""
    init_state()
    error = take_error()
    if error:
        st.error(plain(error, limit=400), icon="⚠️")
    for notice in take_notices():
        st.info(plain(notice, limit=400), icon="ℹ️")


# --- Train page: live training (section owned by the Train page; see ui/live.py) --------------
TRAIN_LOCK = "train_lock"  # threading.Lock: held by every change to the trainer
LIVE_SEQ = "live_seq"  # int: number of the last message sent to the live element
LIVE_VIEW = "live_view"  # (key, LiveView): the live charts' precomputed view of the trainer
LIVE_PENDING = "live_pending"  # (identity, frames, history) trained but not yet sent, or None
LIVE_STATIC_SENT = "live_static_sent"  # key of the view whose static part the element has
TRAIN_SPEED = "w_train_speed"  # widget: epochs per frame (or "max")
VIEW_X = "w_view_x"  # widget: the surface's horizontal input (feature index)
VIEW_Y = "w_view_y"  # widget: the surface's vertical input (feature index)
VIEW_DISCRETE = "w_view_discrete"  # widget: discretised surface
VIEW_LOG = "w_view_log"  # widget: log-scale loss
LIVE_TOUCHED = "live_touched"  # float: when the Train page last ran whole (the idle pause)


def train_lock() -> Any:
    """The session's training lock (created on first use; never replaced)."""
    import threading

    ss = _ss()
    if TRAIN_LOCK not in ss:
        ss[TRAIN_LOCK] = threading.Lock()
    return ss[TRAIN_LOCK]


def touched() -> float | None:
    """When the Train page last ran whole (a click or a change), on ``ui.live.clock``."""
    return _ss().get(LIVE_TOUCHED)


def set_touched(when: float) -> None:
    _ss()[LIVE_TOUCHED] = float(when)


def next_live_seq() -> int:
    """A new, larger message number for the live element (it ignores older messages)."""
    ss = _ss()
    ss[LIVE_SEQ] = int(ss.get(LIVE_SEQ, 0)) + 1
    return ss[LIVE_SEQ]


def live_view() -> Any:
    return _ss().get(LIVE_VIEW)


def set_live_view(value: Any) -> None:
    _ss()[LIVE_VIEW] = value


def pending_frames(identity: Any) -> tuple[list, Any] | None:
    """The frames trained and not sent yet, with their history, if they were made for
    ``identity`` (the generation and the view); else None."""
    pending = _ss().get(LIVE_PENDING)
    if pending is None or pending[0] != identity:
        return None
    return pending[1], pending[2]


def set_pending_frames(value: tuple[Any, list, Any] | None) -> None:
    _ss()[LIVE_PENDING] = value


def static_sent() -> str | None:
    """The key of the view whose static part was last sent to the live element (or None)."""
    return _ss().get(LIVE_STATIC_SENT)


def set_static_sent(key: str | None) -> None:
    _ss()[LIVE_STATIC_SENT] = key


# --- Train page: the epoch scrubber (ui/scrubber.py) ------------------------------------------
SCRUB_EPOCH = "w_scrub_epoch"  # widget: the epoch the charts look back to (the last one is now)
SCRUB_AT = "scrub_at"  # (generation, epoch) of the run the scrubber's choice was made on


def scrub_at() -> tuple[int, int] | None:
    return _ss().get(SCRUB_AT)


def set_scrub_at(value: tuple[int, int] | None) -> None:
    _ss()[SCRUB_AT] = value


# --- a model loaded from a file on the Predict page ----------------------------------------------
LOADED_MODEL = "loaded_model"  # (TrainedModel, file name) or None


def loaded_model() -> tuple[Any, str]:
    """The model loaded from a file and its name, or (None, "")."""
    return _ss().get(LOADED_MODEL) or (None, "")


def set_loaded_model(model: Any, name: str = "") -> None:
    _ss()[LOADED_MODEL] = None if model is None else (model, name)


# --- the Predict page's batch prediction (one per session, redone only when its key changes) ---
BATCH_PREDICTION = "batch_prediction"  # (key, BatchPrediction or the refusal's message) or None


def batch_prediction(key: tuple) -> Any:
    """The stored batch prediction (or refusal message) if it was made for ``key``, else None."""
    stored = _ss().get(BATCH_PREDICTION)
    return stored[1] if stored is not None and stored[0] == key else None


def set_batch_prediction(key: tuple | None, value: Any = None) -> None:
    """Keep ``value`` as the batch prediction for ``key`` (replacing any other); None forgets."""
    _ss()[BATCH_PREDICTION] = None if key is None else (key, value)


# --- share links (see ui/share.py) -------------------------------------------------------------
LINK_READ = "link_read"  # bool: this session's opening URL has been read
HIDDEN = "hidden"  # frozenset[str]: controls and sections a classroom link hides
# The view choices a link carries (ui.link_codec.UI_PARAMS names) and the widgets holding them.
VIEW_KEYS = {"speed": TRAIN_SPEED, "surface_x": VIEW_X, "surface_y": VIEW_Y,
             "discretise": VIEW_DISCRETE, "log_loss": VIEW_LOG}


def view_choices() -> dict[str, Any]:
    """The view choices set in this session (only those a widget has set)."""
    ss = _ss()
    return {name: ss[key] for name, key in VIEW_KEYS.items() if key in ss}


def set_view_choices(choices: dict[str, Any]) -> None:
    ss = _ss()
    for name, value in choices.items():
        if name in VIEW_KEYS:
            ss[VIEW_KEYS[name]] = value


def hidden() -> frozenset[str]:
    """What this session's classroom link hides (empty without one)."""
    return _ss().get(HIDDEN, frozenset())


def set_hidden(names: frozenset[str]) -> None:
    _ss()[HIDDEN] = frozenset(names)


def shown(*names: str) -> bool:
    """True unless a classroom link hides any of ``names`` (a setting, a view choice or a
    section)."""
    h = hidden()
    return not any(n in h for n in names)


def link_read() -> bool:
    """Whether the opening URL was read already; marks it read."""
    ss = _ss()
    done = bool(ss.get(LINK_READ, False))
    ss[LINK_READ] = True
    return done


# --- a session that replaced one lost with its server (see ui/reconnect.py) -----------------
SESSION_LOST = "session_lost"  # bool: this session started when a page lost its old one


def session_lost() -> bool | None:
    """Whether this session replaced one its page lost; None before its first run said."""
    return _ss().get(SESSION_LOST)


def set_session_lost(lost: bool) -> None:
    _ss()[SESSION_LOST] = bool(lost)


# --- How it works: one step, every number (section owned by ui/step_view.py) -----------------
STEP_ROW = "w_step_row"  # widget: the training row of the step view
STEP_RESULT = "step_result"  # (ok, message) of the last "apply this step", shown once


def step_unit_key(layer: int) -> str:
    """Widget key: the unit shown of a large layer (0 = the inputs) in the step view."""
    return f"w_step_unit_{layer}"


# --- the Train page's "How good is it" section (see ui/quality_view.py) ------------------------
QUALITY = "quality"  # (key, measures of the trainer's train and test rows) or None
QUALITY_MARK = "w_quality_mark"  # widget: ring the wrong rows on the decision surface


def quality(key: tuple) -> Any:
    """The stored measures if they were made for ``key`` (trainer and weights), else None."""
    stored = _ss().get(QUALITY)
    return stored[1] if stored is not None and stored[0] == key else None


def set_quality(key: tuple, value: Any) -> None:
    _ss()[QUALITY] = (key, value)


def mark_wrong_rows() -> bool:
    """Whether the user asked for the wrong rows to be marked on the surface."""
    return bool(_ss().get(QUALITY_MARK, False))


# --- runs kept to compare (nn_core/training/runs.py; shown by ui/runs_view.py)
# ----------------------------
def run_log() -> RunLog:
    init_state()
    return _ss()[RUNS]


def _track(trainer: Trainer) -> dict[str, Any]:
    """The live run's record-keeping: its data's name, the settings it trained with from which
    epoch, its data's fingerprint (made once, when first needed)."""
    ss = _ss()
    track = ss.get(RUN_TRACK)
    if track is None or track["id"] != id(trainer):
        s = trainer.settings
        name = s.dataset if s.dataset in BUILTIN else (ss.get(CSV_NAME) or "uploaded table")
        track = {"id": id(trainer), "data": name, "segments": [(0, s)], "key": None}
        ss[RUN_TRACK] = track
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
    import dataclasses

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
    try:
        same_data = all(getattr(current, f) == getattr(run.settings, f) for f in DATA_FIELDS)
        data = get_dataset() if same_data else load_data(run.settings, _ss()[CSV_BYTES])
    except PlaygroundError:
        data = None
    if data is None or data_fingerprint(data) != run.data_key:
        set_error(f"{run.label} was trained on other data ({run.data}), which this session "
                  "does not have now: load that table on the Data page, then restore the run.")
        return
    try:
        set_settings(run.settings)
    except PlaygroundError as exc:
        set_error(f"Could not restore {run.label}: {exc}")
        return
    drop_trainer()
    push_notice(f"Restored the settings {run.label} started with; new weights from its seed: "
                "press Play to train it again.")
