"""Benchmark: a class of N visitors pressing Play on one server and on replicas behind HAProxy.

For each N (1, 4, 8, 16, 30; ``--quick``: 1 and 8) it starts, one after the other, one headless
server and ``python -m deploy.serve``'s deployment (two replicas behind HAProxy), each fresh,
with the server-side counters on (``NN_PLAYGROUND_STATS``, see ``ui/server/counters.py``). N
visitors open the Train page by its share link and press Play at the top speed: moons 2-8-8-1
(the defaults), and every eighth visitor from the fourth on (3, 11, 19, 27) the largest network
the settings allow (6 × 64 hidden units, batch 1, Adam, 5,000 rows). After a warm-up, progress
is measured over a window on the server's own counters; then every visitor presses Pause.

How the visitors are split: a real browser costs about a core per playing page, which on a
2-core machine would take the CPU the server is measured on. So ``--browsers`` visitors (1 by
default) are Chromium pages (Playwright, /usr/bin/chromium) that report the frames they
actually drew; all others are light protocol clients, one asyncio task each in this process:
a websocket speaking Streamlit's protocol (``BackMsg``/``ForwardMsg`` protobufs, the
``websockets`` client installed with Streamlit's server) that asks for the Train page, reads
the Play button's widget id from the deltas, sends the rerun with Play triggered, and then
sends the fragment's timer reruns as the browser does (every ``AutoRerun.interval``). They
decode every message but draw nothing. This process's and Chromium's CPU are printed, so what
the load generator takes from the server is visible.

Printed per N and set-up: sessions connected at the end (the clients' view; and the sessions
the server saw ticking in the last seconds), per-session epochs/s and frames/s (min and median,
light and heavy visitors apart) from the server counters, the aggregate epochs/s, server CPU
(% of one core, summed over processes) and RSS, errors in the server logs, how long Pause took
to show Play again (median and max), frames drawn per second in Chromium; then the ratio of the
replicas' aggregate epochs/s to one server's at each N.

Usage: ``python bench/load.py [--quick] [--n 1,4,8] [--seconds 20] [--warmup 8]
[--replicas 2] [--browsers 1] [--heavy-every 8]``. A measurement, not a test: figures depend
on the machine; compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from bench.ui import ARGS as CHROMIUM_ARGS  # noqa: E402
from bench.ui import CHROMIUM, cpu_of  # noqa: E402
from deploy.serve import (  # noqa: E402
    Deployment,
    free_port,
    replica_command,
    wait_healthy,
)
from nn_core.io.bundle import bundle_to_json  # noqa: E402
from nn_core.limits import MAX_FEATURES, MAX_ROWS, MAX_SAMPLES  # noqa: E402
from nn_core.settings import MAX_HIDDEN_LAYERS, MAX_NODES, RunSettings  # noqa: E402
from ui.server.counters import ENV_EVERY, ENV_PATH  # noqa: E402
from ui.session import link_codec  # noqa: E402

LIGHT = RunSettings()  # the defaults: two moons, 2-8-8-1
HEAVY = RunSettings(hidden=(MAX_NODES,) * MAX_HIDDEN_LAYERS, batch_size=1, optimizer="adam",
                    n_samples=MAX_SAMPLES)
LIGHT_PARAMS = 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1  # weights and biases of 2-8-8-1
LARGEST: dict[str, bytes] = {}  # --largest: the run bundle every heavy visitor loads
SERVER_ARGS: list[str] = []  # more options for each server started (--largest: no XSRF)


def largest_table(rows: int = MAX_ROWS, features: int = MAX_FEATURES) -> bytes:
    """A CSV of ``rows`` × ``features`` one-digit inputs and a two-class label: the largest
    table the limits allow (20,000 × 50; 2 MB, under the upload limit)."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 10, size=(rows, features))
    y = (X[:, 0] + X[:, 1] > 9).astype(int)
    lines = [",".join(f"x{i}" for i in range(features)) + ",y"]
    lines += [",".join(map(str, r)) + f",{t}"
              for r, t in zip(X.tolist(), y.tolist(), strict=True)]
    return ("\n".join(lines) + "\n").encode()


def largest_settings(batch: int) -> RunSettings:
    """The largest network on that table: 6 × 64 hidden units, Adam, ``batch`` rows a step."""
    return RunSettings(dataset="csv", target="y",
                       features=tuple(f"x{i}" for i in range(MAX_FEATURES)),
                       hidden=(MAX_NODES,) * MAX_HIDDEN_LAYERS, batch_size=batch,
                       optimizer="adam")


def largest_bundle(batch: int) -> bytes:
    """The run bundle of :func:`largest_table` and :func:`largest_settings`."""
    return bundle_to_json(largest_settings(batch), largest_table(), "largest.csv").encode()

VIEW = {"speed": "max"}  # every visitor's speed (``--speed`` sets it)
PLAY, PAUSE = "train_play", "train_pause"  # the buttons' keys (the end of their widget ids)
EPOCH_MD = re.compile(r"^### Epoch (\d+)")
# a traceback counts once; so does a line Streamlit logs at ERROR level
ERROR_LINE = re.compile(r"^Traceback \(most recent call last\)|\bERROR\b|Uncaught")
CONNECT_TIMEOUT_S = 120.0
PAUSE_TIMEOUT_S = 60.0
TICKING_S = 5.0  # a session whose last tick is at most this old at the end still progresses
MIN_INTERVAL_S = 0.02


def train_query(settings: RunSettings) -> str:
    return urlencode(link_codec.to_query(settings, VIEW), safe=",")


# --------------------------------------------------------------------- light protocol client
@dataclass
class Visitor:
    """One visitor speaking Streamlit's websocket protocol, without a browser."""

    base: str  # http://host:port of the server or the front
    query: str
    heavy: bool = False
    cookie: str = ""
    buttons: dict[str, str] = field(default_factory=dict)  # key -> widget id, latest run
    auto_reruns: dict[str, asyncio.Task] = field(default_factory=dict)
    epoch: int = -1
    messages: int = 0
    finished: int = 0  # script runs finished (full or fragment)
    last_message: float = 0.0
    closed: str = ""  # why the connection ended, if it did
    shown: asyncio.Event = field(default_factory=asyncio.Event)  # a button appeared
    ws: object = None
    page: str = "train"  # the page each rerun asks for
    session_id: str = ""  # the server's id of this session (its uploads go under it)
    uploaders: dict[str, str] = field(default_factory=dict)  # key -> file uploader widget id
    held: list = field(default_factory=list)  # widget states sent with every rerun (uploads)
    errors: list[str] = field(default_factory=list)  # st.error bodies the pages showed

    async def open(self) -> None:
        parts = urlsplit(self.base)
        # the page itself first, as a browser does: behind the front it sets the sticky cookie
        def get_page():
            with urllib.request.urlopen(f"{self.base}/{self.page}?{self.query}",
                                        timeout=60) as r:
                r.read()
                return r.headers

        headers = await asyncio.to_thread(get_page)
        self.cookie = "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])
        extra = {"Origin": self.base}
        if self.cookie:
            extra["Cookie"] = self.cookie
        self.ws = await connect(f"ws://{parts.netloc}/_stcore/stream", subprotocols=["streamlit"],
                                additional_headers=extra, max_size=2**26, open_timeout=60)
        asyncio.get_running_loop().create_task(self._read())
        await self.rerun()

    async def rerun(self, trigger: str | None = None, fragment: str = "") -> None:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = self.page
        for held in self.held:
            cs.widget_states.widgets.add().CopyFrom(held)
        if fragment:
            cs.fragment_id = fragment
            cs.is_auto_rerun = True
        if trigger is not None:
            w = cs.widget_states.widgets.add()
            w.id = self.buttons[trigger]
            w.trigger_value = True
        with contextlib.suppress(Exception):
            await self.ws.send(msg.SerializeToString())

    async def _timer(self, fragment: str, interval: float) -> None:
        """The browser's setInterval for a fragment's ``run_every``."""
        while not self.closed:
            await asyncio.sleep(max(interval, MIN_INTERVAL_S))
            await self.rerun(fragment=fragment)

    def _stop_timers(self, fragments: list[str] | None = None) -> None:
        for fid in list(self.auto_reruns) if fragments is None else fragments:
            task = self.auto_reruns.pop(fid, None)
            if task is not None:
                task.cancel()

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                self.messages += 1
                self.last_message = time.monotonic()
                self._handle(data)
            self.closed = "closed by the server"
        except Exception as exc:
            self.closed = f"{type(exc).__name__}: {exc}"[:120]
        self._stop_timers()
        self.shown.set()

    def _handle(self, data: bytes) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id or self.session_id
            if not msg.metadata.run.fragment_ids:  # a full run: the browser drops its timers
                self._stop_timers()
        elif kind == "script_finished":
            self.finished += 1
            self.shown.set()
        elif kind == "auto_rerun":
            fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            self._stop_timers([fid])
            self.auto_reruns[fid] = asyncio.get_running_loop().create_task(
                self._timer(fid, interval))
        elif kind == "stop_auto_rerun":
            self._stop_timers(list(msg.stop_auto_rerun.fragment_ids))
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            what = el.WhichOneof("type")
            if what == "button":
                key = el.button.id.rsplit("-", 1)[-1]
                if key in (PLAY, PAUSE):
                    self.buttons.pop(PAUSE if key == PLAY else PLAY, None)
                    self.buttons[key] = el.button.id
                    self.shown.set()
            elif what == "markdown":
                m = EPOCH_MD.match(el.markdown.body)
                if m:
                    self.epoch = int(m.group(1))
            elif what == "file_uploader":
                self.uploaders[el.file_uploader.id.rsplit("-", 1)[-1]] = el.file_uploader.id
            elif what == "alert" and el.alert.format == el.alert.ERROR:
                self.errors.append(el.alert.body)

    async def wait_until(self, done: Callable[[], bool], timeout_s: float) -> bool:
        """Wait until ``done()`` holds after a message (False when ``timeout_s`` ran out or the
        connection closed first)."""
        deadline = time.monotonic() + timeout_s
        while not done() and not self.closed:
            self.shown.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.shown.wait(), left)
        return done()

    async def wait_runs(self, runs: int, timeout_s: float) -> bool:
        """Wait until ``runs`` script runs have finished in all."""
        return await self.wait_until(lambda: self.finished >= runs, timeout_s)

    async def upload(self, key: str, name: str, data: bytes) -> bool:
        """Put ``data`` in the file uploader ``key`` as a browser does (the file by HTTP PUT
        under this session, then a rerun with the uploader's state); True once that run ended.
        The server must run without XSRF protection (the browser's token is not at hand)."""
        if not await self.wait_runs(1, CONNECT_TIMEOUT_S) or key not in self.uploaders:
            return False
        file_id = uuid.uuid4().hex
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{file_id}\"; "
                f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
        url = f"{self.base}/_stcore/upload_file/{self.session_id}/{file_id}"

        def put() -> int:
            request = urllib.request.Request(url, data=body, method="PUT", headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": self.cookie, "Origin": self.base})
            with urllib.request.urlopen(request, timeout=120) as r:
                return r.status

        if await asyncio.to_thread(put) != 204:
            return False
        state = WidgetState(id=self.uploaders[key])
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = file_id, name, len(data)
        info.file_urls.file_id = file_id
        info.file_urls.upload_url = url
        info.file_urls.delete_url = url
        self.held = [state]
        runs = self.finished
        await self.rerun()
        return await self.wait_runs(runs + 1, CONNECT_TIMEOUT_S)

    async def go(self, page: str) -> bool:
        """Switch to ``page`` (its address); True once that run ended. The widget states held
        for the page left are dropped, as a browser drops them with its widgets."""
        self.page, runs, self.held = page, self.finished, []
        await self.rerun()
        return await self.wait_runs(runs + 1, CONNECT_TIMEOUT_S)

    async def wait_button(self, key: str, timeout_s: float, runs: int = 0) -> bool:
        """Wait until the page shows the button ``key`` and ``runs`` runs have finished."""
        return await self.wait_until(lambda: key in self.buttons and self.finished >= runs,
                                     timeout_s)

    async def play(self) -> bool:
        if not await self.wait_button(PLAY, CONNECT_TIMEOUT_S, runs=1):  # the page loaded
            return False
        await self.rerun(trigger=PLAY)
        return await self.wait_button(PAUSE, CONNECT_TIMEOUT_S)

    async def pause(self) -> float | None:
        """Press Pause; seconds until the page shows Play again (None: it never did)."""
        if PAUSE not in self.buttons:
            return None
        t0 = time.monotonic()
        await self.rerun(trigger=PAUSE)
        ok = await self.wait_button(PLAY, PAUSE_TIMEOUT_S)
        return time.monotonic() - t0 if ok else None

    def connected(self) -> bool:
        return not self.closed and self.ws is not None

    async def close(self) -> None:
        self._stop_timers()
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()


# ------------------------------------------------------------------------ Chromium visitors
class BrowserVisitor:
    """A real page: opens the same link, presses Play, counts the frames it drew."""

    def __init__(self, browser, base: str, query: str, heavy: bool = False) -> None:
        self.browser, self.base, self.query, self.heavy = browser, base, query, heavy
        self.page = None
        self.frames0 = 0.0
        self.t0 = 0.0

    async def open(self) -> None:
        ctx = await self.browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = await ctx.new_page()
        self.page.set_default_timeout(CONNECT_TIMEOUT_S * 1000)
        await self.page.goto(f"{self.base}/train?{self.query}")

    async def play(self) -> bool:
        await self.page.wait_for_function("() => window.__nnLive && window.__nnLive.frames > 0")
        await self.page.locator(f".st-key-{PLAY} button").first.click()
        await self.page.locator(f".st-key-{PAUSE} button").first.wait_for()
        return True

    async def drawn(self) -> float:
        return float(await self.page.evaluate("() => window.__nnLive ? window.__nnLive.frames : 0"))

    async def start_window(self) -> None:
        self.frames0, self.t0 = await self.drawn(), time.monotonic()

    async def frames_per_s(self) -> float:
        return (await self.drawn() - self.frames0) / (time.monotonic() - self.t0)

    async def pause(self) -> float | None:
        t0 = time.monotonic()
        try:
            await self.page.locator(f".st-key-{PAUSE} button").first.click()
            await self.page.locator(f".st-key-{PLAY} button").first.wait_for(
                timeout=PAUSE_TIMEOUT_S * 1000)
        except Exception:
            return None
        return time.monotonic() - t0

    async def connected(self) -> bool:
        sel = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
        return await self.page.locator(sel).count() == 1

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.page.context.close()


# ------------------------------------------------------------------------- servers
class OneServer:
    """One Streamlit process, visited directly."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.port = free_port()
        self.log = run_dir / "server.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> list[Path]:
        return [self.log]

    def start(self) -> None:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([*replica_command(self.port), *SERVER_ARGS], cwd=ROOT,
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT)
        wait_healthy(f"{self.url}/_stcore/health", self.proc, self.log)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Replicas:
    """``deploy.serve``'s deployment: replicas behind HAProxy, visited through the front."""

    def __init__(self, run_dir: Path, replicas: int) -> None:
        self.deployment = Deployment(run_dir, replicas=replicas)

    @property
    def url(self) -> str:
        return self.deployment.url

    def logs(self) -> list[Path]:
        return [self.deployment.replica_log(i) for i in range(len(self.deployment.replicas))]

    def start(self) -> None:
        self.deployment.start()

    def stop(self) -> None:
        self.deployment.stop()


# ------------------------------------------------------------------------- the counters
def read_stats(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = []
    for line in path.read_text().splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            lines.append(json.loads(line))
    return lines


def nearest(lines: list[dict], t: float) -> dict[int, dict]:
    """Per process, the line written closest to wall-clock time ``t``."""
    best: dict[int, dict] = {}
    for line in lines:
        pid = line["pid"]
        if pid not in best or abs(line["t"] - t) < abs(best[pid]["t"] - t):
            best[pid] = line
    return best


@dataclass
class Window:
    """What the counters say about one measurement window."""

    rates: dict[str, tuple[float, float, int]]  # session id -> (epochs/s, frames/s, params)
    ticking: int  # sessions whose last tick is recent at the end
    cpu_pct: float  # % of one core, summed over processes
    rss_mb: float  # summed over processes, at the end
    per_process: list[int]  # sessions per process


def measure(lines: list[dict], t0: float, t1: float) -> Window:
    start, end = nearest(lines, t0), nearest(lines, t1)
    rates: dict[str, tuple[float, float, int]] = {}
    ticking, cpu, rss, per_process = 0, 0.0, 0.0, []
    for pid, last in end.items():
        first = start.get(pid, last)
        dt = max(last["t"] - first["t"], 1e-9)
        cpu += 100 * (last["cpu_s"] - first["cpu_s"]) / dt
        rss += last["rss_mb"]
        before = {s["id"]: s for s in first["sessions"]}
        count = 0
        for s in last["sessions"]:
            b = before.get(s["id"])
            if b is None:
                continue  # a session that started inside the window
            count += 1
            rates[s["id"]] = (max(s["epoch"] - b["epoch"], 0) / dt,
                              (s["frames"] - b["frames"]) / dt, s["params"])
            if last["t"] - s["last_tick"] <= TICKING_S and s["playing"]:
                ticking += 1
        per_process.append(count)
    return Window(rates, ticking, cpu, rss, per_process)


def log_errors(paths: list[Path]) -> int:
    n = 0
    for p in paths:
        with contextlib.suppress(OSError):
            n += sum(1 for line in p.read_text(errors="replace").splitlines()
                     if ERROR_LINE.search(line))
    return n


# ------------------------------------------------------------------------- one run
@dataclass
class Result:
    setup: str
    n: int
    connected: int
    ticking: int
    light: list[float]  # epochs/s per light session
    heavy: list[float]
    frames: list[float]  # frames/s sent per session
    aggregate: float
    cpu_pct: float
    rss_mb: float
    per_process: list[int]
    errors: int
    pauses: list[float | None]
    drawn: list[float]  # frames/s drawn in Chromium
    load_cpu_pct: float  # this process + Chromium, % of one core


async def drive(base: str, n: int, browsers: int, heavy_every: int, warmup_s: float,
                window_s: float, browser) -> tuple:
    """Open n visitors and press Play; after the warm-up, wait one window: (visitors, t0, t1)."""
    light_q, heavy_q = train_query(LIGHT), train_query(HEAVY)
    visitors: list = []
    for i in range(n):
        heavy = heavy_every > 0 and i % heavy_every == min(3, heavy_every - 1)
        q = heavy_q if heavy else light_q
        if i < browsers and browser is not None:
            visitors.append(BrowserVisitor(browser, base, q, heavy))
        else:
            visitors.append(Visitor(base, q, heavy))
    # a class arrives over a few seconds, not in one instant
    for v in visitors:
        if LARGEST and v.heavy and isinstance(v, Visitor):  # the Data page, the bundle, Train
            v.page, v.query = "", ""
            await v.open()
            loaded = await v.upload("w_upload_bundle", "largest.json", LARGEST["bundle"])
            if not loaded or v.errors or not await v.go("train"):
                print(f"    a visitor could not load the largest bundle: {v.errors[:1]}",
                      flush=True)
            continue
        await v.open()
        await asyncio.sleep(0.2)
    played = await asyncio.gather(*(v.play() for v in visitors), return_exceptions=True)
    failed = [p for p in played if p is not True]
    if failed:
        print(f"    {len(failed)} of {n} visitors could not press Play: {failed[:3]}",
              flush=True)
    await asyncio.sleep(warmup_s)
    for v in visitors:
        if isinstance(v, BrowserVisitor):
            await v.start_window()
    t0 = time.time()
    await asyncio.sleep(window_s)
    t1 = time.time()
    return visitors, t0, t1


def load_cpu() -> dict[int, float]:
    """CPU seconds of this process and of what it started (Playwright, Chromium: not another
    user's), the servers it measures aside, by pid."""
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
    ours, grew = {os.getpid()}, True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in ours} - ours
        grew = bool(more)
        ours |= more
    return {pid: cpu_of({pid}) for pid in ours if not _is_server(pid)}


def _is_server(pid: int) -> bool:
    """A Streamlit or HAProxy process this benchmark started (measured as the server)."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"streamlit" in cmd or b"haproxy" in cmd


async def run_one(setup: str, server, n: int, args, browser) -> Result:
    stats = server.stats
    cpu0, clock0 = load_cpu(), time.monotonic()
    visitors, t0, t1 = await drive(server.url, n, args.browsers, args.heavy_every, args.warmup,
                                   args.seconds, browser)
    cpu1 = load_cpu()
    load_pct = 100 * sum(c - cpu0.get(pid, 0.0) for pid, c in cpu1.items()) / (
        time.monotonic() - clock0)
    drawn = [await v.frames_per_s() for v in visitors if isinstance(v, BrowserVisitor)]
    connected, reasons = 0, Counter()
    for v in visitors:
        ok = await v.connected() if isinstance(v, BrowserVisitor) else v.connected()
        connected += bool(ok)
        if not ok:
            reasons[getattr(v, "closed", "") or "the page shows it disconnected"] += 1
    for reason, count in reasons.items():
        print(f"    {count} of {n} visitors lost their connection: {reason}", flush=True)
    await asyncio.sleep(1.5)  # one more counters line after t1
    window = measure(read_stats(stats), t0, t1)
    pauses = await asyncio.gather(*(v.pause() for v in visitors))
    for v in visitors:
        await v.close()
    rates = list(window.rates.values())
    heavy = [r[0] for r in rates if r[2] > LIGHT_PARAMS]
    light = [r[0] for r in rates if r[2] <= LIGHT_PARAMS]
    return Result(setup, n, connected, window.ticking, light, heavy,
                  [r[1] for r in rates], sum(r[0] for r in rates), window.cpu_pct,
                  window.rss_mb, window.per_process, log_errors(server.logs()), list(pauses),
                  drawn, load_pct)


def fmt(values: list[float], f: Callable[[list[float]], float], spec: str = ".0f") -> str:
    return format(f(values), spec) if values else "-"


def print_result(r: Result) -> None:
    done = [p for p in r.pauses if p is not None]
    pause = (f"{statistics.median(done):.1f}/{max(done):.1f}" if done else "-") + (
        f" ({len(r.pauses) - len(done)} never)" if len(done) < len(r.pauses) else "")
    print(f"| {r.setup:9} | {r.n:3} | {r.connected:3}/{r.ticking:<3} | "
          f"{fmt(r.light, min)} / {fmt(r.light, statistics.median)} | "
          f"{fmt(r.heavy, min, '.2f')} | {fmt(r.frames, min, '.1f')} / "
          f"{fmt(r.frames, statistics.median, '.1f')} | {r.aggregate:,.0f} | "
          f"{r.cpu_pct:.0f} | {r.rss_mb:,.0f} | {'+'.join(map(str, r.per_process))} | "
          f"{r.errors} | {pause} | {fmt(r.drawn, min, '.1f')} | {r.load_cpu_pct:.0f} |",
          flush=True)


HEADER = ("| set-up | N | connected / ticking | light epochs/s min / median | heavy epochs/s min "
          "| frames/s sent min / median | aggregate epochs/s | server CPU % | server RSS MB | "
          "sessions per process | log errors | Pause s median/max | Chromium frames/s drawn | "
          "load generator CPU % |\n" + "|---" * 2 + "|---:" * 12 + "|")


def heavy_text(args) -> str:
    if args.largest is None:
        return "6x64 batch 1 Adam 5,000 rows (moons link)"
    batch = args.largest or "every row"
    return (f"6x64 batch {batch} Adam on the largest bundle ({MAX_ROWS:,} rows x "
            f"{MAX_FEATURES} features)")


async def main_async(args) -> int:
    from playwright.async_api import async_playwright

    ns = [int(x) for x in args.n.split(",")] if args.n else ([1, 8] if args.quick else
                                                            [1, 4, 8, 16, 30])
    VIEW["speed"] = args.speed if args.speed == "max" else int(args.speed)
    setups = [s for s, which in (("1 server", "one"), (f"{args.replicas} replicas", "replicas"))
              if args.setups in ("both", which)]
    base_dir = Path(tempfile.mkdtemp(prefix="nn-load-"))
    print(f"logs and counters in {base_dir}; {os.cpu_count()} cores; light = moons 2-8-8-1, "
          f"heavy = {heavy_text(args)}; every visitor at speed {VIEW['speed']}; "
          f"{args.browsers} Chromium page(s) per run, the rest protocol clients; "
          f"window {args.seconds:g} s after {args.warmup:g} s\n", flush=True)
    print(HEADER, flush=True)
    results: dict[tuple[str, int], Result] = {}
    async with async_playwright() as p:
        browser = None
        if args.browsers > 0:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for n in ns:
            for setup in setups:
                run_dir = base_dir / f"{setup.replace(' ', '-')}-{n}"
                run_dir.mkdir()
                stats = run_dir / "stats.jsonl"
                os.environ[ENV_PATH] = str(stats)
                os.environ[ENV_EVERY] = "1"
                server = OneServer(run_dir) if setup == "1 server" else Replicas(
                    run_dir, args.replicas)
                server.stats = stats
                try:
                    server.start()
                    r = await run_one(setup, server, n, args, browser)
                finally:
                    server.stop()
                results[(setup, n)] = r
                print_result(r)
        if browser is not None:
            await browser.close()
    print("\nreplicas / one server, aggregate epochs/s (target at N = 8: >= 1.6, every session "
          "progressing):")
    print("| N | ratio | every session progressing (both set-ups) |\n|---:|---:|---|")
    for n in ns if len(setups) == 2 else ():
        one, rep = results[("1 server", n)], results[(f"{args.replicas} replicas", n)]
        ratio = rep.aggregate / one.aggregate if one.aggregate else float("nan")
        progressing = all(r.ticking == n and all(x > 0 for x in r.light + r.heavy)
                          and len(r.light) + len(r.heavy) == n for r in (one, rep))
        print(f"| {n} | {ratio:.2f} | {'yes' if progressing else 'no'} |")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="N = 1 and 8 only")
    ap.add_argument("--n", default="", help="comma list of visitor counts (default 1,4,8,16,30)")
    ap.add_argument("--seconds", type=float, default=20.0, help="measurement window (default 20)")
    ap.add_argument("--warmup", type=float, default=8.0, help="seconds after Play before it")
    ap.add_argument("--replicas", type=int, default=2, help="replicas behind HAProxy (default 2)")
    ap.add_argument("--browsers", type=int, default=1,
                    help="visitors that are Chromium pages (default 1; the rest are protocol "
                         "clients)")
    ap.add_argument("--heavy-every", type=int, default=8,
                    help="one visitor in this many plays the largest network (0: none)")
    ap.add_argument("--speed", default="max",
                    help="every visitor's speed: epochs a frame, or max (default max)")
    ap.add_argument("--setups", default="both", choices=("both", "one", "replicas"),
                    help="one server, the replicas, or both (default both)")
    ap.add_argument("--largest", type=int, default=None, metavar="BATCH",
                    help="heavy visitors load the largest run bundle the limits allow (20,000 "
                         "rows × 50 features, 6 × 64, Adam, this batch size; 0: every row) on "
                         "the Data page instead of the 5,000-row link (protocol clients only; "
                         "servers without XSRF protection, to upload)")
    args = ap.parse_args()
    if args.largest is not None:
        LARGEST["bundle"] = largest_bundle(args.largest)
        SERVER_ARGS.extend(["--server.enableXsrfProtection", "false"])
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
