"""Checks and small networks shared by the unit tests of the engine and the trainer."""

from __future__ import annotations

import numpy as np

from nn_core.engine.network import Network
from nn_core.training.trainer import Trainer


def assert_same_state(a: Trainer, b: Trainer) -> None:
    """``a`` and ``b`` are at the same point of the same run, bit for bit: epoch, weights, random
    state, optimiser state and the best network kept for early stopping."""
    assert a.epoch == b.epoch
    assert np.array_equal(a.network.params, b.network.params)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    mine, theirs = a.optimizer.get_state(), b.optimizer.get_state()
    assert mine.keys() == theirs.keys()
    for key, value in mine.items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(value, theirs[key]), key
        else:
            assert value == theirs[key], key
    assert a.best_epoch == b.best_epoch
    assert np.array_equal(a._best, b._best)


def small_net(hidden_act: str, head: tuple[str, str], bias: bool, seed: int = 0,
              sizes: tuple[int, ...] = (3, 4, 3, 2)) -> Network:
    """A small network of every kind the engine builds: ``head`` is (output, loss); a sigmoid
    with cross-entropy gets one output unit."""
    output, loss = head
    if (output, loss) == ("sigmoid", "bce"):
        sizes = (*sizes[:-1], 1)
    return Network(sizes, hidden_act, output, loss, bias, "xavier", np.random.default_rng(seed))


def clone(net: Network) -> Network:
    """A separate network with the same weights (deepcopy would break the flat views)."""
    d = net.describe()
    new = Network(d["sizes"], d["activations"], d["output"], d["loss"], d["bias"], d["init"])
    new.set_params(net.params)
    return new
