"""Hostile user text on the UI side: markdown, autolinks, Plotly's HTML subset and templates."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from nn_core.data.dataset import Dataset
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from ui.live import surface as surface_chart
from ui.live.view import LiveView, ViewOptions
from ui.views import charts
from ui.views.data_charts import data_scatter, probability_bars
from ui.views.text import WORD_JOINER, plain, plotly_text, widget_text

TAG = '<a href="https://evil.example/">CLICK ME</a>'
HUGE = '<b style="font-size:80px">HUGE</b>'
TEMPLATE = "%{x} and %{fullData.name}"
ENTITY = "&lt;script&gt; &#60;i&#62;"
HOSTILE = [TAG, HUGE, TEMPLATE, ENTITY, "a@evil.example", "**b** (cm)"]
# the placeholders the chart builders write themselves; any other would be user text
OWN_PLACEHOLDERS = {"x", "y", "x:.3f", "x:.4g", "y:.4g", "customdata:.4g", "text", "fullData.name",
                    "marker.color:.4g"}


# --- markdown ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://evil.example",1)', "HTTPS://evil.example", "see www.evil.example now",
    "WWW.evil.example", "a@evil.example", "mailto:a@evil.example", "xmpp:a@evil.example",
])
def test_plain_breaks_every_autolink_and_shows_the_same_text(text):
    out = plain(text)
    assert not re.search(r"(?i)https?\\?://|www\\?\.|[\w.+-]@", out)
    unescaped = re.sub(r"\\(.)", r"\1", out.replace(WORD_JOINER, ""))
    assert unescaped == text  # what the reader sees is what was typed


def test_plain_leaves_text_without_addresses_alone():
    assert plain("sepal length (cm)") == r"sepal length \(cm\)"
    assert WORD_JOINER not in plain("0.35 of www_x and a.b")


def test_widget_text_is_one_line_cut_and_unescaped():
    assert widget_text("sepal length (cm) **x**") == "sepal length (cm) **x**"
    assert widget_text("a\nb\t c") == "a b c"
    assert widget_text("z" * 300, 10) == "z" * 9 + "…"


# --- Plotly ---------------------------------------------------------------------------------
def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k != "bdata":
                yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, np.ndarray) and value.dtype == object:
        yield from _strings(value.tolist())


def assert_inert_for_plotly(figure: Any, names: list[str]) -> None:
    """No tag but the builders' own <br> and <extra>, no placeholder but their own, and every
    name shown as typed once Plotly decodes the entities."""
    if hasattr(figure, "to_plotly_json"):
        figure = figure.to_plotly_json()
    strings = list(_strings(figure))
    for s in strings:
        assert "<" not in s.replace("<br>", "").replace("<extra></extra>", ""), s
        assert set(re.findall(r"%\{([^}]*)\}", s)) <= OWN_PLACEHOLDERS, s
    shown = " ".join(html.unescape(s) for s in strings)
    for name in names:
        assert name[:20] in shown, name  # (cut to fit: 24 characters or more)


def _dataset(n_features: int, task: str) -> Dataset:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, n_features))
    if task == "regression":
        return Dataset(X, X.sum(axis=1), HOSTILE[:n_features], HOSTILE[3], task, [])
    classes = HOSTILE[: 3 if task == "multiclass" else 2]
    y = np.arange(30) % len(classes)
    return Dataset(X, y, HOSTILE[-n_features:], HOSTILE[2], task, classes)


CASES = [(1, "binary"), (2, "binary"), (3, "multiclass"), (1, "regression"), (2, "regression")]


@pytest.mark.parametrize(("n_features", "task"), CASES)
def test_every_chart_builder_shows_hostile_names_as_text(n_features, task):
    ds = _dataset(n_features, task)
    mask = np.arange(ds.n_samples) % 4 == 0
    fig = data_scatter(ds.X, ds.y, feature_names=ds.feature_names, target_name=ds.target_name,
                       classes=ds.classes, test_mask=mask, y_index=min(1, n_features - 1))
    names = [ds.feature_names[0], *ds.classes]
    if n_features == 1 or task == "regression":
        names.append(ds.target_name)
    assert_inert_for_plotly(fig, names)
    if ds.classes:
        assert_inert_for_plotly(probability_bars([0.5] * ds.n_classes, ds.classes), ds.classes)
    trainer = Trainer(RunSettings(dataset="csv", hidden=(3,)), ds)
    static = LiveView(trainer, ViewOptions()).static()
    assert_inert_for_plotly(static["surface"]["figure"], [ds.feature_names[0], *ds.classes])
    # the canvases draw text with fillText: they get the names as typed, cut to 24 characters
    canvas = " ".join(_strings([static[k] for k in ("network", "weights", "slopes")]))
    for name in ds.feature_names:
        assert name[:23] in canvas


def test_the_one_feature_class_axis_gets_escaped_labels():
    ds = _dataset(1, "binary")
    fig = data_scatter(ds.X, ds.y, feature_names=ds.feature_names, target_name=ds.target_name,
                       classes=ds.classes, test_mask=np.zeros(ds.n_samples, bool))
    ticks = {v for trace in fig.data for v in trace.y}
    assert ticks == {plotly_text(c, 30) for c in ds.classes}
    assert plotly_text(TAG, 30).startswith("&lt;a href=")


def test_plotly_text_escapes_templates_and_entities():
    assert plotly_text("50% of %{x} & <b>") == "50&#37; of &#37;{x} &amp; &lt;b&gt;"
    assert html.unescape(plotly_text(ENTITY)) == ENTITY


def test_plotly_text_can_count_wide_characters_twice():
    cjk = "体重（公斤）以及测量时的其他备注信息和说明"  # 21 wide characters
    assert plotly_text(cjk, 40) == cjk  # 21 characters: within 40
    assert plotly_text(cjk, 40, wide=True) == cjk[:19] + "…"  # 38 columns + the ellipsis
    assert plotly_text("身高（厘米）", 12, wide=True) == "身高（厘米）"
    assert plotly_text("a" * 50, 40, wide=True) == plotly_text("a" * 50, 40) == "a" * 39 + "…"
    # the surface's axis titles fit their side of the plot
    layout = surface_chart.surface_layout("x", cjk, np.zeros(2), np.zeros(2), "r", "binary")
    assert layout["yaxis"]["title"]["text"] == cjk[:14] + "…"  # 28 columns + the ellipsis


def test_canvas_names_are_never_escaped():
    assert charts.node_names([1, 1], [TAG], ["y"])[0] == [TAG[:23] + "…"]


# --- widgets -----------------------------------------------------------------------------------
def test_selectboxes_and_multiselects_show_column_names_as_typed():
    from tests.conftest import start

    table = "sepal length (cm),petal_width [cm],**kind**\n" + "".join(
        f"{i},{i % 3},{'ab'[i % 2]}\n" for i in range(12))
    at = start()
    at.file_uploader(key="w_upload_csv").upload("iris.csv", table.encode(), "text/csv").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="w_target").options == [
        "sepal length (cm)", "petal_width [cm]", "**kind**"]
    assert at.multiselect(key="w_features").value == ["sepal length (cm)", "petal_width [cm]"]
    assert at.multiselect(key="w_features").options == ["sepal length (cm)", "petal_width [cm]"]


# --- the Predict page's batch table -----------------------------------------------------------
def _classifier(n_classes: int, epochs: int = 2) -> tuple[RunSettings, Dataset, Trainer]:
    rng = np.random.default_rng(1)
    n = 4 * n_classes
    ds = Dataset(rng.normal(size=(n, 2)), np.arange(n) % n_classes, ["u", "v"], "kind",
                 "multiclass", [f"c{k}" for k in range(n_classes)], name="csv")
    settings = RunSettings(dataset="csv", target="kind", features=("u", "v"), hidden=(4,))
    trainer = Trainer(settings, ds)
    trainer.train_epochs(epochs)
    return settings, ds, trainer


def _inputs_csv(rows: int) -> bytes:
    values = np.random.default_rng(2).normal(size=(rows, 2)).round(3)
    return ("u,v\n" + "".join(f"{a},{b}\n" for a, b in values)).encode()


def test_the_engine_app_cli_and_script_name_prediction_columns_alike():
    from nn_core.io.export import prediction_column, probability_column
    from ui.views.predict import results_frame

    _, ds, trainer = _classifier(3)
    frame = results_frame(trainer, ds, ds.X[:2])
    assert list(frame.columns) == ["u", "v", "p(c0)", "p(c1)", "p(c2)", "predicted kind"]
    assert [probability_column(c) for c in ds.classes] == list(frame.columns[2:5])
    assert prediction_column("kind") == frame.columns[5]


def test_a_prediction_table_takes_one_forward_pass():
    from ui.views.predict import results_frame

    _, ds, trainer = _classifier(3)
    calls = []
    real = trainer.predict
    trainer.predict = lambda X: calls.append(len(X)) or real(X)
    frame = results_frame(trainer, ds, ds.X)
    assert calls == [ds.n_samples]
    assert np.array_equal(frame[["p(c0)", "p(c1)", "p(c2)"]].to_numpy(), real(ds.X))
    assert list(frame["predicted kind"]) == trainer.predict_labels(ds.X)


def _predict_page(settings, ds, trainer):
    from tests.conftest import go, start
    from ui.session import nav

    return go(start(settings=settings, dataset=ds, trainer=trainer), nav.PREDICT)


def test_the_page_shows_a_bounded_preview_and_makes_the_csv_when_asked():
    import io

    import pandas as pd

    from tests.conftest import deferred_downloads
    from ui.session import widgets
    from ui.views.predict import PREVIEW_ROWS

    settings, ds, trainer = _classifier(3)
    at = _predict_page(settings, ds, trainer)
    with deferred_downloads() as made:
        at.file_uploader(key=widgets.W_PREDICT_UPLOAD).upload(
            "in.csv", _inputs_csv(3000), "text/csv").run()
    assert not at.exception and not at.error
    assert len(at.dataframe[-1].value) == PREVIEW_ROWS == 1000
    assert any(c.value.startswith("The first 1,000 of 3,000 rows") for c in at.caption)
    full = pd.read_csv(io.BytesIO(made["predictions.csv"]()))
    assert len(full) == 3000 and list(full.columns)[2:] == ["p(c0)", "p(c1)", "p(c2)",
                                                                "predicted kind"]


def test_a_batch_prediction_is_redone_only_when_the_model_or_the_file_changes():
    from unittest import mock

    from ui.session import widgets
    from ui.views import predict

    settings, ds, trainer = _classifier(3)
    at = _predict_page(settings, ds, trainer)
    with mock.patch.object(predict, "results_frame", wraps=predict.results_frame) as rf:
        at.file_uploader(key=widgets.W_PREDICT_UPLOAD).upload(
            "in.csv", _inputs_csv(50), "text/csv").run()
        at.number_input[0].set_value(0.5).run()  # another widget: a rerun
        at.run()
        assert rf.call_count == 1
        trainer.train_epochs(1)  # new weights: a new prediction
        at.run()
        assert rf.call_count == 2
        at.file_uploader(key=widgets.W_PREDICT_UPLOAD).upload(
            "other.csv", _inputs_csv(40), "text/csv").run()
        assert rf.call_count == 3
    assert not at.exception and not at.error


def test_a_table_with_too_many_predicted_values_is_refused_before_predicting():
    from unittest import mock

    from nn_core.limits import MAX_PREDICTION_CELLS
    from ui.session import widgets
    from ui.views import predict

    settings, ds, trainer = _classifier(200, epochs=1)
    rows = MAX_PREDICTION_CELLS // 201 + 1
    at = _predict_page(settings, ds, trainer)
    with mock.patch.object(predict, "results_frame") as rf:
        at.file_uploader(key=widgets.W_PREDICT_UPLOAD).upload(
            "big.csv", _inputs_csv(rows), "text/csv").run()
        rf.assert_not_called()
    assert not at.exception and len(at.error) == 1
    message = at.error[0].value.replace("\\", "").replace(WORD_JOINER, "")
    assert message.startswith(f"Could not predict big.csv: {rows:,} rows × 201 predicted "
                              f"columns is {rows * 201:,} cells; the limit is "
                              f"{MAX_PREDICTION_CELLS:,}: predict at most {rows - 1:,} rows")
    assert len(at.dataframe) == 0
