"""Waiting on the live app's page state, reading the Train page, taking screenshots."""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to $NN_SCREENSHOTS (relative to the repository root), or else under the
# system's temporary folder, so a test run leaves the working tree clean. The README's pictures
# are retaken on request: NN_SCREENSHOTS=docs/screenshots python -m pytest -m browser
SCREENSHOTS = ROOT / os.environ.get(
    "NN_SCREENSHOTS", Path(tempfile.gettempdir()) / "nn-playground-screenshots")
taken: list[Path] = []  # this run's screenshots (the summary at the end says where they are)
TIMEOUT_MS = 60_000


def wait_idle(pg: Page) -> None:
    """Wait until the app is connected and no script runs (after a short settling pause)."""
    pg.wait_for_timeout(300)
    pg.wait_for_selector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
        "[data-test-script-state='notRunning']",
        timeout=TIMEOUT_MS,
    )


def go_to(pg: Page, title: str) -> None:
    """Open a page by its link in the sidebar navigation."""
    pg.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    pg.wait_for_selector(f"h1:has-text('{title}')", timeout=TIMEOUT_MS)
    wait_idle(pg)


def assert_no_exception(pg: Page) -> None:
    assert pg.locator("[data-testid='stException']").count() == 0, \
        pg.locator("[data-testid='stException']").first.inner_text()
    assert "BidiComponent Error" not in pg.locator("[data-testid='stMain']").inner_text()


def epoch(pg: Page) -> int:
    """The number in the Train page's "Epoch N" counter ("Epoch N · P% of the next" inside
    an epoch)."""
    text = pg.locator(".st-key-nn_epoch h3").inner_text()
    match = re.fullmatch(r"Epoch (\d+)(?: · \d+% of the next)?", text.strip())
    assert match, f"unexpected epoch counter {text!r}"
    return int(match.group(1))


def wait_epoch(pg: Page, predicate, what: str, timeout_s: float = 60.0) -> int:
    """Poll the epoch counter until ``predicate(epoch)`` holds; return that epoch."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            n = epoch(pg)
            if predicate(n):
                return n
        except Exception as exc:  # the counter is being re-rendered
            n = exc
        if time.monotonic() > deadline:
            raise AssertionError(f"epoch counter never {what} (last: {n})")
        pg.wait_for_timeout(100)


def click(pg: Page, key: str) -> None:
    """Click the visible button of the widget with this key."""
    pg.locator(f".st-key-{key} button:visible").first.click()


def wait_drawn(pg: Page, n: int) -> None:
    """Wait until the live element has drawn the frame of epoch ``n``."""
    pg.wait_for_function(
        "n => { const r = document.querySelector('.nnl-root');"
        " return r && +r.dataset.epoch === n; }",
        arg=n,
    )


def open_blog_network(pg: Page, server: str) -> None:
    """Open the Train page on the blog's table (a permalink) and press "Use the blog's
    network"."""
    from urllib.parse import urlencode

    from nn_core.settings import RunSettings
    from ui import share

    query = urlencode(share.to_query(RunSettings(dataset="blog")), safe=",")
    pg.goto(f"{server}/train?{query}")
    wait_idle(pg)
    pg.get_by_text("Data: 7 rows, 3 inputs, binary.").wait_for()
    pg.get_by_role("button", name="Use the blog's network").click()
    wait_idle(pg)
    pg.get_by_text("Raw inputs (no scaling)").wait_for()


def live_stats(pg: Page) -> dict:
    """The live element's counters (frames drawn, mounts, errors) from the page."""
    return pg.evaluate("() => ({...(window.__nnLive || {})})")


def screenshot(pg: Page, name: str) -> None:
    """The page as shown, as ``SCREENSHOTS/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pg.wait_for_timeout(500)
    path = SCREENSHOTS / f"{name}.png"
    pg.screenshot(path=str(path))
    taken.append(path)
