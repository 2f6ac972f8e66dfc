"""Exports: a trained model as a standalone script, the training history and a dataset as CSV.

The standalone script (numpy only) is written in the blog's style. Every CSV written here, and by
the script, has its text cells neutralised against formula injection
(:mod:`nn_core.data.csv_safety`).
The script carries the weights and the preprocessing statistics as literals, so it predicts on
its own: ``python model.py 175 75 27`` or ``python model.py inputs.csv > predictions.csv``.
Every number is written with ``repr`` (shortest round-trip form), so the script computes exactly
what the app does. No user text reaches the code unescaped: names are written with ``repr``.
"""

from __future__ import annotations

import csv
import inspect
import io
import re
import types
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from nn_core.data.csv_safety import (
    FORMULA,
    MUST_QUOTE,
    PLAIN_NUMBER,
    csv_row,
    neutralise,
    number_text,
)
from nn_core.data.dataset import Dataset
from nn_core.data.preprocess import TRANSFORM_TABLE
from nn_core.engine import activations
from nn_core.io.serialize import TrainedModel
from nn_core.training.trainer import HISTORY_KEYS, Trainer

# The names of a prediction table's columns, the same in the app, the CLI and the script.
PROBABILITY_COLUMN = "p({})"  # one per class: its probability
PREDICTION_COLUMN = "predicted {}"  # the predicted label or value, after the target's name


def probability_column(label: str) -> str:
    """The column holding the probability of class ``label``: ``p(setosa)``."""
    return PROBABILITY_COLUMN.format(label)


def prediction_column(target: str) -> str:
    """The column holding the predicted label or value of ``target``: ``predicted species``."""
    return PREDICTION_COLUMN.format(target)

_TEMPLATE = '''"""Predictions of a neural network trained in the NumPy Neural Network Playground.

Network: {architecture}; {trained}
Run:  python {file_name} {example}        (one row of inputs)
      python {file_name} inputs.csv      (a CSV with a header naming the inputs)
Needs only numpy. The network is the blog's NeuralNetwork, grown: any number of layers,
biases if it was trained with them, and the inputs scaled as they were in training.
"""

import csv
import math
import re
import sys

import numpy as np

FEATURES = {features}
TARGET = {target}
TASK = {task}
CLASSES = {classes}

# Preprocessing fitted on the training rows: extra inputs, then scaling ({scale}).
TRANSFORMS = {transforms}
SCALE = {scale}
STATS = {stats}

# One (outputs x inputs) weight matrix per layer, as in the blog, and one bias per node.
WEIGHTS = [
{weights}
]
BIASES = [
{biases}
]
ACTIVATIONS = {activations}
TARGET_MEAN, TARGET_STD = {target_mean}, {target_std}


{activate}


def prepare(rows):
    """Raw input rows -> the network's inputs, as columns (features x samples)."""
    X = np.array(rows, dtype=float, ndmin=2)
    x1, x2 = (X[:, 0], X[:, 1]) if X.shape[1] >= 2 else (None, None)
    extra = {{{extra}}}
    X = np.column_stack([X] + [extra[t]() for t in TRANSFORMS])
    if SCALE == "standard":
        X = (X - np.array(STATS["mean"])) / np.array(STATS["std"])
    elif SCALE == "minmax":
        lo, hi = np.array(STATS["min"]), np.array(STATS["max"])
        span = hi - lo
        flat = span == 0
        X = 0.01 + 0.98 * (X - lo) / np.where(flat, 1.0, span)
        X[:, flat] = 0.5
    return X.T


def predict(rows):
    """Class probabilities (samples x classes) or values (samples,), as the app shows them."""
    outputs = prepare(rows)
    for weights, bias, name in zip(WEIGHTS, BIASES, ACTIVATIONS):
        inputs = np.dot(np.array(weights), outputs)
        if bias is not None:
            inputs = inputs + np.array(bias).reshape(-1, 1)
        with np.errstate(over="ignore"):  # a sigmoid's e^-z overflows to inf: f(z) is 0
            outputs = activate(name, inputs)
    outputs = outputs.T
    if TASK == "regression":
        return outputs[:, 0] * TARGET_STD + TARGET_MEAN
    if outputs.shape[1] == 1:
        return np.column_stack([1 - outputs[:, 0], outputs[:, 0]])
    return outputs


# Text a spreadsheet would run as a formula gets a leading ' in the CSV written (numbers stay
# numbers); a CSV the playground wrote has it too, and reading takes it off again.
FORMULA = re.compile({formula}, re.DOTALL)
PLAIN_NUMBER = re.compile({plain_number})
MUST_QUOTE = re.compile({must_quote})  # quoted in the CSV written: a comma, a quote, a control


def cell(text):
    text = str(text)
    return "'" + text if FORMULA.match(text) and not PLAIN_NUMBER.fullmatch(text) else text


def restore(text):
    if isinstance(text, str) and text.startswith("'") and FORMULA.match(text):
        return text[1:]
    return text


class Rows:
    """CSV lines on stdout, every cell holding a control character quoted (csv's writer with
    a "\\n" line end leaves a carriage return bare)."""

    def writerow(self, cells):
        sys.stdout.write(",".join('"' + c.replace('"', '""') + '"' if MUST_QUOTE.search(c) else c
                                  for c in map(str, cells)) + "\\n")


{number_text}


def free(name, taken):
    """``name``, or ``name (2)``, ``name (3)``... if the table has it (as the app names them)."""
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = name + " (" + str(k) + ")", k + 1
    taken.add(candidate)
    return candidate


def inputs_of(cells):
    """The row's inputs as numbers, or None when one is missing, not a number or not finite
    (the app leaves such a row's predictions blank too)."""
    try:
        x = [float(c) for c in cells]
    except ValueError:
        return None
    return x if all(np.isfinite(x)) else None


def main(args):
    if len(args) == 1 and args[0].lower().endswith(".csv"):
        with open(args[0], newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = [restore(h) for h in next(reader, [])]
            table = [[restore(c) for c in r] for r in reader if r]
        missing = [c for c in FEATURES if c not in header]
        if missing:
            sys.exit("error: the CSV lacks the column(s) " + ", ".join(missing))
        where = [header.index(c) for c in FEATURES]
        table = [(r + [""] * len(header))[:len(header)] for r in table]
        rows = [(r, inputs_of([r[i] for i in where])) for r in table]
    elif len(args) == len(FEATURES):
        header = list(FEATURES)
        rows = [(list(args), inputs_of(args))]
        if rows[0][1] is None:
            sys.exit("error: give " + str(len(FEATURES)) + " numbers")
    else:
        sys.exit("usage: give " + str(len(FEATURES)) + " numbers (" + ", ".join(FEATURES)
                 + ") or a CSV file")
    usable = [x for _, x in rows if x is not None]
    result = iter(predict(usable)) if usable else iter(())
    out = Rows()
    # the table's own columns (all of them, as the app keeps them), then the predictions
    taken = set(header)
    if TASK == "regression":
        names = [free({prediction}.format(TARGET), taken)]
    else:
        names = [free({probability}.format(c), taken) for c in CLASSES]
        names.append(free({prediction}.format(TARGET), taken))
    out.writerow([cell(c) for c in header + names])
    for cells, x in rows:
        if x is None:
            predicted = [""] * len(names)
        elif TASK == "regression":
            predicted = [number_text(next(result))]
        else:
            p = next(result)
            predicted = [number_text(v) for v in p] + [cell(CLASSES[int(np.argmax(p))])]
        out.writerow([cell(c) for c in cells] + predicted)


if __name__ == "__main__":
    main(sys.argv[1:])
'''


def _matrix(m) -> str:
    return "    [" + ",\n     ".join("[" + ", ".join(repr(float(v)) for v in row) + "]"
                                   for row in m) + "],"


UNTRAINED = ("untrained (epoch 0).\nUNTRAINED: these are the initial random weights; its "
             "predictions mean nothing yet.")


# The standalone script carries this function's source as it stands here (numpy only).
def activate(name: str, z: np.ndarray) -> np.ndarray:
    """``f(z)`` for one layer: a vector, or one column per sample."""
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "linear":
        return z.copy()
    if name == "softmax":
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    raise ValueError(f"unknown activation {name!r}")


def activate_source(names: Sequence[str]) -> str:
    """:func:`activate`'s source for a network of these layer activations: as it stands, plus,
    for a name it does not spell out (one added to the engine's table since), the table's own
    function and a branch calling it."""
    return with_table_functions(inspect.getsource(activate), names, 0, "z")


def with_table_functions(source: str, names: Sequence[str], part: int, args: str) -> str:
    """``source``, a function that dispatches on ``name == "..."`` and ends with one fallback
    line, with a branch in front of that line for each of ``names`` it does not spell out. The
    branch calls the engine table's function (``part`` 0: the value, 1: the derivative) with
    ``args``; that function's own source (and the sources of the table's functions it calls)
    goes above. The result needs nothing but numpy, as the script does."""
    source = source.rstrip("\n")
    spelled = set(re.findall(r'name == "(\w+)"', source))
    added = [n for n in dict.fromkeys(names) if n not in spelled]
    if not added:
        return source
    functions = [activations.ACTIVATIONS[n][part] for n in added]
    head, last = source.rsplit("\n", 1)
    branches = "".join(f"    if name == {n!r}:\n        return {f.__name__}({args})\n"
                       for n, f in zip(added, functions, strict=True))
    return f"{_table_sources(functions)}\n\n\n{head}\n{branches}{last}"


def _table_sources(functions: Sequence[Callable]) -> str:
    """The source of each function of the activations table, and of every function of that
    module it calls, each once; ``Array`` (the table's annotations) is numpy's array."""
    seen: dict[str, str] = {}
    imports: set[str] = set()

    def add(f: Callable) -> None:
        if f.__name__ in seen:
            return
        seen[f.__name__] = inspect.getsource(f).rstrip("\n")
        for name, value in inspect.getclosurevars(f).globals.items():
            if isinstance(value, types.ModuleType) and value.__name__ != "numpy":
                imports.add(f"import {value.__name__} as {name}" if name != value.__name__
                            else f"import {value.__name__}")
            elif getattr(value, "__module__", None) == activations.__name__ and callable(value):
                add(value)
            elif not isinstance(value, types.ModuleType):
                raise ValueError(f"activation function {f.__name__} reads {name}, which the "
                                 "exported code does not carry: use numpy and the table's "
                                 "functions only")

    for f in functions:
        add(f)
    text = "\n\n\n".join(seen.values())
    if "Array" in text:
        text = "Array = np.ndarray  # the engine's name for it\n\n\n" + text
    return "\n".join(sorted(imports)) + ("\n\n" if imports else "") + text

def script_for(model: Trainer | TrainedModel, file_name: str = "model.py") -> str:
    """The standalone script's source text; ``file_name`` is the name its docstring runs it
    by. A model at epoch 0 says in the docstring that it is untrained."""
    if isinstance(model, Trainer):
        model = TrainedModel.from_trainer(model)
    net, pre = model.network, model.preprocessor
    stats = {k: [float(x) for x in v] for k, v in pre.stats.items()}
    example_row = " ".join("1.0" for _ in model.feature_names)
    biases = [
        "    None," if b is None else "    [" + ", ".join(repr(float(v)) for v in b) + "],"
        for b in net.biases
    ]
    return _TEMPLATE.format(
        architecture="-".join(map(str, net.sizes)) + f" ({', '.join(net.layer_activations)})",
        trained=f"trained {int(model.epochs)} epochs." if model.epochs else UNTRAINED,
        file_name=_shell_word(file_name),
        example=example_row,
        features=repr(list(model.feature_names)),
        target=repr(model.target_name),
        task=repr(model.task),
        classes=repr(list(model.classes)),
        transforms=repr(list(pre.transforms)),
        activate=activate_source(net.layer_activations),
        number_text=inspect.getsource(number_text).rstrip("\n"),
        extra=", ".join(f"{t!r}: lambda: {TRANSFORM_TABLE[t][0]}" for t in pre.transforms),
        scale=repr(pre.scale),
        stats=repr(stats),
        weights="\n".join(_matrix(m) for m in net.matrices),
        biases="\n".join(biases),
        activations=repr(list(net.layer_activations)),
        target_mean=repr(float(model.coding.mean)),
        target_std=repr(float(model.coding.std)),
        formula=repr(FORMULA.pattern),
        plain_number=repr(PLAIN_NUMBER.pattern),
        must_quote=repr(MUST_QUOTE.pattern),
        probability=repr(PROBABILITY_COLUMN),
        prediction=repr(PREDICTION_COLUMN),
    )


def _shell_word(name: str) -> str:
    """A file name as one safe word for the docstring's command lines (``model.py`` if odd)."""
    ok = name and len(name) <= 100 and all(c.isalnum() or c in "._-" for c in name)
    return name if ok else "model.py"


def history_csv(history: Mapping[str, Sequence[float]]) -> str:
    """The per-epoch history as CSV: epoch, train/test loss, train/test metric (NaN as blank,
    whole numbers without ".0")."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HISTORY_KEYS)
    for row in zip(*(history[k] for k in HISTORY_KEYS), strict=True):
        writer.writerow([number_text(v) for v in row])
    return buf.getvalue()


def dataset_csv(ds: Dataset) -> str:
    """A dataset as CSV text: its features, then the target (class labels), every digit kept
    and whole numbers without ".0" (170, not 170.0)."""
    lines = [csv_row([neutralise(str(n)) for n in (*ds.feature_names, ds.target_name)])]
    labels = [neutralise(str(c)) for c in ds.classes]
    lines += [csv_row([*map(number_text, x), labels[y] if labels else number_text(y)])
              for x, y in zip(ds.X.tolist(), ds.y.tolist(), strict=True)]
    return "".join(lines)
