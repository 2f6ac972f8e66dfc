"""One server's training time, shared fairly between the sessions that play.

Every visitor's training runs in this one process, so each one takes from all the others. The
:class:`Scheduler` decides who trains and when:

- **Slots**: at most ``cap`` sessions train at once (and none is let in while the process's
  memory is above its ceiling); a session that presses Play beyond that waits in a queue, first
  come first served, and is let in when a slot frees.
- **Turns**: a session with a slot trains in short turns (one time slice each), taken in the
  order they were asked for, ``turns`` at a time: a session that just had one goes to the back,
  so every session gets the same share of training time, whatever its network costs per epoch.
- **Release**: a session gives its slot back when it pauses, resets or goes idle; a session
  that stops asking (its tab closed, its page left) loses it after ``lease`` seconds, or at
  once when ``alive`` says it is gone while others wait for a slot.
- **Wake**: a session let in from the queue because another left is told so through
  ``wake(id)`` (called outside the scheduler's lock), so it need not keep asking while it waits.

It holds session ids and times only, never a visitor's data: it is shared by every visitor.
Pure Python and threads; the Streamlit side (``ui/server/runtime.py``) passes the ids and the
``alive`` test. :func:`shared` is the process-wide instance, configured from the environment.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

CAP_ENV = "NN_PLAYGROUND_MAX_TRAINING"  # sessions training at once
RSS_ENV = "NN_PLAYGROUND_MAX_RSS_MB"  # process memory above which a new Play waits (0: none)
IDLE_ENV = "NN_PLAYGROUND_IDLE_MINUTES"  # minutes without a click after which training pauses
# per server process: at the default speed, 16 playing sessions each get >= 10 frames/s and a
# whole class's Pause shows within a second (bench/load.py, README)
DEFAULT_CAP = 16
DEFAULT_RSS_MB = 1536
DEFAULT_IDLE_MINUTES = 10.0
LEASE_SECONDS = 15.0  # a slot not asked for again within this long is given back
TURNS = 1  # sessions training at the same moment: one interpreter lock, so more gain nothing
WAIT_STEP = 0.05  # seconds between looks at ``cancelled`` while waiting for a turn


@dataclass(frozen=True)
class Config:
    """What an operator sets: the cap on training sessions, the memory ceiling, idleness."""

    cap: int = DEFAULT_CAP
    max_rss_mb: float = DEFAULT_RSS_MB
    idle_minutes: float = DEFAULT_IDLE_MINUTES
    problems: tuple[str, ...] = ()  # one line per value that was refused (defaults kept)


def config_from_env(env: Mapping[str, str] | None = None) -> Config:
    """The operator's settings from ``env`` (the process environment by default); a value
    that is not a number in range keeps its default and is named in ``problems``."""
    env = os.environ if env is None else env
    values: dict[str, float] = {}
    problems = []
    for name, field, low, integer in ((CAP_ENV, "cap", 1, True), (RSS_ENV, "max_rss_mb", 0, False),
                                      (IDLE_ENV, "idle_minutes", 0.1, False)):
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            value = int(raw) if integer else float(raw)
            if not value >= low or value == float("inf"):
                raise ValueError
        except ValueError:
            problems.append(f"{name}={raw[:40]!r} is not a number of at least {low}: "
                            "the default is used")
            continue
        values[field] = value
    return Config(**values, problems=tuple(problems))


def process_rss_mb() -> float:
    """This process's resident memory in MB (0 where /proc is not available)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class Scheduler:
    """Slots, a queue and turns for the sessions of one process (see the module's docstring).

    ``room()`` says whether memory allows one more session to start; ``alive(id)`` whether a
    session still exists; ``wake(id)`` tells a queued session it was let in; ``clock`` gives
    seconds (tests pass their own).
    """

    def __init__(self, cap: int = DEFAULT_CAP, *, turns: int = TURNS,
                 lease: float = LEASE_SECONDS, room: Callable[[], bool] = lambda: True,
                 alive: Callable[[str], bool] = lambda sid: True,
                 wake: Callable[[str], object] = lambda sid: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cap, self.turns, self.lease = max(1, int(cap)), max(1, int(turns)), float(lease)
        self.room, self.alive, self.wake, self.clock = room, alive, wake, clock
        self._let_in: list[str] = []  # let in from the queue, not yet woken
        self._cond = threading.Condition()
        self._active: dict[str, float] = {}  # id -> last asked (clock)
        self._queue: OrderedDict[str, float] = OrderedDict()  # waiting for a slot, in order
        self._waiting: deque[str] = deque()  # asking for a turn, in order
        self._holders: set[str] = set()  # training now

    # ------------------------------------------------------------------ slots
    def join(self, sid: str) -> int:
        """Ask to train (again: each ask renews the lease). 0 when the session has a slot,
        else its place in the queue (1 is next)."""
        with self._cond:
            now = self.clock()
            self._forget_gone(now)
            if sid in self._active:
                self._active[sid] = now
                place = 0
            else:
                self._queue[sid] = now
                self._admit(now)
                place = 0 if sid in self._active else list(self._queue).index(sid) + 1
            if sid in self._let_in:  # let in while asking: it knows already
                self._let_in.remove(sid)
        self._wake_let_in()
        return place

    def leave(self, sid: str) -> None:
        """Give the slot (or the place in the queue) back; the next in the queue is let in."""
        with self._cond:
            self._drop(sid)
            self._admit(self.clock())
            self._cond.notify_all()
        self._wake_let_in()

    def position(self, sid: str) -> int | None:
        """0 with a slot, the place in the queue, or None when the session asked for neither."""
        with self._cond:
            if sid in self._active:
                return 0
            return list(self._queue).index(sid) + 1 if sid in self._queue else None

    def turn_order(self) -> list[str]:
        """The sessions waiting for a turn, next first."""
        with self._cond:
            return list(self._waiting)

    def busy(self) -> tuple[int, int]:
        """(sessions with a slot, sessions in the queue)."""
        with self._cond:
            self._forget_gone(self.clock())
            counts = len(self._active), len(self._queue)
        self._wake_let_in()
        return counts

    def _admit(self, now: float) -> None:
        while self._queue and len(self._active) < self.cap and (not self._active
                                                                or self.room()):
            sid, _ = self._queue.popitem(last=False)
            self._active[sid] = now
            self._let_in.append(sid)

    def _wake_let_in(self) -> None:
        """Wake the sessions let in since the last call (outside the lock: ``wake`` may
        reach into the server, which may call back here)."""
        with self._cond:
            woken, self._let_in = self._let_in, []
        for sid in woken:
            self.wake(sid)

    def _drop(self, sid: str) -> None:
        if sid in self._let_in:
            self._let_in.remove(sid)
        self._active.pop(sid, None)
        self._queue.pop(sid, None)
        if sid in self._waiting:
            self._waiting.remove(sid)
        self._holders.discard(sid)

    def _forget_gone(self, now: float) -> None:
        # ``alive`` asks the server about every session: only worth it while someone waits
        # for a slot (at 30 sessions, asking on every call was a quarter of a tick's own CPU);
        # otherwise a closed tab's slot goes with its lease.
        ask = bool(self._queue)
        gone = [sid for table in (self._active, self._queue) for sid, seen in table.items()
                if now - seen > self.lease or (ask and not self.alive(sid))]
        for sid in gone:
            self._drop(sid)
        if gone:
            self._admit(now)
            self._cond.notify_all()

    # ------------------------------------------------------------------ turns
    def take_turn(self, sid: str, wait: float, cancelled: Callable[[], bool] = lambda: False
                  ) -> bool:
        """Wait up to ``wait`` seconds for this session's turn to train; True when it has it
        (then :meth:`end_turn`). False without a slot, on time out or once ``cancelled()``."""
        with self._cond:
            if sid not in self._active:
                return False
            if sid not in self._waiting:
                self._waiting.append(sid)
            deadline = self.clock() + wait
            try:
                while True:
                    if sid not in self._active or sid not in self._waiting:
                        return False  # released while waiting
                    free = self.turns - len(self._holders)
                    if free > 0 and sid in list(self._waiting)[:free]:
                        self._waiting.remove(sid)
                        self._holders.add(sid)
                        return True
                    left = deadline - self.clock()
                    if left <= 0 or cancelled():
                        return False
                    self._cond.wait(min(left, WAIT_STEP))
            finally:  # also when ``cancelled`` raises (a script stopped mid-wait)
                if sid in self._waiting and sid not in self._holders:
                    self._waiting.remove(sid)
                    self._cond.notify_all()

    def end_turn(self, sid: str) -> None:
        """The session's turn is over: the next waiting session's begins."""
        with self._cond:
            self._holders.discard(sid)
            self._cond.notify_all()

    @contextmanager
    def turn(self, sid: str, wait: float, cancelled: Callable[[], bool] = lambda: False
             ) -> Iterator[bool]:
        """``with scheduler.turn(sid, wait) as mine: if mine: train()``."""
        mine = self.take_turn(sid, wait, cancelled)
        try:
            yield mine
        finally:
            if mine:
                self.end_turn(sid)


_shared: tuple[Config, Scheduler] | None = None
_shared_lock = threading.Lock()


def shared(alive: Callable[[str], bool] = lambda sid: True,
           wake: Callable[[str], object] = lambda sid: None) -> tuple[Config, Scheduler]:
    """The operator's settings and the process-wide scheduler, made on first use from
    :func:`config_from_env` (``alive`` and ``wake`` are taken from that first call); a refused
    setting is logged once."""
    global _shared
    with _shared_lock:
        if _shared is None:
            config = config_from_env()
            for problem in config.problems:
                logging.getLogger(__name__).warning(problem)
            ceiling = config.max_rss_mb
            _shared = config, Scheduler(config.cap, alive=alive, wake=wake,
                                        room=lambda: not ceiling or process_rss_mb() < ceiling)
        return _shared


# ------------------------------------------------------------------------------ page turns
# A page's full run (its widgets, figures and tables: ~60 ms of CPU for the paused Train page)
# holds the interpreter lock like training does. When a whole class presses Pause at once, N
# such runs interleaved in 5 ms slices all end together, after N runs' time, and meanwhile the
# event loop that sends every page gets one slice in N: everybody waited for the slowest. One
# at a time, the k-th visitor waits k runs (the median half as long: bench/frame_cost.md), and
# the waiting threads, blocked on a lock, leave the interpreter to the one building and to the
# event loop. Training never holds a page turn.
PAGE_TURN_WAIT = 3.0  # seconds at most a run waits for its turn before it builds anyway
_page_turn = threading.Lock()


@contextmanager
def page_turn(wait: float = PAGE_TURN_WAIT) -> Iterator[bool]:
    """``with page_turn():`` build a page's heavy part one session at a time in this process.
    Yields whether the turn was had (False: waited ``wait`` seconds and went on without it)."""
    mine = _page_turn.acquire(timeout=wait)
    try:
        yield mine
    finally:
        if mine:
            _page_turn.release()
