"""The reference backend: the reference network's own training, batch by batch, no tricks.

The trainer runs it when asked to (How it works traces it; the tests hold the other backends to
it): each epoch takes the rows in order or shuffled, and :meth:`Network.train_step` on each batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from nn_core.engine.network import Network
from nn_core.engine.optim import Optimizer


class Reference:
    """The reference backend for one network and its training rows ``(X, Y)``."""

    def __init__(self, network: Network, X: np.ndarray, Y: np.ndarray) -> None:
        self.network, self.X, self.Y = network, X, Y

    def epoch(self, optimizer: Optimizer, batch_size: int, shuffled: bool,
              rng: np.random.Generator, rule: str, l1: float, l2: float) -> Callable[[], None]:
        """A function that trains one epoch: a training step on each batch of rows."""

        def run() -> None:
            for _ in self.pieces(optimizer, batch_size, shuffled, rng, rule, l1, l2):
                pass
        return run

    def pieces(self, optimizer: Optimizer, batch_size: int, shuffled: bool,
               rng: np.random.Generator, rule: str, l1: float, l2: float) -> Iterator[float]:
        """The epoch of :meth:`epoch`, yielding the share of rows done between batches."""
        X, Y = epoch_rows(self.X, self.Y, shuffled, rng)
        for i in range(0, len(X), batch_size):
            if i:
                yield i / len(X)
            self.network.train_step(X[i : i + batch_size], Y[i : i + batch_size], optimizer,
                                    rule, l1, l2)


def epoch_rows(X: np.ndarray, Y: np.ndarray, shuffled: bool,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """An epoch's rows: in order, or shuffled by one permutation drawn from ``rng``."""
    if not shuffled:
        return X, Y
    order = rng.permutation(len(X))
    return X[order], Y[order]
