"""A resumable trainer: data split and encoding, epochs, history, divergence.

``Trainer(settings, dataset)`` splits and preprocesses the data, builds the network from one
seeded ``numpy.random.Generator`` (initial weights, then shuffling), and trains on demand:
``train_epochs(n)`` epochs, or ``train_for(seconds)``: a time slice that may end inside an epoch
(the live app's frames). ``Trainer.from_settings(settings)`` loads the data the settings name
first. Each recorded epoch stores the train and test loss and the metric (accuracy, or R² for
regression). The history is bounded: when it holds
``history_cap`` points, every other point is dropped and epochs are recorded half as often, so
it always spans the whole run.

A run that blows up or dies is stopped and rolled back (see :meth:`Trainer._problem`): the
network, optimiser state, random generator, epoch counter and history go back, bit for bit, to
the last epoch whose loss, weights and pre-activations were checked and found sane. Early
stopping (``patience``) watches the validation loss every epoch and restores the best weights.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from nn_core.analysis.gradients import GradientFlow
from nn_core.data.dataset import Dataset, split_indices
from nn_core.data.load import load_data
from nn_core.data.preprocess import Preprocessor
from nn_core.engine import backends, losses, optim
from nn_core.engine.network import QUIET, Network
from nn_core.engine.trace import StepTrace, one_step
from nn_core.errors import PlaygroundError
from nn_core.limits import MAX_REPLAY_WORK, REPLAY_BATCH_WORK, REPLAY_STEP_WORK
from nn_core.settings import LEARNING_RATES, RunSettings
from nn_core.training.snapshots import Snapshot, SnapshotStore, capture

HISTORY_KEYS = ("epoch", "train_loss", "test_loss", "train_metric", "test_metric", "val_loss")
# A run has blown up when its training loss or weights are not finite, its loss passes
# DIVERGED_LOSS, its weights' norm passes MAX_WEIGHT_NORM, or a pre-activation on a training row
# passes MAX_PREACTIVATION (healthy runs, the blog's saturated network on raw inputs included,
# stay below ~1e4). It has died when, for SICK_EPOCHS epochs in a row: a hidden ReLU layer is 0
# on every training row, a classifier gives every row the same output, or the loss stays above
# LOSS_BLOWUP times its starting value.
DIVERGED_LOSS = 1e8
MAX_PREACTIVATION = 1e6
MAX_WEIGHT_NORM = 1e6  # checked every epoch (it costs one dot product); healthy runs stay < 1e3
LOSS_BLOWUP = 3.0
SICK_EPOCHS = 20
QUIET_RUN = 1024  # epochs train_epochs(None) runs between looks at its stop conditions
HEALTH_EPOCHS = 10  # epochs between checks of the pre-activations and outputs (and snapshots)
IMPROVEMENT = 1e-4  # early stopping: a better validation loss is lower by this share at least
NAN = float("nan")  # one object, so equal histories compare equal


def resolve_head(settings: RunSettings, task: str, n_classes: int) -> tuple[str, str, int]:
    """``(output activation, loss, number of outputs)`` for the task; "auto" picks the usual."""
    output = settings.output
    if output == "auto":
        output = {"binary": "sigmoid", "multiclass": "softmax"}.get(task, "linear")
    loss = settings.loss
    if loss == "auto":
        loss = {"sigmoid": "bce", "softmax": "ce"}.get(output, "mse")
    if task == "regression" and output != "linear":
        raise PlaygroundError(f"a regression target needs a linear output layer, not {output}")
    if task != "regression" and output == "linear":
        raise PlaygroundError("a classification target needs a sigmoid or softmax output layer")
    try:
        losses.check(loss, output)
    except ValueError as exc:
        raise PlaygroundError(str(exc)) from None
    one_output = task == "regression" or (task == "binary" and output == "sigmoid")
    n_out = 1 if one_output else n_classes
    return output, loss, n_out


@dataclass
class TargetCoding:
    """How targets become the network's ``Y`` and back: one-hot, 0/1 or standardised values."""

    task: str
    n_outputs: int
    mean: float = 0.0
    std: float = 1.0

    def encode(self, y: np.ndarray) -> np.ndarray:
        if self.task == "regression":
            return ((np.asarray(y, float) - self.mean) / self.std).reshape(-1, 1)
        y = np.asarray(y, dtype=np.int64)
        if self.n_outputs == 1:
            return y.astype(float).reshape(-1, 1)
        return np.eye(self.n_outputs)[y]

    def decode(self, out: np.ndarray) -> np.ndarray:
        """Network outputs → class probabilities ``(n, n_classes)`` or values ``(n,)``."""
        if self.task == "regression":
            return out[:, 0] * self.std + self.mean
        if self.n_outputs == 1:
            return np.column_stack([1.0 - out[:, 0], out[:, 0]])
        return out

    def to_dict(self) -> dict:
        return {"task": self.task, "n_outputs": self.n_outputs, "mean": self.mean,
                "std": self.std}


def metric(task: str, coding: TargetCoding, out: np.ndarray, y: np.ndarray) -> float:
    """Accuracy (classification) or R² (regression) of network outputs against raw targets."""
    if len(y) == 0:
        return float("nan")
    if task == "regression":
        pred = coding.decode(out)
        ss_tot = float(np.sum((y - y.mean()) ** 2))
        ss_res = float(np.sum((y - pred) ** 2))
        return 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    if coding.n_outputs == 1:  # argmax of (1 - p, p) is p > 0.5 exactly (1 - p is exact for
        # p ≥ 0.25; a tie and NaN give class 0 both ways), without building the two columns
        return float(np.mean((out[:, 0] > 0.5) == y))
    return float(np.mean(np.argmax(coding.decode(out), axis=1) == y))


class Trainer:
    """Trains one network on one dataset, epoch by epoch, and remembers how it went."""

    def __init__(self, settings: RunSettings, dataset: Dataset, history_cap: int = 2000,
                 backend: str = backends.AUTO, watched: bool = True) -> None:
        self.settings = settings
        # False: a run nobody watches or looks back at (the command line's): no snapshots after
        # epoch 0's and no gradient-flow records, which only the app's views read (~140 µs a
        # history point on the blog's network); the same training, checks and history
        self.watched = watched
        self.backend = backend  # which engine trains: "auto" (backends.choose) or one by name
        self.dataset = dataset
        self.task = dataset.task
        self.metric_name = "r2" if self.task == "regression" else "accuracy"
        self.history_cap = max(int(history_cap), 4)

        self.train_idx, self.test_idx = split_indices(dataset, settings.test_fraction,
                                                      settings.data_seed)
        if len(self.train_idx) == 0:
            raise PlaygroundError("no training rows left: lower the test fraction")
        self.train_idx, self.val_idx = carve_validation(dataset, self.train_idx,
                                                        settings.validation_fraction,
                                                        settings.data_seed)
        self.preprocessor = Preprocessor(settings.scale, settings.transforms)
        self.preprocessor.fit(dataset.X[self.train_idx])
        self.output, self.loss_name, n_out = resolve_head(settings, self.task, dataset.n_classes)
        y_train = dataset.y[self.train_idx]
        self.coding = TargetCoding(self.task, n_out)
        if self.task == "regression" and settings.scale != "none":
            std = float(y_train.std())
            self.coding = TargetCoding(self.task, n_out, float(y_train.mean()),
                                       std if std > 0 else 1.0)
        self.X_train = self._inputs(dataset.X[self.train_idx])
        self.X_test = self._inputs(dataset.X[self.test_idx])
        self.Y_train = np.ascontiguousarray(self.coding.encode(y_train))
        self.Y_test = np.ascontiguousarray(self.coding.encode(dataset.y[self.test_idx]))
        self.y_train, self.y_test = y_train, dataset.y[self.test_idx]
        self.X_val = self._inputs(dataset.X[self.val_idx])
        self.Y_val = np.ascontiguousarray(self.coding.encode(dataset.y[self.val_idx]))

        self.rng = np.random.default_rng(settings.seed)
        self.network = Network(
            [self.X_train.shape[1], *settings.hidden, n_out], list(settings.activations),
            self.output, self.loss_name, settings.bias, settings.init, self.rng,
        )
        self.optimizer = optim.make(settings.optimizer, settings.lr, settings.momentum)
        self._pass: Callable[[], None] | None = None
        self._backends: dict[str, backends.Backend] = {}  # made on first use, by name
        self._partial: Iterator[None] | None = None  # the epoch train_for is inside of
        self._part = 0.0  # its share of the training rows done
        self._deferred: RunSettings | None = None  # settings set inside it: from its end on
        self.epoch = 0
        self.manual_steps = 0  # single steps applied by hand (How it works): not epochs
        self.stop_reason: str | None = None
        self.stop_kind: str | None = None  # max_epochs, target_loss, early, diverged, died
        self.diverged = False  # blown up or died: rolled back, and training refuses to go on
        self.suggested_lr: float | None = None  # after a blow-up or death
        # early stopping put the best epoch's weights back (see held_epoch)
        self.restored = False
        self.hand_stepped = False  # a step by hand moved the weights since the epoch's end
        self.history: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
        self._stride = 1
        self._current: dict | None = None
        self._sick: tuple[int, str] | None = None  # (first epoch, what) of a sign of death
        self._health_epoch = 0
        # the health signs of the training rows' last forward pass, for the next full check
        # (only the signs: every layer of every row was ~50 MB at 20,000 rows and 6 × 64)
        self._train_health: dict | None = None
        self._start_loss = float(self.current()["train_loss"])
        self._snapshot = self.network.get_params()
        self._save_snapshot()
        self.best_epoch: int | None = None
        self.best_loss = float("inf")
        self._best = self.network.get_params()
        self._early_stopping(self._monitored_loss())
        # per layer, the gradient's norm and the saturated units, on a bounded row sample
        self.flow = GradientFlow(self.X_train, self.Y_train)
        self._record()
        self.snapshots = SnapshotStore(self.network.params.size)  # to look back and go back
        self.snapshots.add(capture(self, None))
        self._looked: tuple[int, Trainer] | None = None  # the last epoch rebuilt by a replay

    @classmethod
    def from_settings(cls, settings: RunSettings, csv_bytes: bytes | None = None,
                      history_cap: int = 2000, backend: str = backends.AUTO) -> Trainer:
        """A trainer on the data ``settings`` name (:func:`nn_core.data.load.load_data`: a
        built-in dataset, or the table ``csv_bytes``). Raises :class:`PlaygroundError` when the
        data cannot be had or the settings do not fit it."""
        return cls(settings, load_data(settings, csv_bytes), history_cap, backend)

    # ------------------------------------------------------------------ data in
    def _inputs(self, X_raw: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(self.preprocessor.transform(X_raw), dtype=float)

    @property
    def feature_names(self) -> list[str]:
        """Names of the network's inputs (after transforms)."""
        return self.preprocessor.output_names(self.dataset.feature_names)

    # ------------------------------------------------------------------ settings
    def set_settings(self, new: RunSettings) -> None:
        """Take new hyper-parameters without touching the weights.

        Raises :class:`PlaygroundError` if ``new`` changes the data or the architecture; build a
        new Trainer then. A new optimiser starts with fresh state (velocity, moments).
        """
        if self.settings.needs_reset(new):
            raise PlaygroundError("these settings change the network: reset to apply them")
        if self._partial is not None:  # an epoch is trained with one setting: from its end on
            self._deferred = new
            return
        old = self.settings
        self.settings = new
        if new.optimizer != old.optimizer or new.momentum != old.momentum:
            self.optimizer = optim.make(new.optimizer, new.lr, new.momentum)
        if new.dtype != old.dtype:  # each backend was made for one precision
            self._backends.clear()
        self.optimizer.lr = float(new.lr)
        self._pass = None
        if self.stop_reason and not self.diverged:
            # a new max-epoch, target loss or patience may allow more training
            self.stop_reason = self.stop_kind = None
            self._check_stop(self.current())
            if self.stop_reason is None and new.patience > 0:
                self._early_stopping(self._monitored_loss())
        if new != old:
            self._pin()  # a replay trains with the settings of its snapshot

    # ------------------------------------------------------------------ training
    def train_epochs(self, n: int | None = None) -> int:
        """Train ``n`` epochs, fewer if a stop condition comes first (None: until one does; the
        settings' maximum epochs is one). An epoch that :meth:`train_for` left in progress is
        ended first and counts. Returns the epochs ended."""
        if self.stop_reason is not None:
            return 0
        done = 0
        with np.errstate(**QUIET):
            while (n is None or done < n) and self.stop_reason is None:
                quiet = self._quiet_epochs(QUIET_RUN if n is None else n - done)
                if quiet:
                    done += quiet
                    continue
                self._train_epoch()
                done += 1
                if self.watched and self.snapshots.due(self.epoch) and not self.diverged:
                    self.snapshots.add(capture(self, self.snapshots.latest()))
        return done

    def _quiet_epochs(self, most: int) -> int:
        """Train up to ``most`` epochs in a row that need no bookkeeping but the weights' check
        (no history point, stop check, early stopping or snapshot due before the next one);
        return how many ended (0: the next epoch needs the full :meth:`_end_epoch`).

        The same epochs as :meth:`_train_epoch` one by one, bit for bit, with the weights' norm
        checked after each (a blown-up epoch ends through :meth:`_end_epoch` and rolls back as
        it would have); it spares the per-epoch method calls, ~4 µs an epoch of the blog's
        per-sample run, as much as its training (bench/engine_choices.md)."""
        s = self.settings
        if (self._partial is not None or self._deferred is not None or s.patience > 0
                or s.target_loss > 0 or self.stop_reason is not None):
            return 0
        start = self.epoch
        nxt = min((start // self._stride + 1) * self._stride, s.epochs,
                  self.snapshots.next_due(start) if self.watched else s.epochs)
        k = min(most, nxt - start - 1)
        if k <= 0:
            return 0
        if self._pass is None:
            self._pass = self._make_pass()
        one_pass, params, bound = self._pass, self.network.params, MAX_WEIGHT_NORM**2
        self.restored = self.hand_stepped = False
        self._current = None
        squares = params.dot  # the bound method: half the cost of np.dot on a small vector
        for done in range(1, k + 1):
            one_pass()
            if not squares(params) <= bound:
                self.epoch = start + done - 1
                self._end_epoch()  # this epoch's end: the check fails again and rolls back
                return done
        self.epoch = start + k
        return k

    def train_for(self, seconds: float, epochs: int | None = None, grace: float = 0.0) -> int:
        """Train for ``seconds`` of wall time, then stop at the next mini-batch boundary, inside
        an epoch if need be (:attr:`epoch_progress` says how far); end at most ``epochs``
        epochs. An epoch whose rest would take at most ``grace`` seconds more (at this call's
        pace) is finished first. The numbers are those of uninterrupted training, bit for bit:
        the next call goes on from the same mini-batch. Returns the epochs ended."""
        if self.stop_reason is not None:
            return 0
        start, first = time.perf_counter(), self.epoch_progress
        deadline = start + seconds
        done = 0
        with np.errstate(**QUIET):
            while (epochs is None or done < epochs) and self.stop_reason is None:
                if self._partial is None:
                    self._partial = self._epoch_pieces()
                for _ in self._partial:
                    now = time.perf_counter()
                    if now >= deadline and not self._ends_within(
                            grace, now - start, done + self._part - first):
                        self._current = None  # the weights moved, the epoch did not
                        return done
                self._train_epoch()  # ends the epoch (the pieces are all done)
                done += 1
                if self.snapshots.due(self.epoch) and not self.diverged:
                    self.snapshots.add(capture(self, self.snapshots.latest()))
                if time.perf_counter() >= deadline:
                    break
        return done

    def _ends_within(self, grace: float, elapsed: float, trained: float) -> bool:
        """Whether the rest of the epoch in progress takes at most ``grace`` seconds at the
        pace of ``trained`` epochs in ``elapsed`` seconds."""
        return grace > 0 and trained > 0 and (1 - self._part) * elapsed / trained <= grace

    @property
    def epoch_progress(self) -> float:
        """The share of the next epoch already trained (0 between epochs)."""
        return self._part if self._partial is not None else 0.0

    def _epoch_pieces(self) -> Iterator[None]:
        """One epoch as :meth:`_make_pass` trains it, on the same backend, yielding between
        mini-batches (the backend's ``pieces``); its settings are those in force when it starts
        (:meth:`set_settings` waits for its end)."""
        s = self.settings
        size, shuffled = self._batching()
        self._part = 0.0
        for part in self._backend(size).pieces(self.optimizer, size, shuffled, self.rng,
                                               s.update_rule, s.l1, s.l2):
            self._part = part
            yield

    def _one_pass(self) -> None:
        if self._partial is not None:  # the rest of the epoch train_for is inside of
            for _ in self._partial:
                pass
            self._partial = None
            return
        if self._pass is None:
            self._pass = self._make_pass()
        self._pass()

    def _make_pass(self) -> Callable[[], None]:
        """A function that trains one epoch with the current settings and optimiser (made
        again whenever either changes, so an epoch does no bookkeeping), on the backend that
        :func:`nn_core.engine.backends.choose` picks."""
        s = self.settings
        size, shuffled = self._batching()
        return self._backend(size).epoch(self.optimizer, size, shuffled, self.rng,
                                         s.update_rule, s.l1, s.l2)

    def _batching(self) -> tuple[int, bool]:
        """The batch size an epoch uses (all the rows for 0 or more) and whether it shuffles."""
        n = len(self.X_train)
        size = self.settings.batch_size if 0 < self.settings.batch_size < n else n
        return size, self.settings.shuffle and size < n

    @property
    def dtype(self) -> str:
        """The precision training computes in (``settings.dtype``; float32: the recorded backend
        on a float32 copy of the weights, loaded from the network at each epoch's start, while
        the network, its measures and snapshots stay float64)."""
        return self.settings.dtype

    def _backend(self, size: int) -> backends.Backend:
        """The backend :func:`nn_core.engine.backends.choose` picks (made once per name, in the
        precision of the settings: a new precision makes them again, see :meth:`set_settings`)."""
        name = backends.choose(self.network, size, self.optimizer.name, self.backend,
                               self.dtype)
        if name not in self._backends:
            self._backends[name] = backends.make(name, self.network, self.X_train,
                                                 self.Y_train, self.dtype)
        return self._backends[name]

    def _train_epoch(self) -> None:
        self._one_pass()
        self._end_epoch()
        self._apply_deferred()

    def _apply_deferred(self) -> None:
        """Take the settings set while an epoch was in progress, now that it has ended."""
        if self._deferred is not None:
            new, self._deferred = self._deferred, None
            self.set_settings(new)

    def _end_epoch(self) -> None:
        self.epoch += 1
        self.restored = self.hand_stepped = False
        self._current = None
        params = self.network.params
        squares = np.dot(params, params)
        if not squares <= MAX_WEIGHT_NORM**2:
            self._roll_back("diverged", "the weights became infinite or NaN"
                            if not np.isfinite(squares) else
                            f"the weights grew to a norm of {np.sqrt(squares):.2g}")
            return
        s = self.settings
        record = self.epoch % self._stride == 0
        if record or self.epoch >= s.epochs or s.target_loss > 0:
            cur = self.current()
            full = self.epoch - self._health_epoch >= HEALTH_EPOCHS
            problem = self._problem(cur, full)
            if problem:
                self._roll_back(*problem)
                return
            if full and self._sick is None:
                self._save_snapshot()
            if record:
                self._record()
            self._check_stop(cur)
        if s.patience > 0 and self.stop_kind in (None, "max_epochs"):
            self._early_stopping(self._monitored_loss())

    def _problem(self, cur: dict, full: bool) -> tuple[str, str] | None:
        """``(kind, what)`` if the run has blown up ("diverged") or died, else None.

        The loss is checked whenever it is computed; the rest (``full``) every
        :data:`HEALTH_EPOCHS` epochs or more, and only such an epoch becomes a snapshot. Signs
        of death must last :data:`SICK_EPOCHS` epochs; meanwhile no snapshot is taken.
        """
        loss = cur["train_loss"]
        if not np.isfinite(loss) or loss > DIVERGED_LOSS:
            return "diverged", f"the loss exploded to {loss:.3g}"
        if not full:
            return None
        self._health_epoch = self.epoch
        cur = self._train_health
        if cur is None:  # this epoch's measure kept no signs (it came before the check was due)
            with np.errstate(**QUIET):
                zs, acts = self.network.forward_layers(self.X_train)
            cur = self._health(zs, acts[-1])
        self._train_health = None
        if cur["max_abs_z"] > MAX_PREACTIVATION:
            return "diverged", (f"a unit's input reached {cur['max_abs_z']:.2g}, far beyond any "
                                "sane range")
        sign = None
        if cur["dead_layer"]:
            sign = (f"every ReLU unit of hidden layer {cur['dead_layer']} outputs 0 for every "
                    "row, so nothing can flow back through it")
        elif cur["same_output"]:
            sign = "the network gives every row the same output"
        elif loss > LOSS_BLOWUP * self._start_loss:
            sign = (f"the loss stayed above {LOSS_BLOWUP:g}× its starting value "
                    f"{self._start_loss:.3g}")
        if sign is None:
            self._sick = None
            return None
        if self._sick is None:
            self._sick = (self.epoch, sign)
        if self.epoch - self._sick[0] < SICK_EPOCHS:
            return None
        kind = "diverged" if sign.startswith("the loss") else "died"
        return kind, f"{sign} (since epoch {self._sick[0]})"

    def _save_snapshot(self) -> None:
        """Remember the current state as the last one checked sane (the roll-back point)."""
        np.copyto(self._snapshot, self.network.params)
        self._snap_epoch = self.epoch
        self._snap_optimizer = self.optimizer.get_state()
        self._snap_rng = self.rng.bit_generator.state

    def _restore_state(self, optimizer_state: dict, rng_state: dict) -> None:
        """The optimiser's and the random generator's state as saved; an optimiser changed
        since starts afresh."""
        if optimizer_state["name"] == self.optimizer.name:
            self.optimizer.set_state(optimizer_state)
        else:
            self.optimizer = optim.make(self.settings.optimizer, self.settings.lr,
                                        self.settings.momentum)
        self.rng.bit_generator.state = rng_state

    def _roll_back(self, kind: str, what: str) -> None:
        """Stop a blown-up or dead run and go back to the last snapshot, bit for bit."""
        bad = self.epoch
        self.network.set_params(self._snapshot)
        self.epoch = self._snap_epoch
        self.snapshots.drop_after(self.epoch)
        self._restore_state(self._snap_optimizer, self._snap_rng)
        self.flow.drop_after(self.epoch)
        self._pass = None
        self._current = None
        self._sick = None
        self._health_epoch = self.epoch
        keep = [i for i, e in enumerate(self.history["epoch"]) if e <= self.epoch]
        for k in HISTORY_KEYS:
            self.history[k] = [self.history[k][i] for i in keep]
        if self.best_epoch is not None and self.best_epoch > self.epoch:
            self.best_epoch, self.best_loss = self.epoch, float("inf")
            np.copyto(self._best, self._snapshot)
        self.diverged = True
        self.stop_kind = kind
        self.suggested_lr = smaller_rate(self.settings.lr)
        self.stop_reason = (f"Training {kind} at epoch {bad}: {what}. The network is back at "
                            f"epoch {self.epoch}, its last healthy state. {self.advice()}")
        self._pin()

    def advice(self, cli: bool = False) -> str:
        """What to change after a blow-up or death (the end of :attr:`stop_reason`): a smaller
        learning rate, or, at the smallest, what else is true to try for this run (``cli``:
        in the command line's options)."""
        if self.suggested_lr is not None:
            return (f"Try --lr {self.suggested_lr:g}." if cli else
                    f"Try a smaller learning rate: {self.suggested_lr:g}.")
        raw = float(np.abs(self.dataset.X[self.train_idx]).max(initial=0.0))
        fixes = other_fixes(self.settings, raw, self.stop_kind or "diverged", cli)
        return (f"The learning rate is already the smallest ({self.settings.lr:g}); instead, "
                + "; ".join(fixes) + ".")

    # ------------------------------------------------------------------ looking back
    def continue_from(self, epoch: int) -> None:
        """Go back to ``epoch`` (any epoch :meth:`reachable` gives itself: a kept snapshot, or
        one rebuilt by replaying from the nearest earlier snapshot; see
        :mod:`nn_core.training.snapshots`), bit for bit: weights, optimiser state, random
        generator, epoch counter, health checks, best weights and stop state; the history and
        the later snapshots are cut at ``epoch``. Training on equals a run that never went
        beyond ``epoch`` (the settings are the ones in force now; a changed optimiser starts
        afresh). ``epoch`` also becomes the point a later blow-up rolls back to. Raises
        :class:`PlaygroundError` for an epoch that cannot be reached."""
        snap = self._kept(epoch) if epoch in self.snapshots else capture(self._replay(epoch),
                                                                         None)
        self._partial = None
        self._apply_deferred()
        self.network.set_params(snap.params)
        self.epoch = snap.epoch
        self._restore_state(snap.optimizer, snap.rng)
        self._pass = None
        self._current = None
        self._train_health = None
        self._sick = snap.sick
        self._health_epoch = snap.health_epoch
        self.best_epoch, self.best_loss = snap.best_epoch, snap.best_loss
        np.copyto(self._best, snap.best)
        self.stop_kind, self.stop_reason = snap.stop_kind, snap.stop_reason
        self.diverged, self.suggested_lr = snap.diverged, snap.suggested_lr
        self.restored, self.hand_stepped = snap.restored, False
        keep = [i for i, e in enumerate(self.history["epoch"]) if e <= self.epoch]
        for k in HISTORY_KEYS:
            self.history[k] = [self.history[k][i] for i in keep]
        self.snapshots.drop_after(self.epoch)
        self.flow.drop_after(self.epoch)
        self._save_snapshot()
        self._pin()  # the settings of now from here on: a replay must not cross this

    def _pin(self) -> None:
        """Keep the state now as a snapshot no replay crosses (the run changed here in a way a
        replay cannot redo: new settings, a step by hand, a jump back or a roll-back)."""
        self._looked = None
        self.snapshots.add(capture(self, self.snapshots.latest()), pin=True)

    def at_epoch(self, epoch: int) -> Trainer:
        """A read-only look at the run as it was at ``epoch`` (one :meth:`reachable` gives
        itself): a copy whose network holds that epoch's weights and whose history ends there
        (its newest point is that epoch's losses). A kept snapshot is shown as kept; any other
        epoch is rebuilt exactly by replaying from the nearest earlier snapshot (the last one
        rebuilt is kept for the next call). Never train it. Raises :class:`PlaygroundError`
        for an epoch that cannot be reached."""
        epoch = int(epoch)
        if epoch in self.snapshots:
            view = self._replica(self._kept(epoch))
            view.snapshots = self.snapshots
        elif self._looked is not None and self._looked[0] == epoch:
            return self._looked[1]
        else:
            view = self._replay(epoch)
        if not view.history["epoch"] or view.history["epoch"][-1] != view.epoch:
            cur = view.current()
            for k in HISTORY_KEYS:
                view.history[k].append(cur[k])
        if epoch not in self.snapshots:
            self._looked = (epoch, view)
        return view

    def replay_epochs(self) -> int:
        """How many epochs one replay may train: :data:`nn_core.limits.MAX_REPLAY_WORK` over
        the work of one epoch of this run (see there); 0 when one epoch costs more."""
        rows, n = len(self.X_train), self.network.params.size
        size = self._batching()[0]
        batches = -(-rows // max(size, 1))
        work = rows * n + batches * (REPLAY_STEP_WORK * n + REPLAY_BATCH_WORK)
        return int(MAX_REPLAY_WORK // max(work, 1))

    def reachable(self, epoch: int) -> int:
        """The latest epoch at or before ``epoch`` (and now) that :meth:`at_epoch` can show:
        ``epoch`` itself when it is kept or a replay from the nearest earlier snapshot fits
        :data:`nn_core.limits.MAX_REPLAY_WORK`; else the latest epoch such a replay reaches."""
        epoch = max(0, min(int(epoch), int(self.epoch)))
        if epoch in self.snapshots:
            return epoch
        base = self.snapshots.base(epoch)
        if base is None:  # a change a replay cannot redo lies between: the latest kept one
            return max(e for e in self.snapshots.epochs() if e <= epoch)
        return min(epoch, base.epoch + self.replay_epochs())

    def _replay(self, epoch: int) -> Trainer:
        """The run at ``epoch``, rebuilt by training a copy from the nearest earlier snapshot
        with the settings then in force; its cost is checked first (:meth:`reachable`)."""
        if epoch < 0 or epoch > self.epoch:
            raise PlaygroundError(f"epoch {epoch} is not in this run (epochs 0 to "
                                  f"{self.epoch})")
        if self.reachable(epoch) != epoch:
            raise PlaygroundError(f"epoch {epoch} cannot be rebuilt: the nearest is epoch "
                                  f"{self.reachable(epoch)}")
        snap = self.snapshots.base(epoch)
        assert snap is not None
        copy_ = self._replica(snap)
        with np.errstate(**QUIET):
            while copy_.epoch < epoch and copy_.stop_reason is None:
                copy_._train_epoch()
        if copy_.epoch != epoch:
            raise PlaygroundError(f"epoch {epoch} cannot be rebuilt: the replay stopped at "
                                  f"epoch {copy_.epoch}")
        copy_._pass, copy_._backends = None, {}  # its buffers: not kept
        copy_.snapshots = self.snapshots  # read-only, as for a kept epoch
        return copy_

    def _network_like(self) -> Network:
        net = self.network
        return Network(net.sizes, net.hidden_activations, net.output, net.loss_name, net.bias,
                       net.init, np.random.default_rng(0))

    def _replica(self, snap: Snapshot) -> Trainer:
        """A trainer of its own, exactly as this one was at ``snap`` (for a replay)."""
        r = copy.copy(self)
        r.settings = snap.settings or self.settings
        r.network = self._network_like()
        r.network.set_params(snap.params)
        s = r.settings
        r.optimizer = optim.make(s.optimizer, s.lr, s.momentum)
        r.optimizer.set_state(snap.optimizer)
        r.rng = np.random.default_rng(0)
        r.rng.bit_generator.state = snap.rng
        r.epoch = snap.epoch
        r._health_epoch, r._sick = snap.health_epoch, snap.sick
        r.best_epoch, r.best_loss = snap.best_epoch, snap.best_loss
        r._best = snap.best.copy()
        r.stop_kind, r.stop_reason = snap.stop_kind, snap.stop_reason
        r.diverged, r.suggested_lr, r.restored = snap.diverged, snap.suggested_lr, snap.restored
        r.hand_stepped = False
        r._snapshot = snap.params.copy()
        r._snap_epoch, r._snap_optimizer, r._snap_rng = snap.epoch, snap.optimizer, snap.rng
        r._pass, r._backends = None, {}
        r._partial, r._part, r._deferred = None, 0.0, None
        r._current = r._train_health = None
        r._looked = None
        keep = [i for i, e in enumerate(self.history["epoch"]) if e <= snap.epoch]
        r.history = {k: [self.history[k][i] for i in keep] for k in HISTORY_KEYS}
        return r

    def _kept(self, epoch: int) -> Snapshot:
        try:
            return self.snapshots.get(int(epoch))
        except (KeyError, TypeError, ValueError):
            raise PlaygroundError(f"epoch {epoch} is not one of the kept snapshots") from None

    def _monitored_loss(self) -> float:
        """The loss early stopping watches: on the validation rows, or the training rows
        (taken from this epoch's measures when they were computed, not computed twice)."""
        if len(self.X_val):
            if self._current is not None:
                return float(self._current["val_loss"])
            return self._loss_on(self.X_val, self.Y_val)
        return float(self.current()["train_loss"])

    def _loss_on(self, X: np.ndarray, Y: np.ndarray) -> float:
        with np.errstate(**QUIET):
            zs, acts = self.network.forward_layers(X)
            return float(losses.value(self.loss_name, self.output, zs[-1], acts[-1], Y))

    def _early_stopping(self, loss: float) -> None:
        """Keep the best weights; stop after ``patience`` epochs without a better loss."""
        if np.isfinite(loss) and loss < DIVERGED_LOSS and (
                self.best_epoch is None or loss < self.best_loss * (1 - IMPROVEMENT)):
            self.best_epoch, self.best_loss = self.epoch, loss
            np.copyto(self._best, self.network.params)
            return
        patience = self.settings.patience
        if self.best_epoch is None or patience <= 0:
            return
        if self.epoch - self.best_epoch >= patience or self.stop_kind == "max_epochs":
            which = "validation" if len(self.X_val) else "training"
            if self.stop_kind != "max_epochs":
                self.stop_kind = "early"
                self.stop_reason = (f"Stopped early at epoch {self.epoch}: the {which} loss "
                                    f"has not improved for {self.epoch - self.best_epoch} "
                                    "epochs.")
            self.stop_reason += (f" The weights of epoch {self.best_epoch}, the best "
                                 f"{which} loss ({self.best_loss:.4g}), are restored.")
            self.network.set_params(self._best)
            self.restored = True
            self._current = None

    @property
    def held_epoch(self) -> int:
        """The epoch whose network the trainer holds: :attr:`best_epoch` once early stopping
        has put its weights back (the run itself stopped at :attr:`epoch`), else :attr:`epoch`."""
        if self.restored and self.best_epoch is not None:
            return int(self.best_epoch)
        return int(self.epoch)

    def _check_stop(self, cur: dict) -> None:
        if self.epoch >= self.settings.epochs:
            self.stop_kind = "max_epochs"
            self.stop_reason = f"Reached the maximum of {self.settings.epochs} epochs."
        elif self.settings.target_loss > 0 and cur["train_loss"] <= self.settings.target_loss:
            self.stop_kind = "target_loss"
            self.stop_reason = (f"Reached the target loss {self.settings.target_loss:g} "
                                f"at epoch {self.epoch}.")

    def apply_manual_step(self, before: np.ndarray, after: np.ndarray, optimizer_state: dict
                          ) -> None:
        """Set the weights to ``after`` and the optimiser's state, exactly: one step taken by
        hand on the How it works page (see :func:`apply_step`). It is not an epoch: the
        epoch counter and the history stay; ``manual_steps`` counts it. Refused (ValueError)
        unless the weights are still ``before`` and the optimiser is of the state's kind."""
        if not np.array_equal(self.network.params, before, equal_nan=True):
            raise ValueError("the network has changed since this step was computed")
        if optimizer_state.get("name") != self.optimizer.name:
            raise ValueError("the optimiser has changed since this step was computed")
        self.network.set_params(after)
        self.optimizer.set_state(optimizer_state)
        self.manual_steps += 1
        self.restored = False  # a step from the held weights: the network of now
        self.hand_stepped = True
        self._pin()
        self._current = None

    # ------------------------------------------------------------------ measuring
    def current(self) -> dict:
        """Loss and metric on both splits for the current weights (computed once per epoch)."""
        if self._current is None:
            with np.errstate(**QUIET):
                net = self.network
                out = {"epoch": self.epoch}
                for split, X, Y, y in (("train", self.X_train, self.Y_train, self.y_train),
                                       ("test", self.X_test, self.Y_test, self.y_test)):
                    if len(X) == 0:
                        out[f"{split}_loss"] = out[f"{split}_metric"] = NAN
                        continue
                    zs, acts = net.forward_layers(X)
                    out[f"{split}_loss"] = losses.value(self.loss_name, self.output, zs[-1],
                                                        acts[-1], Y)
                    out[f"{split}_metric"] = metric(self.task, self.coding, acts[-1], y)
                    if split == "train" and self.epoch - self._health_epoch >= HEALTH_EPOCHS:
                        self._train_health = self._health(zs, acts[-1])
                out["val_loss"] = (self._loss_on(self.X_val, self.Y_val) if len(self.X_val)
                                   else NAN)
            self._current = out
        return self._current

    def _health(self, zs: list[np.ndarray], out: np.ndarray) -> dict:
        """Signs of a blown-up or dead network on the training rows (see :meth:`_problem`)."""
        highs = [float(z.max()) for z in zs]
        max_abs_z = max(max(highs), -min(float(z.min()) for z in zs))
        dead = [i + 1 for i, name in enumerate(self.network.layer_activations[:-1])
                if name == "relu" and not highs[i] > 0]
        same = (self.task != "regression" and len(out) > 1
                and bool(np.all(out == out[0])))
        return {"max_abs_z": max_abs_z if np.isfinite(max_abs_z) else float("inf"),
                "dead_layer": dead[0] if dead else 0, "same_output": same}

    def _record(self) -> None:
        cur = self.current()
        if self.watched:
            self.flow.record(self.epoch, self.network)
        for k in HISTORY_KEYS:
            self.history[k].append(cur[k])
        if len(self.history["epoch"]) > self.history_cap:
            self._stride *= 2
            keep = [i for i, e in enumerate(self.history["epoch"]) if e % self._stride == 0]
            for k in HISTORY_KEYS:
                self.history[k] = [self.history[k][i] for i in keep]

    def summary(self) -> dict:
        """Epochs, losses and metric names the CLI prints (``train_accuracy`` or ``train_r2``)."""
        cur = self.current()
        m = self.metric_name
        return {
            "epochs": self.epoch,
            "held_epoch": self.held_epoch,
            "train_loss": cur["train_loss"],
            "test_loss": cur["test_loss"],
            f"train_{m}": cur["train_metric"],
            f"test_{m}": cur["test_metric"],
            "best_epoch": self.best_epoch if self.settings.patience > 0 else None,
            "stop_kind": self.stop_kind,
            "stop_reason": self.stop_reason,
        }

    # ------------------------------------------------------------------ predicting
    def predict(self, X_raw: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, n_classes)`` or values ``(n,)`` for raw input rows."""
        return predict_raw(self.network, self.preprocessor, self.coding, X_raw)

    def predict_labels(self, X_raw: np.ndarray) -> list:
        """Predicted class labels (classification) or values (regression)."""
        return labels_of(self.predict(X_raw), self.task, self.dataset.classes)


def carve_validation(dataset: Dataset, train_idx: np.ndarray, fraction: float,
                     seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training rows ``(kept, validation)``: a share ``fraction`` of ``train_idx`` set aside
    (stratified by class, seeded by ``seed``), each sorted; none when ``fraction`` is 0 or the
    training rows are too few to spare any."""
    empty = np.zeros(0, dtype=np.int64)
    if fraction <= 0 or len(train_idx) < 4:
        return train_idx, empty
    rng = np.random.default_rng([seed, 1])
    y = dataset.y[train_idx]
    groups = ([np.flatnonzero(y == c) for c in range(dataset.n_classes)]
              if dataset.is_classification else [np.arange(len(train_idx))])
    parts = []
    for rows in groups:
        n_val = round(len(rows) * fraction) if len(rows) >= 2 else 0
        parts.append(rng.permutation(rows)[:min(n_val, len(rows) - 1)])
    val = np.sort(train_idx[np.concatenate(parts).astype(np.int64)]) if parts else empty
    if len(val) == 0:
        return train_idx, empty
    return np.setdiff1d(train_idx, val).astype(np.int64), val.astype(np.int64)


def smaller_rate(lr: float) -> float | None:
    """A learning rate about 30 times smaller, from :data:`nn_core.settings.LEARNING_RATES` (the
    slider's steps); nearer when that is as low as they go; always smaller than ``lr``, and
    None when no step is (``lr`` is the smallest)."""
    below = [r for r in LEARNING_RATES if r <= lr / 30 * (1 + 1e-9)]
    if below:
        return below[-1]
    smaller = [r for r in LEARNING_RATES if r < lr * (1 - 1e-9)]
    return smaller[-1] if smaller else None


def other_fixes(settings: RunSettings, raw_scale: float, kind: str,
                cli: bool = False) -> list[str]:
    """What else to change when the learning rate cannot go lower, each true for this run:
    ``raw_scale`` is the largest absolute raw input, ``kind`` "diverged" or "died"; ``cli``
    names the command line's options instead of the Train page's controls."""
    def say(words: str, app: str, flag: str) -> str:
        return f"{words} ({flag if cli else app})"

    fixes = []
    if settings.scale == "none" and raw_scale > 3:
        fixes.append(say(f"scale the inputs, which reach {raw_scale:.3g}",
                         "Input scaling: standardise", "--scale standard"))
    if settings.update_rule != "exact":
        fixes.append(say("use the exact gradient instead of the blog's rule",
                         "Update rule: exact", "--update-rule exact"))
    if len(settings.hidden) > 2:
        fixes.append(say(f"use fewer hidden layers than {len(settings.hidden)}",
                         "Hidden layers", "--hidden 8,8"))
    acts = set(settings.activations)
    if kind == "died" and "relu" in acts:
        fixes.append(say("use tanh instead of ReLU, whose units died",
                         "Activation (hidden layers): tanh", "--activation tanh"))
    elif "sigmoid" in acts:
        fixes.append(say("use tanh instead of sigmoid", "Activation (hidden layers): tanh",
                         "--activation tanh"))
    if kind == "died" and not settings.bias:
        fixes.append(say("turn the biases on", "Biases", "without --no-bias"))
    if kind == "diverged" and settings.optimizer != "adam":  # its steps are bounded by the rate
        fixes.append(say("use Adam", "Optimiser: Adam", "--optimizer adam"))
    if settings.batch_size == 1:
        fixes.append(say("use larger batches than 1 row", "Batch size", "--batch-size 32"))
    if settings.l1 > 0 or settings.l2 > 0:
        fixes.append(say("lower the regularisation", "Regularisation: none", "--l1 0 --l2 0"))
    if not fixes:
        fixes.append("check the target column and the inputs: this network cannot fit them "
                     "as set")
    return fixes


def predict_raw(network: Network, preprocessor: Preprocessor, coding: TargetCoding,
                X_raw: np.ndarray) -> np.ndarray:
    """Raw rows → preprocessing → network → probabilities or values."""
    X_raw = np.asarray(X_raw, dtype=float)
    if X_raw.ndim == 1:
        X_raw = X_raw.reshape(1, -1)
    with np.errstate(over="ignore", under="ignore"):
        out = network.forward(preprocessor.transform(X_raw))
    return coding.decode(out)


def labels_of(pred: np.ndarray, task: str, classes: list[str]) -> list:
    """Class labels from probabilities, or the values themselves for regression."""
    if task == "regression":
        return [float(v) for v in pred]
    return [classes[i] for i in np.argmax(pred, axis=1)]


def trainer_step(trainer: Trainer, row: int) -> StepTrace:
    """:func:`nn_core.engine.trace.one_step` of the trainer's network on its training row
    ``row`` (0-based, after the trainer's preprocessing and target coding), with its learning
    rate, update rule, optimiser (a copy of its state) and penalties."""
    n = len(trainer.X_train)
    if not 0 <= row < n:
        raise ValueError(f"row {row} is not one of the {n} training rows")
    s = trainer.settings
    return one_step(trainer.network, trainer.X_train[row], trainer.Y_train[row], s.lr,
                    s.update_rule, trainer.optimizer, s.l1, s.l2)


def apply_step(trainer: Trainer, trace: StepTrace) -> None:
    """Make the trainer's network and optimiser exactly what ``trace`` says they become.

    Refuses (ValueError) when the network is no longer the one the trace started from. The
    step is not an epoch: the epoch counter and the history stay; the trainer counts it in
    ``manual_steps``.
    """
    trainer.apply_manual_step(trace.params_before, trace.params_after, trace.optimizer_state)
