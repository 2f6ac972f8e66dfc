"""AppTest tests of the Train page sharing the server: the busy notice, the queue, the idle
pause and the epoch counter inside a long epoch.

Each test puts its own scheduler in place of the process-wide one, with other sessions
(plain ids) already holding slots. In AppTest a full run of a playing page is one tick.
"""

import itertools
import re

import pytest
from streamlit.testing.v1 import AppTest

from nn_core.settings import RunSettings
from tests.conftest import go, train_page
from ui.live import panel as live
from ui.server import runtime, scheduler
from ui.session import nav


@pytest.fixture()
def sched(monkeypatch: pytest.MonkeyPatch):
    """A scheduler of cap 2 in place of the process-wide one (cap and idle: see Config)."""
    def install(cap: int = 2, idle_minutes: float = 10.0) -> scheduler.Scheduler:
        s = scheduler.Scheduler(cap)
        monkeypatch.setattr(scheduler, "_shared",
                            (scheduler.Config(cap=cap, idle_minutes=idle_minutes), s))
        return s
    return install


def play(at: AppTest) -> AppTest:
    at.button(key="train_play").click().run()
    assert not at.exception, at.exception
    return at


def epoch_heading(at: AppTest) -> str:
    texts = [m.value for m in at.markdown if m.value.startswith("## Epoch")]
    assert len(texts) == 1, texts
    return texts[0]


def test_the_page_says_how_many_runs_share_the_server(sched):
    s = sched(cap=8)
    s.join("other-1")
    s.join("other-2")
    at = play(train_page())
    captions = [c.value for c in at.caption]
    assert "3 runs are training on this server; yours runs at a share of it." in captions
    assert not at.info


def test_alone_on_the_server_there_is_no_busy_notice(sched):
    sched(cap=8)
    at = play(train_page())
    assert not [c.value for c in at.caption if "training on this server" in c.value]
    assert at.button(key="train_pause")


def test_beyond_the_cap_play_waits_in_the_queue_and_starts_when_a_slot_frees(sched):
    s = sched(cap=1)
    s.join("other")
    s.join("second")
    at = play(train_page())
    assert [i.value for i in at.info] == [
        "The server is busy: 1 run is training, the most it takes at once. Yours is number 2 "
        "in the queue and starts when a slot frees."]
    assert epoch_heading(at) == "## Epoch 0"  # nothing trained while waiting
    at.run()
    assert epoch_heading(at) == "## Epoch 0"
    s.leave("other")
    at.run()  # 'second' is let in; this session is next
    assert "Yours is number 1 in the queue" in at.info[0].value
    s.leave("second")
    at.run()  # let in: this run trains, the next sends what it trained
    assert not at.info
    at.run()
    assert int(re.fullmatch(r"## Epoch (\d+)", epoch_heading(at)).group(1)) > 0
    at.button(key="train_pause").click().run()
    assert s.busy() == (0, 0)  # Pause gave the slot back


def test_pause_leaves_the_queue(sched):
    s = sched(cap=1)
    s.join("other")
    at = play(train_page())
    assert s.busy() == (1, 1)
    at.button(key="train_pause").click().run()
    assert s.busy() == (1, 0)
    assert not at.info
    assert at.button(key="train_play")


def test_a_session_without_a_click_for_minutes_pauses_and_frees_its_slot(sched, monkeypatch):
    s = sched(cap=2, idle_minutes=10)
    at = train_page()
    # every look at the clock is an hour after the one before: the tick finds the page idle
    monkeypatch.setattr(live, "clock", itertools.count(0, 3600).__next__)
    at = play(at)
    assert [i.value.replace("\\", "") for i in at.info] == [  # notices are escaped
        "Paused after 10 minutes without a click, to give the server to the other runs. "
        "Press Play to go on."]
    assert at.button(key="train_play")
    assert s.busy() == (0, 0)
    assert epoch_heading(at) == "## Epoch 0"


def test_a_long_epoch_is_cut_and_the_counter_says_how_far_it_got(sched, monkeypatch):
    sched(cap=8)
    # 5 ms a frame: a tick trains far less than one epoch of this network on any machine
    monkeypatch.setattr(live, "FRAME_SECONDS", 0.005)
    heavy = RunSettings(dataset="moons", n_samples=5000, hidden=(64,) * 6, batch_size=1,
                        optimizer="adam")
    at = play(train_page(settings=heavy))
    at.run()  # sends the frames the first tick trained: inside epoch 1
    heading = epoch_heading(at)
    match = re.fullmatch(r"## Epoch 0 · (\d+)% of the next", heading)
    assert match, heading
    at.button(key="train_pause").click().run()
    assert re.fullmatch(r"## Epoch 0 · \d+% of the next", epoch_heading(at))
    at.button(key="train_step").click().run()  # Step ends the epoch in progress
    assert epoch_heading(at) == "## Epoch 1"


def test_the_live_panel_is_a_different_fragment_when_playing_queued_and_paused(sched,
                                                                                monkeypatch):
    """The browser's timer asks for ticks of the fragment it knows until the new page reaches
    it; the server drops requests for a fragment the page no longer has only if each mode's
    fragment has its own name (Streamlit names a fragment by its function's name)."""
    made: list[tuple[str, float | None]] = []
    fragment = live.st.fragment

    def recording(func, *, run_every=None, **kwargs):
        made.append((func.__qualname__.rsplit(".", 1)[-1], run_every))
        return fragment(func, run_every=run_every, **kwargs)

    monkeypatch.setattr(live.st, "fragment", recording)
    s = sched(cap=1)
    s.join("other")
    at = train_page()
    assert made[-1] == ("tick_still", None)
    play(at)  # AppTest has no server to wake a page: it looks at the queue itself
    assert made[-1] == ("tick_queued", live.queue_poll(1))
    monkeypatch.setattr(runtime, "can_wake", lambda sid: True)
    at.run()  # where the server wakes a page let in, a queued page only refreshes its place
    assert made[-1] == ("tick_queued", live.MAX_QUEUE_POLL)
    s.leave("other")
    at.run()  # let in: a full run starts the playing fragment's timer
    assert made[-1] == ("tick_playing", live.RUN_EVERY)
    at.button(key="train_pause").click().run()
    assert made[-1] == ("tick_still", None)


def test_leaving_the_train_page_leaves_the_queue(sched):
    """A session let in later is woken on the Train page: one that left it must not be."""
    s = sched(cap=1)
    s.join("other")
    at = play(train_page())
    assert s.busy() == (1, 1)
    go(at, nav.DATA)
    assert s.busy() == (1, 0)


def test_the_notice_says_the_rate_a_shared_run_gets_and_why(ss):
    from ui.session import actions, store

    assert store.session().live.rate is None
    actions.note_frame_rate(20, 1.0)
    actions.note_frame_rate(10, 1.0)  # recent ticks weigh most: (20 + 10) / 2
    assert store.session().live.rate == 15.0
    assert live._rate_said(None, 1) == ""
    assert live._rate_said(19.0, 1) == f", still its full {live.FRAME_RATE} frames a second"
    assert live._rate_said(12.4, 5) == (
        f": 12 frames a second ({live.FRAME_RATE} on a free server); every run here slows "
        "down together")
    assert "each as many epochs as its turn allows" in live._rate_said(14.0, "max")


def test_top_speed_slices_shrink_with_the_runs_sharing_the_server():
    alone = live.top_speed_slice(1)
    assert alone == live.FRAME_SECONDS
    slices = [live.top_speed_slice(n) for n in range(1, 41)]
    assert all(a >= b for a, b in itertools.pairwise(slices))  # never grows
    assert min(slices) == live.TURN_SECONDS / 4  # a frame always trains something
    # 4 runs: each frame's slice and cost leave every page MIN_SHARED_RATE frames a second
    four = live.top_speed_slice(4)
    assert 4 * live.MIN_SHARED_RATE * (four + live.FRAME_OVERHEAD_S) == pytest.approx(1.0)
