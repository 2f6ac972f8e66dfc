"""A browser session's state and what changes it: the store, widget binding, actions, share
links, reconnects and page paths."""
