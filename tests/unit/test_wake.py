"""ui/server/runtime.py's wake: one full run of a session let in from the queue, through Streamlit's
runtime internals when they are there, and a plain False when they are not."""

import pytest
from streamlit.proto.ClientState_pb2 import ClientState

from ui.server import runtime as live


class Loop:
    def __init__(self, closed: bool = False) -> None:
        self.closed = closed

    def call_soon_threadsafe(self, func, *args) -> None:
        if self.closed:
            raise RuntimeError("Event loop is closed")
        func(*args)


class AppSession:
    """The parts of Streamlit's AppSession that wake uses."""

    def __init__(self, loop: Loop) -> None:
        self._client_state = ClientState(query_string="data=xor", page_script_hash="entry",
                                         fragment_id="tick", is_auto_rerun=True)
        self._event_loop = loop
        self.reruns: list[ClientState] = []

    def request_rerun(self, client_state: ClientState) -> None:
        self.reruns.append(client_state)


class Info:
    def __init__(self, session: AppSession) -> None:
        self.session = session


def install(monkeypatch: pytest.MonkeyPatch, sessions: dict[str, AppSession]) -> None:
    class Manager:
        def get_active_session_info(self, sid: str) -> Info | None:
            return Info(sessions[sid]) if sid in sessions else None

    class Runtime:
        _session_mgr = Manager()

        @staticmethod
        def instance() -> "Runtime":
            return Runtime()

    monkeypatch.setattr(live, "Runtime", Runtime)


def test_wake_asks_for_one_run_of_the_whole_page_as_it_last_ran(monkeypatch):
    session = AppSession(Loop())
    install(monkeypatch, {"s1": session})
    assert live.can_wake("s1")
    assert live.wake("s1")
    [rerun] = session.reruns
    assert rerun.query_string == "data=xor"
    assert (rerun.page_name, rerun.page_script_hash) == ("train", "")  # the Train page
    assert (rerun.fragment_id, rerun.is_auto_rerun) == ("", False)  # the whole page
    assert session._client_state.fragment_id == "tick"  # the session's own state untouched


def test_without_the_runtime_s_internals_wake_says_no(monkeypatch):
    install(monkeypatch, {"s1": AppSession(Loop(closed=True))})
    assert not live.wake("gone")  # no such session
    assert not live.wake("s1")  # its loop is closed: the server is stopping

    class NoRuntime:
        @staticmethod
        def instance():
            raise RuntimeError("Runtime hasn't been created!")

    monkeypatch.setattr(live, "Runtime", NoRuntime)
    assert not live.can_wake("s1") and not live.wake("s1")

    class OtherRuntime:  # a Streamlit whose runtime keeps its sessions elsewhere
        @staticmethod
        def instance():
            return object()

    monkeypatch.setattr(live, "Runtime", OtherRuntime)
    assert not live.can_wake("s1") and not live.wake("s1")


def _folded(*requests):
    """Streamlit's own ScriptRequests after ``requests`` (RerunData) arrive in this order
    while a script runs."""
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequests

    sr = ScriptRequests()
    for r in requests:
        sr.request_rerun(r)
    return sr._rerun_data


def test_a_pause_stays_the_visitors_when_the_ticks_timer_asks_after_it():
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

    timer = RerunData(fragment_id="tick_playing", is_auto_rerun=True)
    pause = RerunData(query_string="", is_auto_rerun=False)  # a button outside the fragment
    assert not live.is_user_rerun(_folded(timer))  # the tick's own timer goes on training
    assert live.is_user_rerun(_folded(pause))
    # the timer's request lands after the click: Streamlit keeps the newest is_auto_rerun
    folded = _folded(pause, timer)
    assert folded.is_auto_rerun  # (what made the tick train on through a Pause)
    assert live.is_user_rerun(folded)
    assert live.is_user_rerun(_folded(timer, pause))
    click_in_fragment = RerunData(fragment_id="controls", is_auto_rerun=False)
    assert live.is_user_rerun(_folded(timer, click_in_fragment))
    assert not live.is_user_rerun(None)
