"""CSV in: the awkward corpus under tests/data/csv parses to exact values or one clear refusal."""

import csv
import io
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nn_core import limits
from nn_core.data.csv_safety import PLAIN_NUMBER, neutralise, restore
from nn_core.data.dataset import Dataset
from nn_core.data.tabular import (
    dataset_from_table,
    feature_matrix,
    frame_csv,
    load_csv,
    numeric_columns,
    read_csv_bytes,
)
from nn_core.errors import PlaygroundError
from ui.views.data import table_csv

DATA = Path(__file__).parents[1] / "data"
CSV = DATA / "csv"


def corpus(name: str) -> bytes:
    return (CSV / name).read_bytes()


def refusal(fn, *args, **kwargs) -> str:
    """The message of the PlaygroundError that ``fn(*args, **kwargs)`` raises."""
    with pytest.raises(PlaygroundError) as err:
        fn(*args, **kwargs)
    return str(err.value)


def table(name: str) -> list[list]:
    """The parsed table as plain lists, NaN as None, for exact comparisons."""
    df = read_csv_bytes(corpus(name))
    return [list(df.columns)] + [[None if isinstance(v, float) and np.isnan(v) else v
                                  for v in row] for row in df.to_numpy(dtype=object).tolist()]


# --- reading: encodings, separators, quoting, trimming ------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("basic.csv", [["height", "weight", "label"], [170, 70, 1], [160, 55, 0], [180, 90, 1],
                   [150, 45, 0]]),
    ("bom_utf8.csv", [["größe", "gewicht", "label"], [1.5, 2, "ja"], [2.5, 3, "nein"],
                      [3.5, 4, "ja"]]),
    ("latin1.csv", [["höhe", "poids", "boisson"], [1, 2, "café"], [3, 4, "thé"], [5, 6, "café"]]),
    ("cp1252_euro.csv", [["price (€)", "size", "label"], [1.5, 2, "a"], [2.5, 3, "b"]]),
    ("utf16_tabs.csv", [["x", "y", "class"], [1, 2, "red"], [3, 4, "blue"]]),
    ("crlf.csv", [["a", "b", "y"], [1, 2, 0], [3, 4, 1], [5, 6, 0]]),
    ("cr_only.csv", [["a", "b", "y"], [1, 2, 0], [3, 4, 1]]),
    ("tabs.csv", [["a", "b", "y"], [1, 2, 0], [3, 4, 1]]),
    ("semicolon_decimal_comma.csv", [["laenge", "breite", "art"], [1.5, 2.25, "x"],
                                     [-3.5, 4, "y"], [5, 6.75, "x"]]),
    ("quoted.csv", [["Height, cm", 'say "hi"', "label"], [170, 1000, "yes, really"],
                    [160, 2.5, "no"], [150, 3, "multi\nline"]]),
    ("whitespace.csv", [["a", "b", "y"], [1, 2, "cat"], [3, 4, "dog"]]),
    ("trailing_columns.csv", [["a", "b", "y"], [1, 2, 0], [3, 4, 1]]),
    ("trailing_delimiter.csv", [["a", "b", "y"], [1, 2, 0], [3, 4, 1]]),
    ("blank_lines.csv", [["a", "y"], [1, 0], [2, 1]]),
    ("ragged_short.csv", [["a", "b", "y"], [1, 2, 0], [3, None, None], [5, 6, 1]]),
    ("missing_cells.csv", [["a", "b", "y"], [1, 2, 0], [None, 4, 1], [5, None, 0], [7, 8, None],
                           [9, None, 1], [11, 12, 1]]),
    ("inf.csv", [["a", "b", "y"], [1, np.inf, 0], [2, -np.inf, 1], [3, np.inf, 0], [4, 4, 1],
                 [5, 5, 0], [6, 1e16, 1]]),
    ("html_header.csv", [["<script>alert(1)</script>", "<b>bold</b>", "name", "y"],
                         [1, 2, "<i>x</i>", 0], [3, 4, "&amp;", 1]]),
])
def test_corpus_parses_to_exact_values(name, expected):
    assert table(name) == expected


def test_number_columns_are_float_and_text_columns_keep_text():
    df = read_csv_bytes(corpus("mixed_feature.csv"))
    assert [str(t) for t in df.dtypes] == ["object", "float64", "object", "float64"]
    assert numeric_columns(df) == ["age", "y"]
    assert df.attrs["delimiter"] == ","


@pytest.mark.parametrize("name, notice", [
    ("latin1.csv", "the file is not UTF-8; it was read as Latin-1 (Windows-1252)"),
    ("semicolon_decimal_comma.csv", "read 'laenge', 'breite' with a decimal comma"),
    ("unnamed_index.csv", "column 1 has no name; it is called column_1"),
])
def test_reading_notices(name, notice):
    assert read_csv_bytes(corpus(name)).attrs["notices"] == [notice]


def test_utf8_files_need_no_notice():
    assert read_csv_bytes(corpus("bom_utf8.csv")).attrs["notices"] == []


@pytest.mark.parametrize("name, message", [
    ("empty.csv", "the file is empty"),
    ("whitespace_only.csv", "the file is empty"),
    ("binary.csv", "the file does not look like text: upload a CSV file"),
    ("workbook.csv", "this is a spreadsheet workbook, not CSV text: save it as CSV first"),
    ("header_only.csv", "the file has a header row but no data rows"),
    ("no_header.csv", "the first row should name the columns, but it holds only numbers "
                      "('1', '2', '0'): add a header row"),
    ("ragged_long.csv", "line 3 has 4 fields but the header has 3: check the separator and the "
                        "quotes"),
    ("duplicate_columns.csv", "two columns are called 'a': rename one"),
])
def test_corpus_refusals(name, message):
    with pytest.raises(PlaygroundError) as err:
        read_csv_bytes(corpus(name))
    assert str(err.value) == message


# --- table -> dataset ---------------------------------------------------------------------------

def test_basic_file_becomes_the_blog_like_dataset():
    ds = load_csv(corpus("basic.csv"), "label")
    assert ds.X.tolist() == [[170, 70], [160, 55], [180, 90], [150, 45]]
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.int64
    assert ds.y.tolist() == [1, 0, 1, 0]
    assert (ds.task, ds.classes, ds.feature_names, ds.target_name) == (
        "binary", ["0", "1"], ["height", "weight"], "label")
    assert (ds.name, ds.notices, ds.test_rows) == ("csv", [], None)


def test_string_labels_become_sorted_classes():
    ds = load_csv(corpus("string_labels.csv"), "species")
    assert ds.task == "multiclass"
    assert ds.classes == ["setosa", "versicolor", "virginica"]
    assert ds.y.tolist() == [0, 2, 1, 0, 2, 1]


def test_trimmed_string_labels():
    ds = load_csv(corpus("whitespace.csv"), "y")
    assert ds.classes == ["cat", "dog"] and ds.y.tolist() == [0, 1]


def test_numeric_classes_sort_numerically():
    ds = load_csv(corpus("numeric_classes.csv"), "grade")
    assert ds.classes == ["1", "2", "10"]
    assert ds.y.tolist() == [2, 1, 0, 2, 1, 0]


def test_continuous_target_is_regression():
    ds = load_csv(corpus("regression.csv"), "price")
    assert ds.task == "regression" and ds.classes == []
    assert ds.y.dtype == np.float64 and ds.y.tolist() == [1.25, 2.5, 3.75, 5.125]


def test_task_override():
    ds = load_csv(corpus("numeric_classes.csv"), "grade", task="regression")
    assert ds.task == "regression" and ds.y.tolist() == [10, 2, 1, 10, 2, 1]
    assert refusal(load_csv, corpus("string_labels.csv"), "species", task="regression") == (
        "the target 'species' holds text, so it cannot be a regression target: "
        "choose classification")
    assert refusal(load_csv, corpus("basic.csv"), "label", task="clustering") == (
        "task must be one of auto, classification, regression, got 'clustering'")


def test_many_integer_values_are_regression_unless_asked():
    rows = "\n".join(f"{i},{i * 3}" for i in range(12))
    data = f"x,count\n{rows}\n".encode()
    assert load_csv(data, "count").task == "regression"
    ds = load_csv(data, "count", task="classification")
    assert ds.task == "multiclass" and ds.n_classes == 12


def test_non_numeric_feature_left_out_with_notice():
    ds = load_csv(corpus("mixed_feature.csv"), "y")
    assert ds.feature_names == ["age"] and ds.X[:, 0].tolist() == [30, 40, 35]
    assert ds.notices == ["left out non-numeric column(s) 'name', 'city'"]


def test_chosen_features_in_the_chosen_order():
    ds = load_csv(corpus("basic.csv"), "label", features=["weight", "height"])
    assert ds.feature_names == ["weight", "height"]
    assert ds.X[0].tolist() == [70, 170]
    assert load_csv(corpus("basic.csv"), "label", features="weight").feature_names == ["weight"]


def test_html_in_names_comes_through_as_plain_text():
    ds = load_csv(corpus("html_header.csv"), "y")
    assert ds.feature_names == ["<script>alert(1)</script>", "<b>bold</b>"]
    assert ds.notices == ["left out non-numeric column(s) 'name'"]
    with pytest.raises(PlaygroundError) as err:
        load_csv(corpus("html_header.csv"), "<img src=x>")
    assert str(err.value) == ("there is no column '<img src=x>'; the columns are "
                              "'<script>alert(1)</script>', '<b>bold</b>', 'name', 'y'")


def test_constant_column_is_kept():
    ds = load_csv(corpus("constant_column.csv"), "y")
    assert ds.feature_names == ["a", "const"] and ds.X[:, 1].tolist() == [7, 7, 7, 7]


def test_missing_cells_drop_rows_with_a_count():
    ds = load_csv(corpus("missing_cells.csv"), "y")
    assert ds.X.tolist() == [[1, 2], [11, 12]] and ds.y.tolist() == [0, 1]
    assert ds.notices == ["dropped 4 of 6 rows with a missing, non-finite or too large (> 1e15) "
                          "value"]


def test_non_finite_and_huge_values_drop_rows():
    ds = load_csv(corpus("inf.csv"), "y")
    assert ds.X.tolist() == [[4, 4], [5, 5]] and ds.y.tolist() == [1, 0]
    assert ds.notices[0].startswith("dropped 4 of 6 rows")


def test_short_rows_are_missing_cells():
    ds = load_csv(corpus("ragged_short.csv"), "y")
    assert ds.X.tolist() == [[1, 2], [5, 6]] and ds.notices[0].startswith("dropped 1 of 3 rows")


def test_encoding_notice_is_carried_into_the_dataset():
    ds = load_csv(corpus("latin1.csv"), "boisson")
    assert ds.classes == ["café", "thé"] and ds.y.tolist() == [0, 1, 0]
    assert ds.feature_names == ["höhe", "poids"]
    assert ds.notices == ["the file is not UTF-8; it was read as Latin-1 (Windows-1252)"]


@pytest.mark.parametrize("name, target, message", [
    ("basic.csv", "sex", "there is no column 'sex'; the columns are 'height', 'weight', 'label'"),
    ("one_class.csv", "y", "the target 'y' has only one class ('yes'): a classifier needs at "
                           "least two"),
    ("text_only.csv", "y", "no numeric feature column to learn from: the column 'name' holds "
     "text"),
    ("all_rows_bad.csv", "y", "no rows left: all 2 rows have a missing, non-finite or too large "
                              "(> 1e15) value"),
    ("basic.csv", "label", None),  # control: the same file with a real target works
])
def test_dataset_refusals(name, target, message):
    if message is None:
        assert load_csv(corpus(name), target).n_samples == 4
        return
    with pytest.raises(PlaygroundError) as err:
        load_csv(corpus(name), target)
    assert str(err.value) == message


def test_feature_refusals():
    assert refusal(load_csv, corpus("basic.csv"), "label", features=["height", "age"]) == (
        "there is no column 'age'; the columns are 'height', 'weight', 'label'")
    assert refusal(load_csv, corpus("basic.csv"), "label", features=["height", "label"]) == (
        "'label' is the target, so it cannot also be a feature")
    assert refusal(load_csv, b"x,price\n1,3\n2,3\n", "price", task="regression") == (
        "the target 'price' has the same value in every row: there is nothing to learn")


def test_long_column_lists_are_cut():
    names = [f"c{i}" for i in range(30)]
    data = (",".join(names) + "\n" + ",".join("1" for _ in names) + "\n").encode()
    with pytest.raises(PlaygroundError) as err:
        load_csv(data, "nope")
    assert str(err.value).endswith("'c10', 'c11' and 18 more")


def test_real_public_tables():
    iris = load_csv((DATA / "iris.csv").read_bytes(), "species")
    assert iris.X.shape == (150, 4) and iris.classes == ["setosa", "versicolor", "virginica"]
    assert np.bincount(iris.y).tolist() == [50, 50, 50]
    assert iris.X[0].tolist() == [5.1, 3.5, 1.4, 0.2]
    assert iris.feature_names[0] == "sepal length (cm)"
    cancer = load_csv((DATA / "breast_cancer.csv").read_bytes(), "diagnosis")
    assert cancer.X.shape == (569, 30) and cancer.classes == ["benign", "malignant"]
    assert np.bincount(cancer.y).tolist() == [357, 212]


# --- limits: each refusal names its limit --------------------------------------------------------

def test_limits(monkeypatch):
    big = b"a,y\n" + b"1,0\n" * (limits.MAX_UPLOAD_BYTES // 4)
    assert refusal(read_csv_bytes, big) == "the file is 5.0 MB; the limit is 5 MB"
    monkeypatch.setattr("nn_core.data.tabular.MAX_ROWS", 3)
    assert refusal(read_csv_bytes, b"a,y\n1,0\n2,1\n3,0\n4,1\n") == (
        "the file has more than 3 data rows; the limit is 3")
    assert len(read_csv_bytes(b"a,y\n1,0\n2,1\n3,0\n")) == 3
    df = pd.DataFrame({"a": [1, 2, 3, 4], "y": [0, 1, 0, 1]})
    assert refusal(dataset_from_table, df, "y") == "the table has 4 rows; the limit is 3"


def test_feature_class_column_and_name_limits():
    n = limits.MAX_FEATURES + 1
    wide = pd.DataFrame({f"f{i}": [0.0, 1.0] for i in range(n)} | {"y": [0, 1]})
    assert refusal(dataset_from_table, wide, "y") == (
        f"{n} feature columns; the limit is {limits.MAX_FEATURES}: choose fewer features")
    assert dataset_from_table(wide, "y", features=["f0", "f1"]).n_features == 2
    k = limits.MAX_CLASSES + 1
    many = pd.DataFrame({"x": range(k), "y": [f"c{i}" for i in range(k)]})
    assert refusal(dataset_from_table, many, "y") == (
        f"the target 'y' has {k} different values; classification allows at most "
        f"{limits.MAX_CLASSES} classes")
    header = ",".join(f"c{i}" for i in range(limits.MAX_COLUMNS + 1))
    assert refusal(read_csv_bytes, f"{header}\n{header.replace('c', '')}\n".encode()) == (
        f"the file has {limits.MAX_COLUMNS + 1} columns; the limit is {limits.MAX_COLUMNS}")
    long_name = "n" * (limits.MAX_NAME_CHARS + 1)
    assert refusal(read_csv_bytes, f"{long_name},y\n1,0\n".encode()) == (
        f"the column name '{long_name[:39]}…' is longer than {limits.MAX_NAME_CHARS} characters")


# --- tables from the app (data editor) and for prediction ----------------------------------------

def test_dataset_from_a_typed_dataframe():
    df = pd.DataFrame({"  w ": pd.array([1, None, 3, 4], dtype="Int64"),
                       "flag": [True, False, True, False],
                       "when": pd.to_datetime(["2020-01-01"] * 4),
                       "y": pd.Categorical(["b", "a", "b", "a"])})
    ds = dataset_from_table(df, "y")
    assert ds.feature_names == ["w", "flag"] and ds.name == "custom"
    assert ds.X.tolist() == [[1, 1], [3, 1], [4, 0]]
    assert ds.classes == ["a", "b"] and ds.y.tolist() == [1, 1, 0]
    assert ds.notices == ["left out non-numeric column(s) 'when'",
                          "dropped 1 of 4 rows with a missing, non-finite or too large (> 1e15) "
                          "value"]


def test_feature_matrix_for_prediction():
    df = read_csv_bytes(b"b,a,extra\n1,2,x\n3,,y\n5,6,z\n")
    X, kept = feature_matrix(df, ["a", "b"])
    assert X.tolist() == [[2, 1], [6, 5]] and kept.tolist() == [True, False, True]
    assert refusal(feature_matrix, df, ["a", "c"]) == (
        "the table lacks the column(s) the model needs: 'c'")
    assert refusal(feature_matrix, df, ["a", "extra"]) == (
        "the model's input column(s) 'extra' must hold numbers")


# --- nothing but a Dataset or a PlaygroundError gets out ----------------------------------------

def _result_or_refusal(fn, *args):
    try:
        result = fn(*args)
    except PlaygroundError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message
        event(f"{fn.__name__}: refused")
        return None
    event(f"{fn.__name__}: result")
    return result


def _check_dataset(ds):
    assert isinstance(ds, Dataset)
    assert ds.n_samples >= 2 and np.isfinite(ds.X).all()
    assert np.abs(ds.X).max() <= limits.MAX_ABS_VALUE
    if ds.is_classification:
        assert 2 <= ds.n_classes <= limits.MAX_CLASSES
        assert sorted(set(ds.y.tolist())) == list(range(ds.n_classes))
    else:
        assert np.isfinite(ds.y).all()


NUMBER = st.one_of(st.integers(-3, 3).map(str), st.floats(-1e3, 1e3).map(repr))
JUNK = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "NA", "?", "cat", "dog", '"q,r"', '"', "1,5", "<b>x</b>", "é",
                     "1e999"]),
    st.text(max_size=4),
)
CELL = st.one_of(NUMBER, NUMBER, NUMBER, JUNK)  # mostly numbers, so tables often succeed


@st.composite
def csv_like(draw):
    sep = draw(st.sampled_from([",", ";", "\t"]))
    width = draw(st.integers(2, 4))
    names = draw(st.lists(st.text("abxy <>é\"", min_size=1, max_size=3), min_size=width,
                          max_size=width, unique=True))
    ragged = draw(st.booleans()) and draw(st.booleans())  # a quarter of the files
    cell = CELL if draw(st.booleans()) else NUMBER  # half of the files hold only numbers
    rows = [draw(st.lists(cell, min_size=width - ragged, max_size=width + ragged))
            for _ in range(draw(st.integers(1, 7)))]
    lines = [sep.join(names)] + [sep.join(r) for r in rows]
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"])),
                       errors="replace")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.one_of(st.binary(max_size=200), csv_like()), choice=st.data())
def test_random_bytes_give_a_dataset_or_a_refusal(data, choice):
    df = _result_or_refusal(read_csv_bytes, data)
    if df is None:
        return
    assert isinstance(df, pd.DataFrame)
    target = choice.draw(st.sampled_from([*df.columns, "missing"]))
    task = choice.draw(st.sampled_from(["auto", "classification", "regression"]))
    ds = _result_or_refusal(load_csv, data, target, (), task)
    if ds is not None:
        _check_dataset(ds)


def _column(kind: str, n: int):
    """A strategy for one column of ``n`` values of a given kind, as a pandas Series."""
    some = {
        "float": st.floats(allow_nan=True, allow_infinity=True),
        "int": st.integers(-(2**63), 2**63 - 1),
        "bigint": st.integers(),
        "Int64": st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
        "Float64": st.one_of(st.none(), st.floats(allow_nan=False)),
        "bool": st.booleans(),
        "boolean": st.one_of(st.none(), st.booleans()),
        "str": st.one_of(st.none(), st.text(max_size=3)),
        "object": st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=3),
                            st.booleans(), st.just(float("nan"))),
        "category": st.sampled_from(["a", "b", " c "]),
        "datetime": st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1)),
        "complex": st.complex_numbers(allow_nan=False),
    }[kind]
    dtype = {"float": "float64", "int": "int64", "Int64": "Int64", "Float64": "Float64",
             "bool": "bool", "boolean": "boolean", "category": "category",
             "datetime": "datetime64[ns]", "complex": "complex128"}.get(kind, "object")
    return st.lists(some, min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype=dtype))


KINDS = ["float", "float", "float", "float", "int", "int", "int", "str", "bigint", "Int64",
         "Float64", "bool",
         "boolean", "str", "object", "category", "datetime", "complex"]


@st.composite
def random_tables(draw):
    n_rows, n_cols = draw(st.integers(1, 8)), draw(st.integers(2, 4))
    names = draw(st.lists(st.one_of(st.text(min_size=1, max_size=3), st.integers(0, 3),
                                    st.sampled_from(["", " a ", "<b>"])),
                          min_size=n_cols, max_size=n_cols, unique_by=str))
    columns = [draw(_column(draw(st.sampled_from(KINDS)), n_rows)) for _ in names]
    df = pd.concat(columns, axis=1) if columns else pd.DataFrame()
    df.columns = names
    return df, [str(nm) for nm in names]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(frame=random_tables(), choice=st.data())
def test_random_tables_give_a_dataset_or_a_refusal(frame, choice):
    df, names = frame
    target = choice.draw(st.one_of(st.sampled_from(names), st.sampled_from(names),
                                   st.text(max_size=2)))
    features = choice.draw(st.one_of(st.just([]), st.lists(st.sampled_from(names), max_size=3)))
    task = choice.draw(st.sampled_from(["auto", "classification", "regression"]))
    ds = _result_or_refusal(dataset_from_table, df, target, features, task)
    if ds is not None:
        _check_dataset(ds)


# --- formula injection: every CSV we write is neutralised, and reads back equal -----------------
FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3", '=HYPERLINK("http://x","click")',
            "\t=1", "\r=1", "'=already quoted", "''@twice", "-"]


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(cell):
    assert neutralise(cell) == "'" + cell
    assert restore(neutralise(cell)) == cell


@pytest.mark.parametrize("cell", ["-1.5", "+2", "-1e-5", "+.5", "3", "plain", "'quoted text",
                                  "a=b", "", "x-1"])
def test_numbers_and_harmless_text_are_left_alone(cell):
    assert neutralise(cell) == cell == restore(cell)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("'=+-@\t\r1.e x"), max_size=8) | st.text(max_size=8))
def test_restore_undoes_neutralise_and_nothing_written_starts_a_formula(cell):
    written = neutralise(cell)
    assert restore(written) == cell
    runs = written[:1] in ("=", "+", "-", "@", "\t", "\r")
    assert not runs or PLAIN_NUMBER.fullmatch(written)


def _hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({
        '=HYPERLINK("http://x","click")': [1.5, -1.5, 2.0, -0.25],
        "name": ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "'=x"],
        "label": ["-1.5", "a", "b", "a"],
    })


def test_frame_csv_neutralises_names_and_text_cells_but_not_numbers():
    rows = list(csv.reader(io.StringIO(frame_csv(_hostile_frame()))))
    assert rows == [["'=HYPERLINK(\"http://x\",\"click\")", "name", "label"],
                    ["1.5", "'=cmd|' /C calc'!A0", "-1.5"],
                    ["-1.5", "'@SUM(1+1)", "a"],
                    ["2", "'+1+1", "b"],  # a whole number stays whole
                    ["-0.25", "''=x", "a"]]


def test_what_the_data_page_downloads_reads_back_equal():
    frame = _hostile_frame()
    data = table_csv(frame)
    assert data == frame_csv(frame).encode("utf-8")
    pd.testing.assert_frame_equal(read_csv_bytes(data), frame, check_dtype=False)
