"""Benchmark: how long one time slice of training takes at the largest settings.

A Pause waits for the slice in flight (``Trainer.train_for`` stops only where its backend
yields). The live panel asks for turns of ``TURN_SECONDS`` (15 ms); this prints how long such
a call really takes on the largest table the limits allow (20,000 rows × 50 features, 6 × 64
hidden units, Adam) for several batch sizes, with a big batch split between its calls (now)
and not (before: ``recorded.SPLIT_BATCH_VALUES`` set out of reach, in the same run), and what
ending an epoch costs (the measures over every row).

Usage: ``python bench/pause_slices.py [--slices 40]`` (under ``flock /tmp/bench.lock``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import largest_settings, largest_table  # noqa: E402
from nn_core.data.tabular import dataset_from_table, read_csv_bytes  # noqa: E402
from nn_core.engine.backends import recorded  # noqa: E402
from nn_core.training.trainer import Trainer  # noqa: E402
from ui.live.panel import TURN_SECONDS  # noqa: E402


def slices(trainer: Trainer, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        trainer.train_for(TURN_SECONDS, grace=TURN_SECONDS / 2)
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slices", type=int, default=40)
    args = ap.parse_args()
    table = largest_table()
    print("| batch | split | slice s median | slice s max | epoch end s | epochs done |")
    print("|---:|---|---:|---:|---:|---:|")
    for batch in (0, 32, 1):
        settings = largest_settings(batch)
        data = dataset_from_table(read_csv_bytes(table), "y", settings.features, "auto",
                                  name="csv")
        for split in (False, True):
            limit = recorded.SPLIT_BATCH_VALUES if split else float("inf")
            with mock.patch.object(recorded, "SPLIT_BATCH_VALUES", limit):
                trainer = Trainer(settings, data)
                trainer.train_for(TURN_SECONDS)  # the first call records the batch's calls
                times = slices(trainer, args.slices)
            trainer._current = None
            t = time.perf_counter()
            trainer.current()  # what ending an epoch measures over every row
            end = time.perf_counter() - t
            print(f"| {batch or 'all rows'} | {'yes' if split else 'no (before)'} | "
                  f"{statistics.median(times):.3f} | {max(times):.3f} | {end:.3f} | "
                  f"{trainer.epoch + trainer.epoch_progress:.2f} |", flush=True)


if __name__ == "__main__":
    main()
