"""Snapshots of a run at a bounded number of epochs, to look back at and to continue from.

A :class:`SnapshotStore` keeps, for chosen epochs, everything a
:class:`~nn_core.training.trainer.Trainer`
needs to be exactly as it was then: the parameters, the optimiser's state (velocity, moments),
the random generator's state, the health-check schedule, the early-stopping best weights and
the stop fields. Which epochs:

- **dense early**: every epoch up to :data:`DENSE_EPOCHS` (20; fewer for big networks, see
  below), where a network changes most;
- **sparse late**: after that, every ``stride``-th epoch. When the store is full, ``stride``
  doubles and every snapshot of the tail that is not on the new stride is dropped (the way the
  trainer thins its history), so the tail always spans the whole run at an even spacing.

How many: at most :data:`MAX_SNAPSHOTS` (64), and no more than fit in :data:`BUDGET_BYTES`
(16 MB) at :data:`BOUND_ARRAYS` vectors of the network's size each (parameters, Adam's two
moments, the best weights), but never fewer than :data:`MIN_SNAPSHOTS` (24). The largest network
the playground builds (50 inputs, 6 hidden layers of 64, 20 outputs: 25,364 parameters, 203 kB a
vector) keeps 24 snapshots: at most 24 × 4 × 203 kB ≈ 19.5 MB per session. The default two
moons network (2-8-8-1, 105 parameters) keeps 64, ~215 kB in all. Snapshots share arrays that
did not change (the best weights while early stopping holds them), so most runs use less.

The trainer asks :meth:`SnapshotStore.due` once per epoch (a modulo and a dict lookup); only
an epoch that is due costs a copy of the state.

**Every epoch between**: a snapshot holds the settings in force and the random generator, so
the trainer rebuilds any epoch exactly by replaying from the nearest earlier snapshot (at most
one ``stride`` of epochs: :meth:`Trainer.at_epoch`). What a replay cannot redo — new settings, a
step taken by hand, a jump back — is *pinned*: the trainer keeps a snapshot of the state just
after it, which thinning never drops, so no replay crosses it. At most half the capacity is
pinned; when more would be, the oldest pin is let go and the epochs before it (:attr:`floor`)
can be looked at only where a snapshot is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

DENSE_EPOCHS = 20
MAX_SNAPSHOTS = 64
MIN_SNAPSHOTS = 24
BUDGET_BYTES = 16 * 1024 * 1024
BOUND_ARRAYS = 4  # float64 vectors per snapshot at most: params, Adam's m and v, best weights


def capacity_for(n_params: int) -> int:
    """How many snapshots a network of ``n_params`` parameters keeps."""
    fit = BUDGET_BYTES // max(BOUND_ARRAYS * 8 * int(n_params), 1)
    return int(min(MAX_SNAPSHOTS, max(MIN_SNAPSHOTS, fit)))


@dataclass(frozen=True)
class Snapshot:
    """A trainer's state at the end of one epoch (arrays are never written to)."""

    epoch: int
    params: np.ndarray
    optimizer: dict
    rng: dict
    health_epoch: int
    sick: tuple[int, str] | None
    best_epoch: int | None
    best_loss: float
    best: np.ndarray  # the early-stopping best weights (may be ``params`` or another's array)
    stop_kind: str | None
    stop_reason: str | None
    diverged: bool
    suggested_lr: float | None
    settings: Any = None  # the settings in force (a RunSettings): a replay trains with them
    restored: bool = False  # early stopping had put the best weights back

    def arrays(self) -> list[np.ndarray]:
        found = [self.params, self.best]
        found += [v for v in self.optimizer.values() if isinstance(v, np.ndarray)]
        return found


class SnapshotStore:
    """Snapshots by epoch: every epoch up to ``head``, then every ``stride``-th (see module)."""

    def __init__(self, n_params: int, capacity: int | None = None) -> None:
        self.capacity = int(capacity) if capacity is not None else capacity_for(n_params)
        if self.capacity < 4:
            raise ValueError("keep at least 4 snapshots")
        self.head = min(DENSE_EPOCHS, self.capacity // 3)
        self.stride = 1
        self._snaps: dict[int, Snapshot] = {}
        self._pinned: set[int] = set()  # epochs a replay must not cross (kept through thinning)
        self.max_pinned = self.capacity // 2
        self.floor = 0  # a replay must start at or after this epoch (an older pin was let go)

    def __len__(self) -> int:
        return len(self._snaps)

    def __contains__(self, epoch: object) -> bool:
        return epoch in self._snaps

    def epochs(self) -> list[int]:
        """The kept epochs, in order."""
        return sorted(self._snaps)

    def get(self, epoch: int) -> Snapshot:
        """The snapshot of ``epoch`` (KeyError when it is not kept)."""
        return self._snaps[int(epoch)]

    def latest(self) -> Snapshot | None:
        return self._snaps[max(self._snaps)] if self._snaps else None

    def due(self, epoch: int) -> bool:
        """Whether ``epoch`` should be kept and is not yet: O(1)."""
        return (epoch <= self.head or epoch % self.stride == 0) and epoch not in self._snaps

    def next_due(self, epoch: int) -> int:
        """An epoch after ``epoch`` no later than the first that :meth:`due` will call due."""
        if epoch + 1 <= self.head:
            return epoch + 1
        return (epoch // self.stride + 1) * self.stride

    def add(self, snap: Snapshot, pin: bool = False) -> None:
        """Keep ``snap`` (``pin``: the run changed there in a way a replay cannot redo; it
        replaces a snapshot of the same epoch); when the store is full, thin the tail (stride
        doubles; pinned snapshots stay)."""
        self._snaps[snap.epoch] = snap
        if pin:
            self._pinned.add(snap.epoch)
            while len(self._pinned) > self.max_pinned:
                oldest = min(self._pinned)
                self._pinned.discard(oldest)
                self.floor = max(self.floor, oldest)
        while len(self._snaps) > self.capacity:
            self.stride *= 2
            for e in [e for e in self._snaps
                      if e > self.head and e % self.stride and e not in self._pinned]:
                del self._snaps[e]

    def drop_after(self, epoch: int) -> None:
        """Forget every snapshot later than ``epoch`` (the run went back there)."""
        for e in [e for e in self._snaps if e > epoch]:
            del self._snaps[e]
        self._pinned = {e for e in self._pinned if e <= epoch}
        self.floor = min(self.floor, epoch)

    def base(self, epoch: int) -> Snapshot | None:
        """The snapshot a replay to ``epoch`` starts from: the latest kept at or before it, if
        no change a replay cannot redo lies between (None otherwise)."""
        below = [e for e in self._snaps if e <= epoch]
        if not below:
            return None
        start = max(below)
        return self._snaps[start] if start == epoch or start >= self.floor else None

    def nbytes(self) -> int:
        """Bytes held by the snapshots' arrays (a shared array counted once)."""
        seen: dict[int, int] = {}
        for snap in self._snaps.values():
            for a in snap.arrays():
                seen[id(a)] = a.nbytes
        return sum(seen.values())


def capture(trainer: Any, previous: Snapshot | None) -> Snapshot:
    """The trainer's state now. The best weights are copied only when they are not the current
    weights and differ from ``previous``'s (same best epoch and loss: the same weights)."""
    params = trainer.network.get_params()
    if trainer.best_epoch == trainer.epoch:
        best = params  # early stopping took this epoch's weights as the best
    elif (previous is not None and previous.best_epoch == trainer.best_epoch
          and previous.best_loss == trainer.best_loss):
        best = previous.best
    else:
        best = trainer._best.copy()
    return Snapshot(
        epoch=int(trainer.epoch), params=params, optimizer=trainer.optimizer.get_state(),
        rng=trainer.rng.bit_generator.state, health_epoch=int(trainer._health_epoch),
        sick=trainer._sick, best_epoch=trainer.best_epoch, best_loss=float(trainer.best_loss),
        best=best, stop_kind=trainer.stop_kind, stop_reason=trainer.stop_reason,
        diverged=bool(trainer.diverged), suggested_lr=trainer.suggested_lr,
        settings=trainer.settings, restored=bool(trainer.restored),
    )
