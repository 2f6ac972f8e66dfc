"""What one server process shares between its sessions: the training scheduler, the operator's
counters, and the one module that reads Streamlit's internals."""
