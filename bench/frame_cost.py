"""Benchmark: where a live frame's server CPU goes, on a server playing for N visitors.

For each N it starts one headless server (fresh, counters on: ``ui/server/counters.py``), opens N
light protocol visitors (``bench/load.py``'s ``Visitor``: moons 2-8-8-1 at ``--speed``, the
default 1 epoch a frame) and presses Play. After a warm-up it measures a window on the
server's own counters (CPU seconds, frames sent), then profiles the same server with py-spy
(PyPI; threads it finds idle left out, and samples whose newest frame waits: a condition, a
sleep, a select) and sorts each sample into one of the parts below by what its stack holds. A
part's milliseconds per frame are its share of the samples times the server's CPU per frame
sent. Printed as one table per N, and with ``--root`` for another checkout of the project
(an older commit: ``git worktree add /tmp/before <commit>``) the same table beside it.

Usage: ``python bench/frame_cost.py [--n 8,30] [--seconds 10] [--profile-seconds 8]
[--speed 1] [--root PATH]``. A measurement, not a test: compare the columns of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bench.load as load  # noqa: E402
from ui.server.counters import ENV_EVERY, ENV_PATH  # noqa: E402
from ui.server.scheduler import CAP_ENV  # noqa: E402

# (part, words one of which a sample's stack holds), the first that matches takes it
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("garbage collection after each script run", ("_on_script_finished (",)),
    ("training (Trainer.train_for)", ("Trainer.train_for (",)),
    ("frame: forward passes (surface grid, slope rows)", ("Network.forward_layers (",)),
    ("frame: unit maps, slopes, packing", ("LiveView.frame (",)),
    ("tick: elements and the live element's message", ("live_panel.<locals>.tick (",)),
    ("full page runs (Play, Pause, the Train page)", ("<module> (app.py",)),
    ("script runner: starting and ending runs", ("ScriptRunner.",)),
    ("event loop: sending messages, websockets", ("BaseEventLoop.", "Handle._run (")),
)
OTHER = "other"
WAITS = ("Condition.wait (", "Event.wait (", "Pace.wait (", ".select (", "sleep (",
         "_worker (concurrent", "polling_path_watcher.py")  # a stack's newest frame: not CPU


def part_of(stack: str) -> str:
    for name, words in PARTS:
        if any(w in stack for w in words):
            return name
    return OTHER


def profile(pid: int, seconds: float, rate: int = 100) -> Counter:
    """py-spy's samples of ``pid`` over ``seconds``, counted by part."""
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as f:
        out = Path(f.name)
    try:
        subprocess.run(["py-spy", "record", "-r", str(rate), "-d", str(int(seconds)),
                        "-f", "raw", "-o", str(out), "-p", str(pid)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        counts: Counter = Counter()
        for line in out.read_text().splitlines():
            stack, _, n = line.rpartition(" ")
            newest = stack.rsplit(";", 1)[-1]
            if stack and n.isdigit() and not any(w in newest for w in WAITS):
                counts[part_of(stack)] += int(n)
        return counts
    finally:
        out.unlink(missing_ok=True)


async def one(n: int, root: Path, args) -> dict:
    """Play N visitors on one fresh server at ``root``: its CPU per frame and the profile."""
    load.ROOT = root  # OneServer starts `streamlit run app.py` there
    run_dir = Path(tempfile.mkdtemp(prefix="nn-frame-cost-"))
    stats = run_dir / "stats.jsonl"
    os.environ[ENV_PATH], os.environ[ENV_EVERY] = str(stats), "1"
    os.environ[CAP_ENV] = str(n + 10)  # every visitor plays
    server = load.OneServer(run_dir)
    server.start()
    try:
        visitors, t0, t1 = await load.drive(server.url, n, 0, 0, args.warmup, args.seconds, None)
        await asyncio.sleep(1.5)  # one more counters line after t1
        window = load.measure(load.read_stats(stats), t0, t1)
        counts = await asyncio.to_thread(profile, server.proc.pid, args.profile_seconds)
        for v in visitors:
            await v.close()
    finally:
        server.stop()
    frames = sum(r[1] for r in window.rates.values())  # frames/s sent, all visitors
    ms = 10 * window.cpu_pct / frames if frames else float("nan")  # CPU ms per frame
    return {"frames": frames, "per_page": frames / max(n, 1), "cpu": window.cpu_pct, "ms": ms,
            "counts": counts}



def table(n: int, runs: list[tuple[str, dict]]) -> str:
    head = " | ".join(f"{label}: share | ms a frame" for label, _ in runs)
    lines = [f"\nN = {n} visitors, speed {load.VIEW['speed']}, one server", "",
             f"| part | {head} |", "|---" + "|---:|---:" * len(runs) + "|"]
    for name in [p for p, _ in PARTS] + [OTHER]:
        cells = []
        for _, r in runs:
            total = sum(r["counts"].values()) or 1
            share = r["counts"][name] / total
            cells.append(f"{100 * share:.0f}% | {share * r['ms']:.2f}")
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines.append("| **server CPU per frame sent** | "
                 + " | ".join(f"100% | **{r['ms']:.1f} ms**" for _, r in runs) + " |")
    lines.append("| samples | " + " | ".join(f"{sum(r['counts'].values())} |" for _, r in runs)
                 + " |")
    lines.append("| frames/s sent per page; server CPU % | "
                 + " | ".join(f"{r['per_page']:.1f} | {r['cpu']:.0f}%" for _, r in runs) + " |")
    return "\n".join(lines)


async def main_async(args) -> int:
    load.VIEW["speed"] = args.speed if args.speed == "max" else int(args.speed)
    roots = [("before", Path(args.root).resolve())] if args.root else []
    roots.append(("now", ROOT))
    print(f"{os.cpu_count()} cores; moons 2-8-8-1 protocol visitors; window {args.seconds:g} s "
          f"after {args.warmup:g} s; py-spy {args.profile_seconds:g} s", flush=True)
    for n in [int(x) for x in args.n.split(",")]:
        runs = [(label, await one(n, root, args)) for label, root in roots]
        print(table(n, runs), flush=True)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", default="8,30", help="comma list of visitor counts (default 8,30)")
    ap.add_argument("--seconds", type=float, default=10.0, help="counters window (default 10)")
    ap.add_argument("--warmup", type=float, default=6.0, help="seconds after Play before it")
    ap.add_argument("--profile-seconds", type=float, default=8.0, help="py-spy's time")
    ap.add_argument("--speed", default="1", help="epochs a frame, or max (default 1)")
    ap.add_argument("--root", default="", help="another checkout to measure beside this one")
    return asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
