"""Runs side by side in headless Chromium: two runs at learning rates 0.03 and 0.3 are
overlaid in the Compare runs chart (read from the Plotly figure in the page), the table shows
what differs, and one click restores the first run's rate."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    TIMEOUT_MS,
    assert_no_exception,
    click,
    screenshot,
    step,
    wait_epoch,
    wait_idle,
)

TRACES = """key => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  return gd && gd.data ? gd.data.map(t => ({name: t.name, color: t.line.color,
                                            n: t.x.length})) : null;
}"""


def lr_shown(pg: Page) -> str:
    return pg.locator(".st-key-w_lr input[type='range']").get_attribute("aria-valuetext") or ""


def test_two_runs_overlay_and_the_first_is_restored_in_one_click(train_page: Page) -> None:
    page = train_page  # opened on the Train page by its address
    expect(page.get_by_text("No runs yet", exact=False)).to_be_visible()
    assert lr_shown(page) == "0.03"
    step(page, 3, 0)

    thumb = page.locator(".st-key-w_lr input[type='range']")
    for _ in range(2):  # 0.03 → 0.1 → 0.3 on the slider's steps
        thumb.focus()
        thumb.press("ArrowRight")
        wait_idle(page)
    expect(thumb).to_have_attribute("aria-valuetext", "0.3")
    click(page, "train_reset")
    wait_epoch(page, lambda e: e == 0, "back to 0 after Reset")
    wait_idle(page)
    step(page, 3, 0)

    page.wait_for_selector(".st-key-runs_loss .js-plotly-plot")
    traces = page.evaluate(TRACES, "runs_loss")
    assert [t["name"] for t in traces] == [
        "Run 1: learning rate 0.03 · train", "Run 1: learning rate 0.03 · test",
        "This run: learning rate 0.3 · train", "This run: learning rate 0.3 · test"]
    assert [t["n"] for t in traces] == [4, 4, 4, 4]  # epochs 0..3 each
    assert traces[0]["color"] == traces[1]["color"] != traces[2]["color"] == traces[3]["color"]
    metric = page.evaluate(TRACES, "runs_metric")
    assert [t["name"] for t in metric] == [t["name"] for t in traces]
    table = page.locator(".st-key-runs_table [data-testid='stTable']")
    expect(table).to_be_visible()
    assert_no_exception(page)

    page.evaluate("""() => document.querySelector('.st-key-runs_loss')
                     .scrollIntoView({block: 'center'})""")
    screenshot(page, "compare_runs")

    click(page, "runs_restore_1")
    expect(page.locator("[data-testid='stAlertContentInfo']").first).to_contain_text(
        "Restored the settings Run 1 started with", timeout=TIMEOUT_MS)
    wait_idle(page)
    expect(thumb).to_have_attribute("aria-valuetext", "0.03")
    wait_epoch(page, lambda e: e == 0, "a new network at epoch 0 after Restore")
    traces = page.evaluate(TRACES, "runs_loss")
    assert [t["name"] for t in traces] == [
        "Run 1: learning rate 0.03 · train", "Run 1: learning rate 0.03 · test",
        "Run 2: learning rate 0.3 · train", "Run 2: learning rate 0.3 · test"]
    assert_no_exception(page)
