"""The chart builders (ui/views/charts.py, ui/live/<chart>.py) and live frames (ui/live/view.py).

Values are checked against the arrays they come from and against network outputs computed here
by hand, not against the builders' own helpers.
"""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from nn_core.data.dataset import Dataset
from nn_core.data.load import load_data
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import trained
from ui.live import loss as loss_chart
from ui.live import network as network_chart
from ui.live import slopes as slopes_chart
from ui.live import surface as surface_chart
from ui.live import weights as weights_chart
from ui.live.view import LiveView, ViewOptions, held_out_mask, readout
from ui.views import charts, data_charts


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ------------------------------------------------------------------------------- packing
def test_pack_round_trips_float32_with_shape_and_nan():
    a = np.array([[1.5, -2.25, np.nan], [0.0, 3e-8, 7.0]])
    spec = charts.pack(a)
    assert spec["dtype"] == "f4" and spec["shape"] == "2,3"
    back = charts.unpack(spec)
    assert back.shape == (2, 3) and back.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(back), np.isnan(a))
    np.testing.assert_allclose(back[~np.isnan(back)], a[~np.isnan(a)].astype(np.float32))
    assert charts.unpack(charts.pack([1, 2], "f8")).tolist() == [1.0, 2.0]
    assert charts.unpack([3, 4]).tolist() == [3, 4]


def test_max_abs_ignores_non_finite_and_defaults_to_one():
    assert charts.max_abs([np.array([1.0, -4.0, np.inf, np.nan]), None]) == 4.0
    assert charts.max_abs([np.zeros(3)]) == 1.0


# ------------------------------------------------------------------------------- weights
W0 = np.array([[0.5, -1.0, 0.25], [2.0, 0.0, -3.0]])  # 2 inputs -> 3 units
B0 = np.array([0.1, -0.2, 0.3])
W1 = np.array([[1.0], [-0.5], [4.0]])  # 3 units -> 1 output
B1 = np.array([-5.0])
NAMES = charts.node_names([2, 3, 1], ["height", "weight"], ["P(m)"])


def heatmap(st: dict, frame: dict, layer: int) -> np.ndarray:
    """A layer's heatmap as the browser reads it from the frame's values."""
    spec = st["layers"][layer]
    rows, cols = len(spec["rows"]), len(spec["cols"])
    w = charts.unpack(frame["w"])
    return w[spec["offset"] : spec["offset"] + rows * cols].reshape(rows, cols)


def test_weight_heatmaps_include_biases_and_are_centred_on_zero():
    st = weights_chart.weights_static([2, 3, 1], True, NAMES)
    frame = network_chart.network_frame([W0, W1], [B0, B1])
    assert frame["wmin"] == -frame["wmax"] == -5.0  # the largest |value| is the output bias
    np.testing.assert_allclose(heatmap(st, frame, 0), np.vstack([W0, B0]), rtol=1e-7)
    np.testing.assert_allclose(heatmap(st, frame, 1), np.vstack([W1, B1]), rtol=1e-7)
    assert len(charts.unpack(frame["w"])) == 3 * 3 + 4 * 1


def test_weights_static_labels_rows_inputs_then_bias_and_columns_units():
    st = weights_chart.weights_static([2, 3, 1], True, NAMES)
    first, second = st["layers"]
    assert first["rows"] == ["height", "weight", "bias"]
    assert first["cols"] == ["h1.1", "h1.2", "h1.3"]
    assert second["rows"] == ["h1.1", "h1.2", "h1.3", "bias"]
    assert second["cols"] == ["P(m)"]
    assert (first["caption"], second["caption"]) == ("inputs → hidden 1", "hidden 1 → outputs")
    scale = st["colorscale"]
    assert scale[0][0] == 0.0 and scale[-1][0] == 1.0
    assert dict((t, c) for t, c in scale)[0.5] == "#f7f7f7"  # white sits at the middle: zero
    no_bias = weights_chart.weights_static([2, 3, 1], False, NAMES)
    assert no_bias["layers"][0]["rows"] == ["height", "weight"]


def test_weight_heatmaps_without_biases_have_no_bias_row():
    st = weights_chart.weights_static([2, 3, 1], False, NAMES)
    frame = network_chart.network_frame([W0, W1], [None, None])
    np.testing.assert_allclose(heatmap(st, frame, 0), W0, rtol=1e-7)
    np.testing.assert_allclose(heatmap(st, frame, 1), W1, rtol=1e-7)
    assert frame["wmax"] == 4.0


# ------------------------------------------------------------------------------- network
def test_network_has_every_unit_and_a_bias_node_per_layer_but_the_last():
    g = network_chart.NetworkGeometry([2, 3, 1], bias=True)
    st = network_chart.network_static(g, NAMES)
    kinds = [n["kind"] for n in st["nodes"]]
    assert kinds.count("input") == 2 and kinds.count("unit") == 3 and kinds.count("output") == 1
    bias_nodes = [n for n in st["nodes"] if n["kind"] == "bias"]
    assert [(n["layer"], n["label"]) for n in bias_nodes] == [(0, "+1"), (1, "+1")]
    # (2 inputs + bias) x 3 units + (3 units + bias) x 1 output
    assert g.n_edges == 3 * 3 + 4 * 1 == len(st["edges"]["label"])
    assert st["edges"]["label"][0] == "height → h1.1"
    assert st["edges"]["label"][6] == "bias → h1.1"
    assert st["edges"]["label"][-1] == "bias → P(m)"


def test_network_edges_carry_the_weight_between_the_nodes_they_join():
    g = network_chart.NetworkGeometry([2, 3, 1], bias=True)
    st = network_chart.network_static(g, NAMES)
    w = charts.unpack(network_chart.network_frame([W0, W1], [B0, B1])["w"])
    x0, y0, x1, y1 = (charts.unpack(st["edges"][k]) for k in ("x0", "y0", "x1", "y1"))
    node_y = {(n["layer"], n["index"]): n["y"] for n in st["nodes"]}
    bias_y = next(n["y"] for n in st["nodes"] if n["kind"] == "bias")
    for k, label in enumerate(st["edges"]["label"]):
        src, dst = label.split(" → ")
        if x0[k] == 0:
            j = NAMES[1].index(dst)
            i = NAMES[0].index(src) if src != "bias" else None
            expected = W0[i, j] if i is not None else B0[j]
            assert y0[k] == pytest.approx(node_y[(0, i)] if i is not None else bias_y)
            assert (x1[k], y1[k]) == pytest.approx((1.0, node_y[(1, j)]))
        else:
            i = NAMES[1].index(src) if src != "bias" else None
            expected = W1[i, 0] if i is not None else B1[0]
            assert x1[k] == 2.0
        assert w[k] == pytest.approx(expected)


def test_network_without_biases_draws_no_bias_node():
    g = network_chart.NetworkGeometry([2, 3, 1], bias=False)
    st = network_chart.network_static(g, NAMES)
    assert not [n for n in st["nodes"] if n["kind"] == "bias"]
    assert g.n_edges == 2 * 3 + 3 and not st["bias"]


def test_network_nodes_carry_the_whole_input_and_output_names_the_canvas_cuts():
    features = ["身高（厘米） of the person, measured barefoot", "x"]
    sizes = [2, 3, 1]
    st = network_chart.network_static(
        network_chart.NetworkGeometry(sizes, bias=True),
        charts.node_names(sizes, features, ["p(a rather long class name)"]),
        charts.node_names(sizes, features, ["p(a rather long class name)"], limit=None))
    by_kind = {k: [n for n in st["nodes"] if n["kind"] == k] for k in ("input", "unit", "output")}
    assert [n["full"] for n in by_kind["input"]] == features
    assert by_kind["input"][0]["label"] == features[0][:23] + "…"  # heatmaps and edges: cut
    assert by_kind["output"][0]["full"] == "p(a rather long class name)"
    assert all("full" not in n for n in by_kind["unit"])
    assert st["x_range"] == [0.0, 2.0]  # the columns; the canvas adds its margins in pixels
    # without full names, the labels stand in
    plain = network_chart.network_static(network_chart.NetworkGeometry(sizes, bias=False), NAMES)
    assert [n["full"] for n in plain["nodes"] if n["kind"] == "input"] == ["height", "weight"]


def test_node_names_escape_nothing_but_cut_and_deduplicate():
    names = charts.node_names([3, 2, 2], ["a" * 40, "x", "x"], ["yes", "no"])
    assert names[0][0] == "a" * 23 + "…"
    assert names[0][1:] == ["x", "x #2"]
    whole = charts.node_names([3, 2, 2], ["a" * 40, "x\n  y", "x"], ["yes", "no"], limit=None)
    assert whole[0] == ["a" * 40, "x y", "x"]  # whitespace runs become one space
    assert names[1] == ["h1.1", "h1.2"] and names[2] == ["yes", "no"]
    assert charts.output_names("binary", ["f", "m"], "sex", 1) == ["p(m)"]
    assert charts.output_names("multiclass", ["a", "b", "c"], "t", 3) == ["a", "b", "c"]
    assert charts.output_names("regression", [], "price", 1) == ["price"]


# ------------------------------------------------------------------------------- slopes
def test_unit_slopes_by_hand():
    z = np.array([[0.0, 50.0], [0.0, -50.0]])
    a = sigmoid(z)
    (slope, mean_z), = slopes_chart.unit_slopes([z], [None, a], ["sigmoid"])
    assert slope[0] == pytest.approx(1.0)  # sigmoid'(0) = 0.25 = its largest
    assert slope[1] < 1e-15  # saturated both ways
    assert mean_z.tolist() == [0.0, 50.0]
    z = np.array([[1.0, -2.0], [-3.0, 0.5]])
    (t_slope, _), (r_slope, _) = slopes_chart.unit_slopes([z, z], [None, np.tanh(z),
                                                             np.maximum(z, 0)],
                                                    ["tanh", "relu"])
    np.testing.assert_allclose(t_slope, (1 - np.tanh(z) ** 2).mean(axis=0))
    assert r_slope.tolist() == [0.5, 0.5]
    assert slopes_chart.unit_slopes([z], [None, z], ["softmax"]) == [None]


def test_slope_summary_counts_saturated_units():
    slopes = [(np.array([0.0, 0.5, 0.005]), np.array([100.0, 1.0, 40.0])), None]
    text = slopes_chart.slope_summary(slopes)
    assert text == "hidden 1: 2/3 saturated, mean |z| 47 · output: softmax (not shown)"


BLOG = {"dataset": "blog", "hidden": (2,), "activation": "sigmoid", "output": "sigmoid",
        "loss": "mse", "bias": False, "init": "blog", "update_rule": "blog", "lr": 0.1,
        "batch_size": 1, "shuffle": False}


def slopes_after(settings: RunSettings, epochs: int) -> tuple[np.ndarray, float]:
    trainer = trained(settings)
    trainer.train_epochs(epochs)
    frame = LiveView(trainer, ViewOptions()).frame()
    slope = charts.unpack(frame["slopes"]["slope"])
    return slope, float(np.ptp(charts.unpack(frame["surface"]["z"])))


def test_the_blogs_raw_inputs_saturate_its_hidden_units_and_scaling_revives_them():
    raw_slope, raw_spread = slopes_after(RunSettings(scale="none", **BLOG), 200)
    assert (raw_slope[:2] < slopes_chart.SATURATED).all()  # both hidden sigmoids: f'(z) ~ 0
    scaled_slope, scaled_spread = slopes_after(RunSettings(scale="standard", **BLOG), 200)
    assert (scaled_slope[:2] > 0.1).all()
    assert raw_spread < 0.05 < scaled_spread  # raw: ~0.5 for everyone; scaled: it decides


# ------------------------------------------------------------------------------- surface
def test_surface_grid_rows_and_means():
    X = np.array([[0.0, 10.0, 5.0], [2.0, 30.0, 7.0], [4.0, 20.0, 9.0]])
    xs, ys, G = surface_chart.surface_grid(X, 0, 1, n=5, pad=0.0)
    assert xs.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0] and ys.tolist() == [10, 15, 20, 25, 30]
    assert G.shape == (25, 3)
    r, c = 3, 1
    assert G[r * 5 + c].tolist() == [xs[c], ys[r], 7.0]  # the third input at its mean


def test_surface_values_binary_multiclass_regression():
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5], [0.3, 0.7]])
    assert surface_chart.surface_values(p, "binary", 2).tolist() == [[0.1, 0.8], [0.5, 0.7]]
    assert surface_chart.surface_values(p, "binary", 2, True).tolist() == [[0, 1], [1, 1]]
    q = np.array([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4]])
    assert surface_chart.surface_values(q, "multiclass", 2).tolist() == [[2, 0], [1, 2]]
    v = np.array([0.0, 1.1, 9.9, 5.0])
    assert surface_chart.surface_values(v, "regression", 2).tolist() == [[0.0, 1.1], [9.9, 5.0]]
    banded = surface_chart.surface_values(v, "regression", 2, True, (0.0, 8.0))
    assert banded.tolist() == [[0.5, 1.5], [9.5, 5.5]]


def test_live_surface_equals_a_forward_pass_computed_by_hand():
    settings = RunSettings(dataset="moons", hidden=(4, 3), activation="tanh", epochs=5000)
    ds = load_data(settings)
    trainer = Trainer(settings, ds)
    trainer.train_epochs(30)
    view = LiveView(trainer, ViewOptions(grid=12))
    z = charts.unpack(view.frame()["surface"]["z"]).astype(float)
    _, _, G = surface_chart.surface_grid(ds.X, 0, 1, n=12)
    train = ds.X[trainer.train_idx]
    a = (G - train.mean(axis=0)) / train.std(axis=0)  # standard scaling, by hand
    net = trainer.network
    for layer, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        zl = a @ w + b
        a = sigmoid(zl) if layer == len(net.weights) - 1 else np.tanh(zl)
    np.testing.assert_allclose(z, a[:, 0].reshape(12, 12), atol=1e-6)


def test_surface_points_mark_test_rows_and_escape_class_names():
    X2 = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]])
    y = np.array([0, 1, 1])
    is_test = np.array([False, True, False])
    train, test = surface_chart.surface_points(X2, y, is_test, "binary", ["<b>no</b>", "yes"])
    assert train["marker"]["symbol"] == test["marker"]["symbol"] == "circle"
    assert test["marker"]["color"] == "#ffffff"  # hollow: a ring in the class colour
    assert test["marker"]["line"]["color"] == [data_charts.CLASS_COLORS[1]]
    assert charts.unpack(train["x"]).tolist() == [0.0, 2.0]
    assert charts.unpack(test["y"]).tolist() == [2.0]
    assert train["text"] == ["&lt;b&gt;no&lt;/b&gt;", "yes"]
    assert "%{text}" in train["hovertemplate"]
    assert train["marker"]["color"] == [data_charts.CLASS_COLORS[0], data_charts.CLASS_COLORS[1]]
    go.Figure({"data": [train, test]})  # valid Plotly


def test_surface_figure_is_valid_plotly_with_its_grid_extent():
    ds = load_data(RunSettings(dataset="sine"))
    mask = np.zeros(ds.n_samples, bool)
    mask[::4] = True
    figure, grid = surface_chart.surface_figure(ds.X, ds.y, mask, ix=0, iy=1,
                                         feature_names=ds.feature_names, task=ds.task,
                                         classes=ds.classes, n=20)
    fig = go.Figure(figure)
    assert [t.name for t in fig.data] == ["train", "test"]
    assert fig.layout.xaxis.range == (grid["x0"], grid["x1"])
    assert (grid["zmin"], grid["zmax"]) == (float(ds.y.min()), float(ds.y.max()))
    assert grid["n"] == 20


# ---------------------------------------------------------------------------------- loss
def test_loss_history_is_decimated_keeping_both_ends():
    n = 1234
    history = {"epoch": list(range(n)), "train_loss": list(np.linspace(1, 0, n)),
               "test_loss": [0.5] * n, "train_metric": [0.9] * n, "test_metric": [0.8] * n}
    out = loss_chart.loss_history(history)
    epoch = charts.unpack(out["epoch"])
    assert len(epoch) <= loss_chart.MAX_LOSS_POINTS
    assert epoch[0] == 0 and epoch[-1] == n - 1 and np.all(np.diff(epoch) > 0)
    assert charts.unpack(out["train_loss"])[-1] == 0.0
    assert loss_chart.loss_point(history) == [n - 1, 0.0, 0.5, 0.9, 0.8, None]  # no validation
    assert loss_chart.loss_point({"epoch": [3], "train_loss": [np.nan]})[1] is None


def test_loss_static_names_the_metric():
    assert loss_chart.loss_static("r2", True)["metric"] == "R²"
    st = loss_chart.loss_static("accuracy", False)
    assert st["metric_range"] == [0.0, 1.0] and not st["log"]
    assert [s["key"] for s in st["series"]] == [
        "train_loss", "test_loss", "train_metric", "test_metric"]
    with_validation = loss_chart.loss_static("accuracy", False, validation=True)["series"]
    assert [s["key"] for s in with_validation if s["panel"] == 0] == [
        "train_loss", "test_loss", "val_loss"]


# ---------------------------------------------------------------------------------- view
def test_live_view_frames_follow_the_trainer_and_are_json():
    settings = RunSettings(dataset="spiral3", hidden=(5,), epochs=100)
    trainer = trained(settings)
    view = LiveView(trainer, ViewOptions(surface_x=1, surface_y=1, discretise=True))
    assert (view.ix, view.iy) == (1, 0)  # the same input twice is not a surface
    first = view.frame()
    trainer.train_epochs(3)
    second = view.frame()
    assert (first["epoch"], second["epoch"]) == (0, 3)
    assert loss_chart.loss_point(trainer.history)[0] == 3 and second["loss"][0] == 3
    w = charts.unpack(second["network"]["w"])
    assert w[0] == pytest.approx(trainer.network.weights[0][0, 0])
    assert set(np.unique(charts.unpack(second["surface"]["z"]))) <= {0.0, 1.0, 2.0}
    json.dumps(view.static())
    json.dumps(second)
    assert view.static()["key"] == LiveView(trainer, view.options).key  # same view, same key
    assert held_out_mask(trainer).sum() == len(trainer.test_idx)
    assert readout(trainer).startswith("train loss ")
    assert "epoch" not in readout(trainer)  # the page's heading is the one epoch number


def test_readout_of_a_regression_names_r2():
    ds = Dataset(X=np.arange(20.0).reshape(10, 2), y=np.arange(10.0), feature_names=["a", "b"],
                 target_name="t", task="regression", classes=[])
    trainer = Trainer(RunSettings(dataset="csv", hidden=(3,), test_fraction=0.2), ds)
    trainer.train_epochs(2)
    assert "R²" in readout(trainer)
    assert LiveView(trainer, ViewOptions()).frame()["surface"]["z"]["shape"] == "50,50"


def test_the_surface_grid_holds_other_inputs_where_asked_and_its_title_says_so():
    X = np.array([[0.0, 0.0, 10.0, 1.0], [1.0, 2.0, 30.0, 3.0]])
    _, _, G = surface_chart.surface_grid(X, 0, 1, n=5, held={2: 25.0, 0: 99.0})
    assert (G[:, 2] == 25.0).all() and (G[:, 3] == 2.0).all()  # held; mean
    assert G[:, 0].min() < 0.0 < 1.0 < G[:, 0].max()  # a plotted input is never held
    figure, _ = surface_chart.surface_figure(
        X, np.array([0, 1]), np.array([False, True]), ix=0, iy=1,
        feature_names=["a", "b", "c", "d"], task="binary", classes=["n", "y"])
    assert figure["layout"]["title"]["subtitle"]["text"] == "2 other inputs held fixed"
    text = surface_chart.held_caption(["a", "b", "c", "d"], X, 0, 1, {2: 25.0})
    assert text == "The surface holds the other inputs fixed: c = 25, d = 2 (mean)."
    assert surface_chart.held_caption(["a", "b"], X[:, :2], 0, 1) == ""


def test_frames_carry_the_validation_loss_and_the_best_epoch():
    settings = RunSettings(dataset="moons", noise=0.3, hidden=(32, 32), activation="relu",
                           optimizer="adam", lr=0.03, validation_fraction=0.2, patience=10)
    trainer = trained(settings)
    view = LiveView(trainer, ViewOptions())
    assert "val_loss" in [s["key"] for s in view.static()["loss"]["series"]]
    trainer.train_epochs(500)
    assert trainer.stop_kind == "early"
    frame = view.frame()
    assert frame["best_epoch"] == trainer.best_epoch == trainer.epoch - 10
    assert frame["loss"][-1] == pytest.approx(trainer.history["val_loss"][-1])
    assert charts.unpack(view.history()["val_loss"])[0] == pytest.approx(
        trainer.history["val_loss"][0])
    assert f"best epoch {trainer.best_epoch}" in readout(trainer)
    no_patience = Trainer(settings.replace(patience=0), load_data(settings))
    assert LiveView(no_patience, ViewOptions()).frame()["best_epoch"] is None


def test_heatmap_and_slope_labels_for_plotly_are_escaped_and_the_bias_row_is_its_own():
    from ui.views.text import plotly_text

    names = [["<b>a</b>", "bias"], ["h1.1", "h1.2"], ["50% & more"]]
    st = weights_chart.weights_static([2, 2, 1], True, names)
    first, second = st["layers"]
    assert first["rows"] == ["<b>a</b>", "bias", "bias"]  # the hover names as typed
    assert first["rows_text"] == ["&lt;b&gt;a&lt;/b&gt;", "bias", "bias (2)"]
    assert second["rows_text"] == ["h1.1", "h1.2", "bias"]
    assert second["cols_text"] == [plotly_text("50% & more")] == ["50&#37; &amp; more"]
    slopes = slopes_chart.slopes_static(names, ["tanh", "sigmoid"])
    assert slopes["labels_text"] == ["h1.1", "h1.2", "50&#37; &amp; more"]


def test_slope_groups_name_each_layer_that_has_a_slope():
    names = [["x1"], ["h1.1", "h1.2"], ["h2.1"], ["a", "b", "c"]]
    st = slopes_chart.slopes_static(names, ["relu", "tanh", "softmax"])
    assert st["labels"] == ["h1.1", "h1.2", "h2.1"]  # softmax has no slope chart
    assert st["groups"] == [0, 0, 1]
    assert st["group_names"] == ["hidden 1", "hidden 2"]
    assert st["colors"] == [slopes_chart.SLOPE_COLORS[0], slopes_chart.SLOPE_COLORS[1]]
    out = slopes_chart.slopes_static([["x1"], ["y"]], ["sigmoid"])
    assert (out["labels"], out["group_names"], out["groups"]) == (["y"], ["output"], [0])


def test_a_big_network_draws_its_largest_edges_only_and_its_title_says_how_many():
    small = network_chart.network_static(network_chart.NetworkGeometry([2, 8, 8, 1], bias=True),
                                  charts.node_names([2, 8, 8, 1], ["x", "y"], ["p"]))
    assert small["title"] == "Network: edge colour = sign, width = size of the weight"
    sizes = [2, 64, 64, 64, 64, 64, 64, 1]
    big = network_chart.network_static(network_chart.NetworkGeometry(sizes, bias=True),
                                charts.node_names(sizes, ["x", "y"], ["p"]))
    # (2 + 1) x 64 + 5 x (64 + 1) x 64 + (64 + 1) x 1 weights and biases
    assert len(big["edges"]["label"]) == 192 + 20_800 + 65 == 21_057
    assert big["max_edges"] == network_chart.MAX_EDGES_DRAWN == 2000
    assert big["title"].endswith("(the 2,000 largest of 21,057 drawn)")


# ------------------------------------------------------------ live Plotly figures (fixed part)
def test_loss_figure_has_a_line_per_series_then_its_faint_copy_for_the_look_back():
    spec = loss_chart.loss_static("accuracy", log_y=True, validation=True)
    data, layout = spec["figure"]["data"], spec["figure"]["layout"]
    keys = [s["key"] for s in spec["series"]]
    assert keys == ["train_loss", "test_loss", "val_loss", "train_metric", "test_metric"]
    assert [t.get("name") for t in data[:5]] == ["train loss", "test loss", "validation loss",
                                                 "train accuracy", "test accuracy"]
    assert [t["yaxis"] for t in data[:5]] == ["y", "y", "y", "y2", "y2"]
    assert all(t["opacity"] == 0.25 and t["showlegend"] is False for t in data[5:])
    assert [t["line"]["color"] for t in data[5:]] == [t["line"]["color"] for t in data[:5]]
    assert layout["yaxis"]["type"] == "log" and layout["yaxis"]["title"]["text"] == "loss (log)"
    assert layout["yaxis2"]["tickvals"] == [0, 0.5, 1]  # accuracy: 0 to 1
    r2 = loss_chart.loss_static("r2", log_y=False)["figure"]["layout"]
    assert r2["yaxis2"]["title"]["text"] == "R²" and "tickvals" not in r2["yaxis2"]


def test_weight_heatmaps_share_one_colour_axis_and_each_row_layout_keeps_them_apart():
    sizes = [3, 10, 6, 1]
    names = charts.node_names(sizes, ["a", "b", "c"], ["p"])
    spec = weights_chart.weights_static(sizes, True, names)
    data = spec["figure"]["data"]
    assert [t["coloraxis"] for t in data] == ["coloraxis"] * 3
    assert [(t["xaxis"], t["yaxis"]) for t in data] == [("x", "y"), ("x2", "y2"), ("x3", "y3")]
    assert data[1]["y"][-1] == "bias" and data[1]["hovertemplate"].startswith("%{y} → %{x}")
    # least widths: 7 px a column, at least 35: 10 columns 70 px, 6 columns 42, 1 column 35
    assert [r["min_width"] for r in spec["by_row"]] == [150 + 70, 150 + 38 + 112, 150 + 76 + 147]
    for per_row, rows in enumerate(spec["by_row"], start=1):
        doms = [(rows["axes"][f"xaxis{k}"]["domain"], rows["axes"][f"yaxis{k}"]["domain"])
                for k in ("", "2", "3")]
        for i, (xa, ya) in enumerate(doms):  # no two heatmaps overlap
            for xb, yb in doms[i + 1:]:
                assert xa[1] <= xb[0] or xb[1] <= xa[0] or ya[1] <= yb[0] or yb[1] <= ya[0]
        assert sum(d[1][1] == 1.0 for d in doms) == per_row  # per_row heatmaps on the top row
    one_row = spec["by_row"][2]["axes"]
    w = [one_row[f"xaxis{k}"]["domain"][1] - one_row[f"xaxis{k}"]["domain"][0]
         for k in ("", "2", "3")]
    assert w[0] / w[1] == pytest.approx(70 / 42, rel=1e-4)
    assert w[1] / w[2] == pytest.approx(42 / 35, rel=1e-4)
    # each as tall as its rows (4 with the bias, 11, 7) at 22 px a cell, at most 210 px
    h = [one_row[f"yaxis{k}"]["domain"] for k in ("", "2", "3")]
    assert [round((top - bottom) * 210) for bottom, top in h] == [4 * 22, 210, 7 * 22]


def test_slope_figure_is_one_outline_per_layer_and_labels_go_from_fullest_to_shortest():
    names = [["x", "y"], ["h1.1", "h1.2"], ["h2.1", "h2.2", "h2.3"], ["p"]]
    spec = slopes_chart.slopes_static(names, ["tanh", "relu", "sigmoid"])
    data = spec["figure"]["data"]
    assert [t["name"] for t in data] == ["hidden 1", "hidden 2", "output"]
    # a bar per unit: four corners each, layers a unit apart
    assert data[0]["x"] == [-0.4, -0.4, 0.4, 0.4, 0.6, 0.6, 1.4, 1.4]
    assert data[1]["x"][:4] == [2.6, 2.6, 3.4, 3.4] and data[2]["x"] == [6.6, 6.6, 7.4, 7.4]
    assert data[1]["text"][0] == "h2.1 (relu)"
    unit, long, short = spec["ticks"]
    assert unit["tickvals"] == [0, 1, 3, 4, 5, 7] and unit["min_px"] == slopes_chart.SLOPE_LABEL_PX
    assert long["ticktext"] == ["hidden 1", "hidden 2", "output"]
    assert long["tickvals"] == [0.5, 4.0, 7.0]
    assert short["ticktext"] == ["h1", "h2", "out"]
    # "hidden 1": 8 characters, layers' centres 3 units apart at the closest
    assert long["upright_px"] == pytest.approx((8 * slopes_chart.LABEL_CHAR_PX + 8) / 3)


def test_each_weight_layer_is_an_image_over_its_transparent_heatmap():
    # the element paints layer i's cells into images[i]; the heatmap under it gives the hover
    sizes = [3, 50, 6, 1]
    names = charts.node_names(sizes, ["a", "b", "c"], ["p"])
    spec = weights_chart.weights_static(sizes, True, names)
    data, images = spec["figure"]["data"], spec["figure"]["layout"]["images"]
    assert len(images) == len(data) == len(spec["layers"]) == 3
    for trace, image, layer in zip(data, images, spec["layers"], strict=True):
        assert trace["opacity"] == 0 and "xgap" not in trace
        assert (image["xref"], image["yref"]) == (trace["xaxis"], trace["yaxis"])
        assert image["source"] == "" and image["sizing"] == "stretch"
        # the cells' edges on the category axes: -0.5 .. len - 0.5, down from the top row
        assert (image["x"], image["y"], image["xanchor"], image["yanchor"]) == (
            -0.5, -0.5, "left", "top")
        assert (image["sizex"], image["sizey"]) == (len(layer["cols"]), len(layer["rows"]))
    # a 1 px gap between cells, none across a layer of more than 40 (50 units: none)
    assert [layer["gaps"] for layer in spec["layers"]] == [[0, 1], [1, 0], [1, 1]]


def test_the_slopes_bars_are_one_image_over_transparent_outlines():
    names = [["x", "y"], ["h1.1", "h1.2"], ["h2.1", "h2.2", "h2.3"], ["p"]]
    spec = slopes_chart.slopes_static(names, ["tanh", "relu", "sigmoid"])
    fig = spec["figure"]
    assert all(t["opacity"] == 0 for t in fig["data"])
    (image,) = fig["layout"]["images"]
    # places 0 1 | 3 4 5 | 7: the image spans -0.5 .. 7.5 and the y axis 0 .. its top
    assert (image["xref"], image["yref"], image["x"], image["sizex"]) == ("x", "y", -0.5, 8)
    top = slopes_chart.SLOPE_TOP
    assert image["y"] == image["sizey"] == fig["layout"]["yaxis"]["range"][1] == top
    assert image["yanchor"] == "top"


def test_nice_up_steps_through_one_to_seven_and_a_half_per_decade():
    assert [loss_chart.nice_up(v) for v in (0, -3, 1, 1.01, 1.6, 2.9, 4, 7.6, 9.99, 10, 0.012)] == [
        1.0, 1.0, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 10.0, 10.0, 0.015]
    assert loss_chart.nice_up(1234) == 1500.0


def test_loss_ranges_by_hand():
    history = {"epoch": [1, 2, 40], "train_loss": [0.9, 0.5, 0.2],
               "test_loss": [1.1, 0.6, np.nan], "train_metric": [0.5, 0.8, 0.9],
               "test_metric": [0.4, 0.7, 0.85]}
    accuracy = loss_chart.loss_static("accuracy", log_y=False)
    # epochs: 40 × 1.02 = 40.8 -> 50; loss: 1.1 × 1.05 = 1.155 -> 1.5; accuracy 0-1
    assert loss_chart.loss_ranges(history, accuracy) == {
        "x": [0.0, 50.0], "y": [0.0, 1.5], "y2": [-0.02, 1.02]}
    # log: 0.2 .. 1.1 -> decades 10^-1 .. 10^1
    log_spec = loss_chart.loss_static("accuracy", log_y=True)
    assert loss_chart.loss_ranges(history, log_spec)["y"] == [-1, 1]
    # R²: from its lowest (-0.3 -> -0.5 in quarters) to 1; never below -1
    r2 = loss_chart.loss_static("r2", log_y=False)
    low = {**history, "test_metric": [-0.3, 0.2, 0.5]}
    assert loss_chart.loss_ranges(low, r2)["y2"] == [-0.52, 1.02]
    lowest = {**history, "test_metric": [-7.0, 0.2, 0.5]}
    assert loss_chart.loss_ranges(lowest, r2)["y2"] == [-1.02, 1.02]
    # nothing trained yet
    assert loss_chart.loss_ranges({}, accuracy) == {
        "x": [0.0, 1.5], "y": [0.0, 1.0], "y2": [-0.02, 1.02]}


def test_a_small_layer_beside_a_big_one_keeps_its_nodes_a_unit_apart():
    g = network_chart.NetworkGeometry([2, 64, 1], bias=True)
    assert list(g.node_y[0]) == [0.5, -0.5]  # the two inputs as in a small network
    assert g.node_y[1][0] == 31.5 * 8 / 64 == -g.node_y[1][-1]  # 64 units span 8 units
    assert list(g.node_y[2]) == [0.0]
    assert g.top == 31.5 * 8 / 64 + 1.0


def test_every_loss_series_is_a_field_of_the_frame_contract():
    from ui.live.protocol import LOSS_KEYS

    for metric, validation in (("accuracy", False), ("r2", True)):
        keys = [s["key"] for s in loss_chart.loss_static(metric, False, validation)["series"]]
        assert set(keys) <= set(LOSS_KEYS) and len(keys) == len(set(keys))
        assert ("val_loss" in keys) == validation
