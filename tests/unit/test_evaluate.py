"""nn_core.training.evaluate: hand-computed small cases, and scikit-learn's metrics on real runs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

from nn_core.data.load import load_data
from nn_core.data.tabular import load_csv
from nn_core.settings import RunSettings
from nn_core.training import evaluate as ev
from nn_core.training.trainer import Trainer

DATA = Path(__file__).parents[1] / "data"


# --- hand-computed ------------------------------------------------------------------------
def test_confusion_matrix_counts_true_rows_by_predicted_columns():
    y_true = [0, 0, 0, 1, 1, 2, 2, 2, 2]
    y_pred = [0, 1, 0, 1, 1, 2, 0, 2, 1]
    m = ev.confusion_matrix(y_true, y_pred, 3)
    assert m.tolist() == [[2, 1, 0],
                          [0, 2, 0],
                          [1, 1, 2]]
    assert m.sum() == 9 and m.dtype == np.int64
    # precision: column-wise 2/3, 2/4, 2/2; recall: row-wise 2/3, 2/2, 2/4
    precision, recall = ev.precision_recall(m)
    assert precision == pytest.approx([2 / 3, 1 / 2, 1.0])
    assert recall == pytest.approx([2 / 3, 1.0, 1 / 2])
    assert ev.accuracy(m) == pytest.approx(6 / 9)
    shares = ev.row_shares(m)
    assert np.allclose(shares, [[2 / 3, 1 / 3, 0], [0, 1, 0], [1 / 4, 1 / 4, 1 / 2]])
    assert shares.sum(axis=1) == pytest.approx([1, 1, 1])


def test_zero_over_zero_is_undefined_not_zero():
    # class 2 has no rows and is never predicted; class 1 is never predicted
    m = ev.confusion_matrix([0, 0, 1], [0, 0, 0], 3)
    precision, recall = ev.precision_recall(m)
    assert precision[0] == pytest.approx(2 / 3)
    assert math.isnan(precision[1]) and math.isnan(precision[2])
    assert recall[0] == 1.0 and recall[1] == 0.0 and math.isnan(recall[2])
    shares = ev.row_shares(m)
    assert np.isnan(shares[2]).all() and shares[1].tolist() == [1.0, 0.0, 0.0]
    assert math.isnan(ev.accuracy(ev.confusion_matrix([], [], 2)))


def test_confusion_matrix_refuses_classes_out_of_range():
    with pytest.raises(ValueError):
        ev.confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(ValueError):
        ev.confusion_matrix([0, 1], [0], 2)


def test_regression_measures_by_hand():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    p = np.array([1.5, 2.0, 2.0, 5.0])
    assert ev.residuals(y, p).tolist() == [-0.5, 0.0, 1.0, -1.0]
    assert ev.rmse(y, p) == pytest.approx(math.sqrt((0.25 + 0 + 1 + 1) / 4))
    # SS_tot = 2.25 + .25 + .25 + 2.25 = 5; SS_res = 2.25
    assert ev.r2(y, p) == pytest.approx(1 - 2.25 / 5)
    assert ev.r2(y, y) == 1.0
    assert math.isnan(ev.r2([2.0, 2.0], [1.0, 3.0]))  # constant target: undefined
    assert math.isnan(ev.r2([2.0], [1.0])) and math.isnan(ev.rmse([], []))


def test_class_quality_reads_probabilities():
    probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])
    q = ev.quality_of("binary", 2, [0, 0, 1, 1], probs, rows=[10, 11, 12, 13])
    assert q.y_pred.tolist() == [0, 1, 0, 1]
    assert q.matrix.tolist() == [[1, 1], [1, 1]]
    assert q.wrong.tolist() == [False, True, True, False]
    assert q.rows[q.wrong].tolist() == [11, 12]
    assert q.predicted_probability.tolist() == [0.9, 0.7, 0.6, 0.8]
    assert q.accuracy == 0.5 and q.n == 4


# --- real runs against scikit-learn ------------------------------------------------------
def _trained(settings: RunSettings, epochs: int, data: bytes | None = None,
             **csv) -> Trainer:
    ds = load_csv(data, **csv) if data is not None else load_data(settings)
    trainer = Trainer(settings, ds)
    trainer.train_epochs(epochs)
    return trainer


CLASSIFIERS = [
    pytest.param(RunSettings(dataset="moons", noise=0.3), 15, None, {}, id="moons"),
    pytest.param(RunSettings(dataset="spiral3", hidden=(6,)), 10, None, {}, id="spiral3"),
    pytest.param(RunSettings(dataset="csv", target="species", validation_fraction=0.2,
                             patience=5, hidden=(4,)), 8,
                 (DATA / "iris.csv").read_bytes(), {"target": "species"}, id="iris-validation"),
]


@pytest.mark.parametrize(("settings", "epochs", "data", "csv"), CLASSIFIERS)
def test_classification_agrees_with_sklearn_on_real_runs(settings, epochs, data, csv):
    trainer = _trained(settings, epochs, data, **csv)
    ds = trainer.dataset
    quality = ev.trainer_quality(trainer)
    labels = list(range(ds.n_classes))
    for split, idx in (("train", trainer.train_idx), ("test", trainer.test_idx)):
        q = quality[split]
        y_true = ds.y[idx]
        y_pred = np.argmax(trainer.predict(ds.X[idx]), axis=1)  # the raw-row path
        assert q.rows.tolist() == idx.tolist()
        assert q.y_pred.tolist() == y_pred.tolist()
        assert q.matrix.tolist() == sk.confusion_matrix(y_true, y_pred, labels=labels).tolist()
        assert q.matrix.sum() == len(idx)
        for name, ours, theirs in (
                ("precision", q.precision, sk.precision_score),
                ("recall", q.recall, sk.recall_score)):
            expected = theirs(y_true, y_pred, labels=labels, average=None, zero_division=np.nan)
            assert np.array_equal(np.isnan(ours), np.isnan(expected)), name
            assert ours[~np.isnan(ours)] == pytest.approx(expected[~np.isnan(expected)]), name
        assert q.accuracy == pytest.approx(sk.accuracy_score(y_true, y_pred))
        assert q.accuracy == pytest.approx(trainer.current()[f"{split}_metric"])
    # validation rows (early stopping's) are counted in neither matrix
    assert (quality["train"].n + quality["test"].n + len(trainer.val_idx)) == ds.n_samples
    if settings.validation_fraction:
        assert len(trainer.val_idx) > 0
        assert not set(trainer.val_idx) & set(quality["train"].rows.tolist())


@pytest.mark.parametrize("name", ["sine", "plane"])
def test_regression_agrees_with_sklearn_on_real_runs(name):
    trainer = _trained(RunSettings(dataset=name, hidden=(6,)), 10)
    ds = trainer.dataset
    quality = ev.trainer_quality(trainer)
    for split, idx in (("train", trainer.train_idx), ("test", trainer.test_idx)):
        q = quality[split]
        y_true, y_pred = ds.y[idx], trainer.predict(ds.X[idx])
        assert q.y_pred == pytest.approx(y_pred)
        assert q.r2 == pytest.approx(sk.r2_score(y_true, y_pred))
        assert q.rmse == pytest.approx(math.sqrt(sk.mean_squared_error(y_true, y_pred)))
        assert q.residuals == pytest.approx(y_true - y_pred)
        assert q.r2 == pytest.approx(trainer.current()[f"{split}_metric"])


def test_a_run_without_test_rows_has_an_empty_test_split():
    trainer = _trained(RunSettings(dataset="xor", test_fraction=0.0), 2)
    quality = ev.trainer_quality(trainer)
    assert quality["test"].n == 0 and quality["test"].matrix.tolist() == [[0, 0], [0, 0]]
    assert quality["train"].matrix.sum() == trainer.dataset.n_samples


# --- a table's target column -------------------------------------------------------------
def test_target_indices_read_labels_as_the_dataset_does():
    numbers = pd.Series([1.0, 0.0, np.nan, 2.0, 1.0])
    assert ev.target_indices(numbers, ["0", "1"]).tolist() == [1, 0, -1, -1, 1]
    text = pd.Series([" setosa", "virginica", None, "rose", "n/a"], dtype=object)
    assert ev.target_indices(text, ["setosa", "virginica"]).tolist() == [0, 1, -1, -1, -1]


def test_target_values_are_floats_or_none_for_text():
    values = ev.target_values(pd.Series(["1.5", "", "3", "inf"], dtype=object))
    assert values[0] == 1.5 and values[2] == 3.0
    assert np.isnan(values[1]) and np.isnan(values[3])
    assert ev.target_values(pd.Series(["a", "b"], dtype=object)) is None
