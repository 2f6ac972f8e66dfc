"""Inside the network: gradient flow, the loss landscape, the hidden space, a rate finder.

Its own page (not under the Train page's charts): each view is computed on a paused network
(leaving the Train page pauses), so the live page's frames cost nothing more, and on a phone
each view gets the whole width.
"""

import streamlit as st

from ui.session import actions, nav, store, widgets
from ui.views import inside, scrubber

nav.start_page("🔬 Inside the network",
               "Four views no playground shows, computed from your own network: how strongly "
               "each layer learns, the loss around its weights, what a hidden layer does to the "
               "data, and which learning rate to choose. They follow the Train page's scrubber.")
trainer = store.session().trainer
if trainer is None:
    st.info("Nothing is trained yet: press Play or Step on the Train page, then come back.")
    st.page_link(nav.TRAIN, label="Go to Train", icon="🏋️")
    st.stop()

look_back = scrubber.look_back(trainer, False)
if trainer.epoch > 0:
    renew = actions.look_back_ends(int(trainer.epoch))  # a new "now": a new slider
    st.slider("Epoch", 0, int(trainer.epoch), step=1, **widgets.view_widget("scrub_epoch", renew),
              help="The Train page's scrubber: every view shows the network as it was at that "
              "epoch (rebuilt exactly between kept snapshots).")
    look_back = scrubber.look_back(trainer, False)
    wanted = store.session().views.scrub_epoch
    if look_back is not None and look_back != wanted:
        st.caption(scrubber.kept_caption(trainer, wanted))
shown = trainer if look_back is None else trainer.at_epoch(look_back)
st.caption(f"The network at epoch {shown.epoch}" + (" (now)." if look_back is None else
                                                     f" (now: {trainer.epoch})."))

inside.sections(trainer, shown)
