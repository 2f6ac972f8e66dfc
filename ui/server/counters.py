"""Server-side progress counters for an operator: per session, how far training got.

Off unless the operator asks: with ``NN_PLAYGROUND_STATS=/path/stats.jsonl`` in the server's
environment, a background thread appends one JSON line every ``NN_PLAYGROUND_STATS_EVERY``
seconds (default 1) with the process's CPU seconds and resident memory and, per session that
ticked in the last ten minutes, an anonymous id (a salted hash of Streamlit's session id), the
trainer's epoch and network size, the frames sent, the ticks and the time of the last tick.
No user data (no settings, no dataset, no address) is kept, and nothing is served over HTTP:
the public demo exposes nothing. Several processes may share one file (each line names its ``pid``).

The live tick calls :func:`on_tick` once per tick; without the variable it returns at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from streamlit.runtime.scriptrunner import get_script_run_ctx

ENV_PATH = "NN_PLAYGROUND_STATS"
ENV_EVERY = "NN_PLAYGROUND_STATS_EVERY"
DEFAULT_EVERY_S = 1.0
FORGET_AFTER_S = 600.0  # a session that has not ticked for this long is dropped from the lines
ID_CHARS = 12

_SALT = secrets.token_bytes(16)  # per process: the anonymous ids cannot be traced back


@dataclass
class SessionCounters:
    """One session's progress, as the live tick saw it."""

    id: str
    epoch: float = 0.0  # the trainer's epoch at the last tick (goes back to 0 on Reset)
    params: int = 0  # the network's size (weights and biases): a measure of a tick's work
    frames: int = 0  # frames sent to the browser, all ticks together
    ticks: int = 0
    last_tick: float = 0.0  # wall-clock time (seconds since the epoch)
    playing: bool = False


class Recorder:
    """The counters of one process, and the thread that writes them to ``path``."""

    def __init__(self, path: Path, every_s: float = DEFAULT_EVERY_S) -> None:
        self.path = path
        self.every_s = every_s
        self.sessions: dict[str, SessionCounters] = {}
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def record(self, session_key: str, epoch: float, params: int, frames_sent: int,
               playing: bool, now: float | None = None) -> None:
        sid = anonymous_id(session_key)
        with self.lock:
            counters = self.sessions.get(sid)
            if counters is None:
                counters = self.sessions[sid] = SessionCounters(sid)
            counters.epoch = float(epoch)
            counters.params = int(params)
            counters.frames += int(frames_sent)
            counters.ticks += 1
            counters.last_tick = time.time() if now is None else now
            counters.playing = bool(playing)
        if self.thread is None:
            self.start()

    def line(self, now: float | None = None) -> dict:
        """The JSON object one line of the file holds (forgets long-idle sessions)."""
        now = time.time() if now is None else now
        with self.lock:
            for sid in [s for s, c in self.sessions.items()
                        if now - c.last_tick > FORGET_AFTER_S]:
                del self.sessions[sid]
            sessions = [asdict(c) for c in self.sessions.values()]
        return {"t": now, "pid": os.getpid(), "cpu_s": process_cpu_s(),
                "rss_mb": round(process_rss_mb(), 1), "sessions": sessions}

    def write(self) -> None:
        data = (json.dumps(self.line(), separators=(",", ":")) + "\n").encode()
        # one write on an O_APPEND descriptor: lines of several processes never interleave
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def start(self) -> None:
        with self.lock:
            if self.thread is not None:
                return
            self.thread = threading.Thread(target=self._loop, name="nn-server-stats",
                                           daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            try:
                self.write()
            except OSError:
                return  # the operator's file went away: stop quietly, the app goes on
            time.sleep(self.every_s)


def anonymous_id(session_key: str) -> str:
    """A short id for a session that cannot be turned back into Streamlit's session id."""
    return hashlib.blake2b(session_key.encode(), key=_SALT, digest_size=8).hexdigest()[:ID_CHARS]


def process_cpu_s() -> float:
    """CPU seconds (user + system) this process has used."""
    t = os.times()
    return t.user + t.system


def process_rss_mb() -> float:
    """This process's resident memory now (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _recorder_from_env() -> Recorder | None:
    path = os.environ.get(ENV_PATH)
    if not path:
        return None
    try:
        every = float(os.environ.get(ENV_EVERY, DEFAULT_EVERY_S))
    except ValueError:
        every = DEFAULT_EVERY_S
    return Recorder(Path(path), every if every > 0 else DEFAULT_EVERY_S)


_recorder = _recorder_from_env()


def on_tick(trainer: Any, frames_sent: int, playing: bool) -> None:
    """Count one live tick of the current session's ``trainer`` (its epoch and network size);
    nothing happens without ``NN_PLAYGROUND_STATS``."""
    if _recorder is None:
        return
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    _recorder.record(ctx.session_id, trainer.epoch, trainer.network.params.size, frames_sent,
                     playing)
