"""Tell a visitor whose session was lost while the page stayed open.

A session lives in one server process's memory. When that process dies (a replica behind
``deploy/``'s front, or a restarted server), the open page reconnects to a process that does
not know its session, and Streamlit quietly starts a new one: what the visitor uploaded or
trained is gone while the page still shows the old widgets. A reconnecting page names its old
session in the websocket's ``Sec-WebSocket-Protocol`` header (``streamlit, <xsrf token>,
<session id>``); when a session starts under another id, every run of it says so until the
visitor reloads the page (a reload names no old session). Streamlit does not rerun an idle
page after it reconnects, so a small element watches the page's connection state and asks for
one run when the page is connected again.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.session import actions, store, widgets

# Asks for one run after the page's connection came back (a new session then runs app.py).
_WATCH_JS = """
export default function ({ setTriggerValue }) {
  window.__nnReconnect = setTriggerValue;
  if (window.__nnReconnectWatch) return;
  window.__nnReconnectWatch = true;
  let lost = false;
  const check = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.dataset.testConnectionState !== "CONNECTED") lost = true;
    else if (lost) { lost = false; window.__nnReconnect("reconnected", Date.now()); }
  };
  new MutationObserver(check).observe(document.body, {
    subtree: true, attributes: true, attributeFilter: ["data-test-connection-state"] });
}
"""
_watch = None
LOST = ("Connection lost: the server that held this page stopped, and your data, network "
        "and training went with it. Reload the page to start again.")


def lost_session(protocol_header: str | None, session_id: str) -> bool:
    """Whether a websocket that asked to resume a session (its header's third entry) got
    another one, ``session_id``."""
    entries = [e.strip() for e in (protocol_header or "").split(",")]
    return len(entries) >= 3 and bool(entries[2]) and entries[2] != session_id


def lost_session_notice() -> None:
    """On a session's first run, note whether it replaces a lost one; on every run of such a
    session, say so."""
    if store.session().session_lost is None:
        ctx = get_script_run_ctx()
        lost = ctx is not None and lost_session(
            st.context.headers.get("Sec-WebSocket-Protocol"), ctx.session_id)
        actions.set_session_lost(lost)
    if store.session().session_lost:
        st.error(LOST, icon="🔌")
    _watch_connection()


def _rerun() -> None:
    """Nothing to do: the trigger's run is what the page needed."""


def _watch_connection() -> None:
    global _watch
    if _watch is None:
        _watch = st.components.v2.component("nn_reconnect_watch", js=_WATCH_JS)
    with st.sidebar:  # an empty element still takes a gap: not above the page's title
        _watch(key=widgets.W_RECONNECT_WATCH, on_reconnected_change=_rerun, height=0)
