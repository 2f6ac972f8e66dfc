"""The weight heatmaps (drawn by ``weights.js``): one per layer, last row the biases, one
shared scale [-m, m], white at zero. Their numbers ride in the network's frame
(:func:`ui.live.network.network_frame`: ``w``, ``wmin``, ``wmax``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nn_core.io.predictions import free_name
from ui.live.protocol import MUTED
from ui.views.charts import BASE_LAYOUT, Spec, plot_axis
from ui.views.text import plotly_text

# Weights: red below zero, white at zero, blue above; drawn over [-m, m] so white is zero.
WEIGHT_SCALE = [
    [0.0, "#b2182b"],
    [0.25, "#ef8a62"],
    [0.5, "#f7f7f7"],
    [0.75, "#67a9cf"],
    [1.0, "#2166ac"],
]


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


# A heatmap's least width: 7 px a column, at least 35 px, at most 95 px (a big layer's cells
# may be thinner than a pixel); narrower elements wrap the heatmaps to more rows.
HEATMAP_COLUMN_PX, HEATMAP_PX = 7, (35, 95)
HEATMAP_GAP_PX = 38  # between heatmaps side by side: room for their two-line captions
HEATMAP_MARGIN_PX = 150  # the colour bar, the first heatmap's input names, the margins
HEATMAP_ROW_PX, HEATMAP_CELL_PX = 210, 22  # a row of heatmaps' height; a cell's at most
HEATMAP_GAP_CELLS = 40  # up to this many cells a row or column, a 1 px gap between cells


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
        axes["xaxis" + k] = plot_axis(anchor="y" + k, type="category", showgrid=False,
                                  tickangle=-90 if long else "auto", title={
                                      "text": layer["caption"].replace(" → ", " →<br>"),
                                      "standoff": 4, "font": {"size": 11, "color": MUTED}})
        axes["yaxis" + k] = plot_axis(anchor="x" + k, type="category", autorange="reversed",
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
