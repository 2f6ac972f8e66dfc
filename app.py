"""Entry point: page config and navigation. Each page lives in app_pages/ and does its own work."""

import streamlit as st

from ui import nav, share, state

st.set_page_config(
    page_title="NumPy Neural Network Playground",
    page_icon="🧠",
    layout="wide",
    initial_sidebar_state="expanded",
    menu_items={"About": "A from-scratch NumPy neural network you can train and watch learn."},
)
state.init_state()
share.open_link()  # a shared link's settings, on the session's first run

page = st.navigation(
    [
        st.Page(nav.DATA, title="Data", icon="📊", default=True),
        st.Page(nav.TRAIN, title="Train", icon="🏋️"),
        st.Page(nav.PREDICT, title="Predict", icon="🔮"),
        st.Page(nav.SHARE, title="Share & export", icon="🔗"),
        st.Page(nav.HOW_IT_WORKS, title="How it works", icon="📐"),
    ]
)
page.run()
share.sync_url()  # the address bar is always a permalink of the current set-up
