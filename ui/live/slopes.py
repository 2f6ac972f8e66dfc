"""The unit slopes (drawn by ``slopes.js``): each hidden unit's mean |f'(z)| on a sample of
the training rows, as a fraction of its activation's largest slope; a saturated unit's is
near 0."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from nn_core.engine import activations
from ui.views.charts import BASE_LAYOUT, Spec, pack, plot_axis
from ui.views.text import plotly_text

SLOPE_COLORS = ("#4c78a8", "#9ecae9")  # the slope bars, alternating layer by layer
SATURATED = 0.01  # a unit whose mean slope is below 1% of its activation's largest is saturated


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
        if name == "softmax":
            out.append(None)
            continue
        d = activations.derivative(name, np.asarray(a, dtype=float))
        out.append((d.mean(axis=0) / activations.largest_slope(name), np.abs(z).mean(axis=0)))
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
        if act == "softmax":
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


SLOPE_LABEL_PX = 18  # pixels per unit from which every unit gets its own label
LABEL_CHAR_PX = 6.5  # a tick label's width per character at the charts' font size
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
              "xaxis": plot_axis(tickmode="array", showgrid=False),
              "yaxis": plot_axis(range=[0, SLOPE_TOP], tickvals=[0, 0.5, 1],
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
