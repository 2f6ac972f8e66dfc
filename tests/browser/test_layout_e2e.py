"""The Train page's layout in headless Chromium at 1400 and 900 px (and a phone): the boxes of
what issue 22 item 5 named, read from the page, do not overlap each other nor leave their
container; pausing does not move the charts. Each test opens its page at one width and checks
it again after the window is resized to the other (helpers.widths).

Each test saves screenshots of what it checks (helpers.screenshot).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from nn_core.settings import RunSettings
from tests.browser.conftest import Visit
from tests.browser.helpers import (
    assert_no_exception,
    click,
    epoch,
    pause,
    permalink,
    play,
    screenshot,
    step,
    upload_csv,
    wait_epoch,
    wait_idle,
    widths,
)

pytestmark = pytest.mark.browser

WIDTHS = (1400, 900)
PHONE = {"width": 390, "height": 844}
TOL = 1.0  # px: sub-pixel rounding of two boxes that touch

# The box of each element a selector finds, relative to the page (Streamlit scrolls inside its
# own container: a box relative to that container's content does not move with its scroll).
BOXES = """(sel) => {
  const main = document.querySelector("[data-testid='stMain']") || document.body;
  const top = main.scrollTop;
  const shown = Array.from(document.querySelectorAll(sel)).filter((el) => {
    const r = el.getBoundingClientRect();  // (Streamlit keeps hidden copies of some widgets)
    return r.width > 0 && r.height > 0;
  });
  return shown.map((el) => {
    const r = el.getBoundingClientRect();
    return {x: r.x, y: r.y + top, w: r.width, h: r.height, right: r.right,
            bottom: r.bottom + top, sw: el.scrollWidth, cw: el.clientWidth,
            text: (el.innerText || el.textContent || "").trim().slice(0, 60)};
  });
}"""


def boxes(pg: Page, selector: str) -> list[dict]:
    found = pg.evaluate(BOXES, selector)
    assert found, f"nothing on the page matches {selector}"
    return found


def box(pg: Page, selector: str) -> dict:
    return boxes(pg, selector)[0]


def overlap(a: dict, b: dict) -> bool:
    return (a["x"] + TOL < b["right"] and b["x"] + TOL < a["right"]
            and a["y"] + TOL < b["bottom"] and b["y"] + TOL < a["bottom"])


def inside(a: dict, outer: dict) -> bool:
    return (a["x"] >= outer["x"] - TOL and a["right"] <= outer["right"] + TOL
            and a["y"] >= outer["y"] - TOL and a["bottom"] <= outer["bottom"] + TOL)


def assert_apart(found: list[dict], what: str) -> None:
    for i, a in enumerate(found):
        for b in found[i + 1:]:
            assert not overlap(a, b), f"{what}: {a} overlaps {b}"


def assert_inside(found: list[dict], outer: dict, what: str) -> None:
    for a in found:
        assert inside(a, outer), f"{what}: {a} leaves {outer}"


def one_line(pg: Page, selector: str) -> list[dict]:
    """Each element's text fits on one line: its height is under two of its lines."""
    lines = pg.evaluate("""(sel) => Array.from(document.querySelectorAll(sel), (el) => {
      const lh = parseFloat(getComputedStyle(el).lineHeight) || 20;
      return {text: el.innerText.trim(), h: el.getBoundingClientRect().height, lh};
    })""", selector)
    assert lines, selector
    for line in lines:
        assert line["h"] < 1.5 * line["lh"], f"{line['text']!r} wraps: {line}"
    return lines


def scroll_to(pg: Page, selector: str) -> None:
    pg.evaluate("(sel) => document.querySelector(sel).scrollIntoView({block: 'center'})",
                selector)
    pg.wait_for_timeout(200)


def show_modebar(pg: Page, chart: str) -> None:
    """Hover (or tap, on a phone) the Plotly chart so its modebar shows."""
    scroll_to(pg, chart)
    target = pg.locator(f"{chart} .nsewdrag").first
    target.hover()
    pg.wait_for_selector(f"{chart} .modebar-container .modebar", state="attached")
    pg.wait_for_function(
        """(sel) => { const m = document.querySelector(sel + ' .modebar');
                      return m && getComputedStyle(m).opacity !== '0'; }""", arg=chart)


def test_pausing_does_not_move_the_charts_and_the_scrubber_fits(visit: Visit):
    with visit(permalink(RunSettings(hidden=(4, 4, 4))), viewport={"width": WIDTHS[0],
                                                                  "height": 1600}) as pg:
        for width in widths(pg, WIDTHS):
            start = epoch(pg)
            play(pg)
            wait_epoch(pg, lambda e, s=start: e >= s + 5, f"reached {start + 5} while playing")
            before = box(pg, ".nnl-root")
            paused = pause(pg)
            wait_idle(pg)
            pg.locator(".st-key-scrub_continue button:visible").first.wait_for()
            after = box(pg, ".nnl-root")
            assert abs(after["y"] - before["y"]) < 3, (width, before, after)
            assert abs(after["x"] - before["x"]) < 3, (width, before, after)
            assert epoch(pg) == paused

            # the scrubber: below the charts, its slider and two buttons apart, whole, inside
            scrubber = box(pg, ".st-key-train_scrubber")
            assert scrubber["y"] >= after["bottom"] - TOL
            parts = [box(pg, ".st-key-w_scrub_epoch"), box(pg, ".st-key-scrub_continue button"),
                     box(pg, ".st-key-scrub_now button")]
            assert_apart(parts, "scrubber")
            assert_inside(parts, scrubber, "scrubber")
            for key in ("scrub_continue", "scrub_now"):
                label = box(pg, f".st-key-{key} button p")
                assert label["sw"] <= label["cw"] + 1, f"{key}'s label is cut: {label}"
            one_line(pg, ".st-key-scrub_continue button p, .st-key-scrub_now button p")
            scroll_to(pg, ".st-key-train_scrubber")
            screenshot(pg, f"layout_scrubber_{width}")
            assert_no_exception(pg)


def test_six_layers_units_labels_on_one_line_and_loss_beside_weights(visit: Visit):
    with visit(permalink(RunSettings(hidden=(8, 8, 8, 8, 8, 8))),
               viewport={"width": WIDTHS[1], "height": 1600}) as pg:  # opened narrow
        step(pg, 1)
        for width in widths(pg, WIDTHS):
            labels = one_line(pg, ".st-key-train_units [data-testid='stWidgetLabel'] p")
            assert [x["text"] for x in labels] == [f"Layer {i}" for i in range(1, 7)]
            inputs = boxes(pg, ".st-key-train_units [data-testid='stNumberInput']")
            assert len(inputs) == 6
            assert_apart(inputs, "units boxes")
            assert_inside(inputs, box(pg, ".st-key-train_units"), "units boxes")
            # in layer order: left to right, then the next line
            order = sorted(range(6), key=lambda i: (round(inputs[i]["y"]), inputs[i]["x"]))
            assert order == list(range(6)), width
            scroll_to(pg, ".st-key-train_units")
            screenshot(pg, f"layout_units_{width}")


def test_three_layers_loss_fills_its_row_beside_the_weights(visit: Visit):
    with visit(permalink(RunSettings(hidden=(4, 4, 4))),
               viewport={"width": WIDTHS[0], "height": 1600}) as pg:
        step(pg, 2)
        for width in widths(pg, WIDTHS):
            cells = [box(pg, f".nnl-{name}") for name in ("surface", "network", "loss", "weights")]
            assert_apart(cells, f"live cells at {width} px")
            loss, weights = box(pg, ".nnl-loss .nnl-plot"), box(pg, ".nnl-weights .nnl-plot")
            if abs(loss["y"] - weights["y"]) < 40:  # side by side: the loss is as tall as its row
                assert loss["h"] >= min(weights["h"], 720) - 2, (width, loss, weights)
            scroll_to(pg, ".nnl-loss")
            screenshot(pg, f"layout_loss_{width}")


def _two_runs_one_stopped(pg: Page) -> None:
    """Run 1 stops at its epoch limit (a "stopped" reason); Reset; one epoch of run 2."""
    step(pg, 3)
    pg.get_by_text("Reached the maximum of 3 epochs").first.wait_for()
    click(pg, "train_reset")
    wait_idle(pg)
    wait_epoch(pg, lambda e: e == 0, "back to 0 after Reset")
    step(pg, 1)


def test_compare_runs_table_whole_and_modebar_clear_of_the_title(visit: Visit):
    with visit(permalink(RunSettings(epochs=3)),
               viewport={"width": WIDTHS[1], "height": 1600}) as pg:  # opened narrow
        _two_runs_one_stopped(pg)
        pg.locator(".st-key-runs_table [data-testid='stTable']").wait_for()
        for width in widths(pg, WIDTHS):
            table = box(pg, ".st-key-runs_table")
            headers = boxes(pg, ".st-key-runs_table th")
            assert "stopped" in [h["text"] for h in headers]
            cells = boxes(pg, ".st-key-runs_table th, .st-key-runs_table td")
            assert_inside(cells, table, f"Compare runs table at {width} px")
            for name in ("runs_loss", "runs_metric"):
                chart = f".st-key-{name}"
                show_modebar(pg, chart)
                modebar = box(pg, f"{chart} .modebar")
                titles = boxes(pg, f"{chart} .gtitle, {chart} .gtitle-subtitle")
                for title in titles:
                    assert not overlap(modebar, title), (width, name, modebar, title)
                assert_inside([modebar, *titles], box(pg, f"{chart} .main-svg"), name)
            scroll_to(pg, ".st-key-runs_table")
            screenshot(pg, f"layout_compare_{width}")


def test_phone_surface_legend_clear_of_the_modebar(visit: Visit):
    with visit("/train", viewport=PHONE, has_touch=True, is_mobile=True) as pg:
        step(pg, 1)
        chart = "[data-chart=surface]"
        scroll_to(pg, chart)
        pg.locator(f"{chart} .nsewdrag").first.tap()
        pg.wait_for_function(
            """(sel) => { const m = document.querySelector(sel + ' .modebar');
                          return m && getComputedStyle(m).opacity !== '0'; }""", arg=chart)
        modebar = box(pg, f"{chart} .modebar")
        legend = box(pg, f"{chart} .legend")
        title = box(pg, f"{chart} .gtitle")
        assert not overlap(modebar, legend), (modebar, legend)
        assert not overlap(modebar, title), (modebar, title)
        assert_inside([legend, title, modebar], box(pg, f"{chart} .main-svg"), "surface")
        screenshot(pg, "layout_phone_surface")


LONG_CLASSES = ("a very long class name for the first kind of row",
                "another very long class name for the second kind",
                "the third class, also named at great length here")


def test_confusion_matrices_keep_readable_digits_with_long_class_names(visit: Visit, tmp_path):
    rows = ["x1,x2,kind"]
    for i in range(60):
        rows.append(f"{i % 7 * 0.3:.2f},{i % 5 * 0.2:.2f},\"{LONG_CLASSES[i % 3]}\"")
    csv = tmp_path / "long_classes.csv"
    csv.write_text("\n".join(rows) + "\n")
    with visit("/", viewport={"width": WIDTHS[0], "height": 1600}) as pg:
        upload_csv(pg, str(csv), "Loaded long_classes.csv: 60 rows")
        pg.locator("[data-testid='stSidebarNav'] a", has_text="Train").first.click()
        wait_idle(pg)
        step(pg, 2)
        matrix = ".st-key-quality_matrix_train"
        pg.locator(f"{matrix} .js-plotly-plot").wait_for()
        for width in widths(pg, WIDTHS):
            scroll_to(pg, matrix)
            digits = pg.evaluate("""(sel) => Array.from(
                document.querySelectorAll(sel + ' .heatmaplayer text, ' + sel + ' text.textpoint'),
                (t) => parseFloat(getComputedStyle(t).fontSize))""", matrix)
            assert len(digits) >= 9 * 1  # a 3 × 3 matrix: a count (and a share) in each cell
            assert min(digits) >= 11, (width, digits)
            plot = box(pg, f"{matrix} .main-svg")
            cells = boxes(pg, f"{matrix} .heatmaplayer text, {matrix} text.textpoint")
            assert_inside(cells, plot, f"confusion matrix at {width} px")
            screenshot(pg, f"layout_confusion_{width}")


def test_the_browser_warms_the_element_code_while_idle(visit: Visit):
    """ui/views/preload.py: once the first page is idle, the browser has imported the code of the
    elements the other pages show, so How it works' code boxes hold their code once its run
    ends (no blank boxes while a 1.5 MB highlighter loads). A first visit: empty caches."""
    with visit("/", cold=True) as page:
        _warmed_then_how_it_works(page)


def _warmed_then_how_it_works(page: Page) -> None:
    from ui.views.preload import chunks

    wanted = list(chunks())
    assert any(n.startswith("StreamlitSyntaxHighlighter.") for n in wanted)
    assert any(n.startswith("PlotlyChart.") for n in wanted)
    page.wait_for_function(
        "(n) => window.__nnPreload && window.__nnPreload.done.length"
        " + window.__nnPreload.failed.length === n", arg=len(wanted))
    loaded = page.evaluate("() => window.__nnPreload")
    assert loaded["failed"] == [] and sorted(loaded["done"]) == sorted(wanted)
    page.locator("[data-testid='stSidebarNav'] a", has_text="How it works").first.click()
    page.wait_for_selector("h1:has-text('How it works')")
    wait_idle(page)
    page.wait_for_function("""() => {
      const codes = Array.from(document.querySelectorAll("[data-testid='stCode'] code"));
      return codes.length >= 5 && codes.every((c) => c.textContent.trim().length > 0); }""")
    assert_no_exception(page)
