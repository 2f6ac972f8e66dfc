"""nn_core/io/bundle.py: settings and data in one JSON file, reloaded to the same dataset."""

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nn_core.data.load import load_data
from nn_core.errors import PlaygroundError
from nn_core.io.bundle import FORMAT, VERSION, bundle_from_json, bundle_to_json
from nn_core.limits import MAX_BUNDLE_BYTES, MAX_UPLOAD_BYTES
from nn_core.settings import RunSettings

DATA = Path(__file__).parents[1] / "data"
IRIS = (DATA / "iris.csv").read_bytes()
IRIS_SETTINGS = RunSettings(dataset="csv", target="species",
                            features=("petal length (cm)", "sepal width (cm)"),
                            hidden=(5,), lr=0.1, seed=3)
SMALL = b"a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def _same_dataset(a, b):
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert (a.feature_names, a.target_name, a.classes, a.task) == \
        (b.feature_names, b.target_name, b.classes, b.task)


def _bundle(**changes) -> str:
    good = json.loads(bundle_to_json(RunSettings(dataset="csv", target="label"), SMALL, "s.csv"))
    return json.dumps({**good, **changes})


# --- round trips --------------------------------------------------------------------------------
def test_an_uploaded_table_reloads_to_the_same_dataset():
    text = bundle_to_json(IRIS_SETTINGS, IRIS, "iris.csv")
    settings_, csv_bytes, name = bundle_from_json(text.encode("utf-8"))
    assert settings_ == IRIS_SETTINGS
    assert (csv_bytes, name) == (IRIS, "iris.csv")  # a UTF-8 upload comes back byte for byte
    ds = load_data(settings_, csv_bytes)
    _same_dataset(ds, load_data(IRIS_SETTINGS, IRIS))
    assert ds.feature_names == ["petal length (cm)", "sepal width (cm)"]
    assert ds.classes == ["setosa", "versicolor", "virginica"] and ds.n_samples == 150


@pytest.mark.parametrize(("file", "target"), [("cp1252_euro.csv", "label"),
                                              ("latin1.csv", "boisson"),
                                              ("utf16_tabs.csv", "class"),
                                              ("bom_utf8.csv", "label")])
def test_tables_in_other_encodings_are_stored_as_text_and_reload_the_same(file, target):
    raw = (DATA / "csv" / file).read_bytes()
    s = RunSettings(dataset="csv", target=target)
    text = bundle_to_json(s, raw, file)
    back, csv_bytes, name = bundle_from_json(text)
    assert (back, name) == (s, file)
    csv_bytes.decode("utf-8")  # stored and returned as UTF-8
    _same_dataset(load_data(back, csv_bytes), load_data(s, raw))


def test_the_euro_sign_of_a_windows_file_survives():
    raw = (DATA / "csv" / "cp1252_euro.csv").read_bytes()
    _, csv_bytes, _ = bundle_from_json(bundle_to_json(RunSettings(dataset="csv", target="label"),
                                                      raw))
    assert csv_bytes == b"price (\xe2\x82\xac),size,label\n1.5,2,a\n2.5,3,b\n"


def test_a_builtin_dataset_carries_its_generated_table_and_reloads_from_settings():
    s = RunSettings(dataset="spiral3", n_samples=30, noise=0.2, data_seed=7, hidden=(6, 6))
    text = bundle_to_json(s, b"stale,upload\n1,2\n", "old.csv")  # the stale upload is ignored
    bundle = json.loads(text)
    assert (bundle["format"], bundle["version"], bundle["csv_name"]) == (FORMAT, VERSION,
                                                                        "spiral3.csv")
    lines = bundle["csv"].splitlines()
    ds = load_data(s)
    assert lines[0] == "x1,x2,label" and len(lines) == 31
    first = lines[1].split(",")
    assert [float(v) for v in first[:2]] == ds.X[0].tolist()  # every digit kept
    assert first[2] == ds.classes[ds.y[0]]
    assert bundle_from_json(text) == (s, None, "")


def test_a_regression_table_writes_values():
    s = RunSettings(dataset="sine", n_samples=5)
    lines = json.loads(bundle_to_json(s, None))["csv"].splitlines()
    ds = load_data(s)
    assert lines[0] == "x,y"
    assert [float(line.split(",")[1]) for line in lines[1:]] == ds.y.tolist()


# --- refusals -----------------------------------------------------------------------------------
def test_bundle_to_json_refuses_a_missing_or_unusable_table():
    with pytest.raises(PlaygroundError, match=r"^there is no table to put in the bundle"):
        bundle_to_json(RunSettings(dataset="csv", target="label"), None)
    with pytest.raises(PlaygroundError, match=r"^the run bundle's table: the file is empty$"):
        bundle_to_json(RunSettings(dataset="csv", target="label"), b"  \n")
    with pytest.raises(PlaygroundError, match=r"^the run bundle's table: there is no column"):
        bundle_to_json(RunSettings(dataset="csv", target="kind"), SMALL)


REFUSED = [
    (b"\xff\xfe{}", "a run bundle is UTF-8 JSON text; this file is not"),
    ("{", "the run bundle is not valid JSON (Expecting property name enclosed in double quotes)"),
    ("[" * 1500, "the run bundle is nested too deeply"),
    ("[" * 100_000, "the run bundle holds more values than a bundle can (at most 16,920)"),
    ("1" * 5000, "the run bundle is not valid JSON (a number is too long)"),
    ("[]", "this is not a run bundle of the playground"),
    (json.dumps({"format": "nn-playground-model", "version": 1}),
     "this is not a run bundle of the playground"),
    (_bundle(version=3), "the run bundle is version 3; this app reads version 2: update the app"),
    (_bundle(version="1"), "the run bundle has no valid version number"),
    (_bundle(version=True), "the run bundle has no valid version number"),
    (_bundle(model={}), "the run bundle has an unexpected field 'model'"),
    (_bundle(settings=None), "the run bundle's settings: settings must be a JSON object of "
     "name: value pairs"),
    (_bundle(settings={"lr": 50}), "the run bundle's settings: lr: 50.0 is outside 1e-06…10"),
    (_bundle(settings={"dataset": "csv", "target": "label", "hidden": [65]}),
     "the run bundle's settings: hidden: 65 is outside 1…64"),
    (_bundle(settings={"dataset": "csv", "target": "label", "hidden": [1e308]}),  # cut
     ("the run bundle's settings: hidden: " + str(int(1e308)))[:239] + "…"),
    (_bundle(settings={"dataset": "csv", "target": "label", "lr": float("nan")}),
     "the run bundle's settings: lr: expected a finite number"),
    (_bundle(settings={"dataset": "iris", "target": "label"}),
     "the run bundle names an unknown dataset 'iris'"),
    (_bundle(settings={"dataset": "csv", "target": "kind"}),
     "the run bundle's table: there is no column 'kind'; the columns are 'a', 'b', 'label'"),
    (_bundle(csv=None), "the run bundle has no table for its uploaded data"),
    (_bundle(csv=["a,b"]), "the run bundle's table must be CSV text"),
    (_bundle(csv="a,b,label\n\ud800,1,2\n"), "the run bundle's table is not valid text"),
    (_bundle(csv="a,b,label\n"), "the run bundle's table: the file has a header row but no "
     "data rows"),
    (_bundle(csv_name=7), "the run bundle's file name must be text of at most 255 characters"),
    (" " * (MAX_BUNDLE_BYTES + 1), "the file is larger than 5 MB, the limit for a run bundle"),
    (3.5, "expected the contents of a run bundle file"),
]


@pytest.mark.parametrize(("data", "message"), REFUSED)
def test_bad_bundles_are_refused_with_one_exact_line(data, message):
    with pytest.raises(PlaygroundError) as err:
        bundle_from_json(data)
    assert str(err.value) == message


def test_a_builtin_bundle_may_leave_out_the_table_but_not_carry_a_broken_one():
    good = json.loads(bundle_to_json(RunSettings(dataset="xor"), None))
    assert bundle_from_json(json.dumps({**good, "csv": None})) == (RunSettings(dataset="xor"),
                                                                  None, "")
    with pytest.raises(PlaygroundError, match=r"^the run bundle's table: the file is empty$"):
        bundle_from_json(json.dumps({**good, "csv": ""}))


# --- the size limit ----------------------------------------------------------------------------
def _padded(rows: int, n: int) -> bytes:
    """A table of ``rows`` rows with a 1,000-character note each, then one with a note of ``n``
    characters (each adds one byte to a bundle)."""
    lines = [b"a,b,label,note", b"1,2,x,", *(b"5,6,x," + b"q" * 1000 for _ in range(rows)),
             b"3,4,y," + b"p" * n]
    return b"\n".join(lines) + b"\n"


def test_a_bundle_at_the_size_limit_is_written_and_loads_back_one_byte_more_is_refused():
    s = RunSettings(dataset="csv", target="label", features=("a", "b"))

    def size(rows: int, n: int) -> int:
        return len(bundle_to_json(s, _padded(rows, n), "t.csv").encode())

    rows = (MAX_BUNDLE_BYTES - size(0, 0)) // (size(1, 0) - size(0, 0)) - 1
    n = MAX_BUNDLE_BYTES - size(rows, 0)
    text = bundle_to_json(s, _padded(rows, n), "t.csv")
    assert len(text.encode()) == MAX_BUNDLE_BYTES
    assert bundle_from_json(text.encode()) == (s, _padded(rows, n), "t.csv")
    with pytest.raises(PlaygroundError) as err:
        bundle_to_json(s, _padded(rows, n + 1), "t.csv")
    assert str(err.value) == ("the bundle would be larger than 5 MB, the limit for a run "
                              "bundle: use a smaller table")


def test_the_bundle_limit_is_the_servers_upload_limit():
    """The bundle uploader can take every bundle the app writes, and the server too: a larger
    limit there would end in the server's bare "413" (the CSV uploader's limit is the same)."""
    config = tomllib.loads((Path(__file__).parents[2] / ".streamlit" / "config.toml").read_text())
    assert MAX_BUNDLE_BYTES == MAX_UPLOAD_BYTES == config["server"]["maxUploadSize"] * 2**20


# --- fuzzing ------------------------------------------------------------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20,
)
SETTING_CHANGES = st.dictionaries(
    st.sampled_from(["dataset", "target", "features", "hidden", "lr", "task", "activation",
                     "n_samples", "bias", "seed"]),
    st.sampled_from(["csv", "xor", "label", "a", "b", "regression", "relu", [4], [], ["a"],
                     0.5, 10, True, "tanh,relu", "sine", "classification", 100, None]),
    max_size=2,
)
BASES = [{"dataset": "xor"}, {"dataset": "csv", "target": "label"}, {}]


@st.composite
def bundles(draw):
    """Bundle-shaped objects: a good bundle with a few keys changed to random values."""
    bundle = {"format": FORMAT, "version": 1,
              "settings": {**draw(st.sampled_from(BASES)), **draw(SETTING_CHANGES)},
              "csv": SMALL.decode(), "csv_name": "s.csv"}
    changes = st.sampled_from([FORMAT, 1, 2, 1.0, None, SMALL.decode(), "a,b\n1,2\n"]) | JSON
    keys = st.lists(st.sampled_from(["format", "version", "csv", "csv_name", "x"]), max_size=2)
    for key in draw(st.just([]) | keys):
        bundle[key] = draw(changes | st.text())
    return json.dumps(bundle)


def _load_or_refuse(data):
    try:
        s, csv_bytes, name = bundle_from_json(data)
    except PlaygroundError as exc:
        assert len(str(exc).splitlines()) == 1 and len(str(exc)) <= 240
        return None
    load_data(s, csv_bytes)  # what loads must give a dataset
    return s, csv_bytes, name


@FAST
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_with_one_line(data):
    assert _load_or_refuse(data) is None


@FAST
@given(JSON)
def test_random_json_is_refused_with_one_line(value):
    assert _load_or_refuse(json.dumps(value)) is None


@FAST
@given(bundles())
def test_plausible_bundles_load_or_are_refused_with_one_line(text):
    result = _load_or_refuse(text)
    if result is not None:
        s, csv_bytes, name = result
        assert (csv_bytes is None) == (s.dataset != "csv")
        assert isinstance(name, str)
