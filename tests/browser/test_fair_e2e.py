"""Sharing the server, in headless Chromium: Pause inside a long epoch, a hidden tab pausing,
and the queue of a server capped at one training session, freed by a closed tab."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from nn_core.settings import RunSettings
from tests.browser.conftest import open_page, serve
from tests.browser.helpers import (
    TIMEOUT_MS,
    click,
    epoch,
    live_stats,
    permalink,
    wait_epoch,
    wait_idle,
    wait_server_still,
)
from ui.live import panel as live
from ui.server import scheduler

# The deepest network the settings allow, one Adam step per row of the largest built-in set:
# one epoch is thousands of steps, far longer than a frame (narrow layers keep the browser's
# drawing light, so the frames it counts are those the server sends, not a backlog).
HEAVY = RunSettings(dataset="moons", n_samples=5000, hidden=(32,) * 6, batch_size=1,
                    optimizer="adam")
HEADING = ".st-key-nn_epoch h2"
# the live element's count of frames drawn when the next click reaches the page
COUNT_AT_CLICK = """() => document.addEventListener("click", () => {
    window.__framesAtClick = (window.__nnLive || {}).frames;
}, {capture: true, once: true})"""


def _train_url(server: str, settings: RunSettings) -> str:
    return server + permalink(settings)


def test_pause_inside_a_long_epoch_acts_within_one_tick(browser: Browser, server: str,
                                                        request: pytest.FixtureRequest,
                                                        tmp_path: Path):
    with open_page(browser, _train_url(server, HEAVY), request, tmp_path) as pg:
        pg.wait_for_selector(HEADING)
        click(pg, "train_play")
        # frames come while the first epochs are in progress, cut at mini-batch boundaries
        expect(pg.locator(HEADING)).to_have_text(re.compile(r"Epoch \d+ · \d+% of the next"),
                                                 timeout=TIMEOUT_MS)
        pg.evaluate(COUNT_AT_CLICK)
        click(pg, "train_pause")
        pg.wait_for_selector(".st-key-train_play button", timeout=2 * TIMEOUT_MS)
        wait_idle(pg)
        # at most the frames already sent and those of the tick in flight, then the paused one
        drawn = pg.evaluate("() => window.__framesAtClick")
        assert live_stats(pg)["frames"] - drawn <= 2 * live.FRAMES_PER_TICK + 1
        paused = pg.locator(HEADING).inner_text()
        # mostly inside an epoch; a fast machine may have just ended one when the click came
        match = re.fullmatch(r"Epoch (\d+)(?: · \d+% of the next)?", paused)
        assert match, paused
        # nothing trains after Pause: the server's counters say so (no tick since the paused
        # one), and the page still shows the paused epoch
        assert wait_server_still(server)["epoch"] == int(match.group(1))
        assert pg.locator(HEADING).inner_text() == paused
        click(pg, "train_step")  # Step ends the epoch in progress (or trains one)
        expect(pg.locator(HEADING)).to_have_text(f"Epoch {int(match.group(1)) + 1}",
                                                 timeout=TIMEOUT_MS)


def test_a_hidden_tab_pauses_and_says_why(tab: Page, server: str):
    page = tab  # opens the Train page by its address first
    page.goto(_train_url(server, RunSettings()))
    wait_idle(page)
    click(page, "train_play")
    wait_epoch(page, lambda e: e >= 5, "reached 5")
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {value: true, configurable: true});
        Object.defineProperty(document, "visibilityState", {value: "hidden",
                                                            configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    expect(page.get_by_text("Paused because this tab was hidden")).to_be_visible()
    page.wait_for_selector(".st-key-train_play button")
    wait_idle(page)
    paused = epoch(page)
    assert wait_server_still(server)["epoch"] == paused  # the server trains no more
    assert epoch(page) == paused


@pytest.fixture(scope="module")
def capped_server(tmp_path_factory: pytest.TempPathFactory):
    """A server that lets one session train at a time."""
    with serve(tmp_path_factory.mktemp("capped"), {scheduler.CAP_ENV: "1"}) as url:
        yield url


def test_beyond_the_cap_play_queues_and_a_closed_tab_frees_the_slot(
        browser: Browser, capped_server: str, request: pytest.FixtureRequest, tmp_path: Path):
    url = _train_url(capped_server, RunSettings())
    with open_page(browser, url, request, tmp_path) as second, \
            open_page(browser, url, request, tmp_path) as first:  # two tabs: two sessions
        click(first, "train_play")
        wait_epoch(first, lambda e: e >= 1, "started")
        click(second, "train_play")
        queued = second.get_by_text("Yours is number 1 in the queue")
        expect(queued).to_be_visible()
        expect(second.get_by_text("1 run is training, the most it takes at once")).to_be_visible()
        assert epoch(second) == 0
        first.close()  # the tab that trains goes away: its slot is free at once
        expect(queued).to_have_count(0, timeout=TIMEOUT_MS)
        wait_epoch(second, lambda e: e >= 1, "started after the first tab closed")
        second.wait_for_selector(".st-key-train_pause button")
