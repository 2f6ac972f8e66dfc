"""Each hidden unit's own map in the live frames (ui/live/view.py): the numbers the network
diagram draws in a unit's node and the surface shows while the pointer is on it.

The reference is the engine itself: ``Network.forward_layers`` on grid rows built here from
``surface_chart.surface_grid`` (with the held inputs), not the view's own grid.
"""

import json

import numpy as np
import pytest

from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import trained
from ui.live import surface as surface_chart
from ui.live import weights as weights_chart
from ui.live.network import MAP_BUDGET, map_points, map_size
from ui.live.view import LiveView, ViewOptions
from ui.views import charts


def decoded_maps(frame: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(values as the browser reads them, q, lo, hi): value = lo + q (hi - lo) / 255."""
    maps = frame["network"]["maps"]
    q = charts.unpack(maps["q"])
    lo, hi = charts.unpack(maps["lo"]), charts.unpack(maps["hi"])
    assert q.dtype == np.uint8 and lo.dtype == hi.dtype == np.float32
    values = lo[:, None, None] + q * ((hi - lo) / np.float32(255))[:, None, None]
    return values.astype(float), q, lo, hi


def engine_maps(trainer: Trainer, view: LiveView, held: dict[int, float] | None = None
                ) -> np.ndarray:
    """Every hidden unit's output at the view's map points, from the engine: (units, m, m)."""
    ds = trainer.dataset
    st = view.static()["network"]["maps"]
    n = view.grid
    xs, ys, G = surface_chart.surface_grid(ds.X, view.ix, view.iy, n, held=held)
    pick = [int(np.flatnonzero(np.isclose(xs, x))[0]) for x in st["x"]]
    assert [int(np.flatnonzero(np.isclose(ys, y))[0]) for y in st["y"]] == pick
    rows = (np.array(pick)[:, None] * n + np.array(pick)[None, :]).ravel()
    _, acts = trainer.network.forward_layers(trainer.preprocessor.transform(G[rows]))
    m = len(pick)
    return np.concatenate(acts[1:-1], axis=1).T.reshape(-1, m, m)


def assert_maps_match(frame: dict, expected: np.ndarray) -> None:
    values, q, lo, hi = decoded_maps(frame)
    assert values.shape == expected.shape
    flat = expected.reshape(len(expected), -1)
    # each unit's range is the engine's, to float32 precision
    np.testing.assert_allclose(lo, flat.min(axis=1), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(hi, flat.max(axis=1), rtol=1e-6, atol=1e-7)
    # every point within half a quantisation step of the engine's value
    step = (hi.astype(float) - lo)[:, None, None] / 255
    assert (np.abs(values - expected) <= step / 2 + 1e-6 * (1 + np.abs(expected))).all()
    assert q.min() == 0 and (q.reshape(len(q), -1).max(axis=1)[hi > lo] == 255).all()


def test_unit_maps_are_the_engines_hidden_outputs_on_the_surface_grid():
    trainer = trained(RunSettings(dataset="moons", hidden=(8, 8), activation="tanh"), 25)
    view = LiveView(trainer, ViewOptions())
    frame = view.frame()
    st = view.static()["network"]["maps"]
    assert st["m"] == 16 and [la["units"] for la in st["layers"]] == [8, 8]
    assert [la["offset"] for la in st["layers"]] == [0, 8]
    assert st["layers"][1]["names"] == [f"h2.{i}" for i in range(1, 9)]
    expected = engine_maps(trainer, view)
    assert expected.shape == (16, 16, 16)
    assert_maps_match(frame, expected)
    # the map's corners are the surface grid's corners: same axes as the surface
    grid = view.static()["surface"]["grid"]
    assert (st["x"][0], st["x"][-1], st["y"][0], st["y"][-1]) == (
        grid["x0"], grid["x1"], grid["y0"], grid["y1"])
    # tanh: coloured on [-1, 1]; the maps really vary over the plane after training
    assert frame["network"]["maps"]["scale"] == [1.0, 1.0]
    assert np.ptp(expected, axis=(1, 2)).min() > 0.01


def test_unit_maps_hold_the_other_inputs_where_the_surface_holds_them():
    trainer = trained(RunSettings(dataset="blog", hidden=(3,)), 25)  # height, weight, age
    at40 = LiveView(trainer, ViewOptions(held=((2, 40.0),)))
    at_mean = LiveView(trainer, ViewOptions())
    assert_maps_match(at40.frame(), engine_maps(trainer, at40, {2: 40.0}))
    assert_maps_match(at_mean.frame(), engine_maps(trainer, at_mean))
    assert not np.allclose(decoded_maps(at40.frame())[0], decoded_maps(at_mean.frame())[0])
    # plotting age against height holds weight, still the engine's numbers
    by_age = LiveView(trainer, ViewOptions(surface_x=0, surface_y=2, held=((1, 70.0),)))
    assert (by_age.ix, by_age.iy) == (0, 2)
    assert_maps_match(by_age.frame(), engine_maps(trainer, by_age, {1: 70.0}))


def test_each_layer_is_coloured_on_its_activations_range():
    trainer = trained(RunSettings(dataset="moons", hidden=(5, 4, 3),
                                  activation="tanh,relu,sigmoid"), 25)
    view = LiveView(trainer, ViewOptions(grid=20))
    frame = view.frame()
    st = view.static()["network"]["maps"]
    assert [la["activation"] for la in st["layers"]] == ["tanh", "relu", "sigmoid"]
    expected = engine_maps(trainer, view)
    assert_maps_match(frame, expected)
    relu = expected[5:9]
    assert frame["network"]["maps"]["scale"] == [1.0, pytest.approx(relu.max()), 1.0]
    assert relu.min() == 0.0 and decoded_maps(frame)[0][5:9].min() == 0.0  # off is exactly 0
    # the colour scale is the weights': white at 0, red below, blue above
    assert st["colorscale"] == weights_chart.WEIGHT_SCALE


def test_map_points_are_the_surface_grid_points_evenly_spread_with_both_ends():
    assert map_points(50, 16).tolist()[:3] == [0, 3, 7] and map_points(50, 16)[-1] == 49
    assert map_points(24, 7).tolist() == [0, 4, 8, 12, 15, 19, 23]
    assert len(set(map_points(50, 16).tolist())) == 16


def test_unit_maps_stay_within_their_byte_budget_on_the_largest_network():
    assert map_size(50, 16) == 16 and map_size(12, 16) == 12  # never finer than the surface
    assert map_size(24, 384) == 7 and MAP_BUDGET >= 384 * 7 * 7
    trainer = trained(RunSettings(dataset="moons", hidden=(64,) * 6, activation="relu"), 25)
    view = LiveView(trainer, ViewOptions())
    frame = view.frame()
    maps = frame["network"]["maps"]
    q = charts.unpack(maps["q"])
    assert q.shape == (384, 7, 7) and q.nbytes <= MAP_BUDGET
    # the maps' share of the frame as sent: the bytes base64 and the two float32 ranges
    assert len(json.dumps(maps)) <= MAP_BUDGET * 4 / 3 + 384 * 8 * 4 / 3 + 1000
    assert_maps_match(frame, engine_maps(trainer, view))


def test_a_network_without_hidden_layers_sends_empty_maps():
    trainer = trained(RunSettings(dataset="moons", hidden=()), 25)
    view = LiveView(trainer, ViewOptions())
    maps = view.frame()["network"]["maps"]
    assert charts.unpack(maps["q"]).size == 0 and maps["scale"] == []
    assert view.static()["network"]["maps"]["layers"] == []


def test_a_blown_up_unit_is_sent_as_numbers_the_browser_can_read():
    trainer = trained(RunSettings(dataset="moons", hidden=(4,), activation="linear"), 25)
    trainer.network.weights[0][:] = np.nan
    values = decoded_maps(LiveView(trainer, ViewOptions()).frame())[0]
    assert np.isfinite(values).all() and (values == 0).all()
