"""The network diagram (drawn on a canvas by ``network.js``): its geometry, its edges' values
each frame, and each hidden unit's own map over the surface's two inputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nn_core.engine import activations
from ui.live.weights import WEIGHT_SCALE, weight_matrices
from ui.views.charts import Spec, max_abs, pack

# Edges the network diagram draws at most: the largest weights by size. Each line costs the
# browser its pixels every frame, and thousands of hairlines show nothing one can follow.
MAX_EDGES_DRAWN = 2000


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


MAP = 16  # points per axis of each hidden unit's own map (at most)
MAP_BUDGET = 20_000  # bytes of unit maps per frame (a byte a point): big networks, coarser maps
# How a unit's map is coloured: white at 0, blue at +m, red at -m (the weights' scale, so a
# blue unit through a blue edge pushes the next unit up). m is 1 for the bounded activations;
# for relu and linear it is the largest |output| of that layer on the map grid.


def map_bound(name: str) -> float | None:
    """1 for an activation with |f(z)| <= 1 (sigmoid, tanh), else None (the layer's largest)."""
    return 1.0 if np.abs(activations.value(name, [-30.0, 30.0])).max() <= 1.0 else None


def map_size(n_grid: int, n_units: int) -> int:
    """Points per axis of each hidden unit's map: :data:`MAP` at most, never more than the
    surface grid, and small enough that all maps of a frame fit :data:`MAP_BUDGET` bytes
    (at least 4, so a 6×64 network gets 7×7 maps: 18.8 kB a frame)."""
    fit = int((MAP_BUDGET / max(n_units, 1)) ** 0.5)
    return max(min(MAP, n_grid, fit), min(4, n_grid))


def map_points(n_grid: int, m: int) -> np.ndarray:
    """Which of the surface grid's ``n_grid`` points per axis the ``m`` map points are: evenly
    spread, always the first and the last (so a map spans the same area as the surface)."""
    return np.linspace(0, n_grid - 1, m).round().astype(np.int64)


def unit_maps(acts: list[np.ndarray], layer_activations: list[str], n_grid: int,
              points: np.ndarray) -> dict[str, Any]:
    """Every hidden unit's output on the map points, as one frame field.

    ``acts`` are ``Network.forward_layers``' outputs on the surface grid (rows ``r * n + c``),
    so the maps cost no forward pass of their own. Each unit's ``m × m`` values are sent as
    bytes over that unit's own ``[lo, hi]``: value = lo + q (hi - lo) / 255, half a step
    (``(hi - lo) / 510``) from the engine's number at most — finer than the 256 colours a map
    is drawn with. Non-finite values (a run that blew up) are sent as 0. ``scale`` is each
    layer's colour bound m (white 0, blue +m, red -m).
    """
    m = len(points)
    rows = (points[:, None] * n_grid + points[None, :]).ravel()  # (m*m,) grid rows, r-major
    hidden = [np.asarray(a[rows], dtype=float) for a in acts[1:-1]]
    values = np.concatenate(hidden, axis=1).T if hidden else np.zeros((0, m * m))
    values = np.nan_to_num(values, nan=0.0, posinf=np.finfo(np.float32).max,
                           neginf=np.finfo(np.float32).min)
    values = values.astype(np.float32).astype(float)  # lo and hi are exact in float32
    lo = values.min(axis=1, initial=np.inf)
    hi = values.max(axis=1, initial=-np.inf)
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    q = np.rint((values - lo[:, None]) / safe[:, None] * 255.0)
    q = np.where(span[:, None] > 0, q, 0.0).astype(np.uint8)
    scale = []
    for a, name in zip(hidden, layer_activations[:-1], strict=True):
        bound = map_bound(name)
        if bound is None:
            finite = np.abs(a[np.isfinite(a)])
            bound = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        scale.append(bound)
    return {"q": pack(q.reshape(len(values), m, m), "u1"), "lo": pack(lo),
            "hi": pack(hi), "scale": scale}


def maps_static(sizes: list[int], layer_activations: list[str], names: list[list[str]],
                xs: np.ndarray, ys: np.ndarray) -> dict[str, Any]:
    """Where each hidden unit's map sits in :func:`unit_maps`' arrays, its layer's activation,
    and the map points' coordinates (raw input units, the surface's axes)."""
    layers, offset = [], 0
    for layer in range(1, len(sizes) - 1):
        layers.append({"layer": layer, "activation": layer_activations[layer - 1],
                       "units": int(sizes[layer]), "offset": offset,
                       "names": list(names[layer])})
        offset += int(sizes[layer])
    return {"m": len(xs), "x": [float(v) for v in xs], "y": [float(v) for v in ys],
            "layers": layers, "colorscale": WEIGHT_SCALE}
