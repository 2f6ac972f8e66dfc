"""The Predict page's parts: one input and its answer, a CSV of many and their download, the
uploader of a saved model; and what they need around a trainer: default inputs, batch tables,
result tables."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from nn_core.data.builtin import BLOG_TEST
from nn_core.data.dataset import Dataset
from nn_core.data.tabular import feature_matrix, read_csv_bytes
from nn_core.errors import PlaygroundError
from nn_core.io.predictions import check_prediction_size, predictions_frame
from nn_core.io.serialize import MAX_MODEL_BYTES, TrainedModel, model_from_json
from nn_core.limits import MAX_UPLOAD_BYTES, prediction_bytes, table_shape
from nn_core.training.trainer import Trainer
from ui.session import actions, store, widgets
from ui.views import quality
from ui.views.data import table_csv, whole_mb
from ui.views.data_charts import probability_bars
from ui.views.quality import TargetCheck, target_check
from ui.views.text import plain

PREVIEW_ROWS = 1000  # rows of a batch prediction shown on the page
PREVIEW_CELLS = 50_000  # ... and at most this many values (the download has them all)


class Predictor(Protocol):
    """A Trainer or a TrainedModel: raw inputs in, outputs or labels out."""

    def predict(self, X_raw: np.ndarray) -> np.ndarray: ...

    def predict_labels(self, X_raw: np.ndarray) -> list: ...


def blog_examples(ds: Dataset) -> list[list[float]]:
    """The blog's ``test_inputs`` when ``ds`` is the blog's table, else no examples."""
    if ds.name == "blog" and list(ds.feature_names) == ["height", "weight", "age"]:
        return [list(map(float, row)) for row in BLOG_TEST]
    return []


def default_inputs(ds: Dataset) -> list[float]:
    """Starting values of the input boxes: the blog's first test input, else the column means."""
    examples = blog_examples(ds)
    if examples:
        return examples[0]
    return [float(v) for v in np.round(ds.X.mean(axis=0), 4)]


def input_step(ds: Dataset, column: int) -> float:
    """A step for a number box: a round number near a tenth of the column's spread."""
    values = ds.X[:, column]
    spread = float(values.max() - values.min()) if len(values) else 0.0
    if spread <= 0 or not math.isfinite(spread):
        return 1.0
    if np.all(values == np.round(values)) and spread >= 10:
        return 1.0
    return float(10 ** math.floor(math.log10(spread / 10)))


def class_probabilities(model: Predictor, ds: Dataset, X: np.ndarray) -> np.ndarray | None:
    """Per-class probabilities ``(n, n_classes)`` of a classifier; None for regression."""
    if not ds.is_classification:
        return None
    return np.asarray(model.predict(X), dtype=float).reshape(len(X), ds.n_classes)


def prediction_columns(ds: Dataset) -> int:
    """How many columns a prediction adds to a table: the prediction, and for a classifier one
    probability per class."""
    return 1 + (ds.n_classes if ds.is_classification else 0)


def results_frame(
    model: Predictor,
    ds: Dataset,
    X: np.ndarray,
    inputs: pd.DataFrame | None = None,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Inputs, one probability column per class (classifiers) and the prediction.

    ``X`` holds the usable rows of ``inputs``; ``rows`` (a bool mask over ``inputs``) says which
    they are. One forward pass; the table is :func:`nn_core.io.predictions.predictions_frame`'s.
    """
    frame = inputs if inputs is not None else pd.DataFrame(X, columns=list(ds.feature_names))
    if rows is None:
        rows = np.ones(len(frame), dtype=bool)
    out = np.asarray(model.predict(X), dtype=float) if len(X) else None
    classes = list(ds.classes) if ds.is_classification else []
    return predictions_frame(frame, out, rows, ds.target_name, classes)


@dataclass(frozen=True)
class BatchPrediction:
    """A CSV's rows with their predictions, and how many rows had no usable input."""

    frame: pd.DataFrame
    skipped: int
    check: TargetCheck | None = None  # the file's own target column against the predictions

    def preview(self, cells: int = PREVIEW_CELLS) -> pd.DataFrame:
        """The first rows, at most ``cells`` values and :data:`PREVIEW_ROWS` rows: what the
        page shows (the download has every row)."""
        n_rows = max(1, min(PREVIEW_ROWS, cells // max(1, self.frame.shape[1])))
        return self.frame.head(n_rows)


def batch_prediction(model: Predictor, ds: Dataset, data: bytes) -> BatchPrediction:
    """Read a CSV of inputs and predict every usable row.

    Raises :class:`PlaygroundError` for a file that cannot be read or lacks a feature column,
    and before predicting when the table would hold more than
    :data:`~nn_core.limits.MAX_PREDICTION_CELLS` predicted values.
    """
    table = read_csv_bytes(data)
    check_prediction_size(len(table), prediction_columns(ds))
    X, rows = feature_matrix(table, list(ds.feature_names))
    frame = results_frame(model, ds, X, inputs=table, rows=rows)
    return BatchPrediction(frame, len(rows) - int(rows.sum()),
                           target_check(table, frame, X, rows, ds))


def prediction_need(model: Predictor, ds: Dataset, data: bytes) -> int:
    """Bytes predicting the CSV ``data`` with ``model`` will take
    (:func:`nn_core.limits.prediction_bytes`), counted from the file's size and line breaks and
    the network's widest layer before anything is read."""
    rows, columns = table_shape(data)
    network = getattr(model, "network", None)
    widest = max(network.sizes) if network is not None else columns
    return prediction_bytes(rows, columns, prediction_columns(ds), widest, len(data))


def prediction_key(model: Predictor, ds: Dataset, data: bytes) -> tuple:
    """What a batch prediction depends on: this model object, its current weights (a
    trainer's change as it trains), the names it predicts with, and the file's bytes."""
    network = getattr(model, "network", None)
    weights = b"" if network is None else np.asarray(network.params).tobytes()
    return (id(model), hashlib.blake2b(weights, digest_size=16).hexdigest(),
            tuple(ds.feature_names), ds.target_name, tuple(ds.classes),
            hashlib.blake2b(data, digest_size=16).hexdigest())


def model_dataset(model: TrainedModel) -> Dataset:
    """A stand-in dataset describing a loaded model's inputs and outputs (no data travels with
    a model): three rows spanning its training inputs as the preprocessing recorded them."""
    pre, n = model.preprocessor, len(model.feature_names)
    if pre.scale == "standard":
        mean, std = pre.stats["mean"][:n], pre.stats["std"][:n]
        X = np.vstack([mean - std, mean, mean + std])
    elif pre.scale == "minmax":
        lo, hi = pre.stats["min"][:n], pre.stats["max"][:n]
        X = np.vstack([lo, (lo + hi) / 2, hi])
    else:
        X = np.zeros((3, n))
    task = model.task
    y = np.zeros(3) if task == "regression" else np.zeros(3, dtype=np.int64)
    name = "blog" if model.settings.dataset == "blog" else "model"
    return Dataset(X, y, list(model.feature_names), model.target_name, task,
                   list(model.classes), name=name)


UPLOAD_MB = whole_mb(MAX_UPLOAD_BYTES)
MODEL_MB = whole_mb(MAX_MODEL_BYTES)
SOURCES = ("This session's network", "The loaded model file")


def on_example(index: int, ds: Dataset) -> None:
    """The user picked one of the blog's test inputs: put it in the number boxes."""
    widgets.set_predict_inputs(blog_examples(ds)[index])


def on_model_file(file: UploadedFile | None) -> None:
    """A model JSON in the uploader: load it, or say why not (the session's network stays)."""
    if file is None:
        actions.set_loaded_model(None)
        return
    try:
        model = model_from_json(file.getvalue())
    except PlaygroundError as exc:
        actions.set_error(f"Could not load {file.name}: {exc}")
        return
    actions.set_loaded_model(model, file.name)
    actions.push_notice(f"Loaded the model {file.name}: its predictions are shown below.")


def loaded_line(model: TrainedModel, name: str) -> str:
    """A loaded model file in one line."""
    sizes = "-".join(str(s) for s in model.network.sizes)
    return f"Model file {plain(name, 60)} · network {sizes} · {model.epochs:,} epochs trained"


def model_line(trainer: Trainer) -> str:
    """The session's network in one line: its sizes, epochs and its best measure."""
    summary = trainer.summary()
    sizes = "-".join(str(s) for s in trainer.network.sizes)
    parts = [f"Network {sizes}", f"{trainer.epoch:,} epochs trained"]
    if trainer.held_epoch != trainer.epoch:
        parts[-1] += f", holding the network of epoch {trainer.held_epoch:,} (the best)"
    metric = trainer.metric_name
    test_value = summary.get(f"test_{metric}")
    train_value = summary.get(f"train_{metric}")
    shown = test_value if test_value is not None and np.isfinite(test_value) else train_value
    which = "test" if shown is test_value else "training"
    if shown is not None and np.isfinite(shown):
        parts.append(
            f"{which} accuracy {shown:.1%}" if metric == "accuracy" else f"{which} R² {shown:.3f}"
        )
    return " · ".join(parts)


def single_prediction(trainer: Predictor, ds: Dataset) -> None:
    """One input: number boxes (or one of the blog's test inputs) and the network's answer."""
    inputs_col, output_col = st.columns([5, 7], gap="large")
    with inputs_col:
        st.header("One input")
        examples = blog_examples(ds)
        if examples:
            st.selectbox(
                "The blog's test_inputs",
                range(len(examples)),
                format_func=lambda i: f"test_inputs[{i}] = {[int(v) for v in examples[i]]}",
                key=widgets.W_PREDICT_EXAMPLE,
                on_change=widgets.on_value(widgets.W_PREDICT_EXAMPLE, on_example, ds),
                help="Fill the boxes with one of the three inputs the blog predicts.",
            )
        defaults = default_inputs(ds)
        per_row = 3 if ds.n_features % 3 == 0 or ds.n_features > 4 else 2
        values = []
        for start in range(0, ds.n_features, per_row):
            cols = st.columns(per_row)
            for offset, col in enumerate(cols):
                i = start + offset
                if i >= ds.n_features:
                    break
                key = widgets.seed(widgets.predict_input_key(i), defaults[i])
                values.append(
                    col.number_input(
                        plain(ds.feature_names[i], 40),
                        step=input_step(ds, i),
                        format="%g",
                        key=key,
                        persist_state="session",
                        help=f"Seen in the data: {ds.X[:, i].min():g} to {ds.X[:, i].max():g}",
                    )
                )
    X = np.asarray([values], dtype=float)
    with output_col:
        st.header("Output")
        labels = trainer.predict_labels(X)
        if ds.is_classification:
            probs = class_probabilities(trainer, ds, X)
            best = int(np.argmax(probs[0]))
            c1, c2 = st.columns(2)
            c1.metric(f"Predicted {plain(ds.target_name, 40)}", plain(labels[0], 40))
            c2.metric(f"Probability of {plain(ds.classes[best], 30)}", f"{probs[0, best]:.2%}")
            st.plotly_chart(
                probability_bars(probs[0], ds.classes),
                config={"displayModeBar": False},
                key="predict_probabilities",
            )
        else:
            st.metric(f"Predicted {plain(ds.target_name, 40)}", f"{float(labels[0]):.6g}")
        if examples:
            st.markdown("**All three, as the blog prints them**")
            X_blog = np.asarray(examples, dtype=float)
            frame = pd.DataFrame(X_blog, columns=list(ds.feature_names)).astype(int)
            frame["network output"] = class_probabilities(trainer, ds, X_blog)[:, 1]
            frame["label"] = trainer.predict_labels(X_blog)
            st.dataframe(frame, hide_index=True, width="stretch")


def batch_section(trainer: Predictor, ds: Dataset) -> None:
    """Many inputs: a CSV uploaded, predicted once per file and model, shown and downloadable."""
    st.header("Many inputs from a CSV file")
    st.caption(
        "One row per input, with a column for each feature: "
        + ", ".join(plain(n, 40) for n in ds.feature_names[:12])
        + (" …" if ds.n_features > 12 else "")
        + ". Other columns are kept in the result."
    )
    template = pd.DataFrame([default_inputs(ds)], columns=list(ds.feature_names))
    upload_col, template_col = st.columns([3, 1], vertical_alignment="bottom")
    file = upload_col.file_uploader(
        "CSV of inputs",
        type=["csv", "txt", "tsv"],
        key=widgets.W_PREDICT_UPLOAD,
        max_upload_size=UPLOAD_MB,
        help=f"Up to {UPLOAD_MB} MB. Column names must match the features exactly.",
    )
    template_col.download_button(
        "⬇️ Template CSV",
        table_csv(template),
        file_name="inputs_template.csv",
        mime="text/csv",
        on_click="ignore",
        help="A CSV with the right column names and one example row.",
        width="stretch",
    )
    if file is None:
        store.session().forget("prediction")
        return
    data = file.getvalue()

    def predict() -> BatchPrediction | str:  # a new file or a changed model: once, for reruns
        try:
            actions.check_memory(prediction_need(trainer, ds, data), "this prediction")
            return batch_prediction(trainer, ds, data)
        except PlaygroundError as exc:
            return f"Could not predict {file.name}: {exc}"

    result = store.session().keyed("prediction", prediction_key(trainer, ds, data), predict)
    if isinstance(result, str):
        st.error(plain(result, 400), icon="⚠️")
        return
    frame, total = result.frame, len(result.frame)
    if result.skipped:
        st.info(
            f"{result.skipped:,} of {total:,} rows {'has' if result.skipped == 1 else 'have'} a "
            "missing or non-numeric input and got no prediction.",
            icon="ℹ️",
        )
    preview = result.preview()
    st.dataframe(preview, hide_index=True, width="stretch")
    if len(preview) < total:
        st.caption(f"The first {len(preview):,} of {total:,} rows; the download has them all.")
    st.download_button(
        f"⬇️ Download {total:,} predictions (CSV)",
        lambda: table_csv(frame),  # made when clicked; reads no session state
        file_name="predictions.csv",
        mime="text/csv",
        on_click="ignore",
        type="primary",
        key=widgets.W_PREDICT_DOWNLOAD,
    )
    if result.check is not None:  # the file carries the target column: how good is it there
        quality.batch_section(result.check, ds)



def model_uploader() -> None:
    """The uploader of a saved model file (its size checked by the uploader)."""
    st.file_uploader(
        "Model file", type=["json"], key=widgets.W_MODEL_UPLOAD,
        on_change=widgets.on_value(widgets.W_MODEL_UPLOAD, on_model_file),
        max_upload_size=MODEL_MB,
        help="A model downloaded from the Share & export page: it restores the network exactly.",
    )
