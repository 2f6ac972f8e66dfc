"""The trainer: reproducibility, learning, hyper-parameter changes, divergence, history."""

import numpy as np
import pytest

from nn_core.data.builtin import BUILTIN
from nn_core.data.dataset import Dataset
from nn_core.engine import optim
from nn_core.engine.network import QUIET
from nn_core.errors import PlaygroundError
from nn_core.settings import BLOG_SETUP, MAX_EPOCHS, RunSettings, with_early_stopping
from nn_core.training.trainer import HEALTH_EPOCHS, Trainer, smaller_rate
from tests.conftest import trained

BLOG = RunSettings(dataset="blog", hidden=(2,), activation="sigmoid", output="sigmoid",
                   loss="mse", bias=False, init="blog", update_rule="blog", lr=0.1,
                   batch_size=1, shuffle=False, scale="none", epochs=1000)


def _trainer(**kw) -> Trainer:
    s = RunSettings(**kw)
    return trained(s)


def test_same_settings_same_numbers_bit_for_bit():
    kw = dict(dataset="moons", n_samples=300, hidden=(8, 8), optimizer="adam", lr=0.01,
              batch_size=16, l2=0.001, seed=5)
    a, b = _trainer(**kw), _trainer(**kw)
    a.train_epochs(40)
    b.train_epochs(40)
    assert np.array_equal(a.network.params, b.network.params)
    assert a.history == b.history
    c = _trainer(**{**kw, "seed": 6})
    c.train_epochs(40)
    assert not np.array_equal(a.network.params, c.network.params)


def test_step_and_run_resume_the_same_run():
    kw = dict(dataset="circle", n_samples=200, batch_size=10, seed=1)
    one = _trainer(**kw)
    one.train_epochs(30)
    pieces = _trainer(**kw)
    for n in (1, 4, 10, 15):
        pieces.train_epochs(n)
    assert pieces.epoch == 30
    assert np.array_equal(one.network.params, pieces.network.params)


@pytest.mark.parametrize("name, hidden, target", [
    ("xor", (8,), 0.97), ("circle", (8,), 0.97), ("moons", (8, 8), 0.95),
])
def test_reaches_accuracy_on_classic_sets(name, hidden, target):
    t = _trainer(dataset=name, n_samples=400, noise=0.1, hidden=hidden, activation="tanh",
                 optimizer="adam", lr=0.03, batch_size=16, epochs=300, seed=0)
    t.train_epochs()
    summary = t.summary()
    assert summary["train_accuracy"] >= target
    assert summary["test_accuracy"] >= target - 0.03
    assert t.epoch == 300 and "maximum" in t.stop_reason


def test_regression_r2_and_standardised_target():
    t = _trainer(dataset="sine", n_samples=300, hidden=(16, 16), optimizer="adam", lr=0.01,
                 batch_size=16, epochs=300)
    t.train_epochs()
    assert t.metric_name == "r2"
    assert t.summary()["test_r2"] > 0.95
    y = t.y_train
    np.testing.assert_allclose(t.Y_train[:, 0], (y - y.mean()) / y.std())


def test_the_blog_setup_stays_at_one_half_and_scaling_fixes_it():
    raw = trained(BLOG)
    raw.train_epochs()
    ds = raw.dataset
    assert np.all(np.abs(raw.predict(ds.X[raw.test_idx])[:, 1] - 0.5) < 0.01)
    scaled_settings = BLOG.replace(scale="standard", update_rule="exact", lr=1.0)
    scaled = trained(scaled_settings)
    scaled.train_epochs()
    assert scaled.summary()["train_loss"] < 0.01
    assert scaled.summary()["test_accuracy"] == 1.0


def test_blog_setup_matches_the_blog_class_numbers():
    """Trainer with the blog's settings = the blog's update sequence on the same weights.

    (The trainer runs per-sample SGD on plain floats, nn_core.engine.backends.per_sample; the class
    on NumPy:
    equal up to rounding.)"""
    from nn_core import NeuralNetwork

    t = trained(BLOG)
    ref = NeuralNetwork(3, 2, 1, 0.1)
    ref.weights_input_hidden = t.network.matrices[0].copy()
    ref.weights_hidden_output = t.network.matrices[1].copy()
    t.train_epochs(50)
    X = t.dataset.X[t.train_idx]
    y = t.dataset.y[t.train_idx]
    for _ in range(50):
        for x, target in zip(X, y, strict=True):
            ref.train(x, [target])
    np.testing.assert_allclose(t.network.params, ref.net.params, rtol=0, atol=1e-12)
    assert not np.array_equal(t.network.params, trained(BLOG).network.params)


def _reference_epochs(t: Trainer, epochs: int, opt: optim.Optimizer) -> None:
    """Epochs on the reference engine written out: rows, Network.train_step on each
    mini-batch (gradient, penalty, the optimiser's step), drawing each epoch's order from the
    trainer's generator as the trainer does."""
    s, net = t.settings, t.network
    n = len(t.X_train)
    size = s.batch_size if 0 < s.batch_size < n else n
    with np.errstate(**QUIET):
        for _ in range(epochs):
            X, Y = t.X_train, t.Y_train
            if s.shuffle and size < n:
                order = t.rng.permutation(n)
                X, Y = X[order], Y[order]
            for i in range(0, n, size):
                xb, yb = X[i : i + size], Y[i : i + size]
                net.train_step(xb, yb, opt, s.update_rule, s.l1, s.l2)


@pytest.mark.parametrize("changes", [
    [dict(batch_size=7), dict(lr=0.05), dict(batch_size=0)],  # a short last batch; new scales
    [dict(batch_size=32, optimizer="momentum"), dict(update_rule="blog"), dict(shuffle=False)],
    [dict(batch_size=5, l1=0.001, l2=0.01), dict(optimizer="adam", lr=0.01), dict(l1=0.0)],
])
def test_recorded_steps_train_like_plain_backward_calls(changes):
    """The trainer replays recorded calls on views of its transposed, shuffled data (the
    recorded backend); the same epochs on the reference engine give the same weights."""
    kw = dict(dataset="moons", n_samples=203, hidden=(6, 5), activation="tanh", seed=3)
    fast, slow = _trainer(**kw), _trainer(**kw)
    opt = None
    for change in changes:
        new = fast.settings.replace(**change)
        fast.set_settings(new)
        slow.set_settings(new)
        if opt is None or opt.name != new.optimizer:
            opt = optim.make(new.optimizer, new.lr, new.momentum)
        opt.lr = new.lr
        fast.train_epochs(3)
        assert list(fast._backends) == ["recorded"]
        _reference_epochs(slow, 3, opt)
        assert not np.array_equal(fast.network.params, Trainer(fast.settings, fast.dataset)
                                  .network.params)
        np.testing.assert_allclose(fast.network.params, slow.network.params, rtol=1e-12,
                                   atol=1e-13)


def test_hyper_parameters_change_without_reset():
    t = _trainer(dataset="moons", n_samples=200, seed=2)
    t.train_epochs(5)
    before = t.network.get_params()
    for change in (dict(lr=0.3), dict(batch_size=1), dict(optimizer="momentum"),
                   dict(l2=0.01), dict(l1=0.001), dict(update_rule="blog")):
        new = t.settings.replace(**change)
        assert not t.settings.needs_reset(new)
        t.set_settings(new)
        assert np.array_equal(t.network.params, before)
        assert t.epoch == 5
    t.train_epochs(1)
    assert t.epoch == 6
    for change in (dict(hidden=(4,)), dict(activation="relu"), dict(init="he"),
                   dict(n_samples=100), dict(scale="none"), dict(bias=False)):
        new = t.settings.replace(**change)
        assert t.settings.needs_reset(new)
        with pytest.raises(PlaygroundError, match="reset"):
            t.set_settings(new)


def test_l2_shrinks_weights():
    kw = dict(dataset="moons", n_samples=200, hidden=(8,), lr=0.1, batch_size=0, seed=0)
    plain, decayed = _trainer(**kw), _trainer(**kw, l2=0.1)
    plain.train_epochs(200)
    decayed.train_epochs(200)
    norm = lambda t: np.linalg.norm(t.network.params * t.network.reg_mask)  # noqa: E731
    assert norm(decayed) < 0.8 * norm(plain)


def test_divergence_stops_and_keeps_last_finite_weights():
    X = np.linspace(-1, 1, 40).reshape(-1, 1) * 100
    ds = Dataset(X, X[:, 0] ** 3, ["x"], "y", "regression", [])
    s = RunSettings(dataset="custom", hidden=(4,), activation="relu", lr=5.0, batch_size=0,
                    scale="none", test_fraction=0.0)
    t = Trainer(s, ds)
    done = t.train_epochs(100)
    assert t.diverged
    assert "diverged" in t.stop_reason and "smaller learning rate" in t.stop_reason
    assert done < 100
    assert np.all(np.isfinite(t.network.params))
    assert t.train_epochs(5) == 0  # stays stopped
    assert np.isfinite(t.summary()["train_loss"])


def test_target_loss_and_max_epochs_stop():
    t = _trainer(dataset="xor", n_samples=200, hidden=(8,), optimizer="adam", lr=0.03,
                 batch_size=10, target_loss=0.2, epochs=500)
    t.train_epochs()
    assert t.summary()["train_loss"] <= 0.2
    assert t.epoch < 500 and "target loss" in t.stop_reason
    t.set_settings(t.settings.replace(target_loss=0.0, epochs=t.epoch + 3))
    assert t.stop_reason is None
    assert t.train_epochs() == 3


def test_history_is_bounded_and_spans_the_run():
    t = _trainer(dataset="xor", n_samples=40, hidden=(2,), batch_size=0, epochs=5000)
    t.history_cap = 50
    t.train_epochs()
    epochs = t.history["epoch"]
    assert len(epochs) <= 50
    assert epochs[0] == 0 and epochs[-1] >= 5000 - 5000 // 25
    assert all(len(v) == len(epochs) for v in t.history.values())
    assert np.all(np.diff(epochs) > 0)


def test_run_by_time_budget_advances():
    t = _trainer(dataset="moons", n_samples=200)
    t.train_for(0.05)
    assert t.epoch + t.epoch_progress > 0


def test_predict_labels_and_probabilities():
    t = _trainer(dataset="spiral3", n_samples=150, hidden=(8,), batch_size=10)
    t.train_epochs(3)
    p = t.predict(t.dataset.X[:7])
    assert p.shape == (7, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    labels = t.predict_labels(t.dataset.X[:7])
    assert labels == [t.dataset.classes[i] for i in p.argmax(axis=1)]


def test_refuses_impossible_heads_with_a_message():
    with pytest.raises(PlaygroundError, match="linear output"):
        _trainer(dataset="sine", output="sigmoid")
    with pytest.raises(PlaygroundError, match="softmax"):
        _trainer(dataset="moons", output="sigmoid", loss="ce")


def test_no_hidden_layer_is_logistic_regression():
    t = _trainer(dataset="gaussians", n_samples=200, hidden=(), optimizer="adam", lr=0.05,
                 epochs=100)
    assert t.network.sizes == [2, 1]
    t.train_epochs()
    assert t.summary()["test_accuracy"] >= 0.9
    assert RunSettings(hidden=(), activation="relu").activations == ()


# --- training states: roll-back, blow-ups and deaths, early stopping -----------------------------

EXPLODING = dict(dataset="sine", hidden=(8,) * 6, activation="relu")


@pytest.mark.parametrize("history_cap", [2000, 8])
def test_roll_back_restores_the_last_checked_epoch_bit_for_bit(history_cap):
    """lr 10 blows the network up in one epoch; it must hold, bit for bit, the network, the
    optimiser's velocity, the epoch and the history of the last epoch whose loss was checked
    (with a small history cap the loss is checked only every few epochs)."""
    kw = dict(EXPLODING, lr=0.003, optimizer="momentum", epochs=10_000)
    t = trained(RunSettings(**kw), history_cap=history_cap)
    t.train_epochs(45)
    t.set_settings(t.settings.replace(lr=10.0))
    t.train_epochs(50)
    assert t.diverged and t.stop_kind == "diverged"
    assert 45 - 2 * max(HEALTH_EPOCHS, t._stride) < t.epoch <= 45
    assert t.epoch % t._stride == 0
    assert f"back at epoch {t.epoch}" in t.stop_reason
    fresh = trained(RunSettings(**kw), history_cap=history_cap)
    fresh.train_epochs(t.epoch)
    assert np.array_equal(t.network.params, fresh.network.params)
    assert np.array_equal(t.optimizer.velocity, fresh.optimizer.velocity)
    assert t.history == fresh.history
    assert t.summary()["train_loss"] == fresh.summary()["train_loss"] < 10
    assert np.abs(t.network.params).max() < 10  # not the exploded ~1e15


def test_roll_back_at_the_first_epoch_keeps_the_initial_weights():
    t = _trainer(**EXPLODING, lr=10.0)
    initial = t.network.get_params()
    t.train_epochs(100)
    assert t.diverged and t.epoch == 0 and t.history["epoch"] == [0]
    assert np.array_equal(t.network.params, initial)
    assert t.suggested_lr == 0.3 and "smaller learning rate: 0.3." in t.stop_reason


@pytest.mark.parametrize("dataset, kind", [("moons", "diverged"), ("xor", "diverged"),
                                           ("circle", "died"), ("spiral", "died")])
def test_a_blown_up_or_dead_classifier_is_not_a_finished_run(dataset, kind):
    """lr 10, ReLU, six hidden layers: the output is one constant for every row (a dead ReLU
    layer, or pre-activations of ~1e15), which used to run on to the maximum of epochs."""
    t = _trainer(dataset=dataset, hidden=(8,) * 6, activation="relu", lr=10.0, epochs=1000)
    t.train_epochs()
    assert t.diverged and t.stop_kind == kind, t.stop_reason
    assert "maximum" not in t.stop_reason and t.epoch == 0
    assert t.train_epochs(5) == 0


def _healthy(settings: RunSettings, epochs: int) -> Trainer:
    t = trained(settings)
    t.train_epochs(epochs)
    assert not t.diverged and t.stop_reason is None, t.stop_reason
    assert t.epoch == epochs
    return t


@pytest.mark.parametrize("dataset", sorted(BUILTIN))
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_healthy_runs_never_trip_the_alarms(dataset, activation):
    _healthy(RunSettings(dataset=dataset, activation=activation), 300)


def test_the_blogs_saturated_network_is_slow_not_dead():
    t = _healthy(RunSettings(dataset="blog", **BLOG_SETUP), 3000)
    assert abs(t.summary()["train_loss"] - 0.125) < 0.01  # about 0.5 for everyone, as in the blog


def test_a_good_small_learning_rate_on_the_deep_relu_net_is_healthy():
    _healthy(RunSettings(dataset="moons", hidden=(8,) * 6, activation="relu", lr=0.3), 500)


def test_smaller_rate_steps():
    assert [smaller_rate(x) for x in (10.0, 3.0, 1.0, 0.3, 0.03, 1e-3, 3e-5, 1e-5, 2e-6)] == \
        [0.3, 0.1, 0.03, 0.01, 0.001, 1e-5, 1e-6, 1e-6, 1e-6]
    assert smaller_rate(1e-6) is None  # the smallest rate allowed: nothing smaller to offer
    for lr in np.geomspace(1e-6, 10, 200):
        r = smaller_rate(float(lr))
        assert r is None or (r < lr and r >= 1e-6)


DEAD_AT_SMALLEST = RunSettings(dataset="moons", hidden=(1,) * 6, activation="relu", bias=False,
                               scale="minmax", lr=1e-6, seed=0)


def test_at_the_smallest_rate_a_dead_run_says_what_else_to_change():
    t = trained(DEAD_AT_SMALLEST)
    t.train_epochs(100)
    assert t.diverged and t.stop_kind == "died" and t.suggested_lr is None
    assert "smaller learning rate" not in t.stop_reason
    assert "already the smallest (1e-06)" in t.stop_reason
    # true for this run: six layers, ReLU units died, no biases; inputs already scaled
    assert "fewer hidden layers than 6" in t.stop_reason
    assert "tanh instead of ReLU" in t.stop_reason and "turn the biases on" in t.stop_reason
    assert "scale the inputs" not in t.stop_reason and "Adam" not in t.stop_reason
    assert "--hidden 8,8" in t.advice(cli=True) and "without --no-bias" in t.advice(cli=True)


def test_early_stopping_restores_the_best_weights_bit_for_bit():
    kw = dict(dataset="moons", n_samples=300, noise=0.3, hidden=(32, 32), activation="relu",
              optimizer="adam", lr=0.03, validation_fraction=0.2)
    t = _trainer(**kw, patience=15)
    assert len(t.val_idx) == 48 and not set(t.val_idx) & (set(t.train_idx) | set(t.test_idx))
    t.train_epochs(2000)
    assert t.stop_kind == "early" and t.epoch == t.best_epoch + 15
    assert f"epoch {t.best_epoch}" in t.stop_reason and t.summary()["best_epoch"] == t.best_epoch
    fresh = _trainer(**kw)  # no patience: the same run, stopped by hand at the best epoch
    fresh.train_epochs(t.best_epoch)
    assert np.array_equal(t.network.params, fresh.network.params)
    assert t.best_loss == fresh.current()["val_loss"] == min(
        v for v in t.history["val_loss"])
    assert t.train_epochs(5) == 0  # stopped
    t.set_settings(t.settings.replace(patience=100))  # more patience: it goes on
    assert t.stop_reason is None and t.train_epochs(3) == 3


def test_patience_without_a_validation_share_watches_the_training_loss():
    t = _trainer(dataset="xor", hidden=(4,), lr=3.0, optimizer="momentum", patience=5)
    assert len(t.val_idx) == 0
    t.train_epochs(3000)
    assert t.stop_kind == "early" and "training loss" in t.stop_reason


def test_max_epochs_with_patience_restores_the_best_weights():
    kw = dict(dataset="moons", noise=0.3, hidden=(32, 32), activation="relu", optimizer="adam",
              lr=0.03, validation_fraction=0.2)
    t = _trainer(**kw, patience=10_000, epochs=200)
    t.train_epochs()
    assert t.stop_kind == "max_epochs" and t.best_epoch < 200 and "restored" in t.stop_reason
    fresh = _trainer(**kw)
    fresh.train_epochs(t.best_epoch)
    assert np.array_equal(t.network.params, fresh.network.params)


def test_patience_keeps_the_network_and_the_validation_share_resets_it():
    s = RunSettings()
    assert not s.needs_reset(s.replace(patience=20))
    assert s.needs_reset(s.replace(validation_fraction=0.1))


def test_early_stopping_is_on_for_uploaded_tables_of_100_rows_only():
    s = RunSettings(dataset="csv", target="y")
    assert with_early_stopping(s, 100).patience == 20
    assert with_early_stopping(s, 100).validation_fraction == 0.1
    assert with_early_stopping(s, 99) == s
    assert with_early_stopping(RunSettings(dataset="moons", n_samples=1000), 1000).patience == 0


def test_the_default_run_goes_on_until_paused():
    assert RunSettings().epochs == MAX_EPOCHS


def test_after_a_roll_back_the_model_file_and_predictions_hold_the_healthy_weights():
    from nn_core.io.serialize import model_from_json, model_to_json

    t = _trainer(**EXPLODING, lr=10.0)
    fresh = _trainer(**EXPLODING, lr=10.0)  # never trained: epoch 0
    t.train_epochs(10)
    assert t.diverged
    model = model_from_json(model_to_json(t))
    X = t.dataset.X[:20]
    assert np.array_equal(model.predict(X), fresh.predict(X))
    assert np.array_equal(t.predict(X), fresh.predict(X))
