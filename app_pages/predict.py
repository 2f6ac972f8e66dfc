"""Predict page: the trained network's answer for inputs typed in or uploaded as a CSV."""

import streamlit as st

from ui.session import actions, nav, store, widgets
from ui.views import predict
from ui.views.data import TASK_LABELS
from ui.views.text import plain

nav.start_page(
    "🔮 Predict",
    "Ask the trained network about new inputs: type them in, or upload a CSV file of many "
    "and download the answers.",
)
ds = actions.get_dataset()
trainer = store.session().trainer
with st.expander("Use a saved model (JSON)", expanded=False):
    predict.model_uploader()
loaded, loaded_name = (store.session().loaded_model or (None, ""))
trained = trainer is not None and trainer.epoch > 0
if loaded is not None and trained:
    source = st.segmented_control("Predict with", predict.SOURCES, default=predict.SOURCES[1],
                                  key=widgets.W_PREDICT_SOURCE) or predict.SOURCES[1]
    use_loaded = source == predict.SOURCES[1]
else:
    use_loaded = loaded is not None
if use_loaded:
    st.caption(predict.loaded_line(loaded, loaded_name))
    model_ds = predict.model_dataset(loaded)
    predict.single_prediction(loaded, model_ds)
    st.divider()
    predict.batch_section(loaded, model_ds)
    st.stop()
if not trained:
    st.info(
        "No trained model yet. Train the network on the Train page, then come back (the "
        "trained network stays in your session), or load a saved model file above.",
        icon="🏋️",
    )
    st.page_link(nav.TRAIN, label="Go to Train", icon="🏋️")
    st.stop()

st.caption(f"{predict.model_line(trainer)} · {TASK_LABELS[ds.task]} of {plain(ds.target_name, 40)}")
predict.single_prediction(trainer, ds)
st.divider()
predict.batch_section(trainer, ds)
