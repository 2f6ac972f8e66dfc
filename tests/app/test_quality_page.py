"""AppTest tests of "How good is it": the Train page's section while paused, the wrong rows on
the surface, and the Predict page's measures for a batch CSV that carries the target column."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk
from streamlit.testing.v1 import AppTest

from nn_core.data.load import load_data
from nn_core.settings import RunSettings
from nn_core.training.evaluate import ClassQuality, quality_of, trainer_quality
from nn_core.training.trainer import Trainer
from tests.conftest import button, go, points, session, shown, start, train_page
from ui.live import surface as surface_chart
from ui.session import choices, nav, widgets
from ui.views import quality
from ui.views.data import table_csv

HOSTILE = '<b style="font-size:80px">HUGE</b> %{x}'

MARK = choices.widget_of("mark_wrong")  # the toggle ringing the wrong rows


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def matrices(at: AppTest) -> dict[str, list[list[int]]]:
    """The confusion matrices shown, by the split their title names."""
    out = {}
    for spec in specs(at):
        title = spec["layout"].get("title", {}).get("text", "")
        if spec["data"][0]["type"] == "heatmap":
            out[title.split(":")[0]] = spec["data"][0]["z"]
    return out


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The one table shown with ``column`` (AppTest does not expose a dataframe's key)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, len(found)
    return found[0]


def section_shown(at: AppTest) -> bool:
    return any(s.value == "How good is it" for s in at.header)


# --- Train page, classification ------------------------------------------------------------
def test_the_section_shows_the_engines_matrices_while_paused_and_not_while_playing():
    at = train_page(settings=RunSettings(dataset="moons", noise=0.35))
    for _ in range(3):
        button(at, "train_step").click().run()
    assert section_shown(at)
    trainer = session(at).trainer
    assert trainer.epoch == 3
    expected = trainer_quality(trainer)
    shown_matrices = matrices(at)
    assert shown_matrices["Training rows"] == expected["train"].matrix.tolist()
    assert shown_matrices["Test rows"] == expected["test"].matrix.tolist()
    assert np.sum(shown_matrices["Test rows"]) == len(trainer.test_idx) == 40
    assert np.sum(shown_matrices["Training rows"]) == len(trainer.train_idx) == 160
    # the cells' text: count and share of the true class
    heat = next(s for s in specs(at) if s["layout"]["title"]["text"].startswith("Test rows"))
    m = expected["test"].matrix
    assert heat["data"][0]["text"][0][1] == f"{m[0, 1]}<br>{m[0, 1] / m[0].sum():.1%}"

    # the wrong rows: as many as the matrices' off-diagonal cells, each one really wrong
    wrong = frame_with(at, "probability of predicted")
    off_diagonal = sum(int(q.matrix.sum() - np.trace(q.matrix)) for q in expected.values())
    assert off_diagonal > 0 and len(wrong) == off_diagonal
    ds = trainer.dataset
    for _, row in wrong.iterrows():
        index = int(row["row"]) - 1  # counted from 1
        assert ds.classes[int(ds.y[index])] == row["true label"] != row["predicted label"]
        assert row["x1"] == ds.X[index, 0]
        probs = trainer.predict(ds.X[index:index + 1])[0]
        assert ds.classes[int(np.argmax(probs))] == row["predicted label"]
        assert row["probability of predicted"] == pytest.approx(probs.max(), abs=1e-4)
    assert set(wrong["split"]) <= {"train", "test"}
    assert (wrong["split"] == "test").sum() == expected["test"].matrix.sum() - np.trace(m)

    # the per-class table equals the engine's precision and recall
    table = frame_with(at, "class")
    assert list(table["class"]) == ds.classes
    assert list(table["rows (test)"]) == m.sum(axis=1).tolist()
    assert list(table["recall (test)"]) == [f"{v:.1%}" for v in expected["test"].recall]
    assert list(table["precision (train)"]) == [f"{v:.1%}" for v in expected["train"].precision]

    button(at, "train_play").click().run()
    assert session(at).running and not section_shown(at)
    assert not matrices(at)


def test_marking_the_wrong_rows_rings_them_on_the_surface_until_play():
    at = train_page(settings=RunSettings(dataset="moons", noise=0.35))
    button(at, "train_step").click().run()
    surface = session(at).peek("live_view").static()["surface"]["figure"]
    assert [t["name"] for t in surface["data"]] == ["train", "test"]  # nothing marked by default

    at.toggle(key=MARK).set_value(True).run()
    assert not at.exception
    trainer = session(at).trainer
    quality = trainer_quality(trainer)
    rows = np.sort(np.concatenate([q.rows[q.wrong] for q in quality.values()]))
    surface = session(at).peek("live_view").static()["surface"]["figure"]
    ring = surface["data"][-1]
    assert ring["name"] == "wrong" and ring["marker"]["symbol"] == "circle-open"
    X = trainer.dataset.X
    assert points(ring, "x") == pytest.approx(X[rows, 0])
    assert points(ring, "y") == pytest.approx(X[rows, 1])
    assert any(shown(c.value) == f"The red rings on the decision surface mark these "
               f"{len(rows)} rows." for c in at.caption)

    button(at, "train_play").click().run()  # playing: the rings would go stale
    assert session(at).peek("live_view").options.marked == ()
    button(at, "train_pause").click().run()
    trainer = session(at).trainer
    assert at.toggle(key=MARK).value  # the choice is kept
    now = trainer_quality(trainer)
    again = np.sort(np.concatenate([q.rows[q.wrong] for q in now.values()]))
    assert session(at).peek("live_view").options.marked == tuple(again.tolist())


def test_validation_rows_are_named_and_counted_in_neither_matrix():
    from pathlib import Path

    data = (Path(__file__).parents[1] / "data" / "iris.csv").read_bytes()
    settings = RunSettings(dataset="csv", target="species", validation_fraction=0.2,
                           patience=50, hidden=(4,))
    from nn_core.data.tabular import load_csv

    ds = load_csv(data, "species")
    trainer = Trainer(settings, ds)
    trainer.train_epochs(2)
    at = train_page(settings=settings, dataset=ds, trainer=trainer, csv_bytes=data)
    n_val = len(trainer.val_idx)
    assert n_val > 0
    caption = next(shown(c.value) for c in at.caption if c.value.startswith("The network of"))
    assert (f"on the {len(trainer.train_idx)} training rows it learns from and the "
            f"{len(trainer.test_idx)} test rows") in caption
    assert f"The {n_val} validation rows set aside for early stopping are in neither." in caption
    shown_matrices = matrices(at)
    assert np.sum(shown_matrices["Training rows"]) + np.sum(shown_matrices["Test rows"]) \
        == ds.n_samples - n_val
    assert len(shown_matrices["Test rows"]) == 3  # three classes


# --- Train page, regression -------------------------------------------------------------------
def test_regression_shows_r2_rmse_and_the_two_plots():
    at = train_page(settings=RunSettings(dataset="sine", hidden=(6,)))
    for _ in range(2):
        button(at, "train_step").click().run()
    assert section_shown(at) and not matrices(at)
    trainer = session(at).trainer
    q = trainer_quality(trainer)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["R² (training)"] == f"{q['train'].r2:.4g}"
    assert metrics["R² (test)"] == f"{q['test'].r2:.4g}"
    assert metrics["RMSE (training)"] == f"{q['train'].rmse:.4g}"
    assert metrics["RMSE (test)"] == f"{q['test'].rmse:.4g}"
    assert float(metrics["R² (test)"]) == pytest.approx(trainer.current()["test_metric"],
                                                        rel=1e-3)
    figures = {s["layout"]["title"]["text"]: s for s in specs(at)
               if s["layout"].get("title", {}).get("text", "").startswith(("Predicted", "Resid"))}
    actual = figures["Predicted against actual"]
    identity = actual["data"][0]
    assert points(identity, "x").tolist() == points(identity, "y").tolist()
    test_trace = next(t for t in actual["data"] if t["name"] == "test rows")
    ds = trainer.dataset
    assert points(test_trace, "x") == pytest.approx(ds.y[trainer.test_idx])
    assert points(test_trace, "y") == pytest.approx(trainer.predict(ds.X[trainer.test_idx]))
    residual = next(t for t in figures["Residuals: actual − predicted"]["data"]
                    if t["name"] == "test rows")
    assert points(residual, "y") == pytest.approx(q["test"].residuals)
    assert not [t for t in at.toggle if t.key == MARK]  # nothing to mark


# --- Predict page -----------------------------------------------------------------------------
def _predict_page(settings: RunSettings, epochs: int = 5):
    ds = load_data(settings)
    trainer = Trainer(settings, ds)
    trainer.train_epochs(epochs)
    at = go(start(settings=settings, dataset=ds, trainer=trainer), nav.PREDICT)
    return at, ds, trainer


def _upload(at: AppTest, data: bytes) -> AppTest:
    at.file_uploader(key=widgets.W_PREDICT_UPLOAD).upload("rows.csv", data, "text/csv").run()
    assert not at.exception
    return at


def test_predict_measures_a_batch_csv_that_carries_the_target():
    at, ds, trainer = _predict_page(RunSettings(dataset="moons", noise=0.35), epochs=3)
    table = pd.DataFrame(ds.X[:60], columns=ds.feature_names)
    table.insert(0, "id", np.arange(60))
    labels = [ds.classes[int(c)] for c in ds.y[:60]]
    labels[5] = ""  # missing target
    labels[6] = "7"  # not one of the classes
    table["label"] = labels
    table.loc[7, "x2"] = np.nan  # no prediction
    _upload(at, table_csv(table))
    assert not at.error
    assert any(s.value == "How good is it on these rows" for s in at.header)
    caption = next(shown(c.value) for c in at.caption if c.value.startswith("The file"))
    assert caption.startswith("The file's label column against the predictions, on 57 of 60 "
                              "rows; left out: 2 whose label is missing or not one of the "
                              "model's classes and 1 without a prediction.")
    keep = np.array([i not in (5, 6, 7) for i in range(60)])
    y_true = ds.y[:60][keep]
    y_pred = np.argmax(trainer.predict(ds.X[:60][keep]), axis=1)
    shown_matrix = matrices(at)["These rows"]
    assert shown_matrix == sk.confusion_matrix(y_true, y_pred, labels=[0, 1]).tolist()
    assert np.sum(shown_matrix) == 57
    wrong = frame_with(at, "probability of predicted")
    assert len(wrong) == int((y_true != y_pred).sum()) > 0
    assert "split" not in wrong.columns
    rows = np.flatnonzero(keep)[y_true != y_pred] + 1  # file rows counted from 1
    assert wrong["row"].tolist() == rows.tolist()
    classes = frame_with(at, "class")
    recall = sk.recall_score(y_true, y_pred, average=None, labels=[0, 1])
    assert list(classes["recall"]) == [f"{v:.1%}" for v in recall]


def test_a_loaded_model_file_is_measured_on_its_own_target_column():
    from nn_core.io.serialize import model_from_json, model_to_json

    settings = RunSettings(dataset="spiral3", hidden=(6,))
    ds = load_data(settings)
    trainer = Trainer(settings, ds)
    trainer.train_epochs(4)
    model = model_from_json(model_to_json(trainer))
    at = go(start(), nav.PREDICT)  # no network trained in this session: the file's is used
    session(at).loaded_model = (model, "spiral.json")
    at.run()
    table = pd.DataFrame(ds.X[:45], columns=ds.feature_names)
    table["label"] = [ds.classes[int(c)] for c in ds.y[:45]]
    _upload(at, table_csv(table))
    assert not at.error
    pred = np.argmax(model.predict(ds.X[:45]), axis=1)
    assert matrices(at)["These rows"] == sk.confusion_matrix(ds.y[:45], pred,
                                                             labels=[0, 1, 2]).tolist()
    assert len(frame_with(at, "probability of predicted")) == int((pred != ds.y[:45]).sum())


def test_predict_without_the_target_column_shows_no_measures():
    at, ds, _ = _predict_page(RunSettings(dataset="moons"), epochs=1)
    _upload(at, table_csv(pd.DataFrame(ds.X[:10], columns=ds.feature_names)))
    assert not any(s.value.startswith("How good is it") for s in at.header)
    assert not matrices(at)


def test_predict_measures_regression_and_refuses_a_text_target_in_one_line():
    at, ds, trainer = _predict_page(RunSettings(dataset="plane", hidden=(4,)), epochs=5)
    table = pd.DataFrame(ds.X[:30], columns=ds.feature_names)
    table["y"] = ds.y[:30]
    table.loc[3, "y"] = np.nan
    _upload(at, table_csv(table))
    keep = np.arange(30) != 3
    pred = trainer.predict(ds.X[:30][keep])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["R²"] == f"{sk.r2_score(ds.y[:30][keep], pred):.4g}"
    assert metrics["RMSE"] == f"{math.sqrt(sk.mean_squared_error(ds.y[:30][keep], pred)):.4g}"
    caption = next(shown(c.value) for c in at.caption if c.value.startswith("The file"))
    assert "on 29 of 30 rows; left out: 1 whose y is missing or not a number." in caption

    table["y"] = ["tall"] * 30
    _upload(at, table_csv(table))
    assert not at.exception and not at.error
    assert any(shown(i.value) == "Nothing to measure: the y column holds text, not numbers."
               for i in at.info)


# --- user text in the figures and tables -------------------------------------------------------
def test_class_names_are_escaped_in_the_matrix_and_kept_as_text_in_tables():
    classes = [HOSTILE, "b", "b "]
    q = quality_of("multiclass", 3, [0, 1, 2, 2], np.eye(3)[[0, 2, 1, 2]])
    fig = quality.confusion_figure(q, classes, "Test rows").to_plotly_json()
    heat = fig["data"][0]
    assert "<b" not in "".join(heat["x"]) and "%{" not in "".join(heat["x"])
    assert len(set(heat["x"])) == 3  # "b" and "b " stay two classes
    assert heat["hovertemplate"] == ("true %{customdata[0]} · predicted %{customdata[1]}<br>"
                                     "%{text}<extra></extra>")
    # the hover names each cell's classes whole, escaped too: row i is true class i
    names = np.asarray(heat["customdata"])
    assert names.shape == (3, 3, 2)
    assert "<b" not in "".join(names.ravel()) and "%{" not in "".join(names.ravel())
    assert [names[i, j].tolist() for i, j in ((1, 2), (2, 1))] == [["b", "b (2)"], ["b (2)", "b"]]
    table = quality.class_table([("test", q)], classes)
    assert table["class"][0] == HOSTILE  # a dataframe shows text as it is
    wrong = quality.wrong_rows([("train", q), ("test", q)], np.zeros((4, 1)), ["split"],
                                    "t", ["a", "b", "c"])
    assert list(wrong.columns) == ["split", "row", "split (2)", "true t", "predicted t",
                                   "probability of predicted"]
    assert wrong["row"].tolist() == [2, 3, 2, 3]  # dataset rows counted from 1
    assert wrong["true t"].tolist() == ["b", "c", "b", "c"]
    assert wrong["predicted t"].tolist() == ["c", "b", "c", "b"]
    assert wrong["probability of predicted"].tolist() == [1.0] * 4


def test_undefined_precision_shows_a_dash_not_zero():
    q = ClassQuality(np.arange(3), np.array([0, 0, 1]), np.array([[1, 0, 0]] * 3, float), 3)
    table = quality.class_table([("test", q)], ["a", "b", "c"])
    assert list(table["precision (test)"]) == ["66.7%", "—", "—"]
    assert list(table["recall (test)"]) == ["100.0%", "0.0%", "—"]


def test_a_ring_for_each_marked_row_and_none_by_default():
    X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    fig, _ = surface_chart.surface_figure(X, np.array([0, 1, 0]), np.array([False, True, False]),
                                   ix=0, iy=1, feature_names=["a", "b"], task="binary",
                                   classes=["0", "1"], n=5, marked=(2, 1))
    ring = fig["data"][-1]
    assert ring["name"] == "wrong" and ring["hoverinfo"] == "skip"
    assert points(ring, "x").tolist() == [4.0, 2.0] and points(ring, "y").tolist() == [5.0, 3.0]
    plain_fig, _ = surface_chart.surface_figure(
        X, np.array([0, 1, 0]), np.array([False, True, False]), ix=0, iy=1,
        feature_names=["a", "b"], task="binary", classes=["0", "1"], n=5)
    assert [t["name"] for t in plain_fig["data"]] == ["train", "test"]


def test_no_test_rows_says_so_instead_of_an_empty_matrix():
    settings = RunSettings(dataset="xor", test_fraction=0.0)
    ds = load_data(settings)
    trainer = Trainer(settings, ds)
    trainer.train_epochs(1)
    at = train_page(settings=settings, dataset=ds, trainer=trainer)
    assert list(matrices(at)) == ["Training rows"]
    assert any(c.value.startswith("Test rows: none") for c in at.caption)
