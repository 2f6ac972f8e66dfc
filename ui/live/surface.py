"""The decision surface (drawn by ``surface.js``): the data points as a Plotly figure that
never changes, and each frame the network's output on a grid under them (``z``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from plotly.colors import sequential

from ui.live.protocol import INK
from ui.views.charts import Spec, pack, short_name, split_marker
from ui.views.data_charts import CLASS_COLORS
from ui.views.text import plotly_text

# Binary decision surface: class 0 (blue) → undecided (white) → class 1 (orange).
BINARY_SCALE = [[0.0, "#0072B2"], [0.5, "#ffffff"], [1.0, "#E69F00"]]
REGRESSION_SCALE = [
    [i / (len(sequential.Viridis) - 1), c] for i, c in enumerate(sequential.Viridis)
]


SAID = 60  # characters of a name the chart's text summary says at most
WRONG_COLOR = "#d00000"  # the ring around a row the classifier gets wrong


def surface_grid(
    X: np.ndarray, ix: int, iy: int, n: int = 50, pad: float = 0.08,
    held: Mapping[int, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A grid over features ``ix`` and ``iy`` of ``X``; the other features held fixed: at the
    value ``held`` gives for them, else at their mean.

    Returns ``(xs, ys, G)``: the ``n`` grid values of each axis and ``G`` (n*n, d) raw inputs,
    row ``r * n + c`` at ``(xs[c], ys[r])``.
    """
    X = np.asarray(X, dtype=float)
    d = X.shape[1]

    def axis(j: int) -> np.ndarray:
        lo, hi = float(X[:, j].min()), float(X[:, j].max())
        span = hi - lo if hi > lo else max(abs(lo), 1.0)
        return np.linspace(lo - pad * span, hi + pad * span, n)

    xs = axis(ix)
    ys = axis(iy) if d > 1 else np.linspace(-1.0, 1.0, n)
    G = np.tile(held_values(X, ix, iy, held), (n * n, 1))
    gx, gy = np.meshgrid(xs, ys)
    G[:, ix] = gx.ravel()
    if d > 1:
        G[:, iy] = gy.ravel()
    return xs, ys, G


def held_values(X: np.ndarray, ix: int, iy: int,
                held: Mapping[int, float] | None = None) -> np.ndarray:
    """One raw input row: each feature's mean, or its ``held`` value (the plotted two are
    overwritten by the grid)."""
    row = np.asarray(X, dtype=float).mean(axis=0)
    for j, v in (held or {}).items():
        if 0 <= j < len(row) and j not in (ix, iy):
            row[j] = float(v)
    return row


def held_caption(names: Sequence[str], X: np.ndarray, ix: int, iy: int,
                 held: Mapping[int, float] | None = None, limit: int = 6) -> str:
    """Plain text saying which inputs the surface holds fixed and at what values ("" if none)."""
    X = np.asarray(X, dtype=float)
    if X.shape[1] <= 2:
        return ""
    row = held_values(X, ix, iy, held)
    mean = X.mean(axis=0)
    parts = [f"{short_name(names[j])} = {row[j]:.4g}" + (" (mean)" if row[j] == mean[j] else "")
             for j in range(X.shape[1]) if j not in (ix, iy)]
    more = f" and {len(parts) - limit} more" if len(parts) > limit else ""
    return "The surface holds the other inputs fixed: " + ", ".join(parts[:limit]) + more + "."


def surface_values(
    outputs: np.ndarray,
    task: str,
    n: int,
    discretise: bool = False,
    value_range: tuple[float, float] | None = None,
) -> np.ndarray:
    """The ``(n, n)`` grid the surface shows, from the model's outputs on the grid rows.

    ``outputs`` are what ``Trainer.predict`` returns: values ``(n*n,)`` for regression, class
    probabilities ``(n*n, k)`` otherwise. Two classes: P(second class) (0 or 1 when
    discretised); more: the most likely class; regression: the value (in 8 bands of
    ``value_range`` when discretised).
    """
    out = np.asarray(outputs, dtype=float)
    if task == "regression":
        z = out.reshape(len(out), -1)[:, 0]
        if discretise and value_range is not None:
            lo, hi = value_range
            step = (hi - lo) / 8.0 if hi > lo else 1.0
            z = lo + (np.floor((z - lo) / step) + 0.5) * step
    elif out.ndim == 1 or out.shape[1] == 1:
        z = out.reshape(-1)
        if discretise:
            z = (z >= 0.5).astype(float)
    elif out.shape[1] == 2:
        z = out[:, 1]
        if discretise:
            z = (z >= 0.5).astype(float)
    else:
        z = out.argmax(axis=1).astype(float)
    return z.reshape(n, n)


def value_range(y: np.ndarray, task: str) -> tuple[float, float]:
    """The colour range of the surface: the targets' range for regression, else 0–1."""
    if task != "regression" or len(y) == 0:
        return (0.0, 1.0)
    lo, hi = float(np.min(y)), float(np.max(y))
    return (lo, hi) if hi > lo else (lo - 1.0, hi + 1.0)


def surface_colours(task: str, n_classes: int, vrange: tuple[float, float]) -> Spec:
    """How surface values map to colours: a scale over [zmin, zmax] and an opacity."""
    if task == "regression":
        return {"colorscale": REGRESSION_SCALE, "zmin": vrange[0], "zmax": vrange[1],
                "opacity": 0.75}
    if n_classes > 2:
        scale = []
        for c in range(n_classes):
            colour = CLASS_COLORS[c % len(CLASS_COLORS)]
            scale += [[c / n_classes, colour], [(c + 1) / n_classes, colour]]
        return {"colorscale": scale, "zmin": -0.5, "zmax": n_classes - 0.5, "opacity": 0.4}
    return {"colorscale": BINARY_SCALE, "zmin": 0.0, "zmax": 1.0, "opacity": 0.75}


def surface_points(
    X2: np.ndarray,
    y: np.ndarray,
    is_test: np.ndarray,
    task: str,
    classes: Sequence[str],
    vrange: tuple[float, float] = (0.0, 1.0),
) -> list[dict[str, Any]]:
    """The data as Plotly traces: train rows as filled circles, test rows as hollow circles
    (:func:`ui.views.charts.split_marker`)."""
    traces = []
    for test in (False, True):
        rows = np.flatnonzero(np.asarray(is_test, dtype=bool) == test)
        values = np.asarray(y)[rows]
        label = "test" if test else "train"
        trace: dict[str, Any] = {"type": "scatter", "mode": "markers", "name": label,
                                 "x": pack(X2[rows, 0]), "y": pack(X2[rows, 1])}
        if task == "regression":
            trace["marker"] = split_marker(label, pack(values), 7,
                                           colorscale=REGRESSION_SCALE, cmin=vrange[0],
                                           cmax=vrange[1])
            trace["customdata"] = pack(values)
            trace["hovertemplate"] = f"{label}: %{{customdata:.4g}}<extra></extra>"
        else:
            trace["marker"] = split_marker(
                label, [CLASS_COLORS[int(c) % len(CLASS_COLORS)] for c in values], 7)
            trace["text"] = [plotly_text(classes[int(c)], 30) for c in values]
            trace["hovertemplate"] = f"{label}: %{{text}}<extra></extra>"
        traces.append(trace)
    return traces


def marked_points(X2: np.ndarray, rows: Sequence[int]) -> dict[str, Any]:
    """A ring around each of ``rows`` (the rows a classifier gets wrong), drawn over the
    points; it takes no hover, so the point under it keeps its own."""
    rows = np.asarray(rows, dtype=np.int64)
    return {"type": "scatter", "mode": "markers", "name": "wrong", "hoverinfo": "skip",
            "x": pack(X2[rows, 0]), "y": pack(X2[rows, 1]),
            "marker": {"size": 15, "symbol": "circle-open", "color": WRONG_COLOR,
                       "line": {"width": 2.2, "color": WRONG_COLOR}}}


def surface_layout(
    x_name: str, y_name: str, xs: np.ndarray, ys: np.ndarray, uirevision: str, task: str,
    n_held: int = 0,
) -> dict[str, Any]:
    """The surface's Plotly layout; the output image spans exactly the grid. With ``n_held``
    other inputs, the title says they are held fixed."""
    title: dict[str, Any] = {
        "text": "Output over two inputs" if task == "regression" else "Decision surface",
        "x": 0.01, "xanchor": "left", "font": {"size": 13}}
    if n_held:  # under the title
        title["subtitle"] = {"text": f"{n_held} other input{'s' * (n_held > 1)} held fixed",
                             "font": {"size": 11}}
    return {
        "uirevision": uirevision,
        "title": title,
        "font": {"family": "sans-serif", "size": 12, "color": INK},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#ffffff",
        # the legend at the bottom, under the axis title: the top right is the modebar's
        # (over a legend there on a phone, where it shows after a tap)
        "margin": {"l": 52, "r": 12, "t": 56 if n_held else 40, "b": 66},
        "hovermode": "closest",
        "showlegend": True,
        "legend": {"orientation": "h", "y": 0, "yref": "container", "x": 0, "xanchor": "left",
                   "yanchor": "bottom", "font": {"size": 11}, "bgcolor": "rgba(0,0,0,0)"},
        # axis titles fit their side of the plot, 340 px tall on a phone (at 14 px, a CJK
        # character is twice as wide as most others)
        "xaxis": {"title": {"text": plotly_text(x_name, 26, wide=True)}, "zeroline": False,
                  "range": [float(xs[0]), float(xs[-1])], "showgrid": False},
        "yaxis": {"title": {"text": plotly_text(y_name, 30, wide=True)}, "zeroline": False,
                  "range": [float(ys[0]), float(ys[-1])], "showgrid": False},
        "images": [],
    }


def surface_figure(
    X: np.ndarray,
    y: np.ndarray,
    is_test: np.ndarray,
    *,
    ix: int,
    iy: int,
    feature_names: Sequence[str],
    task: str,
    classes: Sequence[str],
    n: int = 50,
    uirevision: str = "surface",
    held: Mapping[int, float] | None = None,
    marked: Sequence[int] = (),
) -> tuple[dict[str, Any], Spec]:
    """The surface chart's static part: ``(plotly figure of the points, grid spec)``.

    The grid spec gives the output image's extent (``x0, x1, y0, y1``), size ``n`` and colour
    mapping; each frame supplies the values from :func:`surface_values`. ``marked`` rows (the
    rows a classifier gets wrong) get a red ring on top (:func:`marked_points`).
    """
    xs, ys, _ = surface_grid(X, ix, iy, n, held=held)
    vr = value_range(y, task)
    X = np.asarray(X, dtype=float)
    X2 = np.column_stack([X[:, ix], X[:, iy] if X.shape[1] > 1 else np.zeros(len(X))])
    names = [feature_names[ix], feature_names[iy] if X.shape[1] > 1 else ""]
    points = surface_points(X2, y, is_test, task, classes, vr)
    if len(marked):
        points.append(marked_points(X2, marked))
    figure = {"data": points,
              "layout": surface_layout(names[0], names[1], xs, ys, uirevision, task,
                                       n_held=max(X.shape[1] - 2, 0))}
    grid = {"x0": float(xs[0]), "x1": float(xs[-1]), "y0": float(ys[0]), "y1": float(ys[-1]),
            "n": int(n), **surface_colours(task, len(classes), vr),
            # for the chart's text summary (screen readers; drawn with textContent only)
            "task": task, "classes": [str(c)[:SAID] for c in classes],
            "axes": [str(name)[:SAID] for name in names]}
    return figure, grid


def surface_axes(n_features: int, surface_x: int, surface_y: int) -> tuple[int, int]:
    """The two inputs the surface plots: ``(ix, iy)``, clamped and never the same one twice."""
    d = n_features
    ix = min(max(surface_x, 0), d - 1)
    iy = min(max(surface_y, 0), d - 1) if d > 1 else ix
    if iy == ix and d > 1:
        iy = (ix + 1) % d
    return ix, iy
