"""The multi-layer network: parameters, forward pass, backward pass.

Layer ``l`` maps ``A[l-1]`` (n, sizes[l-1]) to ``A[l] = f_l(A[l-1] @ W[l] + b[l])``. Samples are
rows in the public methods, as in scikit-learn, and ``weights[l]`` is ``(n_in, n_out)``. All
weights and biases live in one flat vector ``params`` (their gradients in ``grad``), each
layer's matrix stored ``(n_out, n_in)`` like the blog's and PyTorch's, followed by its bias
column; ``weights[l]`` is the transposed view of it and ``biases[l]`` a view too. So an
optimiser updates every layer with a few NumPy calls and a snapshot is one copy.

A training step (:meth:`Network.backward_columns`) works the other way round, one column per
sample as in the blog: ``z[l] = [W b] @ [a[l-1]; 1]``. Its products are then the very BLAS calls
of the blog's code (same rounding), each layer's activations stay contiguous above their row of
ones, and every buffer is allocated once per batch size.

Two update rules:

- ``exact``: backpropagation, ``δ[l-1] = (W[l]ᵀ δ[l]) ⊙ f'(z[l-1])``, the true gradient.
- ``blog``: the rule of the blog's class (and of the book it follows): errors travel back
  through the weights alone, ``e[l-1] = W[l]ᵀ e[l]`` starting from ``e = o - y``, and each
  layer steps along ``e[l] ⊙ f'(z[l])``. The output layer's step is exact; hidden layers' are not.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from nn_core.engine import activations, losses

INITS = ("blog", "xavier", "he")
INIT_TITLES = {"blog": "the blog's: normal(0, n_out^-½)", "xavier": "Xavier (uniform)",
               "he": "He (normal)"}
# Floating-point conditions that are not errors here: exp overflowing to inf in a saturated
# sigmoid gives exactly 0. Divergence is detected by the trainer from the weights and the loss.
QUIET = {"over": "ignore", "under": "ignore", "invalid": "ignore", "divide": "ignore"}
RULES = ("exact", "blog")
RULE_TITLES = {"exact": "exact gradient", "blog": "the blog's rule"}


KEPT_BATCH_SIZES = 3  # batch sizes whose step buffers a network keeps (see _steps_for)

class Network:
    """A fully connected feed-forward network with per-layer weight matrices ``(n_in, n_out)``."""

    def __init__(
        self,
        sizes: Sequence[int],
        activations: Sequence[str] | str = "tanh",
        output: str = "sigmoid",
        loss: str = "mse",
        bias: bool = True,
        init: str = "xavier",
        rng: np.random.Generator | None = None,
    ) -> None:
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"need an input and an output size of at least 1, got {sizes}")
        n_hidden = len(sizes) - 2
        hidden = [activations] * n_hidden if isinstance(activations, str) else list(activations)
        if len(hidden) != n_hidden:
            raise ValueError(f"{len(hidden)} activations for {n_hidden} hidden layers")
        for name in hidden:
            if name not in _HIDDEN_ACTIVATIONS:
                raise ValueError(f"unknown hidden activation {name!r}")
        if output not in _OUTPUT_ACTIVATIONS:
            raise ValueError(f"unknown output activation {output!r}")
        losses.check(loss, output)
        if init not in INITS:
            raise ValueError(f"unknown initialisation {init!r}")

        self.sizes = sizes
        self.hidden_activations = hidden
        self.output = output
        self.loss_name = loss
        self.bias = bool(bias)
        self.init = init
        self.layer_activations = [*hidden, output]

        shapes = list(itertools.pairwise(sizes))
        n_params = sum(o * (i + self.bias) for i, o in shapes)
        self.params = np.zeros(n_params)
        self.grad = np.zeros(n_params)
        self.reg_mask = np.zeros(n_params)  # 1 on weights, 0 on biases: only weights are penalised
        self.blocks, self.matrices, self.biases = self._views(self.params, shapes)
        self.weights = [m.T for m in self.matrices]
        self.grad_blocks, self.grad_matrices, self.grad_biases = self._views(self.grad, shapes)
        for m in self._views(self.reg_mask, shapes)[1]:
            m[...] = 1.0
        self.initialise(rng if rng is not None else np.random.default_rng())
        self._steps: dict[int, list[_Step]] = {}

    def _views(self, flat: np.ndarray, shapes: list[tuple[int, int]]):
        """Per layer, views of ``flat``: the block ``(n_out, n_in [+ 1])`` whose last column is
        the bias (when there are biases), the ``(n_out, n_in)`` matrix, the ``(n_out,)`` bias."""
        blocks, ms, bs, k = [], [], [], 0
        for n_in, n_out in shapes:
            cols = n_in + self.bias
            block = flat[k : k + n_out * cols].reshape(n_out, cols)
            k += n_out * cols
            blocks.append(block)
            ms.append(block[:, :n_in])
            bs.append(block[:, n_in] if self.bias else None)
        return blocks, ms, bs

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.weights)

    def initialise(self, rng: np.random.Generator) -> None:
        """Draw new weights layer by layer; biases start at zero.

        ``blog``: normal(0, n_out^-½), the blog's rule (``hidden_nodes**-0.5`` for the first
        layer); ``xavier``: uniform(±√(6/(n_in+n_out))); ``he``: normal(0, √(2/n_in)).
        """
        for m in self.matrices:
            n_out, n_in = m.shape
            if self.init == "blog":
                m[...] = rng.normal(0.0, n_out**-0.5, (n_out, n_in))
            elif self.init == "xavier":
                limit = np.sqrt(6.0 / (n_in + n_out))
                m[...] = rng.uniform(-limit, limit, (n_out, n_in))
            else:
                m[...] = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_out, n_in))
        for b in self.biases:
            if b is not None:
                b[...] = 0.0

    # ----------------------------------------------------------------- forward, for everyone
    def forward_layers(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Every layer's input ``z`` and output ``a`` for the rows of ``X`` (new arrays).

        Returns ``(zs, activations)`` with ``activations[0] = X``.
        (``backward`` is the hot path and leaves ``np.errstate`` to its caller.)
        """
        a = np.asarray(X, dtype=float)
        zs, acts = [], [a]
        with np.errstate(**QUIET):
            for w, b, name in zip(self.weights, self.biases, self.layer_activations,
                                  strict=True):
                z = a @ w
                if b is not None:
                    z += b
                a = z.copy()
                activations.apply(name, a, a)
                zs.append(z)
                acts.append(a)
        return zs, acts

    def forward(self, X: np.ndarray) -> np.ndarray:
        """The network's outputs, shape ``(n_samples, n_outputs)``."""
        return self.forward_layers(X)[1][-1]

    def loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Mean data loss over the rows (no regularisation term)."""
        zs, acts = self.forward_layers(X)
        return losses.value(self.loss_name, self.output, zs[-1], acts[-1], np.asarray(Y, float))

    def penalty(self, l1: float = 0.0, l2: float = 0.0) -> float:
        """Regularisation term ``l1 Σ|w| + l2/2 Σ w²`` over the weights (never the biases)."""
        w = self.params * self.reg_mask
        return float(l1 * np.abs(w).sum() + 0.5 * l2 * (w * w).sum())

    def objective(self, X: np.ndarray, Y: np.ndarray, l1: float = 0.0, l2: float = 0.0) -> float:
        """What training minimises: data loss plus regularisation penalty."""
        return self.loss(X, Y) + self.penalty(l1, l2)

    # ------------------------------------------------------------------ backward, in place
    def backward(self, X: np.ndarray, Y: np.ndarray, scale: float | np.ndarray = 1.0,
                 rule: str = "exact") -> np.ndarray:
        """Fill ``self.grad`` with ``scale · n · ∂L/∂params`` for the batch (X, Y); return it.

        With ``scale = 1/n`` that is the gradient of the mean loss; the SGD optimiser passes
        ``-lr/n`` so that the result is directly the step. ``X`` is ``(n, n_inputs)`` and ``Y``
        ``(n, n_outputs)``; see :meth:`backward_columns` for the layout used inside.
        """
        X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
        if self.bias:  # the inputs get a row of ones, so that block @ inputs adds the bias
            steps = self._steps_for(len(X))
            np.copyto(steps[0].x_in[:-1], X.T)
            return self.backward_columns(steps[0].x_in, Y.T, scale, rule)
        return self.backward_columns(X.T, Y.T, scale, rule)

    def input_columns(self, X: np.ndarray) -> np.ndarray:
        """``X`` as :meth:`backward_columns` takes it: one column per sample, and a last row of
        ones when the network has biases (a new C-contiguous array)."""
        X = np.asarray(X, dtype=float)
        cols = np.ones((X.shape[1] + self.bias, len(X)))
        cols[: X.shape[1]] = X.T
        return cols

    def backward_columns(self, XT: np.ndarray, YT: np.ndarray,
                         scale: float | np.ndarray = 1.0, rule: str = "exact") -> np.ndarray:
        """:meth:`backward` on the transposed batch: ``XT`` is ``(n_inputs [+ 1], n)`` from
        :meth:`input_columns`, ``YT`` is ``(n_outputs, n)``. Runs :meth:`step_calls`."""
        for f, args in self.step_calls(XT, YT, scale, rule):
            f(*args)
        return self.grad

    def step_calls(self, XT: np.ndarray, YT: np.ndarray, scale: float | np.ndarray = 1.0,
                   rule: str = "exact") -> list[tuple[Callable[..., object], tuple]]:
        """The NumPy calls that fill ``self.grad`` for the batch ``(XT, YT)``, in order,
        recorded rather than run: ``for f, args in calls: f(*args)``.

        A layer's activations are ``(units, n)``, one column per sample, as in the blog:
        ``z[l] = [W[l] b[l]] @ [a[l-1]; 1]``, the row of ones stored under the activations so
        that they stay contiguous. Every call writes into buffers made once per batch size, so
        a trainer records each of its batches once and replays the calls every epoch: on small
        networks the Python work between NumPy calls is a good part of a step. Replaying reads
        the arrays as they are then (``XT``, ``YT``, the weights and a 0-d ``scale``).
        """
        steps = self._steps_for(XT.shape[1])
        calls: list[tuple[Callable[..., object], tuple]] = []

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
        # Scaling last (one call for every layer) keeps the blog's order of operations:
        # lr * (delta ⊗ inputs), so its class reproduces the blog's numbers bit for bit.
        call(np.multiply, self.grad, scale, self.grad)
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
        steps: list[_Step] = []
        for i, name in enumerate(self.layer_activations):
            s = _Step(n, self.sizes[i + 1], ones_row=self.bias and i < self.n_layers - 1)
            s.block, s.m_t, s.g_block = self.blocks[i], self.matrices[i].T, self.grad_blocks[i]
            s.product, s.back_product = _product(s.block.shape, n), _product(s.m_t.shape, n)
            s.f = activations.FORWARD_COLUMNS[name]
            s.df = activations.DERIVATIVE.get(name)
            s.below = steps[-1] if steps else None
            steps.append(s)
        steps[0].x_in = np.ones((self.sizes[0] + 1, n)) if self.bias else None
        top = steps[-1]
        top.delta = losses.output_delta_function(self.loss_name, self.output)
        top.tmp = np.empty_like(top.d)
        self._steps[n] = steps
        return steps

    def gradient(self, X: np.ndarray, Y: np.ndarray, l1: float = 0.0, l2: float = 0.0,
                 rule: str = "exact") -> np.ndarray:
        """Gradient of :meth:`objective` (mean loss + penalty) over the flat ``params``; a copy.

        With ``rule="blog"`` the hidden layers' parts follow the blog's rule instead.
        """
        X = np.ascontiguousarray(X, dtype=float)
        Y = np.ascontiguousarray(Y, dtype=float)
        with np.errstate(**QUIET):
            g = self.backward(X, Y, 1.0 / len(X), rule).copy()
        w = self.params * self.reg_mask
        return g + l2 * w + l1 * np.sign(w)

    # ---------------------------------------------------------------------- persistence
    def get_params(self) -> np.ndarray:
        """A copy of the flat parameter vector."""
        return self.params.copy()

    def set_params(self, flat: np.ndarray) -> None:
        """Overwrite every weight and bias from a flat vector of the right length."""
        flat = np.asarray(flat, dtype=float)
        if flat.shape != self.params.shape:
            raise ValueError(f"expected {self.params.size} parameters, got {flat.size}")
        np.copyto(self.params, flat)

    def describe(self) -> dict:
        """The architecture as plain data (no parameters)."""
        return {
            "sizes": list(self.sizes),
            "activations": list(self.hidden_activations),
            "output": self.output,
            "loss": self.loss_name,
            "bias": self.bias,
            "init": self.init,
        }


_HIDDEN_ACTIVATIONS = activations.HIDDEN
_OUTPUT_ACTIVATIONS = activations.OUTPUT


def _product(left: tuple[int, int], n: int) -> Callable[..., np.ndarray]:
    """``np.matmul`` or ``np.dot`` for ``left @ (k, n)``: measured with NumPy 2.4's OpenBLAS,
    matmul is 10-35% faster on wide products (n >= ~1000, e.g. 8×9 @ 9×1000 5.9 vs 7.0 µs,
    32×10 @ 10×1797 21 vs 32 µs) and dot on narrow ones (0.35 µs less per call) and on outer
    products (k = 1: 4.5 vs 12 µs). Batches of one sample, the blog's, always use dot."""
    return np.matmul if n >= 256 and min(left) > 1 else np.dot


class _Step:
    """One layer's part of a training step for batches of ``n`` samples, in columns: its
    parameter views, its activation and derivative, and preallocated arrays. The layer's input
    ``z`` and output ``a`` share one ``(size, n)`` array ``a`` (the activation works in place),
    which a row of ones follows in ``a_out`` when the next layer has biases. ``e`` (the blog
    rule's errors) is made when that rule is first recorded, ``tmp`` for the output layer only."""

    __slots__ = ("a", "a_out", "back_product", "below", "block", "d", "delta", "df", "e", "f",
                 "g_block", "m_t", "product", "tmp", "x_in")

    def __init__(self, n: int, size: int, ones_row: bool) -> None:
        self.d = np.empty((size, n))
        self.a_out = np.ones((size + 1, n)) if ones_row else np.empty((size, n))
        self.a = self.a_out[:size]
        self.e: np.ndarray | None = None
        self.tmp: np.ndarray | None = None
        self.x_in: np.ndarray | None = None
