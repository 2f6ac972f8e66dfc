"""Preprocessor: hand-computed scaling, constant columns, transforms, fit on train only, dicts."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_core.data.preprocess import Preprocessor
from nn_core.errors import PlaygroundError

X = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])  # second column constant


def test_standard_by_hand():
    out = Preprocessor("standard").fit_transform(X)
    s = np.sqrt(8 / 3)  # population std of 1, 3, 5
    assert np.allclose(out[:, 0], [-2 / s, 0, 2 / s])
    assert out[:, 1].tolist() == [0.0, 0.0, 0.0]  # constant: no division by zero


def test_constant_column_with_rounding_noise_stays_zero():
    out = Preprocessor("standard").fit_transform(np.full((3, 1), 0.1))
    assert out.ravel().tolist() == [0.0, 0.0, 0.0]


def test_minmax_is_the_books_range():
    out = Preprocessor("minmax").fit_transform(X)
    assert np.allclose(out[:, 0], [0.01, 0.5, 0.99])
    assert out[:, 1].tolist() == [0.5, 0.5, 0.5]


def test_none_is_the_raw_inputs():
    p = Preprocessor("none").fit(X)
    assert np.array_equal(p.transform(X), X) and p.to_dict() == {
        "scale": "none", "transforms": [], "n_inputs": 2}


def test_statistics_come_from_the_training_rows_only():
    p = Preprocessor("standard").fit(X[:2])  # mean 2, std 1 in the first column
    assert np.allclose(p.transform([[5.0, 10.0], [2.0, 11.0]]), [[3.0, 0.0], [0.0, 1.0]])
    m = Preprocessor("minmax").fit(X[:2])  # 1..3 -> 0.01..0.99, beyond it extrapolates
    assert np.allclose(m.transform([[5.0, 10.0]]), [[1.97, 0.5]])


def test_transforms_values_and_names():
    p = Preprocessor("none", ["sin_x2", "x1^2", "x1x2", "x2^2", "sin_x1"]).fit(X)
    assert p.transforms == ("x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2")  # canonical order
    assert np.allclose(p.transform([[2.0, 3.0]]),
                       [[2, 3, 4, 9, 6, np.sin(2), np.sin(3)]])
    assert p.output_names(["height", "weight"]) == [
        "height", "weight", "height^2", "weight^2", "height*weight", "sin(height)",
        "sin(weight)"]
    assert p.n_outputs == 7


def test_transforms_are_scaled_too():
    p = Preprocessor("standard", ["x1x2"]).fit(X)
    out = p.transform(X)
    assert np.allclose(out.mean(axis=0), 0) and np.allclose(out[:, 2].std(), 1)


def test_transforms_need_two_inputs():
    with pytest.raises(PlaygroundError) as err:
        Preprocessor("standard", ["x1^2"]).fit(np.zeros((4, 3)))
    assert str(err.value) == ("feature transforms (x1^2) need exactly 2 input features; this "
                              "data has 3")
    with pytest.raises(PlaygroundError, match="need exactly 2 input features; this data has 1"):
        Preprocessor("none", ["x1x2"]).output_names(["x"])


@pytest.mark.parametrize("make, call, message", [
    (lambda: Preprocessor("robust"), None,
     "scale must be one of standard, minmax, none, got 'robust'"),
    (lambda: Preprocessor("standard", ["x3"]), None,
     "transforms must be chosen from x1^2, x2^2, x1x2, sin_x1, sin_x2"),
    (lambda: Preprocessor(), lambda p: p.transform(X), "the preprocessing is not fitted yet"),
    (lambda: Preprocessor().fit(X), lambda p: p.transform(np.zeros((2, 3))),
     "expected 2 input column(s), got 3"),
    (lambda: Preprocessor().fit(X), lambda p: p.transform([[1.0, np.nan]]),
     "inputs must be finite numbers"),
    (lambda: Preprocessor().fit(X), lambda p: p.transform([1.0, 2.0]),
     "inputs must be a table of rows, got shape (2,)"),
    (lambda: Preprocessor(), lambda p: p.fit(np.zeros((0, 2))),
     "cannot fit the scaling on zero training rows"),
    (lambda: Preprocessor(), lambda p: p.fit([[1e308], [-1e308]]),
     "the inputs are too large to scale"),
    (lambda: Preprocessor().fit([[0.0], [1e-150]]), lambda p: p.transform([[1e300]]),
     "the inputs are too far outside the training range to scale"),
])
def test_refusals(make, call, message):
    with pytest.raises(PlaygroundError) as err:
        p = make()
        call(p)
    assert str(err.value) == message


@pytest.mark.parametrize("scale", ["standard", "minmax", "none"])
def test_dict_round_trip_through_json(scale):
    rng = np.random.default_rng(0)
    train = rng.normal(3, 2, (20, 2))
    p = Preprocessor(scale, ["x1x2", "sin_x1"]).fit(train)
    q = Preprocessor.from_dict(json.loads(json.dumps(p.to_dict())))
    probe = rng.normal(0, 5, (7, 2))
    assert np.array_equal(p.transform(probe), q.transform(probe))
    assert q.to_dict() == p.to_dict()


def test_unfitted_dict_round_trip():
    q = Preprocessor.from_dict(Preprocessor("minmax").to_dict())
    assert q.scale == "minmax" and not q.fitted


GOOD = Preprocessor("standard").fit(X).to_dict()


@pytest.mark.parametrize("tamper", [
    lambda d: "not a dict",
    lambda d: d | {"scale": "log"},
    lambda d: d | {"transforms": "x1^2"},
    lambda d: d | {"transforms": ["x1^2", "x1^2"]},
    lambda d: d | {"transforms": ["x1^2"]},  # statistics no longer match the width
    lambda d: d | {"n_inputs": 0},
    lambda d: d | {"n_inputs": True},
    lambda d: d | {"n_inputs": 3},
    lambda d: d | {"n_inputs": None},
    lambda d: d | {"mean": [0.0]},
    lambda d: d | {"mean": [0.0, "1"]},
    lambda d: d | {"mean": [0.0, float("nan")]},
    lambda d: d | {"std": [1.0, 0.0]},
    lambda d: d | {"std": [1.0, True]},
    lambda d: {k: v for k, v in d.items() if k != "std"},
    lambda d: d | {"extra": 1},
    lambda d: d | {"scale": "minmax"},  # minmax needs min and max, has mean and std
    lambda d: {"scale": "minmax", "transforms": [], "n_inputs": 1, "min": [2.0], "max": [1.0]},
])
def test_tampered_dicts_are_refused(tamper):
    with pytest.raises(PlaygroundError, match=r"^preprocessing: |need exactly 2 input"):
        Preprocessor.from_dict(tamper(dict(GOOD)))


def test_the_untampered_dict_loads():
    assert Preprocessor.from_dict(dict(GOOD)).to_dict() == GOOD


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(),
              st.sampled_from(["standard", "minmax", "none", "x1^2", "x1x2", "mean"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(
                                ["scale", "transforms", "n_inputs", "mean", "std", "min", "max"]),
                                inner, max_size=5)),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(d=st.one_of(JSON, st.builds(lambda base, extra: base | extra,
                                   st.sampled_from([GOOD, Preprocessor("minmax").fit(X).to_dict()]),
                                   st.dictionaries(st.sampled_from(list(GOOD)), JSON, max_size=2))))
def test_any_json_gives_a_preprocessor_or_a_refusal(d):
    try:
        p = Preprocessor.from_dict(d)
        out = p.transform(np.ones((2, p.n_inputs))) if p.fitted else None
    except PlaygroundError:
        return
    if out is not None:
        assert out.shape == (2, p.n_outputs) and np.isfinite(out).all()
