"""Benchmark: where a browser test's CPU goes (a measurement, not a test).

Starts the app headless (as the browser tests do: ``tests/browser/conftest.serve``), drives
Debian's Chromium with Playwright and reads every Chromium and Streamlit process's CPU time from
/proc around each step, summed by process kind (Chromium's browser, renderer, GPU and utility
processes; the Streamlit server). Steps, each ``--repeats`` times in a fresh browser context:

- open the Data page (the ``page`` fixture's first page) and wait until it is idle;
- open the Train page by its address and wait until epoch 0 is drawn (plus 1.5 s for the
  charts' first paint);
- the same two openings as new tabs of one persistent profile (as the browser tests open them,
  ``tests/browser/conftest.warm_context``), after one opening of each has filled its caches;
- play for ``--seconds`` at 1 epoch a frame, then at 10 epochs a frame: CPU per frame drawn.

``pytest``'s own timers and ``/usr/bin/time`` miss most of this: Chromium's processes are not
the test process's children, so their CPU is not counted where pytest runs.

Usage: ``flock /tmp/bench.lock python bench/browser_cpu.py [--repeats 3] [--seconds 8]``.
Public tools only: Streamlit, Playwright, /usr/bin/chromium, /proc.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, serve  # noqa: E402
from tests.browser.helpers import epoch, pause, play, wait_drawn, wait_idle  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
_seen: dict[int, tuple[str, float]] = {}  # pid -> (kind, CPU seconds), kept after it exits


def _kind(cmdline: bytes) -> str | None:
    if b"chromium" in cmdline:
        found = re.search(rb"--type=([a-z-]+)", cmdline)
        return "chromium " + (found.group(1).decode() if found else "browser")
    if b"streamlit" in cmdline:
        return "streamlit server"
    return None


def cpu() -> dict[str, float]:
    """CPU seconds (user + system) so far of every Chromium and Streamlit process seen, by
    kind (a process that has exited counts with its last reading)."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            kind = _kind(Path(f"/proc/{name}/cmdline").read_bytes())
            if kind is None:
                continue
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            _seen[int(name)] = (kind, (int(fields[11]) + int(fields[12])) / TICK)
        except OSError:
            continue
    total: dict[str, float] = defaultdict(float)
    for kind, seconds in _seen.values():
        total[kind] += seconds
    return total


def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: after[k] - before.get(k, 0.0) for k in after}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=8.0)
    args = ap.parse_args()
    rows: dict[str, list[dict[str, float]]] = defaultdict(list)
    frames: dict[str, list[float]] = defaultdict(list)
    with serve(Path(tempfile.mkdtemp())) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        warm = pw.chromium.launch_persistent_context(
            tempfile.mkdtemp(), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=VIEWPORT)
        for path in ("/", "/train"):  # fill the profile's caches
            _open(warm.new_page(), url + path, close=True)
        for _ in range(args.repeats):
            for step, path in (("open Data, warm profile", "/"),
                               ("open Train, draw epoch 0, warm profile", "/train")):
                pg = warm.new_page()
                before = cpu()
                _open(pg, url + path)
                rows[step].append(spent(before, cpu()))
                pg.close()
            for step, path in (("open Data", "/"), ("open Train, draw epoch 0", "/train")):
                context = browser.new_context(viewport=VIEWPORT)
                pg = context.new_page()
                before = cpu()
                _open(pg, url + path)
                rows[step].append(spent(before, cpu()))
                context.close()
            for speed in (1, 10):
                context = browser.new_context(viewport=VIEWPORT)
                pg = context.new_page()
                pg.goto(url + "/train?" + urlencode({"speed": speed}))
                wait_idle(pg)
                wait_drawn(pg, 0)
                before = cpu()
                drawn = _play(pg, args.seconds)
                used = spent(before, cpu())
                step = f"play {args.seconds:g} s at {speed} epoch(s) a frame"
                rows[step].append(used)
                chromium = sum(v for k, v in used.items() if k.startswith("chromium"))
                frames[step].append(chromium / max(drawn, 1))
                context.close()
        warm.close()
        browser.close()
    kinds = sorted({k for runs in rows.values() for run in runs for k in run})
    print(f"CPU seconds, mean of {args.repeats} (Chromium processes by kind, the server)\n")
    print("| step | " + " | ".join(kinds) + " | Chromium in all | per frame drawn |")
    print("|---|" + "---:|" * (len(kinds) + 2))
    for step, runs in rows.items():
        mean = {k: sum(r.get(k, 0.0) for r in runs) / len(runs) for k in kinds}
        chromium = sum(v for k, v in mean.items() if k.startswith("chromium"))
        per = (f"{1000 * sum(frames[step]) / len(frames[step]):.0f} ms" if step in frames
               else "")
        print(f"| {step} | " + " | ".join(f"{mean[k]:.2f}" for k in kinds)
              + f" | **{chromium:.2f}** | {per} |")


def _open(pg: Page, url: str, close: bool = False) -> None:
    """Open ``url`` and wait until it is idle (the Train page: epoch 0 drawn, plus 1.5 s for
    the charts' first paint)."""
    pg.goto(url)
    wait_idle(pg)
    if url.endswith("/train"):
        wait_drawn(pg, 0)
        pg.wait_for_timeout(1500)
    if close:
        pg.close()


def _play(pg: Page, seconds: float) -> int:
    """Play for ``seconds``, pause; the frames the live element drew meanwhile."""
    drawn = pg.evaluate("() => (window.__nnLive || {}).frames || 0")
    play(pg)
    time.sleep(seconds)
    pause(pg)
    epoch(pg)
    return pg.evaluate("() => (window.__nnLive || {}).frames || 0") - drawn


if __name__ == "__main__":
    main()
