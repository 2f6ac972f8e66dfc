"""Engine speed, as ratios measured in one run: ``python bench/engine.py [--repeats 15]``.

Prints epochs/s and samples/s for the blog's own per-sample loop (copied below as the
reference), our engine per-sample, mini-batch 32 and full batch, and PyTorch CPU on the same
network and data when torch is importable. One BLAS thread for all. Then the issue's targets,
as ratios.

How: CPU time per epoch over windows of 0.1 s, the implementations taking turns in every
repeat, and the best window of each. On a shared machine other tenants only ever add time, in
bursts that can slow a window by half (seen here), so the best window is the steadiest figure
(the advice of Python's ``timeit``); the "spread" column shows how much slower the median
window was, so a noisy run shows itself.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import itertools  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nn_core.data.builtin import make_dataset  # noqa: E402
from nn_core.data.dataset import Dataset  # noqa: E402
from nn_core.settings import RunSettings  # noqa: E402
from nn_core.training.trainer import Trainer  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # torch is never a project dependency
    torch = None


class BlogNetwork:
    """The blog's NeuralNetwork, verbatim (the reference loop)."""

    def __init__(self, input_nodes, hidden_nodes, output_nodes, learning_rate):
        self.input_nodes = input_nodes
        self.hidden_nodes = hidden_nodes
        self.output_nodes = output_nodes
        self.learning_rate = learning_rate
        self.weights_input_hidden = np.random.normal(0.0, self.hidden_nodes**-0.5,
                                                     (self.hidden_nodes, self.input_nodes))
        self.weights_hidden_output = np.random.normal(0.0, self.output_nodes**-0.5,
                                                      (self.output_nodes, self.hidden_nodes))
        self.sigmoid = lambda x: 1 / (1 + np.exp(-x))

    def train(self, inputs_list, targets_list):
        inputs = np.array(inputs_list, ndmin=2).T
        targets = np.array(targets_list, ndmin=2).T
        hidden_inputs = np.dot(self.weights_input_hidden, inputs)
        hidden_outputs = self.sigmoid(hidden_inputs)
        final_inputs = np.dot(self.weights_hidden_output, hidden_outputs)
        final_outputs = self.sigmoid(final_inputs)
        output_errors = targets - final_outputs
        hidden_errors = np.dot(self.weights_hidden_output.T, output_errors)
        self.weights_hidden_output += self.learning_rate * np.dot(
            (output_errors * final_outputs * (1 - final_outputs)), np.transpose(hidden_outputs))
        self.weights_input_hidden += self.learning_rate * np.dot(
            (hidden_errors * hidden_outputs * (1 - hidden_outputs)), np.transpose(inputs))


class Workload:
    def __init__(self, name: str, ds: Dataset, settings: RunSettings, blog_epochs: int) -> None:
        self.name, self.ds, self.settings, self.blog_epochs = name, ds, settings, blog_epochs


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
    return [Workload("blog 3-2-1, 4 rows", blog_ds, blog, 300),
            Workload("moons 2-8-8-1, 1000 rows", moons, moons_s, 3),
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


def _engine_epoch(w: Workload, batch: int) -> Callable[[], None]:
    s = w.settings.replace(batch_size=batch, shuffle=batch not in (0, 1) or w.settings.shuffle)
    trainer = Trainer(s, w.ds, history_cap=10)
    return lambda: trainer.train_epochs(1)


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


def _torch_epoch(w: Workload, batch: int) -> Callable[[], None] | None:
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
    model = torch.nn.Sequential(*layers).double()
    opt = torch.optim.SGD(model.parameters(), lr=s.lr)
    X = torch.tensor(w.ds.X)
    if w.ds.task == "binary":
        Y = torch.tensor(w.ds.y, dtype=torch.float64).reshape(-1, 1)
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
        for label, batch in (("per-sample", 1), ("mini-batch 32", 32), ("full batch", 0)):
            impls[f"engine {label}"] = _engine_epoch(w, batch)
            impls[f"PyTorch {label}"] = _torch_epoch(w, batch)
        times: dict[str, list[float]] = {k: [] for k, f in impls.items() if f is not None}
        for _ in range(repeats):
            for k in times:
                times[k].append(_cpu_per_call(impls[k]))
        for k, f in impls.items():
            best = min(times[k]) if f is not None else None
            spread = statistics.median(times[k]) / best if f is not None else None
            rows.append({"workload": w.name, "impl": k, "seconds": best, "spread": spread,
                         "n": n})
    return rows


def _lookup(rows: list[dict], workload: str, impl: str) -> float | None:
    for r in rows:
        if r["workload"].startswith(workload) and r["impl"] == impl:
            return r["seconds"]
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
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

    targets = [
        ("moons full batch vs blog loop (samples/s)", ratio("moons", "engine full batch",
                                                            "blog loop (reference)"), 200),
        ("moons full batch vs PyTorch full batch", ratio("moons", "engine full batch",
                                                         "PyTorch full batch"), 3),
        ("moons mini-batch 32 vs PyTorch mini-batch 32", ratio("moons", "engine mini-batch 32",
                                                               "PyTorch mini-batch 32"), 15),
        ("blog per-sample vs blog loop", ratio("blog", "engine per-sample",
                                               "blog loop (reference)"), 2.5),
        ("digits full batch vs PyTorch full batch", ratio("digits", "engine full batch",
                                                          "PyTorch full batch"), 1.5),
    ]
    print(f"\n{'target (same run)':<48} {'ratio':>8} {'needed':>8}  met")
    for name, r, need in targets:
        shown = "n/a" if r is None else f"{r:.2f}x"
        met = "n/a" if r is None else ("yes" if r >= need else "NO")
        print(f"{name:<48} {shown:>8} {need:>7}x  {met}")


if __name__ == "__main__":
    main()
