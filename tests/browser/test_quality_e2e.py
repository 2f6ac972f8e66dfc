"""How good is it, in headless Chromium: the Train page's confusion matrices and wrong rows after
playing and pausing, the rings on the live surface, regression's measures, and the Predict page's
measures for a batch CSV that carries the target column. Screenshots for the README."""

from __future__ import annotations

import numpy as np
import pandas as pd
from playwright.sync_api import Page

from nn_core.data.load import load_data
from nn_core.settings import RunSettings
from nn_core.training.evaluate import trainer_quality
from nn_core.training.trainer import Trainer
from tests.browser.helpers import (
    assert_no_exception,
    go_to,
    pause,
    permalink,
    play,
    play_then_pause,
    screenshot,
    step,
    wait_drawn,
    wait_epoch,
    wait_idle,
)
from tests.conftest import trained
from ui.views.data import table_csv

# Every Plotly chart on the page: its title (without the bold tags Streamlit's theme adds) and
# its first trace's type and z (heatmaps) or null.
PLOTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
  title: ((gd.layout && gd.layout.title && gd.layout.title.text) || '').replace(/<[^>]*>/g, ''),
  type: gd.data && gd.data[0] ? gd.data[0].type : null,
  z: gd.data && gd.data[0] && gd.data[0].z ? gd.data[0].z.map(r => Array.from(r)) : null,
}))"""
# The live surface's traces: name and number of points.
SURFACE_TRACES = """() => {
  const gd = document.querySelector('[data-chart=surface]');
  return gd && gd.data ? gd.data.map(t => [t.name, t.x ? t.x.length : 0]) : null;
}"""


def open_train(pg: Page, server: str, settings: RunSettings, ui: dict | None = None) -> None:
    """The Train page of a share link to ``settings`` (and view choices ``ui``)."""
    pg.goto(server + permalink(settings, ui))  # the same data and initial weights
    wait_idle(pg)
    wait_drawn(pg, 0)


def matrix(pg: Page, title: str) -> list[list[int]]:
    pg.wait_for_function(
        "t => Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd =>"
        " gd.layout && gd.layout.title && (gd.layout.title.text || '').includes(t))",
        arg=title)
    plots = [p for p in pg.evaluate(PLOTS) if p["title"].startswith(title)]
    assert len(plots) == 1 and plots[0]["type"] == "heatmap", plots
    return plots[0]["z"]


def engine_trainer(settings: RunSettings, epochs: int) -> Trainer:
    """The app's run rebuilt here: same settings, same seed, the same number of epochs."""
    trainer = trained(settings)
    trainer.train_epochs(epochs)
    return trainer


def show_section(pg: Page, heading: str) -> None:
    """Scroll the section's heading to the top of the window (Streamlit scrolls inside its own
    container, so a screenshot shows what is scrolled into view)."""
    pg.get_by_role("heading", name=heading).evaluate(
        "el => el.scrollIntoView({block: 'start'})")
    pg.mouse.move(5, 5)  # no hover label in the picture


def test_the_test_confusion_matrix_sums_to_the_test_rows(tab: Page, server: str) -> None:
    settings = RunSettings(dataset="spiral3", n_samples=300, noise=0.1, hidden=(12, 12),
                           activation="relu", optimizer="adam", lr=0.03)
    open_train(tab, server, settings, {"speed": 10})  # fewer frames to draw: same epochs
    tab.get_by_text("Data: 300 rows, 2 inputs, multiclass.").wait_for()
    paused = play_then_pause(tab, 120, whole=True)
    tab.get_by_role("heading", name="How good is it").wait_for()
    assert_no_exception(tab)

    trainer = engine_trainer(settings, paused)
    n_test = len(trainer.test_idx)
    test_matrix = matrix(tab, "Test rows")
    assert np.asarray(test_matrix).shape == (3, 3)
    assert int(np.sum(test_matrix)) == n_test > 0
    assert int(np.sum(matrix(tab, "Training rows"))) == len(trainer.train_idx)
    quality = trainer_quality(trainer)
    assert test_matrix == quality["test"].matrix.tolist()  # the engine's, for that epoch

    # the wrong rows, ringed on the live surface on request
    wrong = sum(int(q.matrix.sum() - np.trace(q.matrix)) for q in quality.values())
    assert wrong > 0
    tab.get_by_text(f"Rows it gets wrong: {wrong} of {trainer.dataset.n_samples}").wait_for()
    assert ["wrong", wrong] not in tab.evaluate(SURFACE_TRACES)
    tab.locator(".st-key-w_quality_mark label").click()
    wait_idle(tab)
    tab.wait_for_function(
        "n => { const gd = document.querySelector('[data-chart=surface]');"
        " return gd && gd.data && gd.data.some(t => t.name === 'wrong' && t.x.length === n); }",
        arg=wrong)
    tab.get_by_text(f"The red rings on the decision surface mark these {wrong} rows.").wait_for()
    assert_no_exception(tab)
    tab.locator("[data-chart=surface]").evaluate("el => el.scrollIntoView({block: 'center'})")
    tab.mouse.move(5, 5)
    screenshot(tab, "quality_surface")
    show_section(tab, "How good is it")
    screenshot(tab, "quality_classification")

    play(tab)  # playing: no section, no rings
    wait_epoch(tab, lambda e: e > paused, "moved on after Play")
    assert tab.get_by_role("heading", name="How good is it").count() == 0
    tab.wait_for_function(
        "() => { const gd = document.querySelector('[data-chart=surface]');"
        " return gd && gd.data && !gd.data.some(t => t.name === 'wrong'); }")
    pause(tab)
    assert_no_exception(tab)


def test_regression_shows_r2_and_rmse_for_train_and_test(tab: Page, server: str) -> None:
    settings = RunSettings(dataset="sine", hidden=(8, 8))
    open_train(tab, server, settings)
    paused = play_then_pause(tab, 40, whole=True)
    tab.get_by_role("heading", name="How good is it").wait_for()
    quality = trainer_quality(engine_trainer(settings, paused))
    metrics = tab.locator("[data-testid='stMetric']")
    for label, value in (("R² (training)", quality["train"].r2), ("R² (test)", quality["test"].r2),
                         ("RMSE (test)", quality["test"].rmse)):
        shown = metrics.filter(has_text=label).locator("[data-testid='stMetricValue']")
        assert shown.inner_text().strip() == f"{value:.4g}", label
    titles = [p["title"] for p in tab.evaluate(PLOTS)]
    assert "Predicted against actual" in titles and "Residuals: actual − predicted" in titles
    assert_no_exception(tab)
    show_section(tab, "How good is it")
    screenshot(tab, "quality_regression")


def test_predict_measures_a_csv_that_carries_the_target(tab: Page, server: str,
                                                        tmp_path) -> None:
    settings = RunSettings(dataset="moons", noise=0.3)
    open_train(tab, server, settings)
    step(tab, 3)
    ds = load_data(settings)
    table = pd.DataFrame(ds.X[:80].round(4), columns=ds.feature_names)
    table["label"] = [ds.classes[int(c)] for c in ds.y[:80]]
    table.loc[3, "label"] = "?"  # a missing target: left out, and said so
    path = tmp_path / "labelled.csv"
    path.write_bytes(table_csv(table))

    go_to(tab, "Predict")
    tab.locator(".st-key-w_predict_csv input[type=file]").set_input_files(str(path))
    tab.get_by_role("heading", name="How good is it on these rows").wait_for()
    wait_idle(tab)
    assert_no_exception(tab)
    shown = matrix(tab, "These rows")
    assert int(np.sum(shown)) == 79
    trainer = engine_trainer(settings, 3)
    keep = np.arange(80) != 3
    pred = np.argmax(trainer.predict(table[ds.feature_names].to_numpy()[keep]), axis=1)
    truth = ds.y[:80][keep]
    assert shown == [[int(np.sum((truth == a) & (pred == b))) for b in (0, 1)] for a in (0, 1)]
    tab.get_by_text("on 79 of 80 rows; left out: 1 whose label is missing or not one").wait_for()
    show_section(tab, "How good is it on these rows")
    screenshot(tab, "quality_predict")
