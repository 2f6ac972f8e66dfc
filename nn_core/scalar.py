"""Per-sample SGD for small networks, on plain Python floats.

With one sample per update, every NumPy call costs about half a microsecond however small its
arrays, and one step of the blog's 3-2-1 network takes some twenty of them. The same arithmetic
on Python floats is a few dozen float operations, several times faster. So when the batch size
is 1, the optimiser is plain SGD and the network is small (:data:`MAX_PARAMS`), the trainer runs
its epochs here. It is :meth:`nn_core.network.Network.backward` followed by an SGD step, written
out per number; ``tests/test_scalar.py`` checks that the two agree to 1e-12.
"""

from __future__ import annotations

import math
from math import exp
from operator import mul

import numpy as np

from nn_core.network import Network

MAX_PARAMS = 32  # measured crossover: above ~30 parameters NumPy's step is faster


def supports(net: Network, batch_size: int, optimizer: str) -> bool:
    """Whether this path can run the epoch (per-sample plain SGD on a small network)."""
    return batch_size == 1 and optimizer == "sgd" and net.params.size <= MAX_PARAMS


def _sigmoid(z: list[float]) -> list[float]:
    # below -709, e^-z overflows; NumPy's 1 / (1 + inf) is exactly 0 there as well
    return [1.0 / (1.0 + exp(-v)) if v > -709.0 else 0.0 for v in z]


def _tanh(z: list[float]) -> list[float]:
    return list(map(math.tanh, z))


def _relu(z: list[float]) -> list[float]:
    return [v if v > 0.0 else 0.0 for v in z]


def _linear(z: list[float]) -> list[float]:
    return z


_FORWARD = {"sigmoid": _sigmoid, "tanh": _tanh, "relu": _relu, "linear": _linear}
# d · f'(z) from a = f(z), in the order of operations of nn_core.activations
_DERIVATIVE = {
    "sigmoid": lambda d, a: [(di * ai) * (1.0 - ai) for di, ai in zip(d, a)],
    "tanh": lambda d, a: [di * (1.0 - ai * ai) for di, ai in zip(d, a)],
    "relu": lambda d, a: [di if ai > 0.0 else 0.0 for di, ai in zip(d, a)],
    "linear": lambda d, a: d,
}


def sgd_epoch(net: Network, X: np.ndarray, Y: np.ndarray, lr: float, rule: str = "exact",
              l1: float = 0.0, l2: float = 0.0) -> None:
    """One pass of per-sample SGD over the rows of ``X`` in order, updating ``net`` in place."""
    blocks = [b.tolist() for b in net.blocks]  # rows [w_1 .. w_n (, bias)]
    bias = net.bias
    forward = [_FORWARD[name] for name in net.layer_activations[:-1]]
    derivative = [_DERIVATIVE[name] for name in net.hidden_activations]
    output, loss = net.output, net.loss_name
    out_f = _FORWARD.get(output)
    # (zip without strict=: lists of known equal length, or deliberately cut to the shorter)
    neg_lr = -float(lr)
    blog = rule == "blog"
    penalise = l1 > 0.0 or l2 > 0.0
    l1_step, l2_step = neg_lr * l1, neg_lr * l2
    last = len(blocks) - 1

    one = [1.0] if bias else []  # inputs carry a trailing 1 that multiplies the bias
    for x, y in zip(X.tolist(), Y.tolist()):
        a = x + one
        acts = [a]
        for layer in range(last):
            a = forward[layer]([sum(map(mul, r, a)) for r in blocks[layer]]) + one
            acts.append(a)
        z = [sum(map(mul, r, a)) for r in blocks[last]]
        if output == "softmax":
            m = max(z)
            e = [exp(v - m) for v in z]
            s = sum(e)
            o = [v / s for v in e]
        else:
            o = out_f(z)

        d = [oi - yi for oi, yi in zip(o, y)]
        err = d
        if loss == "mse" and output == "sigmoid":
            d = [(di * oi) * (1.0 - oi) for di, oi in zip(d, o)]
        elif loss == "mse" and output == "softmax":
            s = sum(map(mul, d, o))
            d = [(di - s) * oi for di, oi in zip(d, o)]

        for layer in range(last, -1, -1):
            rows = blocks[layer]
            a_prev = acts[layer]
            if layer > 0:  # the delta below uses this layer's weights before the step
                back = [sum(map(mul, err if blog else d, c)) for c in zip(*rows)]
                if blog:
                    err = back
                d_prev = derivative[layer - 1](back, a_prev)
            if penalise:
                new = [[w + ((dj * v) * neg_lr + w * l2_step
                             + (l1_step if w > 0.0 else -l1_step if w < 0.0 else 0.0))
                        for w, v in zip(r, a_prev)] for r, dj in zip(rows, d)]
                if bias:  # biases are not penalised
                    for r, n, dj in zip(rows, new, d):
                        n[-1] = r[-1] + dj * neg_lr
                blocks[layer] = new
            else:
                blocks[layer] = [[w + (dj * v) * neg_lr for w, v in zip(r, a_prev)]
                                 for r, dj in zip(rows, d)]
            if layer > 0:
                d = d_prev

    for block, rows in zip(net.blocks, blocks, strict=True):
        block[...] = rows
