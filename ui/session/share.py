"""The Streamlit side of share links: read this page's link once, keep the address bar a
permalink, and notice a link Streamlit dropped. The codec itself is :mod:`ui.session.link_codec`.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import streamlit as st

from nn_core.errors import PlaygroundError
from ui.session import actions, store, widgets
from ui.session.link_codec import KNOWN, MAX_PARAMS, from_query, link_params_for, parse_locked


def current_params() -> dict[str, list[str]]:
    """This page's query parameters for :func:`from_query`: every known name, plus the first
    :data:`MAX_PARAMS` others (so a huge URL costs little)."""
    qp = st.query_params
    names = [n for n in KNOWN if n in qp]
    names += [n for n in islice(qp, MAX_PARAMS) if n not in names]
    return {n: qp.get_all(n) for n in names}


# Streamlit ignores a whole query string past these limits (runtime/state/query_params.py in
# 1.67) and says so only in the server log: the page sees no parameters at all.
try:
    from streamlit.runtime.state.query_params import (
        CLIENT_STATE_QUERY_STRING_MAX_FIELDS as STREAMLIT_MAX_FIELDS,
    )
    from streamlit.runtime.state.query_params import (
        CLIENT_STATE_QUERY_STRING_MAX_LENGTH as STREAMLIT_MAX_CHARS,
    )
except ImportError:  # pragma: no cover - another Streamlit version
    STREAMLIT_MAX_FIELDS, STREAMLIT_MAX_CHARS = 1000, 512 * 1024

# Trusted code, no user text: reads the address bar once and reports a query string that
# Streamlit dropped (counted as Streamlit counts it: one more field than "&" signs).
_PROBE_JS = """
export default function ({ data, setTriggerValue }) {
  const query = window.location.search.replace(/^\\?/, "");
  const fields = query ? query.split("&").length : 0;
  if (fields > data.max_fields || query.length > data.max_chars) {
    setTriggerValue("dropped", { fields: fields, chars: query.length });
  }
}
"""
_probe = None


def dropped_link_notice(fields: int, chars: int) -> str | None:
    """What to tell a visitor whose link Streamlit ignored (None if it was within its limits)."""
    if fields > STREAMLIT_MAX_FIELDS:
        what = f"has {fields:,} parameters, more than the {STREAMLIT_MAX_FIELDS:,}"
    elif chars > STREAMLIT_MAX_CHARS:
        what = f"is {chars:,} characters long, more than the {STREAMLIT_MAX_CHARS:,}"
    else:
        return None
    return (f"This link {what} the app can read, so none of its settings were used: "
            "showing the defaults.")


def _on_dropped_link(report: Any) -> None:
    dropped = getattr(report, "dropped", None) if report is not None else None
    if isinstance(dropped, dict):
        notice = dropped_link_notice(int(dropped.get("fields") or 0),
                                     int(dropped.get("chars") or 0))
        if notice:
            actions.push_notice(notice)


def _probe_address_bar() -> None:
    """Mount the probe that tells the page when Streamlit dropped the link's query string."""

    global _probe
    if _probe is None:
        _probe = st.components.v2.component("nn_link_probe", js=_PROBE_JS)
    with st.sidebar:  # an empty element still takes a gap: not above the page's title
        _probe(key=widgets.W_LINK_PROBE, data={"max_fields": STREAMLIT_MAX_FIELDS,
                                             "max_chars": STREAMLIT_MAX_CHARS},
               on_dropped_change=widgets.on_value(widgets.W_LINK_PROBE, _on_dropped_link),
               height=0)


def open_link() -> None:
    """On a session's first run, take settings, view choices and locked controls from the URL.

    Each bad parameter becomes a notice (plain text) and falls back to its default. A query
    string Streamlit ignored (too many parameters, too long) reaches the page empty: a probe
    in the browser reports it and the next run says so.
    """
    if not actions.take_link():
        return
    params = current_params()
    if not params:
        _probe_address_bar()
        return
    settings, view, notices = from_query(params)
    try:
        actions.set_settings(settings)
    except PlaygroundError as exc:  # e.g. data settings that cannot load: keep the defaults
        notices.append(f"The link's settings could not be used ({exc}); using the defaults.")
    # after the link's settings: they are what the lock keeps from now on
    actions.set_locked(parse_locked(params))  # its problems are among the notices already
    actions.set_view_choices(view)
    for notice in notices:
        actions.push_notice(notice)


def link_params() -> dict[str, str]:
    """The query parameters that reproduce this session's set-up (its permalink)."""
    s = store.session()
    return link_params_for(s.settings, s.views.linked_values(), s.locked)


def sync_url() -> None:
    """Keep the address bar a permalink: write the current set-up into the query parameters."""
    params = link_params()
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
