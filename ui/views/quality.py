"""How good is it really: the measures of :mod:`nn_core.training.evaluate` as figures, tables and
metrics.

The Train page shows them for the trainer's training and test rows while paused
(:func:`paused_quality`, :func:`train_section`); the Predict page for the rows of a batch CSV that
carries the target column (:func:`target_check`, :func:`batch_section`). Class and column names
are user text: in figures through :func:`~ui.views.text.plotly_text`, in markdown through
:func:`~ui.views.text.plain`, in tables through :func:`~ui.views.text.widget_text`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from nn_core.data.dataset import Dataset
from nn_core.errors import PlaygroundError
from nn_core.io.predictions import free_name
from nn_core.training.evaluate import (
    ClassQuality,
    Quality,
    RegressionQuality,
    quality_of,
    target_indices,
    target_values,
    trainer_quality,
)
from ui.session import actions, store, widgets
from ui.views.charts import TEST_COLOR, TRAIN_COLOR, split_marker
from ui.views.text import plain, plotly_text, widget_text

if TYPE_CHECKING:
    from nn_core.training.trainer import Trainer

WRONG_ROWS_SHOWN = 1000  # rows of the wrong-rows table shown (the count covers them all)
SPLIT_NAMES = {"train": "Training rows", "test": "Test rows", "file": "These rows"}
SPLIT_COLORS = {"train": TRAIN_COLOR, "test": TEST_COLOR, "file": TEST_COLOR}
DASH = "—"
CONFUSION_LABEL_CHARS = 14  # a class name on a confusion matrix's axes, at most


# ------------------------------------------------------------------------------ numbers shown
def pct(value: float) -> str:
    """A share as "87.5%", or "—" when it is undefined (0/0)."""
    return DASH if value is None or not math.isfinite(value) else f"{value:.1%}"


def num(value: float, digits: int = 4) -> str:
    return DASH if value is None or not math.isfinite(value) else f"{value:.{digits}g}"


def unique_labels(labels: Sequence[str]) -> list[str]:
    """Labels for a category axis: a label equal to an earlier one (two long class names cut
    to the same text) gets " (2)", " (3)"…, so Plotly never merges two classes."""
    taken: set[str] = set()
    return [free_name(label, taken) for label in labels]


# ------------------------------------------------------------------------------------ figures
def confusion_figure(q: ClassQuality, classes: Sequence[str], title: str) -> go.Figure:
    """The confusion matrix as a heatmap: ``z`` holds the counts (rows: true class, top to
    bottom; columns: predicted class), each cell shows its count and its share of the true
    class's rows."""
    # Long class names are cut short on the axes (whole in the hover) and the figure grows by
    # the room its labels take, so the cells keep their size and their digits a fixed 12 px.
    labels = unique_labels([plotly_text(c, CONFUSION_LABEL_CHARS) for c in classes])
    whole = unique_labels([plotly_text(c, 60) for c in classes])
    shares = q.shares
    text = [[f"{int(q.matrix[i, j])}<br>{pct(shares[i, j])}" for j in range(q.n_classes)]
            for i in range(q.n_classes)]
    names = [[[whole[i], whole[j]] for j in range(q.n_classes)] for i in range(q.n_classes)]
    fig = go.Figure(go.Heatmap(
        z=q.matrix.tolist(), x=labels, y=labels, text=text, texttemplate="%{text}",
        textfont={"size": 12}, customdata=names,
        colorscale="Blues", showscale=False, xgap=2, ygap=2, zmin=0,
        hovertemplate="true %{customdata[0]} · predicted %{customdata[1]}<br>%{text}"
                      "<extra></extra>",
    ))
    longest = max((len(label) for label in labels), default=1)
    fig.update_layout(
        title={"text": f"{title}: {q.n:,} rows", "x": 0.0, "font": {"size": 13}},
        height=110 + 40 * q.n_classes + 7 * longest,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis={"title": {"text": "predicted"}, "type": "category", "side": "bottom"},
        yaxis={"title": {"text": "true"}, "type": "category", "autorange": "reversed"},
    )
    return fig


def _extent(qualities: Sequence[RegressionQuality]) -> tuple[float, float]:
    values = np.concatenate([np.r_[q.y_true, q.y_pred] for q in qualities] or [np.zeros(1)])
    values = values[np.isfinite(values)]
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    pad = (hi - lo) * 0.04 or 1.0
    return lo - pad, hi + pad


def predicted_actual_figure(splits: Sequence[tuple[str, RegressionQuality]],
                            target_name: str) -> go.Figure:
    """Predicted against actual values, one trace per split, with the identity line (a
    perfect network puts every point on it)."""
    lo, hi = _extent([q for _, q in splits])
    fig = go.Figure(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="predicted = actual",
                               line={"color": "#555555", "dash": "dash", "width": 1.5},
                               hoverinfo="skip"))
    for split, q in splits:
        fig.add_trace(_split_points(split, q.y_true, q.y_pred,
                                    "actual %{x:.4g} → predicted %{y:.4g}<extra></extra>"))
    name = plotly_text(target_name, 30)
    return _regression_layout(
        fig, "Predicted against actual",
        xaxis={"title": {"text": f"actual {name}"}, "range": [lo, hi]},
        yaxis={"title": {"text": f"predicted {name}"}, "range": [lo, hi],
               "scaleanchor": "x", "scaleratio": 1},
    )


def residuals_figure(splits: Sequence[tuple[str, RegressionQuality]],
                     target_name: str) -> go.Figure:
    """Residuals (actual − predicted) against the predicted value, with the zero line."""
    fig = go.Figure()
    for split, q in splits:
        fig.add_trace(_split_points(split, q.y_pred, q.residuals,
                                    "predicted %{x:.4g}, residual %{y:.4g}<extra></extra>"))
    fig.add_hline(y=0, line={"color": "#555555", "dash": "dash", "width": 1.5})
    name = plotly_text(target_name, 30)
    return _regression_layout(
        fig, "Residuals: actual − predicted",
        xaxis={"title": {"text": f"predicted {name}"}},
        yaxis={"title": {"text": "residual"}, "zeroline": False},
    )


def _split_points(split: str, x: np.ndarray, y: np.ndarray, hovertemplate: str) -> go.Scatter:
    """One split's points in its colour and marker: training rows filled circles, test rows
    (and a file's rows, new to the network too) hollow ones
    (:func:`ui.views.charts.split_marker`)."""
    return go.Scatter(x=x, y=y, mode="markers", name=SPLIT_NAMES[split].lower(),
                      marker=split_marker("train" if split == "train" else "test",
                                          SPLIT_COLORS[split], 7),
                      opacity=0.8, hovertemplate=hovertemplate)


def _regression_layout(fig: go.Figure, title: str, xaxis: dict, yaxis: dict) -> go.Figure:
    """The regression figures' shared layout: title, size, legend below."""
    fig.update_layout(
        title={"text": title, "x": 0.0, "font": {"size": 13}},
        height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0.0},
        xaxis=xaxis, yaxis=yaxis,
    )
    return fig


# ------------------------------------------------------------------------------------- tables
def class_table(splits: Sequence[tuple[str, ClassQuality]], classes: Sequence[str]) -> pd.DataFrame:
    """Per class and split: its rows, precision and recall ("—" where 0/0)."""
    table: dict[str, list] = {"class": [widget_text(c, 60) for c in classes]}
    for split, q in splits:
        suffix = f" ({split})" if split != "file" else ""
        table[f"rows{suffix}"] = [int(n) for n in q.matrix.sum(axis=1)]
        table[f"precision{suffix}"] = [pct(v) for v in q.precision]
        table[f"recall{suffix}"] = [pct(v) for v in q.recall]
    return pd.DataFrame(table)


def wrong_rows(splits: Sequence[tuple[str, ClassQuality]], X: np.ndarray,
               feature_names: Sequence[str], target_name: str,
               classes: Sequence[str]) -> pd.DataFrame:
    """Every row a classifier gets wrong: split, row number, inputs, true and predicted class,
    and the probability given to the predicted class. ``X`` holds the rows' raw inputs,
    indexed by ``q.rows`` (on the Predict page, by row number − 1)."""
    taken: set[str] = set()
    split_col, row_col = free_name("split", taken), free_name("row", taken)
    names = [free_name(widget_text(f, 60), taken) for f in feature_names]
    target = widget_text(target_name, 60)
    true_col = free_name(f"true {target}", taken)
    pred_col = free_name(f"predicted {target}", taken)
    prob_col = free_name("probability of predicted", taken)
    columns = [split_col, row_col, *names, true_col, pred_col, prob_col]
    parts = []
    for split, q in splits:
        wrong = q.wrong
        rows = q.rows[wrong]
        inputs = np.asarray(X, dtype=float)[rows if split != "file" else rows - 1]
        part = {split_col: [split] * len(rows), row_col: rows + (1 if split != "file" else 0)}
        part.update({name: inputs[:, j] for j, name in enumerate(names)})
        part[true_col] = [widget_text(classes[int(c)], 60) for c in q.y_true[wrong]]
        part[pred_col] = [widget_text(classes[int(c)], 60) for c in q.y_pred[wrong]]
        part[prob_col] = np.round(q.predicted_probability[wrong], 4)
        parts.append(pd.DataFrame(part, columns=columns))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    if len(splits) == 1:
        frame = frame.drop(columns=split_col)
    return frame


def marked_rows(quality: dict[str, Quality] | None) -> tuple[int, ...]:
    """Dataset rows the classifier gets wrong (train and test), for the surface's rings."""
    if not quality:
        return ()
    rows = [q.rows[q.wrong] for q in quality.values() if isinstance(q, ClassQuality)]
    return tuple(int(r) for r in np.sort(np.concatenate(rows))) if rows else ()


# -------------------------------------------------------------------------------- Train page
def paused_quality() -> tuple[Trainer, dict[str, Quality]] | None:
    """The session's trainer (built if need be, as the live panel would) and its measures for
    its current weights, kept in the session until they change; None when the settings do not
    fit the data (the live panel says why)."""
    try:
        trainer = actions.get_trainer()
    except PlaygroundError:
        return None
    weights = np.asarray(trainer.network.params).tobytes()
    key = (store.trainer_ref(trainer), store.session().generation, trainer.epoch,
           hashlib.blake2b(weights, digest_size=16).hexdigest())
    return trainer, store.session().keyed("quality", key, lambda: trainer_quality(trainer))


def surface_marks(quality: dict[str, Quality] | None, running: bool) -> tuple[int, ...]:
    """The rows to ring on the live surface: the wrong rows, when asked for and paused."""
    if running or not store.session().views.mark_wrong:
        return ()
    return marked_rows(quality)


def _held_note(trainer: Trainer) -> str:
    """" (early stopping's best; the run stopped at epoch 120)" for a network put back."""
    if trainer.held_epoch == trainer.epoch:
        return ""
    return f" (early stopping's best; the run stopped at epoch {trainer.epoch:,})"


def _rows_caption(trainer: Trainer, quality: dict[str, Quality]) -> str:
    n_train, n_test = quality["train"].n, quality["test"].n
    text = (f"The network of epoch {trainer.held_epoch:,}{_held_note(trainer)} on the "
            f"{n_train:,} training rows it learns from and the {n_test:,} test rows it never "
            "trains on.")
    n_val = len(trainer.val_idx)
    if n_val:
        text += (f" The {n_val:,} validation rows set aside for early stopping are in neither.")
    return text + " Row numbers count the data's rows from 1, in the Data page's table order."


def train_section(trainer: Trainer, quality: dict[str, Quality], ds: Dataset) -> None:
    """The Train page's "How good is it" section (shown while paused)."""
    st.header("How good is it")
    st.caption(_rows_caption(trainer, quality))
    splits = [(s, quality[s]) for s in ("train", "test")]
    if ds.is_classification:
        _classification(splits, ds, ds.X, surface=True)
    else:
        _regression(splits, ds.target_name)


def _classification(splits: list[tuple[str, ClassQuality]], ds: Dataset, X: np.ndarray,
                    surface: bool) -> None:
    cols = st.columns(max(2, len(splits)))  # one matrix alone takes half the width
    for col, (split, q) in zip(cols, splits, strict=False):
        with col:
            if q.n == 0:
                st.caption(f"{SPLIT_NAMES[split]}: none (the test fraction is 0).")
                continue
            st.plotly_chart(confusion_figure(q, ds.classes, SPLIT_NAMES[split]),
                            config={"displayModeBar": False}, key=f"quality_matrix_{split}")
            st.caption(f"Accuracy {pct(q.accuracy)}. Rows: true class; columns: predicted "
                       "class; each cell: rows, and their share of the true class.")
    st.markdown("**Precision and recall per class**")
    st.dataframe(class_table(splits, ds.classes), hide_index=True, width="stretch",
                 key="quality_classes" if surface else "predict_quality_classes")
    st.caption("Precision: of the rows predicted as the class, the share that are it. Recall: "
               "of the class's rows, the share predicted as it. — where nothing was counted "
               "(0 of 0).")
    wrong = wrong_rows(splits, X, ds.feature_names, ds.target_name, ds.classes)
    total = sum(q.n for _, q in splits)
    st.markdown(f"**Rows it gets wrong: {len(wrong):,} of {total:,}**")
    if surface:
        st.toggle("Mark the wrong rows on the surface", **widgets.view_widget("mark_wrong"),
                  help="Red rings on the decision surface above, for this epoch's network. "
                  "Playing removes them (they would go stale).")
        if store.session().views.mark_wrong:
            st.caption(f"The red rings on the decision surface mark these {len(wrong):,} rows.")
    if len(wrong):
        st.dataframe(wrong.head(WRONG_ROWS_SHOWN), hide_index=True, width="stretch",
                     key="quality_wrong" if surface else "predict_quality_wrong")
        if len(wrong) > WRONG_ROWS_SHOWN:
            st.caption(f"The first {WRONG_ROWS_SHOWN:,} of {len(wrong):,} wrong rows.")


def _regression(splits: list[tuple[str, RegressionQuality]], target_name: str) -> None:
    shown = [(s, q) for s, q in splits if q.n]
    cols = st.columns(2 * len(splits))
    for i, (split, q) in enumerate(splits):
        name = SPLIT_NAMES[split].lower() if split != "file" else ""
        label = f" ({name.split()[0]})" if name else ""
        cols[2 * i].metric(f"R²{label}", num(q.r2, 4))
        cols[2 * i + 1].metric(f"RMSE{label}", num(q.rmse, 4))
    if not shown:
        return
    left, right = st.columns(2)
    left.plotly_chart(predicted_actual_figure(shown, target_name),
                      config={"displayModeBar": False}, key=f"quality_actual_{splits[0][0]}")
    right.plotly_chart(residuals_figure(shown, target_name),
                       config={"displayModeBar": False}, key=f"quality_residuals_{splits[0][0]}")
    st.caption("R²: 1 is perfect, 0 is no better than always predicting the mean, — for fewer "
               "than two rows or a constant target. RMSE is in the target's own units.")


# ------------------------------------------------------------------------------ Predict page
@dataclass(frozen=True)
class TargetCheck:
    """A batch CSV's own target column against its predictions.

    ``quality`` covers the rows with both a prediction and a usable target (numbered from 1 in
    the file), or is None when there is none; ``unknown`` counts predicted rows whose target is
    missing or not one of the classes (for regression: missing or not a number);
    ``unpredicted`` rows without a prediction (a missing input); ``inputs`` holds every row's
    inputs (NaN where unusable), ``total`` the file's rows."""

    quality: Quality | None
    unknown: int
    unpredicted: int
    inputs: np.ndarray
    total: int
    text_target: bool = False


def find_column(table: pd.DataFrame, name: str) -> pd.Series | None:
    """The table's column named ``name`` (names trimmed, as the data layer reads them)."""
    for j, column in enumerate(table.columns):
        if str(column).strip() == name:
            return table.iloc[:, j]
    return None


def target_check(table: pd.DataFrame, frame: pd.DataFrame, X: np.ndarray, rows: np.ndarray,
                 ds: Dataset) -> TargetCheck | None:
    """Measure a batch prediction against the table's target column; None without one.

    ``frame`` is :func:`nn_core.io.predictions.predictions_frame`'s result for ``table`` (its
    columns: the table's, then one probability per class, then the prediction); ``X`` holds
    the inputs of the rows that got a prediction and ``rows`` is their mask."""
    column = find_column(table, ds.target_name)
    if column is None:
        return None
    rows = np.asarray(rows, dtype=bool)
    width = table.shape[1]
    if ds.is_classification:
        y = target_indices(column, list(ds.classes))
        known = y >= 0
        out = frame.iloc[:, width:width + ds.n_classes].to_numpy(dtype=float)
        text_target = False
    else:
        values = target_values(column)
        text_target = values is None
        y = np.full(len(table), np.nan) if values is None else values
        known = np.isfinite(y)
        out = frame.iloc[:, width].to_numpy(dtype=float)
    use = rows & known
    quality = None
    if use.any():
        quality = quality_of(ds.task, ds.n_classes, y[use], out[use], np.flatnonzero(use) + 1)
    inputs = np.full((len(table), ds.n_features), np.nan)
    inputs[rows] = X
    return TargetCheck(quality, int((rows & ~known).sum()), int((~rows).sum()), inputs,
                       len(table), text_target)


def batch_section(check: TargetCheck, ds: Dataset) -> None:
    """The Predict page's measures for a CSV that carries the target column."""
    target = plain(ds.target_name, 40)
    st.header("How good is it on these rows")
    q = check.quality
    if q is None:
        reason = (f"the {target} column holds text, not numbers" if check.text_target
                  else f"no row with a prediction has a usable {target}")
        st.info(f"Nothing to measure: {reason}.", icon="ℹ️")
        return
    left_out = []
    if check.unknown:
        what = ("missing or not a number" if not ds.is_classification
                else "missing or not one of the model's classes")
        left_out.append(f"{check.unknown:,} whose {target} is {what}")
    if check.unpredicted:
        left_out.append(f"{check.unpredicted:,} without a prediction")
    text = (f"The file's {target} column against the predictions, on {q.n:,} of "
            f"{check.total:,} rows")
    text += "; left out: " + " and ".join(left_out) + "." if left_out else "."
    st.caption(text + " Row numbers count the file's data rows from 1.")
    splits = [("file", q)]
    if isinstance(q, ClassQuality):
        _classification(splits, ds, check.inputs, surface=False)
    else:
        _regression(splits, ds.target_name)
