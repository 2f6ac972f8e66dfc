"""Control characters in names and cells (issue 21, item 2).

A carriage return inside a cell made Python's csv writer (``lineterminator="\\n"``) leave it
bare, so a reader that splits rows at ``\\r`` (a spreadsheet, ``csv`` with ``newline=""``) found
a new cell starting ``=`` after it. Every CSV writer now quotes such a cell and puts ``'`` in
front of it; models, bundles, column names and class labels refuse control characters.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from nn_core.cli import main
from nn_core.data.csv_safety import PLAIN_NUMBER, neutralise, restore
from nn_core.data.dataset import Dataset
from nn_core.data.tabular import frame_csv, read_csv_bytes
from nn_core.errors import PlaygroundError
from nn_core.io.bundle import bundle_to_json, read_bundle
from nn_core.io.export import dataset_csv, script_for
from nn_core.io.serialize import model_from_json, model_to_json
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from ui.views.data import table_csv

HOSTILE = ["\r=1+2", "a\r=1+2", "b\r@SUM(A1)", "c\n=1", "d\r\n+1", "\t-2", "e\t=3", "=1+2",
           "@x", "f\r", "plain"]


def cells(text: str) -> list[list[str]]:
    """The rows a spreadsheet-like reader sees: Python's csv with newline=""."""
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\n"):
                assert PLAIN_NUMBER.fullmatch(cell), repr(cell)


def test_neutralise_marks_any_control_character_and_restore_undoes_it() -> None:
    for text in [*HOSTILE, "'=x", "'a", "-1.5", "''\r", "x'\ny"]:
        assert restore(neutralise(text)) == text
        if any(c in text for c in "\r\n\t"):
            assert neutralise(text).startswith("'")


def test_frame_csv_quotes_and_neutralises_every_hostile_cell_and_name() -> None:
    frame = pd.DataFrame({name: [HOSTILE[(i + j) % len(HOSTILE)] for j in range(4)]
                          for i, name in enumerate(HOSTILE)})
    frame["x"] = [-1.5, 2.0, np.nan, 3.25]
    rows = cells(frame_csv(frame))
    assert len(rows) == 1 + len(frame)  # no row split at a carriage return
    assert all(len(r) == frame.shape[1] for r in rows)
    assert_no_formula(rows)
    assert [restore(c) for c in rows[0]] == list(frame.columns)
    for row, (_, want) in zip(rows[1:], frame.iterrows(), strict=True):
        assert [restore(c) for c in row[:-1]] == list(want.iloc[:-1])
    assert [r[-1] for r in rows[1:]] == ["-1.5", "2", "", "3.25"]  # a whole number stays whole
    # the Predict page's downloads write through the same function
    assert cells(table_csv(frame).decode("utf-8")) == rows


def test_dataset_csv_with_hostile_names_and_classes() -> None:
    ds = Dataset(X=np.array([[1.0, -2.0], [3.0, 4.0], [5.0, 6.0]]), y=np.array([0, 1, 2]),
                 feature_names=["a\r=1", "\t@b"], target_name="t\r-1", task="multiclass",
                 classes=["\r=1+2", "x\r@y", "ok"])
    rows = cells(dataset_csv(ds))
    assert len(rows) == 4
    assert_no_formula(rows)
    assert [restore(c) for c in rows[0]] == ["a\r=1", "\t@b", "t\r-1"]
    assert [restore(r[-1]) for r in rows[1:]] == ["\r=1+2", "x\r@y", "ok"]


def test_the_standalone_script_quotes_and_neutralises_its_output(tmp_path) -> None:
    ds = Dataset(X=np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]]),
                 y=np.array([0, 1, 0, 1]), feature_names=["a\r=1", "b"], target_name="t",
                 task="binary", classes=["\r=1+2", "x\r@y"])
    trainer = Trainer(RunSettings(dataset="csv", target="t", hidden=(2,), test_fraction=0), ds)
    path = tmp_path / "model.py"
    path.write_text(script_for(trainer))
    run = subprocess.run([sys.executable, str(path), "0.5", "0.25"], capture_output=True,
                         check=True)
    rows = cells(run.stdout.decode("utf-8"))  # bytes: text=True would turn \r into \n
    assert len(rows) == 2
    assert_no_formula(rows)
    assert restore(rows[0][0]) == "a\r=1"
    assert restore(rows[1][-1]) in ("\r=1+2", "x\r@y")


def test_the_cli_predict_output_has_no_formula_from_an_input_cell(tmp_path, capsys) -> None:
    table = b'a,b,t\n0,1,x\n1,0,y\n0.5,0.5,x\n1,1,y\n'
    trainer = Trainer(RunSettings(dataset="csv", target="t", hidden=(2,), test_fraction=0),
                      _load(table, "t"))
    (tmp_path / "m.json").write_text(model_to_json(trainer))
    (tmp_path / "in.csv").write_bytes(b'a,b,note\n0,1,"n\r=1+2"\n1,0,"\t@x"\n')
    assert main(["predict", "--model", str(tmp_path / "m.json"), "--data",
                 str(tmp_path / "in.csv")]) == 0
    rows = cells(capsys.readouterr().out)
    assert len(rows) == 3
    assert_no_formula(rows)


def _load(table: bytes, target: str) -> Dataset:
    from nn_core.data.tabular import dataset_from_table
    return dataset_from_table(read_csv_bytes(table), target)


@pytest.mark.parametrize("field, value", [
    ("classes", ["\r=1+2", "b"]), ("classes", ["a", "x\r@y"]), ("target_name", "t\n=1"),
    ("feature_names", ["a\t", "b"]),
])
def test_a_model_file_with_a_control_character_is_refused_in_one_line(field, value) -> None:
    trainer = Trainer(RunSettings(dataset="xor", hidden=(2,)), _xor())
    d = json.loads(model_to_json(trainer))
    d[field] = value
    with pytest.raises(PlaygroundError) as err:
        model_from_json(json.dumps(d))
    message = str(err.value)
    assert "control character" in message and "\n" not in message and "\r" not in message
    model_from_json(model_to_json(trainer))  # the file the app wrote still reads


def _xor() -> Dataset:
    from nn_core.data.load import load_data
    return load_data(RunSettings(dataset="xor"))


def test_a_bundle_with_a_control_character_outside_its_table_is_refused() -> None:
    table = b'a,b,t\n0,1,x\n1,0,y\n'
    settings = RunSettings(dataset="csv", target="t", features=("a", "b"))
    text = bundle_to_json(settings, table, "data.csv")
    read_bundle(text)  # as written: fine, the table's own line breaks included
    for change in ({"csv_name": "d\r=1.csv"},
                   {"settings": {**json.loads(text)["settings"], "target": "t\r=1"}}):
        with pytest.raises(PlaygroundError) as err:
            read_bundle(json.dumps({**json.loads(text), **change}))
        assert "control character" in str(err.value) and "\r" not in str(err.value)


def test_a_column_name_or_class_with_a_control_character_is_refused() -> None:
    with pytest.raises(PlaygroundError, match="control character"):
        read_csv_bytes(b'"a\r=1",b\n1,2\n3,4\n')
    with pytest.raises(PlaygroundError, match="control character"):
        _load(b'a,t\n1,"x\r=1"\n2,y\n3,y\n', "t")


def test_the_predict_pages_downloads_have_no_formula_and_a_hostile_model_is_refused() -> None:
    from tests.conftest import deferred_downloads, go, start
    from ui.session import nav, widgets

    # names may start like a formula (no control character: those are refused on reading)
    ds = Dataset(X=np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]]),
                 y=np.array([0, 1, 0, 1]), feature_names=["=a", "b"], target_name="-t",
                 task="binary", classes=["=1+2", "@SUM(A1)"], name="csv")
    settings = RunSettings(dataset="csv", target="-t", features=("=a", "b"), hidden=(2,),
                           test_fraction=0)
    trainer = Trainer(settings, ds)
    trainer.train_epochs(2)
    with deferred_downloads() as made:
        at = go(start(settings=settings, dataset=ds, trainer=trainer), nav.PREDICT)
        at.file_uploader(key=widgets.W_PREDICT_UPLOAD).upload(
            "in.csv", b"'=a,b,note\n0,1,\"n\r=1+2\"\n1,0,\"\t@x\"\n", "text/csv").run()
    assert not at.exception and not at.error
    rows = cells(made["predictions.csv"]().decode("utf-8"))
    assert_no_formula(rows)
    assert restore(rows[0][0]) == "=a"
    assert len(rows) == 3  # the line break inside a note did not make a row
    assert [restore(r[2]) for r in rows[1:]] == ["n\n=1+2", "@x"]  # cells are trimmed
    assert {restore(r[-1]) for r in rows[1:]} <= {"=1+2", "@SUM(A1)"}

    # a model file naming a class with a carriage return is refused on the page in one line
    d = json.loads(model_to_json(trainer))
    d["classes"] = ["\r=1+2", "@SUM(A1)"]
    at.file_uploader(key=widgets.W_MODEL_UPLOAD).upload(
        "m.json", json.dumps(d).encode(), "application/json").run()
    assert not at.exception
    assert len(at.error) == 1 and "control character" in at.error[0].value
