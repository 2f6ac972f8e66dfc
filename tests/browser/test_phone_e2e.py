"""The pages on a phone's screen (390 × 844) and on a desktop's, in headless Chromium.

On a phone the Train page opens with the sidebar closed and shows Play/Step/Reset and the
decision surface on the first screen, the settings below the live charts; nothing is wider
than the screen. On a desktop the settings stay beside the charts. The Data page's metrics read
in full at every width.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from nn_core.settings import RunSettings
from tests.browser.conftest import Visit
from tests.browser.helpers import (
    assert_no_exception,
    pause,
    permalink,
    play,
    screenshot,
    wait_drawn,
    wait_epoch,
    wait_idle,
)

PHONE = {"width": 390, "height": 844}

WIDTHS = """() => {
  const main = document.querySelector("[data-testid='stMain']");
  const block = document.querySelector("[data-testid='stMainBlockContainer']");
  return {page: document.scrollingElement.scrollWidth, main: [main.scrollWidth, main.clientWidth],
          block: [block.scrollWidth, block.clientWidth]};
}"""
SCROLLED = """() => [window.scrollY, document.scrollingElement.scrollTop,
  document.querySelector("[data-testid='stMain']").scrollTop]"""
# Each metric's value: the width of its text and of the box that shows it (a text wider than its
# box, even by a fraction of a pixel, is cut with an ellipsis).
METRIC_TEXT = """() => [...document.querySelectorAll("[data-testid=stMetricValue] > div")]
  .map(d => {
  const r = document.createRange();
  r.selectNodeContents(d);
  return {text: d.innerText, text_width: r.getBoundingClientRect().width,
          box_width: d.getBoundingClientRect().width,
          scroll: d.scrollWidth, client: d.clientWidth};
})"""


@pytest.fixture()
def phone(visit: Visit) -> Iterator[Page]:
    """A fresh browser session on the Train page (a deep link) in a phone-sized window, at 10
    epochs a frame (the test plays to epoch 60 for its picture: 6 frames, not 60)."""
    with visit(permalink(RunSettings(), {"speed": 10}), viewport=PHONE) as pg:
        yield pg


def box(pg: Page, selector: str) -> dict[str, float]:
    found = pg.locator(selector)
    # waited for: a rerun the page's own elements ask for after loading (the preloader's
    # report) redraws the buttons, and for a moment none is shown (seen under load)
    found.first.wait_for()
    assert found.count() == 1, f"{selector}: {found.count()} elements"
    b = found.bounding_box()
    assert b is not None, f"{selector} is not shown"
    return b


def settings_box(pg: Page) -> dict[str, float]:
    """The Train page's "Network" settings (an expander in the settings column)."""
    return box(pg, "[data-testid='stExpander']:has(summary:has-text('Network'))")


def sidebar_collapsed(pg: Page) -> str | None:
    return pg.locator("[data-testid='stSidebar']").get_attribute("data-collapsed")


def assert_fits_the_width(pg: Page, width: int) -> None:
    """No sideways scrolling: neither the page nor Streamlit's main block is wider than the
    window, and every live chart lies within it (after the layout has followed a resize:
    Plotly re-lays its charts out a moment later, so wait up to 10 s for it to fit first)."""
    with contextlib.suppress(PlaywrightTimeoutError):
        pg.wait_for_function(
            f"() => {{ const w = ({WIDTHS})(); return w.page <= {width}"
            " && w.main[0] <= w.main[1] && w.block[0] <= w.block[1]; }", timeout=10_000)
    widths = pg.evaluate(WIDTHS)
    assert widths["page"] <= width, widths
    assert widths["main"][0] <= widths["main"][1] and widths["block"][0] <= widths["block"][1], \
        widths
    cells = pg.locator(".nnl-cell")
    assert cells.count() >= 5
    for i in range(cells.count()):
        b = cells.nth(i).bounding_box()
        assert b is not None and b["x"] >= 0 and b["x"] + b["width"] <= width, (i, b)


def test_the_train_page_on_a_phone_opens_on_play_and_the_surface(phone: Page) -> None:
    pg = phone
    pg.wait_for_selector("h1:has-text('Train')")
    wait_drawn(pg, 0)
    wait_idle(pg)
    assert_no_exception(pg)
    assert sidebar_collapsed(pg) == "true"
    assert pg.evaluate(SCROLLED) == [0, 0, 0]  # the first screen, as opened

    play_button = box(pg, ".st-key-train_play button:visible")
    surface = box(pg, ".nnl-surface")
    for name, b in (("Play", play_button), ("the surface", surface)):
        assert b["y"] >= 0 and b["y"] + b["height"] <= PHONE["height"], (name, b)
        assert b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"], (name, b)
    for key in ("train_step", "train_reset"):  # in one row with Play
        b = box(pg, f".st-key-{key} button:visible")
        assert b["y"] == play_button["y"] and b["x"] > play_button["x"], (key, b)
    live = box(pg, ".nnl-root")
    # the view options, then the settings, come after the live charts
    assert box(pg, ".st-key-train_view")["y"] >= live["y"] + live["height"]
    assert settings_box(pg)["y"] >= live["y"] + live["height"]
    assert_fits_the_width(pg, PHONE["width"])

    play(pg)
    wait_epoch(pg, lambda e: e >= 60, "reached 60 while playing")
    pause_button = box(pg, ".st-key-train_pause button:visible")
    assert pause_button["y"] >= 0 and pause_button["y"] + pause_button["height"] <= PHONE["height"]
    pg.mouse.move(5, 5)  # no hover label in the picture
    screenshot(pg, "train_phone")
    assert pause(pg) >= 60
    assert_no_exception(pg)
    assert_fits_the_width(pg, PHONE["width"])  # with the paused measures' tables too


def test_the_train_page_on_a_desktop_keeps_the_settings_beside_the_charts(train_page: Page) -> None:
    page = train_page  # opened on the Train page by its address
    wait_drawn(page, 0)
    assert sidebar_collapsed(page) == "false"
    settings, live = settings_box(page), box(page, ".nnl-root")
    play, view = box(page, ".st-key-train_play button:visible"), box(page, ".st-key-train_view")
    assert settings["x"] + settings["width"] <= live["x"]  # on the left
    assert settings["y"] < live["y"] + live["height"] and live["y"] < settings["y"] + \
        settings["height"]  # side by side
    assert play["y"] < view["y"] < live["y"]  # controls and view options above the charts
    assert play["x"] >= settings["x"] + settings["width"]
    surface, network = box(page, ".nnl-surface"), box(page, ".nnl-network")
    assert surface["x"] + surface["width"] <= network["x"]  # two columns of charts
    # a laptop with the sidebar open: the element is narrow, its charts go one under another
    page.set_viewport_size({"width": 1024, "height": 1700})
    page.wait_for_function("() => document.querySelector('.nnl-network').getBoundingClientRect()"
                           ".top > document.querySelector('.nnl-surface').getBoundingClientRect()"
                           ".bottom")
    assert sidebar_collapsed(page) == "false"
    assert_fits_the_width(page, 1024)
    cells = page.locator(".nnl-cell")
    for i in range(cells.count()):
        assert cells.nth(i).bounding_box()["width"] >= 300, i


def test_the_data_page_metrics_read_in_full(page: Page) -> None:
    for width in (1500, 1024, 800, PHONE["width"]):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_selector("[data-testid='stMetricValue']")
        page.wait_for_timeout(300)  # the layout follows the new width
        metrics = page.evaluate(METRIC_TEXT)
        assert [m["text"] for m in metrics] == ["200", "2", "160 / 40", "2"], width
        for m in metrics:
            assert m["scroll"] <= m["client"], (width, m)
            assert m["text_width"] <= m["box_width"] + 0.01, (width, m)  # no ellipsis
