"""The Train page's live element: its controls (:mod:`.controls`), the ticking panel that
trains and sends frames (:mod:`.panel`), and the one module that reads Streamlit's internals
(:mod:`.runtime`)."""
