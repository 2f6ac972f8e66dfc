"""Benchmark: the memory one playing session holds at the largest settings the app allows.

Builds what a session keeps while it plays: the uploaded table (20,000 rows × 50 features, the
row and feature limits of ``nn_core/limits.py``), a trainer of the largest network
(6 hidden layers × 64 units, ``nn_core/settings.py``) at batch size 1 with Adam (the setting
that records the most calls), trained by time slices as the Train page does, its live view and
one tick's frames (``ui/live/panel.py`` frames_per_tick: 20 of a small network, 4 of the
largest). Prints the bytes each part adds, measured with tracemalloc (NumPy arrays
included), next to the same for the default moons set-up.

Usage: ``python bench/session_memory.py [--seconds 10]``. Not a test; figures vary by machine
only in the time trained, not in the bytes held once the kept calls are recorded.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nn_core.data.dataset import Dataset  # noqa: E402
from nn_core.data.load import load_data  # noqa: E402
from nn_core.limits import MAX_FEATURES, MAX_ROWS  # noqa: E402
from nn_core.settings import MAX_HIDDEN_LAYERS, MAX_NODES, RunSettings  # noqa: E402
from nn_core.training.trainer import Trainer  # noqa: E402
from ui.live.panel import FRAME_SECONDS, frames_per_tick  # noqa: E402
from ui.live.view import LiveView, ViewOptions  # noqa: E402


def _largest() -> tuple[RunSettings, Dataset]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(MAX_ROWS, MAX_FEATURES))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    data = Dataset(X, y, [f"x{i}" for i in range(MAX_FEATURES)], "y", "binary", ["0", "1"])
    settings = RunSettings(dataset="custom", hidden=(MAX_NODES,) * MAX_HIDDEN_LAYERS,
                           batch_size=1, optimizer="adam")
    return settings, data


def measure(settings: RunSettings, data: Dataset, seconds: float) -> dict[str, float]:
    """MB held by the data, the trainer, the calls recorded while training, and the view."""
    tracemalloc.start()
    held = tracemalloc.get_traced_memory()[0]
    sizes = {"data": 0.0}
    sizes["data"] = data.X.nbytes / 2**20 + data.y.nbytes / 2**20

    def step(name: str) -> None:
        nonlocal held
        now = tracemalloc.get_traced_memory()[0]
        sizes[name] = (now - held) / 2**20
        held = now

    trainer = Trainer(settings, data)
    step("trainer")
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        trainer.train_for(FRAME_SECONDS)
    step("trained")
    view = LiveView(trainer, ViewOptions())
    static = view.static()
    frames = [view.frame() for _ in range(frames_per_tick(view.frame_bytes))]
    step("view")
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    sizes["peak"] = peak
    sizes["epochs"] = trainer.epoch + trainer.epoch_progress
    del static, frames
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="training time per set-up")
    args = parser.parse_args()
    moons = RunSettings()
    rows = [("moons 2-8-8-1 (defaults)", *(lambda s: (s, load_data(s)))(moons)),
            ("20,000×50 upload, 6×64, batch 1, Adam", *_largest())]
    print("| set-up | data MB | trainer MB | + recorded calls MB | + view and "
          "one tick's frames MB | peak MB | epochs trained |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, settings, data in rows:
        m = measure(settings, data, args.seconds)
        print(f"| {name} | {m['data']:.1f} | {m['trainer']:.1f} | {m['trained']:.1f} | "
              f"{m['view']:.1f} | {m['peak']:.1f} | {m['epochs']:.2f} |")


if __name__ == "__main__":
    main()
