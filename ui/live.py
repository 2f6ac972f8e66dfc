"""The live training element: a ticking fragment that trains and a browser element that draws.

How it stays smooth (measured facts in ``shared/notes/streamlit-1.67.md``):

- While playing, :func:`live_panel` is an ``st.fragment(run_every=...)``. Each tick trains for a
  few short slices (``speed`` epochs, or a time slice at top speed) and takes a snapshot after
  each: several frames per message, because one fragment tick costs the server ~65 ms whatever
  it carries. Ticks run back to back (Streamlit coalesces the timer's requests while a tick
  runs), so training gets most of the server's time; drawing is throttled, training is not.
- The snapshots go to one ``st.components.v2`` element (``live_assets/live.js``; its header
  says how each chart is drawn) that keeps its charts and updates them in place, one frame per
  animation frame at the pace the messages arrive: no re-plot, no blank frame, the surface's
  zoom kept (``layout.uirevision``).
- Play/Pause/Step/Reset live outside the fragment and their callbacks are idempotent. Every
  change to the trainer happens under one per-session lock, and a tick drops its work when the
  generation counter moved (Reset) or ``running`` went False (Pause) while it trained.
- plotly.js ships inside the plotly package; :func:`ensure_plotly_js` copies it into
  ``./static`` (served with ``server.enableStaticServing``), so nothing loads from the internet.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import plotly
import streamlit as st

from nn_core.errors import PlaygroundError
from ui import share, state
from ui.live_frames import LiveView, ViewOptions
from ui.text import plain

ROOT = Path(__file__).resolve().parents[1]
STATIC_DIR = ROOT / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
PLOTLY_URL = "app/static/plotly.min.js"  # relative to the page: works under any base path
ASSETS = Path(__file__).resolve().parent / "live_assets"

RUN_EVERY = 0.02  # seconds between tick requests (the browser sends none while a tick runs)
FRAMES_PER_TICK = 8  # snapshots per message
FRAME_SECONDS = 0.06  # training time per frame at top speed (and the cap at any speed)
# Frames per second at a set speed (top speed is not paced): the default speed, 1 epoch a frame,
# trains ~20 epochs a second, so the default moons surface forms over ~10 s, as one can watch.
FRAME_RATE = 20
SPEEDS = share.SPEEDS  # epochs per frame; the link codec owns the list (no Streamlit import)
DEFAULT_SPEED = share.DEFAULT_SPEED

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
def on_play() -> None:
    """Start playing (idempotent: a double-fired click changes nothing)."""
    try:
        trainer = state.get_trainer()
    except PlaygroundError as exc:
        state.set_error(str(exc))
        return
    if trainer.diverged:  # the page says why, once, beside its fix
        return
    if trainer.stop_reason:
        state.push_notice(f"{trainer.stop_reason} Raise the limit or press Reset to go on.")
        return
    state.set_running(True)


def on_pause() -> None:
    """Stop playing; waits for the slice being trained, so the epoch shown is final."""
    with lock():
        state.set_running(False)


def on_step() -> None:
    """Pause and train exactly one epoch."""
    with lock():
        state.set_running(False)
        try:
            trainer = state.get_trainer()
        except PlaygroundError as exc:
            state.set_error(str(exc))
            return
        if trainer.diverged:  # the page says why, once, beside its fix
            return
        trainer.step(1)


def on_reset() -> None:
    """New weights from the seed, epoch 0; the data and every setting stay."""
    with lock():
        state.drop_trainer()


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


def _train_frames(trainer, view: LiveView, gen: int, speed: int | str) -> list[dict]:
    """Train a few slices and snapshot after each; stop early on Pause, Reset or a stop."""
    frames = []
    pace = None if speed == "max" else Pace(FRAME_RATE)
    for _ in range(FRAMES_PER_TICK):
        if pace is not None:
            pace.wait()  # outside the lock: Pause and Reset act at once
        with lock():
            if not state.is_running() or state.generation() != gen:
                break
            if speed == "max":
                trainer.run(seconds=FRAME_SECONDS)
            else:
                trainer.run(epochs=int(speed), seconds=FRAME_SECONDS * 3)
            frames.append(view.frame())
            if trainer.stop_reason:
                break
    return frames


def live_panel(options: ViewOptions, speed: int | str, look_back: int | None = None) -> None:
    """The epoch counter, the run's status and the live charts; ticks while playing.

    A tick first sends what the previous tick trained, then trains: a timer request arriving
    while a tick trains stops that tick at its next ``st.*`` call, so nothing but training may
    follow it. The frames wait in the session until the next tick sends them. The static part
    of the view (names, geometry, data points: up to ~200 kB for a big network) is sent on
    full runs and when it changes; the element asks for it again if it ever lacks it.
    While paused, ``look_back`` (a kept epoch) draws the run as it was then (the scrubber).
    """
    running = state.is_running()
    state.set_static_sent(None)  # a full run may have re-created the element: send it all

    @st.fragment(run_every=RUN_EVERY if running else None)
    def tick() -> None:
        gen = state.generation()
        try:
            trainer = state.get_trainer()
            view = _view(trainer, options)
        except PlaygroundError as exc:
            st.error(plain(str(exc), 400), icon="⚠️")
            return
        playing = state.is_running() and not trainer.stop_reason
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
                waiting = ([view.frame()], view.history())
        frames, history = waiting
        static = view.static() if state.static_sent() != view.key else {"key": view.key}
        with st.container(key="nn_epoch"):  # one fixed slot, so the element never moves
            st.markdown(f"### Epoch {frames[-1]['epoch']}")
            if frames[-1]["epoch"] != trainer.epoch:
                st.caption(f"Looking back: the network as it was at epoch {frames[-1]['epoch']}"
                           f". Training is at epoch {trainer.epoch}.")
            _status(trainer)
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
        )
        state.set_static_sent(view.key)
        state.set_pending_frames(None)  # sent: the next tick sends what it trains
        if not playing:
            if running:  # paused or stopped while the timer ran: a full run stops the timer
                with lock():
                    if state.generation() == gen:
                        state.set_running(False)
                st.rerun(scope="app")
            return
        trained = _train_frames(trainer, view, gen, speed)
        with lock():
            if trained and state.generation() == gen:
                state.set_pending_frames(((gen, view.key), trained, view.history()))

    tick()


def _resend_static() -> None:
    """The element lacks the static part (a message was merged away): send it again."""
    state.set_static_sent(None)


def _status(trainer) -> None:
    reason = trainer.stop_reason
    if not reason or trainer.diverged:  # a failed run is told above, beside its fix
        return
    st.success(reason, icon="✅")
