"""AppTest: the Inside the network page on the blog's network and on moons (issue 25)."""

import ast
import json

import numpy as np

from nn_core.analysis import gradients, hidden, landscape
from nn_core.analysis.rows import sample_rows
from nn_core.data.load import load_data
from nn_core.limits import HIDDEN_ROWS, LANDSCAPE_ROWS
from nn_core.settings import BLOG_SETUP, RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import go, session, shown, start, trained
from ui.session import nav
from ui.views.charts import unpack


def page_with(settings: RunSettings, epochs: int):
    trainer = trained(settings)
    trainer.train_epochs(epochs)
    at = start()
    s = session(at)
    s.settings, s.dataset, s.trainer = settings, trainer.dataset, trainer
    return go(at, nav.INSIDE), trainer


def figure(at, name: str) -> dict:
    charts = [c for c in at.get("plotly_chart") if name in c.proto.id]
    assert len(charts) == 1, [c.proto.id for c in at.get("plotly_chart")]
    return json.loads(charts[0].proto.spec)


def ys(trace: dict) -> np.ndarray:
    from tests.conftest import points

    return points(trace, "y")


def test_the_blogs_raw_network_shows_a_dead_hidden_gradient_and_saturated_units():
    settings = RunSettings(dataset="blog", epochs=1000, **BLOG_SETUP)
    at, _ = page_with(settings, 1000)
    # h2 under the page's h1 (the accessibility audit checks that heading levels go one by one)
    assert [s.value for s in at.header] == ["Gradient flow", "Loss landscape", "Hidden space",
                                           "Learning-rate finder"]
    fig = figure(at, "inside_flow")
    norm = {t["name"]: ys(t) for t in fig["data"] if t.get("xaxis", "x") == "x"}
    sat = [ys(t) for t in fig["data"] if t.get("yaxis") == "y2"]
    assert norm["hidden layer 1"][-1] < 1e-8  # the hidden layer no longer learns
    assert norm["output layer"][-1] > 1e-5
    assert sat[0][-1] == 100.0  # every (row, unit) of the hidden layer is saturated
    verdict = [m.value for m in at.markdown if m.value.startswith("At epoch 1000")]
    assert verdict and "about zero" in verdict[0] and "100% of its units saturated" in verdict[0]


def test_min_max_scaling_gives_the_blogs_network_a_live_gradient():
    settings = RunSettings(dataset="blog", epochs=1000, **{**BLOG_SETUP, "scale": "minmax"})
    at, _ = page_with(settings, 1000)
    fig = figure(at, "inside_flow")
    norm = {t["name"]: ys(t) for t in fig["data"] if t.get("xaxis", "x") == "x"}
    sat = [ys(t) for t in fig["data"] if t.get("yaxis") == "y2"]
    assert norm["hidden layer 1"][-1] > 1e-3
    assert sat[0].max() == 0.0
    verdict = [m.value for m in at.markdown if m.value.startswith("At epoch 1000")]
    assert "its gradient is alive" in verdict[0]


def test_moons_landscape_and_hidden_space_are_the_networks_numbers():
    settings = RunSettings(dataset="moons", hidden=(8, 8), activation="tanh", epochs=300)
    at, trainer = page_with(settings, 60)
    fig = figure(at, "inside_landscape")
    contour, path, _star = fig["data"]
    rows = sample_rows(len(trainer.X_train), LANDSCAPE_ROWS)
    centre = trainer.network.objective(trainer.X_train[rows], trainer.Y_train[rows])
    z = unpack(contour["z"])
    n = len(z)
    assert np.isclose(10 ** z[n // 2][n // 2], centre, rtol=1e-12)
    assert contour["text"][n // 2][n // 2] == f"{centre:.4g}"  # what hovering the centre says
    epochs = [e for e in trainer.snapshots.epochs() if e <= trainer.epoch]
    assert path["text"] == [f"epoch {e}" for e in epochs]
    land = landscape.landscape(trainer.network, trainer.X_train[rows], trainer.Y_train[rows],
                               [trainer.snapshots.get(e).params for e in epochs], epochs)
    np.testing.assert_allclose(ys(path), land.path[:, 1], rtol=1e-12, atol=1e-12)
    # hidden space of layer 2 (8 units: principal axes), the plotted points are its outputs
    at.selectbox(key="w_inside_layer").set_value(2).run()
    fig = figure(at, "inside_hidden")
    marks = [t for t in fig["data"] if t["mode"] == "markers"]
    plotted = np.concatenate([np.column_stack([ys({"y": t["x"]}), ys(t)]) for t in marks])
    rows = sample_rows(len(trainer.X_train), HIDDEN_ROWS)
    A = hidden.layer_outputs(trainer.network, trainer.X_train[rows], 2)
    space = hidden.hidden_space(trainer.network, trainer.X_train[rows], 2)
    y = trainer.y_train[rows]
    expected = np.concatenate([space.points[y == c] for c in (0, 1)])
    np.testing.assert_allclose(plotted, expected, rtol=1e-6, atol=1e-6)  # float32 on the wire
    assert np.allclose((A - A.mean(0)) @ space.basis, space.points)
    assert any("first two principal axes" in c.value for c in at.caption)


def test_the_rate_finder_leaves_the_run_untouched_and_sets_the_slider():
    settings = RunSettings(dataset="moons", hidden=(8, 8), activation="tanh", epochs=300)
    at, trainer = page_with(settings, 5)
    params = trainer.network.params.copy()
    rng = json.dumps(trainer.rng.bit_generator.state)
    opt = trainer.optimizer.get_state()
    history = json.dumps(trainer.history)
    at.button(key="w_inside_find").click().run()
    assert not at.exception
    assert figure(at, "inside_finder")
    assert np.array_equal(trainer.network.params, params)
    assert json.dumps(trainer.rng.bit_generator.state) == rng
    assert trainer.optimizer.get_state() == opt and json.dumps(trainer.history) == history
    label = at.button(key="w_inside_use").label
    rate = float(label.split("(")[1].rstrip(")"))
    at.button(key="w_inside_use").click().run()
    assert session(at).settings.lr == rate
    assert any(f"Learning rate set to {rate:g}" in shown(i.value) for i in at.info)
    assert session(at).trainer is trainer and np.array_equal(trainer.network.params, params)


def test_the_page_before_any_training_says_so():
    at = go(start(), nav.INSIDE)
    assert any("Nothing is trained yet" in i.value for i in at.info)


def test_how_it_works_gives_each_view_a_paragraph_of_maths_and_a_link():
    at = go(start(), nav.HOW_IT_WORKS)
    assert "7 · Inside the network" in [s.value for s in at.subheader]
    links = [p for p in at.get("page_link") if "Open " in p.proto.label]
    assert [p.proto.label for p in links] == ["Open Gradient flow", "Open Loss landscape",
                                              "Open Hidden space", "Open Learning-rate finder"]
    assert all(p.proto.page.endswith("inside") or "inside" in p.proto.page for p in links)
    assert any(r"\alpha\, d_1" in x.value for x in at.latex)


def test_one_input_regression_and_a_one_unit_layer():
    settings = RunSettings(dataset="sine", hidden=(1, 4), epochs=100)
    at, _ = page_with(settings, 10)
    fig = figure(at, "inside_hidden")
    lines = [t for t in fig["data"] if t["mode"] == "lines"]
    assert len(lines) == 1  # one input: one line along it
    marks = [t for t in fig["data"] if t["mode"] == "markers"]
    assert {t["name"] for t in marks} == {"above the median", "at or below the median"}
    assert all(not ys(t).any() for t in marks)  # one unit: drawn against 0
    assert any("its one unit is the horizontal axis" in c.value for c in at.caption)


def test_the_views_follow_the_epoch_slider_and_the_train_pages_scrubber():
    settings = RunSettings(dataset="xor", hidden=(2,), activation="tanh", epochs=100)
    at, trainer = page_with(settings, 30)
    slider = next(s for s in at.slider if s.label == "Epoch")
    assert slider.label == "Epoch" and slider.value == 30
    slider.set_value(10).run()
    assert session(at).views.scrub_epoch == 10  # the Train page's scrubber looks back there too
    assert any(c.value.startswith("The network at epoch 10 (now: 30)") for c in at.caption)
    fig = figure(at, "inside_hidden")
    marks = [t for t in fig["data"] if t["mode"] == "markers"]
    plotted = np.concatenate([np.column_stack([ys({"y": t["x"]}), ys(t)]) for t in marks])
    then = trainer.at_epoch(10)
    rows = sample_rows(len(then.X_train), HIDDEN_ROWS)
    A = hidden.layer_outputs(then.network, then.X_train[rows], 1)  # two units: the axes
    y = then.y_train[rows]
    np.testing.assert_allclose(plotted, np.concatenate([A[y == c] for c in (0, 1)]), atol=1e-6)
    epochs = [t for t in figure(at, "inside_landscape")["data"] if t.get("name") == "training path"]
    assert epochs[0]["text"][-1] == "epoch 10"
    assert trainer.epoch == 30  # looking back changes nothing


def test_the_path_ends_at_the_network_now_even_when_its_epoch_is_not_kept():
    settings = RunSettings(dataset="moons", hidden=(8, 8), activation="tanh", epochs=300)
    at, trainer = page_with(settings, 150)
    assert 150 not in trainer.snapshots  # kept: every epoch to 20, then every 4th
    path = next(t for t in figure(at, "inside_landscape")["data"]
                if t.get("name") == "training path")
    assert path["text"][-1] == "epoch 150" and path["text"][-2] == "epoch 148"
    assert ys(path)[-1] == 0.0 and ys({"y": path["x"]})[-1] == 0.0


def test_share_and_export_offers_the_run_as_a_notebook():
    import nbformat

    from tests.conftest import deferred_downloads

    settings = RunSettings(dataset="xor", hidden=(4,), epochs=100)
    trainer = trained(settings)
    trainer.train_epochs(12)
    at = start()
    s = session(at)
    s.settings, s.dataset, s.trainer = settings, trainer.dataset, trainer
    with deferred_downloads() as made:
        go(at, nav.SHARE)
    button = next(b for b in at.get("download_button") if b.label.startswith("Jupyter"))
    assert not button.proto.disabled
    nb = nbformat.reads(made["run.ipynb"](), as_version=4)
    nbformat.validate(nb)
    source = "".join(nb.cells[3].source)
    assert source.startswith("RUN = json.loads(") and source.endswith(")")
    payload = ast.literal_eval(source[len("RUN = json.loads("):-1])  # one string literal
    assert json.loads(payload)["epochs"] == 12


def test_an_uploaded_table_with_hostile_names():
    names = ["<b>x</b> [a](http://e.example)", "$y$ **z**", "c"]
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    rows = [",".join(f"{v:.4f}" for v in r) + ("," + ("<i>yes</i>" if r[0] + r[1] > 0 else "no"))
            for r in X]
    table = ("\"" + "\",\"".join(names) + "\",label\n" + "\n".join(rows)).encode()
    settings = RunSettings(dataset="upload.csv", target="label", hidden=(5, 3))
    ds = load_data(settings, table)
    trainer = Trainer(settings, ds)
    trainer.train_epochs(20)
    at = start()
    s = session(at)
    s.settings, s.dataset, s.trainer, s.csv_bytes = settings, ds, trainer, table
    go(at, nav.INSIDE)
    assert not at.exception
    hidden_caption = next(c.value for c in at.caption if c.value.startswith("Where "))
    assert "<b>x</b>" not in hidden_caption and "[a](" not in hidden_caption  # escaped text
    assert shown(hidden_caption).count("<b>x</b> [a](http") == 1
    fig = figure(at, "inside_hidden")
    assert {t["name"] for t in fig["data"] if t["mode"] == "markers"} == {"&lt;i&gt;yes&lt;/i&gt;",
                                                                         "no"}


def test_at_epoch_0_the_gradient_flow_shows_its_one_point_per_layer():
    """A line needs two epochs: with one, each layer's point is drawn as a marker (a chart of
    lines alone would be empty while its verdict names the gradients)."""
    at, trainer = page_with(RunSettings(), 0)
    traces = figure(at, "inside_flow")["data"]
    assert traces and all(t["mode"] == "markers" and len(ys(t)) == 1 for t in traces)
    layout = figure(at, "inside_flow")["layout"]
    assert layout["xaxis"]["tickvals"] == layout["xaxis2"]["tickvals"] == [0]  # no -0.5 epoch
    norms = [ys(t)[0] for t in traces if t.get("yaxis", "y") == "y"]
    flow = trainer.flow  # the engine's own measure of this network's gradients
    assert np.allclose(norms, gradients.measure(trainer.network, flow.X, flow.Y)[0], rtol=1e-9)
    at, _ = page_with(RunSettings(), 3)
    assert all(t["mode"] == "lines" for t in figure(at, "inside_flow")["data"])
