"""Benchmark: the longest look back the scrubber may cost, on the largest network allowed.

Looking back to an epoch between two snapshots replays the run from the earlier one
(``Trainer.at_epoch``); ``Trainer.replay_epochs`` bounds one replay by
``nn_core/limits.py``'s ``MAX_REPLAY_WORK`` (epochs × (rows × parameters + mini-batches ×
(``REPLAY_STEP_WORK`` × parameters + ``REPLAY_BATCH_WORK``))), checked before a replay
starts. This times a replay of exactly that
many epochs (the snapshots in between dropped, as a long run's thinning leaves them) for the
largest network (50 inputs, 6 × 64 hidden, 20 classes: 25,364 parameters) on the largest
table (20,000 rows), at full batch, batch 32 and batch 1, with Adam; next to the same for the
default moons network, the reference measured in the same run.

Usage: ``flock /tmp/bench.lock python bench/replay.py [--repeats 3]``. Not a test: the seconds
depend on the machine; the ratios to the reference less so.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nn_core.data.dataset import Dataset  # noqa: E402
from nn_core.data.load import load_data  # noqa: E402
from nn_core.limits import MAX_CLASSES, MAX_FEATURES, MAX_ROWS  # noqa: E402
from nn_core.settings import MAX_HIDDEN_LAYERS, MAX_NODES, RunSettings  # noqa: E402
from nn_core.training.trainer import Trainer  # noqa: E402


def _largest_table() -> Dataset:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(MAX_ROWS, MAX_FEATURES))
    y = np.arange(MAX_ROWS) % MAX_CLASSES
    return Dataset(X=X, y=y, feature_names=[f"x{i}" for i in range(MAX_FEATURES)],
                   target_name="class", task="multiclass",
                   classes=[f"c{k}" for k in range(MAX_CLASSES)])


def replay_seconds(settings: RunSettings, data: Dataset, repeats: int) -> tuple[int, int, float]:
    """(parameters, epochs replayed, median seconds) of the longest replay allowed."""
    t = Trainer(settings, data)
    n = t.replay_epochs()
    if n == 0:  # one epoch costs more than a replay may: only kept snapshots are shown
        return t.network.params.size, 0, float("nan")
    t.train_epochs(n)
    for e in t.snapshots.epochs()[1:]:  # only epoch 0 kept: the replay is n epochs long
        del t.snapshots._snaps[e]
    times = []
    for _ in range(repeats):
        t._looked = None
        start = time.perf_counter()
        view = t.at_epoch(n)
        times.append(time.perf_counter() - start)
        assert view.epoch == n
    return t.network.params.size, n, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    moons = RunSettings()
    rows = [("default moons 2-8-8-1, batch 10 (reference)", moons, load_data(moons))]
    big = _largest_table()
    hidden = (MAX_NODES,) * MAX_HIDDEN_LAYERS
    for label, batch in (("full batch", 0), ("batch 32", 32), ("batch 1", 1)):
        s = RunSettings(dataset="csv", hidden=hidden, optimizer="adam", lr=0.001,
                        batch_size=batch, test_fraction=0.0)
        rows.append((f"largest 50-64x6-20, {MAX_ROWS:,} rows, {label}", s, big))
    ref = None
    print("| run | parameters | epochs a replay may train | longest replay, s | × reference |")
    print("|---|---:|---:|---:|---:|")
    for label, s, data in rows:
        params, n, secs = replay_seconds(s, data, args.repeats)
        ref = ref or secs
        if n == 0:
            print(f"| {label} | {params:,} | 0: kept snapshots only | — | — |")
            continue
        print(f"| {label} | {params:,} | {n:,} | {secs:.3f} | {secs / ref:.1f} |")


if __name__ == "__main__":
    main()
