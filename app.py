"""Entry point: page config and navigation. Each page lives in pages/ and does its own work."""

import streamlit as st

from ui import state

st.set_page_config(
    page_title="NumPy Neural Network Playground",
    page_icon="🧠",
    layout="wide",
    initial_sidebar_state="expanded",
    menu_items={"About": "A from-scratch NumPy neural network you can train and watch learn."},
)
state.init_state()

page = st.navigation(
    [
        st.Page("pages/data.py", title="Data", icon="📊", default=True),
        st.Page("pages/train.py", title="Train", icon="🏋️"),
        st.Page("pages/predict.py", title="Predict", icon="🔮"),
        st.Page("pages/how_it_works.py", title="How it works", icon="📐"),
    ]
)
page.run()
