"""The live Plotly charts (loss, weights, slopes, decision surface) at the extremes the
settings allow, in headless Chromium: no text label overlaps another or leaves its chart; and
what Plotly gives every chart: hover, a zoom kept while training, the PNG download.

Extremes: no hidden layer, six hidden layers of the most units, a wide uploaded table (50
inputs with long names, long class names), and a table whose names are long, accented, emoji,
``$``, backslashes and CJK, at two window widths: the network diagram cuts them to the room
beside it and names them whole on hover. Each is screenshotted (``train_labels_*.png``)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from nn_core.settings import MAX_HIDDEN_LAYERS, MAX_NODES, RunSettings
from tests.browser.conftest import VIEWPORT, Visit
from tests.browser.helpers import (
    TIMEOUT_MS,
    assert_no_exception,
    assert_weight_hover,
    click,
    go_to,
    live_stats,
    permalink,
    screenshot,
    upload_csv,
    wait_epoch,
    wait_idle,
    widths,
    zoom_surface,
)

# Every visible text box of every Plotly chart in the live element, with its chart's box.
LABELS = """() => {
  const out = {};
  for (const gd of document.querySelectorAll('.nnl-root .js-plotly-plot')) {
    const box = gd.getBoundingClientRect();
    const texts = [];
    for (const t of gd.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      const style = getComputedStyle(t);
      if (!t.textContent.trim() || r.width === 0 || r.height === 0) continue;
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      if (+style.opacity === 0) continue;
      if (t.closest('.hoverlayer')) continue;
      texts.push({text: t.textContent, l: r.left, t: r.top, r: r.right, b: r.bottom});
    }
    out[gd.dataset.chart] = {box: {l: box.left, t: box.top, r: box.right, b: box.bottom}, texts};
  }
  return out;
}"""
RANGES = """name => {
  const gd = document.querySelector(`[data-chart=${name}]`);
  return [gd._fullLayout.xaxis.range, gd._fullLayout.yaxis.range];
}"""
SLACK = 1.0  # px: boxes that merely touch do not overlap


def _overlap(a: dict, b: dict) -> bool:
    return (min(a["r"], b["r"]) - max(a["l"], b["l"]) > SLACK
            and min(a["b"], b["b"]) - max(a["t"], b["t"]) > SLACK)


def assert_labels_apart(pg: Page, only: tuple[str, ...] | None = None) -> dict:
    """Assert, chart by chart (or for the charts named in ``only``), that no two labels
    overlap and none leaves the chart."""
    pg.mouse.move(2, 2)  # no hover label
    pg.wait_for_timeout(300)
    charts = pg.evaluate(LABELS)
    assert set(charts) == {"loss", "weights", "slopes", "surface"}, sorted(charts)
    for name, chart in charts.items():
        if only is not None and name not in only:
            continue
        box, texts = chart["box"], chart["texts"]
        assert texts, f"{name}: no labels at all"
        for i, a in enumerate(texts):
            assert (a["l"] >= box["l"] - SLACK and a["r"] <= box["r"] + SLACK
                    and a["t"] >= box["t"] - SLACK and a["b"] <= box["b"] + SLACK), \
                f"{name}: {a['text']!r} leaves the chart {a} {box}"
            for b in texts[i + 1:]:
                assert not _overlap(a, b), f"{name}: {a['text']!r} overlaps {b['text']!r}"
    return charts


def _drawn(pg: Page) -> None:
    pg.wait_for_function("() => window.__nnLive && window.__nnLive.frames > 0"
                         " && document.querySelectorAll('.nnl-root .js-plotly-plot').length === 4",
                         timeout=TIMEOUT_MS)
    wait_idle(pg)
    pg.wait_for_timeout(500)
    assert live_stats(pg)["error"] is None


def _open(pg: Page, server: str, settings: RunSettings) -> None:
    pg.goto(server + permalink(settings))
    wait_idle(pg)
    _drawn(pg)


@pytest.mark.parametrize(("name", "hidden"), [
    ("none", ()),
    ("largest", (MAX_NODES,) * MAX_HIDDEN_LAYERS),
])
def test_labels_apart_at_the_network_size_extremes(tab: Page, server: str, name: str,
                                                   hidden: tuple[int, ...]) -> None:
    settings = RunSettings(dataset="moons", hidden=hidden)
    _open(tab, server, settings)
    charts = assert_labels_apart(tab)
    assert_network_readable(tab)  # a 6x64 network's bias boxes clear its units
    # the network diagram draws every weight of a small network, a big one's 2,000 largest
    sizes = [2, *hidden, 1]
    weights = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    assert live_stats(tab)["edgesDrawn"] == min(weights, 2000)
    assert len(tab.evaluate("() => window.__nnLive.networkLabels")) == 3  # x1, x2, p(1)
    assert weights == (21_057 if hidden else 3)
    captions = " ".join(t["text"] for t in charts["weights"]["texts"])
    assert "inputs →" in captions  # the first layer's caption is shown whole
    assert ("hidden 6 →" in captions) == bool(hidden)
    slopes = {t["text"] for t in charts["slopes"]["texts"]}
    # 385 units: one label per layer (short names when the long ones would touch); no hidden
    # layer: the output unit by its name
    every_layer = {"hidden 1", "hidden 6", "output"} <= slopes or {"h1", "h6", "out"} <= slopes
    assert every_layer if hidden else ("p(1)" in slopes), " | ".join(sorted(slopes))
    # narrower windows: the charts are laid out again, the labels stay apart
    for width in (1280, 900):
        tab.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
        tab.wait_for_timeout(1500)
        assert_labels_apart(tab)
        # the paused network diagram is drawn again at its new width, not stretched
        tab.wait_for_function(NETWORK_AT_WIDTH)
        assert_network_readable(tab)
    tab.set_viewport_size(VIEWPORT)
    tab.wait_for_timeout(1500)
    assert_labels_apart(tab)
    assert_no_exception(tab)
    screenshot(tab, f"train_labels_{name}")


def wide_csv(columns: int = 50, rows: int = 80) -> str:
    """``columns`` numeric inputs with long names and a class column with long class names."""
    header = [f"<b>{i:02d}</b> measurement number of the sample" for i in range(columns)]
    lines = [",".join([*header, "kind of thing"])]
    for r in range(rows):
        values = [f"{((r * 7 + c * 13) % 17) / 3:.2f}" for c in range(columns)]
        kind = ("a rather long class name A & co", "another long class name B")[r % 2]
        lines.append(",".join([*values, kind]))
    return "\n".join(lines) + "\n"


def test_labels_apart_for_a_wide_table_with_long_names(page: Page, tmp_path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(wide_csv())
    upload_csv(page, str(path), "Loaded wide.csv")
    go_to(page, "Train")
    _drawn(page)
    charts = assert_labels_apart(page)
    # the network diagram names its 50 inputs only where a name clears the one above
    names = assert_network_readable(page)["labels"]
    assert 2 < len(names) < 51
    text = " ".join(t["text"] for t in charts["weights"]["texts"] + charts["slopes"]["texts"])
    assert "<b>" in text  # a user's markup shows as the characters typed, not as bold
    assert_no_exception(page)
    screenshot(page, "train_labels_wide")


# Input names of every kind a CSV header may hold (none longer than the 100 characters a name may
# have), and three long class names: the network's outputs under softmax.
LONG_NAMES = [
    "身高（厘米）",
    "体重（公斤）以及测量时的其他备注信息和说明",
    "Körpergröße der Versuchsperson in Zentimetern (gemessen, ohne Schuhe)",
    "🌡️ temperature of the room at noon 🌡️ in degrees",
    "price in $US before tax and shipping ($$$)",
    r"C:\data\raw\sensor_reading_final_v2\value",
]
LONG_CLASSES = [
    "a rather long class name A & co",
    "Ωmega — the third very long class name 🎉",
    r"back\slash class with a $ price tag",
]
NETWORK = """() => ({labels: window.__nnLive.networkLabels,
                    layout: window.__nnLive.networkLayout})"""
NETWORK_AT_WIDTH = """() => window.__nnLive.networkLayout.w
    === document.querySelector('[data-chart=network]').clientWidth"""


def long_names_csv(rows: int = 90) -> str:
    """The :data:`LONG_NAMES` as numeric inputs and a class column of :data:`LONG_CLASSES`."""
    header = [f'"{n}"' for n in [*LONG_NAMES, "kind of thing"]]
    lines = [",".join(header)]
    for r in range(rows):
        values = [f"{((r * 7 + c * 13) % 17) / 3:.2f}" for c in range(len(LONG_NAMES))]
        lines.append(",".join([*values, f'"{LONG_CLASSES[r % 3]}"']))
    return "\n".join(lines) + "\n"


def assert_network_readable(pg: Page) -> dict:
    """Assert that the network diagram's columns span at least half its width, that its drawn
    names stay apart and inside the canvas, and that no bias box touches a box or a unit; what
    it drew (``labels``, ``layout``)."""
    pg.mouse.move(2, 2)
    drawn = pg.evaluate(NETWORK)
    labels, layout = drawn["labels"], drawn["layout"]
    w, h = layout["w"], layout["h"]
    left, right = layout["span"]
    assert right - left >= w / 2, f"the layers span {right - left:.0f} of {w} px"
    inside = {"l": -SLACK, "t": -SLACK, "r": w + SLACK, "b": h + SLACK}
    for i, a in enumerate(labels):
        assert (a["l"] >= inside["l"] and a["r"] <= inside["r"]
                and a["t"] >= inside["t"] and a["b"] <= inside["b"]), \
            f"{a['text']!r} leaves the {w}x{h} canvas: {a}"
        for b in labels[i + 1:]:
            assert not _overlap(a, b), f"{a['text']!r} overlaps {b['text']!r}"
    bias = layout["bias"]
    assert bias, "no bias node drawn"
    for i, a in enumerate(bias):
        assert a["l"] >= 0 and a["r"] <= w and a["t"] >= 0 and a["b"] <= h, a
        for b in bias[i + 1:] + layout["nodes"] + labels:
            assert not _overlap(a, b), f"a bias box {a} overlaps {b}"
    return drawn


def test_long_names_are_cut_beside_the_network_and_named_whole_on_hover(
        visit: Visit, tmp_path: Path) -> None:
    path = tmp_path / "long names.csv"
    path.write_text(long_names_csv(), encoding="utf-8")
    with visit("/", viewport={"width": 1400, "height": VIEWPORT["height"]}) as pg:
        upload_csv(pg, str(path), "Loaded long names.csv")
        go_to(pg, "Train")
        _drawn(pg)
        for width in widths(pg, (1400, 900)):  # opened wide, then the window narrowed
            drawn = assert_network_readable(pg)
            labels = drawn["labels"]
            # every drawn name is a user's name, whole or cut with an ellipsis
            assert {a["full"] for a in labels} <= set(LONG_NAMES) | set(LONG_CLASSES)
            assert any(a["full"] in LONG_CLASSES for a in labels)
            cut = [a for a in labels if a["text"] != a["full"]]
            assert cut, "no name was cut: " + " | ".join(a["text"] for a in labels)
            for a in cut:
                assert a["text"].endswith("…") and len(a["text"]) > 1, a["text"]
                assert a["full"].startswith(a["text"][:-1]), (a["text"], a["full"])
            # pointing at a node whose name was cut names it whole, in a tip inside the element
            canvas = pg.locator("[data-chart=network]").bounding_box()
            root = pg.locator(".nnl-root").bounding_box()
            tip = pg.locator(".nnl-tip")
            for a in cut:
                pg.mouse.move(canvas["x"] + a["x"], canvas["y"] + a["y"])
                tip.wait_for(state="visible")
                pg.wait_for_function("full => document.querySelector('.nnl-tip').textContent"
                                     ".split('\\n')[0] === full", arg=a["full"])
                box = tip.bounding_box()
                assert (box["x"] >= root["x"] - SLACK
                        and box["x"] + box["width"] <= root["x"] + root["width"] + SLACK), \
                    f"the tip naming {a['full']!r} leaves the element: {box} {root}"
            screenshot(pg, f"train_labels_long_names_{width}_hover")
            assert_network_readable(pg)  # (moves the pointer away)
            # the surface's axis titles (a CJK name on the vertical axis) clear its title
            assert_labels_apart(pg, only=("surface",))
            assert_no_exception(pg)
            screenshot(pg, f"train_labels_long_names_{width}")


CELL_CENTRES = """() => {
  // the first heatmap's cells' centres in the chart's CSS pixels, and its z (hover's numbers)
  const gd = document.querySelector('[data-chart=weights]');
  const L = gd._fullLayout;
  const xa = L.xaxis, ya = L.yaxis;
  const z = gd.data[0].z;
  const out = [];
  for (let r = 0; r < z.length; r++) {
    for (let c = 0; c < z[r].length; c++) {
      out.push({r, c, x: xa._offset + xa.l2p(c), y: ya._offset + ya.l2p(r)});
    }
  }
  return {cells: out, width: L.width, height: L.height};
}"""


def test_the_loss_and_the_weights_keep_their_zoom_while_training_and_download_as_png(
        tab: Page, server: str) -> None:
    """Both charts zoomed on one page (an opening of the Train page is ~5 s of Chromium): the
    zooms hold while training; then, paused, each gives its view back on a double click, names
    what is under the pointer, and downloads as a PNG. The heatmaps' cells are drawn as layout
    images over transparent heatmaps: the PNG shows the cells as the tab does."""
    from io import BytesIO

    from PIL import Image  # (Pillow comes with Streamlit)

    _open(tab, server, RunSettings(dataset="moons", hidden=(8, 8)))
    zoom_surface(tab, 0.2, 0.4, chart="loss")
    zoom_surface(tab, 0.1, 0.5, chart="weights")
    zoomed = {name: tab.evaluate(RANGES, name) for name in ("loss", "weights")}
    click(tab, "train_play")
    start = {name: live_stats(tab)["charts"][name]["distinct"] for name in zoomed}
    wait_epoch(tab, lambda n: n >= 40, "reached 40")
    for name, n in start.items():
        tab.wait_for_function(f"n => window.__nnLive.charts.{name}.distinct > n + 10", arg=n)
    for name, view in zoomed.items():  # ten updates of each later, the same views
        assert tab.evaluate(RANGES, name) == view, name
    click(tab, "train_pause")
    wait_idle(tab)

    # the loss: a double click gives the view back to the chart (every epoch trained is in it)
    tab.locator("[data-chart=loss] .nsewdrag").first.dblclick()
    now = tab.evaluate("() => +document.querySelector('.nnl-root').dataset.epoch")
    tab.wait_for_function("n => document.querySelector('[data-chart=loss]')"
                           "._fullLayout.xaxis.range[1] >= n", arg=now)
    # hover: the unified label names the values at the epoch under the pointer
    box = tab.locator("[data-chart=loss] .nsewdrag").first.bounding_box()
    tab.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    label = tab.locator("[data-chart=loss] .hoverlayer .legend text")
    label.first.wait_for()
    assert "train loss" in " ".join(label.all_text_contents())
    # the modebar's camera saves the chart as a PNG file
    tab.locator("[data-chart=loss]").hover()
    with tab.expect_download() as info:
        tab.locator("[data-chart=loss] .modebar-btn[data-title='Download plot as a PNG']").click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    assert Path(download.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # the weights: the whole heatmaps again
    tab.locator("[data-chart=weights] .nsewdrag").first.dblclick()
    tab.wait_for_timeout(500)
    assert_weight_hover(tab)  # "from → to: value", one of the first row's weights
    tab.mouse.move(2, 2)
    tab.wait_for_timeout(300)
    # the modebar's camera: the PNG shows every cell of the first heatmap as the tab shows it
    chart = tab.locator("[data-chart=weights]")
    shown = Image.open(BytesIO(chart.screenshot())).convert("RGB")
    geometry = tab.evaluate(CELL_CENTRES)
    chart.hover()
    with tab.expect_download() as info:
        tab.locator("[data-chart=weights] .modebar-btn[data-title='Download plot as a PNG']"
                     ).click()
    png = Image.open(info.value.path()).convert("RGB")
    assert png.size == (round(geometry["width"]), round(geometry["height"]))
    colours = set()
    for cell in geometry["cells"]:
        x, y = round(cell["x"]), round(cell["y"])
        got, want = png.getpixel((x, y)), shown.getpixel((x, y))
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= 12, (cell, got, want)
        assert got != (255, 255, 255), cell  # a cell, not the white behind the heatmap
        colours.add(got)
    assert len(colours) > 3  # the weights' colours, not one blank fill
    assert_no_exception(tab)


def test_the_weights_hover_follows_training_while_pointed_at(tab: Page, server: str) -> None:
    """While playing, the transparent heatmaps under the images keep their z only while the
    pointer is on the chart: pointed at, the hover's numbers follow the training."""
    _open(tab, server, RunSettings(dataset="moons", hidden=(8, 8)))
    first_row = ("() => Array.from(document.querySelector('[data-chart=weights]')"
                 ".data[0].z[0])")
    click(tab, "train_play")
    box = tab.locator("[data-chart=weights] .nsewdrag").first.bounding_box()
    tab.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 5)
    shown = tab.evaluate(first_row)
    tab.wait_for_function(f"row => JSON.stringify(({first_row})()) !== JSON.stringify(row)",
                           arg=shown)
    label = tab.locator("[data-chart=weights] .hoverlayer .hovertext")
    tab.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 6)
    label.first.wait_for()
    assert re.fullmatch(r"x1 → h1\.\d+: -?\d+\.\d{4}", label.first.text_content().strip())
    click(tab, "train_pause")
    wait_idle(tab)
    assert_no_exception(tab)
