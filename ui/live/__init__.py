"""The Train page's live element: its controls (:mod:`.controls`), the ticking panel that
trains and sends frames (:mod:`.panel`; Streamlit's internals are read in
:mod:`ui.server.runtime`), the frame contract (:mod:`.protocol`), the frames (:mod:`.view`) and one
module per chart (:mod:`.surface`, :mod:`.network`, :mod:`.loss`, :mod:`.weights`,
:mod:`.slopes`), each beside the ``.js`` file that draws it."""
