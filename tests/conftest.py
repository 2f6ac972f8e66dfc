"""What tests in more than one file share: one headless Chromium for the whole run
(tests/browser and tests/deploy), a plain dict standing in for a session's state, and the
AppTest helpers of the page tests (start the app, switch pages, read what a page shows).

Playwright's sync API allows one instance per thread: a second ``sync_playwright()`` while the
first is open fails, so every folder that drives a browser uses the ``browser`` fixture.

AppTest runs ``app.py`` once, then ``switch_page``; every ``at.run()`` executes app.py and then
the current page.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import numpy as np
import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.helpers import TIMEOUT_MS
from ui import state

# expect() waits as long as every other wait in the browser tests: its 5 s default failed on a
# machine busy with other work (the first frame of four Plotly charts took longer)
expect.set_options(timeout=TIMEOUT_MS)

APP = "../app.py"  # relative to the test files


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def ss(monkeypatch: pytest.MonkeyPatch) -> dict:
    """ui.state on a plain dict instead of st.session_state, initialised."""
    from ui import state

    store: dict = {}
    monkeypatch.setattr(state, "_ss", lambda: store)
    state.init_state()
    return store


def numeric_gradient(net: Any, X: np.ndarray, Y: np.ndarray, l1: float, l2: float,
                     h: float = 1e-6) -> np.ndarray:
    """The slope of ``net.objective`` in each parameter by central finite differences (the
    network's parameters are left as they were)."""
    p0 = net.get_params()
    num = np.zeros_like(p0)
    for i in range(p0.size):
        for sign in (1, -1):
            p = p0.copy()
            p[i] += sign * h
            net.set_params(p)
            num[i] += sign * net.objective(X, Y, l1, l2)
    net.set_params(p0)
    return num / (2 * h)


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


def session(at: AppTest) -> state.Session:
    """The app's session object in ``at`` (the same object the pages change)."""
    return at.session_state[state.KEY]


def go(at: AppTest, page: str) -> AppTest:
    """Switch to ``page`` (a path from ui.nav) and run."""
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def train_page(**session: Any) -> AppTest:
    """The app started with these session-state values, on the Train page."""
    from ui import nav

    return go(start(**session), nav.TRAIN)


def button(at: AppTest, key: str) -> Button:
    return at.button(key=key)


def points(trace: dict, axis: str) -> np.ndarray:
    """A trace's coordinates, whether sent as a list or as a Plotly typed array."""
    values = trace[axis]
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def shown(markdown: str) -> str:
    """What a markdown string shows: backslash escapes and invisible word joiners removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


@contextlib.contextmanager
def deferred_downloads() -> Iterator[dict[str, Callable[[], Any]]]:
    """The download buttons' callables by file name, as Streamlit registers them to call
    when a button is clicked (after the run: they must not read session state)."""
    made: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name,
                        **kwargs)

    with mock.patch.object(MediaFileManager, "add_deferred", record):
        yield made
