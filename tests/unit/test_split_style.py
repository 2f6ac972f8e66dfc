"""One visual language for the data's splits (issue 22 item 4).

Every chart builder draws a training line solid and a test line dashed, training points as
filled circles and test points as hollow ones, as ``ui.live.protocol.SPLITS`` says; the live
element reads the same table from the frame contract.
"""

import numpy as np
import pytest

from nn_core.settings import RunSettings
from nn_core.training.evaluate import quality_of
from nn_core.training.runs import record_run
from nn_core.training.trainer import Trainer
from tests.conftest import trained
from ui.live import protocol
from ui.live.loss import loss_static
from ui.live.surface import surface_points
from ui.views import quality, runs
from ui.views.data_charts import data_scatter

SPLITS = protocol.SPLITS
WHITE = "#ffffff"


def _split_of(name: str) -> str:
    """The split a trace's legend name speaks of."""
    low = name.lower()
    for word, split in (("validation", "validation"), ("test", "test"), ("train", "train")):
        if word in low:
            return split
    raise AssertionError(f"no split in {name!r}")


def _assert_line(trace: dict, split: str) -> None:
    assert trace["line"]["dash"] == SPLITS[split]["dash"], (trace.get("name"), split)


def _assert_points(trace: dict, split: str) -> None:
    marker = trace["marker"]
    assert marker["symbol"] == SPLITS[split]["symbol"]
    filled = marker["color"] != WHITE
    assert filled == SPLITS[split]["filled"], (trace.get("name"), split)
    if not filled:  # hollow: the ring carries the point's colour
        assert marker["line"]["color"] not in (None, WHITE)
        assert marker["line"]["width"] >= 1.5


def test_the_convention_is_solid_dashed_filled_hollow_and_the_js_gets_it():
    assert SPLITS["train"]["dash"] == "solid" and SPLITS["test"]["dash"] == "dash"
    assert SPLITS["train"]["filled"] and not SPLITS["test"]["filled"]
    assert SPLITS["train"]["symbol"] == SPLITS["test"]["symbol"] == "circle"
    sent = protocol.message()
    assert sent["splits"] == SPLITS
    assert "solid" in sent["line_key"] and "dashed" in sent["line_key"]
    assert "filled" in sent["point_key"] and "hollow" in sent["point_key"]


@pytest.mark.parametrize("validation", [False, True])
def test_the_live_loss_chart(validation):
    spec = loss_static("accuracy", False, validation)
    traces = spec["figure"]["data"]
    series = spec["series"]
    assert len(traces) == 2 * len(series)  # the lines, then their faint copies
    for s, trace, faint in zip(series, traces, traces[len(series):], strict=False):
        assert _split_of(s["name"]) == s["split"]
        _assert_line(trace, s["split"])
        _assert_line(faint, s["split"])
        _assert_points(trace, s["split"])  # a one-epoch history is drawn as markers


def _trained(settings: RunSettings, epochs: int = 3) -> Trainer:
    trainer = trained(settings)
    trainer.train_epochs(epochs)
    return trainer


def test_compare_runs_charts_and_title():
    records = [record_run(_trained(RunSettings(lr=lr)), n + 1) for n, lr in enumerate((0.03, 0.3))]
    names = {r.number: r.label for r in records}
    for fig in runs.figures(records, names):
        traces = fig.to_dict()["data"]
        assert len(traces) == 4
        for trace in traces:
            _assert_line(trace, _split_of(trace["name"]))
        assert fig.layout.title.subtitle.text == protocol.LINE_KEY


@pytest.mark.parametrize("classes", [["a", "b", "c"], []])
def test_the_data_page_scatter(classes):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = rng.integers(0, 3, 40) if classes else rng.normal(size=40)
    test = np.arange(40) % 4 == 0
    fig = data_scatter(X, y, feature_names=["u", "v"], target_name="t", classes=classes,
                       test_mask=test).to_dict()
    splits = [_split_of(t["name"]) if "test" in t["name"] else "train" for t in fig["data"]]
    assert set(splits) == {"train", "test"}
    for trace, split in zip(fig["data"], splits, strict=True):
        _assert_points(trace, split)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_train_surface_points(task):
    rng = np.random.default_rng(1)
    X2 = rng.normal(size=(30, 2))
    y = rng.integers(0, 2, 30) if task == "classification" else rng.normal(size=30)
    traces = surface_points(X2, y, np.arange(30) % 3 == 0, task, ["no", "yes"], (-2.0, 2.0))
    assert [t["name"] for t in traces] == ["train", "test"]
    for trace in traces:
        _assert_points(trace, trace["name"])
    if task == "regression":  # the test rings take the colour scale the filled points use
        ring = traces[1]["marker"]["line"]
        assert ring["colorscale"] == traces[0]["marker"]["colorscale"]
        assert (ring["cmin"], ring["cmax"]) == (-2.0, 2.0)


def test_how_good_is_it_regression_points():
    rng = np.random.default_rng(2)
    splits = [(s, quality_of("regression", 0, rng.normal(size=20), rng.normal(size=20)))
              for s in ("train", "test")]
    for fig in (quality.predicted_actual_figure(splits, "y"),
                quality.residuals_figure(splits, "y")):
        points = [t for t in fig.to_dict()["data"] if t["mode"] == "markers"]
        assert len(points) == 2
        for trace in points:
            _assert_points(trace, _split_of(trace["name"]))
