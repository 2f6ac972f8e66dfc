"""Benchmark: what the Inside the network views cost (issue 25).

1. The gradient flow the trainer records: the time spent in ``GradientFlow.record`` as a share
   of the rest of training, timed inside the same run (median of repeats), on the default
   moons 2-8-8-1 (200 rows, batch 10) and the deepest network on moons (2-64×6-1, 1,000 rows,
   batch 10), over the first 100 epochs (every epoch measured: the worst case) and over 2,000
   (thinned by halves).
2. Each view on the largest legal network (a 20,000 × 50 table, 6 × 64 hidden units, 20
   classes: 25,364 parameters), with its bound from nn_core/limits.py: seconds (median of 3) and
   the peak of memory allocated (tracemalloc), beside one epoch of full-batch training of the same
   network on the same rows as a reference measured in the same run.

Usage: ``flock /tmp/bench.lock python bench/views.py [--repeats 5]``. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nn_core.analysis import gradients, hidden, landscape, lr_finder  # noqa: E402
from nn_core.analysis.rows import sample_rows  # noqa: E402
from nn_core.data.dataset import Dataset  # noqa: E402
from nn_core.data.load import load_data  # noqa: E402
from nn_core.io.notebook import notebook_for, refusal  # noqa: E402
from nn_core.limits import (  # noqa: E402
    FLOW_ROWS,
    HIDDEN_ROWS,
    LANDSCAPE_GRID,
    LR_FINDER_ROWS,
    LR_FINDER_STEPS,
    MAX_CLASSES,
    MAX_FEATURES,
    MAX_ROWS,
)
from nn_core.settings import MAX_HIDDEN_LAYERS, MAX_NODES, RunSettings  # noqa: E402
from nn_core.training.trainer import Trainer  # noqa: E402

REAL_RECORD = gradients.GradientFlow.record


def flow_share(settings: RunSettings, epochs: int) -> tuple[float, float]:
    """Seconds per epoch of training and the share of it ``GradientFlow.record`` took (timed
    inside the same run: robust to a busy machine)."""
    spent = [0.0]

    def timed_record(self, epoch, network):
        start = time.perf_counter()
        REAL_RECORD(self, epoch, network)
        spent[0] += time.perf_counter() - start

    gradients.GradientFlow.record = timed_record
    try:
        t = Trainer(settings.replace(epochs=epochs), load_data(settings))
        start = time.perf_counter()
        t.train_epochs(epochs)
        total = time.perf_counter() - start
    finally:
        gradients.GradientFlow.record = REAL_RECORD
    return (total - spent[0]) / epochs, spent[0] / (total - spent[0])


def flow_table(repeats: int) -> None:
    print("| network | epochs | ms per epoch without the flow | flow's added cost (median) |")
    print("|---|---:|---:|---:|")
    setups = [("moons 2-8-8-1, 200 rows, batch 10", RunSettings(), (100, 2000)),
              ("moons 2-64×6-1, 1,000 rows, batch 10",
               RunSettings(n_samples=1000, hidden=(MAX_NODES,) * MAX_HIDDEN_LAYERS), (100,))]
    for name, settings, lengths in setups:
        for epochs in lengths:
            runs = [flow_share(settings, epochs) for _ in range(repeats)]
            ms = statistics.median(r[0] for r in runs) * 1000
            share = statistics.median(r[1] for r in runs)
            print(f"| {name} | {epochs:,} | {ms:.2f} | +{share:.1%} |")


def largest() -> Trainer:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(MAX_ROWS, MAX_FEATURES))
    y = rng.integers(0, MAX_CLASSES, MAX_ROWS)
    data = Dataset(X, y, [f"x{i}" for i in range(MAX_FEATURES)], "y", "multiclass",
                   [f"c{i}" for i in range(MAX_CLASSES)])
    settings = RunSettings(dataset="custom", hidden=(MAX_NODES,) * MAX_HIDDEN_LAYERS,
                           batch_size=0, optimizer="adam")
    t = Trainer(settings, data)
    t.train_epochs(3)
    return t


def timed(work, repeats: int = 3) -> tuple[float, float]:
    """Median seconds and peak MB allocated of ``work()``."""
    times, peak = [], 0
    for _ in range(repeats):
        tracemalloc.start()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def views_table() -> None:
    t = largest()
    print(f"\nLargest network: {'-'.join(map(str, t.network.sizes))}, "
          f"{t.network.params.size:,} parameters, {len(t.X_train):,} training rows")
    rows = sample_rows(len(t.X_train), landscape.rows_for(t.network.params.size,
                                                          len(t.X_train)))
    kept = t.snapshots.epochs()
    params = [t.snapshots.get(e).params for e in kept]
    hrows = sample_rows(len(t.X_train), HIDDEN_ROWS)
    raw = t.dataset.X[t.train_idx]
    lines = [t._inputs(line) for line in hidden.grid_lines(raw.min(0), raw.max(0), 0, 1,
                                                           raw.mean(0))]
    work = {
        "one epoch of training (reference: full batch)": lambda: t.train_epochs(1),
        f"gradient flow, one measure ({FLOW_ROWS} rows)":
            lambda: gradients.measure(t.network, t.flow.X, t.flow.Y),
        f"loss landscape ({LANDSCAPE_GRID}×{LANDSCAPE_GRID} grid, {len(rows)} rows)":
            lambda: landscape.landscape(t.network, t.X_train[rows], t.Y_train[rows], params,
                                        kept),
        f"hidden space ({HIDDEN_ROWS} rows, 26 lines × 41 points, layer 6)":
            lambda: hidden.hidden_space(t.network, t.X_train[hrows], 6, lines),
        f"rate finder ({LR_FINDER_STEPS} steps of {LR_FINDER_ROWS} rows)":
            lambda: lr_finder.find_rate(t.network, t.optimizer, t.X_train, t.Y_train, 0, 0),
    }
    results = {name: timed(fn) for name, fn in work.items()}
    ref = results["one epoch of training (reference: full batch)"][0]
    print("| work | seconds | × one epoch | peak MB allocated |")
    print("|---|---:|---:|---:|")
    for name, (sec, mb) in results.items():
        print(f"| {name} | {sec:.3f} | {sec / ref:.2f} | {mb:.1f} |")
    print(f"\nNotebook of this run: {refusal(t) or 'allowed'}")
    s5 = RunSettings(n_samples=5000, hidden=(MAX_NODES,) * MAX_HIDDEN_LAYERS)
    t5 = Trainer(s5, load_data(s5))
    t5.train_epochs(3)
    sec, mb = timed(lambda: notebook_for(t5))
    print(f"Notebook of moons 5,000 rows, 2-64×6-1: {len(notebook_for(t5).encode()) / 2**20:.2f} "
          f"MB, written in {sec:.3f} s, peak {mb:.1f} MB allocated")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    flow_table(args.repeats)
    views_table()


if __name__ == "__main__":
    main()
