"""The CLI in subprocesses (exit codes, the error line, JSON, files), the same numbers as the app's
Trainer, and our accuracy on real public tables next to scikit-learn's MLPClassifier."""

import csv
import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from nn_core.cli import main
from nn_core.data.builtin import BUILTIN, make_dataset
from nn_core.data.tabular import default_target, load_csv
from nn_core.io.serialize import model_from_json, model_to_json
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
CORPUS = DATA / "csv"


def cli(*args, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "nn_core", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def last_json(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def in_process(settings: RunSettings, dataset) -> dict:
    """What the app computes for these settings: the same Trainer, the same epochs."""
    trainer = Trainer(settings, dataset)
    trainer.train_epochs(settings.epochs)
    return json.loads(json.dumps(trainer.summary(), allow_nan=True).replace("NaN", "null"))


# --- train ---------------------------------------------------------------------------------------

def test_train_builtin_prints_the_apps_numbers():
    result = cli("train", "--dataset", "moons", "--samples", "120", "--noise", "0.2",
                 "--hidden", "6,4", "--activation", "tanh", "--lr", "0.05", "--epochs", "40",
                 "--batch-size", "16", "--seed", "3", "--optimizer", "momentum")
    out = last_json(result)
    settings = RunSettings(dataset="moons", n_samples=120, noise=0.2, hidden=(6, 4), lr=0.05,
                           epochs=40, batch_size=16, seed=3, optimizer="momentum")
    assert out == in_process(settings, make_dataset("moons", 120, 0.2, 0))
    assert set(out) >= {"epochs", "train_loss", "test_loss", "train_accuracy", "test_accuracy"}
    assert out["epochs"] == 40
    progress = result.stderr.splitlines()
    assert progress[0] == "training on 120 rows (96 train, 24 test), 2 feature(s), binary"
    assert progress[-1].startswith("epoch 40/40  train_loss ")


def test_train_regression_reports_r2_and_every_flag_reaches_the_settings():
    out = last_json(cli("train", "--dataset", "sine", "--samples", "80", "--hidden", "8",
                        "--activation", "relu", "--epochs", "25", "--batch-size", "0",
                        "--optimizer", "adam", "--lr", "0.01", "--l2", "0.001", "--l1", "0.0001",
                        "--init", "he", "--scale", "minmax", "--test-fraction", "0.25",
                        "--data-seed", "2", "--noise", "0.3", "--momentum", "0.5",
                        "--set", "shuffle=false", "-q"))
    settings = RunSettings(dataset="sine", n_samples=80, hidden=(8,), activation="relu",
                           epochs=25, batch_size=0, optimizer="adam", lr=0.01, l2=0.001,
                           l1=0.0001, init="he", scale="minmax", test_fraction=0.25,
                           data_seed=2, noise=0.3, momentum=0.5, shuffle=False)
    assert out == in_process(settings, make_dataset("sine", 80, 0.3, 2))
    assert "train_r2" in out and "test_r2" in out and "train_accuracy" not in out


def test_train_without_bias_and_with_transforms():
    out = last_json(cli("train", "--dataset", "circle", "--samples", "60", "--no-bias",
                        "--transforms", "x1^2,x2^2", "--epochs", "5", "--loss", "mse",
                        "--output", "sigmoid", "--update-rule", "blog", "-q"))
    settings = RunSettings(dataset="circle", n_samples=60, bias=False, transforms=("x1^2", "x2^2"),
                           epochs=5, loss="mse", output="sigmoid", update_rule="blog")
    assert out == in_process(settings, make_dataset("circle", 60, 0.1, 0))


def test_no_hidden_layer():
    for hidden in ("", "0"):
        out = last_json(cli("train", "--dataset", "gaussians", "--hidden", hidden,
                            "--epochs", "5", "-q"))
        assert out["epochs"] == 5


def test_settings_file_with_flags_on_top(tmp_path):
    base = RunSettings(dataset="xor", n_samples=50, lr=0.5, epochs=9, hidden=(3,))
    (tmp_path / "s.json").write_text(base.to_json())
    out = last_json(cli("train", "--settings", "s.json", "--epochs", "4", "-q", cwd=tmp_path))
    assert out == in_process(base.replace(epochs=4), make_dataset("xor", 50, 0.1, 0))


def test_data_without_target_takes_the_last_column_as_the_app_does(tmp_path):
    iris = DATA / "iris.csv"
    columns = next(csv.reader(io.StringIO(iris.read_text())))
    assert default_target(columns) == columns[-1] == "species"
    flags = ["--hidden", "4", "--epochs", "20", "--patience", "0", "-q"]
    told = last_json(cli("train", "--data", iris, "--target", "species", *flags))
    result = cli("train", "--data", iris, "--save", "m.json", *flags, cwd=tmp_path)
    assert last_json(result) == told  # the same run, bit for bit
    assert model_from_json((tmp_path / "m.json").read_text()).target_name == "species"


def test_csv_training_save_history_and_predict_round_trip(tmp_path):
    iris = DATA / "iris.csv"
    result = cli("train", "--data", iris, "--target", "species", "--features",
                 "petal length (cm),petal width (cm)", "--hidden", "5", "--epochs", "30",
                 "--optimizer", "adam", "--lr", "0.02", "--save", "model.json",
                 "--history", "history.csv", "--patience", "0", cwd=tmp_path)
    out = last_json(result)
    settings = RunSettings(dataset="csv", target="species",
                           features=("petal length (cm)", "petal width (cm)"), hidden=(5,),
                           epochs=30, optimizer="adam", lr=0.02)
    dataset = load_csv(iris.read_bytes(), "species", settings.features)
    assert out == in_process(settings, dataset)

    history = list(csv.DictReader(io.StringIO((tmp_path / "history.csv").read_text())))
    assert [int(r["epoch"]) for r in history] == list(range(31))
    assert float(history[-1]["train_loss"]) == out["train_loss"]
    assert float(history[-1]["test_metric"]) == out["test_accuracy"]

    model = model_from_json((tmp_path / "model.json").read_text())
    assert model.feature_names == ["petal length (cm)", "petal width (cm)"]
    predicted = cli("predict", "--model", "model.json", "--data", iris, "--out", "p.csv",
                    cwd=tmp_path)
    assert predicted.returncode == 0 and predicted.stdout == "" and predicted.stderr == ""
    rows = list(csv.DictReader(io.StringIO((tmp_path / "p.csv").read_text())))
    assert list(rows[0]) == ["petal length (cm)", "petal width (cm)", "p(setosa)",
                             "p(versicolor)", "p(virginica)", "predicted species"]
    X = dataset.X
    probs = model.predict(X)
    assert np.array_equal([[float(r[f"p({c})"]) for c in model.classes] for r in rows], probs)
    assert [r["predicted species"] for r in rows] == model.predict_labels(X)
    accuracy = np.mean([r["predicted species"] == s for r, s in
                        zip(rows, np.array(dataset.classes)[dataset.y], strict=True)])
    assert accuracy > 0.9


def test_predict_regression_to_stdout_skips_bad_rows(tmp_path):
    last_json(cli("train", "--dataset", "plane", "--samples", "40", "--epochs", "3",
                  "--save", "m.json", "-q", cwd=tmp_path))
    (tmp_path / "in.csv").write_text("x2,x1,note\n1,2,a\n,3,b\n0.5,-1,c\n")
    result = cli("predict", "--model", "m.json", "--data", "in.csv", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == "note: skipped 1 row(s) with a missing or non-finite input\n"
    rows = list(csv.reader(io.StringIO(result.stdout)))
    model = model_from_json((tmp_path / "m.json").read_text())
    values = model.predict(np.array([[2.0, 1.0], [-1.0, 0.5]]))
    assert rows == [["x1", "x2", "predicted y"], ["2", "1", repr(float(values[0]))],
                    ["-1", "0.5", repr(float(values[1]))]]  # whole numbers stay whole


def test_predict_neutralises_text_a_spreadsheet_would_run(tmp_path, capsys):
    table = (b"=HYPERLINK(\"http://x\"),@b,+t\n0,1,=cmd|' /C calc'!A0\n1,0,-1+1\n"
             b"0.5,-0.5,=cmd|' /C calc'!A0\n-1.5,1,-1+1\n")
    settings = RunSettings(dataset="csv", target="+t", hidden=(2,), test_fraction=0)
    trainer = Trainer(settings, load_csv(table, "+t"))
    (tmp_path / "m.json").write_text(model_to_json(trainer))
    (tmp_path / "in.csv").write_bytes(table)
    assert main(["predict", "--model", str(tmp_path / "m.json"), "--data",
                 str(tmp_path / "in.csv")]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["'=HYPERLINK(\"http://x\")", "'@b", "p(-1+1)", "p(=cmd|' /C calc'!A0)",
                       "predicted +t"]
    assert rows[4][:2] == ["-1.5", "1"]  # numbers stay numbers, whole ones whole
    assert {row[-1] for row in rows[1:]} <= {"'-1+1", "'=cmd|' /C calc'!A0"}


def test_datasets_lists_every_builtin():
    result = cli("datasets")
    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == list(BUILTIN)
    listed = json.loads(cli("datasets", "--json").stdout)
    assert [d["name"] for d in listed] == list(BUILTIN)
    assert listed[0]["features"] == ["height", "weight", "age"]


def test_notices_go_to_stderr():
    result = cli("train", "--data", CORPUS / "latin1.csv", "--target", "boisson",
                 "--epochs", "2", "--test-fraction", "0")
    assert last_json(result)["test_loss"] is None  # no test rows: null, not NaN
    assert result.stderr.splitlines()[0] == ("note: the file is not UTF-8; it was read as "
                                             "Latin-1 (Windows-1252)")


# --- errors: one line, the right status, never a traceback ---------------------------------------

ERRORS = [
    ([], 2, "error: the following arguments are required: COMMAND (see --help)"),
    (["bogus"], 2, "error: argument COMMAND: invalid choice: 'bogus' (choose from 'train', "
                   "'predict', 'datasets') (see --help)"),
    (["train"], 2, "error: give --dataset NAME or --data FILE.csv [--target COLUMN]"),
    (["train", "--dataset", "iris"], 2, "error: argument --dataset: invalid choice: 'iris' "
     "(choose from 'blog', 'xor', 'circle', 'gaussians', 'spiral', 'spiral3', 'moons', "
     "'plane', 'bumps', 'sine') (see --help)"),
    (["train", "--dataset", "xor", "--data", "a.csv"], 2,
     "error: argument --data: not allowed with argument --dataset (see --help)"),
    (["train", "--dataset", "xor", "--lr", "-1"], 2, "error: lr: -1.0 is outside 1e-06…10"),
    (["train", "--dataset", "xor", "--epochs", "many"], 2,
     "error: epochs: expected a whole number, got 'many'"),
    (["train", "--dataset", "xor", "--optimizer", "lbfgs"], 2, "error: argument --optimizer: "
     "invalid choice: 'lbfgs' (choose from 'sgd', 'momentum', 'adam') (see --help)"),
    (["train", "--dataset", "xor", "--set", "speed=9"], 2,
     "error: --set wants NAME=VALUE with a setting name, got 'speed=9'"),
    (["train", "--dataset", "xor", "--transforms", "x1^2", "--hidden", "99"], 2,
     "error: hidden: 99 is outside 1…64"),
    (["predict", "--data", "a.csv"], 2,
     "error: the following arguments are required: --model (see --help)"),
    (["train", "--data", "nowhere.csv", "--target", "y"], 1,
     "error: cannot read nowhere.csv: No such file or directory"),
    (["train", "--data", CORPUS / "binary.csv", "--target", "y"], 1,
     "error: the file does not look like text: upload a CSV file"),
    (["train", "--data", CORPUS / "empty.csv", "--target", "y"], 1, "error: the file is empty"),
    (["train", "--data", CORPUS / "basic.csv", "--target", "sex"], 1,
     "error: there is no column 'sex'; the columns are 'height', 'weight', 'label'"),
    (["train", "--data", CORPUS / "one_class.csv", "--target", "y"], 1,
     "error: the target 'y' has only one class ('yes'): a classifier needs at least two"),
    (["train", "--data", CORPUS / "basic.csv", "--target", "label", "--transforms", "x1x2",
      "--features", "height"], 1,
     "error: feature transforms (x1x2) need exactly 2 input features; this data has 1"),
    (["train", "--settings", CORPUS / "basic.csv"], 1,
     "error: settings file is not valid JSON (Expecting value)"),
    (["predict", "--model", CORPUS / "basic.csv", "--data", CORPUS / "basic.csv"], 1,
     "error: model file is not valid JSON"),
]


@pytest.mark.parametrize("args, status, line", ERRORS, ids=[" ".join(map(str, e[0]))[-50:] or
                                                            "no args" for e in ERRORS])
def test_errors_are_one_line_with_the_right_status(args, status, line, tmp_path, monkeypatch,
                                                   capsys):
    monkeypatch.chdir(tmp_path)  # in-process for speed; the subprocess test below checks a few
    with pytest.raises(SystemExit) as exit_:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    assert (exit_.value.code, captured.err, captured.out) == (status, line + "\n", "")


@pytest.mark.parametrize("case", [0, 5, 13, 15])
def test_errors_in_a_real_process(case, tmp_path):
    args, status, line = ERRORS[case]
    result = cli(*args, cwd=tmp_path)
    assert (result.returncode, result.stderr, result.stdout) == (status, line + "\n", "")


def test_settings_naming_a_csv_need_data(tmp_path):
    (tmp_path / "s.json").write_text(RunSettings(dataset="csv", target="y").to_json())
    result = cli("train", "--settings", "s.json", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        2, "error: the settings name a CSV dataset: give --data FILE.csv\n")


def test_predict_with_a_model_for_other_columns(tmp_path):
    last_json(cli("train", "--dataset", "xor", "--samples", "20", "--epochs", "1",
                  "--save", "m.json", "-q", cwd=tmp_path))
    result = cli("predict", "--model", "m.json", "--data", CORPUS / "basic.csv", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        1, "error: the table lacks the column(s) the model needs: 'x1', 'x2'\n")


def test_help_is_not_an_error():
    result = cli("train", "--help")
    assert result.returncode == 0 and "--test-fraction" in result.stdout


# --- accuracy on real public tables, next to scikit-learn ---------------------------------------

@pytest.mark.parametrize("table, target", [("breast_cancer", "diagnosis"), ("iris", "species")])
def test_accuracy_matches_sklearn_mlp(table, target):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    dataset = load_csv((DATA / f"{table}.csv").read_bytes(), target)
    ours, theirs = [], []
    for seed in range(3):
        settings = RunSettings(dataset="csv", target=target, hidden=(16,), activation="relu",
                               optimizer="adam", lr=0.001, batch_size=32, epochs=200,
                               test_fraction=0.3, seed=seed, data_seed=seed)
        trainer = Trainer(settings, dataset)
        trainer.train_epochs(settings.epochs)
        ours.append(trainer.summary()["test_accuracy"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp = MLPClassifier((16,), activation="relu", solver="adam", alpha=0.0,
                                learning_rate_init=0.001, batch_size=32, max_iter=200,
                                random_state=seed)
            mlp.fit(trainer.X_train, trainer.y_train)  # the same rows, the same scaling
        theirs.append(mlp.score(trainer.X_test, trainer.y_test))
    assert min(ours) > 0.9 and min(theirs) > 0.9
    assert abs(np.mean(ours) - np.mean(theirs)) <= 0.03, (ours, theirs)


# --- early stopping on real tables, next to scikit-learn's own ----------------------------------

EARLY_FLAGS = ("--hidden", "16", "--activation", "relu", "--optimizer", "adam", "--lr", "0.01",
               "--epochs", "300", "--batch-size", "32", "--patience", "20", "-q")


def _diabetes_csv(tmp_path: Path) -> Path:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame  # shipped with scikit-learn: no download
    path = tmp_path / "diabetes.csv"
    frame.to_csv(path, index=False)
    return path


def _cli_and_sklearn(path: Path, target: str, capsys) -> tuple[list[float], list[float]]:
    """Test scores of ``python -m nn_core train`` with early stopping and of scikit-learn's MLP
    with the same settings on the same rows (all non-test rows, scaled as ours), three splits."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    dataset = load_csv(path.read_bytes(), target)
    ours, theirs = [], []
    for seed in range(3):
        assert main(["train", "--data", str(path), "--target", target, *EARLY_FLAGS,
                     "--seed", str(seed), "--data-seed", str(seed)]) == 0
        out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert out["stop_kind"] in ("early", "max_epochs") and out["best_epoch"] is not None
        regression = dataset.task == "regression"
        ours.append(out["test_r2" if regression else "test_accuracy"])
        settings = RunSettings(dataset="csv", target=target, data_seed=seed, seed=seed,
                               validation_fraction=0.1)
        trainer = Trainer(settings, dataset)  # for its split and its scaling only
        rows = np.sort(np.concatenate([trainer.train_idx, trainer.val_idx]))
        X = trainer.preprocessor.transform(dataset.X[rows])
        X_test = trainer.preprocessor.transform(dataset.X[trainer.test_idx])
        kind = MLPRegressor if regression else MLPClassifier
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp = kind(hidden_layer_sizes=(16,), activation="relu", solver="adam",
                       learning_rate_init=0.01, max_iter=300, batch_size=32, early_stopping=True,
                       validation_fraction=0.1, n_iter_no_change=20, random_state=seed)
            mlp.fit(X, dataset.y[rows])
        theirs.append(mlp.score(X_test, dataset.y[trainer.test_idx]))
    return ours, theirs


@pytest.mark.parametrize("table, target", [("breast_cancer", "diagnosis"), ("iris", "species")])
def test_early_stopping_accuracy_matches_sklearn(table, target, capsys):
    ours, theirs = _cli_and_sklearn(DATA / f"{table}.csv", target, capsys)
    assert np.mean(ours) >= np.mean(theirs) - 0.03, (ours, theirs)  # within 3 points or above


def test_early_stopping_regression_r2_at_least_sklearns(tmp_path, capsys):
    ours, theirs = _cli_and_sklearn(_diabetes_csv(tmp_path), "target", capsys)
    assert np.mean(ours) >= np.mean(theirs), (ours, theirs)


def test_early_stopping_is_on_by_default_for_a_table_of_100_rows(tmp_path):
    iris = DATA / "iris.csv"  # 150 rows
    args = ("train", "--data", iris, "--target", "species", "--epochs", "400", "-q")
    on = cli(*args)
    out = last_json(on)
    assert out["stop_kind"] == "early" and out["epochs"] == out["best_epoch"] + 20
    settings = RunSettings(dataset="csv", target="species", epochs=400, patience=20,
                           validation_fraction=0.1)
    assert out == in_process(settings, load_csv(iris.read_bytes(), "species"))
    off = last_json(cli(*args, "--patience", "0"))
    assert off["best_epoch"] is None and off["epochs"] == 400
    small = tmp_path / "small.csv"
    small.write_text("".join(iris.read_text().splitlines(keepends=True)[:100]))  # 99 rows
    assert last_json(cli("train", "--data", small, "--target", "species", "--epochs", "50",
                         "-q"))["best_epoch"] is None
    assert last_json(cli("train", "--dataset", "moons", "--epochs", "50", "-q"))["best_epoch"] \
        is None  # built-in sets: off


def test_a_diverged_run_prints_its_summary_and_exits_3():
    result = cli("train", "--dataset", "circle", "--hidden", "8,8,8,8,8,8", "--activation",
                 "relu", "--lr", "10", "-q")
    assert result.returncode == 3
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["stop_kind"] == "died" and out["epochs"] == 0
    assert result.stderr.startswith("error: Training died at epoch ")
    assert result.stderr.count("\n") == 1 and "Try --lr 0.3." in result.stderr


def test_at_the_smallest_rate_a_dead_run_says_what_else_to_change_in_options():
    result = cli("train", "--dataset", "moons", "--hidden", "1,1,1,1,1,1", "--activation",
                 "relu", "--no-bias", "--scale", "minmax", "--lr", "1e-6", "--seed", "0",
                 "--epochs", "100", "-q")
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "--lr" not in result.stderr
    assert "already the smallest (1e-06)" in result.stderr
    assert "(--hidden 8,8)" in result.stderr and "(--activation tanh)" in result.stderr
    assert "(without --no-bias)" in result.stderr


def test_the_cli_trains_1000_epochs_unless_told():
    out = last_json(cli("train", "--dataset", "xor", "--samples", "20", "--hidden", "2", "-q"))
    assert out["epochs"] == 1000
