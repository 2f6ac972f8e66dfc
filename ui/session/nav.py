"""Paths of the app's pages, as ``st.navigation`` registers them (for page links and switches),
and what every page shows first."""

import streamlit as st

from ui.session import actions

DATA = "app_pages/data.py"
TRAIN = "app_pages/train.py"
PREDICT = "app_pages/predict.py"
HOW_IT_WORKS = "app_pages/how_it_works.py"
SHARE = "app_pages/share.py"
INSIDE = "app_pages/inside.py"


def start_page(title: str, caption: str) -> None:
    """A page's start: the session's state made ready, the title, the caption and the messages
    waiting to be shown."""
    actions.init_state()
    st.title(title)
    st.caption(caption)
    actions.show_messages()
