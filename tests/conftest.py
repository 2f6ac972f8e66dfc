"""One headless Chromium for the whole run, shared by tests/browser and tests/deploy.

Playwright's sync API allows one instance per thread: a second ``sync_playwright()`` while the
first is open fails, so every folder that drives a browser uses this fixture.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
