"""Built-in datasets: the blog's table and seeded 2-D generators after TensorFlow Playground's.

Shapes follow TF Playground's ``src/dataset.ts`` (points in about [-6, 6]²); ours add a sample
count, two moons, a three-arm spiral and a 1-D sine. ``noise`` runs from 0 to 1; 1 is TF
Playground's largest noise (its 50 %) unless a dataset says otherwise.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nn_core.data.dataset import Dataset
from nn_core.errors import PlaygroundError
from nn_core.limits import MAX_SAMPLES, MIN_SAMPLES

Generator = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class DatasetSpec:
    """What the UI shows about a built-in dataset, and the function that draws it."""

    title: str
    description: str
    task: str  # "binary" | "multiclass" | "regression"
    generator: Generator
    features: tuple[str, ...] = ("x1", "x2")
    target: str = "label"
    classes: tuple[str, ...] = ()
    test_rows: tuple[bool, ...] | None = None  # fixed test rows; the data is then fixed too


def _counts(n: int, k: int) -> list[int]:
    """Split ``n`` samples over ``k`` classes as evenly as possible."""
    return [n // k + (i < n % k) for i in range(k)]


def _labels(counts: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(counts)), counts)


# --- the blog's table ---------------------------------------------------------------------------

BLOG_TRAIN = [[170, 70, 25], [160, 55, 30], [180, 90, 40], [150, 45, 20]]
BLOG_TRAIN_TARGETS = [1, 0, 1, 0]
BLOG_TEST = [[175, 75, 27], [165, 60, 35], [185, 95, 42]]
BLOG_TEST_TARGETS = [1, 0, 1]  # not in the blog: taller and heavier rows are its label 1


def _blog(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return np.array(BLOG_TRAIN + BLOG_TEST, float), np.array(BLOG_TRAIN_TARGETS + BLOG_TEST_TARGETS)


# --- classification -----------------------------------------------------------------------------

def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Four squares: label 1 where x1 and x2 have the same sign; noise blurs the edges."""
    xy = rng.uniform(-5, 5, (n, 2))
    xy += np.where(xy > 0, 0.3, -0.3)  # keep points off the axes
    shifted = xy + rng.uniform(-5, 5, (n, 2)) * (0.5 * noise)
    return xy, (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A disc of label 1 inside a ring of label 0; noise blurs the border."""
    radius = 5.0
    n_in, n_out = _counts(n, 2)
    r_in = rng.uniform(0, 0.5 * radius, n_in)
    r_out = rng.uniform(0.7 * radius, radius, n_out)
    r = np.concatenate([r_in, r_out])
    angle = rng.uniform(0, 2 * math.pi, n)
    xy = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shifted = xy + rng.uniform(-radius, radius, (n, 2)) * (0.5 * noise)
    return xy, (np.hypot(shifted[:, 0], shifted[:, 1]) < 0.5 * radius).astype(np.int64)


def _gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two round clusters at (-2, -2) and (2, 2); noise widens them."""
    variance = 0.5 + 3.5 * noise  # TF Playground: 0.5 at no noise, 4 at its largest
    counts = _counts(n, 2)
    centres = np.repeat([[-2.0, -2.0], [2.0, 2.0]], counts, axis=0)
    return centres + rng.normal(0, math.sqrt(variance), (n, 2)), _labels(counts)


def _spiral_arms(n: int, arms: int, jitter: float, rng: np.random.Generator) -> tuple:
    counts = _counts(n, arms)
    xs = []
    for arm, m in enumerate(counts):
        i = np.arange(m) / m
        r = 5 * i
        t = 1.75 * 2 * math.pi * i + 2 * math.pi * arm / arms
        xs.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    xy = np.concatenate(xs)
    return xy + rng.uniform(-1, 1, (n, 2)) * jitter, _labels(counts)


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms, the hardest two-class shape; noise jitters them."""
    return _spiral_arms(n, 2, 1.0 * noise, rng)


def _spiral3(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three interleaved spiral arms, one class each (softmax output)."""
    return _spiral_arms(n, 3, 0.7 * noise, rng)


def _moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interlocking half circles; noise scatters them into each other."""
    counts = _counts(n, 2)
    t = rng.uniform(0, math.pi, n)
    upper = np.arange(n) < counts[0]
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    xy = 2.5 * (np.column_stack([x - 0.5, y - 0.25]) + rng.normal(0, 0.5 * noise, (n, 2)))
    return xy, _labels(counts)


# --- regression ---------------------------------------------------------------------------------

def _plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = (x1 + x2) / 10, a tilted plane; noise shifts the inputs."""
    xy = rng.uniform(-6, 6, (n, 2))
    shifted = xy + rng.uniform(-6, 6, (n, 2)) * (0.5 * noise)
    return xy, shifted.sum(axis=1) / 10


BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1],
                  [4, -2.5, -1]], float)


def bumps_value(xy: np.ndarray) -> np.ndarray:
    """TF Playground's multi-Gaussian: of the six signed bumps, the one largest in size."""
    d = np.hypot(xy[:, None, 0] - BUMPS[:, 0], xy[:, None, 1] - BUMPS[:, 1])
    values = BUMPS[:, 2] * np.clip(1 - d / 2, 0, 1)
    return values[np.arange(len(xy)), np.abs(values).argmax(axis=1)]


def _bumps(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Six Gaussian bumps, up and down in a 3 × 2 grid; noise shifts the inputs."""
    xy = rng.uniform(-6, 6, (n, 2))
    return xy, bumps_value(xy + rng.uniform(-6, 6, (n, 2)) * (0.5 * noise))


def _sine(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(x) on one input x in [-6, 6]; noise adds Gaussian error."""
    x = rng.uniform(-6, 6, n)
    return x[:, None], np.sin(x) + rng.normal(0, 0.5 * noise, n)


def _shape(title: str, generator: Generator, task: str = "binary",
           classes: tuple[str, ...] = ("0", "1")) -> DatasetSpec:
    """A classification set on x1 and x2; its description is the generator's docstring."""
    return DatasetSpec(title, _doc(generator), task, generator, classes=classes)


def _regression(title: str, generator: Generator,
                features: tuple[str, ...] = ("x1", "x2")) -> DatasetSpec:
    """A regression set with target y; its description is the generator's docstring."""
    return DatasetSpec(title, _doc(generator), "regression", generator, features, target="y")


def _doc(generator: Generator) -> str:
    return " ".join((generator.__doc__ or "").split())


BUILTIN: dict[str, DatasetSpec] = {
    "blog": DatasetSpec(
        "The blog's table",
        "Height, weight and age of 4 people labelled 1 or 0 (1 = the blog's label); its 3 "
        "test_inputs are the test rows, labelled 1, 0, 1 by the training rows' pattern (the blog "
        "gives no labels). Sample count and noise are ignored.",
        "binary", _blog, ("height", "weight", "age"), "label", ("0", "1"),
        test_rows=(False,) * 4 + (True,) * 3),
    "xor": _shape("XOR", _xor),
    "circle": _shape("Circle", _circle),
    "gaussians": _shape("Two Gaussians", _gaussians),
    "spiral": _shape("Spiral", _spiral),
    "spiral3": _shape("Three-arm spiral", _spiral3, "multiclass", ("0", "1", "2")),
    "moons": _shape("Two moons", _moons),
    "plane": _regression("Plane (regression)", _plane),
    "bumps": _regression("Bumps (regression)", _bumps),
    "sine": _regression("Sine (regression)", _sine, features=("x",)),
}


def make_dataset(name: str, n_samples: int, noise: float, seed: int) -> Dataset:
    """Draw built-in dataset ``name``; the same arguments always give the same data."""
    spec = BUILTIN.get(name) if isinstance(name, str) else None
    if spec is None:
        raise PlaygroundError(
            f"unknown dataset {str(name)[:40]!r}: choose one of {', '.join(BUILTIN)}"
        )
    if not isinstance(n_samples, numbers.Integral) or not MIN_SAMPLES <= n_samples <= MAX_SAMPLES:
        raise PlaygroundError(f"sample count must be a whole number from {MIN_SAMPLES} to "
                              f"{MAX_SAMPLES}, got {n_samples!r}"[:120])
    if not isinstance(noise, numbers.Real) or not 0 <= noise <= 1:
        raise PlaygroundError(f"noise must be a number from 0 to 1, got {noise!r}"[:120])
    if not isinstance(seed, numbers.Integral) or seed < 0:
        raise PlaygroundError(f"data seed must be a whole number >= 0, got {seed!r}"[:120])
    rng = np.random.default_rng(int(seed))
    X, y = spec.generator(int(n_samples), float(noise), rng)
    test_rows = None
    if spec.test_rows is None:
        order = rng.permutation(len(X))  # mix the classes so no colour is drawn on top of another
        X, y = X[order], y[order]
    else:
        test_rows = np.array(spec.test_rows)
    return Dataset(X, y, list(spec.features), spec.target, spec.task, list(spec.classes),
                   name=name, description=spec.description, test_rows=test_rows)
