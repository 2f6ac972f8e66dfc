"""The live charts' numbers as tables, shown while paused ("Show the charts as tables" on the
Train page): for a screen reader, or anyone who wants the numbers the colours stand for.

- the loss history (the same decimated points the loss chart draws),
- every weight layer as a matrix (rows: from, the bias last; columns: to),
- the decision surface's grid: how many of its points each class takes (regression: the
  output's range over the grid).

Built from the view the live element draws (:class:`ui.live.view.LiveView`) and the trainer it
draws, so the tables hold exactly the numbers on screen (the scrubber's epoch included).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ui.live.loss import loss_history
from ui.live.protocol import LOSS_KEYS
from ui.live.weights import weight_matrices
from ui.views.charts import unpack

LOSS_TITLES = {"train_loss": "train loss", "test_loss": "test loss", "val_loss": "validation loss"}


def loss_table(history: Any, metric_name: str) -> pd.DataFrame:
    """The loss chart's points: epoch, then each series the run has (empty ones left out)."""
    spec = loss_history(history)
    metric = "R²" if metric_name == "r2" else "accuracy"
    titles = {**LOSS_TITLES, "train_metric": f"train {metric}", "test_metric": f"test {metric}"}
    columns = {"epoch": _values(spec["epoch"]).astype(int)}
    for key in LOSS_KEYS:
        v = _values(spec[key])
        if len(v) and np.isfinite(v).any():
            columns[titles[key]] = v
    return pd.DataFrame(columns)


def weight_tables(trainer: Any, names: list[list[str]]) -> list[tuple[str, pd.DataFrame]]:
    """Each layer's weights as ``(title, table)``: a row per input unit (and "bias"), a column
    per unit of the next layer."""
    net = trainer.network
    mats = weight_matrices([np.asarray(w) for w in net.weights],
                           [None if b is None else np.asarray(b) for b in net.biases])
    out = []
    for layer, m in enumerate(mats):
        rows = list(names[layer]) + (["bias"] if m.shape[0] > len(names[layer]) else [])
        cols = _unique(names[layer + 1])
        table = pd.DataFrame(np.asarray(m, dtype=float), index=_unique(rows), columns=cols)
        out.append((f"Layer {layer + 1}: {len(names[layer])} → {len(names[layer + 1])}", table))
    return out


def surface_table(view: Any, trainer: Any) -> pd.DataFrame:
    """The decision surface's grid in numbers: per class, the points where the network
    predicts it and their share; for regression, the output's lowest, mean and highest value
    on the grid."""
    _, acts = trainer.network.forward_layers(view.grid_in)
    outputs = np.asarray(trainer.coding.decode(acts[-1]), dtype=float)
    ds = trainer.dataset
    if ds.task == "regression":
        z = outputs.reshape(len(outputs), -1)[:, 0]
        return pd.DataFrame({"output on the grid": ["lowest", "mean", "highest"],
                             "value": [z.min(), z.mean(), z.max()]})
    if outputs.ndim == 1 or outputs.shape[1] == 1:
        k = (outputs.reshape(-1) >= 0.5).astype(int)
    else:
        k = outputs.argmax(axis=1)
    counts = np.bincount(k, minlength=len(ds.classes))[:len(ds.classes)]
    return pd.DataFrame({"class": [str(c) for c in ds.classes], "grid points": counts,
                         "share": [f"{c / max(counts.sum(), 1):.1%}" for c in counts]})


def _values(packed: Any) -> np.ndarray:
    return np.asarray(unpack(packed), dtype=float)


def _unique(names: list[str]) -> list[str]:
    """Names made distinct for a table's header (a repeat gets " (2)")."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        out.append(_next(str(n), seen))
    return out


def _next(name: str, seen: dict[str, int]) -> str:
    seen[name] = seen.get(name, 0) + 1
    return name if seen[name] == 1 else f"{name} ({seen[name]})"
