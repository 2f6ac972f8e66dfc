"""AppTest tests of the Train page: widgets, Step/Reset/Play/Pause, kept or reset weights.

Each ``at.run()`` executes app.py and then the current page. ``run_every`` never fires in
AppTest: each ``at.run()`` is one full run, and a full run of a playing page is one tick (send
what was trained, then train).
"""

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nn_core.settings import RunSettings
from tests.conftest import button, go, session, start, train_page, trained
from ui.session import choices, nav, widgets


def shown_epoch(at: AppTest) -> int:
    texts = [m.value for m in at.markdown if m.value.startswith("## Epoch")]
    assert len(texts) == 1, texts
    return int(re.fullmatch(r"## Epoch (\d+)", texts[0]).group(1))


def test_widgets_and_counter_are_there():
    at = train_page()
    assert at.title[0].value.endswith("Train")
    for key in ("train_play", "train_step", "train_reset"):
        assert button(at, key)
    labels = {w.label for w in (*at.number_input, *at.selectbox, *at.select_slider,
                                *at.checkbox, *at.radio)}
    for label in ("Hidden layers", "Layer 1", "Activation (hidden layers)", "Output",
                  "Loss", "Initialisation", "Input scaling", "Biases", "Learning rate",
                  "Batch size (0 = all rows)", "Optimiser", "Regularisation", "Update rule",
                  "Number format", "Seed", "Stop after epochs", "…or at training loss",
                  "Speed (epochs per frame)", "Discretise", "Log loss"):
        assert label in labels, label
    assert "Regularisation rate" not in labels  # none chosen: no (disabled) rate slider
    rates = at.select_slider(key=widgets.widget_key("lr")).options
    for preset in ("1e-05", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3",
                   "10"):
        assert preset in rates
    assert shown_epoch(at) == 0


def test_step_adds_exactly_one_epoch_and_reset_returns_to_zero():
    at = train_page()
    initial = session(at).trainer.network.get_params()
    for n in (1, 2, 3):
        button(at, "train_step").click().run()
        assert not at.exception
        assert shown_epoch(at) == n == session(at).trainer.epoch
    assert not np.array_equal(session(at).trainer.network.get_params(), initial)
    button(at, "train_reset").click().run()
    assert shown_epoch(at) == 0
    trainer = session(at).trainer
    assert trainer.epoch == 0
    np.testing.assert_array_equal(trainer.network.get_params(), initial)  # the seed's start
    assert session(at).settings == RunSettings()  # nothing else changed


def test_play_trains_in_ticks_and_pause_stops():
    at = train_page()
    button(at, "train_play").click().run()
    assert session(at).running
    assert button(at, "train_pause")  # Play became Pause
    assert session(at).trainer.epoch > 0  # the tick trained after sending
    at.run()  # the next tick shows what the previous one trained
    shown = shown_epoch(at)
    assert shown > 0
    button(at, "train_pause").click().run()
    assert not session(at).running
    paused = session(at).trainer.epoch
    assert shown_epoch(at) == paused  # paused: the counter shows the network as it is
    at.run()
    assert session(at).trainer.epoch == paused == shown_epoch(at)


def test_a_hyper_parameter_keeps_the_weights_an_architecture_change_resets_them():
    at = train_page()
    button(at, "train_step").click().run()
    button(at, "train_step").click().run()
    trainer = session(at).trainer
    at.select_slider(key=widgets.widget_key("lr")).set_value(0.1).run()
    assert session(at).trainer is trainer and trainer.settings.lr == 0.1
    assert any("Kept the trained network" in i.value for i in at.info)
    assert shown_epoch(at) == 2
    at.number_input(key="w_units_0").set_value(5).run()
    assert any("reset" in i.value for i in at.info)
    assert shown_epoch(at) == 0
    assert session(at).trainer.network.sizes == [2, 5, 8, 1]


def test_precision_float32_keeps_the_network_and_trains_its_next_epochs_in_float32():
    at = train_page(settings=RunSettings(batch_size=0))
    button(at, "train_step").click().run()
    trainer = session(at).trainer
    after_one = trainer.network.get_params()
    assert not np.array_equal(after_one.astype(np.float32), after_one)  # float64 values
    at.radio(key=widgets.widget_key("dtype")).set_value("float32").run()
    assert not at.exception
    assert session(at).trainer is trainer and trainer.settings.dtype == "float32"
    assert any("Kept the trained network" in i.value for i in at.info)
    button(at, "train_step").click().run()
    params = trainer.network.params
    assert params.dtype == np.float64  # the network stays float64, holding float32 values
    np.testing.assert_array_equal(params.astype(np.float32), params)
    # the same epoch in float64 from the same weights: float32 rounding apart, no further
    twin = trained(RunSettings(batch_size=0))
    twin.network.set_params(after_one)
    twin.train_epochs(1)
    assert 0 < np.abs(twin.network.params - params).max() < 1e-5
    assert at.query_params["dtype"] == "float32"  # the address carries it, as a link does


def test_a_refused_setting_shows_one_error_and_changes_nothing():
    at = train_page()
    state_settings = session(at).settings.replace(activation="tanh,relu")
    session(at).settings = state_settings
    at.run()
    assert not at.exception
    box = at.text_input(key=widgets.widget_key("activation"))
    box.set_value("tanh,nope").run()
    assert len(at.error) == 1 and "activation" in at.error[0].value
    assert session(at).settings == state_settings


def test_divergence_stops_with_a_message_and_keeps_finite_weights():
    settings = RunSettings(dataset="sine", lr=10.0, activation="relu", hidden=(16, 16),
                           batch_size=1, epochs=100000)
    at = train_page(settings=settings)
    button(at, "train_play").click().run()
    for _ in range(10):
        if session(at).trainer.diverged:
            break
        at.run()
    trainer = session(at).trainer
    assert trainer.diverged
    at.run()
    assert not session(at).running
    assert any("diverged" in e.value for e in at.error)
    assert np.isfinite(trainer.network.get_params()).all()


def test_the_blogs_network_button_and_its_saturation_readout():
    at = train_page()
    session(at).settings = RunSettings(dataset="blog")
    session(at).dataset = None
    session(at).trainer = None
    at.run()
    blog = next(b for b in at.button if b.label == "Use the blog's network")
    blog.click().run()
    s = session(at).settings
    assert (s.hidden, s.bias, s.scale, s.update_rule, s.batch_size) == ((2,), False, "none",
                                                                       "blog", 1)
    assert any("Raw inputs" in i.value for i in at.info)


@pytest.mark.parametrize("dataset", ["spiral3", "sine", "blog"])
def test_other_problems_and_no_hidden_layer_render(dataset):
    at = train_page(settings=RunSettings(dataset=dataset))
    button(at, "train_step").click().run()
    assert not at.exception and shown_epoch(at) == 1
    at.number_input(key="w_hidden_layers").set_value(0).run()
    assert not at.exception and session(at).settings.hidden == ()
    button(at, "train_step").click().run()
    assert not at.exception and shown_epoch(at) == 1


def _separates_the_blogs_test_people(settings: RunSettings) -> bool:
    """Train the blog's 1000 epochs and compare the three test people's labels."""
    from nn_core.data.builtin import BLOG_TEST, BLOG_TEST_TARGETS
    from nn_core.data.load import load_data
    from nn_core.training.trainer import Trainer

    trainer = Trainer(settings.replace(epochs=1000), load_data(settings))
    trainer.train_epochs(1000)
    labels = trainer.predict_labels(np.array(BLOG_TEST, dtype=float))
    return [int(v) for v in labels] == BLOG_TEST_TARGETS


def _blog_page() -> AppTest:
    at = train_page(settings=RunSettings(dataset="blog"))
    next(b for b in at.button if b.label == "Use the blog's network").click().run()
    return at


def test_the_scaling_hint_s_fix_makes_the_blogs_network_separate_its_test_people():
    at = _blog_page()
    assert not _separates_the_blogs_test_people(session(at).settings)
    hint = next(i.value for i in at.info if "Raw inputs" in i.value)
    assert "min–max" in hint.lower()
    button(at, "hint_scale").click().run()
    s = session(at).settings
    assert s.scale == "minmax" and not s.bias and s.hidden == (2,)
    assert _separates_the_blogs_test_people(s)


def test_standardising_without_biases_is_said_and_either_fix_works():
    at = _blog_page()
    at.selectbox(key=widgets.widget_key("scale")).set_value("standard").run()
    s = session(at).settings
    assert s.scale == "standard" and not s.bias
    assert not _separates_the_blogs_test_people(s)  # 0.946 / 0.624 / 0.947: all class 1
    hint = next(i.value for i in at.info if "without biases" in i.value)
    assert "cannot move away" in hint
    help_text = at.selectbox(key=widgets.widget_key("scale")).help
    assert "what lets the network learn" not in help_text and "min–max" in help_text
    for key, changes in (("hint_scale", {"scale": "minmax"}), ("hint_bias", {"bias": True})):
        session(at).settings = s
        at.run()
        button(at, key).click().run()
        fixed = session(at).settings
        assert fixed == s.replace(**changes)
        assert _separates_the_blogs_test_people(fixed)
        assert not any("without biases" in i.value for i in at.info)


def test_a_link_s_units_show_in_the_widgets():
    at = go(start({"hidden": "64,40", "lr": "0.05"}), nav.TRAIN)
    assert not at.info, [i.value for i in at.info]
    assert session(at).settings.hidden == (64, 40)
    assert at.number_input(key="w_units_0").value == 64
    assert at.number_input(key="w_units_1").value == 40
    lr = at.select_slider(key=widgets.widget_key("lr"))
    assert lr.value == 0.05 and "0.05" in lr.options  # between two steps, shown as it is


def _held_caption(at: AppTest) -> str:
    texts = [c.value.replace("\\", "") for c in at.caption]
    return next(t for t in texts if "holds the other inputs fixed" in t)


def test_the_surface_says_which_inputs_it_holds_and_lets_them_move():
    from nn_core.data.load import load_data
    from ui.live.view import LiveView, ViewOptions

    settings = RunSettings(dataset="blog")
    ds = load_data(settings)
    at = train_page(settings=settings)
    age = ds.X[:, 2]
    assert f"age = {age.mean():.4g} (mean)" in _held_caption(at)
    slider = at.slider(key=f"w_held_{session(at).data_version}_2")
    assert (slider.min, slider.max) == (age.min(), age.max()) and slider.label == "age"
    before = session(at).peek("live_view")
    assert before.options.held == ((2, age.mean()),)
    slider.set_value(40.0).run()
    assert not at.exception
    caption = _held_caption(at)
    assert "age = 40." in caption and "mean" not in caption
    after = session(at).peek("live_view")
    assert after.options.held == ((2, 40.0),)
    # the frames the element draws are the network's outputs at age 40
    trainer = session(at).trainer
    at40 = LiveView(trainer, ViewOptions(held=((2, 40.0),))).frame()["surface"]
    at_mean = LiveView(trainer, ViewOptions()).frame()["surface"]
    assert after.frame()["surface"] == at40 != at_mean
    at.run()  # nothing moved: the same view (its grid is not recomputed)
    assert session(at).peek("live_view") is after
    # plotting age instead holds weight, at its mean
    at.selectbox(key=choices.widget_of("surface_y")).set_value(2).run()
    assert _held_caption(at).startswith("The surface holds the other inputs fixed: weight = ")
    # two inputs: nothing is held, nothing said
    at = train_page(settings=RunSettings(dataset="xor"))
    assert not [c for c in at.caption if "holds the other inputs" in c.value]
    assert not [s for s in at.slider if s.key and s.key.startswith("w_held_")]


def test_view_choices_survive_page_switches_and_stay_in_the_link():
    at = train_page(settings=RunSettings(dataset="blog"))  # three inputs
    at.checkbox(key="w_view_log").check().run()
    at.select_slider(key="w_train_speed").set_value(50).run()
    at.selectbox(key="w_view_y").set_value(2).run()
    view = {"speed": "50", "surface_y": "2", "log_loss": "true"}
    for page in (nav.DATA, nav.PREDICT, nav.SHARE, nav.HOW_IT_WORKS):
        go(at, page)  # Streamlit forgets the Train page's widgets here; the session does not
        query = {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}
        assert query == {"dataset": "blog", **view}, page
    go(at, nav.TRAIN)
    assert at.checkbox(key="w_view_log").value is True
    assert at.select_slider(key="w_train_speed").value == 50
    assert at.selectbox(key="w_view_y").value == 2
    live_view = session(at).peek("live_view")
    assert (live_view.options.surface_y, live_view.options.log_loss) == (2, True)
    assert _held_caption(at).startswith("The surface holds the other inputs fixed: weight = ")


def test_a_batch_larger_than_the_data_shows_as_it_is_and_says_what_it_means():
    at = train_page(settings=RunSettings(dataset="xor", n_samples=100, batch_size=500))
    assert at.number_input(key=widgets.widget_key("batch_size")).value == 500
    assert session(at).settings.batch_size == 500
    assert any("500 is more than the data's 100 rows" in c.value for c in at.caption)


DEAD = RunSettings(dataset="moons", hidden=(8,) * 6, activation="relu", lr=10.0)


def play_until_stopped(at: AppTest) -> None:
    button(at, "train_play").click().run()
    for _ in range(20):
        if not session(at).running:
            break
        at.run()
    assert not session(at).running


def test_a_blown_up_run_says_so_once_without_a_tick_and_offers_a_smaller_rate():
    at = train_page(settings=DEAD)
    play_until_stopped(at)
    trainer = session(at).trainer
    assert trainer.diverged and trainer.epoch == 0
    assert not at.success  # no green "✅ Reached the maximum"
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "Training diverged at epoch 1: the weights grew" in errors[0]
    assert "back at epoch 0" in errors[0]
    assert button(at, "train_play").disabled and button(at, "train_step").disabled
    fix = button(at, "train_fix")
    assert fix.label == "Try learning rate 0.3"
    fix.click().run()
    assert session(at).settings.lr == 0.3
    assert at.select_slider(key=widgets.widget_key("lr")).value == 0.3
    trainer = session(at).trainer  # one click: the new rate and new weights
    assert trainer.epoch == 0 and not trainer.diverged and trainer.settings.lr == 0.3
    assert not at.error and any("press Play" in i.value for i in at.info)
    button(at, "train_play").click().run()
    for _ in range(3):
        at.run()
    trainer = session(at).trainer
    assert trainer.epoch > 0 and not trainer.diverged and not at.error


def test_at_the_smallest_rate_a_dead_run_offers_no_larger_rate_but_what_else_to_change():
    dead = RunSettings(dataset="moons", hidden=(1,) * 6, activation="relu", bias=False,
                       scale="minmax", lr=1e-6, seed=0)
    at = train_page(settings=dead)
    play_until_stopped(at)
    trainer = session(at).trainer
    assert trainer.diverged and trainer.stop_kind == "died"
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "already the smallest (1e-06)" in errors[0]
    assert "Try a smaller learning rate" not in errors[0]
    assert "fewer hidden layers than 6 (Hidden layers)" in errors[0]
    assert "(Activation (hidden layers): tanh)" in errors[0]
    assert not [b for b in at.button if b.key == "train_fix"]  # no "Try learning rate 1e-05"


def test_stop_section_has_early_stopping_and_only_the_validation_share_resets():
    at = train_page()
    button(at, "train_step").click().run()
    patience = at.number_input(key=widgets.widget_key("patience"))
    assert patience.label == "Early stopping: patience (epochs)" and patience.value == 0
    patience.set_value(15).run()
    assert session(at).settings.patience == 15
    assert session(at).trainer.epoch == 1  # kept
    assert any("training loss" in c.value for c in at.caption)  # no validation share yet
    share = at.select_slider(key=widgets.widget_key("validation_fraction"))
    assert share.label == "Validation share of the training rows"
    share.set_value(0.2).run()
    assert session(at).settings.validation_fraction == 0.2
    trainer = session(at).trainer  # a new split: a new network
    assert trainer.epoch == 0 and len(trainer.val_idx) == 32
    assert any("reset" in i.value for i in at.info)


def test_early_stopping_ends_with_the_best_epoch_in_the_app():
    settings = RunSettings(dataset="moons", noise=0.3, hidden=(32, 32), activation="relu",
                           optimizer="adam", lr=0.03, validation_fraction=0.2, patience=10)
    at = train_page(settings=settings)
    session(at).views.speed = "max"
    play_until_stopped(at)
    trainer = session(at).trainer
    assert trainer.stop_kind == "early"
    heading = [m.value for m in at.markdown if m.value.startswith("## ")]
    assert f"## Stopped at epoch {trainer.epoch} · holding the network of epoch " \
           f"{trainer.best_epoch}" in heading
    assert any(f"weights of epoch {trainer.best_epoch}" in s.value for s in at.success)


def test_pace_spaces_frames_without_catching_up():
    from ui.live.panel import Pace

    now, slept = [0.0], []

    def sleep(s):
        slept.append(round(s, 6))
        now[0] += s

    pace = Pace(20, clock=lambda: now[0], sleep=sleep)
    pace.wait()  # the first frame goes at once
    now[0] += 0.01  # 10 ms of training
    pace.wait()  # waits the rest of 50 ms
    now[0] += 0.2  # a slow frame
    pace.wait()  # late: no wait, and no burst after it
    now[0] += 0.01
    pace.wait()
    assert slept == [0.04, 0.04]


def test_the_default_run_lasts_and_forms_its_surface_over_10_to_20_seconds():
    """Counted in epochs, not timed: the default moons run at the default speed and pace."""
    from ui.live import panel as live
    from ui.session.choices import DEFAULT_SPEED

    s = RunSettings()
    trainer = trained(s)
    while trainer.current()["train_metric"] < 0.99:
        trainer.train_epochs(10)
    seconds = trainer.epoch / (DEFAULT_SPEED * live.FRAME_RATE)
    assert 8 <= seconds <= 20, seconds
    assert s.epochs / (DEFAULT_SPEED * live.FRAME_RATE) > 3600  # on until paused


def test_a_widget_the_browser_had_not_drawn_is_sent_its_value_not_left_at_its_default():
    """A click that reaches the server before the browser has drawn every widget (a slow
    machine, a click right after the page loaded) reports only the drawn ones. The run then
    writes the stored value to the others: without it the browser draws the checkbox unticked
    and the rate at the slider's first step, and the next click sends those as the visitor's
    changes (seen in Chromium under load: Step reset the network to sigmoid, no biases,
    rate 1e-06)."""
    at = train_page()
    bias, shuffle = widgets.widget_key("bias"), widgets.widget_key("shuffle")
    lr = widgets.widget_key("lr")
    assert at.checkbox(key=bias).value and at.checkbox(key=shuffle).value  # the defaults: on

    def proto(key: str):
        return next(w.proto for w in (*at.checkbox, *at.select_slider) if w.key == key)

    # every widget reported (as AppTest does, like a browser that has drawn them all): the
    # values are the browser's own, nothing is written back
    button(at, "train_step").click()
    at.run()
    assert not proto(bias).set_value and not proto(lr).set_value

    # the next click reports the drawn widgets only: three not yet drawn
    button(at, "train_step").click()
    states = at._tree.get_widget_states()
    undrawn = {at.checkbox(key=bias).id, at.checkbox(key=shuffle).id,
               at.select_slider(key=lr).id}
    kept = [w for w in states.widgets if w.id not in undrawn]
    del states.widgets[:]
    states.widgets.extend(kept)
    at._run(states)
    assert not at.exception
    for key in (bias, shuffle, lr):  # the browser is told the stored value, not its default
        assert proto(key).set_value, key
    assert proto(bias).value and proto(shuffle).value
    assert at.select_slider(key=lr).value == 0.03
    assert session(at).trainer.epoch == 2  # the click counted, the network kept
    assert session(at).settings == RunSettings()
