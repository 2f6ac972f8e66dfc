"""The Train page's "Show the charts as tables" (while paused): the live charts' numbers in
tables a screen reader can read (ui/live/tables.py builds them)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from nn_core.errors import PlaygroundError
from ui.live import tables
from ui.session import store


def section(trainer: Any, look_back: int | None) -> None:
    """A closed expander with the loss history, the surface's classes and every weight
    matrix, of the epoch the charts show."""
    view = store.session().peek("live_view")
    if trainer is None or view is None:
        return
    shown = trainer
    if look_back is not None:
        try:
            shown = trainer.at_epoch(look_back)
        except PlaygroundError:
            return
    with st.expander(f"Show the charts as tables (epoch {shown.epoch})", expanded=False):
        st.markdown("**Decision surface**: the class the network predicts at each point of "
                    "its grid" if trainer.dataset.task != "regression"
                    else "**Decision surface**: the network's output over its grid")
        st.table(tables.surface_table(view, shown))
        st.markdown("**Loss and " + ("R²" if trainer.metric_name == "r2" else "accuracy")
                    + "** by epoch (the points the chart draws)")
        st.dataframe(tables.loss_table(shown.history, trainer.metric_name),
                     hide_index=True, width="stretch", height=240)
        st.markdown("**Weights** per layer (rows: from, the bias last; columns: to)")
        for title, table in tables.weight_tables(shown, view.names):
            st.caption(title)
            st.dataframe(table, width="stretch")
