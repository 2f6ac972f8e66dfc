"""Share & export: the permalink, a classroom link builder, and every download."""

import streamlit as st

from ui.session import actions, store
from ui.views import share

st.title("🔗 Share & export")
actions.show_messages()
settings = store.session().settings
dataset = actions.get_dataset()
trainer = store.session().trainer
share.links(settings)
share.downloads(settings, dataset, trainer)
