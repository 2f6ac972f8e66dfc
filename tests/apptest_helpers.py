"""Starting the app in AppTest and switching pages, for the page tests."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

APP = "../app.py"  # relative to the test files


def start(query: dict[str, str] | None = None, **session) -> AppTest:
    """Run app.py once, with URL query parameters and session-state values set beforehand."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def go(at: AppTest, page: str) -> AppTest:
    """Switch to ``page`` (a path from ui.nav) and run."""
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at
