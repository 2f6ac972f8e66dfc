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
from pathlib import Path

import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from nn_core.data.builtin import BUILTIN, make_dataset
from nn_core.settings import LEARNING_RATES, RunSettings
from tests.browser.helpers import (
    TIMEOUT_MS,
    assert_no_exception,
    click,
    epoch,
    go_to,
    live_stats,
    pause,
    play,
    play_then_pause,
    screenshot,
    upload_csv,
    wait_drawn,
    wait_epoch,
    wait_idle,
)

pytestmark = pytest.mark.browser

PAGES = ("Data", "Train", "Inside the network", "Predict", "Share & export", "How it works")
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


def test_every_page_opens_without_an_exception_and_passes_the_audit_at_its_defaults(
        page: Page) -> None:
    """Every page the sidebar links to, in its order, at its defaults: no exception, the audit
    passed, and a picture of each (Train and Predict are pictured after training elsewhere)."""
    links = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    titles = [t.split("\n")[-1].strip() for t in links]  # the icon comes first
    assert set(PAGES) <= set(titles), titles
    for title in titles:
        open_page(page, title)
        assert_no_exception(page)
        audit(page, f"{title} (defaults)")
        if title not in ("Train", "Predict"):
            screenshot(page, re.sub(r"\W+", "_", title.lower()).strip("_"))


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
# Every element the Tab key stops on is recorded (a focus listener) so that each page's stops can
# be checked for a visible focus, not only the journey's named stops.
RECORD_STOPS = """() => {
  if (window.__nnStops) return;
  window.__nnStops = [];
  document.addEventListener('focusin', (ev) => {
    if (!window.__nnStops.includes(ev.target)) window.__nnStops.push(ev.target);
  }, true);
}"""
FOCUS_SHOWN = """async (all) => {
  // Whether the focus shows: the focused element, or the control around it (Streamlit draws
  // some rings and borders on a wrapper), looks different focused than not. Each element is
  // read focused, then blurred (programmatically: no pointer); transitions are switched off
  // while reading, so each read shows the end state. all: every recorded stop still on the
  // page (then the record starts again), else the focused element only.
  const frames = () => new Promise((done) =>
    requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 20))));
  const calm = document.createElement('style');
  calm.textContent = '*, *::before, *::after { transition: none !important; }';
  document.head.appendChild(calm);
  const name = (el) => el.tagName + ' ' + (el.getAttribute('aria-label')
    || (el.labels && el.labels[0] && el.labels[0].textContent) || el.textContent || '')
    .trim().slice(0, 50);
  const look = (el) => {
    const out = [];
    for (let e = el, i = 0; e && i < 5; i++, e = e.parentElement) {
      const s = getComputedStyle(e);
      out.push([s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderTopColor,
                s.borderBottomColor, s.backgroundColor].join('|'));
    }
    return out.join(';');
  };
  const active = document.activeElement;
  const els = all ? window.__nnStops.filter((e) => e.isConnected && e !== document.body)
                  : [active];
  const bad = [];
  const seen = [];
  for (const el of els) {
    if (!el || el === document.body) { bad.push('nothing (the focus is on the page)'); continue; }
    el.focus({preventScroll: true});
    await frames();
    if (document.activeElement !== el) continue;  // (no longer focusable: e.g. disabled now)
    const focused = look(el);
    el.blur();
    await frames();
    seen.push(name(el));
    if (look(el) === focused) bad.push(name(el));
  }
  if (active && active !== document.body) active.focus({preventScroll: true});
  await frames();
  calm.remove();
  if (all) window.__nnStops = [];
  return {seen, bad};
}"""
FOCUSED = """(selector) => {
  const el = document.activeElement;
  const label = el.getAttribute('aria-label')
    || (el.labels && el.labels[0] && el.labels[0].textContent)
    || (el.getAttribute('aria-labelledby') || '').split(' ').map(
         (id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim()
    || el.textContent || '';
  return {inside: el.matches(selector), name: label.trim().replace(/\\s+/g, ' ')};
}"""


def focus_shown(pg: Page, where: str) -> None:
    """Every element Tab stopped on since the last call (on this page) shows its focus."""
    shown = pg.evaluate(FOCUS_SHOWN, True)
    assert shown["seen"], f"no tab stop recorded on {where}"
    assert not shown["bad"], f"no visible focus on {where}: {shown['bad']} (of {shown['seen']})"


def tab_to(pg: Page, selector: str, name: str, back: bool = False, limit: int = 300) -> None:
    """Press Tab (Shift+Tab with ``back``) until the focused element matches ``selector``;
    its accessible name matches the pattern ``name`` and its focus is visible."""
    for _ in range(limit):
        pg.keyboard.press("Shift+Tab" if back else "Tab")
        got = pg.evaluate(FOCUSED, selector)
        if got["inside"]:
            assert re.fullmatch(name, got["name"]), f"focused {got['name']!r}, not {name!r}"
            shown = pg.evaluate(FOCUS_SHOWN, False)
            assert shown["seen"] and not shown["bad"], f"no visible focus on {name}: {shown}"
            return
    raise AssertionError(f"{name} ({selector}) not reached in {limit} presses of Tab")


def assert_focus_on(pg: Page, selector: str, what: str) -> None:
    """The focus stayed on (or moved to) the element ``selector`` (waits for a rerun)."""
    pg.wait_for_function("s => document.activeElement.matches(s)", arg=selector)
    shown = pg.evaluate(FOCUS_SHOWN, False)
    assert shown["seen"] and not shown["bad"], f"no visible focus on {what}: {shown}"


def test_one_whole_journey_by_keyboard_alone(page: Page) -> None:
    """Data, Train and Share & export by the keyboard alone: after the page has loaded only
    key presses (no clicks, no fills); each stop is reached by Tab, named as a screen reader
    names it, and shows its focus, as does every other element Tab passed on the way."""
    pg = page
    pg.evaluate(RECORD_STOPS)
    # Data: the dataset, by typing its name into the combobox and Enter
    tab_to(pg, ".st-key-w_dataset input[role=combobox]", "Dataset")
    pg.keyboard.type("circle")
    pg.wait_for_function("() => [...document.querySelectorAll('[role=listbox] [role=option]')]"
                         ".map((o) => o.textContent).join() === 'Circle'")
    pg.keyboard.press("Enter")
    wait_idle(pg)
    expect(pg.locator(".st-key-w_dataset input")).to_have_value("Circle")
    pg.get_by_text(BUILTIN["circle"].description).wait_for()
    focus_shown(pg, "the Data page")
    # the Train page, from the sidebar's navigation
    tab_to(pg, "[data-testid='stSidebarNav'] a[href$='/train']", ".*Train")
    pg.keyboard.press("Enter")
    pg.wait_for_selector("h1:has-text('Train')", timeout=TIMEOUT_MS)
    wait_idle(pg)
    pg.wait_for_selector(".nnl-root[data-epoch]")
    assert "dataset=circle" in pg.url
    # the layers: one more hidden layer
    layers = pg.locator(".st-key-w_hidden_layers input")
    before = int(layers.input_value())
    tab_to(pg, ".st-key-w_hidden_layers input", "Hidden layers")
    pg.keyboard.press("ArrowUp")
    pg.keyboard.press("Enter")
    wait_idle(pg)
    expect(layers).to_have_value(str(before + 1))
    pg.wait_for_function("n => new URLSearchParams(location.search).get('hidden')"
                         ".split(',').length === n", arg=before + 1)
    # the learning rate: one step up (the next of TensorFlow Playground's rates)
    rate = pg.locator(".st-key-w_lr input[type=range]")
    old_rate = float(rate.get_attribute("aria-valuetext"))
    tab_to(pg, ".st-key-w_lr input[type=range]", "Learning rate")
    pg.keyboard.press("ArrowRight")
    wait_idle(pg)
    new_rate = LEARNING_RATES[LEARNING_RATES.index(old_rate) + 1]
    expect(rate).to_have_attribute("aria-valuetext", f"{new_rate:g}")
    pg.wait_for_function("r => new URLSearchParams(location.search).get('lr') === r",
                         arg=f"{new_rate:g}")
    # Play; the focus goes to Pause, which takes its place; Pause; the focus goes to Play
    tab_to(pg, ".st-key-train_play button", "▶ Play")
    pg.keyboard.press("Enter")
    pg.wait_for_selector(".st-key-train_pause button:visible")
    wait_epoch(pg, lambda e: e >= 3, "reached 3 while playing")
    assert_focus_on(pg, ".st-key-train_pause button", "Pause, after Play")
    pg.keyboard.press("Enter")
    pg.wait_for_selector(".st-key-train_play button:visible")
    wait_idle(pg)
    assert_focus_on(pg, ".st-key-train_play button", "Play, after Pause")
    paused = epoch(pg)
    # Step: one epoch on
    tab_to(pg, ".st-key-train_step button", "Step")
    pg.keyboard.press("Enter")
    wait_epoch(pg, lambda e: e == paused + 1, "moved one epoch on after Step")
    wait_idle(pg)
    # the look-back slider, by the arrow keys: the charts go back an epoch
    tab_to(pg, ".st-key-w_scrub_epoch input[type=range]", "Look back to epoch")
    pg.keyboard.press("ArrowLeft")
    pg.get_by_text(f"Looking back: the network as it was at epoch {paused}").wait_for()
    wait_idle(pg)
    wait_drawn(pg, paused)
    # the network diagram: its units' maps by the arrow keys (no pointer needed)
    tab_to(pg, "[data-chart=network]", "Network diagram.*", back=True)
    pg.keyboard.press("ArrowRight")
    pg.wait_for_function("() => window.__nnLive && window.__nnLive.unitShown")
    pg.keyboard.press("Enter")
    pg.wait_for_function("() => window.__nnLive && window.__nnLive.unitPinned")
    label = pg.locator("[data-chart=network]").get_attribute("aria-label")
    assert re.search(r"hidden unit h\d\.\d+ shown on the surface, pinned", label), label
    focus_shown(pg, "the Train page")
    # a download, from the Share & export page
    tab_to(pg, "[data-testid='stSidebarNav'] a[href$='/share']", ".*Share & export", back=True)
    pg.keyboard.press("Enter")
    pg.wait_for_selector("h1:has-text('Share')", timeout=TIMEOUT_MS)
    wait_idle(pg)
    tab_to(pg, "[data-testid='stDownloadButton'] button", "Dataset \\(CSV\\)")
    with pg.expect_download() as download:
        pg.keyboard.press("Enter")
    assert download.value.suggested_filename == "dataset.csv"
    rows = Path(download.value.path()).read_text().splitlines()
    s = RunSettings()
    circle = make_dataset("circle", s.n_samples, s.noise, s.data_seed)
    assert rows[0] == "x1,x2,label" and len(rows) == 1 + circle.n_samples
    got = np.array([[float(v) for v in row.split(",")] for row in rows[1:]])
    np.testing.assert_allclose(got[:, :2], circle.X)
    focus_shown(pg, "the Share & export page")


# ------------------------------------------------------------------ charts that speak
def spoken(pg: Page) -> str:
    return pg.locator(".nnl-root [role=status]").inner_text()


def test_the_charts_speak_after_play_and_pause(train_page: Page) -> None:
    page = train_page  # opened on the Train page by its address
    page.wait_for_selector(".nnl-root[data-epoch]")
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
        # four redraws of trained epochs (the paused page's epoch 0 was drawn before Play,
        # maybe less than a second before the first playing redraw: not a playing gap)
        pg.wait_for_function(
            "() => (window.__nnLive.drawnAt || []).filter(([e]) => e > 0).length >= 4")
        stats = live_stats(pg)
        assert stats["calm"] is True
        playing_draws = [t for e, t in stats["drawnAt"] if e > 0][-4:]
        gaps = [b - a for a, b in itertools.pairwise(playing_draws)]
        assert min(gaps) >= 950, gaps  # at most one redraw a second
        paused = pause(pg)
        assert pg.locator(".nnl-root").get_attribute("data-epoch") == str(paused)
