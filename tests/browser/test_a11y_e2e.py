"""Accessibility of the running app (issue 26): an axe-core audit of every page in three
states, one whole journey by keyboard alone, the live charts as a screen reader gets them
(the accessibility tree after Play and Pause), and the live element under reduced motion.

axe-core comes with ``axe-playwright-python`` (its ``axe.min.js``, injected into the page: no
network at test time). The audit checks WCAG 2.0/2.1 A and AA and axe's best practices;
a page passes with no *serious* and no *critical* violation, and every *moderate* or *minor*
one is listed in :data:`ALLOWED` with the reason it is left.
"""

from __future__ import annotations

import itertools
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.helpers import (
    TIMEOUT_MS,
    click,
    epoch,
    go_to,
    live_stats,
    pause,
    play,
    play_then_pause,
    upload_csv,
    wait_epoch,
    wait_idle,
)

pytestmark = pytest.mark.browser

PAGES = ("Data", "Train", "Predict", "Share & export", "How it works")
AXE = Axe()
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
}
# Moderate or minor findings left as they are, with the reason (none so far: an entry here
# must say why it cannot be fixed by the theme or the page's structure).
ALLOWED: dict[str, str] = {
    "presentation-role-conflict": "minor; Streamlit's own file uploader (its dropzone section "
    "is role=presentation with tabindex=-1 and a label); the uploader's button is reachable "
    "and named, and the app cannot change that markup",
    "empty-table-header": "minor; the row-number column of Streamlit's own data grid "
    "(st.dataframe in Show the charts as tables) has an empty header cell; the rows are "
    "numbered and every data column is named, and the app cannot change the grid's markup",
}


def audit(pg: Page, where: str) -> list[str]:
    """Run axe-core on the page as shown; fail on serious or critical violations and on
    moderate/minor ones not in ALLOWED. Returns the violations' ids (for the report)."""
    results = AXE.run(pg, options=AXE_OPTIONS).response["violations"]
    bad = [v for v in results
           if v["impact"] in ("serious", "critical") or v["id"] not in ALLOWED]
    detail = "\n".join(
        f"{v['id']} ({v['impact']}): {len(v['nodes'])} × {v['help']}; first: "
        f"{v['nodes'][0]['html'][:160]} | "
        f"{(v['nodes'][0].get('any') or v['nodes'][0].get('all') or [{}])[0].get('message', '')}"
        for v in bad)
    assert not bad, f"axe-core on {where}:\n{detail}"
    return [v["id"] for v in results]


def open_page(pg: Page, title: str) -> None:
    go_to(pg, title)
    if title == "Train":
        pg.wait_for_selector(".nnl-root[data-epoch]")
    if title == "How it works":
        pg.wait_for_selector(".katex-display")
        pg.wait_for_timeout(200)  # (the formulas' tab stops are set on the next animation frame)


def test_every_page_passes_the_audit_at_its_defaults(page: Page) -> None:
    for title in PAGES:
        open_page(page, title)
        audit(page, f"{title} (defaults)")


def test_every_page_passes_the_audit_after_training_and_pausing(page: Page) -> None:
    open_page(page, "Train")
    play_then_pause(page, 5)
    # the paused page: How good is it, the scrubber, Compare runs (two runs: Reset, Step)
    page.get_by_role("heading", name="How good is it").wait_for()
    page.locator(".st-key-w_scrub_epoch").wait_for()
    click(page, "train_reset")
    wait_idle(page)
    click(page, "train_step")
    wait_epoch(page, lambda e: e == 1, "reached 1 after Step")
    wait_idle(page)
    page.get_by_role("heading", name="Compare runs").wait_for()
    tables = page.locator("[data-testid='stExpander'] summary",
                          has_text="Show the charts as tables")
    tables.click()  # open: the tables are audited too
    wait_idle(page)
    audit(page, "Train (trained, paused, tables open)")
    for title in PAGES:
        if title != "Train":
            open_page(page, title)
            audit(page, f"{title} (after training)")


LONG = "a rather long column name that keeps going well past what a chart can show"


def long_names_csv() -> bytes:
    header = [f"{k} {LONG}" for k in ("first", "second", "third")] + ["kind of thing"]
    classes = [f"class {c}: {LONG}" for c in ("alpha", "beta", "gamma")]
    rows = [",".join(header)]
    for i in range(60):
        rows.append(f"{i % 7},{(i * 3) % 11},{(i * 5) % 13},\"{classes[i % 3]}\"")
    return ("\n".join(rows) + "\n").encode()


def test_every_page_passes_the_audit_with_long_names(page: Page) -> None:
    upload_csv(page, [{"name": "long.csv", "mimeType": "text/csv", "buffer": long_names_csv()}],
               "Loaded long.csv")
    audit(page, "Data (long names)")
    for title in PAGES[1:]:
        open_page(page, title)
        audit(page, f"{title} (long names)")


# ------------------------------------------------------------------------------ keyboard
FOCUS_SHOWN = """async () => {
  // Whether the focus shows: the focused element, or the control around it (Streamlit draws
  // some rings and borders on a wrapper), looks different focused than not. Read focused,
  // then blurred (programmatically: no pointer), then the focus is put back; each read after
  // any transition (Streamlit's last 200 ms at most) has ended.
  const settle = () => new Promise((done) => setTimeout(done, 400));
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const what = el.tagName + ' ' + (el.getAttribute('aria-label') || el.textContent.slice(0, 40));
  const look = () => {
    const out = [];
    for (let e = el, i = 0; e && i < 5; i++, e = e.parentElement) {
      const s = getComputedStyle(e);
      out.push([s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderTopColor,
                s.borderBottomColor, s.backgroundColor].join('|'));
    }
    return out.join(';');
  };
  await settle();
  const focused = look();
  el.blur();
  await settle();
  const blurred = look();
  el.focus();
  await settle();
  return {what, ok: focused !== blurred};
}"""


def tab_to(pg: Page, selector: str, what: str, limit: int = 250) -> None:
    """Press Tab until the focus is inside ``selector``; the focus is visible there."""
    for _ in range(limit):
        pg.keyboard.press("Tab")
        if pg.evaluate("s => !!document.activeElement && !!document.activeElement.closest(s)",
                       selector):
            shown = pg.evaluate(FOCUS_SHOWN)
            assert shown and shown["ok"], f"no visible focus on {what}: {shown}"
            return
    raise AssertionError(f"{what} ({selector}) not reached in {limit} Tabs")


@pytest.mark.xfail(strict=True, reason="issue 26 open: typing a dataset's name and Enter in "
                   "the dataset box does not choose it (the URL keeps /train); the journey's "
                   "later steps have not run yet")
def test_one_whole_journey_by_keyboard_alone(page: Page) -> None:
    pg = page
    # Data: the dataset, by typing its name into the select box
    tab_to(pg, ".st-key-w_dataset", "the dataset")
    pg.keyboard.type("circle")
    pg.keyboard.press("Enter")
    wait_idle(pg)
    # the Train page, from the sidebar's navigation
    tab_to(pg, "[data-testid='stSidebarNav'] a[href$='/train']", "the Train link")
    pg.keyboard.press("Enter")
    pg.wait_for_selector("h1:has-text('Train')", timeout=TIMEOUT_MS)
    wait_idle(pg)
    pg.wait_for_selector(".nnl-root[data-epoch]")
    assert "dataset=circle" in pg.url
    # the layers: one more hidden layer
    layers = pg.locator(".st-key-w_hidden_layers input")
    before = int(layers.input_value())
    tab_to(pg, ".st-key-w_hidden_layers", "the hidden layers")
    pg.keyboard.press("ArrowUp")
    pg.keyboard.press("Enter")
    wait_idle(pg)
    assert int(layers.input_value()) == before + 1
    # the learning rate: one step up
    rate = pg.locator(".st-key-w_lr [role=slider]")
    old_rate = rate.get_attribute("aria-valuetext") or rate.get_attribute("aria-valuenow")
    tab_to(pg, ".st-key-w_lr", "the learning rate")
    pg.keyboard.press("ArrowRight")
    wait_idle(pg)
    new_rate = rate.get_attribute("aria-valuetext") or rate.get_attribute("aria-valuenow")
    assert new_rate != old_rate
    # Play, then Pause, then Step
    tab_to(pg, ".st-key-train_play", "Play")
    pg.keyboard.press("Enter")
    pg.wait_for_selector(".st-key-train_pause button:visible")
    wait_epoch(pg, lambda e: e >= 3, "reached 3 while playing")
    tab_to(pg, ".st-key-train_pause", "Pause")
    pg.keyboard.press("Enter")
    pg.wait_for_selector(".st-key-train_play button:visible")
    wait_idle(pg)
    paused = epoch(pg)
    tab_to(pg, ".st-key-train_step", "Step")
    pg.keyboard.press("Enter")
    wait_epoch(pg, lambda e: e == paused + 1, "moved one epoch on after Step")
    wait_idle(pg)
    # the look-back slider, by the arrow keys: the charts go back an epoch
    tab_to(pg, ".st-key-w_scrub_epoch", "the look-back slider")
    pg.keyboard.press("ArrowLeft")
    pg.get_by_text("Looking back: the network as it was at epoch").wait_for()
    wait_idle(pg)
    # the network diagram: its units' maps by the arrow keys (no pointer needed)
    tab_to(pg, "[data-chart=network]", "the network diagram")
    pg.keyboard.press("ArrowRight")
    pg.wait_for_function("() => window.__nnLive && window.__nnLive.unitShown")
    pg.keyboard.press("Enter")
    pg.wait_for_function("() => window.__nnLive && window.__nnLive.unitPinned")
    label = pg.locator("[data-chart=network]").get_attribute("aria-label")
    assert re.search(r"hidden unit h\d\.\d+ shown on the surface, pinned", label), label
    # a download, from the Share & export page
    tab_to(pg, "[data-testid='stSidebarNav'] a[href$='/share']", "the Share link")
    pg.keyboard.press("Enter")
    pg.wait_for_selector("h1:has-text('Share')", timeout=TIMEOUT_MS)
    wait_idle(pg)
    tab_to(pg, "[data-testid='stDownloadButton']", "a download")
    with pg.expect_download() as download:
        pg.keyboard.press("Enter")
    assert download.value.suggested_filename == "dataset.csv"


# ------------------------------------------------------------------ charts that speak
def spoken(pg: Page) -> str:
    return pg.locator(".nnl-root [role=status]").inner_text()


def test_the_charts_speak_after_play_and_pause(page: Page) -> None:
    open_page(page, "Train")
    tree = page.locator(".nnl-root").aria_snapshot()
    for name in ("Decision surface", "Network diagram", "Loss and accuracy over the epochs",
                 "Weight heatmaps, one per layer", "Unit slopes"):
        assert f'figure "{name}"' in tree, tree
    play(page)
    wait_epoch(page, lambda e: e >= 10, "reached 10 while playing")
    page.wait_for_function(
        "() => /^Epoch [1-9]\\d*: train loss/.test(document.querySelector"
        "('.nnl-root [role=status]').textContent)")
    line = spoken(page)
    assert re.fullmatch(r"Epoch \d+: train loss [\d.e-]+( falling| rising| flat)?, "
                        r"test accuracy \d+%\.", line), line
    paused = pause(page)
    page.wait_for_function(
        "n => { const t = document.querySelector('.nnl-root [role=status]').textContent;"
        " return t.startsWith(`Epoch ${n}:`) && t.endsWith('. Paused.'); }", arg=paused)
    line = spoken(page)
    assert line.endswith(". Paused."), line
    tree = page.locator(".nnl-root").aria_snapshot()
    assert f"Epoch {paused}: train loss" in tree, tree  # the status line is in the tree
    status = page.locator(".nnl-root [role=status]")
    assert status.get_attribute("aria-live") == "polite"
    # each chart's description: the surface's classes share its grid, the network's layers
    surface = page.locator(".nnl-surface").get_attribute("aria-describedby")
    text = page.locator(f"#{surface}").inner_text()
    shares = [int(s) for s in re.findall(r"(\d+)%", text)]
    assert text.startswith("The class the network predicts over ") and len(shares) == 2
    assert abs(sum(shares) - 100) <= 1, text
    net = page.locator(".nnl-network").get_attribute("aria-describedby")
    assert page.locator(f"#{net}").inner_text().startswith("Layers 2-8-8-1, ")
    # while playing the line is spoken at most every 4 s: far fewer lines than frames drawn
    stats = live_stats(page)
    assert stats["spoken"]["count"] < stats["frames"], stats["spoken"]


# -------------------------------------------------------------------------- motion
def test_reduced_motion_draws_calm_steps_and_play_still_works(visit) -> None:
    with visit("/train", reduced_motion="reduce") as pg:
        pg.wait_for_selector(".nnl-root[data-epoch]")
        assert pg.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
        play(pg)
        wait_epoch(pg, lambda e: e >= 40, "reached 40 while playing")
        pg.wait_for_function("() => (window.__nnLive.drawnAt || []).length >= 4")
        stats = live_stats(pg)
        assert stats["calm"] is True
        playing_draws = [t for _, t in stats["drawnAt"]][-4:]
        gaps = [b - a for a, b in itertools.pairwise(playing_draws)]
        assert min(gaps) >= 950, gaps  # at most one redraw a second
        paused = pause(pg)
        assert pg.locator(".nnl-root").get_attribute("data-epoch") == str(paused)
