"""Fixtures shared across folders: one headless Chromium for the whole run (tests/browser and
tests/deploy), and a plain dict standing in for a session's state.

Playwright's sync API allows one instance per thread: a second ``sync_playwright()`` while the
first is open fails, so every folder that drives a browser uses this fixture.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.helpers import TIMEOUT_MS

# expect() waits as long as every other wait in the browser tests: its 5 s default failed on a
# machine busy with other work (the first frame of four Plotly charts took longer)
expect.set_options(timeout=TIMEOUT_MS)


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
