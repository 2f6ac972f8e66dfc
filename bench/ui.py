"""Benchmark: the live Train page in a real browser (a measurement, not a test).

Starts the app headless, drives Debian's Chromium with Playwright, plays two moons 2-8-8-1 at
the app's default speed (1 epoch a frame; ``--speed max``: the top speed) for 20 s (``--long``:
5 minutes) and prints a table of what the browser showed next to the issue's targets:

- distinct frames per second of each live chart (surface, network, loss, weights, slopes) and
  their minimum, the target (20 on 2-8-8-1, 10 on 2-64x6-1): the live element counts, per
  chart, every frame it paints and how many distinct epochs those were; and how far the chart
  furthest behind was, in frames, after any frame was drawn (every chart draws every frame: 0);
- blank or flickering frames: the element's own blank counter, how often it was mounted (a
  re-mount is a blank moment), and a 20 Hz sampler in the page that looks for the element
  missing or faded;
- zoom kept: the decision surface is zoomed by a mouse drag before playing and compared after;
- training speed while drawing, against the engine's headless epochs/s on the same settings
  (at a set speed, against that speed's pace when it is the slower: speed x FRAME_RATE);
- with ``--pause-clicks N``: N times Play, ~1.5 s of playing, a click on Pause; the time from
  the click until the Play button shows (median and max);
- the session stays alive (connected, epochs still advancing at the end);
- memory: the page's JS heap (after a forced GC) and the server's RSS, first vs last third of
  the play, and what one playing session adds to the server.

Usage: ``flock /tmp/bench.lock python bench/ui.py [--seconds 20] [--long] [--hidden 8,8]
[--speed 1|2|...|max] [--batch-size 10] [--dtype float64|float32] [--pause-clicks 10]
[--headless-seconds 5]``; NumPy's and OpenBLAS's environment (e.g. ``NPY_DISABLE_CPU_FEATURES``)
reaches the app's server, which inherits it.
Public tools only: Streamlit, Playwright, /usr/bin/chromium, /proc.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nn_core.settings import DTYPES, MAX_EPOCHS, RunSettings  # noqa: E402
from nn_core.training.trainer import Trainer  # noqa: E402
from ui.live.panel import FRAME_RATE  # noqa: E402
from ui.session import link_codec  # noqa: E402
from ui.session.choices import DEFAULT_SPEED, SPEEDS  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHARTS = ("surface", "network", "loss", "weights", "slopes")  # the live element's charts
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--enable-precise-memory-info"]
TICKS = os.sysconf("SC_CLK_TCK")

SAMPLER = """() => {
  window.__bench = {samples: 0, missing: 0, faded: 0};
  setInterval(() => {
    const b = window.__bench;
    b.samples += 1;
    const root = document.querySelector('.nnl-root');
    if (!root) { b.missing += 1; return; }
    let el = root;
    while (el && el !== document.body) {
      if (parseFloat(getComputedStyle(el).opacity) < 0.99) {
        b.faded += 1;
        b.fadedBy = (el.dataset.testid || el.className || el.tagName)
          + (el.dataset.stale ? ' (stale)' : '');
        break;
      }
      el = el.parentElement;
    }
  }, 50);
}"""
SURFACE_RANGE = """() => {
  const gd = document.querySelector('[data-chart=surface]');
  return gd && gd._fullLayout ? [gd._fullLayout.xaxis.range, gd._fullLayout.yaxis.range] : null;
}"""


# ------------------------------------------------------------------------------ processes
def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def chromium_pids() -> set[int]:
    pids = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if b"chromium" in (d / "cmdline").read_bytes().split(b"\0")[0]:
                    pids.add(int(d.name))
            except OSError:
                pass
    return pids


def cpu_of(pids: set[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += cpu_s(pid)
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the app did not start")


# ----------------------------------------------------------------------------------- page
def idle(pg: Page) -> None:
    pg.wait_for_timeout(300)
    pg.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']"
                         "[data-test-script-state='notRunning']", timeout=60_000)


def button(pg: Page, key: str):
    return pg.locator(f".st-key-{key} button:visible").first


def open_train(pg: Page, port: int, settings: RunSettings) -> None:
    """Open the Train page by its permalink (the app's share links) for ``settings``."""
    query = urlencode(link_codec.to_query(settings), safe=",")
    pg.goto(f"http://127.0.0.1:{port}/train?{query}")
    pg.wait_for_function("() => window.__nnLive && window.__nnLive.frames > 0")
    idle(pg)


def heap_mb(cdp) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["JSHeapUsedSize"] / 2**20


def live(pg: Page) -> dict:
    return pg.evaluate("() => ({...window.__nnLive, drawMs: undefined})")


def headless_rate(settings: RunSettings, seconds: float) -> float:
    trainer = Trainer.from_settings(settings)
    trainer.train_for(0.5)  # warm-up
    t0, e0 = time.perf_counter(), trainer.epoch + trainer.epoch_progress
    trainer.train_for(seconds)
    return (trainer.epoch + trainer.epoch_progress - e0) / (time.perf_counter() - t0)


def frame_bytes(settings: RunSettings) -> tuple[int, int]:
    """One live frame as sent (JSON), and the hidden units' maps' share of it."""
    import json

    from ui.live.view import LiveView, ViewOptions

    trainer = Trainer.from_settings(settings)
    trainer.train_epochs(1)
    frame = LiveView(trainer, ViewOptions()).frame()
    return len(json.dumps(frame)), len(json.dumps(frame["network"].get("maps", {})))


def per_draw(s0: dict, s1: dict, total: str, count: str) -> float:
    n = s1.get(count, 0) - s0.get(count, 0)
    return (s1.get(total, 0) - s0.get(total, 0)) / n if n else float("nan")


def chart(stats: dict, name: str, key: str) -> float:
    """One chart's counter from the element's stats (0 when it has none)."""
    return (stats.get("charts") or {}).get(name, {}).get(key) or 0


def set_speed(pg: Page, speed: int | str) -> None:
    """Move the speed slider to ``speed`` (one of SPEEDS) by the keyboard, from the default."""
    if speed == DEFAULT_SPEED:
        return
    thumb = pg.locator(".st-key-w_train_speed [role=slider], "
                        ".st-key-w_train_speed input[type=range]").first
    if speed == "max":
        thumb.press("End")
    else:
        for _ in range(SPEEDS.index(speed) - SPEEDS.index(DEFAULT_SPEED)):
            thumb.press("ArrowRight")
    idle(pg)


PLAY_SHOWN = ".st-key-train_play button:visible"


def pause_clicks(pg: Page, n: int, play_seconds: float = 1.5) -> list[float]:
    """n times: Play, ``play_seconds`` of playing, then a mouse click on Pause; each time the
    seconds from the click until the Play button shows (the page's own answer to it)."""
    out = []
    for _ in range(n):
        button(pg, "train_play").click()
        pg.wait_for_function("() => window.__nnLive.playing")
        pg.wait_for_timeout(play_seconds * 1000)
        box = button(pg, "train_pause").bounding_box()
        t0 = time.monotonic()
        pg.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        pg.locator(PLAY_SHOWN).first.wait_for(state="visible", timeout=60_000)
        out.append(time.monotonic() - t0)
        idle(pg)
    return out


def thirds(values: list[float]) -> tuple[float, float]:
    k = max(len(values) // 3, 1)
    return statistics.mean(values[:k]), statistics.mean(values[-k:])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="how long to play (default 20)")
    ap.add_argument("--long", action="store_true", help="play for 5 minutes")
    ap.add_argument("--headless-seconds", type=float, default=5.0)
    ap.add_argument("--hidden", default="8,8", help="hidden layer sizes (default 8,8)")
    ap.add_argument("--speed", default=str(DEFAULT_SPEED),
                    choices=[str(v) for v in SPEEDS],
                    help=f"epochs per frame (default {DEFAULT_SPEED}, the app's; max: top speed)")
    ap.add_argument("--batch-size", type=int, default=RunSettings().batch_size, metavar="N",
                    help=f"rows per update (default {RunSettings().batch_size}, the app's; "
                    "0: all)")
    ap.add_argument("--dtype", default="float64", choices=DTYPES,
                    help="the precision training computes in (default float64, the app's)")
    ap.add_argument("--pause-clicks", type=int, default=0, metavar="N",
                    help="after the run, time N clicks on Pause (Play shown again)")
    opts = ap.parse_args()
    seconds = 300.0 if opts.long else opts.seconds
    hidden = tuple(int(h) for h in opts.hidden.split(","))
    speed: int | str = opts.speed if opts.speed == "max" else int(opts.speed)
    settings = RunSettings(dataset="moons", hidden=hidden, epochs=MAX_EPOCHS,
                           batch_size=opts.batch_size, dtype=opts.dtype)

    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores; other work skews all rates)")
    rate_headless = headless_rate(settings, opts.headless_seconds)
    # at a set speed the server trains speed x FRAME_RATE epochs a second at most
    rate_paced = rate_headless if speed == "max" else min(rate_headless, speed * FRAME_RATE)
    sent = frame_bytes(settings)
    port = free_port()
    server = start_server(port)
    before = chromium_pids()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            # A first visit imports the app's modules (numpy, pandas, plotly...): a one-off
            # cost of the process, not of a session. Measure sessions after it.
            warm = browser.new_page()
            warm.set_default_timeout(180_000)
            open_train(warm, port, settings)
            warm.context.close()
            time.sleep(2)
            rss_idle = rss_mb(server.pid)
            pg = browser.new_page(viewport={"width": 1500, "height": 1700})
            pg.set_default_timeout(180_000)
            cdp = pg.context.new_cdp_session(pg)
            cdp.send("Performance.enable")
            open_train(pg, port, settings)
            chrome = chromium_pids() - before
            set_speed(pg, speed)
            drag = pg.locator("[data-chart=surface] .nsewdrag").first.bounding_box()
            x, y = drag["x"] + drag["width"] * 0.3, drag["y"] + drag["height"] * 0.3
            pg.mouse.move(x, y)
            pg.mouse.down()
            pg.mouse.move(x + drag["width"] * 0.35, y + drag["height"] * 0.35, steps=8)
            pg.mouse.up()
            pg.mouse.move(5, 5)
            zoom = pg.evaluate(SURFACE_RANGE)
            rss_page = rss_mb(server.pid)
            pg.evaluate(SAMPLER)

            button(pg, "train_play").click()
            pg.wait_for_function("() => window.__nnLive.playing && window.__nnLive.frames > 3")
            # (an element that keeps no such count leaves it undefined: "n/a")
            pg.evaluate("() => { const s = window.__nnLive;"
                        " if ('behindMax' in s) s.behindMax = 0; }")
            t0 = time.monotonic()
            s0 = live(pg)
            cpu0 = (cpu_s(server.pid), cpu_of(chrome))
            heaps, rsss, samples = [heap_mb(cdp)], [rss_mb(server.pid)], []
            step = 10.0 if opts.long else 2.0
            while time.monotonic() - t0 < seconds:
                pg.wait_for_timeout(step * 1000)
                heaps.append(heap_mb(cdp))
                rsss.append(rss_mb(server.pid))
                samples.append((time.monotonic() - t0, live(pg)))
                if opts.long:
                    el, st = samples[-1]
                    print(f"  {el:6.0f} s  epoch {st['lastEpoch']:>8}  frames {st['frames']:>6}"
                          f"  heap {heaps[-1]:6.1f} MB  server {rsss[-1]:6.1f} MB", flush=True)
            t1 = time.monotonic()
            s1 = live(pg)
            cpu1 = (cpu_s(server.pid), cpu_of(chrome))
            state = pg.evaluate("() => document.querySelector('[data-testid=stApp]')"
                                ".dataset.testConnectionState")
            mid = samples[len(samples) // 2][1]["lastEpoch"] if samples else s0["lastEpoch"]
            zoom_after = pg.evaluate(SURFACE_RANGE)
            bench = pg.evaluate("() => window.__bench")
            button(pg, "train_pause").click()
            idle(pg)
            pauses = pause_clicks(pg, opts.pause_clicks) if opts.pause_clicks else []
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)

    dt = t1 - t0
    fps = (s1["distinct"] - s0["distinct"]) / dt
    painted = (s1["frames"] - s0["frames"]) / dt
    rate_live = (s1["lastEpoch"] - s0["lastEpoch"]) / dt
    heap_a, heap_b = thirds(heaps)
    rss_a, rss_b = thirds(rsss)
    session_mb = max(rsss) - rss_idle
    alive = state == "CONNECTED" and s1["lastEpoch"] > mid
    flicker = (s1["mounts"] - s0["mounts"]) + bench["missing"] + bench["faded"]
    per_chart = {name: (chart(s1, name, "distinct") - chart(s0, name, "distinct")) / dt
                 for name in CHARTS}
    per_update = {}
    for name in CHARTS:
        n = chart(s1, name, "frames") - chart(s0, name, "frames")
        ms = chart(s1, name, "ms") - chart(s0, name, "ms")
        per_update[name] = ms / n if n else float("nan")
    min_fps = min(per_chart.values())
    want = 20 if max(hidden, default=0) <= 8 else 10
    behind = s1.get("behindMax")
    rows = [
        ("distinct frames/s, minimum over the 5 charts", f">= {want}", f"{min_fps:.1f}",
         min_fps / want, min_fps >= want),
        *[(f"  {name} distinct frames/s (JS ms an update)", f">= {want}",
           f"{v:.1f} ({per_update[name]:.1f})", v / want, v >= want)
          for name, v in per_chart.items()],
        ("most frames a chart was behind the newest drawn", "<= 1",
         "n/a" if behind is None else str(behind), None,
         None if behind is None else behind <= 1),
        ("  network edges drawn (at most the largest 2,000)", "", f"{s1.get('edgesDrawn', 0):,}",
         None, None),
        ("distinct frames/s of the element (any chart)", "", f"{fps:.1f}", None, None),
        ("frames painted/s", "", f"{painted:.1f}", None, None),
        ("blank frames (element's check)", "0", str(s1["blank"] - s0["blank"]), None,
         s1["blank"] == s0["blank"]),
        ("re-mounts + missing/faded samples", "0",
         f"{flicker} ({bench['samples']} samples)", None, flicker == 0),
        *([("  last faded: the element inside", "", bench["fadedBy"][:40], None, None)]
          if bench.get("fadedBy") else []),
        ("zoom kept while playing", "yes", "yes" if zoom_after == zoom else "no", None,
         zoom_after == zoom),
        ("epochs/s headless (engine)", "", f"{rate_headless:,.0f}", None, None),
        *([] if speed == "max" else [(f"  at speed {speed}: at most {FRAME_RATE} frames/s x "
                                      f"{speed}", "", f"{rate_paced:,.0f}", None, None)]),
        ("epochs/s while drawing", ">= 70% of the above", f"{rate_live:,.0f}",
         rate_live / rate_paced, rate_live >= 0.7 * rate_paced),
        ("session alive at the end", "yes", "yes" if alive else f"no ({state})", None, alive),
        ("JS heap after GC, first → last third (MB)", "flat", f"{heap_a:.1f} → {heap_b:.1f}",
         heap_b / heap_a, heap_b <= heap_a * 1.1 + 1),
        ("server RSS, first → last third (MB)", "flat", f"{rss_a:.1f} → {rss_b:.1f}",
         rss_b / rss_a, rss_b <= rss_a * 1.05 + 2),
        ("server RSS added by one playing session (MB)", "<= ~30", f"{session_mb:.1f}",
         session_mb / 30, session_mb <= 30),
        ("  (server RSS after a first visit / page open, MB)", "",
         f"{rss_idle:.0f} / {rss_page:.0f}", None, None),
        ("server CPU while playing", "", f"{100 * (cpu1[0] - cpu0[0]) / dt:.0f}%", None, None),
        ("Chromium CPU while playing", "", f"{100 * (cpu1[1] - cpu0[1]) / dt:.0f}%", None, None),
        ("dropped frames (queue overflow)", "", str(s1["dropped"] - s0["dropped"]), None, None),
        ("network diagram draw, ms/frame (unit maps' part)", "",
         f"{per_draw(s0, s1, 'networkMs', 'networkDraws'):.1f} "
         f"({per_draw(s0, s1, 'mapMs', 'mapsDrawn'):.1f})", None, None),
        ("frame as sent, kB (unit maps' part)", "",
         f"{sent[0] / 1000:.1f} ({sent[1] / 1000:.1f})", None, None),
    ]
    if pauses:
        med = statistics.median(pauses)
        rows.append((f"Pause → Play shown, s (median of {len(pauses)} clicks; max)", "<= 0.5",
                     f"{med:.2f} ({max(pauses):.2f})", med / 0.5, med <= 0.5))
    arch = "-".join(str(n) for n in (2, *hidden, 1))
    pace = "top speed" if speed == "max" else f"speed {speed} (epochs a frame)"
    batch = f"batch {settings.batch_size}" if settings.batch_size else "full batch"
    print(f"\nTrain page, two moons {arch}, {batch}, {settings.dtype}, {pace}, played {dt:.0f} s "
          f"({s1['messages'] - s0['messages']} messages, epoch {s1['lastEpoch']:,})\n")
    w = max(len(r[0]) for r in rows)
    print(f"{'measure':<{w}}  {'target':>18}  {'measured':>22}  {'ratio':>6}  ok")
    for name, target, measured, ratio, ok in rows:
        r = f"{ratio:.2f}" if ratio is not None else ""
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"{name:<{w}}  {target:>18}  {measured:>22}  {r:>6}  {mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
