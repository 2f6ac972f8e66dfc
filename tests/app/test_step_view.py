"""How it works, "One step, every number": the page's tables against the engine, in AppTest."""

import numpy as np
import pytest

from nn_core.data.dataset import Dataset
from nn_core.data.load import load_data
from nn_core.engine.network import QUIET
from nn_core.settings import BLOG_SETUP, RunSettings
from nn_core.training.trainer import Trainer, trainer_step
from tests.conftest import go, session, start
from tests.step_reference import blog_network, blog_train_values
from ui.session import choices, nav, widgets
from ui.views.step import DIGITS, MAX_UNITS, step_tables

REL = 10.0 ** (1 - DIGITS)  # what 10 significant digits can carry


def _text(s: str) -> str:
    """A message as the user reads it (markdown escapes removed)."""
    return s.replace("\\", "")


def _num(s: str) -> float:
    return float(s)


def _open(settings: RunSettings | None = None, ds: Dataset | None = None, trainer=None):
    session = {}
    if settings is not None:
        ds = ds if ds is not None else load_data(settings)
        session = {"settings": settings, "dataset": ds}
        if trainer is not None:
            session["trainer"] = trainer
    return go(start(**session), nav.HOW_IT_WORKS)


def _expected(at, row: int, chosen: list[int] | None = None):
    trainer = session(at).trainer
    trace = trainer_step(trainer, row)
    data_row = int(trainer.train_idx[row])
    sizes = trainer.network.sizes
    tables = step_tables(trace, list(trainer.feature_names), trainer.dataset.X[data_row],
                         chosen or [0] * len(sizes))
    return trainer, trace, tables


def _shown_frames(at):
    """The frames of the step view, in page order (the page has no other tables)."""
    return [t.value for t in at.table]


def test_the_view_shows_the_engines_numbers_for_the_chosen_row():
    at = _open()
    trainer, _, tables = _expected(at, 0)
    frames = _shown_frames(at)
    assert len(frames) == len(tables)
    for frame, table in zip(frames, tables, strict=True):
        assert frame.astype(str).values.tolist() == table.frame.astype(str).values.tolist()
        assert list(frame.columns) == list(table.frame.columns)
    # the numbers, read back from the page, are the engine's
    net = trainer.network
    X, Y = trainer.X_train[:1], trainer.Y_train[:1]
    zs, acts = net.forward_layers(X)
    forward = [f for f in frames if f.columns[1].startswith("z = W·a")]
    assert len(forward) == net.n_layers
    for frame, z, a in zip(forward, zs, acts[1:], strict=True):
        np.testing.assert_allclose(frame.iloc[:, 1].map(_num), z[0], rtol=REL, atol=1e-300)
        np.testing.assert_allclose(frame.iloc[:, 2].map(_num), a[0], rtol=REL)
    with np.errstate(**QUIET):
        g = net.gradient(X, Y)
    weights = [f for f in frames if "new w" in f.columns]
    assert len(weights) == net.n_layers
    shown_g = np.concatenate([f["g (exact)"].map(_num).to_numpy() for f in reversed(weights)])
    # small layers show every weight, in the engine's order (unit by unit, bias last)
    np.testing.assert_allclose(shown_g, g, rtol=REL, atol=1e-15)
    # ... and the slope of the row's loss, by central differences
    eps, p0, fd = 1e-6, net.get_params(), np.empty(net.params.size)
    for k in range(p0.size):
        plus, minus = p0.copy(), p0.copy()
        plus[k] += eps
        minus[k] -= eps
        net.set_params(plus)
        up = net.loss(X, Y)
        net.set_params(minus)
        fd[k] = (up - net.loss(X, Y)) / (2 * eps)
    net.set_params(p0)
    np.testing.assert_allclose(shown_g, fd, rtol=REL, atol=1e-9)
    shown_new = np.concatenate([f["new w"].map(_num).to_numpy() for f in reversed(weights)])
    np.testing.assert_allclose(shown_new, net.params - trainer.settings.lr * g, rtol=REL,
                               atol=1e-15)
    loss = next(_text(m.value) for m in at.markdown if "for this row: " in _text(m.value))
    assert _num(loss.split("**")[1]) == pytest.approx(net.loss(X, Y), rel=REL)

    # another row: the number input and the button
    at.number_input(key=choices.widget_of("step_row")).set_value(5).run()
    assert _shown_frames(at)[0].values.tolist() == _expected(at, 5)[2][0].frame.values.tolist()
    at.button(key="step_next_row").click().run()
    assert at.number_input(key=choices.widget_of("step_row")).value == 6
    assert _shown_frames(at)[1].values.tolist() == _expected(at, 6)[2][1].frame.values.tolist()
    assert any(f"Dataset row {int(trainer.train_idx[6])}," in _text(c.value) for c in at.caption)
    go(at, nav.DATA)  # the row chosen survives a visit to another page
    go(at, nav.HOW_IT_WORKS)
    assert at.number_input(key=choices.widget_of("step_row")).value == 6


def test_apply_this_step_changes_the_network_exactly_as_shown():
    settings = RunSettings(dataset="xor", n_samples=60, hidden=(3,), optimizer="adam", lr=0.05)
    ds = load_data(settings)
    trainer = Trainer(settings, ds)
    trainer.train_epochs(2)
    at = _open(settings, ds, trainer)
    at.number_input(key=choices.widget_of("step_row")).set_value(4).run()
    trace = trainer_step(trainer, 4)
    weights_before = [f for f in _shown_frames(at) if "new w" in f.columns]
    epoch, history = trainer.epoch, {k: list(v) for k, v in trainer.history.items()}
    at.button(key="step_apply").click().run()
    assert not at.exception
    assert np.array_equal(trainer.network.params, trace.params_after)  # bit for bit
    assert trainer.epoch == epoch and trainer.history == history and trainer.manual_steps == 1
    assert "It is not an epoch" in _text(at.success[0].value)
    # the view now starts from the new weights: its "w" is the "new w" it showed
    weights_after = [f for f in _shown_frames(at) if "new w" in f.columns]
    for before, after in zip(weights_before, weights_after, strict=True):
        assert after["w"].tolist() == before["new w"].tolist()
    # the optimiser's state moved on as the step said (Adam's t)
    assert trainer.optimizer.t == trace.optimizer_state["t"]


def test_apply_is_refused_when_the_network_changed_since_it_was_shown():
    at = _open()
    trainer = session(at).trainer
    before = trainer.network.get_params()
    trainer.train_epochs(1)  # trained elsewhere after the page was drawn
    after_training = trainer.network.get_params()
    assert not np.array_equal(before, after_training)
    at.button(key="step_apply").click().run()
    assert not at.exception
    assert np.array_equal(trainer.network.params, after_training) and trainer.manual_steps == 0
    assert _text(at.error[0].value).startswith("Not applied: the network or its settings changed")


def test_the_blogs_network_on_its_first_row_shows_the_blogs_own_values():
    settings = RunSettings(dataset="blog", epochs=1000, **BLOG_SETUP)
    at = _open(settings)
    trainer = session(at).trainer
    hidden, out = trainer_step(trainer, 0).layers
    ref = blog_train_values(blog_network(hidden.W, out.W, 0.1), [170, 70, 25], [1])
    frames = _shown_frames(at)
    by_col = {}
    for f in frames:
        for c in f.columns:
            by_col.setdefault(c, []).append(f[c])
    read = {
        "hidden_inputs": by_col["z = W·a (hidden_inputs)"][0],
        "hidden_outputs": by_col["a = sigmoid(z) (hidden_outputs)"][0],
        "final_inputs": by_col["z = W·a (final_inputs)"][0],
        "final_outputs": by_col["a = sigmoid(z) (final_outputs)"][0],
        "output_errors": by_col["output_errors = y − o"][0],
        "hidden_errors": by_col["hidden_errors (blog: Wᵀ·output_errors)"][0],
    }
    for name, column in read.items():
        np.testing.assert_allclose(column.map(_num), ref[name], rtol=REL, err_msg=name)
    steps = by_col["step = −lr·g"]  # output layer first (backward order), then hidden
    np.testing.assert_allclose(steps[0].map(_num), ref["update_hidden_output"].ravel(), rtol=REL)
    np.testing.assert_allclose(steps[1].map(_num), ref["update_input_hidden"].ravel(), rtol=REL,
                               atol=1e-300)
    titles = [_text(m.value) for m in at.markdown]
    assert any("weights_input_hidden" in t for t in titles)
    assert any("weights_hidden_output" in t for t in titles)
    # the blog's rule next to the exact gradient: both numbers and the ratio 1/(o(1-o))
    o = ref["final_outputs"][0]
    frame = next(f for f in frames if "gradient g (exact)" in f.columns)
    for _, r in frame.iterrows():
        if r["gradient g (exact)"] != "0":
            assert _num(r["ratio blog ÷ exact"]) == pytest.approx(1 / (o * (1 - o)), rel=REL)
            assert _num(r["blog's rule"]) == pytest.approx(
                _num(r["gradient g (exact)"]) / (o * (1 - o)), rel=1e-8)
    assert any(f"1/(o(1 − o)) = {1 / (o * (1 - o)):.10g}" in _text(c.value) for c in at.caption)


def test_a_large_network_collapses_to_the_chosen_units_and_summarises_the_rest():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 50))
    ds = Dataset(X, (X[:, 0] > 0).astype(int), [f"f{i}" for i in range(50)], "y", "binary",
                 ["no", "yes"], name="csv")
    settings = RunSettings(dataset="csv", hidden=(64,) * 6, activation="relu")
    at = _open(settings, ds)
    trainer = session(at).trainer
    trace = trainer_step(trainer, 0)
    assert any("Hidden layer 3: 64 units, showing unit 0" in _text(c.value) for c in at.caption)
    assert any("Inputs: 50 units, showing unit 0" in _text(c.value) for c in at.caption)
    frames = _shown_frames(at)
    forward = [f for f in frames if f.columns[1].startswith("z = W·a")]
    assert len(forward) == 7
    first = forward[0]
    assert first["unit"].tolist() == ["0", "others (63)"]
    z = trace.layers[0].z
    assert first.iloc[1, 1] == f"{z[1:].min():.4g} … {z[1:].max():.4g} (mean {z[1:].mean():.4g})"
    weights = [f for f in frames if "new w" in f.columns]
    # one weight on the path, the shown unit's bias, and every other weight summarised
    assert weights[-1]["to"].tolist() == ["0", "0", f"others ({64 * 50 + 64 - 2})"]
    # pick another unit in hidden layer 2 and another input
    at.number_input(key=widgets.step_unit_key(2)).set_value(7).run()
    at.number_input(key=widgets.step_unit_key(0)).set_value(49).run()
    frames = _shown_frames(at)
    forward = [f for f in frames if f.columns[1].startswith("z = W·a")]
    assert forward[1]["unit"].tolist() == ["7", "others (63)"]
    assert float(forward[1].iloc[0, 1]) == pytest.approx(trace.layers[1].z[7], rel=REL)
    assert frames[0]["input"].tolist() == ["f49", "others (49)"]
    w = [f for f in frames if "new w" in f.columns]
    second = w[-2]  # hidden layer 2's weights: from unit 0 of layer 1 to unit 7
    assert second.iloc[0, :2].tolist() == ["7", "0"]
    assert float(second.iloc[0]["w"]) == pytest.approx(trace.layers[1].W[7, 0], rel=REL)
    assert len(at.table) == len(step_tables(trace, trainer.feature_names, ds.X[
        int(trainer.train_idx[0])], [49, 0, 7, 0, 0, 0, 0, 0]))
    assert MAX_UNITS < 50


def test_settings_that_do_not_fit_show_one_line_and_no_traceback():
    settings = RunSettings(dataset="moons", output="linear")  # classification on a linear head
    at = _open(settings)
    assert not at.exception
    errors = [_text(e.value) for e in at.error]
    assert errors == ["No step to show: a classification target needs a sigmoid or softmax "
                      "output layer"]


def test_column_names_show_as_typed_in_the_tables():
    names = ["**bold** [a](http://e.example)", "<b>x</b> $y$"]
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 2))
    ds = Dataset(X, (X[:, 0] > 0).astype(int), names, "t", "binary", ["a", "b"], name="csv")
    at = _open(RunSettings(dataset="csv", hidden=(2,)), ds)
    assert not at.exception
    frames = _shown_frames(at)
    assert frames[0]["input"].tolist() == names
    weights = [f for f in frames if "new w" in f.columns][-1]
    assert weights["from"].tolist() == [names[0], names[1], "bias"] * 2
    assert not any("http" in m.value for m in at.markdown)
