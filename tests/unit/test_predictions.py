"""nn_core/io/predictions.py: the table of predictions, bounded before the network runs, and the
network run once."""

import numpy as np
import pandas as pd
import pytest

from nn_core.errors import PlaygroundError
from nn_core.io.predictions import check_prediction_size, prediction_table
from nn_core.limits import MAX_CLASSES, MAX_PREDICTION_CELLS, MAX_ROWS
from nn_core.settings import RunSettings
from tests.conftest import trained


class Counting:
    """A predictor that counts its calls around a real one."""

    def __init__(self, model):
        self.model, self.calls = model, 0

    def predict(self, X):
        self.calls += 1
        return self.model.predict(X)


class Refusing:
    def predict(self, X):
        raise AssertionError("the size is checked before predicting")


@pytest.fixture(scope="module")
def spiral():
    s = RunSettings(dataset="spiral3", n_samples=60, hidden=(4,))
    t = trained(s)
    t.train_epochs(2)
    return t


def test_a_classifier_table_keeps_the_inputs_and_adds_label_and_probabilities(spiral):
    ds = spiral.dataset
    table = pd.DataFrame({"note": ["a", "b", "c"], "x2": [1.0, 2.0, 3.0], "x1": [0.1, None, 0.3],
                          "predicted label": ["keep", "me", "too"]})
    model = Counting(spiral)
    result, skipped = prediction_table(model, table, ds.feature_names, ds.target_name,
                                       ds.classes)
    assert model.calls == 1 and skipped == 1
    assert list(result.columns) == ["note", "x2", "x1", "predicted label", "p(0)", "p(1)", "p(2)",
                                    "predicted label (2)"]
    pd.testing.assert_frame_equal(result.iloc[:, :4], table)
    probs = spiral.predict(np.array([[0.1, 1.0], [0.3, 3.0]]))
    np.testing.assert_array_equal(result[["p(0)", "p(1)", "p(2)"]].to_numpy()[[0, 2]], probs)
    assert result[["p(0)", "p(1)", "p(2)"]].iloc[1].isna().all()
    labels = result["predicted label (2)"]
    assert [labels[0], labels[2]] == spiral.predict_labels(np.array([[0.1, 1.0], [0.3, 3.0]]))
    assert pd.isna(labels[1])


def test_a_regression_table_adds_the_values():
    s = RunSettings(dataset="sine", n_samples=40, hidden=(3,))
    t = trained(s)
    table = pd.DataFrame({"x": [0.5, np.nan, -1.0]}, index=[7, 8, 9])
    result, skipped = prediction_table(t, table, ["x"], "y", [])
    assert skipped == 1 and list(result.columns) == ["x", "predicted y"]
    np.testing.assert_array_equal(result["predicted y"].to_numpy()[[0, 2]],
                                  t.predict(np.array([[0.5], [-1.0]])))
    assert np.isnan(result["predicted y"][1]) and list(result.index) == [0, 1, 2]


def test_the_size_is_checked_before_the_network_runs():
    table = pd.DataFrame({"x": np.zeros(1000)})
    with pytest.raises(PlaygroundError) as err:
        prediction_table(Refusing(), table, ["x"], "y", [f"c{k}" for k in range(1000)])
    assert str(err.value) == ("1,000 rows × 1,001 predicted columns is 1,001,000 cells; the "
                              f"limit is {MAX_PREDICTION_CELLS:,}: predict at most 419 rows at "
                              "a time")


def test_the_largest_table_the_app_allows_fits_the_limit():
    check_prediction_size(MAX_ROWS, 1 + MAX_CLASSES)
    with pytest.raises(PlaygroundError):
        check_prediction_size(MAX_ROWS + 1, 1 + MAX_CLASSES)
