"""Train page: the network's settings, Play/Pause/Step/Reset, and the live charts."""

import streamlit as st

from ui.session import actions, store
from ui.views import train_live

actions.init_state()
st.title("🏋️ Train")
with st.container():  # a fixed slot: messages come and go without moving the live charts
    actions.show_messages()
running = store.session().running
trainer = store.session().trainer
failed = trainer is not None and trainer.diverged

with st.container(key="train_layout"):  # the narrow-screen order: ui/live/page.css
    left, right = st.columns([1.15, 3], gap="medium")
with right:  # Play/Pause first, before the page turn: a Pause's page shows Play at once
    c_buttons, c_speed = st.columns(2, vertical_alignment="bottom")
    train_live.play_buttons(c_buttons, running, failed)

# The rest is built one session at a time in this process; the live panel, which trains, comes
# after the turn.
live = train_live.in_page_turn(left, right, c_speed, trainer, running)
with right:  # the live panel trains outside the page turn
    train_live.live_section(live, trainer, running)
