"""Model JSON: round trip, and refusal of damaged files."""

import json

import numpy as np
import pytest

from nn_core.errors import PlaygroundError
from nn_core.io.serialize import model_from_json, model_to_json
from nn_core.settings import RunSettings
from tests.conftest import trained


@pytest.fixture(scope="module")
def trainer():
    s = RunSettings(dataset="spiral3", n_samples=150, hidden=(6, 5), transforms=("x1x2",),
                    scale="minmax", batch_size=10)
    t = trained(s)
    t.train_epochs(5)
    return t


def test_round_trip_predicts_identically(trainer):
    model = model_from_json(model_to_json(trainer))
    X = trainer.dataset.X
    assert np.array_equal(model.predict(X), trainer.predict(X))
    assert model.predict_labels(X[:4]) == trainer.predict_labels(X[:4])
    assert model.settings == trainer.settings
    assert model.epochs == 5 and model.classes == trainer.dataset.classes


def test_regression_round_trip():
    s = RunSettings(dataset="plane", n_samples=100, hidden=(3,))
    t = trained(s)
    t.train_epochs(3)
    model = model_from_json(model_to_json(t).encode())
    assert np.array_equal(model.predict(t.dataset.X), t.predict(t.dataset.X))


def _tamper(trainer, fn):
    d = json.loads(model_to_json(trainer))
    fn(d)
    return json.dumps(d)


@pytest.mark.parametrize("damage, message", [
    (lambda d: d.update(format="other"), "not a playground model"),
    (lambda d: d.update(version=99), "version"),
    (lambda d: d["params"].pop(), "parameters"),
    (lambda d: d["params"].__setitem__(0, "x"), "finite number"),
    (lambda d: d["network"].update(sizes=[2, -1, 3]), "layer sizes"),
    (lambda d: d["network"].update(activations=["evil", "tanh"]), "does not match its settings"),
    (lambda d: d["settings"].update(lr=-1), "lr"),
    (lambda d: d.update(classes=["a"]), "classes"),
    (lambda d: d.pop("preprocessor"), "preprocessing: expected an object"),
    (lambda d: d["target_coding"].update(n_outputs=2), "does not match"),
])
def test_tampered_files_are_refused(trainer, damage, message):
    with pytest.raises(PlaygroundError, match=message):
        model_from_json(_tamper(trainer, damage))


@pytest.mark.parametrize("text", [b"", b"\x00\xff\xfe", b"[1, 2]", b"{", b'{"params": NaN}',
                                  "[" * 100_000])
def test_garbage_is_refused(text):
    with pytest.raises(PlaygroundError):
        model_from_json(text)


def test_nan_parameter_is_refused(trainer):
    text = model_to_json(trainer).replace('"params": [\n', '"params": [\n  NaN,\n', 1)
    with pytest.raises(PlaygroundError):
        model_from_json(text)


@pytest.mark.parametrize("damage, message", [
    (lambda d: d["settings"].update(task="regression"),
     "model file's target description does not match its settings"),
    (lambda d: d.update(feature_names=["x1", "x2", "x3"]),
     "model file's feature_names: expected 2 input name(s), got 3"),
    (lambda d: d["preprocessor"].update(scale="none", mean=None, std=None) or
     [d["preprocessor"].pop(k) for k in ("mean", "std")],
     "model file's preprocessing does not match its settings"),
    (lambda d: d["network"].update(bias=False),
     "model file should hold 23 parameters, not 31"),
    (lambda d: d["network"].update(init="he"),
     "model file's network (init) does not match its settings"),
    (lambda d: d["network"].update(output="softmax"),
     "model file's network (output) does not match its settings"),
])
def test_a_network_its_settings_would_not_make_is_refused(damage, message):
    s = RunSettings(dataset="moons", n_samples=40, hidden=(4, 3), scale="standard")
    t = trained(s)
    with pytest.raises(PlaygroundError) as err:
        model_from_json(_tamper(t, damage))
    assert str(err.value) == message


@pytest.mark.parametrize("s", [
    RunSettings(dataset="blog", hidden=(2,), activation="sigmoid", output="sigmoid", loss="mse",
                bias=False, init="blog", scale="none", batch_size=1),
    RunSettings(dataset="xor", n_samples=40, hidden=()),
    RunSettings(dataset="moons", n_samples=40, hidden=(3, 2), activation="relu,tanh",
                output="softmax", loss="mse", init="he", task="classification"),
    RunSettings(dataset="circle", n_samples=40, transforms=("x1^2", "x2^2", "sin_x1"),
                scale="minmax", hidden=(5,)),
    RunSettings(dataset="sine", n_samples=40, hidden=(4,), scale="none", task="regression"),
    RunSettings(dataset="gaussians", n_samples=40, hidden=(64,) * 6),
])
def test_every_kind_of_model_the_app_makes_loads_back(s):
    t = trained(s)
    t.train_epochs(1)
    model = model_from_json(model_to_json(t))
    assert np.array_equal(model.predict(t.dataset.X), t.predict(t.dataset.X))
