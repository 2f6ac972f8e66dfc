"""Waiting on the live app's page state, reading the Train page, taking screenshots."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from nn_core.settings import RunSettings
from ui.live.panel import RUN_EVERY
from ui.session import link_codec

ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to $NN_SCREENSHOTS (relative to the repository root), or else under the
# system's temporary folder, so a test run leaves the working tree clean. The README's pictures
# are retaken on request: NN_SCREENSHOTS=docs/screenshots python -m pytest -m browser
SCREENSHOTS = ROOT / os.environ.get(
    "NN_SCREENSHOTS", Path(tempfile.gettempdir()) / "nn-playground-screenshots")
TIMEOUT_MS = 60_000
# the servers the tests start write their counters (ui/server/counters.py) this often, to this file
# in their log folder, so a test can read what the server did rather than wait and see
STATS_EVERY_S = 0.1
STATS_FILE = "stats.jsonl"
QUIET_S = 4 * RUN_EVERY  # four tick periods of a playing page without any tick
stats_files: dict[str, Path] = {}  # server URL -> its counters file (tests/browser/conftest.serve)


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
    an epoch; "Stopped at epoch N · holding the network of epoch B" after early stopping)."""
    text = pg.locator(".st-key-nn_epoch h2").inner_text()
    match = re.fullmatch(r"(?:Epoch|Stopped at epoch) (\d+)"
                         r"(?: · \d+% of the next| · holding the network of epoch \d+)?",
                         text.strip())
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


def last_surface(pg: Page) -> dict | None:
    """What the live element's decision surface last drew (None before its first frame): its
    epoch, unit (none: the network's output), values z, title and axis ranges."""
    return pg.evaluate("""() => {
      const s = window.__nnLive && window.__nnLive.lastSurface;
      const gd = document.querySelector("[data-chart=surface]");
      return s ? {epoch: s.epoch, unit: s.unit,
                  z: Array.from(s.z, (row) => Array.from(row)), title: gd._fullLayout.title.text,
                  range: [gd._fullLayout.xaxis.range, gd._fullLayout.yaxis.range]} : null;
    }""")


def wait_surface(pg: Page, n: int) -> dict:
    """Wait until the live element's decision surface shows epoch ``n``; what it shows. On a
    timeout the failure says what the element reported (:func:`live_stats`' counters, the
    epoch its surface shows) and the page's connection state."""
    try:
        pg.wait_for_function(
            "n => { const s = window.__nnLive && window.__nnLive.lastSurface;"
            " return s && s.epoch === n; }",
            arg=n,
        )
    except PlaywrightTimeoutError as exc:
        state = {k: v for k, v in live_stats(pg).items() if not isinstance(v, (list, dict))}
        state["surface_epoch"] = pg.evaluate(
            "() => ((window.__nnLive || {}).lastSurface || {}).epoch")
        state["connection"] = pg.get_attribute("[data-testid='stApp']",
                                               "data-test-connection-state")
        raise AssertionError(f"the surface of epoch {n} was not drawn: the live element "
                             f"reports {json.dumps(state)}") from exc
    return last_surface(pg)


def play(pg: Page) -> None:
    """Press Play and wait until Pause replaces it."""
    click(pg, "train_play")
    pg.wait_for_selector(".st-key-train_pause button:visible")


def pause(pg: Page) -> int:
    """Press Pause, wait until the page is idle and the live element has drawn the epoch the
    counter shows; that epoch."""
    click(pg, "train_pause")
    pg.wait_for_selector(".st-key-train_play button:visible")
    wait_idle(pg)
    paused = epoch(pg)
    wait_drawn(pg, paused)
    return paused


def play_then_pause(pg: Page, at_least: int, whole: bool = False) -> int:
    """Play until the counter reaches ``at_least``, then pause; the epoch it paused at.

    ``whole``: a Pause may land inside an epoch ("Epoch N · P% of the next": the network holds
    some of epoch N + 1's batches); Step then ends that epoch, so the page holds exactly the
    network a headless trainer has after that many epochs (for tests that compare with one)."""
    play(pg)
    wait_epoch(pg, lambda e: e >= at_least, f"reached {at_least} while playing")
    paused = pause(pg)
    if whole and "of the next" in pg.locator(".st-key-nn_epoch h2").inner_text():
        step(pg, 1, start=paused)  # ends the epoch in progress
        paused += 1
        wait_drawn(pg, paused)
    return paused


def step(pg: Page, times: int, start: int = 0) -> None:
    """Press Step ``times`` times, from epoch ``start``, each time waiting for the next epoch."""
    for k in range(1, times + 1):
        click(pg, "train_step")
        wait_epoch(pg, lambda e, k=k: e == start + k, f"reached {start + k} after Step")
        wait_idle(pg)


# every Plotly chart on the page laid out at its element's width (the live element re-lays its
# charts out 250 ms after a new width, as its ``fresh()`` does: within 30 px), or not drawn, and
# every canvas the live element shows (the network diagram) redrawn at its shown size
CHARTS_AT_WIDTH = """() => {
  const dpr = window.devicePixelRatio || 1;
  return Array.from(document.querySelectorAll('.js-plotly-plot')).every(
      (gd) => !gd._fullLayout || gd.clientWidth === 0
              || Math.abs(gd._fullLayout.width - gd.clientWidth) <= 30)
    && Array.from(document.querySelectorAll('.nnl-root canvas')).every(
      (c) => c.clientWidth === 0 || c.width === Math.round(c.clientWidth * dpr));
}"""


def resize(pg: Page, width: int) -> None:
    """Give the window a new width (as a visitor resizing it would), then wait until the page
    has it and every Plotly chart on it has been laid out again at its own width."""
    pg.set_viewport_size({"width": width, "height": pg.viewport_size["height"]})
    pg.wait_for_function("w => window.innerWidth === w", arg=width)
    # two animation frames: the resize observers have seen the new width (a chart whose width
    # changed by more than 30 px then reads as not laid out until it has been)
    pg.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    pg.wait_for_function(CHARTS_AT_WIDTH)
    wait_idle(pg)


def widths(pg: Page, sizes: tuple[int, ...]) -> Iterator[int]:
    """Each of ``sizes``, the width the page was opened at first: the caller checks the page at
    each width yielded, and before each later one the window is resized to it (:func:`resize`).
    So one opening is checked freshly loaded at one width and re-laid out at the others; tests
    that open at different widths between them meet each width freshly loaded too."""
    first = pg.viewport_size["width"]
    assert first in sizes, first
    for i, width in enumerate([first, *(w for w in sizes if w != first)]):
        if i:
            resize(pg, width)
        yield width


def upload_csv(pg: Page, files: str | Path | list[dict], loaded: str) -> None:
    """Upload a CSV on the Data page (a path, or Playwright's name/mimeType/buffer dicts) and
    wait until the page says ``loaded``."""
    pg.get_by_role("tab", name="Upload").click()
    # the tab's panel drawn and the page idle first: a file set on an uploader the rerun then
    # replaces is lost (seen under load: no file shown, nothing loaded)
    pg.locator(".st-key-w_upload_csv [data-testid='stFileUploaderDropzone']").wait_for()
    wait_idle(pg)
    pg.locator(".st-key-w_upload_csv input[type=file]").set_input_files(files)
    pg.get_by_text(loaded).first.wait_for()
    wait_idle(pg)
    assert_no_exception(pg)


def zoom_surface(pg: Page, start: float, span: float, chart: str = "surface") -> None:
    """Drag a box over the decision surface (or another Plotly ``chart`` of the live element)
    from ``start`` to ``start + span`` of its size (a Plotly zoom)."""
    drag = pg.locator(f"[data-chart={chart}] .nsewdrag").first.bounding_box()
    x, y = drag["x"] + drag["width"] * start, drag["y"] + drag["height"] * start
    pg.mouse.move(x, y)
    pg.mouse.down()
    pg.mouse.move(x + drag["width"] * span, y + drag["height"] * span, steps=8)
    pg.mouse.up()


def permalink(settings: RunSettings, ui: dict | None = None, page: str = "train") -> str:
    """The path of ``page`` opened by a share link to ``settings`` (and view choices ``ui``)."""
    return f"/{page}?{urlencode(link_codec.to_query(settings, ui), safe=',')}"


def open_blog_network(pg: Page, server: str, ui: dict | None = None) -> None:
    """Open the Train page on the blog's table (a permalink, with view choices ``ui``) and
    press "Use the blog's network"."""
    pg.goto(server + permalink(RunSettings(dataset="blog"), ui))
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



def wait_server_still(server: str, timeout_s: float = 60.0) -> dict:
    """Wait (bounded) until the counters of the server at ``server`` (a URL) say it has stopped
    training: the last session to tick is not playing, and no session has ticked for
    :data:`QUIET_S` by the server's clock. Returns that session's counters (its trainer's
    ``epoch`` among them)."""
    stats = stats_files[server]
    deadline = time.monotonic() + timeout_s
    last: dict | None = None
    while True:
        lines = stats.read_text().splitlines() if stats.exists() else []
        if lines:
            line = json.loads(lines[-1])
            if line["sessions"]:
                last = max(line["sessions"], key=lambda c: c["last_tick"])
                if not last["playing"] and line["t"] - last["last_tick"] >= QUIET_S:
                    return last
        if time.monotonic() > deadline:
            raise AssertionError(f"the server never stopped training (last counters: {last})")
        time.sleep(STATS_EVERY_S / 2)


def wait_pointer_left(pg: Page, selector: str) -> None:
    """Move the pointer off the page's content and wait until the element at ``selector`` has
    handled its leaving (a listener added after the page's own ones runs after them)."""
    pg.evaluate("""sel => {
        window.__nnLeft = false;
        document.querySelector(sel).addEventListener(
            "mouseleave", () => { window.__nnLeft = true; }, {once: true});
    }""", selector)
    pg.mouse.move(5, 5, steps=3)
    pg.wait_for_function("() => window.__nnLeft === true", timeout=TIMEOUT_MS)


def move_slider(pg: Page, *keys: str) -> int:
    """Press ``keys`` on the Train page's look-back slider (each key is a rerun: a page key
    moves a tenth of the range), wait for the page to settle; the epoch the slider is at."""
    thumb = pg.locator(".st-key-w_scrub_epoch input[type=range]").first
    thumb.focus()
    for key in keys:
        thumb.press(key)
    wait_idle(pg)
    return int(thumb.input_value())


def assert_weight_hover(pg: Page) -> None:
    """Point at the first weight heatmap's first row (x1 into the hidden units): the hover
    label reads "x1 → h1.k: value", the value one of that row's weights (the transparent
    heatmap under the drawn cells)."""
    cell = pg.locator("[data-chart=weights] .nsewdrag").first.bounding_box()
    label = pg.locator("[data-chart=weights] .hoverlayer .hovertext")
    pg.mouse.move(cell["x"] + cell["width"] * 0.3, cell["y"] + 5)
    label.first.wait_for()
    text = label.first.text_content().strip()
    assert re.fullmatch(r"x1 → h1\.\d+: -?\d+\.\d{4}", text), text
    row = pg.evaluate(
        "() => Array.from(document.querySelector('[data-chart=weights]').data[0].z[0])")
    assert any(abs(float(text.rsplit(":", 1)[1]) - v) < 5e-5 for v in row), (text, row)
