"""The Share & export page's parts: the permalink, the classroom link builder, and every
download (made in the page's run: a download's callable must not read the session)."""

from __future__ import annotations

import streamlit as st

from nn_core.data.builtin import BUILTIN
from nn_core.data.dataset import Dataset
from nn_core.errors import PlaygroundError
from nn_core.io.bundle import write_bundle
from nn_core.io.export import dataset_csv, history_csv, script_for
from nn_core.io.notebook import notebook_for, refusal
from nn_core.io.serialize import model_to_json
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from ui.session import actions, link_codec, locks, nav, store, widgets
from ui.views.text import plain


def links(settings: RunSettings) -> None:
    """The link to this set-up (the address bar's), and a classroom link hiding chosen
    controls; a warning when the data is a table no link carries."""
    uploaded = settings.dataset not in BUILTIN

    st.header("Link to this set-up")
    st.caption("The address bar always holds this link. Opening it reproduces the same data "
               "choice, the same settings and the same initial weights (the epoch-0 loss is "
               "identical). A link carries settings only, never data.")
    target_page = st.segmented_control(
        "The link opens", list(link_codec.PAGE_SLUGS), default="Train", key=widgets.W_LINK_PAGE)
    url = link_codec.page_url(st.context.url or "",
                              link_codec.PAGE_SLUGS.get(target_page or "Train", ""))
    views = store.session().views.linked_values()
    st.code(link_codec.classroom_link(url, settings, views), language=None, wrap_lines=True)
    if uploaded:
        st.warning("This run uses an uploaded or edited table, which a link never carries: "
                   "whoever opens it gets the default dataset. Share the run bundle below "
                   "instead; the Data page loads it.")

    st.header("Classroom link")
    st.caption("Hide controls your students should not change. They still see every chart and "
               "every number of the run.")
    choices = locks.hide_order(link_codec.LOCKABLE)
    locked = st.multiselect("Hide", choices, format_func=locks.hide_label,
                            key=widgets.W_LINK_HIDE,
                            placeholder="Type a control's name (e.g. learning rate) or a section")
    st.code(link_codec.classroom_link(url, settings, views, locked), language=None, wrap_lines=True)


def downloads(settings: RunSettings, dataset: Dataset, trainer: Trainer | None) -> None:
    """Every download: the data, the run bundle, and (once there is a network) the model, its
    script, the training history and a notebook."""
    st.header("Downloads")
    c1, c2, c3 = st.columns(3)
    c1.download_button("Dataset (CSV)", lambda: dataset_csv(dataset), file_name="dataset.csv",
                       mime="text/csv", width="stretch", on_click="ignore",
                       help="The current data: features, then the target.")
    # Made here, in the run: a download's callable runs in a later request, without this
    # session's state, so it must not read the session (the bundle's used to, and never
    # downloaded).
    try:
        runs = actions.runs_for_bundle()
        here = store.session()
        bundle, runs_left_out = write_bundle(settings, here.csv_bytes, here.csv_name, runs)
        bundle_error = ""
    except PlaygroundError as exc:
        bundle, bundle_error, runs, runs_left_out = None, str(exc), [], 0
    c2.download_button("Run bundle (settings + data)", bundle or "", disabled=bundle is None,
                       file_name="run-bundle.json", mime="application/json", width="stretch",
                       on_click="ignore",
                       help="One file with the settings, the data and the runs kept to "
                       "compare; the Data page loads it.")
    if bundle and runs:
        carried = len(runs) - runs_left_out
        st.caption(f"The run bundle carries {carried} run{'s' * (carried != 1)} to compare "
                   "(Train → Compare runs)"
                   + (f"; the {runs_left_out} oldest did not fit in the size limit."
                      if runs_left_out else "."))
    if bundle_error:
        st.error(f"No run bundle: {plain(bundle_error, 300)}.", icon="⚠️")
    if trainer is None:
        c3.download_button("Trained model (JSON)", "", disabled=True, width="stretch")
        st.info("Nothing is trained yet: the model, its script and the training history appear "
                "here once the network has been trained.")
        st.page_link(nav.TRAIN, label="Go to Train", icon="🏋️")
    else:
        untrained = trainer.epoch == 0
        suffix = "-untrained" if untrained else ""
        c3.download_button("Trained model (JSON)" if not untrained else "Untrained model (JSON)",
                           lambda: model_to_json(trainer),
                           file_name=f"model{suffix}.json", mime="application/json",
                           width="stretch", on_click="ignore",
                           help="Settings, weights and preprocessing; the Predict page loads it.")
        c4, c5, _ = st.columns(3)
        script_name = f"model{suffix}.py"
        c4.download_button("Standalone Python script", lambda: script_for(trainer, script_name),
                           file_name=script_name, mime="text/x-python", width="stretch",
                           on_click="ignore",
                           help="numpy only, in the blog's style, with the weights inside: "
                           f"python {script_name} inputs.csv")
        c5.download_button("Training history (CSV)", lambda: history_csv(trainer.history),
                           file_name="history.csv", mime="text/csv", width="stretch",
                           on_click="ignore", help="Loss and metric per recorded epoch.")
        c6, _, _ = st.columns(3)
        why_not = refusal(trainer)
        c6.download_button("Jupyter notebook (.ipynb)",
                           (lambda: notebook_for(trainer)) if why_not is None else "",
                           file_name=f"run{suffix}.ipynb", mime="application/x-ipynb+json",
                           width="stretch", on_click="ignore", disabled=why_not is not None,
                           help="The data, the script's NumPy network, the training loop with "
                           "this run's settings from its first weights, and Plotly charts of its "
                           "loss and predictions: run it top to bottom in Jupyter.")
        if why_not is not None:
            st.caption(f"No notebook: {why_not}.")
        if untrained:
            st.warning("The network is untrained (epoch 0): the model and the script hold its "
                       "initial random weights. Train it on the Train page first to download what "
                       "it learnt.", icon="⚠️")
        else:
            held = (f" (early stopping's best; the run stopped at epoch {trainer.epoch})"
                    if trainer.held_epoch != trainer.epoch else "")
            st.caption(f"The trained network: epoch {trainer.held_epoch}{held}, "
                       f"{trainer.network.params.size} parameters.")
