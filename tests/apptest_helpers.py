"""Starting the app in AppTest and switching pages, for the page tests."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from ui import state

APP = "../app.py"  # relative to the test files


def start(query: dict[str, str] | None = None, **fields: Any) -> AppTest:
    """Run app.py once, with URL query parameters and a session made of ``fields`` (of
    :class:`ui.state.Session`) beforehand."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if fields:
        at.session_state[state.KEY] = state.Session(**fields)
    at.run()
    assert not at.exception, at.exception
    return at


def go(at: AppTest, page: str) -> AppTest:
    """Switch to ``page`` (a path from ui.nav) and run."""
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def session(at: AppTest) -> state.Session:
    """The app's session object in ``at`` (the same object the pages change)."""
    return at.session_state[state.KEY]
