"""Benchmark: what each Plotly update call costs in headless Chromium (a measurement, not a test).

The live Train page keeps Plotly figures (loss, weight heatmaps, unit slopes, the decision
surface's layout image) and updates them in place while a network trains. This script builds
the same kinds of figures in a blank page, all four side by side at 700 px each, and for the
small network (moons 2-8-8-1) and the largest one (2-64x6-1) times N updates with fresh random
values through each candidate call:

- loss (lines, x growing): ``Plotly.react`` with new arrays, ``Plotly.extendTraces`` (one point
  per line, at most as many points as the figure started with), ``Plotly.animate`` without a
  redraw, ``Plotly.restyle`` of x/y;
- weights (one heatmap per layer, one shared colour axis): ``Plotly.restyle`` of z once per
  layer or once for all layers, one ``Plotly.update`` of every z and the colour range,
  ``Plotly.react``, and painting the heatmaps ourselves into a canvas whose PNG data URL
  replaces a layout image (the painting counts in the call's time);
- slopes (one bar per unit): bar traces' ``restyle`` of y, one filled outline per layer through
  ``restyle`` or ``animate``;
- surface: ``Plotly.relayout`` of a 50x50 layout image's source.

Per update it measures the JS time inside the call (``performance.now`` around it), the time
from the call until the next frame is done (two ``requestAnimationFrame`` then a
``setTimeout 0``), and the renderer main thread's busy time from the DevTools protocol's
``Performance.getMetrics`` (TaskDuration; LayoutDuration + RecalcStyleDuration within it) over
the N updates, less the same loop without the call (making the random values and waiting for
frames), divided by N. The busy time is the full cost of an update, and 1000 / it is the most
updates a second the main thread could do if it did nothing else. It also compares the
chart's SVG markup before and after the updates and names any call that left it unchanged.

Usage: ``flock /tmp/nn-bench.lock python bench/plotly_calls.py [--quick] [--updates N]``.
Public tools only: Playwright, /usr/bin/chromium, plotly.js from the installed plotly package.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
WIDTH = 700  # px per chart, about what the Train page gives one
SIZES: dict[str, list[int]] = {"2-8-8-1": [2, 8, 8, 1], "2-64x6-1": [2, *[64] * 6, 1]}
# the loss chart's size does not follow the network: lines x points per line
LOSS_SIZES: dict[str, tuple[int, int]] = {"2-8-8-1": (4, 100), "2-64x6-1": (6, 500)}
SURFACE_GRID = 50
SURFACE_POINTS = 200
COLORSCALE = "RdBu"

Fig = dict[str, Any]

# (chart, variant of its figure, call) in the order they run
CALLS: list[tuple[str, str, str]] = [
    ("loss", "lines", "react"),
    ("loss", "lines", "extendTraces"),
    ("loss", "lines", "animate"),
    ("loss", "lines", "restyle x/y"),
    ("weights", "heatmaps", "restyle z per layer"),
    ("weights", "heatmaps", "restyle z (one call)"),
    ("weights", "heatmaps", "update z + cmin/cmax"),
    ("weights", "heatmaps", "react"),
    ("weights", "canvas", "canvas + relayout image"),
    ("weights", "layers", "layer images, one relayout"),
    ("weights", "layers", "layer images + cmin/cmax"),
    ("weights", "layers", "hidden heatmaps: update z"),
    ("weights", "layers", "layer images, 1 px a cell"),
    ("slopes", "bars", "bars restyle y"),
    ("slopes", "outline", "outline restyle y"),
    ("slopes", "outline", "outline animate"),
    ("slopes", "image", "canvas bars + relayout image"),
    ("slopes", "image", "bars image, 96 rows"),
    ("slopes", "image", "bars as an SVG image"),
    ("surface", "image", "relayout image"),
]


# ------------------------------------------------------------------------------ figures
def plotly_js() -> Path:
    """The plotly.js bundle that ships inside the installed plotly package."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def layer_shapes(sizes: list[int]) -> list[tuple[int, int]]:
    """Each layer's weight matrix as (rows, cols): the inputs plus the bias row, the units."""
    return [(a + 1, b) for a, b in itertools.pairwise(sizes)]


def unit_layers(sizes: list[int]) -> list[int]:
    """How many units (slope bars) each hidden or output layer has."""
    return list(sizes[1:])


def _axis(**extra: Any) -> dict[str, Any]:
    return {"automargin": True, "gridcolor": "#e6e9ef", "zeroline": False, **extra}


def _base(height: int) -> dict[str, Any]:
    return {
        "width": WIDTH, "height": height, "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#ffffff", "font": {"size": 11}, "hovermode": "closest",
        "margin": {"l": 10, "r": 10, "t": 8, "b": 10},
    }


def loss_figure(lines: int, points: int, updates: int) -> Fig:
    """Loss lines on top, accuracy lines below (half the lines each), fixed axis ranges.

    The x range leaves room for ``updates`` more epochs, so a growing x never rescales.
    """
    half = lines // 2
    x = list(range(points))
    traces = []
    for k in range(lines):
        traces.append({
            "type": "scatter", "mode": "lines", "name": f"line {k}", "x": x,
            "y": [0.5] * points, "yaxis": "y2" if k >= half else "y",
            "line": {"width": 2, "dash": "dash" if k % half else "solid"},
            "hovertemplate": "%{y:.4g}",
        })
    layout = {
        **_base(320), "hovermode": "x unified",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "xaxis": _axis(anchor="y2", title={"text": "epoch"}, range=[0, points + updates + 10]),
        "yaxis": _axis(domain=[0.42, 1], title={"text": "loss"}, range=[0, 1.2]),
        "yaxis2": _axis(domain=[0, 0.3], title={"text": "accuracy"}, range=[-0.02, 1.02]),
    }
    return {"data": traces, "layout": layout, "meta": {"lines": lines, "points": points}}


def weights_grid(shapes: list[tuple[int, int]], width: int = WIDTH) -> dict[str, Any]:
    """Where each layer's heatmap sits, in paper fractions, as the Train page lays them out.

    Layers sit side by side, at least 95 px each (else they wrap to more rows), each as wide
    as its columns (at least 4); returns the figure height and one box per layer.
    """
    n = len(shapes)
    per_row = max(1, min(n, (width - 150) // 95))
    rows = -(-n // per_row)
    row_h, row_gap = 210, 78
    height = 40 + rows * row_h + (rows - 1) * row_gap + 70
    gap = 38 / max(width - 150, 100)
    boxes = []
    first_total = 0
    for r in range(rows):
        ids = list(range(r * per_row, min(n, (r + 1) * per_row)))
        total = max(sum(max(shapes[i][1], 4) for i in ids), first_total)
        first_total = first_total or total
        usable = 1 - gap * (len(ids) - 1)
        top = 1 - r * (row_h + row_gap) / (height - 110)
        bottom = 1 - (r * (row_h + row_gap) + row_h) / (height - 110)
        x = 0.0
        for i in ids:
            share = usable * max(shapes[i][1], 4) / total
            boxes.append({"x": [x, min(1.0, x + share)], "y": [max(0.0, bottom), min(1.0, top)]})
            x += share + gap
    return {"height": height, "boxes": boxes}


def weights_figure(shapes: list[tuple[int, int]], width: int = WIDTH) -> Fig:
    """One heatmap subplot per layer (last row the biases), all on one colour axis."""
    grid = weights_grid(shapes, width)
    layout = {
        **_base(grid["height"]),
        "coloraxis": {"colorscale": COLORSCALE, "cmin": -1, "cmax": 1,
                      "colorbar": {"title": {"text": "weight"}, "thickness": 10}},
    }
    traces = []
    for i, ((rows, cols), box) in enumerate(zip(shapes, grid["boxes"], strict=True)):
        k = "" if i == 0 else str(i + 1)
        layout["xaxis" + k] = _axis(domain=box["x"], anchor="y" + k, type="category",
                                    showgrid=False, title={"text": f"layer {i + 1}"})
        layout["yaxis" + k] = _axis(domain=box["y"], anchor="x" + k, type="category",
                                    autorange="reversed", showgrid=False)
        traces.append({
            "type": "heatmap", "coloraxis": "coloraxis", "xaxis": "x" + k, "yaxis": "y" + k,
            "x": [f"u{c + 1}" for c in range(cols)],
            "y": [f"in{r + 1}" for r in range(rows - 1)] + ["bias"],
            "z": [[0.0] * cols for _ in range(rows)],
            "xgap": 0 if cols > 40 else 1, "ygap": 0 if rows > 40 else 1,
            "hovertemplate": "%{y} → %{x}: %{z:.4f}<extra></extra>",
        })
    return {"data": traces, "layout": layout, "meta": {"shapes": shapes}}


def weights_canvas_figure(shapes: list[tuple[int, int]], width: int = WIDTH) -> Fig:
    """The weights as one layout image over the whole plot area, painted by the page.

    ``meta.boxes`` are the layers' boxes (paper fractions, as the heatmaps would sit) the
    page paints each layer's cells into.
    """
    grid = weights_grid(shapes, width)
    layout = {
        **_base(grid["height"]),
        "xaxis": {"visible": False, "range": [0, 1]},
        "yaxis": {"visible": False, "range": [0, 1]},
        "images": [{"source": "", "xref": "paper", "yref": "paper", "x": 0, "y": 1,
                    "sizex": 1, "sizey": 1, "xanchor": "left", "yanchor": "top",
                    "sizing": "stretch", "layer": "below"}],
    }
    return {"data": [], "layout": layout, "meta": {"shapes": shapes, "boxes": grid["boxes"]}}


def weights_layers_figure(shapes: list[tuple[int, int]], width: int = WIDTH) -> Fig:
    """The heatmaps' figure (category axes, colour bar, hover) with the heatmaps transparent
    and each layer's cells a layout image over its own axes (one ``images[i]`` a layer,
    ``x = -0.5 .. cols - 0.5``, ``y = -0.5 .. rows - 0.5``: the cells' edges), painted by the
    page at the axes' size in pixels."""
    fig = weights_figure(shapes, width)
    images = []
    for i, (trace, (rows, cols)) in enumerate(zip(fig["data"], shapes, strict=True)):
        trace["opacity"] = 0
        k = "" if i == 0 else str(i + 1)
        images.append({"source": "", "xref": "x" + k, "yref": "y" + k, "x": -0.5, "y": -0.5,
                       "sizex": cols, "sizey": rows, "xanchor": "left", "yanchor": "top",
                       "sizing": "stretch", "layer": "below"})
    fig["layout"]["images"] = images
    return fig


def slope_places(units: list[int]) -> list[list[float]]:
    """Each layer's units' x positions: one apart, layers separated by one empty place."""
    out = []
    x = 0.0
    for n in units:
        out.append([x + i for i in range(n)])
        x += n + 1
    return out


def _slopes_layout(units: list[int]) -> dict[str, Any]:
    end = sum(units) + len(units) - 2
    return {**_base(230), "showlegend": False,
            "xaxis": _axis(range=[-0.6, end + 0.6], showgrid=False),
            "yaxis": _axis(range=[0, 1.05], tickvals=[0, 0.5, 1], title={"text": "slope"})}


def slopes_bars_figure(units: list[int]) -> Fig:
    """One bar trace per layer, one bar per unit."""
    traces = [{"type": "bar", "x": xs, "y": [0.5] * len(xs), "name": f"layer {g + 1}",
               "width": 0.8, "hovertemplate": "%{y:.3f}"}
              for g, xs in enumerate(slope_places(units))]
    return {"data": traces, "layout": _slopes_layout(units), "meta": {"units": units}}


def slopes_outline_figure(units: list[int]) -> Fig:
    """One filled outline per layer: each unit's bar as four corners (0, v, v, 0)."""
    traces = []
    for g, xs in enumerate(slope_places(units)):
        x = [p for c in xs for p in (c - 0.4, c - 0.4, c + 0.4, c + 0.4)]
        traces.append({"type": "scatter", "mode": "lines", "x": x,
                       "y": [0.0, 0.5, 0.5, 0.0] * len(xs), "fill": "toself",
                       "line": {"width": 0.5}, "hoveron": "points", "name": f"layer {g + 1}"})
    return {"data": traces, "layout": _slopes_layout(units), "meta": {"units": units}}


def slopes_image_figure(units: list[int]) -> Fig:
    """The outlines' figure with the outlines transparent (hover only) and the bars a layout
    image over the plot area (``x`` and ``y`` the axes' ranges), painted by the page."""
    fig = slopes_outline_figure(units)
    for trace in fig["data"]:
        trace["opacity"] = 0
    layout = fig["layout"]
    (x0, x1), (y0, y1) = layout["xaxis"]["range"], layout["yaxis"]["range"]
    layout["images"] = [{"source": "", "xref": "x", "yref": "y", "x": x0, "y": y1,
                         "sizex": x1 - x0, "sizey": y1 - y0, "xanchor": "left",
                         "yanchor": "top", "sizing": "stretch", "layer": "below"}]
    return fig


def surface_figure(grid: int = SURFACE_GRID, points: int = SURFACE_POINTS) -> Fig:
    """Data points over a ``grid`` x ``grid`` layout image (the page makes its pixels)."""
    step = 3.0 / (points - 1)
    xs = [-1.5 + i * step for i in range(points)]
    trace = {"type": "scatter", "mode": "markers", "x": xs, "y": [(v * 7) % 3 - 1.5 for v in xs],
             "marker": {"size": 6, "color": [i % 2 for i in range(points)],
                        "colorscale": COLORSCALE, "line": {"width": 1, "color": "#fff"}}}
    layout = {
        **_base(420),
        "xaxis": _axis(range=[-1.5, 1.5]), "yaxis": _axis(range=[-1.5, 1.5]),
        "images": [{"source": "", "xref": "x", "yref": "y", "x": -1.5, "y": 1.5, "sizex": 3,
                    "sizey": 3, "xanchor": "left", "yanchor": "top", "sizing": "stretch",
                    "layer": "below"}],
    }
    return {"data": [trace], "layout": layout, "meta": {"grid": grid}}


def figures(size: str, updates: int) -> dict[str, dict[str, Fig]]:
    """Every chart's figure variants for one network size: chart -> variant -> figure."""
    sizes = SIZES[size]
    shapes = layer_shapes(sizes)
    units = unit_layers(sizes)
    lines, points = LOSS_SIZES[size]
    return {
        "loss": {"lines": loss_figure(lines, points, updates)},
        "weights": {"heatmaps": weights_figure(shapes), "canvas": weights_canvas_figure(shapes),
                    "layers": weights_layers_figure(shapes)},
        "slopes": {"bars": slopes_bars_figure(units), "outline": slopes_outline_figure(units),
                   "image": slopes_image_figure(units)},
        "surface": {"image": surface_figure()},
    }


def size_label(chart: str, size: str) -> str:
    """What "size" means for one chart's row of the table."""
    if chart == "loss":
        lines, points = LOSS_SIZES[size]
        return f"{lines} lines x {points}"
    if chart == "weights":
        shapes = layer_shapes(SIZES[size])
        return f"{len(shapes)} layers, {sum(r * c for r, c in shapes)} w"
    if chart == "slopes":
        return f"{sum(unit_layers(SIZES[size]))} units"
    return f"{SURFACE_GRID}x{SURFACE_GRID} image"


# ------------------------------------------------------------------------------ the page
# The harness: builds the four charts, makes fresh random values for an update (untimed) and
# times one call per update. B.run(chart, call, n) with call null is the baseline: the same
# values and frame waits without the call.
HARNESS = r"""
(() => {
  const P = window.Plotly;
  const CONFIG = { displayModeBar: false, responsive: false, staticPlot: false };
  const ANIMATE = {
    transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: "immediate",
  };
  const els = {};
  const figs = {};
  let step = 0;
  const frame = () => new Promise((r) => {
    requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0)));
  });
  const range = (n) => Array.from({ length: n }, (_, i) => i);

  // a blue-white-red ramp of 256 RGB entries, for the canvas painting of weights
  const STOPS = [[5, 48, 97], [67, 147, 195], [247, 247, 247], [214, 96, 77], [103, 0, 31]];
  const LUT = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (STOPS.length - 1);
    const a = Math.min(Math.floor(t), STOPS.length - 2);
    const f = t - a;
    for (let c = 0; c < 3; c++) LUT[i * 3 + c] = STOPS[a][c] * (1 - f) + STOPS[a + 1][c] * f;
  }
  function cellsImage(z, m) {
    const rows = z.length, cols = z[0].length;
    const img = new ImageData(cols, rows);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const k = Math.max(0, Math.min(255, Math.round(((z[r][c] / m) * 0.5 + 0.5) * 255))) * 3;
        const o = (r * cols + c) * 4;
        img.data[o] = LUT[k];
        img.data[o + 1] = LUT[k + 1];
        img.data[o + 2] = LUT[k + 2];
        img.data[o + 3] = 255;
      }
    }
    return img;
  }
  const big = document.createElement("canvas");
  const small = document.createElement("canvas");
  // every layer's cells into its box of one canvas the size of the plot area; its PNG data URL
  function paintWeights(gd, meta, zs, m) {
    const fl = gd._fullLayout._size;
    big.width = Math.round(fl.w); big.height = Math.round(fl.h);
    const ctx = big.getContext("2d");
    ctx.clearRect(0, 0, big.width, big.height);
    ctx.imageSmoothingEnabled = false;
    zs.forEach((z, i) => {
      const b = meta.boxes[i];
      small.width = z[0].length; small.height = z.length;
      small.getContext("2d").putImageData(cellsImage(z, m), 0, 0);
      const x0 = b.x[0] * big.width, y0 = (1 - b.y[1]) * big.height;
      ctx.drawImage(small, x0, y0, (b.x[1] - b.x[0]) * big.width, (b.y[1] - b.y[0]) * big.height);
    });
    return big.toDataURL("image/png");
  }
  // each layer's cells into its own canvas the size of its axes in pixels (1 px gaps between
  // cells of a small layer, as the heatmaps' xgap/ygap), one data URL a layer
  const layerCanvases = [];
  function paintLayers(gd, zs, m, cellsOnly) {
    const L = gd._fullLayout;
    const dpr = window.devicePixelRatio || 1;
    return zs.map((z, i) => {
      const k = i === 0 ? "" : String(i + 1);
      const rows = z.length, cols = z[0].length;
      // (cellsOnly: one pixel a cell across and down where the cells have no gaps; the
      // image is then scaled up without smoothing, as the page does)
      const px = (ax) => Math.max(1, Math.round(L[ax + k]._length * dpr));
      const w = cellsOnly && cols > 40 ? cols : px("xaxis");
      const h = cellsOnly && rows > 40 ? rows : px("yaxis");
      const cv = (layerCanvases[i] = layerCanvases[i] || document.createElement("canvas"));
      if (cv.width !== w || cv.height !== h) { cv.width = w; cv.height = h; }
      const ctx = cv.getContext("2d");
      const img = ctx.createImageData(w, h);
      const gx = cols > 40 ? 0 : dpr, gy = rows > 40 ? 0 : dpr;
      const cx = new Int32Array(w), cy = new Int32Array(h);
      for (let x = 0; x < w; x++) {
        const c = Math.min(cols - 1, Math.floor((x * cols) / w));
        cx[x] = gx && c < cols - 1 && Math.floor(((x + gx) * cols) / w) > c ? -1 : c;
      }
      for (let y = 0; y < h; y++) {
        const r = Math.min(rows - 1, Math.floor((y * rows) / h));
        cy[y] = gy && r < rows - 1 && Math.floor(((y + gy) * rows) / h) > r ? -1 : r;
      }
      const d = img.data;
      for (let y = 0; y < h; y++) {
        const r = cy[y];
        if (r < 0) continue;
        const row = z[r];
        for (let x = 0; x < w; x++) {
          const c = cx[x];
          if (c < 0) continue;
          const j = Math.max(0, Math.min(255, Math.round(((row[c] / m) * 0.5 + 0.5) * 255))) * 3;
          const o = (y * w + x) * 4;
          d[o] = LUT[j]; d[o + 1] = LUT[j + 1]; d[o + 2] = LUT[j + 2]; d[o + 3] = 255;
        }
      }
      ctx.putImageData(img, 0, 0);
      return cv.toDataURL("image/png");
    });
  }
  const bars = document.createElement("canvas");
  // the slopes' bars into one canvas the size of the plot area (the axes' ranges)
  function paintBars(gd, units, vs, rows) {
    const L = gd._fullLayout;
    const xa = L.xaxis, ya = L.yaxis;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(xa._length * dpr);
    const h = Math.min(Math.round(ya._length * dpr), rows || Infinity);
    const sy = h / (ya._length * dpr);
    if (bars.width !== w || bars.height !== h) { bars.width = w; bars.height = h; }
    const ctx = bars.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const colours = ["#4c78a8", "#9ecae9"];
    let x = 0;
    units.forEach((n, g) => {
      ctx.fillStyle = colours[g % 2];
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        const px0 = xa.l2p(x + i - 0.4), px1 = xa.l2p(x + i + 0.4);
        const top = Math.round(ya.l2p(vs[g][i]) * sy), base = ya.l2p(0) * sy;
        ctx.rect(px0, top, Math.max(px1 - px0, 0.5), base - top);
      }
      ctx.fill();
      x += n + 1;
    });
    return bars.toDataURL("image/png");
  }
  // the bars as an SVG document (one rect a unit) in a data URL: no canvas to encode
  function svgBars(gd, units, vs) {
    const ya = gd._fullLayout.yaxis;
    const top = ya.range[1];
    const end = units.reduce((a, n) => a + n + 1, -1);
    const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${end + 1.2} ${top}"`
                   + ' preserveAspectRatio="none">'];
    let x = 0;
    units.forEach((n, g) => {
      parts.push(`<g fill="${g % 2 ? "#9ecae9" : "#4c78a8"}">`);
      for (let i = 0; i < n; i++) {
        const v = vs[g][i];
        parts.push(`<rect x="${(x + i + 0.2).toFixed(2)}" y="${(top - v).toFixed(4)}"`
                   + ` width="0.8" height="${v.toFixed(4)}"/>`);
      }
      parts.push("</g>");
      x += n + 1;
    });
    parts.push("</svg>");
    return "data:image/svg+xml;base64," + btoa(parts.join(""));
  }
  // a chart's layout images scaled up without smoothing
  function crisp(gd) {
    for (const img of gd.querySelectorAll(".imagelayer image")) {
      img.setAttribute("image-rendering", "pixelated");
    }
  }
  const surf = document.createElement("canvas");
  function surfaceURL(grid) {
    surf.width = grid; surf.height = grid;
    const z = range(grid).map(() => range(grid).map(() => Math.random() * 2 - 1));
    surf.getContext("2d").putImageData(cellsImage(z, 1), 0, 0);
    return surf.toDataURL("image/png");
  }

  // fresh random values for one update of a chart
  const PREP = {
    loss(fig, i) {
      const { lines, points } = fig.meta;
      const x = range(points).map((k) => k + i + 1);
      const ys = range(lines).map(() => {
        let v = 0.6 + Math.random() * 0.2;
        const walk = () => (v = Math.max(0, Math.min(1.1, v + (Math.random() - 0.5) * 0.05)));
        return range(points).map(walk);
      });
      return { x, ys, last: points + i, layout: structuredClone(fig.layout) };
    },
    weights(fig) {
      const m = 0.5 + Math.random();
      const row = (cols) => range(cols).map(() => (Math.random() * 2 - 1) * m);
      const zs = fig.meta.shapes.map(([rows, cols]) => range(rows).map(() => row(cols)));
      return { zs, m, layout: structuredClone(fig.layout) };
    },
    slopes(fig) {
      return { vs: fig.meta.units.map((n) => range(n).map(() => Math.random())) };
    },
    surface(fig) {
      return { source: surfaceURL(fig.meta.grid) };
    },
  };
  const idx = (arr) => arr.map((_, k) => k);
  const corners = (v) => v.flatMap((s) => [0, s, s, 0]); // a layer's outline: 0, v, v, 0 per unit
  const CALLS = {
    "react": (gd, fig, d) => gd.__chart === "loss"
      ? P.react(gd, fig.data.map((t, k) => ({ ...t, x: d.x, y: d.ys[k] })), d.layout, CONFIG)
      : P.react(gd, fig.data.map((t, k) => ({ ...t, z: d.zs[k] })),
          Object.assign(d.layout, { coloraxis: { ...d.layout.coloraxis, cmin: -d.m, cmax: d.m } }),
          CONFIG),
    "extendTraces": (gd, fig, d) => P.extendTraces(gd,
      { x: d.ys.map(() => [d.last]), y: d.ys.map((y) => [y[y.length - 1]]) }, idx(d.ys),
      fig.meta.points),
    "animate": (gd, fig, d) => P.animate(gd,
      { data: d.ys.map((y) => ({ x: d.x, y })), traces: idx(d.ys) }, ANIMATE),
    "restyle x/y": (gd, fig, d) => P.restyle(gd, { x: d.ys.map(() => d.x), y: d.ys }, idx(d.ys)),
    "restyle z per layer": (gd, fig, d) => {
      let last;
      d.zs.forEach((z, k) => { last = P.restyle(gd, { z: [z] }, [k]); });
      return last;
    },
    "restyle z (one call)": (gd, fig, d) => P.restyle(gd, { z: d.zs }, idx(d.zs)),
    "update z + cmin/cmax": (gd, fig, d) => P.update(gd, { z: d.zs },
      { "coloraxis.cmin": -d.m, "coloraxis.cmax": d.m }, idx(d.zs)),
    "canvas + relayout image": (gd, fig, d) => P.relayout(gd,
      { "images[0].source": paintWeights(gd, fig.meta, d.zs, d.m) }),
    "layer images, one relayout": (gd, fig, d) => {
      const update = {};
      paintLayers(gd, d.zs, d.m).forEach((src, i) => { update[`images[${i}].source`] = src; });
      return P.relayout(gd, update);
    },
    "layer images + cmin/cmax": (gd, fig, d) => {
      const update = { "coloraxis.cmin": -d.m, "coloraxis.cmax": d.m };
      paintLayers(gd, d.zs, d.m).forEach((src, i) => { update[`images[${i}].source`] = src; });
      return P.relayout(gd, update);
    },
    "hidden heatmaps: update z": (gd, fig, d) => P.restyle(gd, { z: d.zs }, idx(d.zs)),
    "layer images, 1 px a cell": (gd, fig, d) => {
      const update = {};
      const srcs = paintLayers(gd, d.zs, d.m, true);
      srcs.forEach((src, i) => { update[`images[${i}].source`] = src; });
      const r = P.relayout(gd, update);
      crisp(gd);
      return r;
    },
    "bars image, 96 rows": (gd, fig, d) => {
      const r = P.relayout(gd, { "images[0].source": paintBars(gd, fig.meta.units, d.vs, 96) });
      crisp(gd);
      return r;
    },
    "bars as an SVG image": (gd, fig, d) => P.relayout(gd,
      { "images[0].source": svgBars(gd, fig.meta.units, d.vs) }),
    "canvas bars + relayout image": (gd, fig, d) => P.relayout(gd,
      { "images[0].source": paintBars(gd, fig.meta.units, d.vs) }),
    "bars restyle y": (gd, fig, d) => P.restyle(gd, { y: d.vs }, idx(d.vs)),
    "outline restyle y": (gd, fig, d) => P.restyle(gd, { y: d.vs.map(corners) }, idx(d.vs)),
    "outline animate": (gd, fig, d) => P.animate(gd,
      { data: d.vs.map((v) => ({ y: corners(v) })), traces: idx(d.vs) }, ANIMATE),
    "relayout image": (gd, fig, d) => P.relayout(gd, { "images[0].source": d.source }),
  };

  async function draw(chart, fig) {
    let el = els[chart];
    if (!el) {
      el = els[chart] = document.createElement("div");
      el.style.width = "700px";
      el.__chart = chart;
      document.getElementById("charts").appendChild(el);
    } else {
      P.purge(el);
    }
    figs[chart] = fig;
    const layout = structuredClone(fig.layout);
    await P.newPlot(el, structuredClone(fig.data), layout, CONFIG);
    if (chart === "surface") {
      await P.relayout(el, { "images[0].source": surfaceURL(fig.meta.grid) });
    }
    if (chart === "weights" && fig.layout.images && fig.data.length) {
      const d = PREP.weights(fig);
      const update = {};
      paintLayers(el, d.zs, d.m).forEach((src, i) => { update[`images[${i}].source`] = src; });
      await P.relayout(el, update);
    }
    if (chart === "slopes" && fig.layout.images) {
      const d = PREP.slopes(fig);
      await P.relayout(el, { "images[0].source": paintBars(el, fig.meta.units, d.vs) });
    }
    if (chart === "weights" && !fig.data.length) {
      const d = PREP.weights(fig);
      await P.relayout(el, { "images[0].source": paintWeights(el, fig.meta, d.zs, d.m) });
    }
    await frame();
  }

  // what the chart shows: its SVG's markup (paths, image sources), to see that updates drew
  const shown = (gd) => Array.from(gd.querySelectorAll("svg"), (svg) => svg.innerHTML).join("");

  async function run(chart, call, n) {
    const gd = els[chart];
    const fig = figs[chart];
    const fn = call ? CALLS[call] : null;
    const js = [];
    const full = [];
    const before = shown(gd);
    for (let i = 0; i < n; i++) {
      const d = PREP[chart](fig, step++);
      const t0 = performance.now();
      const r = fn ? fn(gd, fig, d) : null;
      const t1 = performance.now();
      if (r && r.then) await r;
      await frame();
      js.push(t1 - t0);
      full.push(performance.now() - t0);
    }
    return { js, full, drew: shown(gd) !== before };
  }

  window.B = { draw, run };
})();
"""

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 8px; font-family: sans-serif; }
#charts { display: grid; grid-template-columns: 700px 700px; gap: 12px; align-items: start; }
</style></head><body><div id="charts"></div></body></html>"""

METRICS = ("TaskDuration", "LayoutDuration", "RecalcStyleDuration")


def _metrics(cdp: Any) -> dict[str, float]:
    got = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {k: got.get(k, 0.0) for k in METRICS}


def _timed(page: Any, cdp: Any, chart: str, call: str | None, n: int) -> dict[str, float]:
    """One loop of n updates: mean JS ms, median ms to the next frame, main-thread ms deltas."""
    before = _metrics(cdp)
    out = page.evaluate("([c, call, n]) => B.run(c, call, n)", [chart, call, n])
    after = _metrics(cdp)
    res = {k: (after[k] - before[k]) * 1000 / n for k in METRICS}
    res["js"] = statistics.fmean(out["js"])
    res["frame"] = statistics.median(out["full"])
    res["drew"] = out["drew"]
    return res


def measure(updates: int, warmup: int) -> list[dict[str, Any]]:
    """Every (size, chart, call) row, measured in one headless Chromium."""
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1460, "height": 1150})
        page.set_content(PAGE)
        page.add_script_tag(path=str(plotly_js()))
        page.add_script_tag(content=HARNESS)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        for size in SIZES:
            figs = figures(size, updates + warmup)
            shown = {"loss": "lines", "weights": "heatmaps", "slopes": "bars", "surface": "image"}
            for chart, variant in shown.items():
                page.evaluate("([c, f]) => B.draw(c, f)", [chart, figs[chart][variant]])
            base: dict[str, dict[str, float]] = {}
            for chart, variant, call in CALLS:
                page.evaluate("([c, f]) => B.draw(c, f)", [chart, figs[chart][variant]])
                if chart not in base:
                    page.evaluate("([c, n]) => B.run(c, null, n)", [chart, warmup])
                    base[chart] = _timed(page, cdp, chart, None, updates)
                page.evaluate("([c, call, n]) => B.run(c, call, n)", [chart, call, warmup])
                got = _timed(page, cdp, chart, call, updates)
                b = base[chart]
                task = max(got["TaskDuration"] - b["TaskDuration"], got["js"])
                rows.append({
                    "chart": chart, "size": size_label(chart, size), "call": call,
                    "js": got["js"], "task": task,
                    "layout": max(0.0, got["LayoutDuration"] + got["RecalcStyleDuration"]
                                  - b["LayoutDuration"] - b["RecalcStyleDuration"]),
                    "frame": got["frame"], "base_frame": b["frame"], "drew": got["drew"],
                })
                print(f"  {chart:8} {size:9} {call:26} {got['js']:7.2f} {task:7.2f}",
                      file=sys.stderr, flush=True)
        browser.close()
    return rows


COLUMNS = [("chart", 8), ("size", 18), ("call", 26), ("JS ms", 7), ("full ms", 7),
           ("after", 6), ("lay+sty", 7), ("upd/s", 6), ("to frame", 8)]


def table(rows: list[dict[str, Any]], updates: int, load: tuple[float, float, float],
          seconds: float | None = None) -> str:
    """The printed table: one row per chart / size / call."""
    took = f"; took {seconds:.0f} s" if seconds else ""
    out = [
        f"Plotly update calls in headless Chromium, {WIDTH} px charts, {updates} updates each; "
        f"load average before the run {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"({os.cpu_count()} cores){took}",
        "JS ms: inside the call. full ms: renderer main-thread busy time per update (the call, "
        "Plotly's deferred drawing, style, layout, paint) less the same loop without the call. "
        "after: full - JS. lay+sty: layout and style recalculation within full. upd/s: 1000 / "
        "full, the most the main thread allows. to frame: median ms from the call until its "
        "frame is done (frames come at 60 Hz, so at least ~17-33 ms).",
        "",
        "| " + " | ".join(f"{name:{'<' if i < 3 else '>'}{w}}"
                         for i, (name, w) in enumerate(COLUMNS)) + " |",
        "|" + "|".join("-" * (w + 2) for _, w in COLUMNS) + "|",
    ]
    for r in rows:
        ups = 1000 / r["task"] if r["task"] > 0 else float("inf")
        cells = [r["chart"], r["size"], r["call"], f"{r['js']:.2f}", f"{r['task']:.2f}",
                 f"{r['task'] - r['js']:.2f}", f"{r['layout']:.2f}", f"{ups:.0f}",
                 f"{r['frame']:.1f}"]
        out.append("| " + " | ".join(f"{c:{'<' if i < 3 else '>'}{w}}"
                                     for i, (c, (_, w)) in enumerate(zip(cells, COLUMNS,
                                                                         strict=True))) + " |")
    still = [f"{r['chart']} {r['size']} {r['call']}" for r in rows if not r.get("drew", True)]
    if still:
        out.append("NOT DRAWN (the chart's SVG did not change over the updates): "
                   + "; ".join(still))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 updates per call (a smoke run)")
    parser.add_argument("--updates", type=int, default=60, help="updates timed per call")
    args = parser.parse_args(argv)
    updates = 8 if args.quick else args.updates
    load = os.getloadavg()
    t0 = time.monotonic()
    rows = measure(updates, warmup=2 if args.quick else 5)
    print(table(rows, updates, load, time.monotonic() - t0))
    print(json.dumps({"load": load, "updates": updates, "rows": rows}), file=sys.stderr)


if __name__ == "__main__":
    main()
