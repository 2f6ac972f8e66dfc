"""The Streamlit side of the playground: session state, page helpers and figure builders."""
