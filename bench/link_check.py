"""Benchmark: what reading a link costs the server, a link that fits and one that does not.

A link whose fields do not fit together is checked field by field (``ui/session/link_codec.py``
``_check_together``): each trial used to build a trainer on every row of the data (5,000 rows
at the most), a forward pass of the whole network included. Now the split and the scaling run
on every row and the trainer on a few rows of each class (``_probe``). This prints the median
seconds of ``from_query`` for both, with the old whole-data check measured in the same run as
the reference.

Usage: ``python bench/link_check.py [--repeats 5]``. Not a test: compare the ratios.
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

from nn_core.data.load import load_data  # noqa: E402
from nn_core.errors import PlaygroundError  # noqa: E402
from nn_core.limits import MAX_SAMPLES  # noqa: E402
from nn_core.training.trainer import Trainer  # noqa: E402
from ui.session import link_codec  # noqa: E402

LARGEST = {"dataset": "spiral3", "n_samples": str(MAX_SAMPLES), "hidden": ",".join(["64"] * 6),
           "batch_size": "1", "optimizer": "adam", "transforms": "x1^2,x2^2,x1x2,sin_x1,sin_x2",
           "lr": "0.01", "seed": "3", "noise": "0.2", "activation": "relu", "init": "he",
           "momentum": "0.5", "patience": "20", "validation_fraction": "0.2", "data_seed": "2",
           "test_fraction": "0.3", "epochs": "500", "scale": "minmax"}
LINKS = {
    "largest settings, every field fits": LARGEST,
    "largest settings, output and loss do not fit": {**LARGEST, "output": "linear",
                                                      "loss": "bce"},
    "largest settings, the output does not fit (the probe's case)": {**LARGEST,
                                                                      "output": "linear"},
}


def whole_data_refusal(settings, data_cache=None) -> str | None:
    """The check before: a trainer on all the rows, for each trial."""
    try:
        Trainer(settings, load_data(settings), history_cap=4)
    except PlaygroundError as exc:
        return " ".join(str(exc).split())[:160]
    return None


def seconds(params: dict[str, str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        link_codec.from_query(params)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print("| link | whole-data check s (before) | cheap check s (now) | ratio | same result |")
    print("|---|---:|---:|---:|---|")
    for name, params in LINKS.items():
        now = seconds(params, args.repeats)
        result_now = link_codec.from_query(params)
        with mock.patch.object(link_codec, "_refusal", whole_data_refusal):
            before = seconds(params, args.repeats)
            result_before = link_codec.from_query(params)
        same = "yes" if result_now == result_before else "NO"
        print(f"| {name} | {before:.3f} | {now:.3f} | {before / now:.1f}× | {same} |")


if __name__ == "__main__":
    main()
