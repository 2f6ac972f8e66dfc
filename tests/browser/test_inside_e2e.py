"""Inside the network in headless Chromium (issue 25): the blog's raw network (its hidden
layer's gradient dead, its units saturated; the rate finder and "Use this rate"), and moons
(the landscape's path, the hidden space's warped grid), on a desktop and a phone. Screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from nn_core.settings import BLOG_SETUP, RunSettings
from tests.browser.helpers import (
    TIMEOUT_MS,
    assert_no_exception,
    click,
    go_to,
    permalink,
    screenshot,
    wait_idle,
)

pytestmark = pytest.mark.browser

BLOG = RunSettings(dataset="blog", epochs=1000, **BLOG_SETUP)
MOONS = RunSettings(dataset="moons", hidden=(8, 8), activation="tanh", lr=0.3, epochs=150)
# Every Plotly chart on the page by its Streamlit key: its traces' names, x and y.
CHARTS = """() => Object.fromEntries(Array.from(document.querySelectorAll('.js-plotly-plot'))
  .map(gd => [(gd.closest('[class*="st-key-"]') || {className: ''}).className.match(
     /st-key-(inside_[a-z]+)/)?.[1] || '', gd._fullData.map(t => ({name: t.name || '', type: t.type,
     x: t.x ? Array.from(t.x) : [], y: t.y ? Array.from(t.y) : [], yaxis: t.yaxis || 'y'}))])
  .filter(([k]) => k))"""


def train_to_the_end(pg: Page) -> None:
    """Play at top speed until the run stops at its maximum epochs (Play comes back)."""
    click(pg, "train_play")
    expect(pg.get_by_test_id("stAlertContentSuccess").get_by_text("Reached the maximum of"))\
        .to_be_visible(timeout=120_000)
    wait_idle(pg)


def show(pg: Page, heading: str) -> None:
    pg.get_by_role("heading", name=heading).evaluate("el => el.scrollIntoView({block: 'start'})")
    pg.mouse.move(5, 5)


def charts(pg: Page) -> dict:
    return pg.evaluate(CHARTS)


def test_the_blogs_network_inside(visit) -> None:
    with visit(permalink(BLOG, {"speed": "max"})) as pg:
        pg.wait_for_selector(".st-key-nn_epoch h2")
        train_to_the_end(pg)
        go_to(pg, "Inside the network")
        assert_no_exception(pg)
        pg.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3")
        flow = charts(pg)["inside_flow"]
        norms = {t["name"]: t["y"] for t in flow if t["yaxis"] == "y"}
        saturated = [t["y"] for t in flow if t["yaxis"] == "y2"]
        assert norms["hidden layer 1"][-1] < 1e-8 < norms["output layer"][-1]
        assert saturated[0][-1] == 100
        expect(pg.get_by_text("At epoch 1000: hidden layer 1: gradient")).to_contain_text(
            "100% of its units saturated (its gradient is about zero")
        show(pg, "Gradient flow")
        screenshot(pg, "inside_flow_blog")
        hidden = charts(pg)["inside_hidden"]
        assert any(t["name"] == "input grid" for t in hidden)
        show(pg, "Hidden space")
        screenshot(pg, "inside_hidden_blog")
        # the rate finder on the saturated network
        pg.get_by_role("button", name="Find a learning rate").click()
        wait_idle(pg)
        pg.wait_for_selector(".st-key-inside_finder .js-plotly-plot", timeout=TIMEOUT_MS)
        finder = charts(pg)["inside_finder"]
        assert [t["name"] for t in finder[:2]] == ["measured", "smoothed"]
        assert finder[0]["x"][0] == pytest.approx(1e-5)
        show(pg, "Learning-rate finder")
        screenshot(pg, "inside_finder_blog")
        # the saturated network: the loss does not fall at any rate, so nothing is suggested
        expect(pg.get_by_text("No real fall before the lowest loss")).to_be_visible()
        assert_no_exception(pg)


def test_moons_inside_on_a_desktop_and_a_phone(visit) -> None:
    with visit(permalink(MOONS, {"speed": "max"})) as pg:
        pg.wait_for_selector(".st-key-nn_epoch h2")
        train_to_the_end(pg)
        go_to(pg, "Inside the network")
        assert_no_exception(pg)
        pg.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3")
        land = charts(pg)["inside_landscape"]
        assert land[0]["type"] == "contour"
        path = next(t for t in land if t["name"] == "training path")
        assert len(path["x"]) >= 10 and path["x"][-1] == 0 and path["y"][-1] == 0
        expect(pg.get_by_text("first two principal axes of its")).to_be_visible()
        show(pg, "Loss landscape")
        screenshot(pg, "inside_landscape_moons")
        pg.locator(".st-key-w_inside_layer").click()
        pg.get_by_role("option", name="2 (8 units, tanh)").click()
        wait_idle(pg)
        expect(pg.get_by_text("so the axes are its first two principal axes")).to_be_visible()
        show(pg, "Hidden space")
        screenshot(pg, "inside_hidden_moons")
        # the same session on a phone's width: the views fit, one under the other
        pg.set_viewport_size({"width": 390, "height": 1800})
        wait_idle(pg)
        pg.wait_for_function(  # Plotly follows its container to the phone's width
            "() => { const w = Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".map(gd => gd.getBoundingClientRect().width);"
            " return w.length >= 3 && Math.max(...w) <= 390; }")
        show(pg, "Gradient flow")
        screenshot(pg, "inside_phone")
        pg.set_viewport_size({"width": 1500, "height": 1700})
        # the rate finder, then "Use this rate" sets the Train page's slider
        pg.get_by_role("button", name="Find a learning rate").click()
        wait_idle(pg)
        pg.wait_for_selector(".st-key-inside_finder .js-plotly-plot", timeout=TIMEOUT_MS)
        use = pg.get_by_role("button", name=re.compile(r"^Use this rate"))
        rate = use.inner_text().split("(")[1].rstrip(")")
        show(pg, "Learning-rate finder")
        screenshot(pg, "inside_finder_moons")
        use.click()
        wait_idle(pg)
        expect(pg.get_by_text(f"Learning rate set to {rate}")).to_be_visible()
        go_to(pg, "Train")
        expect(pg.locator(".st-key-w_lr")).to_contain_text(rate)
        assert_no_exception(pg)
