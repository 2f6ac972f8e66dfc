"""Data page: choose a built-in dataset, upload a CSV or edit rows; see the data as a scatter."""

import streamlit as st

from ui.session import actions, nav, store
from ui.views import data

nav.start_page(
    "📊 Data",
    "Choose what the network learns from: a built-in dataset, your own CSV file, or rows you "
    "edit by hand. The Train and Predict pages use the data chosen here.",
)
settings = store.session().settings
ds = actions.get_dataset()

controls, view = st.columns([5, 7], gap="large")
with controls:
    data.controls(settings, ds)
with view:
    data.data_section(settings, ds)
