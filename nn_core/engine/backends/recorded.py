"""The recorded backend: a training step as NumPy calls recorded once and replayed every epoch.

The maths of :meth:`nn_core.engine.network.Network.backward`, arranged for speed, because on
small networks NumPy's cost per call, not the arithmetic, is most of a step:

- one column per sample, as in the blog: ``z[l] = [W[l] b[l]] @ [a[l-1]; 1]``, each layer's bias
  folded into its weight block over a row of ones stored under the activations (contiguous);
- every array preallocated per batch size, every call writing with ``out=``; a layer's ``z`` and
  ``a`` share one array (the activation works in place) and the derivative uses ``a`` up;
- each mini-batch's calls recorded once (``for f, args in calls: f(*args)``) and replayed every
  epoch, reading the arrays as they are then (the data, shuffled in place, and the weights).

It fills the network's ``grad`` with the gradient of the mean loss, as the reference does; the
optimiser then applies the learning rate. The tests prove the two equal to 1e-12 in float64.
With ``dtype="float32"`` it trains on a float32 copy of the weights (:class:`Shadow`), for CPUs
where float64 ``tanh``/``exp`` are scalar and for large products; tests/unit/test_engine_speed.py
states and checks how far that strays from float64 (~n·u per gradient, u = 2^-24).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import numpy as np

from nn_core.engine import activations
from nn_core.engine.network import QUIET, Network
from nn_core.engine.optim import Optimizer

KEPT_BATCH_SIZES = 3  # batch sizes whose step buffers a backend keeps (see Recorded._steps_for)
KEPT_BATCHES = 4096  # pieces(): mini-batches whose recorded calls are kept (later ones re-record)
# pieces(): a mini-batch of at least this many values per layer column (rows × units of all
# layers) also yields between its calls, so a caller can stop inside it: a full batch of 20,000
# rows through 6 × 64 units is one step of ~0.3-0.9 s, far longer than a time slice (the same
# calls in the same order: the numbers do not change). Smaller batches yield between batches
# only (a yield per call would cost a small batch more than its calls).
SPLIT_BATCH_VALUES = 100_000

TANH_FROM_EXP = 512  # values in a layer from which tanh is computed from exp (see _tanh_from_exp)


def _numpy_vectorises_tanh() -> bool:
    """Whether NumPy runs float64 ``tanh`` on its AVX-512 kernels in this process (then one
    ``np.tanh`` call beats ``_tanh_from_exp`` at every size: bench/engine_choices.md)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # another NumPy layout: assume scalar libm
        return False
    return bool(features.get("X86_V4") or features.get("AVX512_SKX"))


VECTOR_TANH = _numpy_vectorises_tanh()

Calls = list[tuple[Callable[..., object], tuple]]


# -------------------------------------------- in-place kernels, one column per sample
# Same order of operations as the reference tables (nn_core.engine.activations, losses). Built
# once per precision (``_kernels``): their constants are 0-d arrays of that precision, since a
# Python float costs a conversion on every call and a float64 constant would run a float32
# array's arithmetic in float64.
def _kernels(dtype: np.dtype) -> dict[str, Callable[..., np.ndarray]]:
    one, zero, two = (np.array(v, dtype=dtype) for v in (1.0, 0.0, 2.0))

    def _sigmoid(z: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.negative(z, out=z)  # z is scratch (contiguous; out may be a strided view)
        np.exp(z, out=z)
        np.add(one, z, out=z)
        return np.divide(one, z, out=out)

    def _tanh(z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.tanh(z, out=out)

    def _tanh_from_exp(z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``tanh z = 1 - 2 / (e^{2z} + 1)``: one ``exp`` and four arithmetic calls, in place.

        Why: NumPy vectorises float64 ``tanh`` only with AVX-512; elsewhere it is scalar libm,
        2.5x the cost of ``exp`` on an AVX2 EPYC (bench/engine_choices.md). So it is used only
        for float64 where NumPy has no AVX-512 (:data:`VECTOR_TANH`), and only on layers of
        :data:`TANH_FROM_EXP` values or more (five calls cost more than one on small arrays).
        The extremes need no branch: ``e^{2z}`` overflows to inf above z = 354 (2/inf = 0:
        tanh = 1) and underflows to 0 below -373 (2/1 = 2: tanh = -1); NaN stays NaN. Error: at
        most ~3.3e-16 absolute (``2/(e+1)`` is in [0, 2]), not relative: near 0 the result
        keeps ~1e-16 of absolute error where ``np.tanh`` keeps 1e-16 relative
        (tests/unit/test_backends.py)."""
        np.multiply(z, two, out=out)
        np.exp(out, out=out)
        np.add(out, one, out=out)
        np.divide(two, out, out=out)
        return np.subtract(one, out, out=out)

    def _relu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.maximum(z, zero, out=out)

    def _linear(z: np.ndarray, out: np.ndarray) -> np.ndarray:
        if out is not z:
            np.copyto(out, z)
        return out

    def _softmax(z: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.subtract(z, z.max(axis=0, keepdims=True), out=out)
        np.exp(out, out=out)
        return np.divide(out, out.sum(axis=0, keepdims=True), out=out)

    def _d_sigmoid(a: np.ndarray, d: np.ndarray) -> np.ndarray:
        np.multiply(d, a, d)  # (d a)(1 - a)
        np.subtract(one, a, a)
        return np.multiply(d, a, d)

    def _d_tanh(a: np.ndarray, d: np.ndarray) -> np.ndarray:
        np.square(a, a)
        np.subtract(one, a, a)
        return np.multiply(d, a, d)

    def _d_relu(a: np.ndarray, d: np.ndarray) -> np.ndarray:
        np.greater(a, zero, a)
        return np.multiply(d, a, d)

    def _d_linear(a: np.ndarray, d: np.ndarray) -> np.ndarray:
        return d

    def _delta_error(o: np.ndarray, y: np.ndarray, out: np.ndarray,
                     tmp: np.ndarray) -> np.ndarray:
        return np.subtract(o, y, out)  # a cross-entropy on its own output, or mse on a linear one

    def _delta_mse_sigmoid(o: np.ndarray, y: np.ndarray, out: np.ndarray,
                           tmp: np.ndarray) -> np.ndarray:
        np.subtract(o, y, out)  # ((o - y) o)(1 - o)
        np.multiply(out, o, out)
        np.subtract(one, o, tmp)
        return np.multiply(out, tmp, out)

    def _delta_mse_softmax(o: np.ndarray, y: np.ndarray, out: np.ndarray,
                           tmp: np.ndarray) -> np.ndarray:
        np.subtract(o, y, out)  # (g - <g, o>) ⊙ o, per column
        np.multiply(out, o, tmp)
        np.subtract(out, tmp.sum(axis=0, keepdims=True), out)
        return np.multiply(out, o, out)

    return {k.lstrip("_"): v for k, v in locals().items() if k.startswith("_")}


_K64 = _kernels(np.dtype(np.float64))
_K32 = _kernels(np.dtype(np.float32))
KERNELS = {np.dtype(np.float64): _K64, np.dtype(np.float32): _K32}
DTYPES = ("float64", "float32")  # the precisions the recorded backend trains in
_sigmoid, _tanh, _tanh_from_exp = _K64["sigmoid"], _K64["tanh"], _K64["tanh_from_exp"]
_relu, _linear, _softmax = _K64["relu"], _K64["linear"], _K64["softmax"]
_d_sigmoid, _d_tanh, _d_relu, _d_linear = (_K64["d_sigmoid"], _K64["d_tanh"], _K64["d_relu"],
                                           _K64["d_linear"])
_delta_error, _delta_mse_sigmoid, _delta_mse_softmax = (
    _K64["delta_error"], _K64["delta_mse_sigmoid"], _K64["delta_mse_softmax"])
FORWARD_NAMES = ("sigmoid", "tanh", "relu", "linear", "softmax")
FORWARD = {name: _K64[name] for name in FORWARD_NAMES}
# d *= f'(z), from a = f(z), in place; a is overwritten (the step needs it no more)
DERIVATIVE = {name: _K64["d_" + name] for name in ("sigmoid", "tanh", "relu", "linear")}


def _from_table(name: str) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    """An activation without kernels above: the table's own value and derivative (elementwise,
    so the same numbers on columns as on rows), their results copied into the buffers."""
    value, derivative = activations.ACTIVATIONS[name]

    def f(z: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.copyto(out, value(z))
        return out

    def df(a: np.ndarray, d: np.ndarray) -> np.ndarray:
        np.copyto(d, derivative(a, d))
        return d
    return f, df


def _output_delta(loss: str, output: str, kernels: dict = _K64) -> Callable[..., np.ndarray]:
    if loss == "mse" and output == "sigmoid":
        return kernels["delta_mse_sigmoid"]
    if loss == "mse" and output == "softmax":
        return kernels["delta_mse_softmax"]
    return kernels["delta_error"]


def _product(left: tuple[int, int], n: int) -> Callable[..., np.ndarray]:
    """``np.matmul`` or ``np.dot`` for ``left @ (k, n)``: each is the faster on its own shapes
    (measured in bench/engine_choices.md); batches of one sample, the blog's, use dot."""
    return np.matmul if n >= 256 and min(left) > 1 else np.dot


def add_penalty_gradient(g: np.ndarray, params: np.ndarray, mask: np.ndarray, l1: float,
                         l2: float, tmp: np.ndarray) -> None:
    """``g += l2 · w + l1 · sign(w)`` on the weights (``mask``), in place."""
    if l2:
        np.multiply(params, mask, out=tmp)
        tmp *= l2
        g += tmp
    if l1:
        np.sign(params, out=tmp)
        tmp *= mask
        tmp *= l1
        g += tmp


def input_columns(network: Network, X: np.ndarray, dtype: np.dtype | type = np.float64
                  ) -> np.ndarray:
    """The rows of ``X`` as one column per sample, and a last row of ones when the network has
    biases (a new C-contiguous array of ``dtype``)."""
    X = np.asarray(X, dtype=float)
    cols = np.ones((X.shape[1] + network.bias, len(X)), dtype=dtype)
    cols[: X.shape[1]] = X.T
    return cols


class Shadow:
    """The network's parameters and gradient in another precision (float32), laid out and
    viewed as the network's own (``params``, ``grad``, ``blocks``, ``matrices``,
    ``grad_blocks``), for the recorded backend to train in that precision.

    The network keeps its float64 ``params``; :meth:`load` copies them in at the start of an
    epoch (so a roll-back, a step by hand or new weights are seen) and :meth:`store` copies the
    float32 result back at its end, exactly (every float32 is a float64): the run is float32
    arithmetic from epoch to epoch, and everything else (measures, views, snapshots) reads the
    network's float64 copy of those values."""

    def __init__(self, network: Network, dtype: np.dtype) -> None:
        self.source = network
        self.params = network.params.astype(dtype)
        self.grad = np.zeros_like(self.params)
        self.reg_mask = network.reg_mask.astype(dtype)
        shapes = list(itertools.pairwise(network.sizes))
        self.blocks, self.matrices, _ = network._views(self.params, shapes)
        self.grad_blocks, _, _ = network._views(self.grad, shapes)
        self.sizes, self.bias, self.n_layers = network.sizes, network.bias, network.n_layers
        self.layer_activations = network.layer_activations
        self.loss_name, self.output = network.loss_name, network.output

    def load(self) -> None:
        np.copyto(self.params, self.source.params)  # rounds to float32 (exact after a store)

    def store(self) -> None:
        np.copyto(self.source.params, self.params)


class _Step:
    """One layer's part of a training step for batches of ``n`` samples, in columns: its
    parameter views, its activation and derivative, and preallocated arrays. The layer's input
    ``z`` and output ``a`` share one ``(size, n)`` array ``a`` (the activation works in place),
    which a row of ones follows in ``a_out`` when the next layer has biases. ``e`` (the blog
    rule's errors) is made when that rule is first recorded, ``tmp`` for the output layer only."""

    __slots__ = ("a", "a_out", "back_product", "below", "block", "d", "delta", "df", "e", "f",
                 "g_block", "m_t", "product", "tmp")

    def __init__(self, n: int, size: int, ones_row: bool, dtype: np.dtype) -> None:
        self.d = np.empty((size, n), dtype)
        self.a_out = np.ones((size + 1, n), dtype) if ones_row else np.empty((size, n), dtype)
        self.a = self.a_out[:size]
        self.e: np.ndarray | None = None
        self.tmp: np.ndarray | None = None


class Recorded:
    """The recorded backend for one network and its training rows ``(X, Y)``, training in
    ``dtype``: float64 (the network's own, the default) or float32 (see :class:`Shadow`; the
    tests hold a float32 run to the float64 one within the tolerance they state)."""

    def __init__(self, network: Network, X: np.ndarray, Y: np.ndarray,
                 dtype: str = "float64") -> None:
        if dtype not in DTYPES:
            raise ValueError(f"unknown precision {dtype!r}: one of {', '.join(DTYPES)}")
        self.dtype = np.dtype(dtype)
        self.network = network
        # the arrays training writes: the network's own, or their float32 shadow
        self.net: Network | Shadow = (network if self.dtype == network.params.dtype
                                      else Shadow(network, self.dtype))
        self._shadow = self.net if isinstance(self.net, Shadow) else None
        self._kernels = KERNELS[self.dtype]
        self.XT = input_columns(network, X, self.dtype)
        self.YT = np.ascontiguousarray(np.asarray(Y, dtype=self.dtype).T)
        self._XT_shuffled, self._YT_shuffled = np.empty_like(self.XT), np.empty_like(self.YT)
        self._steps: dict[int, list[_Step]] = {}
        self._calls: dict[tuple, list[Calls]] = {}
        self._scratch = np.empty_like(self.net.params)
        self._piece_calls: tuple[tuple, dict[int, Calls]] = ((), {})  # pieces(): start -> calls

    def epoch(self, optimizer: Optimizer, batch_size: int, shuffled: bool,
              rng: np.random.Generator, rule: str, l1: float, l2: float) -> Callable[[], None]:
        """A function that trains one epoch: for each mini-batch, its recorded calls (made on
        first use), the penalty's gradient, the optimiser's step."""
        n = self.XT.shape[1]
        key = (batch_size, shuffled, rule)
        batches = self._calls.get(key)
        if batches is None:
            self._calls.clear()  # keep the current setting's only: they hold many small tuples
            X, Y = (self._XT_shuffled, self._YT_shuffled) if shuffled else (self.XT, self.YT)
            batches = [self.step_calls(X[:, i : i + batch_size], Y[:, i : i + batch_size], rule)
                       for i in range(0, n, batch_size)]
            self._calls[key] = batches
        net = self.net
        params, grad, mask, scratch, step = (net.params, net.grad, net.reg_mask, self._scratch,
                                             optimizer.step)
        penalise = l1 > 0 or l2 > 0
        shadow = self._shadow

        def run() -> None:
            if shadow is not None:
                shadow.load()
            if shuffled:
                self._shuffle(rng)
            for calls in batches:
                for f, args in calls:
                    f(*args)
                if penalise:
                    add_penalty_gradient(grad, params, mask, l1, l2, scratch)
                step(params, grad)
            if shadow is not None:
                shadow.store()
        return run

    def pieces(self, optimizer: Optimizer, batch_size: int, shuffled: bool,
               rng: np.random.Generator, rule: str, l1: float, l2: float) -> Iterator[float]:
        """The epoch of :meth:`epoch`, yielding the share of rows done between mini-batches.

        A batch's calls are those :meth:`epoch` records (reused when it has); recorded on first
        use otherwise, and only the first :data:`KEPT_BATCHES` are kept, so many small batches
        of a large table neither wait for every recording nor hold them all."""
        n = self.XT.shape[1]
        key = (batch_size, shuffled, rule)
        recorded = self._calls.get(key)
        if self._piece_calls[0] != key:
            self._piece_calls = (key, {})
        kept = self._piece_calls[1]
        X, Y = (self._XT_shuffled, self._YT_shuffled) if shuffled else (self.XT, self.YT)
        net = self.net
        penalise = l1 > 0 or l2 > 0
        shadow = self._shadow
        if shuffled:
            self._shuffle(rng)
        split = min(batch_size, n) * sum(net.sizes) >= SPLIT_BATCH_VALUES
        if shadow is not None:
            shadow.load()
        for i in range(0, n, batch_size):
            if i:
                if shadow is not None:  # the network's weights are current between batches
                    shadow.store()
                yield i / n
                if shadow is not None:
                    shadow.load()
            calls = recorded[i // batch_size] if recorded is not None else kept.get(i)
            if calls is None:
                calls = self.step_calls(X[:, i : i + batch_size], Y[:, i : i + batch_size], rule)
                if len(kept) < KEPT_BATCHES:
                    kept[i] = calls
            if split:  # inside the batch: its share of the calls done (weights move at its end)
                rows = min(batch_size, n - i) / len(calls)
                for k, (f, args) in enumerate(calls):
                    f(*args)
                    yield (i + rows * k) / n
            else:
                for f, args in calls:
                    f(*args)
            if penalise:
                add_penalty_gradient(net.grad, net.params, net.reg_mask, l1, l2, self._scratch)
            optimizer.step(net.params, net.grad)
        if shadow is not None:
            shadow.store()

    def _shuffle(self, rng: np.random.Generator) -> None:
        """Refill the shuffled columns with one permutation drawn from ``rng``."""
        order = rng.permutation(self.XT.shape[1])
        np.take(self.XT, order, axis=1, out=self._XT_shuffled)
        np.take(self.YT, order, axis=1, out=self._YT_shuffled)

    def gradient(self, X: np.ndarray, Y: np.ndarray, rule: str = "exact") -> np.ndarray:
        """:meth:`Network.backward` on this backend: the network's ``grad`` filled with the
        gradient of the mean loss over the rows ``(X, Y)``, and returned."""
        YT = np.ascontiguousarray(np.asarray(Y, dtype=self.dtype).T)
        if self._shadow is not None:
            self._shadow.load()
        with np.errstate(**QUIET):
            for f, args in self.step_calls(input_columns(self.network, X, self.dtype), YT,
                                           rule):
                f(*args)
        if self._shadow is not None:
            np.copyto(self.network.grad, self._shadow.grad)
        return self.network.grad

    def step_calls(self, XT: np.ndarray, YT: np.ndarray, rule: str = "exact") -> Calls:
        """The NumPy calls that fill the network's ``grad`` for the batch ``(XT, YT)`` (from
        :func:`input_columns`, and targets as columns), in order, recorded rather than run."""
        steps = self._steps_for(XT.shape[1])
        calls: Calls = []

        def call(f: Callable[..., object], *args: object) -> None:
            calls.append((f, args))

        a_in = XT
        for s in steps:  # forward: z[l] into a[l]'s buffer, then a[l] = f(z[l]) in place
            call(s.product, s.block, a_in, s.a)
            call(s.f, s.a, s.a)
            a_in = s.a_out

        top = steps[-1]
        call(top.delta, top.a, YT, top.d, top.tmp)  # δ of the output layer: n · ∂L/∂z
        blog = rule == "blog"
        if blog:
            for s in steps:
                if s.e is None:
                    s.e = np.empty_like(s.d)
            call(np.subtract, top.a, YT, top.e)
        for s in reversed(steps):  # backward: gradient of layer l, then δ of layer l-1
            lo = s.below
            call(np.dot, s.d, (XT if lo is None else lo.a_out).T, s.g_block)
            if lo is None:
                break
            if blog:  # the error travels back through the weights alone
                call(np.dot, s.m_t, s.e, lo.e)
                call(np.copyto, lo.d, lo.e)
            else:
                call(s.back_product, s.m_t, s.d, lo.d)
            call(lo.df, lo.a, lo.d)  # lo.a is used up here
        if XT.shape[1] > 1:  # the sums over the batch become means (one call for every layer)
            grad = self.net.grad
            call(np.multiply, grad, np.array(1.0 / XT.shape[1], self.dtype), grad)
        return calls

    def _steps_for(self, n: int) -> list[_Step]:
        """Per-layer buffers and functions for batches of ``n`` samples, made once.

        Only the last :data:`KEPT_BATCH_SIZES` sizes are kept (a trainer uses two: its batch
        size and a shorter last batch), so trying many batch sizes does not pile up buffers of
        units × rows each; calls recorded earlier keep the buffers they were recorded on.
        """
        if n in self._steps:
            self._steps[n] = self._steps.pop(n)  # the most recent last
            return self._steps[n]
        while len(self._steps) >= KEPT_BATCH_SIZES:
            del self._steps[next(iter(self._steps))]
        net, k = self.net, self._kernels
        steps: list[_Step] = []
        for i, name in enumerate(net.layer_activations):
            s = _Step(n, net.sizes[i + 1], net.bias and i < net.n_layers - 1, self.dtype)
            s.block, s.m_t, s.g_block = net.blocks[i], net.matrices[i].T, net.grad_blocks[i]
            s.product, s.back_product = _product(s.block.shape, n), _product(s.m_t.shape, n)
            s.f, s.df = (k[name], k.get("d_" + name)) if name in FORWARD else _from_table(name)
            # float32 tanh is vectorised with AVX2 already (bench/engine_choices.md)
            if (name == "tanh" and not VECTOR_TANH and k is _K64
                    and net.sizes[i + 1] * n >= TANH_FROM_EXP):
                s.f = k["tanh_from_exp"]
            s.below = steps[-1] if steps else None
            steps.append(s)
        top = steps[-1]
        top.delta = _output_delta(net.loss_name, net.output, k)
        top.tmp = np.empty_like(top.d)
        self._steps[n] = steps
        return steps

