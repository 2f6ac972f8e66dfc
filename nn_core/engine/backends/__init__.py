"""Backends: the reference network's maths arranged for speed, and the one choice among them.

A backend trains one network on its training rows: :func:`make` builds it once per trainer, and
its ``epoch(optimizer, batch_size, shuffled, rng, rule, l1, l2)`` returns a function that trains
one epoch with those settings; ``pieces(...)`` (same arguments) trains the same epoch bit for bit
as a generator that yields the share of rows done between mini-batches, so a caller can stop
inside an epoch and go on later. :func:`choose` picks the backend; the trainer asks nothing else.

- ``reference``: :meth:`nn_core.engine.network.Network.train_step` on each batch, no tricks;
- ``recorded``: the same NumPy maths as recorded calls on preallocated columns (any batch size,
  any optimiser);
- ``per_sample``: generated straight-line Python on floats, for per-sample SGD on small networks.

Each fast backend is proven equal to the reference by the tests (to 1e-12). The recorded backend
can also train in float32 (``dtype``), for speed where float64's transcendental functions are
scalar (CPUs without AVX-512) and BLAS products are large: the tests hold such a run to the
float64 one within the tolerance they state, not to 1e-12.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np

from nn_core.engine.backends import per_sample
from nn_core.engine.backends.per_sample import PerSample
from nn_core.engine.backends.recorded import DTYPES, Recorded
from nn_core.engine.backends.reference import Reference
from nn_core.engine.network import Network
from nn_core.engine.optim import Optimizer

BACKENDS = ("reference", "recorded", "per_sample")
AUTO = "auto"


class Backend(Protocol):
    def epoch(self, optimizer: Optimizer, batch_size: int, shuffled: bool,
              rng: np.random.Generator, rule: str, l1: float, l2: float) -> Callable[[], None]:
        ...

    def pieces(self, optimizer: Optimizer, batch_size: int, shuffled: bool,
               rng: np.random.Generator, rule: str, l1: float, l2: float) -> Iterator[float]:
        ...


def choose(network: Network, batch_size: int, optimizer: str, prefer: str = AUTO,
           dtype: str = "float64") -> str:
    """The backend that trains ``network`` with batches of ``batch_size`` rows and ``optimizer``
    in ``dtype`` (:data:`DTYPES`).

    ``prefer`` names one (ValueError if it cannot run this training); by default: the
    generated per-sample code for per-sample SGD on a small network in float64 (plain floats
    beat NumPy's cost per call there), else the recorded NumPy calls, the only backend that
    trains in float32 (Python's floats and the reference engine are float64).
    """
    if dtype not in DTYPES:
        raise ValueError(f"unknown precision {dtype!r}: one of {', '.join(DTYPES)}")
    if prefer != AUTO:
        if prefer not in BACKENDS:
            raise ValueError(f"unknown backend {prefer!r}")
        if prefer != "recorded" and dtype != "float64":
            raise ValueError(f"the {prefer} backend trains in float64 only")
        if prefer == "per_sample" and not per_sample.supports(network, batch_size, optimizer):
            raise ValueError("the per-sample backend runs per-sample SGD on small networks only")
        return prefer
    if dtype == "float64" and per_sample.supports(network, batch_size, optimizer):
        return "per_sample"
    return "recorded"


def make(name: str, network: Network, X: np.ndarray, Y: np.ndarray,
         dtype: str = "float64") -> Backend:
    """The backend ``name`` for ``network`` and its training rows ``(X, Y)``, training in
    ``dtype`` (float32: the recorded backend only)."""
    kinds: dict[str, type] = {"reference": Reference, "recorded": Recorded,
                              "per_sample": PerSample}
    if name not in kinds:
        raise ValueError(f"unknown backend {name!r}")
    if name == "recorded":
        return Recorded(network, X, Y, dtype)
    if dtype != "float64":
        raise ValueError(f"the {name} backend trains in float64 only")
    return kinds[name](network, X, Y)
