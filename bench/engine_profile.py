"""Where an epoch's time goes: ``python bench/engine_profile.py [--emulate-avx2] [--dtype D]``.

For the full-batch moons 2-8-8-1 and digits 64-32-10 epochs and the moons mini-batch 32 one of
``bench/engine.py``, each NumPy call the recorded backend replays (its kernel, the shape it works
on, CPU µs per call, best of 5 windows of 0.05 s) and the optimiser's step, beside the whole
epoch; then what a whole command-line run adds per epoch to the blog's per-sample training and
to the moons full-batch training in float64 and float32 (parsing, the trainer's start, its
measured epochs, the rest). ``--emulate-avx2`` as in ``bench/engine.py`` (a fresh process with
NumPy's AVX-512 dispatch off). The tables before and after issue 24's changes are in
``bench/engine_choices.md``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import argparse
import contextlib
import io

import engine as E  # before NumPy: one BLAS thread; --emulate-avx2 re-executes here
import numpy as np

from nn_core import cli
from nn_core.data.load import load_data
from nn_core.engine import backends
from nn_core.training.trainer import Trainer


def _best(fn, windows: int = 5, min_time: float = 0.05) -> float:
    return min(E._cpu_per_call(fn, min_time) for _ in range(windows))


def epoch_calls(name: str, batch: int, dtype: str) -> None:
    w = {w.name.split()[0]: w for w in E.workloads()}[name]
    s = w.settings.replace(batch_size=batch, shuffle=batch not in (0, 1), dtype=dtype)
    tr = Trainer(s, w.ds, history_cap=10)
    n = len(tr.X_train)
    size = batch if 0 < batch < n else n
    b = backends.make("recorded", tr.network, tr.X_train, tr.Y_train, dtype)
    epoch = b.epoch(tr.optimizer, size, s.shuffle and size < n, tr.rng, s.update_rule, s.l1,
                    s.l2)
    batches = next(iter(b._calls.values()))
    net = b.net
    with np.errstate(all="ignore"):
        whole = _best(epoch, min_time=0.2)
        rows = []
        for f, args in batches[0]:
            shape = next((a.shape for a in args if isinstance(a, np.ndarray)), ())
            rows.append((getattr(f, "__name__", str(f)), shape,
                         _best(lambda f=f, args=args: f(*args))))
        step = _best(lambda: tr.optimizer.step(net.params, net.grad))
    print(f"\n{w.name}, batch {batch or 'all'}, {dtype}: epoch {whole * 1e6:,.1f} µs "
          f"({len(batches)} batch(es) of {len(batches[0])} calls and a step)")
    for label, shape, t in rows:
        print(f"  {label:<20} {shape!s:<14} {t * 1e6:8.2f}")
    print(f"  {'optimizer.step':<20} {'':<14} {step * 1e6:8.2f}")
    total = (sum(t for *_, t in rows) + step) * len(batches)
    print(f"  sum of the calls × batches: {total * 1e6:,.1f} µs")


def cli_split(name: str = "blog", batch: int = 1, dtype: str = "float64") -> None:
    """What a whole command-line run of ``name`` adds to its training, µs per epoch."""
    w = {w.name.split()[0]: w for w in E.workloads()}[name]
    argv = ["train", *w.cli_args, "--batch-size", str(batch), "--epochs", str(E.CLI_EPOCHS),
            "-q", "--dtype", dtype]
    args = cli.build_parser().parse_args(argv)
    s = cli.settings_from_args(args)
    ds = load_data(s)

    def run() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            cli.main(argv)

    def start() -> Trainer:
        return Trainer(s, ds, history_cap=cli.SUMMARY_POINTS, watched=False)

    measures = []
    measured = start()
    current = measured.current

    def counted() -> dict:
        if measured._current is None:
            measures.append(measured.epoch)
        return current()

    measured.current = counted  # type: ignore[method-assign]  # count the epochs measured
    measured.train_epochs(E.CLI_EPOCHS)
    points = len(measured.history["epoch"])
    strides = measured._stride
    engine = _best(E._engine_epoch(w, batch, dtype), min_time=0.2) / E.ENGINE_EPOCHS_PER_CALL
    parts = {
        "whole CLI run": _best(run, min_time=0.3),
        "argument parsing": _best(lambda: cli.build_parser().parse_args(argv)),
        "trainer's start": _best(start),
        "trainer: start + train_epochs": _best(lambda: start().train_epochs(E.CLI_EPOCHS),
                                               min_time=0.3),
    }
    t = start()
    t.train_epochs(5)
    one_measure = _best(lambda: (setattr(t, "_current", None), t.current()))
    label = w.name.split(",")[0]
    print(f"\n{label} {'per-sample' if batch == 1 else 'full batch'}, {dtype}, "
          f"{E.CLI_EPOCHS} epochs through the command line (µs per epoch; training alone "
          f"{engine * 1e6:.2f}):")
    for k, v in parts.items():
        print(f"  {k:<32} {v / E.CLI_EPOCHS * 1e6:8.2f}")
    per_epoch = one_measure * len(measures) / E.CLI_EPOCHS
    print(f"  {'one measure of both splits':<32} {one_measure * 1e6:8.2f} µs, at "
          f"{len(measures)} measured epochs after the start ({per_epoch * 1e6:.2f} µs per "
          f"epoch) for {points} kept history points (stride {strides} at the end)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emulate-avx2", action="store_true")
    ap.add_argument("--dtype", default="float64", choices=backends.DTYPES)
    args = ap.parse_args()
    for line in E.machine():
        print(line)
    print(f"NN_BENCH_AVX2={os.environ.get('NN_BENCH_AVX2', '0')}")
    for name, batch in (("moons", 0), ("digits", 0), ("moons", 32)):
        epoch_calls(name, batch, args.dtype)
    cli_split()
    for dtype in ("float64", "float32"):  # the CLI rows of bench/engine.py's targets
        cli_split("moons", 0, dtype)


if __name__ == "__main__":
    main()
