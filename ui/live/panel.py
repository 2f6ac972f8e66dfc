"""The live panel: a ticking fragment that trains and a browser element that draws.

How it stays smooth:

- While playing, :func:`live_panel` is an ``st.fragment(run_every=...)``. Each tick trains for a
  few short slices (``speed`` epochs, or a time slice at top speed) and takes a snapshot after
  each: several frames per message, because a fragment tick has a fixed server cost whatever it
  carries. Ticks run back to back (Streamlit coalesces the timer's requests while a tick runs),
  so training gets most of the server's time; drawing is throttled, training is not.
- The snapshots go to one ``st.components.v2`` element (:func:`element_js`: ``live.js`` beside
  this file after one file per chart; their headers say how each chart is drawn) that keeps
  its charts and updates them in place, one frame per animation frame at the pace the messages
  arrive: no re-plot, no blank frame, the surface's zoom kept (``layout.uirevision``).
- Play/Pause/Step/Reset live outside the fragment and their callbacks are idempotent. Every
  change to the trainer happens under one per-session lock, and a tick drops its work when the
  generation counter moved (Reset) or ``running`` went False (Pause) while it trained.
- A tick is bounded in time, not in epochs: each frame trains one time slice
  (``Trainer.train_for``, which stops inside an epoch at a mini-batch boundary), a tick ends
  after ``tick_seconds`` or as soon as a click, a page change or a closed tab asks the script
  to stop, so Pause, Reset and leaving act within about one slice.
- The server's training time is shared through ``ui/server/scheduler.py``: a session trains only in
  its turn, turns go round in order, at most an operator-set number of sessions play at once and
  the rest wait in a visible queue; a hidden tab or a session without a click for some minutes
  pauses and gives its slot back, with a notice saying why.
- plotly.js ships inside the plotly package; :func:`ensure_plotly_js` copies it into
  ``./static`` (served with ``server.enableStaticServing``), so nothing loads from the internet.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import plotly
import streamlit as st

from nn_core.errors import PlaygroundError
from ui.live import controls
from ui.live.view import LiveView, ViewOptions
from ui.server import counters, runtime, scheduler
from ui.server.runtime import session_id, shared_scheduler
from ui.session import actions, store, widgets
from ui.views.text import plain

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
PLOTLY_URL = "app/static/plotly.min.js"  # relative to the page: works under any base path
ASSETS = Path(__file__).resolve().parent
# The element's code, one ES module: the shared helpers, one file per chart, then live.js (the
# queue, the pacing, the layout and the one ``export default``).
JS_FILES = ("common.js", "network.js", "surface.js", "loss.js", "weights.js", "slopes.js",
            "speech.js", "live.js")


def element_js() -> str:
    """The live element's JavaScript: :data:`JS_FILES` joined in order."""
    return "\n".join((ASSETS / f).read_text(encoding="utf-8") for f in JS_FILES)


# Seconds between the browser's tick requests. The browser sends them while a tick runs too
# (the server merges them into one pending rerun), and each is a message for the server's one
# event loop, which also sends every page: every 0.02 s, a few playing sessions filled that
# loop with requests. A tick lasts longer than this (20 frames: about 1 s at a set speed), so
# one request always arrives while it runs and ticks still follow each other without a gap.
RUN_EVERY = 0.25
# Snapshots per message at most: a tick's run, its elements and its message cost the server
# the same whatever it carries (bench/frame_cost.md: 8 a tick left ~1.3 ms of every frame's
# ~3 ms there), so a tick carries about a second of frames, and the page plays them at the
# frame rate. Fewer when a frame is big: a message's frames stay under TICK_BYTES (the frames
# wait in the session between ticks: this bounds what one visitor holds there; and the page
# parses each message at once: 0.9 MB messages of a 6×64 network held a Pause's page back
# ~0.9 s, 0.6 MB ones (4 frames) 0.41 s in bench/ui.py --pause-clicks; 5 frames: 0.53 s).
FRAMES_PER_TICK = 20
TICK_BYTES = 620_000
FRAME_SECONDS = 0.06  # training time per frame at top speed (and the cap at any speed)
TURN_SECONDS = 0.015  # training time per turn at most: the others' turns come in between
MIN_SHARED_RATE = 12  # frames a second top speed aims to leave every page of a shared server
FRAME_OVERHEAD_S = 0.003  # a frame's server cost besides training (bench/frame_cost.md)
MIN_TURN_WAIT = 0.5  # seconds a frame begun waits for its next turn, even past its tick
TICK_SECONDS = 0.25  # a tick's length per session playing (between MIN_ and MAX_TICK_SECONDS):
MIN_TICK_SECONDS, MAX_TICK_SECONDS = 1.0, 2.0  # fewer, fuller ticks when many share the server
# Seconds between looks at the queue while waiting: the place in it, within these bounds (a
# look costs the server a tick, so the sessions far back look less often). Where the server
# can wake a session let in (:func:`.runtime.wake`), every queued page looks only every
# MAX_QUEUE_POLL seconds, to show its place.
MIN_QUEUE_POLL, MAX_QUEUE_POLL = 2.0, 10.0
clock = time.monotonic  # the idle pause's clock (tests move it on)
# Frames per second at a set speed (top speed is not paced): the default speed, 1 epoch a frame,
# trains ~20 epochs a second, so the default moons surface forms over ~10 s, as one can watch.
FRAME_RATE = 20

_component = st.components.v2.component(
    "nn_playground_live_charts",
    html="",
    # page.css: the Train page's narrow-screen layout. It rides with this element, which is always
    # on that page: an st.html style goes with the next fragment run.
    css="\n".join((ASSETS / f).read_text(encoding="utf-8") for f in ("live.css", "page.css")),
    js=element_js(),
    isolate_styles=False,
)


def ensure_plotly_js() -> bool:
    """Copy plotly.min.js from the plotly package into ./static once; False if impossible."""
    target = STATIC_DIR / "plotly.min.js"
    try:
        if target.exists() and target.stat().st_size == PLOTLY_JS.stat().st_size:
            return True
        STATIC_DIR.mkdir(exist_ok=True)
        tmp = target.with_suffix(".tmp")
        shutil.copyfile(PLOTLY_JS, tmp)
        tmp.replace(target)
        return True
    except OSError:
        return False


class Pace:
    """Spaces calls of :meth:`wait` ``1 / rate`` seconds apart, sleeping the difference (a
    late call does not make the next one sooner)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate
        self.clock, self.sleep = clock, sleep
        self.due: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self.due is not None and now < self.due:
            self.sleep(self.due - now)
            now = self.due
        self.due = now + self.interval


def _view(trainer, options: ViewOptions) -> LiveView:
    """The session's LiveView for this trainer and options (rebuilt when either changes)."""
    s = store.session()
    gen = s.generation
    return s.keyed("live_view", (store.trainer_ref(trainer), gen, options),
                   lambda: LiveView(trainer, options, revision=str(gen)))


def tick_seconds(playing: int) -> float:
    """How long one tick trains when ``playing`` sessions share the server: a tick costs the
    server the same whatever it carries, so with more sessions each sends fewer, fuller ones."""
    return min(MAX_TICK_SECONDS, max(MIN_TICK_SECONDS, TICK_SECONDS * playing))


def frames_per_tick(frame_bytes: int) -> int:
    """Snapshots one tick carries: :data:`FRAMES_PER_TICK`, fewer for big frames (at least 2)."""
    return max(2, min(FRAMES_PER_TICK, TICK_BYTES // max(frame_bytes, 1)))


def queue_poll(place: int) -> float:
    """Seconds between looks at the queue from ``place`` in it."""
    return min(MAX_QUEUE_POLL, max(MIN_QUEUE_POLL, float(place)))


def _frame(view: LiveView, trainer) -> dict:
    frame = view.frame()
    frame["part"] = round(float(trainer.epoch_progress), 3)  # share of the next epoch trained
    return frame


def epoch_title(frame: dict, held: int | None = None) -> str:
    """"Epoch 12", or "Epoch 12 · 40% of the next" inside an epoch; "Stopped at epoch 120 ·
    holding the network of epoch 100" when early stopping put epoch ``held``'s weights back."""
    if held is not None and held != frame["epoch"]:
        return f"Stopped at epoch {frame['epoch']} · holding the network of epoch {held}"
    part = frame.get("part", 0.0)
    percent = min(99, int(100 * part))
    return f"Epoch {frame['epoch']}" + (f" · {percent}% of the next" if part > 0 else "")


def _share_notice(place: int | None, playing: bool, speed: int | str) -> None:
    """The queue position while waiting, or how many runs share the server while playing."""
    active, queued = shared_scheduler().busy()
    if place:
        st.info(f"The server is busy: {_runs(active)} training, the most it takes at once. "
                f"Yours is number {place} in the queue and starts when a slot frees.",
                icon="⏳")
    elif playing and active > 1:
        waiting = f" {queued} more wait for a free slot." if queued else ""
        st.caption(f"{_runs(active)} training on this server; yours runs at a share of it"
                   + _rate_said(store.session().live.rate, speed) + "." + waiting)


def _rate_said(rate: float | None, speed: int | str) -> str:
    """What this session's share gives it: its frames a second, against a free server's."""
    if rate is None:
        return ""
    if speed == "max":  # each frame trains a time slice: the share is the epochs a slice holds
        return f": {rate:.0f} frames a second, each as many epochs as its turn allows"
    if rate >= 0.9 * FRAME_RATE:
        return f", still its full {FRAME_RATE} frames a second"
    return (f": {rate:.0f} frames a second ({FRAME_RATE} on a free server); every run here "
            "slows down together")


def _runs(n: int) -> str:
    return "1 run is" if n == 1 else f"{n} runs are"


def _idle(config: scheduler.Config) -> bool:
    touched = store.session().live.touched
    return touched is not None and clock() - touched > 60 * config.idle_minutes


def _train_frames(trainer, view: LiveView, gen: int, speed: int | str,
                  sid: str) -> tuple[list[dict], int]:
    """Train a few slices in this session's turns and snapshot after each; stop early on
    Pause, Reset, a stop, a page change or a closed tab. Returns the frames and the epochs
    ended."""
    frames: list[dict] = []
    epochs = 0
    sched = shared_scheduler()
    pace = None if speed == "max" else Pace(FRAME_RATE)
    playing = sched.busy()[0]
    end = time.monotonic() + tick_seconds(playing)
    budget = top_speed_slice(playing) if speed == "max" else FRAME_SECONDS * 3

    def stopped() -> bool:  # (reading the session state also raises on a pending request)
        s = store.session()
        return runtime.interrupted() or not s.running or s.generation != gen

    for _ in range(frames_per_tick(view.frame_bytes)):
        if pace is not None:
            pace.wait()  # outside the lock: Pause and Reset act at once
        if end - time.monotonic() <= 0 or stopped():
            break
        trained = _train_one_frame(trainer, view, speed, sched, sid, end, stopped, budget)
        if trained is None:
            break
        epochs += trained[0]
        frames.append(trained[1])
        if trainer.stop_reason:
            break
    return frames, epochs


def top_speed_slice(playing: int) -> float:
    """Training time of one frame at top speed when ``playing`` sessions share the server: a
    frame alone trains :data:`FRAME_SECONDS`; shared, the slices shrink so that every page
    still gets about :data:`MIN_SHARED_RATE` frames a second (each frame also costs the server
    ~3 ms to build and send), never below :data:`TURN_SECONDS` / 4. Top speed then takes what
    the server can give this run in its turns, not the others' frames."""
    if playing <= 1:
        return FRAME_SECONDS
    share = 1.0 / (playing * MIN_SHARED_RATE) - FRAME_OVERHEAD_S
    return min(FRAME_SECONDS, max(TURN_SECONDS / 4, share))


def _train_one_frame(trainer, view: LiveView, speed: int | str, sched: scheduler.Scheduler,
                     sid: str, end: float, stopped: Callable[[], bool],
                     budget: float) -> tuple[int, dict] | None:
    """Train one frame's worth (``speed`` epochs, or ``budget`` seconds at top speed; at most
    ``budget`` seconds at any speed) in turns of at most :data:`TURN_SECONDS`, and snapshot it
    in the last: (epochs ended, frame), or None when stopped or without a turn. A big
    network's frame so takes several short turns and the others' turns come in between (in
    one long turn per frame, two 6×64 runs held 14 light ones to 2.5 frames a second:
    bench/frame_cost.md)."""
    wanted = None if speed == "max" else int(speed)
    ended = 0
    while True:
        wait = max(end - time.monotonic(), MIN_TURN_WAIT)  # a frame begun is finished
        with sched.turn(sid, wait, stopped) as mine:
            if not mine:
                return None
            with store.session().lock:
                if stopped():
                    return None
                began = time.monotonic()
                slice_ = min(TURN_SECONDS, budget)
                if wanted is None:
                    ended += trainer.train_for(slice_, grace=slice_ / 2)
                else:
                    ended += trainer.train_for(slice_, epochs=wanted - ended)
                budget -= time.monotonic() - began
                if budget <= 0 or (wanted is not None and ended >= wanted) \
                        or trainer.stop_reason:
                    return ended, _frame(view, trainer)


def live_panel(options: ViewOptions, speed: int | str, look_back: int | None = None) -> None:
    """The epoch counter, the run's status and the live charts; ticks while playing.

    A tick first sends what the previous tick trained, then trains: a timer request arriving
    while a tick trains stops that tick at its next ``st.*`` call, so nothing but training may
    follow it. The frames wait in the session until the next tick sends them. The static part
    of the view (names, geometry, data points: up to ~200 kB for a big network) is sent on
    full runs and when it changes; the element asks for it again if it ever lacks it.
    While paused, ``look_back`` (a kept epoch) draws the run as it was then (the scrubber).
    While waiting in the queue for a slot, the panel shows its place, is woken when let in
    (:func:`.runtime.wake`) and looks again every few seconds (:func:`queue_poll`).
    """
    running = store.session().running
    config, sched = runtime.shared()
    sid = session_id()
    actions.touch(clock())  # a whole run: the visitor did something
    if not running:
        sched.leave(sid)
    in_queue = sched.join(sid) if running else 0
    queued = in_queue > 0
    actions.frames_sent(None)  # a full run may have re-created the element: send it all

    def tick() -> None:
        gen = store.session().generation
        try:
            trainer = actions.get_trainer()
            view = _view(trainer, options)
        except PlaygroundError as exc:
            st.error(plain(str(exc), 400), icon="⚠️")
            return
        playing = store.session().running and not trainer.stop_reason
        if playing and _idle(config):
            with store.session().lock:
                actions.pause()
            playing = False
            actions.push_notice(f"Paused after {config.idle_minutes:g} minutes without a click, "
                              "to give the server to the other runs. Press Play to go on.")
        place = sched.join(sid) if playing else None
        if playing and bool(place) != queued:  # let in, or back in the queue: a new timer
            st.rerun(scope="app")
        with store.session().lock:
            waiting = actions.pending_frames((gen, view.key)) if playing else None
            if waiting is None and not playing and look_back is not None:
                try:  # the scrubber: the run as it was at a kept epoch
                    past = view.frame(trainer.at_epoch(look_back))
                    past["now"] = int(trainer.epoch)  # the loss chart greys the later epochs
                    waiting = ([past], view.history())
                except PlaygroundError as exc:
                    st.error(plain(str(exc), 400), icon="⚠️")
            if waiting is None:  # paused, or nothing trained yet: the network as it is now
                waiting = ([_frame(view, trainer)], view.history())
        frames, history = waiting
        sent = store.session().live.static_sent
        static = view.static() if sent != view.key else {"key": view.key}
        with st.container(key="nn_epoch"):  # one fixed slot, so the element never moves
            now = frames[-1]["epoch"] == trainer.epoch
            st.markdown(f"## {epoch_title(frames[-1], trainer.held_epoch if now else None)}")
            if frames[-1]["epoch"] != trainer.epoch:
                st.caption(f"Looking back: the network as it was at epoch {frames[-1]['epoch']}"
                           f". Training is at epoch {trainer.epoch}.")
            _status(trainer)
            _share_notice(place, playing, speed)
        _component(
            key=widgets.W_LIVE,
            data={
                "seq": actions.next_live_seq(),
                "gen": gen,
                "playing": playing,
                "plotly_url": PLOTLY_URL,
                "static": static,
                "frames": frames,
                "history": history,
            },
            width="stretch",
            height="content",
            on_need_static_change=_resend_static,
            on_hidden_change=controls.on_hidden,
        )
        actions.frames_sent(view.key)  # sent: the next tick sends what it trains
        counters.on_tick(trainer, len(frames), playing)
        if not playing:
            sched.leave(sid)
            if running:  # paused or stopped while the timer ran: a full run stops the timer
                actions.pause_if(gen)
                st.rerun(scope="app")
            return
        if place:  # waiting for a slot: nothing to train
            return
        began = time.monotonic()
        trained, _ = _train_frames(trainer, view, gen, speed, sid)
        actions.note_frame_rate(len(trained), time.monotonic() - began)
        if trained:
            actions.keep_frames(gen, view.key, trained, view.history())

    # One fragment identity per mode (Streamlit names a fragment by its function's name): the
    # browser's timer goes on asking for ticks until the new page reaches it, and the server
    # drops a request for a fragment that the page no longer has. Under one name, a Pause's
    # page was followed by ticks the old timer asked for, run after run, and while such a
    # chain of runs went on, the page with the Play button was not sent.
    mode = "queued" if queued else "playing" if running else "still"
    tick.__qualname__ = f"{tick.__qualname__}_{mode}"
    if queued:
        run_every = MAX_QUEUE_POLL if runtime.can_wake(sid) else queue_poll(in_queue)
    else:
        run_every = RUN_EVERY if running else None
    st.fragment(tick, run_every=run_every)()


def _resend_static() -> None:
    """The element lacks the static part (a message was merged away): send it again."""
    actions.frames_sent(None)


def _status(trainer) -> None:
    reason = trainer.stop_reason
    if not reason or trainer.diverged:  # a failed run is told above, beside its fix
        return
    st.success(reason, icon="✅")
