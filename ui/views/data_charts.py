"""Figures of the Data and Predict pages: pure functions from arrays to Plotly figures.

User text (column names, class labels) goes into figures only through :func:`plotly_text`, and
never into a hover template (templates name the trace or the point instead).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ui.views.charts import split_marker
from ui.views.text import plotly_text

# Colour-blind-safe class colours (Okabe–Ito order), reused by predict's probability bars.
CLASS_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
    "#882255",
)
REGRESSION_SCALE = "Viridis"


def class_color(index: int) -> str:
    return CLASS_COLORS[index % len(CLASS_COLORS)]


def data_scatter(
    X: np.ndarray,
    y: np.ndarray,
    *,
    feature_names: Sequence[str],
    target_name: str,
    classes: Sequence[str],
    test_mask: np.ndarray,
    x_index: int = 0,
    y_index: int = 1,
    height: int = 520,
) -> go.Figure:
    """Scatter of the rows over two feature columns; training rows filled circles, test rows
    hollow ones (:func:`ui.views.charts.split_marker`).

    Classification colours the classes; regression colours by the target value. With one
    feature the vertical axis is the target itself.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    test_mask = np.asarray(test_mask, dtype=bool)
    one_d = X.shape[1] < 2
    xs = X[:, x_index]
    fig = go.Figure()

    def add_points(rows: np.ndarray, **style) -> None:
        if rows.any():
            fig.add_trace(go.Scatter(x=xs[rows], y=ys[rows], mode="markers", **style))

    if classes:
        shown = [plotly_text(label, 30) for label in classes]
        ys = X[:, y_index] if not one_d else np.asarray([shown[int(c)] for c in y], dtype=object)
        for c, name in enumerate(shown):
            for is_test in (False, True):
                add_points(
                    (y == c) & (test_mask == is_test),
                    name=f"{name} · test" if is_test else name,
                    legendgroup=str(c),
                    marker=split_marker("test" if is_test else "train", class_color(c), 8),
                    hovertemplate="%{fullData.name}<br>%{x:.4g}, "
                    + ("%{y}" if one_d else "%{y:.4g}") + "<extra></extra>",
                )
    else:
        ys = y.astype(float) if one_d else X[:, y_index]
        lo, hi = (float(y.min()), float(y.max())) if len(y) else (0.0, 1.0)
        for is_test in (False, True):
            rows = test_mask == is_test
            add_points(
                rows,
                name="test rows" if is_test else "training rows",
                marker=split_marker(
                    "test" if is_test else "train", y[rows].astype(float), 8,
                    colorscale=REGRESSION_SCALE, cmin=lo, cmax=hi if hi > lo else lo + 1.0,
                    showscale=not is_test,
                    colorbar={"title": {"text": plotly_text(target_name, 24)}},
                ),
                customdata=y[rows].astype(float),
                hovertemplate="%{x:.4g}, %{y:.4g} → %{customdata:.4g}"
                f"{' (test)' if is_test else ''}<extra></extra>",
            )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.0},
        xaxis_title=plotly_text(feature_names[x_index]),
        yaxis_title=plotly_text(target_name if one_d else feature_names[y_index]),
        uirevision="data",
    )
    return fig


def probability_bars(probabilities: Sequence[float], classes: Sequence[str]) -> go.Figure:
    """Horizontal bars of one prediction's class probabilities."""
    labels = [plotly_text(c, 30) for c in classes]
    fig = go.Figure(
        go.Bar(
            x=list(map(float, probabilities)),
            y=labels,
            orientation="h",
            marker_color=[class_color(i) for i in range(len(classes))],
            text=[f"{p:.1%}" for p in probabilities],
            textposition="auto",
            hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        height=60 + 36 * len(classes),
        margin={"l": 10, "r": 30, "t": 10, "b": 10},
        xaxis={"range": [0, 1], "tickformat": ".0%", "tickvals": [0, 0.25, 0.5, 0.75, 1]},
        yaxis={"autorange": "reversed", "type": "category"},
    )
    return fig
