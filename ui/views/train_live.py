"""The Train page's live side: Play/Pause/Step/Reset, the settings column and the view choices
(built in the page turn), then the live panel, the scrubber, the charts' tables and the paused
network's quality below it."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from nn_core.data.dataset import Dataset
from nn_core.settings import RunSettings
from nn_core.training.evaluate import Quality
from nn_core.training.trainer import Trainer
from ui.live import controls, panel
from ui.live.surface import held_caption, surface_axes
from ui.live.view import ViewOptions
from ui.server import scheduler
from ui.session import actions, store, widgets
from ui.session.choices import SPEEDS
from ui.views import chart_tables, quality, runs, scrubber, train_controls
from ui.views.text import plain, widget_text


@dataclass(frozen=True)
class Live:
    """What the live panel and the parts below it need, settled in the page turn."""

    options: ViewOptions
    speed: int | str
    look_back: int | None
    measured: tuple[Trainer, dict[str, Quality]] | None  # paused_quality(); None while playing
    ds: Dataset


def play_buttons(column: DeltaGenerator, running: bool, failed: bool) -> None:
    """Play (or Pause), Step and Reset in one row, on a phone too."""
    # a horizontal container: Play, Step and Reset stay in one row on a phone too
    with column.container(horizontal=True, key="train_buttons"):
        if running:
            st.button("⏸ Pause", key=widgets.W_PAUSE, on_click=controls.on_pause, width="stretch",
                      type="primary")
        else:
            st.button("▶ Play", key=widgets.W_PLAY, on_click=controls.on_play, width="stretch",
                      type="primary", disabled=failed)
        st.button("Step", key=widgets.W_STEP, on_click=controls.on_step, width="stretch",
                  disabled=running or failed, help="Train one epoch.")
        st.button("Reset", key=widgets.W_RESET, on_click=controls.on_reset, width="stretch",
                  help="New weights from the seed; data and settings stay.")


def settings_column(ds: Dataset, settings: RunSettings) -> None:
    """The left column: the data in one line, the presets, and the settings' expanders (as a
    classroom link allows), then the scaling hint."""
    st.caption(f"Data: {ds.n_samples} rows, {ds.n_features} inputs, {ds.task}.")
    if not store.session().locked:  # presets would change what a classroom link fixes
        st.button("Use the blog's network", on_click=train_controls.use_blog_setup,
                  width="stretch", help="2 sigmoid hidden units, no biases, squared error, one "
                  "row at a time, raw inputs: watch why it predicts about 0.5 for everyone.")
        st.button("Back to the playground's defaults",
                  on_click=train_controls.use_playground_defaults, width="stretch")
    if actions.shown("network"):
        with st.expander("Network", expanded=True):
            train_controls.architecture(ds.n_features)
    if actions.shown("training"):
        with st.expander("Training", expanded=True):
            train_controls.optimisation(ds.n_samples)
    if actions.shown("stop"):
        with st.expander("Stop", expanded=False):
            train_controls.stopping()
    if store.session().locked:
        st.caption("This classroom link fixes some settings; the charts show every number.")
    train_controls.show_scaling_hint(settings, float(abs(ds.X).max(initial=0.0)))


def view_choices(ds: Dataset, speed_column: DeltaGenerator, trainer: Trainer | None,
                 running: bool, plotly_ready: bool) -> Live:
    """The speed and the view choices above the live charts; what the live panel will draw."""
    views = store.session().views.fit(ds.n_features)
    if actions.shown("speed"):
        speed_column.select_slider("Speed (epochs per frame)", SPEEDS,
                                   **widgets.view_widget("speed"),
                                   help="Epochs trained between two frames. max: as fast as "
                                   "this server allows, in this run's own turns (the other "
                                   "runs keep theirs).")

    names = list(range(ds.n_features))
    view = st.container(key="train_view")
    v1, v2, v3, v4 = view.columns([2, 2, 1, 1], vertical_alignment="bottom")
    if actions.shown("surface_x"):
        v1.selectbox("Surface: horizontal input", names, **widgets.view_widget("surface_x"),
                     format_func=lambda i: widget_text(ds.feature_names[i]))
    if actions.shown("surface_y"):
        v2.selectbox("Surface: vertical input", names, **widgets.view_widget("surface_y"),
                     format_func=lambda i: widget_text(ds.feature_names[i]),
                     disabled=ds.n_features < 2)
    if actions.shown("discretise"):
        v3.checkbox("Discretise", **widgets.view_widget("discretise"))
    if actions.shown("log_loss"):
        v4.checkbox("Log loss", **widgets.view_widget("log_loss"))
    ix, iy = surface_axes(ds.n_features, views.surface_x, views.surface_y)
    held = train_controls.held_inputs(ds, ix, iy)
    if held:
        view.caption(plain(held_caption(ds.feature_names, ds.X, ix, iy, dict(held)), 600))
    with st.container():
        if not plotly_ready:
            st.warning("The live charts need ./static/plotly.min.js, which could not be "
                       "written.")
    # paused: the "How good is it" measures of this epoch's network (never while playing)
    measured = None if running else quality.paused_quality()
    # the epoch looked back to; the scrubber's slider and buttons go below the live element,
    # so pausing (which shows them) never moves the charts
    look_back = scrubber.look_back(trainer, running)
    options = ViewOptions(
        surface_x=views.surface_x,
        surface_y=views.surface_y,
        discretise=views.discretise,
        log_loss=views.log_loss,
        held=held,
        # the rings mark the wrong rows of the current weights only
        marked=() if look_back is not None
        else quality.surface_marks(measured and measured[1], running),
    )
    controls.failed_run_notice()
    return Live(options, views.speed, look_back, measured, ds)


def in_page_turn(left: DeltaGenerator, right: DeltaGenerator, speed_column: DeltaGenerator,
                 trainer: Trainer | None, running: bool) -> Live:
    """Everything but the live panel, built one session at a time in this process (a class
    pressing Pause at once: ui/server/scheduler.page_turn): Compare runs below both columns,
    the settings on the left, the view choices on the right."""
    with scheduler.page_turn():
        plotly_ready = panel.ensure_plotly_js()
        ds = actions.get_dataset()
        settings = store.session().settings
        with st.container():  # below both columns; drawn now, before the live panel trains
            runs.compare_runs()
        with left:
            settings_column(ds, settings)
        # The live panel comes last in the script: while playing, a full run ends with a tick's
        # training. On a narrow screen ui/live/page.css shows this column first (Play and the
        # surface on the first screen) and the view options after the live charts.
        with right:
            return view_choices(ds, speed_column, trainer, running, plotly_ready)


def live_section(live: Live, trainer: Trainer | None, running: bool) -> None:
    """The live panel (which trains, outside the page turn), the scrubber below it, the charts'
    numbers as tables while paused, and the paused network's quality."""
    panel.live_panel(live.options, live.speed, live.look_back)
    with st.container(key="train_scrubber"):  # a fixed slot below the charts
        scrubber.controls(trainer, running)
    if not running:  # the charts' numbers as tables, for a screen reader (and anyone)
        chart_tables.section(store.session().trainer, live.look_back)
    if live.measured is not None:
        with st.container(key="train_quality"), scheduler.page_turn():
            quality.train_section(*live.measured, live.ds)
