"""What the Train page's charts and the other pages share: colours, arrays, names, axes.

Each live chart has its own module in :mod:`ui.live` (``surface``, ``network``, ``loss``,
``weights``, ``slopes``: its static part and its frame packer, beside its ``.js`` renderer);
what more than one of them, or another page, uses is here, once.

Numeric arrays are packed as Plotly's typed-array specs (``{"dtype", "bdata", "shape"}``,
float32, base64) — compact to send, cheap to decode; :func:`unpack` reads one back. User
text (feature, target and class names) reaches a chart only through
:func:`ui.views.text.plotly_text` (for Plotly: the ``*_text`` fields) and is drawn on the network's
canvas as plain text.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nn_core.io.export import probability_column
from ui.live.protocol import FONT_FAMILY, INK, SPLITS

Spec = dict[str, Any]
TRAIN_COLOR, TEST_COLOR, VAL_COLOR = "#1f77b4", "#ff7f0e", "#2ca02c"


def split_line(split: str, color: str, width: float = 2.0) -> Spec:
    """A line of ``split``'s numbers (``"train"``, ``"test"``, ``"validation"``): its colour
    and the split's dash (:data:`ui.live.protocol.SPLITS`)."""
    return {"color": color, "width": width, "dash": SPLITS[split]["dash"]}


def split_marker(split: str, color: Any, size: float = 7.0, **scale: Any) -> Spec:
    """Points of ``split``'s rows: training rows filled circles (a white rim), test rows hollow
    circles (white inside, a ring in ``color``), as :data:`ui.live.protocol.SPLITS` says.

    ``color`` is one colour, one per point, or values with a colour ``scale`` (``colorscale``,
    ``cmin``, ``cmax``; the colour bar's settings go to the filled points only)."""
    style = SPLITS[split]
    if style["filled"]:
        return {"symbol": style["symbol"], "size": size, "color": color, **scale,
                "line": {"color": "#ffffff", "width": 0.8}}
    ring = {k: v for k, v in scale.items() if k in ("colorscale", "cmin", "cmax")}
    return {"symbol": style["symbol"], "size": size + 1, "color": "#ffffff",
            "line": {"color": color, "width": 2.0, **ring}}


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
            given = [short_name(f, limit) for f in feature_names][:n]
            given += [f"x{i + 1}" for i in range(len(given), n)]
        elif layer == len(sizes) - 1:
            given = [short_name(o, limit) for o in output_names][:n]
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


def short_name(text: object, limit: int | None = 24) -> str:
    s = " ".join(str(text).split())
    return s if limit is None or len(s) <= limit else s[: limit - 1] + "…"


def output_names(task: str, classes: Sequence[str], target_name: str, n_out: int) -> list[str]:
    """Names of the output units: the classes (softmax), ``p(<class 1>)`` or the target."""
    if task != "regression" and n_out == len(classes):
        return list(classes)
    if task != "regression" and n_out == 1 and len(classes) == 2:
        return [probability_column(classes[1])]
    return [target_name] if n_out == 1 else [f"{target_name} {i + 1}" for i in range(n_out)]


# The loss, weights and slopes figures are built here once per view, without their numbers;
# the live element fills in each frame's numbers and updates them in place.
BASE_LAYOUT: Spec = {
    "font": {"family": FONT_FAMILY, "size": 11, "color": INK},
    "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "#ffffff",
    "hovermode": "closest", "dragmode": "zoom", "margin": {"l": 10, "r": 10, "t": 8, "b": 10},
}


def plot_axis(**extra: Any) -> Spec:
    return {"automargin": True, "gridcolor": "#e6e9ef", "zeroline": False,
            "linecolor": "#c8ccd4", **extra}
