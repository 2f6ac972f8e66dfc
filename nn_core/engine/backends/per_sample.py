"""The per-sample backend: per-sample SGD for small networks, on plain Python floats.

With one sample per update, every NumPy call costs about as much however small its arrays, and
one step of the blog's 3-2-1 network takes some twenty of them; the same arithmetic on Python
floats is a few dozen float operations. So when the batch size is 1, the optimiser is plain SGD
and the network is small (:data:`MAX_PARAMS`), the trainer runs its epochs here
(:func:`nn_core.engine.backends.choose`). It is :meth:`nn_core.engine.network.Network.train_step`
with SGD, written out per number; ``tests/unit/test_per_sample.py`` checks that the two agree
to 1e-12.

Why generated code: on lists, each layer still pays for zip, map, sum and a new list per sample,
which is most of the time on a network this small. So for each shape and set of options this
module writes one function in straight-line Python (see :func:`source`): every weight is a local
float (``w1_0_2``: layer 1, unit 0, input 2; the bias is the last input), every sum is written
out term by term, left to right (as ``sum`` over a list added them: the same bits), activations,
derivatives and losses keep NumPy's order of operations, the loop over the samples is inside,
and the weights come from ``net.params`` in one ``tolist`` and go back in one assignment. This
backend owns its update: the SGD step ``w - lr·(δ a)`` is in the generated code, and the
network's ``grad`` is not used.
Each function is compiled once and cached; learning rate and penalties are its arguments. The
cache keeps the :data:`MAX_CACHED` most recently used functions, and their source for tracebacks
in :mod:`linecache` no longer than they are cached, so no visitor can grow the process by
training many shapes. (The speed figures behind :data:`MAX_PARAMS` are in bench/.)
"""

from __future__ import annotations

import itertools
import linecache
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator

import numpy as np

from nn_core.engine import activations
from nn_core.engine.backends.reference import epoch_rows
from nn_core.engine.network import Network
from nn_core.engine.optim import Optimizer

# NumPy (the recorded backend) is faster from about this size (bench/engine_choices.md)
MAX_PARAMS = 128
# sgd_epoch refuses networks larger than this: their code would be long (~1 line per parameter,
# slow to compile) and NumPy's step is faster there anyway.
MAX_CODE_PARAMS = 512
_TERMS_PER_LINE = 32  # long sums are split over lines (deeply nested expressions cost the parser)
MAX_CACHED = 64  # compiled functions kept (process-wide, shared by every session)
ROWS_PER_PIECE = 64  # pieces(): rows trained between two yields (a look at the clock)
_cache: OrderedDict[tuple, Callable[..., None]] = OrderedDict()  # least recently used first
_cache_lock = threading.Lock()  # for adding and evicting


def supports(net: Network, batch_size: int, optimizer: str) -> bool:
    """Whether this path can run the epoch (per-sample plain SGD on a small network whose
    hidden activations have code below: another one added to the table is left to the others)."""
    return (batch_size == 1 and optimizer == "sgd" and net.params.size <= MAX_PARAMS
            and all(name in _FORWARD for name in net.hidden_activations))


class PerSample:
    """The per-sample backend for one network and its training rows ``(X, Y)``."""

    def __init__(self, network: Network, X: np.ndarray, Y: np.ndarray) -> None:
        self.network, self.X, self.Y = network, X, Y

    def epoch(self, optimizer: Optimizer, batch_size: int, shuffled: bool,
              rng: np.random.Generator, rule: str, l1: float, l2: float) -> Callable[[], None]:
        """A function that trains one epoch of per-sample SGD (rows in order or shuffled)."""
        if not supports(self.network, batch_size, optimizer.name):
            raise ValueError("the per-sample backend runs per-sample SGD on small networks only")

        train = _runner(self.network, rule, l1, l2)
        if not shuffled:  # the same rows every epoch: made into lists once
            X, Y = self.X.tolist(), self.Y.tolist()
            return lambda: train(X, Y, optimizer.lr)

        def run() -> None:
            X, Y = epoch_rows(self.X, self.Y, shuffled, rng)
            train(X.tolist(), Y.tolist(), optimizer.lr)
        return run

    def pieces(self, optimizer: Optimizer, batch_size: int, shuffled: bool,
               rng: np.random.Generator, rule: str, l1: float, l2: float) -> Iterator[float]:
        """The epoch of :meth:`epoch` in runs of :data:`ROWS_PER_PIECE` rows, yielding the
        share of rows done between them (per-sample SGD: the same steps in the same order)."""
        X, Y = epoch_rows(self.X, self.Y, shuffled, rng)
        for start in range(0, len(X), ROWS_PER_PIECE):
            if start:
                yield start / len(X)
            end = start + ROWS_PER_PIECE
            sgd_epoch(self.network, X[start:end], Y[start:end], optimizer.lr, rule, l1, l2)


def sgd_epoch(net: Network, X: np.ndarray, Y: np.ndarray, lr: float, rule: str = "exact",
              l1: float = 0.0, l2: float = 0.0) -> None:
    """One pass of per-sample SGD over the rows of ``X`` in order, updating ``net`` in place.

    ``rule`` is ``"exact"`` or ``"blog"`` (see :mod:`nn_core.engine.network`); ``l1`` and ``l2``
    penalise the weights, never the biases, as :meth:`Network.penalty_gradient`
    does.
    """
    _runner(net, rule, l1, l2)(X.tolist(), Y.tolist(), lr)


def _runner(net: Network, rule: str, l1: float, l2: float) -> Callable[[list, list, float], None]:
    """The compiled epoch for these options, looked up once (per pass, not per epoch):
    ``run(X rows, Y rows, lr)`` trains on the rows (lists) at the learning rate ``lr``."""
    epoch = _compiled(*_key(net, rule, l1, l2))
    params = net.params

    def run(X: list, Y: list, lr: float) -> None:
        neg_lr = -float(lr)
        l1_step = neg_lr * l1
        epoch(params, X, Y, neg_lr, l1_step, -l1_step, neg_lr * l2)
    return run


def source(net: Network, rule: str = "exact", l1: float = 0.0, l2: float = 0.0) -> str:
    """The Python source of the function that :func:`sgd_epoch` runs for these options."""
    return _generate(*_key(net, rule, l1, l2))


def _key(net: Network, rule: str, l1: float, l2: float) -> tuple:
    """Everything that shapes the generated code (never the values of lr, l1, l2)."""
    return (tuple(net.sizes), tuple(net.hidden_activations), net.output, net.loss_name,
            bool(net.bias), rule == "blog", l1 > 0.0, l2 > 0.0)


def _compiled(*key: object) -> Callable[..., None]:
    """The function for ``key``, from the cache or compiled now (evicting the least used)."""
    epoch = _cache.get(key)  # no lock on this path, run every epoch: each call is atomic
    if epoch is not None:
        try:  # noqa: SIM105 (contextlib.suppress costs as much again on this path)
            _cache.move_to_end(key)
        except KeyError:  # evicted by another session's thread just now
            pass
        return epoch
    code = _generate(*key)
    filename = _filename(key)
    namespace = {"exp": math.exp, "tanh": math.tanh}
    exec(compile(code, filename, "exec"), namespace)  # our own code only: see _generate
    epoch = namespace["sgd_epoch"]
    with _cache_lock:
        _cache[key] = epoch
        _cache.move_to_end(key)
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        while len(_cache) > MAX_CACHED:
            old, _ = _cache.popitem(last=False)
            linecache.cache.pop(_filename(old), None)
    return epoch


def _filename(key: tuple) -> str:
    """A name per key, for tracebacks: ``<nn_core.engine.backends.per_sample 2-4-1 tanh sigmoid bce
    1 0 0 0>``."""
    sizes, hidden, *rest = key
    parts = ["-".join(str(int(s)) for s in sizes), ",".join(hidden) or "-"]
    parts += [str(int(v)) if isinstance(v, bool) else str(v) for v in rest]
    return f"<nn_core.engine.backends.per_sample {' '.join(parts)}>"


# Security: the generated source is built only from integers, names made of integers (w0_1_2)
# and the fixed strings in these tables. Activation and loss names are only ever looked up
# here, never copied into the code, so no user-provided string can reach exec.
#
# a = f(z), from the local z. Sigmoid: below -709 e^-z overflows (math.exp would raise where
# NumPy returns inf) and NumPy's 1 / (1 + inf) is exactly 0, so give 0 there. NaN passes through.
_FORWARD = {
    "sigmoid": "{a} = 0.0 if z < -709.0 else 1.0 / (1.0 + exp(-z))",
    "tanh": "{a} = tanh(z)",
    "relu": "{a} = 0.0 if z <= 0.0 else z",
    "linear": "{a} = z",
}
# d = b · f'(z), from a = f(z) and the error b, in the order of operations of
# the derivatives in nn_core.engine.activations
_DERIVATIVE = {
    "sigmoid": "{d} = ({b} * {a}) * (1.0 - {a})",
    "tanh": "{d} = {b} * (1.0 - {a} * {a})",
    "relu": "{d} = {b} * (1.0 if {a} > 0.0 else 0.0)",  # not 0 when b is inf or NaN
    "linear": "{d} = {b}",
}
# the output layer's δ from the error g = o - y, as nn_core.engine.losses computes it
_OUTPUT_DELTA = {
    ("mse", "sigmoid"): "sigmoid",
    ("mse", "softmax"): "softmax",
    ("mse", "linear"): "error",
    ("bce", "sigmoid"): "error",
    ("ce", "softmax"): "error",
}


def _generate(sizes: tuple[int, ...], hidden: tuple[str, ...], output: str, loss: str,
              bias: bool, blog: bool, l1: bool, l2: bool) -> str:
    """The source of ``sgd_epoch(blocks, X, Y, neg_lr, l1_pos, l1_neg, l2_step)`` for one
    network shape and set of options (``X`` and ``Y`` are lists of rows)."""
    sizes = tuple(int(s) for s in sizes)
    n_params = sum((n_in + bias) * n_out for n_in, n_out in itertools.pairwise(sizes))
    if n_params > MAX_CODE_PARAMS:
        raise ValueError(f"{n_params} parameters: too many for the per-sample backend "
                         f"(at most {MAX_CODE_PARAMS})")
    forward = [_lookup(_FORWARD, name, "hidden activation") for name in hidden]
    derivative = [_lookup(_DERIVATIVE, name, "hidden activation") for name in hidden]
    if output not in activations.OUTPUT:
        raise ValueError(f"unknown output activation {output!r}")
    head = _lookup(_OUTPUT_DELTA, (loss, output), "loss and output pair")
    top = len(sizes) - 1

    def w(layer: int, j: int, i: int) -> str:
        return f"w{layer}_{j}_{i}"

    def a(layer: int, i: int) -> str:
        return f"a{layer}_{i}"

    def flat() -> str:  # every weight in the order of net.params (blocks are its views)
        return ", ".join(w(layer, j, i) for layer in range(top)
                         for j in range(sizes[layer + 1]) for i in range(sizes[layer] + bias))

    lines = ["def sgd_epoch(params, X, Y, neg_lr, l1_pos, l1_neg, l2_step, exp=exp, tanh=tanh):"]
    emit = lines.append
    emit(f"    [{flat()}] = params.tolist()")  # one call, not one per layer
    xs = ", ".join(a(0, i) for i in range(sizes[0]))
    ys = ", ".join(f"y{k}" for k in range(sizes[top]))
    emit(f"    for [{xs}], [{ys}] in zip(X, Y):")

    def sum_into(target: str, terms: list[str]) -> None:
        """``target = t0 + t1 + ...`` added left to right, over several lines if long."""
        for start in range(0, len(terms), _TERMS_PER_LINE):
            chunk = " + ".join(terms[start : start + _TERMS_PER_LINE])
            emit(f"        {target} = {chunk}" if start == 0 else
                 f"        {target} = {target} + {chunk}")

    def z_terms(layer: int, j: int) -> list[str]:  # the bias multiplies an input of 1.0
        terms = [f"{w(layer, j, i)} * {a(layer, i)}" for i in range(sizes[layer])]
        return [*terms, w(layer, j, sizes[layer])] if bias else terms

    # forward
    for layer in range(top - 1):
        for j in range(sizes[layer + 1]):
            sum_into("z", z_terms(layer, j))
            emit("        " + forward[layer].format(a=a(layer + 1, j)))
    n_out = sizes[top]
    outs = [a(top, k) for k in range(n_out)]
    if output == "softmax":
        zs = [f"z{k}" for k in range(n_out)]
        for k in range(n_out):
            sum_into(zs[k], z_terms(top - 1, k))
        emit(f"        m = max({', '.join(zs)})" if n_out > 1 else "        m = z0")
        for k in range(n_out):
            emit(f"        e{k} = exp(z{k} - m)")  # <= 0 or NaN: cannot overflow
        sum_into("s", [f"e{k}" for k in range(n_out)])  # >= 1 or NaN: no division by zero
        for k in range(n_out):
            emit(f"        {outs[k]} = e{k} / s")
    else:
        for k in range(n_out):
            sum_into("z", z_terms(top - 1, k))
            emit("        " + _FORWARD[output].format(a=outs[k]))

    # output layer: error g = o - y (the blog rule sends g back), and δ
    errors = [f"g{top}_{k}" for k in range(n_out)]
    for k in range(n_out):
        emit(f"        {errors[k]} = {outs[k]} - y{k}")
    deltas = errors
    if head != "error":
        deltas = [f"d{top}_{k}" for k in range(n_out)]
        if head == "softmax":
            sum_into("s", [f"{errors[k]} * {outs[k]}" for k in range(n_out)])
        for k in range(n_out):
            emit(f"        {deltas[k]} = " + (
                f"({errors[k]} * {outs[k]}) * (1.0 - {outs[k]})" if head == "sigmoid" else
                f"({errors[k]} - s) * {outs[k]}"))

    # backward: layer by layer, the δ below (from this layer's weights before the step), then
    # the step: w + (δ a) (-lr) [+ w (-lr l2)] [+ sign(w) (-lr l1)], biases unpenalised
    for layer in range(top - 1, -1, -1):
        n_in = sizes[layer]
        if layer > 0:
            back = errors if blog else deltas
            below_err = [f"g{layer}_{i}" if blog else "b" for i in range(n_in)]
            below = [f"d{layer}_{i}" for i in range(n_in)]
            for i in range(n_in):
                sum_into(below_err[i], [f"{back[j]} * {w(layer, j, i)}"
                                        for j in range(len(back))])
                emit("        " + derivative[layer - 1].format(d=below[i], b=below_err[i],
                                                               a=a(layer, i)))
        for j, d in enumerate(deltas):
            for i in range(n_in):
                wi = w(layer, j, i)
                step = f"({d} * {a(layer, i)}) * neg_lr"
                if l2:
                    step += f" + {wi} * l2_step"
                if l1:
                    step += f" + (l1_pos if {wi} > 0.0 else l1_neg if {wi} < 0.0 else 0.0)"
                emit(f"        {wi} += {step}")
            if bias:
                emit(f"        {w(layer, j, n_in)} += {d} * neg_lr")
        if layer > 0:
            deltas = below
            errors = below_err if blog else errors

    emit(f"    params[...] = [{flat()}]")
    return "\n".join(lines) + "\n"


def _lookup(table: dict, key: str | tuple[str, str], what: str) -> str:
    if key not in table:
        raise ValueError(f"unknown {what} {key!r}")
    return table[key]
