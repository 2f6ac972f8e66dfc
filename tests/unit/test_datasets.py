"""Built-in datasets (shapes, labels, seeding), the train/test split and load_data."""

import math
from pathlib import Path

import numpy as np
import pytest

from nn_core.data.builtin import BUILTIN, bumps_value, make_dataset
from nn_core.data.dataset import Dataset, split_indices
from nn_core.data.load import load_data
from nn_core.errors import PlaygroundError
from nn_core.settings import RunSettings

GENERATED = [name for name in BUILTIN if name != "blog"]
CSV = Path(__file__).parents[1] / "data" / "csv"


@pytest.mark.parametrize("name", GENERATED)
def test_generated_datasets_are_well_formed(name):
    spec = BUILTIN[name]
    ds = make_dataset(name, 201, 0.3, 7)
    assert ds.X.shape == (201, len(spec.features)) and ds.X.dtype == np.float64
    assert np.isfinite(ds.X).all() and np.abs(ds.X).max() < 9
    assert ds.task == spec.task and ds.name == name and ds.test_rows is None
    assert ds.description == spec.description and spec.title
    if ds.is_classification:
        assert ds.y.dtype == np.int64 and set(ds.y.tolist()) == set(range(ds.n_classes))
    else:
        assert ds.y.dtype == np.float64 and np.isfinite(ds.y).all() and ds.classes == []


@pytest.mark.parametrize("name", GENERATED)
def test_same_seed_same_data_other_seed_other_data(name):
    a, b, c = (make_dataset(name, 100, 0.2, s) for s in (3, 3, 4))
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", ["circle", "gaussians", "spiral", "moons", "spiral3"])
def test_classes_are_balanced(name):
    ds = make_dataset(name, 301, 0.0, 0)
    counts = np.bincount(ds.y)
    assert counts.sum() == 301 and counts.max() - counts.min() <= 1


def test_rows_are_mixed_not_grouped_by_class():
    y = make_dataset("gaussians", 200, 0.0, 0).y
    assert 50 < np.count_nonzero(np.diff(y)) < 150


def test_xor_label_is_the_sign_rule_without_noise():
    ds = make_dataset("xor", 500, 0.0, 1)
    assert np.array_equal(ds.y, (ds.X[:, 0] * ds.X[:, 1] >= 0).astype(int))
    assert np.abs(ds.X).min() >= 0.3  # padded away from the axes, as in TF Playground


def test_noise_flips_some_xor_labels():
    ds = make_dataset("xor", 2000, 1.0, 1)
    wrong = np.mean(ds.y != (ds.X[:, 0] * ds.X[:, 1] >= 0))
    assert 0.1 < wrong < 0.4


def test_circle_inside_is_label_one():
    ds = make_dataset("circle", 500, 0.0, 2)
    r = np.hypot(ds.X[:, 0], ds.X[:, 1])
    assert np.array_equal(ds.y, (r < 2.5).astype(int))
    assert r[ds.y == 1].max() <= 2.5 and r[ds.y == 0].min() >= 3.5 and r.max() <= 5


def test_gaussians_centres_and_spread_follow_noise():
    for noise, variance in ((0.0, 0.5), (1.0, 4.0)):
        ds = make_dataset("gaussians", 5000, noise, 3)
        ones, zeros = ds.X[ds.y == 1], ds.X[ds.y == 0]
        assert np.allclose(ones.mean(axis=0), [2, 2], atol=0.15)
        assert np.allclose(zeros.mean(axis=0), [-2, -2], atol=0.15)
        assert np.allclose(ones.std(axis=0), math.sqrt(variance), rtol=0.06)


@pytest.mark.parametrize("name, arms", [("spiral", 2), ("spiral3", 3)])
def test_spiral_points_lie_on_their_arm(name, arms):
    ds = make_dataset(name, 300, 0.0, 0)
    r = np.hypot(ds.X[:, 0], ds.X[:, 1])
    angle = np.arctan2(ds.X[:, 0], ds.X[:, 1])  # x = r sin t, y = r cos t
    expected = 1.75 * 2 * np.pi * r / 5 + 2 * np.pi * ds.y / arms
    gap = np.angle(np.exp(1j * (angle - expected)))
    assert np.abs(gap[r > 1e-9]).max() < 1e-9


def test_moons_lie_on_two_half_circles():
    ds = make_dataset("moons", 400, 0.0, 5)
    u, v = ds.X[:, 0] / 2.5 + 0.5, ds.X[:, 1] / 2.5 + 0.25
    upper, lower = ds.y == 0, ds.y == 1
    assert np.allclose(np.hypot(u[upper], v[upper]), 1) and (v[upper] >= -1e-12).all()
    assert np.allclose(np.hypot(u[lower] - 1, v[lower] - 0.5), 1)
    assert (v[lower] <= 0.5 + 1e-12).all()


def test_regression_targets_without_noise():
    plane = make_dataset("plane", 300, 0.0, 0)
    assert np.allclose(plane.y, plane.X.sum(axis=1) / 10)
    bumps = make_dataset("bumps", 300, 0.0, 0)
    assert np.array_equal(bumps.y, bumps_value(bumps.X))
    sine = make_dataset("sine", 300, 0.0, 0)
    assert sine.feature_names == ["x"] and np.array_equal(sine.y, np.sin(sine.X[:, 0]))
    noisy = make_dataset("sine", 3000, 1.0, 0)
    assert 0.45 < np.std(noisy.y - np.sin(noisy.X[:, 0])) < 0.55


def test_bumps_value_by_hand():
    points = np.array([[-4, 2.5], [0, 2.5], [0, -2.5], [-4, 1.5], [-2, 2.5], [6, 6]], float)
    assert bumps_value(points).tolist() == [1.0, -1.0, 1.0, 0.5, 0.0, 0.0]


def test_blog_table():
    ds = make_dataset("blog", 999, 1.0, 123)  # count, noise and seed are ignored
    assert ds.X.tolist() == [[170, 70, 25], [160, 55, 30], [180, 90, 40], [150, 45, 20],
                             [175, 75, 27], [165, 60, 35], [185, 95, 42]]
    assert ds.y.tolist() == [1, 0, 1, 0, 1, 0, 1]
    assert ds.test_rows.tolist() == [False] * 4 + [True] * 3
    assert (ds.feature_names, ds.target_name, ds.classes, ds.task) == (
        ["height", "weight", "age"], "label", ["0", "1"], "binary")
    assert "1 = the blog's label" in ds.description and "ignored" in ds.description


@pytest.mark.parametrize("args, message", [
    (("iris", 100, 0.1, 0), "unknown dataset 'iris': choose one of blog, xor, circle, gaussians, "
                            "spiral, spiral3, moons, plane, bumps, sine"),
    (("xor", 3, 0.1, 0), "sample count must be a whole number from 4 to 5000, got 3"),
    (("xor", 5001, 0.1, 0), "sample count must be a whole number from 4 to 5000, got 5001"),
    (("xor", 10.5, 0.1, 0), "sample count must be a whole number from 4 to 5000, got 10.5"),
    (("xor", 100, 1.5, 0), "noise must be a number from 0 to 1, got 1.5"),
    (("xor", 100, 0.1, -1), "data seed must be a whole number >= 0, got -1"),
])
def test_make_dataset_refusals(args, message):
    with pytest.raises(PlaygroundError) as err:
        make_dataset(*args)
    assert str(err.value) == message


# --- split ---------------------------------------------------------------------------------------

def _toy(counts, task="multiclass"):
    y = np.repeat(np.arange(len(counts)), counts)
    classes = [str(i) for i in range(len(counts))] if task != "regression" else []
    return Dataset(np.zeros((len(y), 1)), y, ["x"], "y", task, classes)


def test_split_is_a_seeded_partition():
    ds = make_dataset("moons", 200, 0.1, 0)
    train, test = split_indices(ds, 0.25, 9)
    assert len(test) == 50 and len(train) == 150
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(200))
    assert np.array_equal(train, np.sort(train)) and np.array_equal(test, np.sort(test))
    again = split_indices(ds, 0.25, 9)
    assert np.array_equal(train, again[0]) and np.array_equal(test, again[1])
    assert not np.array_equal(test, split_indices(ds, 0.25, 10)[1])


def test_split_is_stratified():
    ds = _toy([60, 30, 10])
    train, test = split_indices(ds, 0.2, 0)
    assert np.bincount(ds.y[test]).tolist() == [12, 6, 2]
    assert np.bincount(ds.y[train]).tolist() == [48, 24, 8]


def test_small_classes_keep_a_training_row_and_a_test_row():
    ds = _toy([20, 2, 1])
    train, test = split_indices(ds, 0.1, 0)
    assert np.bincount(ds.y[train], minlength=3).tolist() == [18, 1, 1]
    assert np.bincount(ds.y[test], minlength=3).tolist() == [2, 1, 0]
    train, test = split_indices(ds, 0.9, 0)  # never every row of a class
    assert np.bincount(ds.y[train], minlength=3).tolist() == [2, 1, 1]


def test_zero_test_fraction_means_no_test_rows():
    train, test = split_indices(_toy([5, 5]), 0.0, 0)
    assert train.tolist() == list(range(10)) and test.tolist() == []


def test_regression_split_counts():
    ds = _toy([7], task="regression")
    assert [len(part) for part in split_indices(ds, 0.3, 0)] == [5, 2]


def test_blog_split_is_its_fixed_test_rows():
    ds = make_dataset("blog", 4, 0.0, 0)
    for fraction, seed in ((0.2, 0), (0.0, 5)):
        train, test = split_indices(ds, fraction, seed)
        assert train.tolist() == [0, 1, 2, 3] and test.tolist() == [4, 5, 6]


def test_split_refuses_impossible_fractions():
    with pytest.raises(PlaygroundError, match=r"^test fraction must be at least 0 and below 1"):
        split_indices(_toy([5, 5]), 1.0, 0)


# --- load_data -----------------------------------------------------------------------------------

def test_load_data_builtin_uses_the_data_fields():
    s = RunSettings(dataset="spiral3", n_samples=90, noise=0.2, data_seed=4)
    ds, ref = load_data(s), make_dataset("spiral3", 90, 0.2, 4)
    assert np.array_equal(ds.X, ref.X) and np.array_equal(ds.y, ref.y)


def test_load_data_csv_uses_target_features_task():
    s = RunSettings(dataset="csv", target="label", features=("weight",), task="regression")
    ds = load_data(s, (CSV / "basic.csv").read_bytes())
    assert ds.name == "csv" and ds.feature_names == ["weight"] and ds.task == "regression"


@pytest.mark.parametrize("dataset, message", [
    ("csv", "no CSV file given: upload one or choose a built-in dataset"),
    ("wine", "unknown dataset 'wine': choose one of blog, xor, circle, gaussians, spiral, "
             "spiral3, moons, plane, bumps, sine or upload a CSV file"),
])
def test_load_data_without_csv(dataset, message):
    with pytest.raises(PlaygroundError) as err:
        load_data(RunSettings(dataset=dataset, target="y"))
    assert str(err.value) == message


def test_dataset_checks_its_shapes():
    with pytest.raises(ValueError, match="y must have shape"):
        Dataset(np.zeros((3, 2)), [0, 1], ["a", "b"], "y", "binary", ["0", "1"])
    with pytest.raises(ValueError, match="classification needs"):
        Dataset(np.zeros((2, 1)), [0, 2], ["a"], "y", "binary", ["0", "1"])
    ds = Dataset([[1, 2], [3, 4]], [0.5, 1.5], ["a", "b"], "y", "regression", [])
    assert (ds.n_samples, ds.n_features, ds.n_classes, ds.is_classification) == (2, 2, 0, False)
