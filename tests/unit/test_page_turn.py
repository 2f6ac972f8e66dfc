"""ui/scheduler.page_turn: one full page build at a time in a process, never a deadlock."""

import threading
import time

from ui.server import scheduler


def test_page_turns_are_one_at_a_time_and_a_stuck_turn_is_waited_for_only_so_long():
    inside, most = 0, 0
    guard = threading.Lock()

    def build() -> None:
        nonlocal inside, most
        with scheduler.page_turn() as mine:
            assert mine
            with guard:
                inside += 1
                most = max(most, inside)
            time.sleep(0.01)
            with guard:
                inside -= 1

    threads = [threading.Thread(target=build) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1  # never two builds at once

    with scheduler.page_turn() as first:
        assert first
        with scheduler.page_turn(wait=0.05) as second:  # the turn is held: go on without it
            assert not second
    with scheduler.page_turn(wait=0.05) as again:  # released after the one who had it
        assert again


def test_a_build_stopped_by_an_exception_gives_the_turn_back():
    class Stop(Exception):
        pass

    try:
        with scheduler.page_turn():
            raise Stop  # (what Streamlit raises to stop a run at an st.* call)
    except Stop:
        pass
    with scheduler.page_turn(wait=0.05) as mine:
        assert mine
