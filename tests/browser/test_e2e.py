"""End to end in headless Chromium: every page opens, the Train page's controls, a CSV from
upload to prediction. Screenshots of the pages go to ``helpers.SCREENSHOTS`` (the README's come
from a run with ``NN_SCREENSHOTS=docs/screenshots``).
"""

from __future__ import annotations

import re

import numpy as np
from playwright.sync_api import Page

from nn_core.settings import RunSettings
from tests.browser.helpers import (
    assert_no_exception,
    assert_weight_hover,
    click,
    epoch,
    go_to,
    live_stats,
    open_blog_network,
    permalink,
    play_then_pause,
    screenshot,
    step,
    upload_csv,
    wait_drawn,
    wait_epoch,
    wait_idle,
    wait_server_still,
    zoom_surface,
)

SURFACE_RANGE = """() => {
  const gd = document.querySelector("[data-chart=surface]");
  return gd && gd._fullLayout ? [gd._fullLayout.xaxis.range, gd._fullLayout.yaxis.range] : null;
}"""


def test_hover_a_weight_then_play_pause_step_reset_and_the_charts_follow(tab: Page,
                                                                        server: str) -> None:
    page = tab
    page.goto(server + permalink(RunSettings(), {"speed": 10}))  # 100 epochs in ~10 frames
    wait_idle(page)
    wait_drawn(page, 0)
    assert epoch(page) == 0
    assert_weight_hover(page)  # hovering a weight shows its value
    page.mouse.move(5, 5)
    # zoom into the decision surface: the zoom must survive playing
    zoom_surface(page, 0.3, 0.3)
    zoomed = page.evaluate(SURFACE_RANGE)

    paused = play_then_pause(page, 100)  # the charts show the epoch the counter shows
    assert live_stats(page)["frames"] >= 5  # the zoom lived through frames, not one redraw
    # nothing trains after Pause: the server's counters say so (no tick since the paused one)
    assert wait_server_still(server)["epoch"] == paused
    assert epoch(page) == paused
    stats = {k: v for k, v in live_stats(page).items() if k != "drawMs"}
    assert page.evaluate(SURFACE_RANGE) == zoomed, stats

    click(page, "train_step")
    wait_epoch(page, lambda e: e != paused, "changed after Step")
    wait_idle(page)
    assert epoch(page) == paused + 1
    wait_drawn(page, paused + 1)
    page.locator("[data-chart=surface] .nsewdrag").first.dblclick()  # back to the full view
    page.mouse.move(5, 5)  # no hover label in the picture
    screenshot(page, "train")

    click(page, "train_reset")
    wait_epoch(page, lambda e: e == 0, "0 after Reset")
    wait_drawn(page, 0)
    stats = live_stats(page)
    assert stats["error"] is None
    assert stats["mounts"] == 1  # the element was never re-created: no blank frame
    assert stats["blank"] == 0
    assert_no_exception(page)


def people_csv(rows: int = 60) -> str:
    """Heights, weights and ages with a sex column, in the spirit of the blog's table."""
    rng = np.random.default_rng(7)
    lines = ["height,weight,age,sex"]
    for i in range(rows):
        male = i % 2 == 0
        height = rng.normal(178 if male else 163, 6)
        weight = rng.normal(80 if male else 58, 7)
        lines.append(f"{height:.0f},{weight:.0f},{rng.integers(18, 70)},{'m' if male else 'f'}")
    return "\n".join(lines) + "\n"


def test_upload_a_csv_train_on_it_and_predict(page: Page, tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(people_csv())
    upload_csv(page, str(path), "Loaded people.csv: 60 rows; target sex")

    go_to(page, "Train")
    page.get_by_text("Data: 60 rows, 3 inputs, binary.").wait_for()
    wait_drawn(page, 0)
    step(page, 3)
    play_then_pause(page, 50)
    assert_no_exception(page)

    go_to(page, "Predict")
    assert_no_exception(page)
    boxes = page.locator("[data-testid='stNumberInput'] input")
    assert boxes.count() == 3
    for box, value in zip(boxes.all(), ("185", "90", "30"), strict=True):
        box.fill(value)
        box.press("Enter")
        wait_idle(page)
    metrics = page.locator("[data-testid='stMetric']")
    predicted = metrics.filter(has_text="Predicted sex").locator("[data-testid='stMetricValue']")
    assert predicted.inner_text().strip() in ("m", "f")
    probability = metrics.filter(has_text="Probability of")
    assert re.search(r"\d+\.\d\d%", probability.inner_text())
    assert_no_exception(page)
    boxes.last.blur()
    screenshot(page, "predict")


def test_the_blogs_network_shows_its_saturated_sigmoids(tab: Page, server: str) -> None:
    open_blog_network(tab, server, {"speed": 10})  # 200 epochs in 20 frames
    play_then_pause(tab, 200)
    note = tab.locator(".nnl-slopes .nnl-note").inner_text()
    assert note.startswith("hidden 1: 2/2 saturated")  # why it answers ~0.5 for everyone
    tab.mouse.move(5, 5)
    flat = tab.locator(".nnl-surface .nnl-note").inner_text()
    lo, hi = (float(v) for v in re.fullmatch(r"output on this grid: (\S+) to (\S+)", flat).groups())
    assert 0.4 < lo <= hi < 0.6 and hi - lo < 0.05, flat
    assert_no_exception(tab)
    tab.mouse.move(5, 5)
    screenshot(tab, "train_blog")
