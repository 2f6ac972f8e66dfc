"""CSV bytes -> table -> Dataset. Whatever comes in, the result is a Dataset or a PlaygroundError.

Python's ``csv`` module splits the fields (so ragged rows and trailing separators are ours to
judge, not guessed), pandas holds the table. Names in messages are plain text, cut to one line.

Every CSV the project writes has its text cells neutralised against formula injection
(:mod:`nn_core.data.csv_safety`, e.g. :func:`frame_csv`), and reading undoes it, so a table the
project wrote reads back equal.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from nn_core.data.csv_safety import CONTROL_CHAR, csv_row, neutralise, number_text, restore
from nn_core.data.dataset import TASK_CHOICES, Dataset
from nn_core.errors import PlaygroundError
from nn_core.limits import (
    AUTO_CLASS_VALUES,
    MAX_ABS_VALUE,
    MAX_CLASSES,
    MAX_COLUMNS,
    MAX_FEATURES,
    MAX_NAME_CHARS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    SHOW_NAMES,
)

DELIMITERS = (",", ";", "\t")
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-", "#n/a", "missing"})
TOO_LARGE = f"{MAX_ABS_VALUE:.0e}".replace("+", "")  # "1e15"
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # not tab, newlines, form feed


# --- messages -----------------------------------------------------------------------------------

def show(name: object, width: int = 40) -> str:
    """A name quoted for a one-line message: control characters blanked, long names cut."""
    text = CONTROL.sub(" ", " ".join(str(name)[: width + 1].split()))
    return "'" + (text if len(text) <= width else text[: width - 1] + "…") + "'"


def show_list(names: Sequence[object]) -> str:
    shown = ", ".join(show(n) for n in names[:SHOW_NAMES])
    more = len(names) - SHOW_NAMES
    return shown + (f" and {more} more" if more > 0 else "")


# --- formula injection -------------------------------------------------------------------------

def frame_csv(frame: pd.DataFrame) -> str:
    """A table as CSV text (no index) with its names and text cells neutralised; whole numbers
    in a float column are written without ".0" (:func:`~.csv_safety.number_text`)."""
    out = frame.copy(deep=False)
    for j in range(out.shape[1]):
        column = out.iloc[:, j]
        if pd.api.types.is_float_dtype(column.dtype):  # whole numbers stay whole: 170, not 170.0
            out.isetitem(j, column.astype(object).map(number_text))
        elif not (pd.api.types.is_numeric_dtype(column.dtype)
                  or pd.api.types.is_bool_dtype(column.dtype)):
            out.isetitem(j, column.astype(object).map(_neutral_value))
    out.columns = [_neutral_value(c) for c in out.columns]
    # pandas formats the cells (with "\r\n" it quotes every cell holding \r or \n, so the
    # rows split back exactly); csv_row writes them again with "\n", every control quoted
    text = out.to_csv(index=False, lineterminator="\r\n")
    return "".join(csv_row(row) for row in csv.reader(io.StringIO(text, newline="")))


def _neutral_value(value: object) -> object:
    return neutralise(value) if isinstance(value, str) else value


# --- bytes -> text -> table ---------------------------------------------------------------------

def read_csv_bytes(data: bytes) -> pd.DataFrame:
    """Parse an uploaded CSV into a table of float columns (NaN = missing) and text columns.

    Sniffs comma, semicolon or tab; reads UTF-8 (with or without BOM), UTF-16 with BOM, else
    Windows-1252/Latin-1. Trims headers and cells; drops blank lines and nameless empty columns.
    ``df.attrs["notices"]`` carries one-line notices for the user.
    """
    text, notices = _decode(data)
    delimiter = _sniff(text)
    header, rows = _split(text, delimiter)
    names, columns = _columns(header, rows, notices)
    comma: list[str] = []
    df = pd.DataFrame({name: _typed(cells, delimiter, name, comma)
                       for name, cells in zip(names, columns, strict=True)})
    if comma:
        notices.append(f"read {show_list(comma)} with a decimal comma")
    df.attrs["notices"] = notices
    df.attrs["delimiter"] = delimiter
    return df


def _decode(data: bytes) -> tuple[str, list[str]]:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise PlaygroundError("expected the contents of a CSV file")
    data = bytes(data)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PlaygroundError(f"the file is {len(data) / 2**20:.1f} MB; the limit is "
                              f"{MAX_UPLOAD_BYTES / 2**20:g} MB")
    if not data.strip():
        raise PlaygroundError("the file is empty")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise PlaygroundError("this is a spreadsheet workbook, not CSV text: save it as CSV first")
    notices: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _try_decode(data, "utf-16")
    elif data.startswith(b"\xef\xbb\xbf"):
        text = _try_decode(data, "utf-8-sig")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            notices.append("the file is not UTF-8; it was read as Latin-1 (Windows-1252)")
    text = text.rstrip("\x1a")  # old DOS end-of-file mark
    if "\x00" in text or len(CONTROL.findall(text)) > len(text) // 100:
        raise PlaygroundError("the file does not look like text: upload a CSV file")
    return text.replace("\r\n", "\n").replace("\r", "\n"), notices


def _try_decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise PlaygroundError(f"the file starts like {encoding.upper()} text but is not") from None


def _sniff(text: str) -> str:
    """The delimiter that splits the first lines into the most consistent number (> 1) of fields."""
    sample = text[:65536]
    if len(sample) < len(text):
        sample = sample[: sample.rfind("\n") + 1] or sample
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter,
                                          skipinitialspace=True) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        rows = rows[:50]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(r) == width for r in rows) / len(rows), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _split(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header cells and ``(line number, cells)`` of each non-blank row, all trimmed."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for raw in reader:
            cells = [restore(c.strip()) for c in raw]
            if not any(cells):
                continue
            if header is None:
                header = cells
                if len(header) > MAX_COLUMNS:
                    raise PlaygroundError(f"the file has {len(header)} columns; the limit is "
                                          f"{MAX_COLUMNS}")
                continue
            if len(rows) >= MAX_ROWS:
                raise PlaygroundError(f"the file has more than {MAX_ROWS:,} data rows; "
                                      f"the limit is {MAX_ROWS:,}")
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise PlaygroundError(f"could not read the file as CSV (line {reader.line_num}: "
                              f"{str(exc)[:80]})") from None
    if header is None:
        raise PlaygroundError("the file is empty")
    return header, rows


def _columns(header: list[str], rows: list[tuple[int, list[str]]],
             notices: list[str]) -> tuple[list[str], list[list[str]]]:
    """Check the header against the rows; return the names and each column's cells."""
    width = len(header)
    for line, cells in rows:
        if len(cells) > width and any(cells[width:]):
            raise PlaygroundError(f"line {line} has {len(cells)} fields but the header has "
                                  f"{width}: check the separator and the quotes")
    if all(_number(c) is not None for c in header if c):
        raise PlaygroundError(f"the first row should name the columns, but it holds only numbers "
                              f"({show_list(header)}): add a header row")
    if not rows:
        raise PlaygroundError("the file has a header row but no data rows")
    columns = [[cells[j] if j < len(cells) else "" for _, cells in rows] for j in range(width)]
    names: list[str] = []
    kept: list[list[str]] = []
    for j, (name, cells) in enumerate(zip(header, columns, strict=True)):
        if not name:
            if not any(cells):
                continue  # an empty column without a name: a stray separator
            name = f"column_{j + 1}"
            notices.append(f"column {j + 1} has no name; it is called {name}")
        names.append(name)
        kept.append(cells)
    check_names(names)
    return names, kept


def check_names(names: Sequence[str]) -> None:
    """Refuse names a person must fix: too long, or one name used twice."""
    if len(names) > MAX_COLUMNS:
        raise PlaygroundError(f"the table has {len(names)} columns; the limit is {MAX_COLUMNS}")
    seen: set[str] = set()
    for name in names:
        if len(name) > MAX_NAME_CHARS:
            raise PlaygroundError(f"the column name {show(name)} is longer than "
                                  f"{MAX_NAME_CHARS} characters")
        if CONTROL_CHAR.search(name):
            raise PlaygroundError(f"the column name {show(name)} holds a line break, tab or other "
                                  "control character: rename it")
        if name in seen:
            raise PlaygroundError(f"two columns are called {show(name)}: rename one")
        seen.add(name)


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _typed(cells: list[str], delimiter: str, name: str, comma: list[str]) -> pd.Series:
    """A float column (NaN where missing) if every present cell is a number, else a text column."""
    texts = [None if c.lower() in MISSING else c for c in cells]
    values = _floats(texts)
    if values is None and delimiter != ",":
        present = [t for t in texts if t is not None]
        if all(t.count(",") <= 1 and "." not in t for t in present):
            values = _floats([None if t is None else t.replace(",", ".") for t in texts])
            if values is not None:
                comma.append(name)
    if values is not None:
        return pd.Series(values, dtype=np.float64)
    return pd.Series(texts, dtype=object)


def _floats(texts: list[str | None]) -> np.ndarray | None:
    out = np.empty(len(texts))
    for i, t in enumerate(texts):
        if t is None:
            out[i] = np.nan
            continue
        x = _number(t)
        if x is None:
            return None
        out[i] = x  # a "nan" spelling counts as missing
    return out


# --- table -> dataset ---------------------------------------------------------------------------

def as_numbers(column: pd.Series) -> np.ndarray | None:
    """Column values as float64 (NaN where missing) if every present value is a number."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        column, dtype = column.astype(object), np.dtype(object)
    if pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)
    ):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
        return None  # dates, intervals, complex numbers ...
    out = np.empty(len(column))
    for i, v in enumerate(column.to_numpy(dtype=object)):
        if isinstance(v, str):
            v = v.strip()
            if v.lower() in MISSING:
                out[i] = np.nan
                continue
            x = _number(v)
            if x is None:
                return None
            out[i] = x
        elif _is_missing(v):
            out[i] = np.nan
        elif isinstance(v, (numbers.Real, np.bool_)):
            try:
                out[i] = float(v)
            except OverflowError:
                out[i] = math.inf  # a huge integer: dropped like any non-finite value
            except (TypeError, ValueError):
                return None
        else:
            return None
    return out


def _is_missing(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, (float, np.floating)) and math.isnan(v)


def numeric_columns(df: pd.DataFrame) -> list[str]:
    """Names of the columns that hold only numbers (missing cells allowed)."""
    return [str(c) for c in df.columns if as_numbers(df[c]) is not None]


def default_target(columns: Sequence[str]) -> str:
    """The target column when none is chosen: the last one (the app's Data page and the CLI's
    ``--data`` without ``--target`` alike); "" for a table without columns."""
    return str(columns[-1]) if len(columns) else ""


def dataset_from_table(df: pd.DataFrame, target: str, features: Sequence[str] = (),
                       task: str = "auto", *, name: str = "custom") -> Dataset:
    """A Dataset from a table: ``target`` column (default: :func:`default_target`), numeric
    ``features`` (default: all others).

    ``task`` is "auto" (text or a few integer values -> classification, else regression),
    "classification" or "regression". Rows with a missing or non-finite value are dropped and
    non-numeric feature columns left out, each with a notice.
    """
    if not isinstance(df, pd.DataFrame):
        raise PlaygroundError("expected a table of data")
    if task not in TASK_CHOICES:
        raise PlaygroundError(f"task must be one of {', '.join(TASK_CHOICES)}, got {show(task)}")
    carried = df.attrs.get("notices")
    notices = [str(n) for n in carried] if isinstance(carried, list) else []
    columns = _named_columns(df)
    target = target.strip() if isinstance(target, str) else ""
    target = target or default_target(list(columns))
    if not target:
        raise PlaygroundError(f"choose a target column: one of {show_list(list(columns))}")
    if target not in columns:
        raise PlaygroundError(f"there is no column {show(target)}; the columns are "
                              f"{show_list(list(columns))}")
    X, used = _feature_matrix(columns, _wanted_features(features, list(columns), target), notices)
    numbers_, labels = _target_values(columns[target])
    if task == "regression" and numbers_ is None:
        raise PlaygroundError(f"the target {show(target)} holds text, so it cannot be a regression "
                              "target: choose classification")

    target_ok = _usable(numbers_) if labels is None else np.array([v is not None for v in labels])
    keep = target_ok & _usable(X).all(axis=1)
    dropped = len(keep) - int(keep.sum())
    if dropped:
        if not keep.any():
            raise PlaygroundError(f"no rows left: all {dropped:,} rows have a missing, "
                                  f"non-finite or too large (> {TOO_LARGE}) value")
        notices.append(f"dropped {dropped:,} of {len(keep):,} rows with a missing, non-finite or "
                       f"too large (> {TOO_LARGE}) value")
    X = X[keep]
    about = {"name": name, "description": _describe(len(X), used, target), "notices": notices}

    if labels is None:
        values = numbers_[keep]
        if task == "regression" or (task == "auto" and not _few_integers(values)):
            if np.ptp(values) == 0:
                raise PlaygroundError(f"the target {show(target)} has the same value in every "
                                      "row: there is nothing to learn")
            return Dataset(X, values, used, target, "regression", [], **about)
        labels = [_label(v) for v in values.tolist()]
        classes = [_label(v) for v in sorted(set(values.tolist()))]  # numbers in numeric order
    else:
        labels = [lab for lab, k in zip(labels, keep, strict=True) if k]
        classes = sorted(set(labels))
    bad = [c for c in classes if CONTROL_CHAR.search(c)]
    if bad:
        raise PlaygroundError(f"the target {show(target)} has a class {show(bad[0])} with a line "
                              "break, tab or other control character: edit it")
    if len(classes) > MAX_CLASSES:
        hint = " (choose regression for a measured quantity)" if numbers_ is not None else ""
        raise PlaygroundError(f"the target {show(target)} has {len(classes)} different values; "
                              f"classification allows at most {MAX_CLASSES} classes{hint}")
    if len(classes) < 2:
        raise PlaygroundError(f"the target {show(target)} has only one class ({show(classes[0])}): "
                              "a classifier needs at least two")
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[lab] for lab in labels], dtype=np.int64)
    kind = "binary" if len(classes) == 2 else "multiclass"
    return Dataset(X, y, used, target, kind, classes, **about)


def load_csv(data: bytes, target: str, features: Sequence[str] = (),
             task: str = "auto") -> Dataset:
    """``dataset_from_table(read_csv_bytes(data), ...)`` for an uploaded file."""
    return dataset_from_table(read_csv_bytes(data), target, features, task, name="csv")


def feature_matrix(df: pd.DataFrame, feature_names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Inputs for prediction: ``(X of the usable rows, bool mask of those rows)``.

    Every named column must be there and numeric; rows with a missing or non-finite value are
    left out of ``X`` (the mask says which).
    """
    names = {str(c).strip(): df.iloc[:, j] for j, c in enumerate(df.columns)}
    missing = [f for f in feature_names if f not in names]
    if missing:
        raise PlaygroundError(f"the table lacks the column(s) the model needs: "
                              f"{show_list(missing)}")
    if not feature_names or len(df) == 0:
        raise PlaygroundError("the table has no rows or the model has no inputs")
    values = {f: as_numbers(names[f]) for f in feature_names}
    text = [f for f, v in values.items() if v is None]
    if text:
        raise PlaygroundError(f"the model's input column(s) {show_list(text)} must hold numbers")
    X = np.column_stack([values[f] for f in feature_names]).reshape(len(df), len(feature_names))
    keep = _usable(X).all(axis=1)
    if not keep.any():
        raise PlaygroundError("no row has a usable number in every input column")
    return X[keep], keep


def _named_columns(df: pd.DataFrame) -> dict[str, pd.Series]:
    """The table's columns by trimmed name, after the checks on names and size."""
    names = [str(c).strip() for c in df.columns]
    check_names(names)
    if not names:
        raise PlaygroundError("the table has no columns")
    if len(df) == 0:
        raise PlaygroundError("the table has no data rows")
    if len(df) > MAX_ROWS:
        raise PlaygroundError(f"the table has {len(df):,} rows; the limit is {MAX_ROWS:,}")
    return {n: df.iloc[:, j] for j, n in enumerate(names)}


def _target_values(column: pd.Series) -> tuple[np.ndarray | None, list[str | None] | None]:
    """``(numbers, None)`` for a numeric target, else ``(None, trimmed labels or None)``."""
    numbers_ = as_numbers(column)
    if numbers_ is not None:
        return numbers_, None
    labels = [None if _is_missing(v) or str(v).strip().lower() in MISSING else str(v).strip()
              for v in column.to_numpy(dtype=object)]
    return None, labels


def _wanted_features(features: Sequence[str], names: list[str], target: str) -> list[str]:
    if isinstance(features, str):
        features = features.split(",")
    wanted: list[str] = []
    for f in features:
        f = f.strip() if isinstance(f, str) else ""
        if f and f not in wanted:
            wanted.append(f)
    unknown = [f for f in wanted if f not in names]
    if unknown:
        raise PlaygroundError(f"there is no column {show(unknown[0])}; the columns are "
                              f"{show_list(names)}")
    if target in wanted:
        raise PlaygroundError(f"{show(target)} is the target, so it cannot also be a feature")
    return wanted or [n for n in names if n != target]


def _feature_matrix(columns: dict[str, pd.Series], wanted: list[str],
                    notices: list[str]) -> tuple[np.ndarray, list[str]]:
    used, values, text = [], [], []
    for f in wanted:
        numbers_ = as_numbers(columns[f])
        if numbers_ is None:
            text.append(f)
        else:
            used.append(f)
            values.append(numbers_)
    if text:
        notices.append(f"left out non-numeric column(s) {show_list(text)}")
    if not used:
        holds = ("" if not text else f": the column {show(text[0])} holds text" if len(text) == 1
                 else f": the columns {show_list(text)} hold text")
        raise PlaygroundError("no numeric feature column to learn from" + holds)
    if len(used) > MAX_FEATURES:
        raise PlaygroundError(f"{len(used)} feature columns; the limit is {MAX_FEATURES}: "
                              "choose fewer features")
    return np.column_stack(values), used


def _usable(values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (np.abs(values) <= MAX_ABS_VALUE)


def _few_integers(values: np.ndarray) -> bool:
    return bool(np.all(values == np.round(values))) and len(np.unique(values)) <= AUTO_CLASS_VALUES


def _label(v: float) -> str:
    return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)


def _describe(n: int, features: list[str], target: str) -> str:
    return f"{n:,} rows, {len(features)} feature(s), target {show(target)}"
