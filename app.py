"""Entry point: page config and navigation. Each page lives in app_pages/ and does its own work."""

import os

# One BLAS thread: the playground's networks are small, where more threads only compete.
# numpy is not loaded yet when the first run starts, so this holds.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import streamlit as st  # noqa: E402

from ui.live import controls  # noqa: E402
from ui.session import actions, nav, reconnect, share, store  # noqa: E402
from ui.views import a11y, preload  # noqa: E402

st.set_page_config(
    page_title="NumPy Neural Network Playground",
    page_icon="🧠",
    layout="wide",
    initial_sidebar_state="auto",
    menu_items={"About": "A from-scratch NumPy neural network you can train and watch learn."},
)
actions.init_state()
share.open_link()  # a shared link's settings, on the session's first run
reconnect.lost_session_notice()  # the page outlived its server process
a11y.page_support()  # code colours and wide formulas for keyboard users (ui/views/a11y.py)

page = st.navigation(
    [
        st.Page(nav.DATA, title="Data", icon="📊", default=True),
        st.Page(nav.TRAIN, title="Train", icon="🏋️"),
        st.Page(nav.INSIDE, title="Inside the network", icon="🔬"),
        st.Page(nav.PREDICT, title="Predict", icon="🔮"),
        st.Page(nav.SHARE, title="Share & export", icon="🔗"),
        st.Page(nav.HOW_IT_WORKS, title="How it works", icon="📐"),
    ]
)
if page.url_path != "train":
    controls.leave_training()  # leaving the Train page pauses: coming back shows Play, not a run
if page.url_path != "predict":
    store.session().forget("prediction")  # a predicted table (~50 MB at 20,000 rows) is not kept
page.run()
share.sync_url()  # the address bar is always a permalink of the current set-up
preload.warm_browser()  # the other pages' element code, fetched while the browser is idle
