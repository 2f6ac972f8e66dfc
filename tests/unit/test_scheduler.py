"""ui/server/scheduler.py: slots under a cap, the queue's order, fair turns, release of gone
sessions."""

import threading
import time

import pytest

from ui.server.scheduler import (
    CAP_ENV,
    DEFAULT_CAP,
    DEFAULT_IDLE_MINUTES,
    DEFAULT_RSS_MB,
    IDLE_ENV,
    RSS_ENV,
    Config,
    Scheduler,
    config_from_env,
    process_rss_mb,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _wait_until(condition, what: str) -> None:
    """Poll ``condition`` (threads need a moment to reach their wait); fail after 20 s."""
    end = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < end, what
        time.sleep(0.002)


def test_cap_and_queue_in_order_of_arrival():
    s = Scheduler(cap=2)
    assert [s.join(x) for x in "abcd"] == [0, 0, 1, 2]
    assert s.busy() == (2, 2)
    assert s.join("d") == 2  # asking again keeps the place
    s.leave("a")
    assert (s.position("c"), s.position("d"), s.position("a")) == (0, 1, None)
    s.leave("d")  # leaving the queue
    s.leave("b")
    assert s.busy() == (1, 0)
    assert s.join("e") == 0


def test_a_session_that_stops_asking_loses_its_slot_after_the_lease():
    clock = Clock()
    s = Scheduler(cap=1, lease=15.0, clock=clock)
    assert s.join("a") == 0
    assert s.join("b") == 1
    clock.now += 10
    assert s.join("a") == 0  # renewed
    clock.now += 10  # b asked 20 s ago, a 10 s ago
    assert s.busy() == (1, 0)
    clock.now += 6  # a too is 16 s late
    assert s.busy() == (0, 0)
    assert s.join("b") == 0


def test_a_closed_session_frees_its_slot_at_once():
    gone: set[str] = set()
    s = Scheduler(cap=1, alive=lambda sid: sid not in gone)
    assert (s.join("a"), s.join("b")) == (0, 1)
    gone.add("a")
    assert s.join("b") == 0
    assert s.position("a") is None


def test_memory_ceiling_holds_new_sessions_but_never_starves_the_server():
    full = [True]
    s = Scheduler(cap=4, room=lambda: not full[0])
    assert s.join("a") == 0  # nobody trains: memory cannot be freed by waiting
    assert s.join("b") == 1
    full[0] = False
    assert s.join("b") == 0


def test_turns_without_a_slot_are_refused():
    s = Scheduler(cap=1)
    s.join("a")
    s.join("b")
    assert not s.take_turn("b", 0.0)
    assert not s.take_turn("nobody", 0.0)
    assert s.take_turn("a", 0.0)
    s.end_turn("a")


def test_turns_go_round_in_order():
    """Once every session waits, each one trains once before any trains again."""
    n, rounds = 4, 5
    s = Scheduler(cap=n + 1)
    s.join("gate")
    assert s.take_turn("gate", 0.0)
    names = [f"s{i}" for i in range(n)]
    grants: list[str] = []

    def play(name: str) -> None:
        s.join(name)
        for _ in range(rounds):
            with s.turn(name, wait=60.0) as mine:
                assert mine
                grants.append(name)

    threads = [threading.Thread(target=play, args=(name,)) for name in names]
    for t in threads:
        t.start()
    _wait_until(lambda: len(s.turn_order()) == n, "every session waits for a turn")
    order = s.turn_order()
    s.end_turn("gate")
    for t in threads:
        t.join(60)
    assert grants == order * rounds


def test_a_waiting_session_gives_up_when_cancelled_or_released():
    s = Scheduler(cap=3)
    for x in "abc":
        s.join(x)
    assert s.take_turn("a", 0.0)
    cancel = threading.Event()
    results: dict[str, bool] = {}
    waiters = [threading.Thread(target=lambda: results.update(b=s.take_turn("b", 60.0,
                                                                             cancel.is_set))),
               threading.Thread(target=lambda: results.update(c=s.take_turn("c", 60.0)))]
    for t in waiters:
        t.start()
    _wait_until(lambda: sorted(s.turn_order()) == ["b", "c"], "b and c wait")
    cancel.set()  # Pause pressed in b's session
    s.leave("c")  # c's tab closed
    for t in waiters:
        t.join(30)
    assert results == {"b": False, "c": False}
    assert s.turn_order() == []
    s.end_turn("a")
    assert s.take_turn("b", 0.0)


def test_a_turn_times_out_when_another_holds_it():
    s = Scheduler(cap=2)
    s.join("a")
    s.join("b")
    assert s.take_turn("a", 0.0)
    assert not s.take_turn("b", 0.01)
    assert s.turn_order() == []


def test_config_from_the_environment():
    assert config_from_env({}) == Config(DEFAULT_CAP, DEFAULT_RSS_MB, DEFAULT_IDLE_MINUTES)
    c = config_from_env({CAP_ENV: " 3 ", RSS_ENV: "0", IDLE_ENV: "2.5"})
    assert c == Config(3, 0.0, 2.5)
    bad = config_from_env({CAP_ENV: "0", RSS_ENV: "lots", IDLE_ENV: "inf"})
    assert (bad.cap, bad.max_rss_mb, bad.idle_minutes) == (DEFAULT_CAP, DEFAULT_RSS_MB,
                                                           DEFAULT_IDLE_MINUTES)
    assert [p.split("=")[0] for p in bad.problems] == [CAP_ENV, RSS_ENV, IDLE_ENV]


def test_process_rss_grows_with_memory_in_use():
    before = process_rss_mb()
    block = bytearray(64 * 2**20)
    block[:: 4096] = b"x" * len(block[:: 4096])  # touch every page
    assert process_rss_mb() - before > 48
    del block


def test_a_wait_stopped_by_an_exception_leaves_the_turn_order():
    s = Scheduler(cap=2)
    s.join("a")
    s.join("b")
    assert s.take_turn("a", 0.0)

    class Stopped(Exception):
        pass

    def stop() -> bool:
        raise Stopped  # a script asked to stop, from inside the wait

    with pytest.raises(Stopped):
        s.take_turn("b", 60.0, stop)
    assert s.turn_order() == []


def test_a_session_let_in_from_the_queue_is_woken_once():
    clock = Clock()
    woken: list[str] = []
    gone: set[str] = set()
    s = Scheduler(cap=1, wake=woken.append, clock=clock, lease=15,
                  alive=lambda sid: sid not in gone)
    assert [s.join(x) for x in "abcd"] == [0, 1, 2, 3]
    assert woken == []  # 'a' was let in while asking: nothing to wake
    s.leave("a")
    assert woken == ["b"]
    assert s.join("b") == 0 and woken == ["b"]  # asking again wakes no one
    gone.add("b")  # its tab closed: the next is let in and woken
    assert s.busy() == (1, 1) and woken == ["b", "c"]
    clock.now += 16  # 'c' never asks again, 'd' does: 'c' loses its slot to 'd' who asks now
    assert s.join("d") == 0 and woken == ["b", "c"]
    assert s.position("c") is None


def test_a_wake_may_ask_the_scheduler_again():
    """``wake`` runs outside the scheduler's lock: it may call back (a woken page asks)."""
    s: Scheduler
    seen: list[int | None] = []

    def wake(sid: str) -> None:
        done = threading.Event()
        threading.Thread(target=lambda: (seen.append(s.join(sid)), done.set())).start()
        assert done.wait(20), "the scheduler's lock was still held"

    s = Scheduler(cap=1, wake=wake)
    s.join("a")
    s.join("b")
    s.leave("a")
    assert seen == [0]
