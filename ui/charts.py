"""What the Train page's charts show: pure functions from arrays to JSON-ready chart specs.

Nothing here imports Streamlit. Each chart has a *static* part (names, geometry, colour
scales; fixed while a network trains) and a *frame* part (the numbers that change every
epoch). The live element (:mod:`ui.live`, ``live_assets/live.js``) draws them:

- the decision surface is a Plotly figure (:func:`surface_figure`: the data points as traces,
  zoomable, hover on points) under which the network's output is painted as a layout image;
- the loss curves, the weight heatmaps and the unit slopes are Plotly figures built once per
  view from the specs below and then updated in place; a chart too slow for every frame is
  updated less often (costs per chart in ``bench/ui.py``);
- the network diagram is drawn on a canvas.

Numeric arrays are packed as Plotly's typed-array specs (``{"dtype", "bdata", "shape"}``,
float32, base64) — compact to send, cheap to decode; :func:`unpack` reads one back. User
text (feature, target and class names) reaches a chart only through
:func:`ui.text.plotly_text` (for Plotly: the ``*_text`` fields) and is drawn on the network's
canvas as plain text.
"""

from __future__ import annotations

import base64
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from plotly.colors import sequential

from nn_core.engine import activations
from nn_core.io.export import probability_column
from nn_core.io.predictions import free_name
from ui.data_charts import CLASS_COLORS
from ui.live.protocol import FONT_FAMILY, INK, LOSS_KEYS, MUTED
from ui.text import plotly_text

Spec = dict[str, Any]

# Weights: red below zero, white at zero, blue above; drawn over [-m, m] so white is zero.
WEIGHT_SCALE = [
    [0.0, "#b2182b"],
    [0.25, "#ef8a62"],
    [0.5, "#f7f7f7"],
    [0.75, "#67a9cf"],
    [1.0, "#2166ac"],
]
# Binary decision surface: class 0 (blue) → undecided (white) → class 1 (orange).
BINARY_SCALE = [[0.0, "#0072B2"], [0.5, "#ffffff"], [1.0, "#E69F00"]]
REGRESSION_SCALE = [
    [i / (len(sequential.Viridis) - 1), c] for i, c in enumerate(sequential.Viridis)
]
SLOPE_COLORS = ("#4c78a8", "#9ecae9")  # the slope bars, alternating layer by layer
# Edges the network diagram draws at most: the largest weights by size. Each line costs the
# browser its pixels every frame, and thousands of hairlines show nothing one can follow.
MAX_EDGES_DRAWN = 2000
WRONG_COLOR = "#d00000"  # the ring around a row the classifier gets wrong
TRAIN_COLOR, TEST_COLOR, VAL_COLOR = "#1f77b4", "#ff7f0e", "#2ca02c"
MAX_LOSS_POINTS = 500  # points per loss line sent to the browser (the history is decimated)
SATURATED = 0.01  # a unit whose mean slope is below 1% of its activation's largest is saturated
# largest f'(z) of each elementwise activation (sigmoid's is at z = 0, relu's anywhere above)
MAX_SLOPE = {name: float(activations.derivative(name, activations.value(name, [0.0, 1.0])).max())
             for name in activations.HIDDEN}


# ------------------------------------------------------------------------------- arrays
def pack(values: Any, dtype: str = "f4") -> dict[str, Any]:
    """An array as Plotly's typed-array spec (float32 by default; NaN stays NaN)."""
    a = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    spec: dict[str, Any] = {"dtype": dtype, "bdata": base64.b64encode(a.tobytes()).decode()}
    if a.ndim > 1:
        spec["shape"] = ",".join(str(s) for s in a.shape)
    return spec


def unpack(value: Any) -> np.ndarray:
    """The array in a typed-array spec, or ``np.asarray(value)`` for anything else."""
    if isinstance(value, Mapping) and "bdata" in value:
        a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            a = a.reshape([int(s) for s in str(value["shape"]).split(",")])
        return a
    return np.asarray(value)


def max_abs(arrays: Sequence[np.ndarray | None]) -> float:
    """The largest finite |value| over the arrays (1.0 if there is none), for a ±m scale."""
    m = 0.0
    for a in arrays:
        if a is not None and np.size(a):
            finite = np.abs(np.asarray(a, dtype=float))
            finite = finite[np.isfinite(finite)]
            if finite.size:
                m = max(m, float(finite.max()))
    return m if m > 0 else 1.0


# --------------------------------------------------------------------------------- names
def node_names(
    sizes: Sequence[int], feature_names: Sequence[str], output_names: Sequence[str],
    limit: int | None = 24,
) -> list[list[str]]:
    """Names of every layer's nodes: the inputs, ``h<layer>.<unit>``, the outputs.

    User names are cut to ``limit`` characters (None: whole, for the network diagram, which
    cuts them to the room it has); duplicates get a ``#k`` suffix.
    """
    names: list[list[str]] = []
    for layer, n in enumerate(sizes):
        if layer == 0:
            given = [_short(f, limit) for f in feature_names][:n]
            given += [f"x{i + 1}" for i in range(len(given), n)]
        elif layer == len(sizes) - 1:
            given = [_short(o, limit) for o in output_names][:n]
            given += [f"out{i + 1}" if n > 1 else "out" for i in range(len(given), n)]
        else:
            given = [f"h{layer}.{i + 1}" for i in range(n)]
        seen: dict[str, int] = {}
        unique = []
        for g in given:
            seen[g] = seen.get(g, 0) + 1
            unique.append(g if seen[g] == 1 else f"{g} #{seen[g]}")
        names.append(unique)
    return names


def _short(text: object, limit: int | None = 24) -> str:
    s = " ".join(str(text).split())
    return s if limit is None or len(s) <= limit else s[: limit - 1] + "…"


def output_names(task: str, classes: Sequence[str], target_name: str, n_out: int) -> list[str]:
    """Names of the output units: the classes (softmax), ``p(<class 1>)`` or the target."""
    if task != "regression" and n_out == len(classes):
        return list(classes)
    if task != "regression" and n_out == 1 and len(classes) == 2:
        return [probability_column(classes[1])]
    return [target_name] if n_out == 1 else [f"{target_name} {i + 1}" for i in range(n_out)]


# ----------------------------------------------------------------------------- loss chart
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
         "dash": False},
        {"key": "test_loss", "name": "test loss", "panel": 0, "color": TEST_COLOR,
         "dash": True},
    ]
    if validation:
        series.append({"key": "val_loss", "name": "validation loss", "panel": 0,
                       "color": VAL_COLOR, "dash": True})
    series += [
        {"key": "train_metric", "name": f"train {metric}", "panel": 1,
         "color": TRAIN_COLOR, "dash": False},
        {"key": "test_metric", "name": f"test {metric}", "panel": 1, "color": TEST_COLOR,
         "dash": True},
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


# -------------------------------------------------------------------------- weight heatmaps
def weight_matrices(
    weights: Sequence[np.ndarray], biases: Sequence[np.ndarray | None]
) -> list[np.ndarray]:
    """Per layer, the weights ``(n_in, n_out)`` with the biases as one more row at the bottom."""
    out = []
    for w, b in zip(weights, biases, strict=True):
        w = np.asarray(w, dtype=float)
        out.append(np.vstack([w, np.asarray(b, dtype=float)[None, :]]) if b is not None else w)
    return out


def weights_static(sizes: Sequence[int], bias: bool, names: Sequence[Sequence[str]]) -> Spec:
    """Each layer's heatmap: row labels (the inputs, then ``bias``), column labels (the
    layer's units), and where its values start in :func:`network_frame`'s ``w``.

    The heatmaps and the network diagram show the same numbers, so a frame sends them once:
    layer ``l``'s value at ``(row, col)`` is ``w[offset + row * len(cols) + col]``, drawn on
    the shared scale ``[wmin, wmax] = [-m, m]``.
    """
    layers = []
    n = len(sizes) - 1
    offset = 0
    for layer in range(n):
        rows = list(names[layer]) + (["bias"] if bias else [])
        source = "inputs" if layer == 0 else f"hidden {layer}"
        target = "outputs" if layer == n - 1 else f"hidden {layer + 1}"
        rows_text = [plotly_text(r, 30) for r in names[layer]]
        if bias:
            rows_text.append(free_name("bias", set(rows_text)))
        layers.append({"rows": rows, "cols": list(names[layer + 1]), "offset": offset,
                       "caption": f"{source} → {target}",
                       # for Plotly's category axes: escaped, the bias row never an input's name
                       "rows_text": rows_text,
                       "cols_text": [plotly_text(c, 30) for c in names[layer + 1]],
                       # px between cells across and down (none in a layer of many)
                       "gaps": [int(len(names[layer + 1]) <= HEATMAP_GAP_CELLS),
                                int(len(rows) <= HEATMAP_GAP_CELLS)]})
        offset += len(rows) * len(names[layer + 1])
    figure, by_row = weights_figure(layers, bias)
    return {"title": "Weights per layer (bottom row: biases)", "layers": layers,
            "colorscale": WEIGHT_SCALE, "figure": figure, "by_row": by_row}


# ---------------------------------------------------------------------------- network
class NetworkGeometry:
    """Where the nodes of a network diagram sit, and which nodes every edge joins.

    Layer ``l`` is the column ``x = l``; its nodes are spread evenly around ``y = 0``, a unit
    apart, or closer in a layer of more than 8 (which then spans 8 units): a big network's two
    inputs stay as far apart as a small one's. With biases, a ``+1`` bias node sits above each
    column but the last: its edges are the biases.
    Edges are listed layer by layer in the order of :func:`weight_matrices` (row-major: every
    input row, then the bias row).
    """

    def __init__(self, sizes: Sequence[int], bias: bool) -> None:
        self.sizes = [int(s) for s in sizes]
        self.bias = bool(bias)
        spacing = [1.0 if n <= 8 else 8.0 / n for n in self.sizes]
        self.node_y = [((n - 1) / 2.0 - np.arange(n)) * d
                       for n, d in zip(self.sizes, spacing, strict=True)]
        self.half = max((n - 1) / 2.0 * d for n, d in zip(self.sizes, spacing, strict=True))
        self.top = self.half + 1.0  # the bias nodes' row
        x0, y0, x1, y1 = [], [], [], []
        for layer in range(len(self.sizes) - 1):
            src = self.node_y[layer]
            if self.bias:
                src = np.append(src, self.top)
            dst = self.node_y[layer + 1]
            x0.append(np.full(len(src) * len(dst), float(layer)))
            x1.append(np.full(len(src) * len(dst), float(layer + 1)))
            y0.append(np.repeat(src, len(dst)))
            y1.append(np.tile(dst, len(src)))
        self.x0, self.y0 = np.concatenate(x0), np.concatenate(y0)
        self.x1, self.y1 = np.concatenate(x1), np.concatenate(y1)

    @property
    def n_edges(self) -> int:
        return len(self.x0)


def edge_values(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray | None]) -> np.ndarray:
    """Every edge's weight, in :class:`NetworkGeometry` order."""
    return np.concatenate([m.ravel() for m in weight_matrices(weights, biases)])


def network_static(geometry: NetworkGeometry, names: Sequence[Sequence[str]],
                   full_names: Sequence[Sequence[str]] | None = None) -> Spec:
    """Nodes (inputs, units, outputs and ``+1`` bias nodes) and the edges' end points.

    An input or output node also carries its ``full`` name (``full_names``, else its label):
    the canvas cuts it to the room beside the diagram and shows it whole on hover.
    The columns' ``x_range`` is ``[0, last layer]``; the canvas adds its margins in pixels.
    """
    g = geometry
    last = len(g.sizes) - 1
    nodes = []
    for layer, n in enumerate(g.sizes):
        kind = "input" if layer == 0 else "output" if layer == last else "unit"
        for i in range(n):
            node = {"x": float(layer), "y": float(g.node_y[layer][i]),
                    "label": names[layer][i], "kind": kind, "layer": layer, "index": i}
            if kind != "unit":
                node["full"] = (full_names or names)[layer][i]
            nodes.append(node)
    if g.bias:
        for layer in range(last):
            nodes.append({"x": float(layer), "y": float(g.top), "label": "+1", "kind": "bias",
                          "layer": layer, "index": g.sizes[layer]})
    sources = []
    for layer in range(last):
        src = list(names[layer]) + (["bias"] if g.bias else [])
        for s in src:
            sources.extend(f"{s} → {d}" for d in names[layer + 1])
    lo = -g.half - 0.7
    hi = g.top + 0.6 if g.bias else -lo
    n_edges = len(g.x0)
    title = "Network: edge colour = sign, width = size of the weight"
    if n_edges > MAX_EDGES_DRAWN:
        title += f" (the {MAX_EDGES_DRAWN:,} largest of {n_edges:,} drawn)"
    return {
        "title": title,
        "max_edges": MAX_EDGES_DRAWN,
        "nodes": nodes,
        "edges": {"x0": pack(g.x0), "y0": pack(g.y0), "x1": pack(g.x1), "y1": pack(g.y1),
                  "label": sources},
        "x_range": [0.0, float(last)],
        "y_range": [lo, hi],
        "colorscale": WEIGHT_SCALE,
        "bias": g.bias,
    }


def network_frame(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray | None]) -> Spec:
    """Every weight and bias (in edge order) and the colour range ``[-m, m]``, centred on zero.

    Both the network diagram and the weight heatmaps draw from this.
    """
    values = edge_values(weights, biases)
    m = max_abs([values])
    return {"w": pack(values), "wmin": -m, "wmax": m}


# ------------------------------------------------------------------- saturation (slopes)
def unit_slopes(
    zs: Sequence[np.ndarray], acts: Sequence[np.ndarray], layer_activations: Sequence[str]
) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """Per layer and unit: (mean f'(z) / max f', mean |z|) over the rows; None for softmax.

    ``zs[l]`` is layer ``l``'s input ``z`` and ``acts[l + 1]`` its output (as returned by
    ``Network.forward_layers``). A slope near 0 means the unit is saturated: whatever the
    error, almost no gradient passes through it, so the weights into it stop learning.
    """
    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    for z, a, name in zip(zs, acts[1:], layer_activations, strict=True):
        if name not in MAX_SLOPE:
            out.append(None)
            continue
        d = activations.derivative(name, np.asarray(a, dtype=float))
        out.append((d.mean(axis=0) / MAX_SLOPE[name], np.abs(z).mean(axis=0)))
    return out


def slope_summary(slopes: Sequence[tuple[np.ndarray, np.ndarray] | None]) -> str:
    """One readout line: per layer, how many units are saturated and their mean |z|."""
    parts = []
    n = len(slopes)
    for layer, s in enumerate(slopes):
        what = "output" if layer == n - 1 else f"hidden {layer + 1}"
        if s is None:
            parts.append(f"{what}: softmax (not shown)")
            continue
        slope, mean_z = s
        sat = int((np.nan_to_num(slope) < SATURATED).sum())
        parts.append(f"{what}: {sat}/{len(slope)} saturated, mean |z| {np.mean(mean_z):.3g}")
    return " · ".join(parts)


def slopes_static(names: Sequence[Sequence[str]], layer_activations: Sequence[str]) -> Spec:
    """Bar labels: every hidden and output unit whose activation has a slope, and each layer's
    name and colour (``groups[i]`` is unit ``i``'s index into ``group_names``)."""
    labels, acts, groups, group_names = [], [], [], []
    n = len(layer_activations)
    for layer, act in enumerate(layer_activations):
        if act not in MAX_SLOPE:
            continue
        labels.extend(names[layer + 1])
        acts.extend([act] * len(names[layer + 1]))
        groups.extend([len(group_names)] * len(names[layer + 1]))
        group_names.append("output" if layer == n - 1 else f"hidden {layer + 1}")
    spec: Spec = {"title": "Unit slopes f′(z) / max f′ on the training rows "
                           "(near 0 = saturated: no gradient flows)",
                  "labels": labels, "activations": acts, "groups": groups,
                  "group_names": group_names,
                  "labels_text": [plotly_text(x, 30) for x in labels],
                  "colors": [SLOPE_COLORS[i % 2] for i in range(len(group_names))]}
    spec["figure"], spec["ticks"] = slopes_figure(spec)
    return spec


def slopes_frame(slopes: Sequence[tuple[np.ndarray, np.ndarray] | None]) -> Spec:
    """Each unit's mean slope (0–1) and mean |z|, in :func:`slopes_static` order."""
    kept = [s for s in slopes if s is not None]
    slope = np.concatenate([s[0] for s in kept]) if kept else np.zeros(0)
    mean_z = np.concatenate([s[1] for s in kept]) if kept else np.zeros(0)
    return {"slope": pack(np.nan_to_num(slope)),
            "mean_abs_z": pack(np.nan_to_num(mean_z, posinf=3e38)),
            "summary": slope_summary(slopes)}


# --------------------------------------------------------------------- decision surface
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
    parts = [f"{_short(names[j])} = {row[j]:.4g}" + (" (mean)" if row[j] == mean[j] else "")
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
    """The data as Plotly traces: train rows as circles, test rows as outlined diamonds."""
    traces = []
    for test in (False, True):
        rows = np.flatnonzero(np.asarray(is_test, dtype=bool) == test)
        marker: dict[str, Any] = {
            "size": 8 if test else 7,
            "symbol": "diamond" if test else "circle",
            "line": {"color": INK if test else "#ffffff", "width": 1.5 if test else 0.8},
        }
        values = np.asarray(y)[rows]
        label = "test" if test else "train"
        trace: dict[str, Any] = {"type": "scatter", "mode": "markers", "name": label,
                                 "x": pack(X2[rows, 0]), "y": pack(X2[rows, 1]),
                                 "marker": marker}
        if task == "regression":
            marker.update(color=pack(values), colorscale=REGRESSION_SCALE, cmin=vrange[0],
                          cmax=vrange[1])
            trace["hovertemplate"] = f"{label}: %{{marker.color:.4g}}<extra></extra>"
        else:
            marker["color"] = [CLASS_COLORS[int(c) % len(CLASS_COLORS)] for c in values]
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
    if n_held:  # under the title, clear of the legend on the right
        title["subtitle"] = {"text": f"{n_held} other input{'s' * (n_held > 1)} held fixed",
                             "font": {"size": 11}}
    return {
        "uirevision": uirevision,
        "title": title,
        "font": {"family": "sans-serif", "size": 12, "color": INK},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 52, "r": 12, "t": 56 if n_held else 40, "b": 44},
        "hovermode": "closest",
        "showlegend": True,
        "legend": {"orientation": "h", "y": 1.0, "x": 1.0, "xanchor": "right",
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
            "n": int(n), **surface_colours(task, len(classes), vr)}
    return figure, grid


# ------------------------------------------------------------ live Plotly figures (fixed part)
# The loss, weights and slopes figures are built here once per view, without their numbers;
# the live element fills in each frame's numbers and updates them in place.
BASE_LAYOUT: Spec = {
    "font": {"family": FONT_FAMILY, "size": 11, "color": INK},
    "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "#ffffff",
    "hovermode": "closest", "dragmode": "zoom", "margin": {"l": 10, "r": 10, "t": 8, "b": 10},
}
# A heatmap's least width: 7 px a column, at least 35 px, at most 95 px (a big layer's cells
# may be thinner than a pixel); narrower elements wrap the heatmaps to more rows.
HEATMAP_COLUMN_PX, HEATMAP_PX = 7, (35, 95)
HEATMAP_GAP_PX = 38  # between heatmaps side by side: room for their two-line captions
HEATMAP_MARGIN_PX = 150  # the colour bar, the first heatmap's input names, the margins
HEATMAP_ROW_PX, HEATMAP_CELL_PX = 210, 22  # a row of heatmaps' height; a cell's at most
HEATMAP_GAP_CELLS = 40  # up to this many cells a row or column, a 1 px gap between cells
SLOPE_LABEL_PX = 18  # pixels per unit from which every unit gets its own label
LABEL_CHAR_PX = 6.5  # a tick label's width per character at the charts' font size


def _axis(**extra: Any) -> Spec:
    return {"automargin": True, "gridcolor": "#e6e9ef", "zeroline": False,
            "linecolor": "#c8ccd4", **extra}


def loss_figure(spec: Spec) -> Spec:
    """The loss chart: loss above, accuracy or R² below, one line per series, then the same
    lines again, faint, for the epochs after the one looked back at (the scrubber). The element
    fills in the lines, the axis ranges and the marks (best epoch, the epoch looked at)."""
    data = []
    for faint in (False, True):
        for s in spec["series"]:
            trace: Spec = {"type": "scatter", "mode": "lines", "x": [], "y": [],
                           "yaxis": "y2" if s["panel"] else "y",
                           "line": {"color": s["color"], "width": 2,
                                    "dash": "dash" if s["dash"] else "solid"}}
            if faint:
                trace.update(showlegend=False, hoverinfo="skip", opacity=0.25)
            else:
                trace.update(name=s["name"], marker={"color": s["color"], "size": 5},
                             hovertemplate="%{y:.4g}", connectgaps=False)
            data.append(trace)
    log = spec["log"]
    metric_axis = _axis(domain=[0, 0.3], title={"text": spec["metric"], "standoff": 4})
    if spec["metric_range"]:
        metric_axis["tickvals"] = [0, 0.5, 1]
    layout = {
        **BASE_LAYOUT, "height": 320, "hovermode": "x unified",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left",
                   "yanchor": "bottom", "font": {"size": 11}},
        "xaxis": _axis(anchor="y2", title={"text": "epoch", "standoff": 4}),
        "yaxis": _axis(domain=[0.42, 1], type="log" if log else "linear",
                       title={"text": "loss (log)" if log else "loss", "standoff": 4}),
        "yaxis2": metric_axis,
    }
    return {"data": data, "layout": layout}


def weights_figure(layers: Sequence[Spec], bias: bool) -> tuple[Spec, list[Spec]]:
    """The weight heatmaps: one subplot per layer (last row the biases) on one colour axis
    centred on zero, hover "from → to: value". Each layer's cells are a layout image over its
    category axes (``images[i]``: from -0.5 to len - 0.5 both ways, the cells' edges), which
    the element paints on the colour axis's scale and swaps every frame; the heatmap under it
    is transparent and gives the hover (its z is refreshed while pointed at or paused). Returns
    the figure and, for 1, 2, ... heatmaps per row, the layout that places them (side by side,
    wrapping to more rows when a narrow element would squeeze a heatmap below its least
    width)."""
    data = []
    axes: Spec = {}
    images = []
    for i, layer in enumerate(layers):
        k = "" if i == 0 else str(i + 1)
        data.append({
            "type": "heatmap", "x": layer["cols_text"], "y": layer["rows_text"], "z": [[0]],
            "coloraxis": "coloraxis", "xaxis": "x" + k, "yaxis": "y" + k, "opacity": 0,
            "hovertemplate": "%{y} → %{x}: %{z:.4f}<extra></extra>"})
        images.append({"source": "", "xref": "x" + k, "yref": "y" + k, "x": -0.5, "y": -0.5,
                       "sizex": len(layer["cols"]), "sizey": len(layer["rows"]),
                       "xanchor": "left", "yanchor": "top", "sizing": "stretch",
                       "layer": "below"})
        y_ticks: Spec = {}
        if i > 0 and bias:  # the first layer names its inputs; the others mark the bias row
            y_ticks = {"tickmode": "array", "tickvals": [layer["rows_text"][-1]]}
        elif i > 0:
            y_ticks = {"showticklabels": False}
        # long column names (the outputs' class names) stand upright: tilted, they would reach
        # under the heatmap beside
        long = max((len(c) for c in layer["cols_text"]), default=0) > 6
        axes["xaxis" + k] = _axis(anchor="y" + k, type="category", showgrid=False,
                                  tickangle=-90 if long else "auto", title={
                                      "text": layer["caption"].replace(" → ", " →<br>"),
                                      "standoff": 4, "font": {"size": 11, "color": MUTED}})
        axes["yaxis" + k] = _axis(anchor="x" + k, type="category", autorange="reversed",
                                  showgrid=False, **y_ticks)
    layout = {**BASE_LAYOUT, **axes, "images": images, "coloraxis": {
        "colorscale": WEIGHT_SCALE, "cmin": -1, "cmax": 1,
        "colorbar": {"title": {"text": "weight", "side": "right"}, "thickness": 10, "y": 1,
                     "yanchor": "top", "outlinewidth": 0}}}
    widths = [min(HEATMAP_PX[1], max(HEATMAP_PX[0], HEATMAP_COLUMN_PX * len(layer["cols"])))
              for layer in layers]
    heights = [len(layer["rows"]) for layer in layers]
    return {"data": data, "layout": layout}, [
        _heatmap_rows(widths, heights, per_row) for per_row in range(1, len(layers) + 1)]


def _heatmap_rows(widths: Sequence[int], heights: Sequence[int], per_row: int) -> Spec:
    """Axis domains and height for ``per_row`` heatmaps a row, each as wide as its least width
    ``widths[i]`` (px) on one scale for every row, and as tall as its ``heights[i]`` rows of
    cells need (up to the row's height); and ``min_width``, the element's least width in
    pixels for this layout."""
    groups = [range(r, min(len(widths), r + per_row)) for r in range(0, len(widths), per_row)]
    scale = max(sum(widths[i] for i in g) for g in groups)
    min_width = HEATMAP_MARGIN_PX + HEATMAP_GAP_PX * (per_row - 1) + scale
    gap = HEATMAP_GAP_PX / (min_width - HEATMAP_MARGIN_PX)
    usable = 1 - gap * (per_row - 1)
    row_px = [min(HEATMAP_ROW_PX, HEATMAP_CELL_PX * max(heights[i] for i in g)) for g in groups]
    row_gap = 78
    plot = sum(row_px) + row_gap * (len(groups) - 1)
    axes: Spec = {}
    top = plot
    for g, px in zip(groups, row_px, strict=True):
        x = 0.0
        for i in g:
            k = "" if i == 0 else str(i + 1)
            share = usable * widths[i] / scale
            tall = min(px, HEATMAP_CELL_PX * heights[i])  # a 3-row heatmap is not a thin strip
            axes[f"xaxis{k}"] = {"domain": [round(x, 6), round(min(1.0, x + share), 6)]}
            axes[f"yaxis{k}"] = {"domain": [round(max(0.0, top - tall) / plot, 6),
                                            round(top / plot, 6)]}
            x += share + gap
        top -= px + row_gap
    height = plot + 110
    return {"height": height, "colorbar_len": min(1.0, 320 / height), "axes": axes,
            "min_width": min_width}


SLOPE_TOP = 1.05  # the slopes' y axis ends here (a slope is at most 1)


def slopes_figure(spec: Spec) -> tuple[Spec, list[Spec]]:
    """The unit slopes: one bar per unit, layers a unit apart, painted by the element into one
    layout image over x from -0.5 to the last place + 0.5 and y from 0 to the axis's top
    (``images[0]``, swapped every frame); under it each layer's bars are one transparent
    filled outline (one SVG path) that gives the hover, naming the unit and its activation
    (its y refreshed while pointed at or paused). Returns the figure (bars at 0: the element
    sets the heights, each unit's 0, v, v, 0) and the x-axis labels to choose from by width,
    fullest first, each with the least pixels per unit it needs: a label per unit, else one
    per layer (short names when the long ones would touch), upright when they fit side by
    side, else turned vertical."""
    groups, labels = spec["groups"], spec["labels_text"]
    places, x_at = [], 0
    for i, g in enumerate(groups):
        if i > 0 and g != groups[i - 1]:
            x_at += 1
        places.append(x_at)
        x_at += 1
    data = []
    for g, name in enumerate(spec["group_names"]):
        xs: list[float] = []
        text: list[str] = []
        tips: list[str] = []
        for i in (i for i in range(len(groups)) if groups[i] == g):
            xs += [places[i] - 0.4, places[i] - 0.4, places[i] + 0.4, places[i] + 0.4]
            text += [f"{labels[i]} ({spec['activations'][i]})"] * 4
            tips += ["none", "text+y", "text+y", "none"]  # hover on a bar's top corners
        data.append({"type": "scatter", "mode": "lines", "name": name, "x": xs,
                     "y": [0.0] * len(xs), "fill": "toself", "opacity": 0,
                     "fillcolor": spec["colors"][g], "line": {"color": spec["colors"][g],
                                                              "width": 0.5},
                     "hoveron": "points", "text": text, "hoverinfo": tips, "showlegend": False})
    end = places[-1] if places else 0
    layout = {**BASE_LAYOUT, "height": 230, "showlegend": False,
              "xaxis": _axis(tickmode="array", showgrid=False),
              "yaxis": _axis(range=[0, SLOPE_TOP], tickvals=[0, 0.5, 1],
                             title={"text": "slope", "standoff": 4}),
              "images": [{"source": "", "xref": "x", "yref": "y", "x": -0.5, "y": SLOPE_TOP,
                          "sizex": end + 1, "sizey": SLOPE_TOP, "xanchor": "left",
                          "yanchor": "top", "sizing": "stretch", "layer": "below"}]}
    spans = [[p for p, g2 in zip(places, groups, strict=True) if g2 == g]
             for g in range(len(spec["group_names"]))]
    centres = [(span[0] + span[-1]) / 2 for span in spans]
    spacing = min((b - a for a, b in itertools.pairwise(centres)), default=math.inf)
    short = ["out" if t == "output" else t.replace("hidden ", "h") for t in spec["group_names"]]
    choices = []
    if labels:
        chars = max(len(x) for x in spec["labels"])
        choices.append(_ticks(places, labels, chars, 1, SLOPE_LABEL_PX, end, per_unit=True))
    for names in (spec["group_names"], short):
        chars = max((len(t) for t in names), default=0)
        choices.append(_ticks(centres, names, chars, spacing, 0, end))
    return {"data": data, "layout": layout}, choices


def _ticks(vals: Sequence[float], text: Sequence[str], chars: int, spacing: float,
           min_px: float, end: float, per_unit: bool = False) -> Spec:
    """One choice of slope labels: usable from ``min_px`` pixels per unit; upright from
    ``upright_px`` (the labels, ``spacing`` units apart, then fit side by side)."""
    return {"min_px": min_px, "upright_px": (chars * LABEL_CHAR_PX + 8) / spacing,
            "tickvals": list(vals), "ticktext": list(text), "end": end,
            "pad_px": 0 if per_unit else 24}
