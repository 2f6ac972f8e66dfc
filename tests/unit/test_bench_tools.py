"""The benchmarks' pure helpers (no browser, no timings): bench/plotly_calls.py's figure builders
give every chart the shapes the live Train page draws."""

from __future__ import annotations

import json

import pytest

from bench import plotly_calls as pc


def test_layer_shapes_have_a_bias_row() -> None:
    assert pc.layer_shapes([2, 8, 8, 1]) == [(3, 8), (9, 8), (9, 1)]
    big = pc.layer_shapes(pc.SIZES["2-64x6-1"])
    assert big == [(3, 64), *[(65, 64)] * 5, (65, 1)]
    assert sum(pc.unit_layers(pc.SIZES["2-64x6-1"])) == 385


@pytest.mark.parametrize("size", list(pc.SIZES))
def test_weights_figure_one_heatmap_per_layer(size: str) -> None:
    shapes = pc.layer_shapes(pc.SIZES[size])
    fig = pc.weights_figure(shapes)
    assert len(fig["data"]) == len(shapes)
    for k, (trace, (rows, cols)) in enumerate(zip(fig["data"], shapes, strict=True)):
        assert trace["type"] == "heatmap" and trace["coloraxis"] == "coloraxis"
        assert len(trace["z"]) == rows and all(len(r) == cols for r in trace["z"])
        assert len(trace["y"]) == rows and len(trace["x"]) == cols
        suffix = "" if k == 0 else str(k + 1)
        assert trace["xaxis"] == "x" + suffix and "xaxis" + suffix in fig["layout"]
    canvas = pc.weights_canvas_figure(shapes)
    assert canvas["data"] == [] and canvas["layout"]["height"] == fig["layout"]["height"]
    for box in canvas["meta"]["boxes"]:
        assert 0 <= box["x"][0] < box["x"][1] <= 1 and 0 <= box["y"][0] < box["y"][1] <= 1


def test_weights_grid_wraps_like_the_page() -> None:
    # 700 px holds 5 layers a row: the largest network's 7 take two rows, the small one's 3 one
    small = pc.weights_grid(pc.layer_shapes([2, 8, 8, 1]))
    big = pc.weights_grid(pc.layer_shapes(pc.SIZES["2-64x6-1"]))
    assert len({tuple(b["y"]) for b in small["boxes"]}) == 1
    assert len({tuple(b["y"]) for b in big["boxes"]}) == 2
    assert big["height"] > small["height"]


@pytest.mark.parametrize("units", [[8, 8, 1], [*[64] * 6, 1]])
def test_slopes_figures_one_trace_per_layer(units: list[int]) -> None:
    bars = pc.slopes_bars_figure(units)
    outline = pc.slopes_outline_figure(units)
    assert [len(t["y"]) for t in bars["data"]] == units
    assert [len(t["y"]) for t in outline["data"]] == [4 * n for n in units]
    assert all(len(t["x"]) == len(t["y"]) for t in outline["data"])
    places = [x for xs in pc.slope_places(units) for x in xs]
    assert places == sorted(places) and len(places) == sum(units)


def test_loss_figure_lines_and_panels() -> None:
    fig = pc.loss_figure(6, 500, updates=65)
    assert len(fig["data"]) == 6 and all(len(t["x"]) == len(t["y"]) == 500 for t in fig["data"])
    assert [t["yaxis"] for t in fig["data"]] == ["y"] * 3 + ["y2"] * 3
    assert fig["layout"]["xaxis"]["range"][1] >= 500 + 65  # extended points stay in view


def test_every_call_has_its_figure_and_everything_is_json() -> None:
    for size in pc.SIZES:
        figs = pc.figures(size, updates=10)
        for chart, variant, _ in pc.CALLS:
            assert variant in figs[chart]
        json.dumps(figs)  # the page receives them as JSON
    assert pc.plotly_js().is_file()


def test_table_has_one_row_per_result() -> None:
    rows = [{"chart": "loss", "size": "4 lines x 100", "call": "animate", "js": 0.2,
             "task": 10.0, "layout": 0.3, "frame": 50.0}]
    text = pc.table(rows, 60, (1.0, 1.0, 1.0))
    assert "load average before the run 1.00" in text
    assert text.splitlines()[-1].split("|")[8].strip() == "100"  # upd/s = 1000 / full ms
