"""The Train page's live element: its controls (:mod:`.controls`), the ticking panel that
trains and sends frames (:mod:`.panel`), the one module that reads Streamlit's internals
(:mod:`.runtime`), the frame contract (:mod:`.protocol`), the frames (:mod:`.view`) and one
module per chart (:mod:`.surface`, :mod:`.network`, :mod:`.loss`, :mod:`.weights`,
:mod:`.slopes`), each beside the ``.js`` file that draws it."""
