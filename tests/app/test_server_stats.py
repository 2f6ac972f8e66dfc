"""The operator's progress counters (ui/server/counters.py): what a line holds, and that the Train
page's live tick feeds them once per tick (AppTest: each full run of the page is one tick)."""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from ui.server import counters
from ui.server.counters import FORGET_AFTER_S, Recorder, anonymous_id
from ui.session import nav

APP = "../../app.py"


def test_counters_add_frames_and_ticks_and_keep_the_latest_epoch(tmp_path) -> None:
    rec = Recorder(tmp_path / "s.jsonl")
    rec.thread = "not started"  # type: ignore[assignment]  # no writer thread in this test
    rec.record("session-a", epoch=3, params=105, frames_sent=8, playing=True, now=100.0)
    rec.record("session-a", epoch=11, params=105, frames_sent=5, playing=False, now=101.5)
    rec.record("session-b", epoch=1, params=9, frames_sent=1, playing=True, now=101.0)
    line = rec.line(now=102.0)
    assert line["pid"] == os.getpid()
    by_id = {s["id"]: s for s in line["sessions"]}
    assert by_id[anonymous_id("session-a")] == {
        "id": anonymous_id("session-a"), "epoch": 11.0, "params": 105, "frames": 13,
        "ticks": 2, "last_tick": 101.5, "playing": False}
    assert by_id[anonymous_id("session-b")]["frames"] == 1
    assert len(by_id) == 2


def test_ids_are_stable_within_a_process_and_salted_per_process(monkeypatch) -> None:
    a, b = anonymous_id("f3a9c2e1-session"), anonymous_id("another-session")
    assert a == anonymous_id("f3a9c2e1-session") and a != b
    assert re.fullmatch(r"[0-9a-f]{12}", a)
    monkeypatch.setattr(counters, "_SALT", b"another process")
    assert anonymous_id("f3a9c2e1-session") != a  # another process cannot match it up


def test_a_session_idle_for_ten_minutes_is_forgotten(tmp_path) -> None:
    rec = Recorder(tmp_path / "s.jsonl")
    rec.thread = "not started"  # type: ignore[assignment]
    rec.record("old", 1, 9, 1, False, now=1000.0)
    rec.record("new", 1, 9, 1, True, now=1000.0 + FORGET_AFTER_S)
    ids = [s["id"] for s in rec.line(now=1000.0 + FORGET_AFTER_S + 1)["sessions"]]
    assert ids == [anonymous_id("new")]


def test_the_writer_thread_appends_one_json_line_per_interval(tmp_path) -> None:
    path = tmp_path / "s.jsonl"
    rec = Recorder(path, every_s=0.01)
    rec.record("s", 2, 9, 1, True)  # starts the thread
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
            not path.exists() or path.read_text().count("\n") < 3):
        time.sleep(0.02)
    lines = [json.loads(x) for x in path.read_text().splitlines()[:3]]
    assert len(lines) == 3
    assert all(x["sessions"][0]["epoch"] == 2.0 for x in lines)
    assert lines[0]["t"] <= lines[1]["t"] <= lines[2]["t"]
    assert all(x["rss_mb"] > 0 and x["cpu_s"] > 0 for x in lines)


def test_without_the_variable_a_tick_records_nothing(monkeypatch) -> None:
    monkeypatch.setattr(counters, "_recorder", None)
    counters.on_tick(object(), 8, True)  # would fail on the object if it looked at it


@pytest.fixture
def recorder(tmp_path, monkeypatch) -> Recorder:
    rec = Recorder(tmp_path / "s.jsonl")
    rec.thread = "not started"  # type: ignore[assignment]
    monkeypatch.setattr(counters, "_recorder", rec)
    return rec


def test_each_tick_of_the_train_page_is_counted_once(recorder: Recorder) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert recorder.sessions == {}  # the Data page has no live tick
    at.switch_page(nav.TRAIN).run()
    at.button(key="train_step").click().run()
    at.button(key="train_step").click().run()
    assert not at.exception, at.exception
    (counters,) = recorder.sessions.values()
    assert counters.ticks == 3
    assert counters.epoch == 2.0
    assert counters.frames == 3  # paused: each tick sends the one frame of the network as it is
    assert counters.params == 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1  # the default 2-8-8-1 with biases
    assert counters.playing is False
