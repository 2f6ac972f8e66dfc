"""The standalone script: run on its own, it gives the app's predictions to 1e-12."""

import csv
import io
import subprocess
import sys

import numpy as np
import pytest

from nn_core.data.dataset import Dataset
from nn_core.io.export import prediction_column, probability_column, script_for
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import trained


def _run(script_path, *args):
    done = subprocess.run([sys.executable, str(script_path), *map(str, args)],
                          capture_output=True, text=True, timeout=60)
    return done


@pytest.mark.parametrize("settings", [
    RunSettings(dataset="moons", n_samples=120, hidden=(5, 4), transforms=("x1^2", "x1x2",
                "sin_x2"), scale="minmax", batch_size=8),
    RunSettings(dataset="spiral3", n_samples=90, hidden=(6,), activation="relu", batch_size=8),
    RunSettings(dataset="sine", n_samples=60, hidden=(4, 4), activation="sigmoid"),
    RunSettings(dataset="blog", hidden=(2,), activation="sigmoid", output="sigmoid",
                loss="mse", bias=False, init="blog", scale="none", batch_size=1),
])
def test_script_matches_the_app(tmp_path, settings):
    t = trained(settings)
    t.train_epochs(20)
    path = tmp_path / "model.py"
    path.write_text(script_for(t))
    X = t.dataset.X[:25]
    names = t.dataset.feature_names
    csv_path = tmp_path / "inputs.csv"
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        w.writerows([[repr(float(v)) for v in row] for row in X])
    done = _run(path, csv_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    expected = t.predict(X)
    if t.task == "regression":
        got = np.array([float(r[prediction_column(t.dataset.target_name)]) for r in rows])
    else:
        got = np.array([[float(r[probability_column(c)]) for c in t.dataset.classes]
                        for r in rows])
        assert [r[prediction_column(t.dataset.target_name)] for r in rows] == \
            t.predict_labels(X)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)

    typed = _run(path, *X[0])
    assert typed.returncode == 0, typed.stderr
    first = next(iter(csv.DictReader(io.StringIO(typed.stdout))))
    assert first.keys() == rows[0].keys()
    for key, value in first.items():
        try:
            assert float(value) == pytest.approx(float(rows[0][key]), abs=1e-12)
        except ValueError:  # the predicted class label
            assert value == rows[0][key]


def test_user_text_cannot_inject_code(tmp_path):
    marker = tmp_path / "pwned"
    evil = f'"""; open({str(marker)!r}, "w") #' + "'; open(" + repr(str(marker)) + ', "w") #'
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]])
    ds = Dataset(X, np.array([0, 1, 0, 1]), [evil, "b\n'x"], "t\"'", "binary",
                 ["<b>no</b>", "y\\"], name="custom")
    s = RunSettings(dataset="custom", hidden=(2,), test_fraction=0.0)
    t = Trainer(s, ds)
    path = tmp_path / "model.py"
    path.write_text(script_for(t))
    done = _run(path, 0.2, 0.3)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    header = next(csv.reader(io.StringIO(done.stdout)))
    assert header[0] == evil and header[-1] == "predicted t\"'"
    assert header[2:4] == ["p(<b>no</b>)", "p(y\\)"]


def test_wrong_arguments_exit_with_a_message(tmp_path):
    s = RunSettings(dataset="xor", n_samples=40, hidden=(2,))
    path = tmp_path / "model.py"
    path.write_text(script_for(trained(s)))
    done = _run(path, 1.0)
    assert done.returncode != 0 and "usage" in done.stderr


def test_history_and_dataset_csv_read_back():
    s = RunSettings(dataset="circle", n_samples=50, hidden=(3,), batch_size=5, test_fraction=0.2)
    t = trained(s)
    t.train_epochs(4)
    from nn_core.io.export import dataset_csv, history_csv

    rows = list(csv.DictReader(io.StringIO(history_csv(t.history))))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2, 3, 4]
    assert [float(r["train_loss"]) for r in rows] == t.history["train_loss"]
    table = list(csv.reader(io.StringIO(dataset_csv(t.dataset))))
    assert table[0] == [*t.dataset.feature_names, t.dataset.target_name]
    X = np.array([[float(v) for v in r[:-1]] for r in table[1:]])
    assert np.array_equal(X, t.dataset.X)
    assert [r[-1] for r in table[1:]] == [t.dataset.classes[i] for i in t.dataset.y]


# --- formula injection ---------------------------------------------------------------------------
def _hostile_dataset() -> Dataset:
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, -0.5], [-1.5, 1.0]])
    return Dataset(X, np.array([0, 1, 0, 1]), ["=HYPERLINK(\"http://x\",\"a\")", "@b"], "+t",
                   "binary", ["=cmd|' /C calc'!A0", "-1+1"], name="custom")


def test_dataset_csv_neutralises_names_and_labels_and_reads_back_equal():
    from nn_core.data.tabular import load_csv
    from nn_core.io.export import dataset_csv

    ds = _hostile_dataset()
    text = dataset_csv(ds)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["'=HYPERLINK(\"http://x\",\"a\")", "'@b", "'+t"]
    assert rows[1] == ["0", "1", "'=cmd|' /C calc'!A0"]  # whole numbers stay whole
    assert rows[4] == ["-1.5", "1", "'-1+1"]  # the number stays a number
    back = load_csv(text.encode(), "+t")
    assert (back.feature_names, back.target_name, back.classes) == (
        ds.feature_names, ds.target_name, sorted(ds.classes))
    np.testing.assert_array_equal(back.X, ds.X)


def test_the_script_reads_a_neutralised_csv_and_writes_one(tmp_path):
    from nn_core.io.export import dataset_csv

    ds = _hostile_dataset()
    t = Trainer(RunSettings(dataset="custom", hidden=(2,), test_fraction=0.0), ds)
    path = tmp_path / "model.py"
    path.write_text(script_for(t))
    (tmp_path / "inputs.csv").write_text(dataset_csv(ds))  # its header is neutralised
    done = _run(path, tmp_path / "inputs.csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    # every column of the table read (the target too, as the app keeps it), then the predictions
    assert rows[0] == ["'=HYPERLINK(\"http://x\",\"a\")", "'@b", "'+t", "p(=cmd|' /C calc'!A0)",
                       "p(-1+1)", "predicted +t"]
    labels = {"'=cmd|' /C calc'!A0", "'-1+1"}
    assert len(rows) == 5 and all(row[-1] in labels for row in rows[1:])
    # the input cells as they were read: whole numbers stay whole
    assert [row[:2] for row in rows[1:]] == [["0", "1"], ["1", "0"], ["0.5", "-0.5"],
                                             ["-1.5", "1"]]
