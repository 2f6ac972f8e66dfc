"""Engine speed, as ratios measured in one run: ``python bench/engine.py [--repeats 15]
[--emulate-avx2]``.

Prints epochs/s and samples/s for the blog's own per-sample loop (its class from
``tests/blog_reference.py``, the reference), our engine per-sample, mini-batch 32 and full batch
(``Trainer.train_epochs``, 10 epochs a call: training only), the same runs through the command
line (``python -m nn_core train``, in this process: settings, data, trainer, and every epoch's
measures and health checks, per epoch of a 1000-epoch run), and PyTorch CPU on the same network
and data when torch is importable; then the mini-batch 32, full-batch and CLI full-batch rows
again in float32 (``--dtype float32``; rows ending "f32"), PyTorch in float32 beside them. One
BLAS thread for all. Then the issue's targets, as ratios, judged in float64 and in float32 (our
float32 rows against PyTorch's float32 rows; the blog's loop is its own float64 code).

How: CPU time per epoch over windows of 0.1 s, the implementations taking turns in every
repeat, and the best window of each. On a shared machine other tenants only ever add time, in
bursts that can slow a window by half (seen here), so the best window is the steadiest figure
(the advice of Python's ``timeit``); the "spread" column shows how much slower the median
window was, so a noisy run shows itself.

The CPU's vector width decides what NumPy's transcendental functions cost (float64 ``tanh`` and
``exp`` are vectorised only with AVX-512; on an AVX2-only CPU they are scalar libm), so the
table starts with the CPU's vector features, which of them NumPy, OpenBLAS and PyTorch use, and
``tanh``, ``exp`` and ``multiply`` timed on 1000 × 8 values. ``--emulate-avx2`` runs the whole
benchmark again in a fresh process as an AVX2-only machine would: NumPy's AVX-512 dispatch
targets off (``NPY_DISABLE_CPU_FEATURES``; NumPy's baseline, X86_V2, cannot be turned off),
OpenBLAS on its Haswell (AVX2) kernels (``OPENBLAS_CORETYPE``), PyTorch on its AVX2 kernels
(``ATEN_CPU_CAPABILITY``, ``MKL_ENABLE_INSTRUCTIONS``, ``ONEDNN_MAX_CPU_ISA``); the run refuses
to go on if NumPy still reports AVX-512 in use. It cannot emulate another CPU's clock or its
libm: compare ratios, not epochs/s.
"""

from __future__ import annotations

import os
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

# What an AVX2-only machine runs (set before NumPy, OpenBLAS and PyTorch load their kernels).
AVX2_ONLY = {
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",  # NumPy's AVX-512 targets
    "OPENBLAS_CORETYPE": "Haswell",
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
}
if "--emulate-avx2" in sys.argv[1:] and os.environ.get("NN_BENCH_AVX2") != "1":
    os.environ.update(AVX2_ONLY, NN_BENCH_AVX2="1")
    os.execv(sys.executable, [sys.executable, *sys.argv])  # a fresh process with them set

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import itertools  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nn_core import cli  # noqa: E402
from nn_core.data.builtin import make_dataset  # noqa: E402
from nn_core.data.dataset import Dataset  # noqa: E402
from nn_core.engine import backends  # noqa: E402
from nn_core.engine.network import QUIET  # noqa: E402
from nn_core.settings import RunSettings  # noqa: E402
from nn_core.training.trainer import Trainer  # noqa: E402
from tests.blog_reference import NeuralNetwork as BlogNetwork  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # torch is never a project dependency
    torch = None


class Workload:
    def __init__(self, name: str, ds: Dataset, settings: RunSettings, blog_epochs: int,
                 cli_args: tuple[str, ...] = ()) -> None:
        self.name, self.ds, self.settings, self.blog_epochs = name, ds, settings, blog_epochs
        self.cli_args = cli_args  # the same run as command-line flags (empty: no CLI rows)


def workloads() -> list[Workload]:
    blog = RunSettings(dataset="blog", hidden=(2,), activation="sigmoid", output="sigmoid",
                       loss="mse", bias=False, init="blog", lr=0.1, scale="none",
                       test_fraction=0.0, shuffle=False)
    X = np.array([[170, 70, 25], [160, 55, 30], [180, 90, 40], [150, 45, 20]], float)
    blog_ds = Dataset(X, np.array([1, 0, 1, 0]), ["height", "weight", "age"], "y", "binary",
                      ["0", "1"], name="blog")
    moons = make_dataset("moons", 1000, 0.1, 0)
    moons_s = RunSettings(dataset="moons", n_samples=1000, hidden=(8, 8), activation="tanh",
                          output="sigmoid", loss="bce", lr=0.1, test_fraction=0.0)
    digits = _digits()
    digits_s = RunSettings(dataset="digits", hidden=(32,), activation="tanh", output="softmax",
                           loss="ce", lr=0.1, test_fraction=0.0)
    # the blog's own run: its 4 training rows (the built-in table's fixed split), its setup
    blog_cli = ("--dataset", "blog", "--hidden", "2", "--activation", "sigmoid", "--output",
                "sigmoid", "--loss", "mse", "--no-bias", "--init", "blog", "--lr", "0.1",
                "--scale", "none", "--set", "shuffle=false")
    moons_cli = ("--dataset", "moons", "--samples", "1000", "--noise", "0.1", "--data-seed", "0",
                 "--hidden", "8,8", "--activation", "tanh", "--output", "sigmoid", "--loss",
                 "bce", "--lr", "0.1", "--test-fraction", "0")
    return [Workload("blog 3-2-1, 4 rows", blog_ds, blog, 300, blog_cli),
            Workload("moons 2-8-8-1, 1000 rows", moons, moons_s, 3, moons_cli),
            Workload("digits 64-32-10 softmax, 1797 rows", digits, digits_s, 1)]


def _digits() -> Dataset:
    """scikit-learn's 8×8 digits when installed (a test dependency), else data of that shape."""
    try:
        from sklearn.datasets import load_digits

        d = load_digits()
        X, y = d.data.astype(float), d.target
    except ImportError:
        rng = np.random.default_rng(0)
        y = rng.integers(0, 10, 1797)
        X = rng.normal(size=(1797, 64)) + y[:, None] * 0.3
    return Dataset(X, y, [f"p{i}" for i in range(64)], "digit", "multiclass",
                   [str(i) for i in range(10)], name="digits")


def _cpu_per_call(fn: Callable[[], None], min_time: float = 0.1) -> float:
    """CPU seconds per call of ``fn``, calling it until ``min_time`` has passed."""
    fn()
    n, start = 0, time.process_time()
    while True:
        fn()
        n += 1
        spent = time.process_time() - start
        if spent >= min_time:
            return spent / n


# Epochs per call of the engine rows: the app and the CLI train many epochs per call, and each
# call of Trainer.train_epochs enters NumPy's error state once (~1.3 µs, a fifth of a blog
# 3-2-1 per-sample epoch); one epoch per call, as before 2026-12-07, charged that to every epoch.
ENGINE_EPOCHS_PER_CALL = 10


def _engine_epoch(w: Workload, batch: int, dtype: str = "float64") -> Callable[[], None]:
    """One epoch as the trainer's chosen backend trains it, without the trainer's bookkeeping
    (measures, stop checks): the engine alone."""
    s = w.settings.replace(batch_size=batch, shuffle=batch not in (0, 1) or w.settings.shuffle,
                           dtype=dtype)
    trainer = Trainer(s, w.ds, history_cap=10)
    n = len(trainer.X_train)
    size = batch if 0 < batch < n else n
    net, opt = trainer.network, trainer.optimizer
    backend = backends.make(backends.choose(net, size, opt.name, dtype=dtype), net,
                            trainer.X_train, trainer.Y_train, dtype)
    epoch = backend.epoch(opt, size, s.shuffle and size < n, trainer.rng, s.update_rule, s.l1,
                          s.l2)
    return lambda: _quiet(epoch)


def _quiet(epoch: Callable[[], None]) -> None:
    with np.errstate(**QUIET):  # once a call, as the trainer enters it once per call
        for _ in range(ENGINE_EPOCHS_PER_CALL):
            epoch()


CLI_EPOCHS = 1000  # epochs of one command-line run (the CLI's default, the blog's example)


def _cli_run(w: Workload, batch: int, dtype: str = "float64") -> Callable[[], None] | None:
    """One whole ``python -m nn_core train`` run of CLI_EPOCHS epochs, in this process."""
    if not w.cli_args:
        return None
    argv = ["train", *w.cli_args, "--batch-size", str(batch), "--epochs", str(CLI_EPOCHS), "-q",
            "--dtype", dtype]

    def run() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            status = cli.main(argv)
        if status != 0:
            raise SystemExit(f"the CLI run failed: {' '.join(argv)}")

    return run


def _blog_epoch(w: Workload) -> Callable[[], None] | None:
    np.random.seed(0)
    sizes = [w.ds.n_features, *w.settings.hidden, 1 if w.ds.task == "binary" else 10]
    if len(sizes) != 3:  # the blog's class has exactly one hidden layer: use the first
        sizes = [sizes[0], sizes[1], sizes[-1]]
    net = BlogNetwork(*sizes, 0.1)
    inputs = w.ds.X.tolist()
    targets = (np.eye(sizes[-1])[w.ds.y] if sizes[-1] > 1 else w.ds.y[:, None]).tolist()

    def epoch() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for x, t in zip(inputs, targets, strict=True):
                net.train(x, t)

    return epoch


def _torch_epoch(w: Workload, batch: int, dtype: str = "float64") -> Callable[[], None] | None:
    if torch is None:
        return None
    s = w.settings
    torch.manual_seed(0)
    act = {"tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}
    sizes = [w.ds.n_features, *s.hidden]
    layers: list = []
    for a, b in itertools.pairwise(sizes):
        layers += [torch.nn.Linear(a, b, bias=s.bias), act[s.activations[0]]()]
    n_out = 1 if w.ds.task == "binary" else w.ds.n_classes
    layers.append(torch.nn.Linear(sizes[-1], n_out, bias=s.bias))
    model = torch.nn.Sequential(*layers).to(getattr(torch, dtype))
    opt = torch.optim.SGD(model.parameters(), lr=s.lr)
    X = torch.tensor(w.ds.X, dtype=getattr(torch, dtype))
    if w.ds.task == "binary":
        Y = torch.tensor(w.ds.y, dtype=getattr(torch, dtype)).reshape(-1, 1)
        loss_fn = torch.nn.MSELoss() if s.loss == "mse" else torch.nn.BCEWithLogitsLoss()
        if s.loss == "mse":
            model.append(torch.nn.Sigmoid())
    else:
        Y = torch.tensor(w.ds.y, dtype=torch.int64)
        loss_fn = torch.nn.CrossEntropyLoss()
    n = len(X)
    size = n if batch == 0 else batch

    def epoch() -> None:
        order = torch.randperm(n) if 1 < size < n else None
        for start in range(0, n, size):
            idx = slice(start, start + size) if order is None else order[start : start + size]
            opt.zero_grad()
            loss_fn(model(X[idx]), Y[idx]).backward()
            opt.step()

    return epoch


def measure(repeats: int) -> list[dict]:
    rows = []
    for w in workloads():
        n = w.ds.n_samples
        impls: dict[str, Callable[[], None] | None] = {"blog loop (reference)": _blog_epoch(w)}
        calls_per_epoch = dict.fromkeys(impls, 1.0)
        for label, batch in (("per-sample", 1), ("mini-batch 32", 32), ("full batch", 0)):
            impls[f"engine {label}"] = _engine_epoch(w, batch)
            calls_per_epoch[f"engine {label}"] = 1.0 / ENGINE_EPOCHS_PER_CALL
            impls[f"PyTorch {label}"] = _torch_epoch(w, batch)
        for label, batch in (("per-sample", 1), ("full batch", 0)):
            impls[f"CLI {label}"] = _cli_run(w, batch)
            calls_per_epoch[f"CLI {label}"] = 1.0 / CLI_EPOCHS
        # the optional float32 training (--dtype float32), against PyTorch in float32 too
        for label, batch in (("mini-batch 32", 32), ("full batch", 0)):
            impls[f"engine {label} f32"] = _engine_epoch(w, batch, "float32")
            calls_per_epoch[f"engine {label} f32"] = 1.0 / ENGINE_EPOCHS_PER_CALL
            impls[f"PyTorch {label} f32"] = _torch_epoch(w, batch, "float32")
        impls["CLI full batch f32"] = _cli_run(w, 0, "float32")
        calls_per_epoch["CLI full batch f32"] = 1.0 / CLI_EPOCHS
        times: dict[str, list[float]] = {k: [] for k, f in impls.items() if f is not None}
        for _ in range(repeats):
            for k in times:
                times[k].append(_cpu_per_call(impls[k]) * calls_per_epoch.get(k, 1.0))
        for k, f in impls.items():
            best = min(times[k]) if f is not None else None
            spread = statistics.median(times[k]) / best if f is not None else None
            if f is None and k.startswith("CLI"):
                continue  # no command-line form of this workload (its data is not built in)
            rows.append({"workload": w.name, "impl": k, "seconds": best, "spread": spread,
                         "n": n})
    return rows


def _lookup(rows: list[dict], workload: str, impl: str) -> float | None:
    for r in rows:
        if r["workload"].startswith(workload) and r["impl"] == impl:
            return r["seconds"]
    return None


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def numpy_avx512() -> bool:
    """Whether NumPy dispatches to its AVX-512 kernels in this process."""
    from numpy._core._multiarray_umath import __cpu_features__ as features

    return bool(features.get("X86_V4") or features.get("AVX512_SKX"))


def machine() -> list[str]:
    """Lines that say which vector instructions this run used, and what they cost."""
    from numpy._core._multiarray_umath import __cpu_features__ as features

    flags = _cpu_flags()
    cpu = [name for name, flag in (("AVX2", "avx2"), ("FMA", "fma"), ("AVX-512F", "avx512f"))
           if flag in flags]
    emulated = os.environ.get("NN_BENCH_AVX2") == "1"
    numpy_uses = ("AVX-512" if numpy_avx512() else
                  "AVX2" if features.get("X86_V3") or features.get("AVX2") else "SSE only")
    lines = [f"CPU vector features: {', '.join(cpu) or 'none of AVX2/AVX-512'}; NumPy uses "
             f"{numpy_uses}"
             + (f" (AVX-512 dispatch DISABLED to emulate an AVX2-only machine: "
                f"NPY_DISABLE_CPU_FEATURES={os.environ['NPY_DISABLE_CPU_FEATURES']!r})"
                if emulated else " (AVX-512 dispatch not disabled)")]
    blas = "unknown"
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i.get('architecture') or ''}".strip()
                         for i in threadpool_info() if i.get("user_api") == "blas") or blas
    torch_uses = torch.backends.cpu.get_cpu_capability() if torch else "not installed"
    lines.append(f"BLAS kernels: {blas}; PyTorch kernels: {torch_uses}")
    x = np.random.default_rng(0).normal(size=(1000, 8))
    out = np.empty_like(x)
    costs = []
    for name, fn in (("tanh", lambda: np.tanh(x, out=out)), ("exp", lambda: np.exp(x, out=out)),
                     ("multiply", lambda: np.multiply(x, x, out=out))):
        costs.append(f"np.{name} {min(timeit.repeat(fn, number=200, repeat=7)) / 200 * 1e6:.0f}")
    lines.append(f"float64 on 1000 x 8 values, µs: {', '.join(costs)}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--emulate-avx2", action="store_true",
                    help="NumPy, OpenBLAS and PyTorch on AVX2 kernels only (a fresh process)")
    args = ap.parse_args()
    if args.emulate_avx2 and numpy_avx512():
        raise SystemExit("--emulate-avx2: NumPy still uses AVX-512 (NPY_DISABLE_CPU_FEATURES "
                         "had no effect); not measuring")
    for line in machine():
        print(line)
    rows = measure(args.repeats)
    print(f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}, "
          f"1 BLAS thread, CPU time, best of {args.repeats} windows of 0.1 s "
          f"(spread: median window / best)\n")
    print(f"{'workload':<36} {'implementation':<24} {'epochs/s':>12} {'samples/s':>14} "
          f"{'spread':>7}")
    for r in rows:
        if r["seconds"] is None:
            print(f"{r['workload']:<36} {r['impl']:<24} {'not installed':>12}")
            continue
        print(f"{r['workload']:<36} {r['impl']:<24} {1 / r['seconds']:>12,.0f} "
              f"{r['n'] / r['seconds']:>14,.0f} {r['spread']:>6.2f}x")

    def ratio(w: str, a: str, b: str) -> float | None:
        ta, tb = _lookup(rows, w, a), _lookup(rows, w, b)
        return None if ta is None or tb is None else tb / ta

    pairs = [  # (target, workload, faster row, slower row, ratio: at least / at most)
        ("moons full batch vs blog loop (samples/s)", "moons", "engine full batch",
         "blog loop (reference)", ">=", 300),
        ("moons full batch vs PyTorch full batch", "moons", "engine full batch",
         "PyTorch full batch", ">=", 6),
        ("moons mini-batch 32 vs PyTorch mini-batch 32", "moons", "engine mini-batch 32",
         "PyTorch mini-batch 32", ">=", 20),
        ("blog per-sample vs blog loop", "blog", "engine per-sample", "blog loop (reference)",
         ">=", 15),
        ("digits full batch vs PyTorch full batch", "digits", "engine full batch",
         "PyTorch full batch", ">=", 3),
        ("CLI: moons full batch vs blog loop", "moons", "CLI full batch",
         "blog loop (reference)", ">=", 300 / 1.2),
        ("CLI: blog per-sample vs blog loop", "blog", "CLI per-sample", "blog loop (reference)",
         ">=", 15 / 2),
        ("CLI / training alone: moons full batch", "moons", "engine full batch",
         "CLI full batch", "<=", 1.2),
        ("CLI / training alone: blog per-sample", "blog", "engine per-sample",
         "CLI per-sample", "<=", 2),
    ]
    def judged(r: float | None, sense: str, need: float) -> tuple[str, str]:
        if r is None:
            return "n/a", "n/a"
        return f"{r:.2f}x", "yes" if (r >= need if sense == ">=" else r <= need) else "NO"

    # float32: our float32 rows against PyTorch's float32 rows, our own float32 training and
    # the blog's loop as it is (its code is float64); per-sample rows have no float32 form
    def f32(row: str) -> str:
        return row if row.startswith("blog loop") else f"{row} f32"

    print(f"\n{'target (same run)':<48} {'needed':>9} {'float64':>8} met  {'float32':>8} met")
    for name, w, a, b, sense, need in pairs:
        r64, met64 = judged(ratio(w, a, b), sense, need)
        r32, met32 = judged(ratio(w, f32(a), f32(b)), sense, need)
        print(f"{name:<48} {sense}{need:>6.1f}x {r64:>8} {met64:<4} {r32:>8} {met32}")


if __name__ == "__main__":
    main()
