"""Widget binding: every widget key of the app, and the only code that reads or writes widget
values.

Streamlit keeps a widget's value in its session store under the widget's key, and forgets it
when a page without that widget runs. A widget bound to a setting (:func:`bind` +
:func:`on_change`) or to a view choice (:func:`view_widget`) takes its value from the session on
every run and writes it back in its callback (through :mod:`ui.session.actions`), so the value
survives page switches and a refused value springs back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ui.session import actions
from ui.session.choices import widget_of
from ui.session.store import browser_reported, session, widget_values

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
    which would undo keys pressed on a slider while this run was on its way. A widget the
    browser did not report with this run's request is written too, even when the stored value
    is the same: the browser had not drawn it yet (a click right after the page loaded, on a
    slow machine), and without the write it would draw the widget's default (unticked, the
    first option) and send that back as the visitor's change with the next click."""
    ss = widget_values()
    if key not in ss or ss[key] != value or not browser_reported(key):
        ss[key] = value
    return key


def seed(key: str, default: Any, valid: Callable[[Any], bool] | None = None) -> str:
    """Give widget ``key`` the value ``default`` unless it holds a (``valid``) one already;
    returns the key. For widgets whose value Streamlit keeps (``persist_state``, or one page)."""
    ss = widget_values()
    if key not in ss or (valid is not None and not valid(ss[key])):
        ss[key] = default
    return key


def on_value(key: str, handler: Callable[..., None], *args: Any) -> Callable[[], None]:
    """A widget callback calling ``handler(value, *args)`` with widget ``key``'s new value."""

    def callback() -> None:
        handler(widget_values().get(key), *args)

    return callback


def bind(field: str, to_widget: Callable[[Any], Any] | None = None) -> str:
    """Put the stored setting into its widget's state and return the key to give the widget.

    Call right before creating the widget, with ``key=bind(...)``, ``on_change=on_change(...)``
    and no ``value=``/``index=``/``default=`` argument.
    """
    value = getattr(session().settings, field)
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
            actions.try_update_settings(**{field: value})

    return on_value(widget_key(field), write)


def view_widget(name: str, renew: bool = False) -> dict[str, Any]:
    """``key=`` and ``on_change=`` for a widget showing the view choice ``name`` (a field of
    :class:`ui.session.choices.ViewChoices`): it shows the stored choice on every run and stores
    the user's. ``renew``: the widget is a new one for Streamlit (its bounds changed), so its
    value is written again rather than left to the old widget."""
    views = session().views
    if renew:
        widget_values().pop(widget_of(name), None)
    key = put(widget_of(name), getattr(views, name))
    return {"key": key, "on_change": on_value(key, lambda value: setattr(views, name, value))}


def set_predict_inputs(values: list[float]) -> None:
    """Fill the Predict page's number boxes with ``values`` (one per feature)."""
    for i, value in enumerate(values):
        put(predict_input_key(i), value)


def editor_edits() -> dict[str, Any] | None:
    """The data editor's pending edits, from its own widget state (None before any)."""
    return widget_values().get(editor_key())
