"""Snapshots of a training run for the live element: what the browser draws, frame by frame.

A :class:`LiveView` is built once per trainer and view options (which two inputs the surface
shows, discretised or not, log-scale loss). It precomputes what does not change while the
weights do — the surface grid already preprocessed, the network's geometry, the data points,
the figure layouts — so that a frame costs one forward pass over the grid, one over a sample of
the training rows, and a few small arrays. :meth:`LiveView.static` is sent with every message
(the browser keeps it by ``key``); :meth:`LiveView.frame` is one snapshot.

It assembles them from the chart modules (:mod:`.surface`, :mod:`.network`, :mod:`.loss`,
:mod:`.weights`, :mod:`.slopes`). No Streamlit here: :mod:`ui.live.panel` sends these dicts;
tests read them directly.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ui.live import protocol
from ui.live.loss import loss_history, loss_point, loss_ranges, loss_static
from ui.live.network import (
    NetworkGeometry,
    map_points,
    map_size,
    maps_static,
    network_frame,
    network_static,
    unit_maps,
)
from ui.live.slopes import slopes_frame, slopes_static, unit_slopes
from ui.live.surface import surface_axes, surface_figure, surface_grid, surface_values, value_range
from ui.live.weights import weights_static
from ui.views.charts import node_names, output_names, pack

SLOPE_ROWS = 1000  # training rows used for the unit-slope chart (a fixed, evenly spaced sample)
GRID = 50  # surface grid points per axis (at most)
GRID_BUDGET = 160_000  # grid rows × hidden units per frame: big networks get a coarser grid


class TrainerLike(Protocol):
    """What a view reads from ``nn_core.training.trainer.Trainer``."""

    settings: Any
    dataset: Any
    network: Any
    preprocessor: Any
    epoch: int
    X_train: np.ndarray
    history: Any
    stop_reason: str | None
    metric_name: str
    coding: Any
    test_idx: np.ndarray
    val_idx: np.ndarray
    best_epoch: int | None
    feature_names: list[str]


@dataclass(frozen=True)
class ViewOptions:
    """What a :class:`LiveView` is built for (none of these touch the training): the session's
    view choices (:class:`ui.session.choices.ViewChoices`, which names them and says which a
    link carries) as they stand, with what the data decides. Frozen: it is part of the view's
    cache key."""

    surface_x: int = 0  # the surface's horizontal input
    surface_y: int = 1  # ... and its vertical one
    discretise: bool = False
    log_loss: bool = False
    grid: int = GRID
    # (feature index, value) for inputs the surface does not plot; the others sit at their mean.
    # A change rebuilds the view (and its grid) once; frames cost the same as before.
    held: tuple[tuple[int, float], ...] = ()
    # dataset rows to ring on the surface (the rows the classifier gets wrong; set when paused)
    marked: tuple[int, ...] = ()


def held_out_mask(trainer: TrainerLike) -> np.ndarray:
    """Which rows of the trainer's dataset are test rows (bool, one per row)."""
    mask = np.zeros(trainer.dataset.n_samples, dtype=bool)
    mask[np.asarray(trainer.test_idx, dtype=np.int64)] = True
    return mask


class LiveView:
    """Turns a trainer's current state into JSON-ready frames for the live element."""

    def __init__(self, trainer: TrainerLike, options: ViewOptions, revision: str = "") -> None:
        self.trainer = trainer
        self.options = options
        ds = trainer.dataset
        net = trainer.network
        ix, iy = surface_axes(ds.n_features, options.surface_x, options.surface_y)
        self.ix, self.iy = ix, iy
        self.task = ds.task
        outs = output_names(ds.task, ds.classes, ds.target_name, net.sizes[-1])
        self.names = node_names(net.sizes, list(trainer.feature_names),
                                       outs)
        full_names = node_names(net.sizes, list(trainer.feature_names), outs, limit=None)
        geometry = NetworkGeometry(net.sizes, net.bias)
        # the surface grid in raw units, preprocessed once; its forward pass is most of a
        # frame's cost, so a big network gets fewer (smoothed) grid points
        units = max(sum(net.sizes[1:-1]), 1)
        n = self.grid = min(options.grid, max(24, int((GRID_BUDGET / units) ** 0.5)))
        xs, ys, grid_raw = surface_grid(ds.X, ix, iy, n, held=dict(options.held))
        self.map_points = map_points(n, map_size(n, units))
        self.grid_in = np.ascontiguousarray(trainer.preprocessor.transform(grid_raw), dtype=float)
        self.value_range = value_range(ds.y, ds.task)
        rows = np.asarray(trainer.X_train, dtype=float)
        if len(rows) > SLOPE_ROWS:
            rows = rows[np.linspace(0, len(rows) - 1, SLOPE_ROWS).round().astype(np.int64)]
        self.slope_rows = np.ascontiguousarray(rows)
        figure, grid = surface_figure(
            ds.X, ds.y, held_out_mask(trainer), ix=ix, iy=iy, feature_names=ds.feature_names,
            task=ds.task, classes=ds.classes, n=n, uirevision=f"{revision}:{ix}:{iy}",
            marked=options.marked,
        )
        self._static = {
            "surface": {"figure": figure, "grid": grid},
            "network": network_static(geometry, self.names, full_names),
            "loss": loss_static(trainer.metric_name, options.log_loss,
                                       validation=len(trainer.val_idx) > 0),
            "weights": weights_static(net.sizes, net.bias, self.names),
            "slopes": slopes_static(self.names, net.layer_activations),
            "protocol": protocol.message(),
        }
        # each hidden unit's own map over the same two inputs (drawn in its node, and on the
        # surface while the pointer is on that node)
        self._static["network"]["maps"] = maps_static(
            list(net.sizes), list(net.layer_activations), self.names,
            xs[self.map_points], ys[self.map_points])
        digest = hashlib.blake2b(json.dumps(self._static, sort_keys=True).encode(),
                                 digest_size=8)
        self.key = f"{revision}-{digest.hexdigest()}"
        self._frame_bytes: int | None = None
        self._static["key"] = self.key

    @property
    def frame_bytes(self) -> int:
        """A frame's size as sent (JSON bytes of one frame of this view, measured once)."""
        if self._frame_bytes is None:
            self._frame_bytes = len(json.dumps(self.frame()))
        return self._frame_bytes

    def history(self) -> dict[str, Any]:
        """The loss history and the loss chart's axis ranges for the run as it is now (sent
        once per message; frames carry their newest point, and a look back shows the later
        epochs faint within the same ranges)."""
        history = loss_history(self.trainer.history)
        history["ranges"] = loss_ranges(self.trainer.history, self._static["loss"])
        return history

    def static(self) -> dict[str, Any]:
        """Everything that stays fixed while the weights change (kept by ``key``)."""
        return self._static

    def frame(self, trainer: TrainerLike | None = None) -> dict[str, Any]:
        """One snapshot of the run: every chart's changing numbers and the readout. ``trainer``
        draws another state of the same run instead (the scrubber's look back at an epoch:
        ``Trainer.at_epoch``); the view's grid and layouts fit it unchanged."""
        t = trainer or self.trainer
        net = t.network
        weights = [np.array(w) for w in net.weights]
        biases = [None if b is None else np.array(b) for b in net.biases]
        n = self.grid
        _, grid_acts = net.forward_layers(self.grid_in)
        outputs = t.coding.decode(grid_acts[-1])  # probabilities or values
        z = surface_values(outputs, self.task, n, self.options.discretise,
                                  self.value_range)
        zs, acts = net.forward_layers(self.slope_rows)
        slopes = unit_slopes(zs, acts, net.layer_activations)
        network = network_frame(weights, biases)
        network["maps"] = unit_maps(grid_acts, list(net.layer_activations), n, self.map_points)
        return {
            "epoch": int(t.epoch),
            "text": readout(t),
            "surface": {"z": pack(z)},
            "network": network,
            "loss": newest_loss(t),
            "best_epoch": best_epoch(t),
            "slopes": slopes_frame(slopes),
        }


def _last(history: Any, key: str) -> float | None:
    try:
        values = history[key]
    except (KeyError, TypeError):
        return None
    if len(values) == 0:
        return None
    v = float(values[-1])
    return v if np.isfinite(v) else None


def best_epoch(trainer: TrainerLike) -> int | None:
    """The epoch early stopping holds as the best so far (None when it is off)."""
    if trainer.settings.patience <= 0 or trainer.best_epoch is None:
        return None
    return int(trainer.best_epoch)


def newest_loss(trainer: TrainerLike) -> list[float | None]:
    """The loss chart's newest point: the history's last row, or, after a step applied by hand
    (How it works), the losses of the network now at its epoch (the line's last point moves
    to the loss after that step)."""
    if not getattr(trainer, "hand_stepped", False):
        return loss_point(trainer.history)
    cur = trainer.current()
    return loss_point({k: [cur[k]] for k in ("epoch", *protocol.LOSS_KEYS)})


def held_epoch(trainer: TrainerLike) -> int | None:
    """The epoch of the network held when it is not the epoch trained to (early stopping put
    the best weights back), else None."""
    held = getattr(trainer, "held_epoch", None)
    return int(held) if held is not None and held != trainer.epoch else None


def readout(trainer: TrainerLike) -> str:
    """One line: train and test loss, and accuracy or R² (for the element's header), of the
    network the trainer holds.

    No epoch, but for a network early stopping put back ("epoch 100 (held)"): the page's
    "Epoch N" heading is the one place the epoch trained to is shown."""
    h = trainer.history
    parts = []
    held = held_epoch(trainer)
    if held is not None or getattr(trainer, "hand_stepped", False):
        # early stopping put an earlier epoch's weights back, or a step by hand moved them:
        # the numbers of the network held, not the history's last row
        cur = trainer.current()
        h = {k: [cur[k]] for k in ("train_loss", "test_loss", "train_metric", "test_metric")}
        if held is not None:
            parts.append(f"epoch {held:,} (held)")
    tl, vl = _last(h, "train_loss"), _last(h, "test_loss")
    if tl is not None:
        parts.append(f"train loss {tl:.4g}" + (f" · test loss {vl:.4g}" if vl is not None else ""))
    name = "R²" if trainer.metric_name == "r2" else "accuracy"
    tm, vm = _last(h, "train_metric"), _last(h, "test_metric")
    if tm is not None:
        fmt = (lambda v: f"{v:.3f}") if name == "R²" else (lambda v: f"{100 * v:.1f}%")
        parts.append(f"train {name} {fmt(tm)}" + (f" · test {fmt(vm)}" if vm is not None else ""))
    best = best_epoch(trainer)
    if best is not None:
        parts.append(f"best epoch {best:,}")
    return "  ·  ".join(parts)
