"""Each hidden unit's own map in the network diagram, and on the surface while the pointer is on
it, in headless Chromium on the default run (two moons 2-8-8-1).

The element exposes what it drew on ``window.__nnLive``: ``units`` (each hidden unit's centre
and half side in the network canvas), ``mapsDrawn`` (network frames drawn with unit maps) and
``lastSurface`` (the values, unit and title the surface last showed). The maps are checked
against the engine: a fresh run with the same seed, trained to the same epoch.
"""

from __future__ import annotations

import numpy as np
from playwright.sync_api import Page

from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.browser.helpers import (
    assert_no_exception,
    epoch,
    last_surface,
    pause,
    play,
    screenshot,
    wait_epoch,
    wait_pointer_left,
    wait_surface,
    zoom_surface,
)
from tests.conftest import trained
from tests.unit.test_neuron_maps import decoded_maps, engine_maps
from ui.live.view import LiveView, ViewOptions
from ui.views.charts import unpack

UNITS = "() => window.__nnLive.units"
# the distinct colours inside a unit's square on the network canvas (device pixels)
PIXELS = """([x, y, half]) => {
  const cv = document.querySelector("canvas[data-chart=network]");
  const k = cv.width / cv.clientWidth;
  const side = Math.max(1, Math.floor(2 * (half - 2) * k));
  const d = cv.getContext("2d").getImageData(Math.round((x - half + 2) * k),
                                             Math.round((y - half + 2) * k), side, side).data;
  const seen = new Set();
  for (let i = 0; i < d.length; i += 4) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
  return [...seen];
}"""


def point_at(pg: Page, unit: dict) -> None:
    box = pg.locator("canvas[data-chart=network]").bounding_box()
    pg.mouse.move(box["x"] + unit["x"], box["y"] + unit["y"], steps=3)


def away(pg: Page) -> None:
    pg.mouse.move(5, 5, steps=3)


def surface_shows(pg: Page, unit: dict | None) -> dict:
    """Wait until the surface shows ``unit`` (None: the network's output); return it."""
    want = None if unit is None else [unit["layer"], unit["index"]]
    pg.wait_for_function(
        "want => { const s = window.__nnLive.lastSurface; const u = s && s.unit;"
        " return want === null ? !u : !!u && u.layer === want[0] && u.index === want[1]; }",
        arg=want,
    )
    return last_surface(pg)


def fresh(k: int) -> tuple[Trainer, LiveView]:
    """A fresh default run (same seed) trained to epoch ``k``, and its live view."""
    s = RunSettings()
    t = trained(s)
    t.train_epochs(k)
    return t, LiveView(t, ViewOptions())


def test_units_draw_their_maps_and_the_surface_shows_the_one_pointed_at(train_page: Page) -> None:
    page = train_page  # opened on the Train page by its address
    page.wait_for_function("() => window.__nnLive && window.__nnLive.mapsDrawn > 0")
    units = page.evaluate(UNITS)
    assert [(u["layer"], u["index"]) for u in units] == \
        [(1, i) for i in range(8)] + [(2, i) for i in range(8)]
    # each unit's square is painted with its map: many colours, not the plain node
    for u in (units[0], units[11]):
        assert len(page.evaluate(PIXELS, [u["x"], u["y"], u["half"]])) >= 5

    # zoom into the surface; pointing at units while playing must keep it
    zoom_surface(page, 0.25, 0.5)
    zoomed = last_surface(page)["range"]

    drawn_before = page.evaluate("() => window.__nnLive.mapsDrawn")
    play(page)
    wait_epoch(page, lambda e: e >= 20, "reached 20 while playing")
    h13 = units[2]
    point_at(page, h13)
    shown = surface_shows(page, h13)
    assert shown["title"] == "Hidden unit h1.3 (tanh)"
    assert np.array(shown["z"]).shape == (16, 16)
    start = shown["epoch"]
    page.wait_for_function(  # frames go on arriving: the unit's map follows the training
        "e => window.__nnLive.lastSurface.epoch > e && window.__nnLive.lastSurface.unit", arg=start)
    assert last_surface(page)["range"] == zoomed
    wait_epoch(page, lambda e: e >= 60, "reached 60 while playing")
    away(page)
    now = pause(page)
    wait_surface(page, now)
    assert page.evaluate("() => window.__nnLive.mapsDrawn") > drawn_before + 10

    # paused: point at h2.5, the surface shows exactly that unit's map of this epoch
    trainer, view = fresh(now)
    frame = view.frame()
    values = decoded_maps(frame)[0]
    truth = engine_maps(trainer, view)  # the engine's own numbers at the map points
    output = unpack(frame["surface"]["z"]).astype(float)
    h25 = units[12]
    point_at(page, h25)
    shown = surface_shows(page, h25)
    assert shown["epoch"] == now and shown["title"] == "Hidden unit h2.5 (tanh)"
    z = np.array(shown["z"])
    np.testing.assert_allclose(z, values[12], atol=1e-6)
    step = np.ptp(truth[12]) / 255
    assert np.abs(z - truth[12]).max() <= step / 2 + 1e-6
    assert "h2.5 on this grid" in page.locator(".nnl-surface .nnl-note").inner_text()

    # moving away restores the network's output
    away(page)
    shown = surface_shows(page, None)
    assert shown["title"] == "Decision surface"
    np.testing.assert_allclose(np.array(shown["z"]), output, atol=1e-6)

    # a click pins the unit: it stays when the pointer leaves
    point_at(page, h13)
    surface_shows(page, h13)
    page.mouse.down()
    page.mouse.up()
    wait_pointer_left(page, "canvas[data-chart=network]")  # the element has handled it
    shown = surface_shows(page, h13)
    assert shown["title"] == "Hidden unit h1.3 (tanh), pinned"
    np.testing.assert_allclose(np.array(shown["z"]), values[2], atol=1e-6)
    unpin = page.locator(".nnl-unpin")
    assert unpin.is_visible()
    # pointing at another unit shows that one; leaving goes back to the pinned one
    point_at(page, h25)
    surface_shows(page, h25)
    away(page)
    surface_shows(page, h13)
    assert last_surface(page)["range"] == zoomed
    assert_no_exception(page)
    screenshot(page, "train_neurons")

    # the button shows the network's output again; so does a second click on the unit
    unpin.click()
    shown = surface_shows(page, None)
    np.testing.assert_allclose(np.array(shown["z"]), output, atol=1e-6)
    assert not unpin.is_visible()
    point_at(page, h25)
    page.mouse.down()
    page.mouse.up()
    away(page)
    surface_shows(page, h25)
    point_at(page, h25)
    page.mouse.down()
    page.mouse.up()
    away(page)
    shown = surface_shows(page, None)
    assert shown["title"] == "Decision surface"
    assert epoch(page) == now
