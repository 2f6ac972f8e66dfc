"""The loss chart (drawn by ``loss.js``): loss above, accuracy or R² below.

Its static part names the series (:data:`ui.live.protocol.LOSS_KEYS`, each with its panel,
colour and split, whose dash :data:`ui.live.protocol.SPLITS` gives) and holds the Plotly
figure without numbers; a message carries the decimated history once (:func:`loss_history`)
with the axis ranges, and each frame its newest row (:func:`loss_point`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ui.live.protocol import LOSS_KEYS
from ui.views.charts import (
    BASE_LAYOUT,
    TEST_COLOR,
    TRAIN_COLOR,
    VAL_COLOR,
    Spec,
    pack,
    plot_axis,
    split_line,
    split_marker,
)

MAX_LOSS_POINTS = 500  # points per loss line sent to the browser (the history is decimated)


def decimate(n: int, limit: int = MAX_LOSS_POINTS) -> np.ndarray:
    """Indices of at most ``limit`` evenly spread rows of ``n``, always the first and last."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))


def loss_static(metric_name: str, log_y: bool, validation: bool = False) -> Spec:
    """The loss chart's fixed part: panels, series names and styles (with ``validation``, the
    validation loss too; frames then carry the best epoch, which the chart marks)."""
    metric = "R²" if metric_name == "r2" else "accuracy"
    series = [
        {"key": "train_loss", "name": "train loss", "panel": 0, "color": TRAIN_COLOR,
         "split": "train"},
        {"key": "test_loss", "name": "test loss", "panel": 0, "color": TEST_COLOR,
         "split": "test"},
    ]
    if validation:
        series.append({"key": "val_loss", "name": "validation loss", "panel": 0,
                       "color": VAL_COLOR, "split": "validation"})
    series += [
        {"key": "train_metric", "name": f"train {metric}", "panel": 1,
         "color": TRAIN_COLOR, "split": "train"},
        {"key": "test_metric", "name": f"test {metric}", "panel": 1, "color": TEST_COLOR,
         "split": "test"},
    ]
    spec = {
        "title": f"Loss and {metric}",
        "log": bool(log_y),
        "metric": metric,
        "metric_range": None if metric_name == "r2" else [0.0, 1.0],
        "series": series,
    }
    spec["figure"] = loss_figure(spec)
    return spec


def loss_point(history: Mapping[str, Any]) -> list[float | None]:
    """The newest history row ``[epoch, train_loss, test_loss, train_metric, test_metric,
    val_loss]``.

    A frame carries only this; the message carries the whole (decimated) history once and the
    browser draws, for each frame, the history up to the frame's epoch plus this point.
    """
    row: list[float | None] = []
    for key in ("epoch", *LOSS_KEYS):
        values = history.get(key, ())
        v = float(values[-1]) if len(values) else float("nan")
        row.append(v if np.isfinite(v) else None)
    return row


def loss_history(history: Mapping[str, Any]) -> Spec:
    """The history, decimated to at most :data:`MAX_LOSS_POINTS` points per line."""
    epoch = np.asarray(history.get("epoch", ()), dtype=float)
    keep = decimate(len(epoch))
    out: Spec = {"epoch": pack(epoch[keep])}
    for key in LOSS_KEYS:
        v = np.asarray(history.get(key, ()), dtype=float)
        out[key] = pack(v[keep] if v.shape == epoch.shape else np.full(len(keep), np.nan))
    return out


LOSS_STEPS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0)


def nice_up(v: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 5, 7.5 × 10^k that is at least ``v`` (1 when ``v`` is not
    positive): a range end that moves in steps, so a growing curve rebuilds its axes rarely."""
    if not v > 0:
        return 1.0
    mag = 10.0 ** math.floor(math.log10(v))
    return next(float(f"{s * mag:.12g}") for s in LOSS_STEPS if s * mag >= v * (1 - 1e-12))


def loss_ranges(history: Mapping[str, Any], spec: Spec) -> Spec:
    """The loss chart's axis ranges for a run's ``history`` (``spec``: :func:`loss_static`):
    the epochs from 0 to a step past the last; the loss from 0 (whole decades on a log axis);
    accuracy 0–1, R² from its lowest value (at least −1) to 1."""
    def finite(panel: int) -> np.ndarray:
        arrays = [np.asarray(history.get(s["key"], ()), dtype=float)
                  for s in spec["series"] if s["panel"] == panel]
        values = np.concatenate(arrays) if arrays else np.zeros(0)
        return values[np.isfinite(values)]

    epochs = history.get("epoch", ())
    last = float(epochs[-1]) if len(epochs) else 0.0
    loss, metric = finite(0), finite(1)
    if spec["log"]:
        positive = loss[loss > 0]
        low = math.floor(math.log10(positive.min())) if positive.size else -2
        y = [low, max(math.ceil(math.log10(positive.max())), low + 1)] if positive.size else [-2, 0]
    else:
        y = [0.0, nice_up(float(loss.max()) * 1.05 if loss.size else 1.0)]
    y2 = [-0.02, 1.02]
    if not spec["metric_range"]:
        lowest = float(metric.min()) if metric.size else 0.0
        y2 = [math.floor(max(min(lowest, 0.0), -1.0) * 4) / 4 - 0.02, 1.02]
    return {"x": [0.0, nice_up(max(last, 1.0) * 1.02)], "y": y, "y2": y2}


def loss_figure(spec: Spec) -> Spec:
    """The loss chart: loss above, accuracy or R² below, one line per series, then the same
    lines again, faint, for the epochs after the one looked back at (the scrubber). The element
    fills in the lines, the axis ranges and the marks (best epoch, the epoch looked at)."""
    data = []
    for faint in (False, True):
        for s in spec["series"]:
            trace: Spec = {"type": "scatter", "mode": "lines", "x": [], "y": [],
                           "yaxis": "y2" if s["panel"] else "y",
                           "line": split_line(s["split"], s["color"])}
            if faint:
                trace.update(showlegend=False, hoverinfo="skip", opacity=0.25)
            else:
                trace.update(name=s["name"], marker=split_marker(s["split"], s["color"], 5),
                             hovertemplate="%{y:.4g}", connectgaps=False)
            data.append(trace)
    log = spec["log"]
    metric_axis = plot_axis(domain=[0, 0.3], title={"text": spec["metric"], "standoff": 4})
    if spec["metric_range"]:
        metric_axis["tickvals"] = [0, 0.5, 1]
    layout = {
        **BASE_LAYOUT, "height": 320, "hovermode": "x unified",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left",
                   "yanchor": "bottom", "font": {"size": 11}},
        "xaxis": plot_axis(anchor="y2", title={"text": "epoch", "standoff": 4}),
        "yaxis": plot_axis(domain=[0.42, 1], type="log" if log else "linear",
                       title={"text": "loss (log)" if log else "loss", "standoff": 4}),
        "yaxis2": metric_axis,
    }
    return {"data": data, "layout": layout}
