"""The live training element: a ticking fragment that trains and a browser element that draws.

How it stays smooth:

- While playing, :func:`live_panel` is an ``st.fragment(run_every=...)``. Each tick trains for a
  few short slices (``speed`` epochs, or a time slice at top speed) and takes a snapshot after
  each: several frames per message, because a fragment tick has a fixed server cost whatever it
  carries. Ticks run back to back (Streamlit coalesces the timer's requests while a tick runs),
  so training gets most of the server's time; drawing is throttled, training is not.
- The snapshots go to one ``st.components.v2`` element (``live_assets/live.js``; its header
  says how each chart is drawn) that keeps its charts and updates them in place, one frame per
  animation frame at the pace the messages arrive: no re-plot, no blank frame, the surface's
  zoom kept (``layout.uirevision``).
- Play/Pause/Step/Reset live outside the fragment and their callbacks are idempotent. Every
  change to the trainer happens under one per-session lock, and a tick drops its work when the
  generation counter moved (Reset) or ``running`` went False (Pause) while it trained.
- A tick is bounded in time, not in epochs: each frame trains one time slice
  (``Trainer.train_for``, which stops inside an epoch at a mini-batch boundary), a tick ends
  after ``tick_seconds`` or as soon as a click, a page change or a closed tab asks the script
  to stop, so Pause, Reset and leaving act within about one slice.
- The server's training time is shared through ``ui/scheduler.py``: a session trains only in
  its turn, turns go round in order, at most an operator-set number of sessions play at once and
  the rest wait in a visible queue; a hidden tab or a session without a click for some minutes
  pauses and gives its slot back, with a notice saying why.
- plotly.js ships inside the plotly package; :func:`ensure_plotly_js` copies it into
  ``./static`` (served with ``server.enableStaticServing``), so nothing loads from the internet.
"""

from __future__ import annotations

import math
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import plotly
import streamlit as st
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from nn_core.errors import PlaygroundError
from nn_core.training.trainer import Trainer
from ui import scheduler, server_stats, state
from ui.link_codec import PAGE_SLUGS
from ui.live_frames import LiveView, ViewOptions
from ui.text import plain

ROOT = Path(__file__).resolve().parents[1]
STATIC_DIR = ROOT / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
PLOTLY_URL = "app/static/plotly.min.js"  # relative to the page: works under any base path
ASSETS = Path(__file__).resolve().parent / "live_assets"

# Seconds between the browser's tick requests. The browser sends them while a tick runs too
# (the server merges them into one pending rerun), and each is a message for the server's one
# event loop, which also sends every page: every 0.02 s, a few playing sessions filled that
# loop with requests. A tick lasts longer than this (20 frames: about 1 s at a set speed), so
# one request always arrives while it runs and ticks still follow each other without a gap.
RUN_EVERY = 0.25
TRAIN_PAGE = PAGE_SLUGS["Train"]  # the Train page's address, where a woken session runs
# Snapshots per message at most: a tick's run, its elements and its message cost the server
# the same whatever it carries (bench/frame_cost.md: 8 a tick left ~1.3 ms of every frame's
# ~3 ms there), so a tick carries about a second of frames, and the page plays them at the
# frame rate. Fewer when a frame is big: a message's frames stay under TICK_BYTES (the frames
# wait in the session between ticks: this bounds what one visitor holds there).
FRAMES_PER_TICK = 20
TICK_BYTES = 1_000_000
FRAME_SECONDS = 0.06  # training time per frame at top speed (and the cap at any speed)
TURN_SECONDS = 0.015  # training time per turn at most: the others' turns come in between
MIN_TURN_WAIT = 0.5  # seconds a frame begun waits for its next turn, even past its tick
TICK_SECONDS = 0.25  # a tick's length per session playing (between MIN_ and MAX_TICK_SECONDS):
MIN_TICK_SECONDS, MAX_TICK_SECONDS = 1.0, 2.0  # fewer, fuller ticks when many share the server
# Seconds between looks at the queue while waiting: the place in it, within these bounds (a
# look costs the server a tick, so the sessions far back look less often). Where the server
# can wake a session let in (:func:`wake`), every queued page looks only every
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
    js=(ASSETS / "live.js").read_text(encoding="utf-8"),
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


def lock() -> threading.Lock:
    """The session's training lock (every change to the trainer holds it)."""
    return state.train_lock()


# ------------------------------------------------------------------------- control callbacks
def _trainer_to_run() -> Trainer | None:
    """The session's trainer, or None (and the refusal shown) if it cannot train: the data
    does not load, or the run blew up (the page says why, once, beside its fix)."""
    try:
        trainer = state.get_trainer()
    except PlaygroundError as exc:
        state.set_error(str(exc))
        return None
    return None if trainer.diverged else trainer


def on_play() -> None:
    """Start playing (idempotent: a double-fired click changes nothing)."""
    trainer = _trainer_to_run()
    if trainer is None:
        return
    if trainer.stop_reason:
        state.push_notice(f"{trainer.stop_reason} Raise the limit or press Reset to go on.")
        return
    state.set_running(True)


def on_pause() -> None:
    """Stop playing; waits for the slice being trained, so the epoch shown is final."""
    with lock():
        state.set_running(False)
    shared_scheduler().leave(session_id())


def _on_hidden() -> None:
    """The browser says the tab was hidden while playing: pause and free the slot."""
    if not state.is_running():
        return
    on_pause()
    state.push_notice("Paused because this tab was hidden: its share of the server went to "
                      "the other runs. Press Play to go on.")


def leave_training() -> None:
    """The visitor opened another page: stop playing and give the slot, or the place in the
    queue, back (a session let in later is woken on the Train page)."""
    state.set_running(False)
    shared_scheduler().leave(session_id())


def on_step() -> None:
    """Pause and train exactly one epoch."""
    with lock():
        state.set_running(False)
        trainer = _trainer_to_run()
        if trainer is None:
            return
        trainer.train_for(math.inf, epochs=1)  # ends the epoch in progress, if any


def on_reset() -> None:
    """New weights from the seed, epoch 0; the data and every setting stay."""
    with lock():
        state.drop_trainer()
    shared_scheduler().leave(session_id())


def on_try_rate(rate: float) -> None:
    """The one-click fix of a run that diverged or died: this learning rate and new weights
    from the seed, ready to play.

    It does not start playing: the learning-rate slider in the browser still holds the old
    rate until this run reaches it, and a tick sent before then would set that rate again."""
    with lock():
        try:
            state.update_settings(lr=rate)
        except PlaygroundError as exc:
            state.set_error(str(exc))
            return
        state.drop_trainer()
    state.push_notice(f"Learning rate {rate:g}, new weights from the seed: press Play.")


def fix_rate(trainer) -> float | None:
    """The learning rate the fix offers: the trainer's suggestion on the slider's steps, or
    None when the run did not go wrong or the rate cannot go lower."""
    from ui.train_controls import LEARNING_RATES

    suggested = getattr(trainer, "suggested_lr", None)
    if not getattr(trainer, "diverged", False) or suggested is None:
        return None
    rate = max((r for r in LEARNING_RATES if r <= suggested * (1 + 1e-9)),
               default=LEARNING_RATES[0])
    return rate if rate < trainer.settings.lr else None


def failed_run_notice() -> None:
    """What went wrong with a run that blew up or died, in plain words, and its fix."""
    trainer = state.current_trainer()
    if trainer is None or not trainer.diverged:
        return
    rate = fix_rate(trainer)
    st.error(trainer.stop_reason, icon="⚠️")
    if rate is not None:
        st.button(f"Try learning rate {rate:g}", key=state.W_FIX_RATE, on_click=on_try_rate,
                  args=(rate,), type="primary", width="content",
                  help="Sets this learning rate and starts again from the seed's weights.")


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


# ---------------------------------------------------------------------------------- frames
def _view(trainer, options: ViewOptions) -> LiveView:
    """The session's LiveView for this trainer and options (rebuilt when either changes)."""
    gen = state.generation()
    cached = state.live_view()
    if cached is not None:
        key, view = cached
        if key == (id(trainer), gen, options):
            return view
    view = LiveView(trainer, options, revision=str(gen))
    state.set_live_view(((id(trainer), gen, options), view))
    return view


# ------------------------------------------------------------------------- sharing the server
def session_id() -> str:
    """This browser session's id (the scheduler's key for it)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "local"


def _alive(sid: str) -> bool:
    """False once the session's browser is gone (its tab closed)."""
    return not Runtime.exists() or Runtime.instance().is_active_session(sid)


def _app_session(sid: str):
    """Streamlit's own object for session ``sid`` when the runtime offers what :func:`wake`
    needs (its last client state and its event loop: internals, not public API), else None."""
    try:
        session = Runtime.instance()._session_mgr.get_active_session_info(sid).session
        if isinstance(session._client_state, ClientState) and session._event_loop is not None:
            return session
    except (AttributeError, RuntimeError):
        pass
    return None


def can_wake(sid: str) -> bool:
    """Whether :func:`wake` can reach session ``sid``."""
    return _app_session(sid) is not None


def wake(sid: str) -> bool:
    """Ask for one run of session ``sid``'s Train page with its last widget values (the whole
    page, not a fragment), the way Streamlit reruns a page whose source changed: the scheduler
    calls this for a session it let in from the queue, which then starts playing at once (a
    session leaves the queue when its visitor leaves the page: :func:`leave_training`).
    False when the runtime does not offer it; the queued page then looks at the queue every
    few seconds (:func:`queue_poll`) and finds its slot itself."""
    session = _app_session(sid)
    if session is None:
        return False
    state_now = ClientState()
    state_now.CopyFrom(session._client_state)
    state_now.fragment_id = ""  # the whole page,
    state_now.is_auto_rerun = False
    state_now.page_script_hash = ""  # the Train page by its address (the last run's page
    state_now.page_name = TRAIN_PAGE  # hash may be the entry script's: the first page)
    try:
        session._event_loop.call_soon_threadsafe(session.request_rerun, state_now)
    except RuntimeError:  # the loop is closed: the server is stopping
        return False
    return True


def shared_scheduler() -> scheduler.Scheduler:
    return scheduler.shared(_alive, wake)[1]


def _interrupted() -> bool:
    """True when a click, a page change or a closed tab asks this script run to stop (it
    stops at its next ``st.*`` call; the training loop looks here between slices). The
    tick's own timer asking for the next tick does not count."""
    requests = getattr(get_script_run_ctx(), "script_requests", None)
    kind = getattr(getattr(requests, "_state", None), "name", "CONTINUE")
    if kind == "RERUN":
        return is_user_rerun(getattr(requests, "_rerun_data", None))
    return kind != "CONTINUE"


def is_user_rerun(rerun) -> bool:
    """Whether a pending rerun request is a visitor's (a click, a page, a wake), not only the
    tick's own timer. Streamlit folds requests into one, and the newest sets its
    ``is_auto_rerun``: a timer request landing after a Pause leaves it True, so a request for
    the whole page (no fragment named) counts as the visitor's whatever that flag says."""
    if rerun is None:
        return False
    whole_page = not (getattr(rerun, "fragment_id", None)
                      or getattr(rerun, "fragment_id_queue", None)
                      or getattr(rerun, "is_fragment_scoped_rerun", False))
    return whole_page or not getattr(rerun, "is_auto_rerun", False)


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


def epoch_title(frame: dict) -> str:
    """"Epoch 12", or "Epoch 12 · 40% of the next" inside an epoch."""
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
                   + _rate_said(state.frame_rate(), speed) + "." + waiting)


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
    touched = state.touched()
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
    end = time.monotonic() + tick_seconds(sched.busy()[0])

    def stopped() -> bool:  # (reading the session state also raises on a pending request)
        return _interrupted() or not state.is_running() or state.generation() != gen

    for _ in range(frames_per_tick(view.frame_bytes)):
        if pace is not None:
            pace.wait()  # outside the lock: Pause and Reset act at once
        if end - time.monotonic() <= 0 or stopped():
            break
        trained = _train_one_frame(trainer, view, speed, sid, end, stopped)
        if trained is None:
            break
        epochs += trained[0]
        frames.append(trained[1])
        if trainer.stop_reason:
            break
    return frames, epochs


def _train_one_frame(trainer, view: LiveView, speed: int | str, sid: str, end: float,
                     stopped: Callable[[], bool]) -> tuple[int, dict] | None:
    """Train one frame's worth (``speed`` epochs, or a time slice at top speed) in turns of at
    most :data:`TURN_SECONDS`, and snapshot it in the last: (epochs ended, frame), or None when
    stopped or without a turn. A big network's frame so takes several short turns and the
    others' turns come in between (in one long turn per frame, two 6×64 runs held 14 light
    ones to 2.5 frames a second: bench/frame_cost.md)."""
    sched = shared_scheduler()
    budget = FRAME_SECONDS if speed == "max" else FRAME_SECONDS * 3
    wanted = None if speed == "max" else int(speed)
    ended = 0
    while True:
        wait = max(end - time.monotonic(), MIN_TURN_WAIT)  # a frame begun is finished
        with sched.turn(sid, wait, stopped) as mine:
            if not mine:
                return None
            with lock():
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
    (:func:`wake`) and looks again every few seconds (:func:`queue_poll`).
    """
    running = state.is_running()
    config, sched = scheduler.shared(_alive, wake)
    sid = session_id()
    state.set_touched(clock())  # a whole run: the visitor did something
    if not running:
        sched.leave(sid)
    in_queue = sched.join(sid) if running else 0
    queued = in_queue > 0
    state.set_static_sent(None)  # a full run may have re-created the element: send it all

    def tick() -> None:
        gen = state.generation()
        try:
            trainer = state.get_trainer()
            view = _view(trainer, options)
        except PlaygroundError as exc:
            st.error(plain(str(exc), 400), icon="⚠️")
            return
        playing = state.is_running() and not trainer.stop_reason
        if playing and _idle(config):
            with lock():
                state.set_running(False)
            playing = False
            state.push_notice(f"Paused after {config.idle_minutes:g} minutes without a click, "
                              "to give the server to the other runs. Press Play to go on.")
        place = sched.join(sid) if playing else None
        if playing and bool(place) != queued:  # let in, or back in the queue: a new timer
            st.rerun(scope="app")
        with lock():
            waiting = state.pending_frames((gen, view.key)) if playing else None
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
        static = view.static() if state.static_sent() != view.key else {"key": view.key}
        with st.container(key="nn_epoch"):  # one fixed slot, so the element never moves
            st.markdown(f"### {epoch_title(frames[-1])}")
            if frames[-1]["epoch"] != trainer.epoch:
                st.caption(f"Looking back: the network as it was at epoch {frames[-1]['epoch']}"
                           f". Training is at epoch {trainer.epoch}.")
            _status(trainer)
            _share_notice(place, playing, speed)
        _component(
            key=state.W_LIVE,
            data={
                "seq": state.next_live_seq(),
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
            on_hidden_change=_on_hidden,
        )
        state.set_static_sent(view.key)
        state.set_pending_frames(None)  # sent: the next tick sends what it trains
        server_stats.on_tick(trainer, len(frames), playing)
        if not playing:
            sched.leave(sid)
            if running:  # paused or stopped while the timer ran: a full run stops the timer
                with lock():
                    if state.generation() == gen:
                        state.set_running(False)
                st.rerun(scope="app")
            return
        if place:  # waiting for a slot: nothing to train
            return
        began = time.monotonic()
        trained, _ = _train_frames(trainer, view, gen, speed, sid)
        state.note_frame_rate(len(trained), time.monotonic() - began)
        with lock():
            if trained and state.generation() == gen:
                state.set_pending_frames(((gen, view.key), trained, view.history()))

    # One fragment identity per mode (Streamlit names a fragment by its function's name): the
    # browser's timer goes on asking for ticks until the new page reaches it, and the server
    # drops a request for a fragment that the page no longer has. Under one name, a Pause's
    # page was followed by ticks the old timer asked for, run after run, and while such a
    # chain of runs went on, the page with the Play button was not sent.
    mode = "queued" if queued else "playing" if running else "still"
    tick.__qualname__ = f"{tick.__qualname__}_{mode}"
    if queued:
        run_every = MAX_QUEUE_POLL if can_wake(sid) else queue_poll(in_queue)
    else:
        run_every = RUN_EVERY if running else None
    st.fragment(tick, run_every=run_every)()


def _resend_static() -> None:
    """The element lacks the static part (a message was merged away): send it again."""
    state.set_static_sent(None)


def _status(trainer) -> None:
    reason = trainer.stop_reason
    if not reason or trainer.diverged:  # a failed run is told above, beside its fix
        return
    st.success(reason, icon="✅")
