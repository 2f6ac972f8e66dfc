"""The live element's frame contract: what the server sends and the browser reads.

One message to the element (``ui.live.panel``) holds ``static`` (the view's fixed part, kept
by its ``key``), ``history`` (the loss history and ranges, once a message) and ``frames``
(snapshots of the run). The names, orders, colours and fonts both sides use are written here
once; :func:`message` travels inside the static part (``static["protocol"]``) and the
browser's code reads every such constant from it, never a copy of its own.

A frame (:meth:`ui.live.view.LiveView.frame`) has the fields :data:`FRAME_FIELDS`; its
``loss`` is the newest history row ``[epoch, *LOSS_KEYS]``.
"""

from __future__ import annotations

from typing import Any

CHARTS = ("surface", "network", "loss", "weights", "slopes")  # the element's cells, in order
PLOTS = ("loss", "weights", "slopes")  # the charts drawn as Plotly figures updated in place
# the part of a frame each Plotly chart reads (the weights' numbers ride with the network's)
FRAME_PART = {"loss": "loss", "weights": "network", "slopes": "slopes"}
FRAME_FIELDS = ("epoch", "text", "surface", "network", "loss", "best_epoch", "slopes")
# the loss series a history carries and a frame's ``loss`` row lists after its epoch, in order
LOSS_KEYS = ("train_loss", "test_loss", "train_metric", "test_metric", "val_loss")

FONT_FAMILY = "'Source Sans Pro', 'Source Sans 3', sans-serif"
FONT = f"12px {FONT_FAMILY}"  # the network diagram's names
SMALL = f"10px {FONT_FAMILY}"  # its bias labels
TITLE = f"600 13px {FONT_FAMILY}"  # a canvas chart's title
INK, MUTED = "#1f2430", "#5a6270"  # text and lines; the bias nodes' outlines
MAX_QUEUE = 48  # frames the element keeps to play: about two ticks' (panel.frames_per_tick)

# One visual language for the data's splits, in every chart of every page (the live charts,
# Compare runs, the Data page, How good is it, Predict): a split's line has one dash, its
# points one marker. Training: solid lines, filled circles; test: dashed lines, hollow circles
# (white inside, a ring in the point's colour); validation: dotted lines. ``ui.views.charts``'
# ``split_line`` and ``split_marker`` build every such trace from these, and captions name the
# convention with :data:`SPLIT_KEY`.
SPLITS: dict[str, dict[str, Any]] = {
    "train": {"dash": "solid", "symbol": "circle", "filled": True},
    "test": {"dash": "dash", "symbol": "circle", "filled": False},
    "validation": {"dash": "dot", "symbol": "circle", "filled": False},
}
LINE_KEY = "solid: training, dashed: test"  # what a caption or title says of the lines
POINT_KEY = "filled circles: training rows, hollow circles: test rows"  # and of the points
SPLIT_KEY = "training: solid lines, filled circles; test: dashed lines, hollow circles"


def message() -> dict[str, Any]:
    """The contract's constants as the browser reads them (``static["protocol"]``)."""
    return {
        "charts": list(CHARTS), "plots": list(PLOTS), "frame_part": dict(FRAME_PART),
        "loss_keys": list(LOSS_KEYS), "font": FONT, "small": SMALL, "title": TITLE,
        "ink": INK, "muted": MUTED, "max_queue": MAX_QUEUE, "splits": SPLITS,
        "line_key": LINE_KEY, "point_key": POINT_KEY, "split_key": SPLIT_KEY,
    }
