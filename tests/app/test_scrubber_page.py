"""AppTest tests of the epoch scrubber on the Train page: when it shows, what the live element
is sent while looking back, Continue from here and Back to now."""

import json
import re

import numpy as np
from streamlit.testing.v1 import AppTest

from nn_core.settings import RunSettings
from tests.conftest import go, session, train_page, trained
from ui.live.view import LiveView, ViewOptions
from ui.session import choices, nav
from ui.views.charts import unpack

SLIDER = choices.widget_of("scrub_epoch")


def step(at: AppTest, n: int) -> None:
    for _ in range(n):
        at.button(key="train_step").click().run()
    assert not at.exception, at.exception


def has_slider(at: AppTest) -> bool:
    return any(s.key == SLIDER for s in at.slider)


def sent(at: AppTest) -> dict:
    """The message the live element received on the last run."""
    return json.loads(at.get("bidi_component")[0].proto.json)


def shown_epoch(at: AppTest) -> int:
    texts = [m.value for m in at.markdown if m.value.startswith("## Epoch")]
    return int(re.fullmatch(r"## Epoch (\d+)", texts[0]).group(1))


def fresh_surface(k: int) -> np.ndarray:
    """The surface a fresh default run stopped at epoch ``k`` draws."""
    s = RunSettings()
    t = trained(s)
    t.train_epochs(k)
    return unpack(LiveView(t, ViewOptions()).frame()["surface"]["z"])


def test_slider_only_when_paused_after_some_training():
    at = train_page()
    assert not has_slider(at)  # epoch 0: nothing to look back at
    step(at, 3)
    assert has_slider(at)
    slider = at.slider(key=SLIDER)
    assert (slider.min, slider.max, slider.step) == (0, 3, 1)  # every epoch from 0 to now
    assert slider.label == "Look back to epoch"
    assert slider.value == 3
    assert at.button(key="scrub_continue").disabled  # already now
    at.button(key="train_play").click().run()
    assert session(at).running
    assert not has_slider(at)
    at.button(key="train_pause").click().run()
    assert not at.exception, at.exception
    assert has_slider(at)
    assert at.slider(key=SLIDER).value == session(at).trainer.epoch


def test_looking_back_sends_the_snapshots_surface_and_continue_makes_it_live():
    at = train_page()
    step(at, 6)
    now = sent(at)["frames"][-1]
    assert now["epoch"] == 6
    at.slider(key=SLIDER).set_value(2).run()
    assert not at.exception, at.exception
    frame = sent(at)["frames"][-1]
    assert frame["epoch"] == 2 and shown_epoch(at) == 2
    z = unpack(frame["surface"]["z"])
    assert np.array_equal(z, fresh_surface(2))
    assert not np.array_equal(z, unpack(now["surface"]["z"]))
    assert frame["loss"][0] == 2  # the loss chart's newest point is epoch 2's
    assert frame["now"] == 6  # ...and it greys the epochs after it, up to now
    assert unpack(sent(at)["history"]["epoch"])[-1] == 6
    assert any("Looking back" in c.value and "Training is at epoch 6" in c.value
               for c in at.caption)
    trainer = session(at).trainer
    assert trainer.epoch == 6  # looking changes nothing

    at.button(key="scrub_continue").click().run()
    assert not at.exception, at.exception
    trainer = session(at).trainer
    s = RunSettings()
    fresh = trained(s)
    fresh.train_epochs(2)
    assert trainer.epoch == 2
    assert np.array_equal(trainer.network.params, fresh.network.params)
    assert shown_epoch(at) == 2
    assert at.slider(key=SLIDER).value == 2  # now is epoch 2
    step(at, 1)
    fresh.train_epochs(1)
    assert np.array_equal(session(at).trainer.network.params, fresh.network.params)


def test_step_and_back_to_now_leave_the_look_back():
    at = train_page()
    step(at, 4)
    at.slider(key=SLIDER).set_value(1).run()
    assert sent(at)["frames"][-1]["epoch"] == 1
    at.button(key="scrub_now").click().run()
    assert sent(at)["frames"][-1]["epoch"] == 4
    assert at.slider(key=SLIDER).value == 4
    at.slider(key=SLIDER).set_value(1).run()
    step(at, 1)
    assert sent(at)["frames"][-1]["epoch"] == 5 and shown_epoch(at) == 5
    assert at.slider(key=SLIDER).value == 5
    at.button(key="train_reset").click().run()
    assert not has_slider(at)


def test_caption_tells_which_epochs_are_kept():
    at = train_page()
    step(at, 3)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("4 snapshots kept (every epoch so far; at most 64") for c in captions)


def test_a_look_back_survives_a_page_switch_and_a_step_ends_it():
    at = train_page()
    step(at, 4)
    at.slider(key=SLIDER).set_value(1).run()
    go(at, nav.DATA)  # Streamlit forgets the slider's state here; the session keeps the choice
    go(at, nav.TRAIN)
    assert at.slider(key=SLIDER).value == 1
    assert sent(at)["frames"][-1]["epoch"] == 1 and shown_epoch(at) == 1
    step(at, 1)
    assert at.slider(key=SLIDER).value == 5 and shown_epoch(at) == 5
