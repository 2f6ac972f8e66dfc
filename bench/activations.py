"""The activation kernels' cost: ``python bench/activations.py [--emulate-avx2]``.

Times, in one run, NumPy's ``tanh`` against the recorded backend's ``tanh`` from one ``exp``
(:func:`nn_core.engine.backends.recorded._tanh_from_exp`), ``exp`` itself, the sigmoid chain and,
for comparison only, ``tanh`` in float32 (not used: 1e-7 relative error), on a mini-batch layer
(8 × 32), a moons layer (8 × 1000) and a digits layer (32 × 1797). Best of 25 repeats, µs per
call, one BLAS thread. ``--emulate-avx2`` runs it as an AVX2-only machine would (see
bench/engine.py, whose machine lines it prints first).
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine  # re-executes this script with the AVX2-only settings when asked
import numpy as np

from nn_core.engine.backends import recorded

SHAPES = ((8, 32), (8, 1000), (32, 1797))


def costs(shape: tuple[int, int]) -> list[float]:
    """µs a call of each kernel on ``shape`` float64 values (best of 25 repeats of 100)."""
    z = np.random.default_rng(0).normal(size=shape) * 2
    out = np.empty_like(z)
    z32 = np.empty(shape, np.float32)
    one = np.array(1.0)

    def sigmoid() -> None:
        np.negative(z, out=out)
        np.exp(out, out=out)
        np.add(one, out, out=out)
        np.divide(one, out, out=out)

    def tanh32() -> None:
        np.copyto(z32, z, casting="same_kind")
        np.tanh(z32, out=z32)
        np.copyto(out, z32)

    kernels = (lambda: np.tanh(z, out=out), lambda: recorded._tanh_from_exp(z, out),
               lambda: np.exp(z, out=out), sigmoid, tanh32)
    return [min(timeit.repeat(k, number=100, repeat=25)) / 100 * 1e6 for k in kernels]


def main() -> None:
    if "--emulate-avx2" in sys.argv[1:] and engine.numpy_avx512():
        raise SystemExit("--emulate-avx2: NumPy still uses AVX-512; not measuring")
    for line in engine.machine():
        print(line)
    print(f"\n{'values':>12} {'np.tanh':>9} {'tanh from exp':>14} {'np.exp':>8} "
          f"{'sigmoid chain':>14} {'float32 tanh':>13}   (µs a call)")
    for shape in SHAPES:
        c = costs(shape)
        label = f"{shape[0]} x {shape[1]}"
        print(f"{label:>12} {c[0]:>9.1f} {c[1]:>14.1f} {c[2]:>8.1f} {c[3]:>14.1f} {c[4]:>13.1f}")


if __name__ == "__main__":
    main()
