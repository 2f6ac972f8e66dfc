"""The trainer's public surface: one way to train N epochs, one for a time slice, a trainer
from settings alone, and one learning-rate grid that the slider and the trainer share."""

import numpy as np
import pytest

from nn_core import settings as settings_module
from nn_core.data.load import load_data
from nn_core.errors import PlaygroundError
from nn_core.settings import LEARNING_RATES, RunSettings, value_range
from nn_core.training.trainer import Trainer, smaller_rate
from ui.views import train_controls


def test_two_public_ways_to_train():
    public = {name for name in dir(Trainer) if not name.startswith("_")}
    assert {"train_epochs", "train_for"} <= public
    assert not {"step", "run"} & public


def test_train_epochs_counts_and_without_a_count_trains_to_the_maximum():
    s = RunSettings(dataset="xor", n_samples=40, hidden=(3,), epochs=12)
    t = Trainer.from_settings(s)
    assert t.train_epochs(5) == 5 and t.epoch == 5
    assert t.train_epochs() == 7 and t.epoch == 12 and t.stop_kind == "max_epochs"
    assert t.train_epochs(3) == 0 and t.train_for(1.0) == 0  # stopped stays stopped


def test_train_epochs_ends_the_epoch_a_time_slice_left_in_progress():
    s = RunSettings(dataset="moons", n_samples=60, hidden=(4,), batch_size=5, shuffle=False)
    sliced, whole = Trainer.from_settings(s), Trainer.from_settings(s)
    sliced.train_for(0.0)  # one mini-batch
    assert sliced.epoch == 0 and 0 < sliced.epoch_progress < 1
    assert sliced.train_epochs(2) == 2 and sliced.epoch_progress == 0
    whole.train_epochs(2)
    np.testing.assert_array_equal(sliced.network.params, whole.network.params)
    assert sliced.history == whole.history


def test_from_settings_loads_the_data_the_settings_name():
    s = RunSettings(dataset="spiral", n_samples=80, hidden=(5,), seed=3)
    a, b = Trainer.from_settings(s, history_cap=8), Trainer(s, load_data(s), history_cap=8)
    assert a.dataset.name == "spiral" and a.dataset.n_samples == 80 and a.history_cap == 8
    np.testing.assert_array_equal(a.train_idx, b.train_idx)
    np.testing.assert_array_equal(a.network.params, b.network.params)
    table = b"x1,x2,y\n" + b"".join(b"%d,%d,%d\n" % (i, i % 3, i % 2) for i in range(30))
    c = Trainer.from_settings(RunSettings(dataset="csv", target="y", hidden=(2,)), table)
    assert c.dataset.n_samples == 30 and c.feature_names == ["x1", "x2"]
    with pytest.raises(PlaygroundError, match="no CSV file"):
        Trainer.from_settings(RunSettings(dataset="csv", target="y"))


def test_one_learning_rate_grid_for_the_slider_and_the_suggestions():
    assert train_controls.LEARNING_RATES is settings_module.LEARNING_RATES
    assert value_range("lr") == (LEARNING_RATES[0], LEARNING_RATES[-1])
    assert list(LEARNING_RATES) == sorted(set(LEARNING_RATES))
    for lr in np.geomspace(LEARNING_RATES[0], LEARNING_RATES[-1], 200):
        suggested = smaller_rate(float(lr))
        if suggested is None:  # nothing smaller on the grid: only at the smallest step
            assert lr <= LEARNING_RATES[0] * (1 + 1e-9)
            continue
        assert suggested in LEARNING_RATES  # a step of the slider, not snapped onto it
        assert suggested in train_controls.rate_options("lr", LEARNING_RATES, float(lr))
        assert suggested < lr  # never larger, never the same
        assert suggested <= lr / 30 * (1 + 1e-9) or suggested == max(
            r for r in LEARNING_RATES if r < lr)  # 30x smaller, or the nearest step below
