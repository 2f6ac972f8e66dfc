"""CONTRIBUTING.md's recipes, followed literally in fixtures, then seen everywhere they promise.

*Add an activation*: write its value and derivative beside the others in
``nn_core/engine/activations.py`` and list it in ``ACTIVATIONS`` and ``HIDDEN``. The fixture does
exactly that (monkeypatched, undone after the test) for softplus, which no backend, export or
chart has code of its own for; the tests then see it in the engine (finite differences), every
backend, the CLI, the Train page's widget, the saturation measures and the exported script and
notebook. *Add a built-in dataset*: write a generator in ``nn_core/data/builtin.py`` and list it
in ``BUILTIN``; seen in the CLI and the Data page's list.

The AppTest runs share this process's modules, so the pages see the patched tables.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from nn_core import cli
from nn_core.analysis import gradients
from nn_core.data import builtin
from nn_core.data.load import load_data
from nn_core.engine import activations, backends
from nn_core.engine.backends.recorded import Recorded
from nn_core.engine.network import Network
from nn_core.errors import PlaygroundError
from nn_core.io.export import script_for
from nn_core.io.notebook import notebook_for
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import button, go, numeric_gradient, session, start, train_page
from tests.unit.test_notebook import execute
from ui.live import slopes
from ui.session import nav, widgets


# --- the recipe's step 1: the value and the derivative, written from a = f(z) (as CONTRIBUTING.md)
def softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def softplus_derivative(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    return e * -np.expm1(-a)  # f'(z) = sigmoid(z) = 1 - e^-a


@pytest.fixture
def softplus_added(monkeypatch: pytest.MonkeyPatch) -> str:
    """The recipe's step 2, and nothing else: list it in the table and among the hidden ones."""
    monkeypatch.setitem(activations.ACTIVATIONS, "softplus", (softplus, softplus_derivative))
    monkeypatch.setattr(activations, "HIDDEN", (*activations.HIDDEN, "softplus"))
    return "softplus"


def test_without_the_recipe_softplus_is_refused_everywhere():
    """So the tests below see the recipe's effect, not something already there."""
    assert "softplus" not in activations.HIDDEN
    with pytest.raises(PlaygroundError, match="activation"):
        RunSettings(activation="softplus")
    with pytest.raises(ValueError, match="unknown hidden activation"):
        Network([2, 3, 1], "softplus")


def test_the_engine_trains_with_it_and_its_gradient_is_the_finite_differences(softplus_added):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 3))
    Y = rng.integers(0, 2, (7, 1)).astype(float)
    net = Network([3, 4, 3, 1], softplus_added, "sigmoid", "bce", True, "xavier", rng)
    analytic = net.gradient(X, Y, 0.001, 0.01)
    numeric = numeric_gradient(net, X, Y, 0.001, 0.01)
    assert np.linalg.norm(analytic) > 1e-3
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)
    # its derivative written from a = f(z) is f'(z), by finite differences in z
    z = np.linspace(-8, 8, 33)
    slope = (softplus(z + 1e-6) - softplus(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(activations.derivative("softplus", softplus(z)), slope, atol=1e-8)
    trainer = Trainer(RunSettings(dataset="moons", activation=softplus_added, lr=0.1),
                      load_data(RunSettings(dataset="moons")))
    trainer.train_epochs(60)
    assert trainer.network.hidden_activations == ["softplus", "softplus"]
    first, last = trainer.history["train_loss"][0], trainer.history["train_loss"][-1]
    assert last < 0.8 * first, (first, last)


@pytest.mark.parametrize("batch_size, optimizer", [(1, "sgd"), (8, "adam"), (0, "momentum")])
def test_every_backend_trains_it_like_the_reference(softplus_added, batch_size, optimizer):
    """The fast backends have no code of their own for it: the recorded one runs the table's
    functions, the per-sample one declines (so it is never chosen)."""
    settings = RunSettings(dataset="xor", n_samples=40, hidden=(5, 3), activation=softplus_added,
                           batch_size=batch_size, optimizer=optimizer, lr=0.05, l2=0.01, seed=2)
    data = load_data(settings)
    reference = Trainer(settings, data, backend="reference")
    reference.train_epochs(5)
    recorded = Trainer(settings, data, backend="recorded")
    recorded.train_epochs(5)
    np.testing.assert_allclose(recorded.network.params, reference.network.params, rtol=0,
                               atol=1e-12)
    assert backends.choose(reference.network, batch_size or 32, optimizer) == "recorded"
    with pytest.raises(ValueError, match="per-sample"):
        backends.choose(reference.network, 1, "sgd", "per_sample")
    auto = Trainer(settings, data)
    auto.train_epochs(5)
    np.testing.assert_array_equal(auto.network.params, recorded.network.params)


def test_the_recorded_backend_runs_it_in_float32_too(softplus_added):
    rng = np.random.default_rng(1)
    net = Network([4, 16, 8, 1], softplus_added, "sigmoid", "bce", True, "xavier", rng)
    X = rng.normal(size=(200, 4))
    Y = rng.integers(0, 2, (200, 1)) * 1.0
    reference = net.backward(X, Y).grad.copy()
    fast = Recorded(net, X, Y, "float32").gradient(X, Y)
    scale = np.abs(reference).max()
    assert scale > 1e-3
    assert 0 < np.abs(fast - reference).max() / scale <= 200 * 2.0**-24  # as tanh's (n·u)


def test_its_largest_slope_is_measured_and_saturation_follows(softplus_added):
    assert activations.largest_slope(softplus_added) == pytest.approx(1.0, abs=1e-12)
    assert gradients.threshold(softplus_added) == pytest.approx(0.01)
    # a unit far below 0 is off (slope e^z), one far above passes everything (slope 1)
    a = softplus(np.array([[-10.0, 10.0]]))
    (slope, _), = slopes.unit_slopes([np.array([[-10.0, 10.0]])], [None, a], ["softplus"])
    np.testing.assert_allclose(slope, [np.exp(-10) / (1 + np.exp(-10)), 1 / (1 + np.exp(-10))])


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``python -m nn_core *argv`` in this process: its status, stdout and stderr."""
    try:
        status = cli.main(list(argv))
    except SystemExit as exc:  # errors end in SystemExit
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def test_the_cli_accepts_it_and_trains(softplus_added, capsys):
    status, out, _ = _main(capsys, "train", "--dataset", "moons", "--hidden", "6",
                        "--activation", softplus_added, "--epochs", "30", "--lr", "0.1", "-q")
    assert status == 0
    summary = json.loads(out.splitlines()[-1])
    settings = RunSettings(dataset="moons", hidden=(6,), activation="softplus", lr=0.1)
    trainer = Trainer(settings, load_data(settings))
    trainer.train_epochs(30)
    assert summary["epochs"] == 30
    assert summary["train_loss"] == pytest.approx(trainer.history["train_loss"][-1], abs=1e-12)
    status, _, _ = _main(capsys, "train", "--dataset", "moons", "--set", "activation=tanh,softplus",
                      "--hidden", "4,4", "--epochs", "2", "-q")
    assert status == 0


def test_the_cli_refuses_it_without_the_recipe(capsys):
    status, _, err = _main(capsys, "train", "--dataset", "moons", "--activation", "softplus",
                           "-q")
    assert status == 2
    assert err.startswith("error: activation") and len(err.splitlines()) == 1


def test_the_train_page_offers_it_and_trains_with_it(softplus_added):
    at = train_page()
    box = at.selectbox(key=widgets.widget_key("activation"))
    assert list(box.options) == [*activations.HIDDEN]
    assert "softplus" in box.options
    box.set_value("softplus").run()
    assert not at.exception, at.exception
    assert session(at).settings.activation == "softplus"
    assert session(at).trainer.network.hidden_activations == ["softplus", "softplus"]
    for _ in range(2):
        button(at, "train_step").click().run()
        assert not at.exception, at.exception
    assert session(at).trainer.epoch == 2
    go(at, nav.INSIDE)  # gradient flow measures its saturation
    assert not at.exception, at.exception


def test_the_exported_script_carries_its_code_and_predicts_what_the_app_predicts(
        softplus_added, tmp_path):
    settings = RunSettings(dataset="blog", hidden=(3,), activation=softplus_added)
    trainer = Trainer(settings, load_data(settings))
    trainer.train_epochs(20)
    text = script_for(trainer)
    assert "def softplus(z" in text and "np.logaddexp(0.0, z)" in text
    path = tmp_path / "model.py"
    path.write_text(text)
    run = subprocess.run([sys.executable, str(path), "175", "75", "27"], capture_output=True,
                         text=True, check=True)  # another process: no patched table there
    row = run.stdout.splitlines()[1].split(",")
    p1 = trainer.predict(np.array([[175.0, 75.0, 27.0]]))[0, -1]
    assert float(row[4]) == pytest.approx(p1, abs=1e-12)


def test_the_notebook_carries_its_code_and_predicts_what_the_app_predicts(softplus_added):
    settings = RunSettings(dataset="moons", n_samples=60, hidden=(4,), activation=softplus_added,
                           batch_size=0)
    trainer = Trainer(settings, load_data(settings))
    trainer.train_epochs(10)
    _, predictions = execute(notebook_for(trainer))  # a fresh kernel: no patched table there
    np.testing.assert_allclose(predictions, trainer.predict(trainer.dataset.X), rtol=0,
                               atol=1e-12)


def test_existing_networks_export_the_same_code_as_before():
    """The fall-back adds code only for a name ``activate`` does not spell out."""
    settings = RunSettings(dataset="moons", hidden=(3, 3), activation="relu,sigmoid")
    text = script_for(Trainer(settings, load_data(settings)))
    assert "Array = np.ndarray" not in text and "return relu(" not in text


# --- add a built-in dataset -------------------------------------------------------------------
def _stripes(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Vertical stripes two units wide, labelled in turn; noise shifts the inputs."""
    xy = rng.uniform(-6, 6, (n, 2))
    shifted = xy + rng.uniform(-6, 6, (n, 2)) * (0.5 * noise)
    return xy, (np.floor(shifted[:, 0] / 2) % 2).astype(np.int64)


@pytest.fixture
def stripes_added(monkeypatch: pytest.MonkeyPatch) -> str:
    """The dataset recipe: a generator, and one line in BUILTIN."""
    monkeypatch.setitem(builtin.BUILTIN, "stripes", builtin._shape("Stripes", _stripes))
    return "stripes"


def test_the_cli_lists_the_new_dataset_and_trains_on_it(stripes_added, capsys):
    status, out, _ = _main(capsys, "datasets", "--json")
    assert status == 0
    listed = {d["name"]: d for d in json.loads(out)}
    assert listed["stripes"]["description"] == ("Vertical stripes two units wide, labelled in "
                                                "turn; noise shifts the inputs.")
    status, out, _ = _main(capsys, "train", "--dataset", "stripes", "--epochs", "5", "-q")
    assert status == 0
    assert json.loads(out.splitlines()[-1])["epochs"] == 5


def test_the_data_page_offers_the_new_dataset(stripes_added):
    at = go(start(), nav.DATA)
    box = at.selectbox(key=widgets.widget_key("dataset"))
    assert box.options[-1] == "Stripes"  # its title, last in the list
    box.set_value("stripes").run()
    assert not at.exception, at.exception
    ds = session(at).dataset
    assert ds.name == "stripes" and ds.n_samples == RunSettings().n_samples
    drawn = builtin.make_dataset("stripes", ds.n_samples, RunSettings().noise, 0)
    np.testing.assert_array_equal(ds.X, drawn.X)
    np.testing.assert_array_equal(ds.y, drawn.y)
    assert set(np.unique(ds.y)) == {0, 1}
