"""Small things a learner meets: whole numbers stay whole in every CSV written, the standalone
script keeps the table's other columns as the Predict page does, the app and the CLI take the
same target by default, and the static folder Streamlit looks for at start-up exists."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from nn_core.data.csv_safety import number_text
from nn_core.data.load import load_data
from nn_core.data.tabular import default_target, frame_csv, load_csv, read_csv_bytes
from nn_core.io.export import dataset_csv, history_csv, script_for
from nn_core.io.predictions import prediction_table
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import session, start

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = b"height,weight,note,sex\n170,70.5,tall,1\n160,55,,0\n180,90,x,1\n150,45,y,0\n"


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_number_text_keeps_whole_numbers_whole_and_the_rest_exact():
    assert [number_text(v) for v in (170.0, 0.0, -3.0, 70.5, 0.1, float("nan"))] == \
        ["170", "0", "-3", "70.5", "0.1", ""]
    for v in np.random.default_rng(0).normal(size=50) * 10.0 ** np.arange(-25, 25):
        assert float(number_text(v)) == v  # every digit kept


def test_the_dataset_and_history_csvs_write_170_not_170_0():
    ds = load_csv(PEOPLE, "sex")
    table = rows_of(dataset_csv(ds))
    assert table[1] == ["170", "70.5", "1"] and table[2] == ["160", "55", "0"]
    s = RunSettings(dataset="blog")
    blog = load_data(s)
    assert rows_of(dataset_csv(blog))[1][:3] == ["170", "70", "25"]  # the blog's first row
    t = Trainer(s, blog)
    t.train_epochs(2)
    assert [r[0] for r in rows_of(history_csv(t.history))[1:]] == ["0", "1", "2"]


def test_predictions_keep_the_tables_whole_numbers_and_class_labels():
    # a class column with a blank cell is read as floats (0.0, 1.0): written back as 0 and 1
    table = read_csv_bytes(PEOPLE)
    assert table["sex"].dtype.kind in "if"
    table.loc[1, "sex"] = np.nan
    s = RunSettings(dataset="csv", target="sex", hidden=(2,))
    t = Trainer(s, load_csv(PEOPLE, "sex"))
    out, skipped = prediction_table(t, table, t.feature_names, "sex", t.dataset.classes)
    written = rows_of(frame_csv(out))
    assert written[0][:4] == ["height", "weight", "note", "sex"]
    assert written[1][:4] == ["170", "70.5", "tall", "1"]
    assert written[2][:4] == ["160", "55", "", ""]
    assert written[3][3] == "1" and skipped == 0


def test_the_script_keeps_every_column_of_the_table_as_the_app_does(tmp_path):
    ds = load_csv(PEOPLE, "sex")
    t = Trainer(RunSettings(dataset="csv", target="sex", hidden=(3,), test_fraction=0.0), ds)
    t.train_epochs(5)
    (tmp_path / "model.py").write_text(script_for(t))
    inputs = b"note,height,weight,predicted sex\nhi,170,70.5,old\nbad,,55,old\n"
    (tmp_path / "in.csv").write_bytes(inputs)
    done = subprocess.run([sys.executable, "model.py", "in.csv"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    app, _ = prediction_table(t, read_csv_bytes(inputs), t.feature_names, "sex",
                              t.dataset.classes)
    script = rows_of(done.stdout)
    want = rows_of(frame_csv(app))
    assert script[0] == want[0] == ["note", "height", "weight", "predicted sex", "p(0)",
                                    "p(1)", "predicted sex (2)"]
    assert script[1][:4] == ["hi", "170", "70.5", "old"]
    assert script[2] == want[2] == ["bad", "", "55", "old", "", "", ""]  # no usable input
    assert script[1][-1] == want[1][-1]
    assert np.allclose([float(v) for v in script[1][4:6]], [float(v) for v in want[1][4:6]],
                       rtol=0, atol=1e-12)


def test_the_app_takes_the_last_column_as_the_target_as_the_cli_does():
    iris = (ROOT / "tests" / "data" / "iris.csv").read_bytes()
    at = start()
    at.file_uploader[0].upload("iris.csv", iris, "text/csv").run()
    assert not at.exception and not at.error
    columns = list(pd.read_csv(io.BytesIO(iris)).columns)
    assert session(at).settings.target == default_target(columns) == "species"
    assert session(at).dataset.target_name == "species"
    # the engine's own default is the same column (the CLI's --data without --target)
    assert load_csv(iris, "").target_name == "species"


def test_the_static_folder_streamlit_looks_for_at_start_is_in_the_repository():
    # Streamlit warns "no static folder found" at start-up unless ./static exists before the
    # app first runs (the live charts copy plotly.min.js into it later)
    assert (ROOT / "static").is_dir()
    if (ROOT / ".git").exists():
        tracked = subprocess.run(["git", "ls-files", "static"], cwd=ROOT, capture_output=True,
                                 text=True, check=True).stdout.split()
        assert "static/.gitkeep" in tracked
