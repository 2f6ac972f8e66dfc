"""Benchmark: what a real server process holds for sessions at the largest legal settings.

Starts one headless ``streamlit run app.py`` (XSRF protection off, loopback only: the light
clients upload as a browser does but hold no XSRF token) and drives N sessions with the
protocol client of ``bench/load.py`` (no browser). Each session opens the Data page, uploads the
largest run bundle the limits allow (20,000 rows × 50 features of one-digit numbers, a 2 MB
table; 6 hidden layers × 64 units, batch size ``--batch``, Adam), opens Train (no Play), then
plays for ``--seconds`` and pauses. The server's resident memory (``/proc/<pid>/statm``) is read
after each step once every session finished it; its peak (``VmHWM``) at the end. Then one more
session predicts a 20,000-row CSV on the Predict page and leaves for the Data page.

Beside each measured growth it prints what ``nn_core/limits.py`` predicts for it (the budget
the pages check before they allocate): ``data_bytes`` per bundle loaded, ``trainer_bytes`` per
Train page opened, ``prediction_bytes`` for the prediction.

Usage: ``python bench/session_memory.py [--n 4] [--seconds 20] [--batch 1]`` (run it under
``flock /tmp/bench.lock``). Not a test: resident memory depends on the allocator and the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import SERVER_ARGS, OneServer, Visitor, largest_settings, largest_table  # noqa: E402
from nn_core import limits  # noqa: E402
from nn_core.io.bundle import bundle_to_json  # noqa: E402
from nn_core.limits import MAX_FEATURES  # noqa: E402
from nn_core.training.snapshots import capacity_for  # noqa: E402
from ui.session import widgets  # noqa: E402

MB = 2**20
PLAY, PAUSE = "train_play", "train_pause"


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def settle(pid: int, seconds: float = 2.0) -> float:
    """Resident memory once the server has been quiet for a moment."""
    await asyncio.sleep(seconds)
    return rss_mb(pid)


async def run(args) -> None:
    table = largest_table()
    settings = largest_settings(args.batch)
    bundle = bundle_to_json(settings, table, "largest.csv").encode()
    rows, columns = limits.table_shape(table)
    rows -= 2  # the header and the last line break
    n_classes = 2
    predicted = {
        "data": limits.data_bytes(rows, columns, len(bundle)) / MB,
        "trainer": limits.trainer_bytes(rows, MAX_FEATURES, settings.hidden, 1,
                                        settings.batch_size,
                                        capacity_for(limits.network_params(
                                            [MAX_FEATURES, *settings.hidden, 1]))) / MB,
        "prediction": limits.prediction_bytes(rows, MAX_FEATURES, n_classes + 1,
                                              max(MAX_FEATURES, *settings.hidden), len(table)) / MB,
    }
    run_dir = Path(tempfile.mkdtemp(prefix="nn-memory-"))
    SERVER_ARGS.extend(["--server.enableXsrfProtection", "false"])  # to upload
    server = OneServer(run_dir)
    server.start()
    pid = server.proc.pid
    rows_out: list[tuple[str, float, float | None]] = []
    try:
        base = await settle(pid)
        rows_out.append(("server started, no session", base, None))
        visitors = [Visitor(server.url, "", heavy=True, page="") for _ in range(args.n)]
        for v in visitors:
            await v.open()
        for v in visitors:
            assert await v.wait_runs(1, 120), "a session never finished its first run"
        now = await settle(pid)
        rows_out.append((f"{args.n} sessions on the Data page (defaults)", now, None))
        for v in visitors:
            assert await v.upload(widgets.W_BUNDLE, "largest.json", bundle), v.errors
        assert not any(v.errors for v in visitors), visitors[0].errors[:1]
        now = await settle(pid)
        rows_out.append((f"+ each loaded the largest bundle ({rows:,} × {columns})", now,
                         args.n * predicted["data"]))
        for v in visitors:
            assert await v.go("train")
        assert not any(v.errors for v in visitors), [v.errors[:1] for v in visitors]
        now = await settle(pid)
        rows_out.append((f"+ each opened Train, idle (6 × 64, batch {args.batch}, Adam)", now,
                         args.n * predicted["trainer"]))
        played = await asyncio.gather(*(v.play() for v in visitors))
        assert all(played), "a session could not press Play"
        high = rss_mb(pid)
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            await asyncio.sleep(0.5)
            high = max(high, rss_mb(pid))
        rows_out.append((f"+ each playing {args.seconds:g} s (highest seen)", high, None))
        await asyncio.gather(*(v.pause() for v in visitors))
        now = await settle(pid)
        rows_out.append(("+ each paused", now, None))
        for v in visitors:
            await v.close()
        predictor = Visitor(server.url, "", page="")
        await predictor.open()
        assert await predictor.wait_runs(1, 120)
        assert await predictor.upload(widgets.W_BUNDLE, "largest.json", bundle)
        assert await predictor.go("train") and await predictor.play()
        end = time.monotonic() + 120  # the Predict page needs an epoch trained
        while predictor.epoch < 1 and time.monotonic() < end:
            await asyncio.sleep(0.5)
        await predictor.pause()
        before = await settle(pid)
        rows_out.append(("one more session, trained one epoch", before, None))
        assert await predictor.go("predict")
        assert await predictor.upload(widgets.W_PREDICT_UPLOAD, "inputs.csv", table), \
            predictor.errors
        now = await settle(pid)
        rows_out.append((f"+ predicted {rows:,} rows on the Predict page", now,
                         predicted["prediction"]))
        predictor.held = []
        assert await predictor.go("")
        now = await settle(pid)
        rows_out.append(("+ left the Predict page (upload let go)", now, None))
        peak = peak_mb(pid)
    finally:
        server.stop()
    print(f"server log: {server.log}; {args.n} sessions; bundle {len(bundle) / MB:.1f} MB\n")
    print("| step | server RSS MB | growth MB | budget predicts MB |")
    print("|---|---:|---:|---:|")
    previous = None
    for name, value, pred in rows_out:
        growth = "" if previous is None else f"{value - previous:+.0f}"
        print(f"| {name} | {value:.0f} | {growth} | {'' if pred is None else f'{pred:.0f}'} |")
        previous = value
    print(f"\npeak RSS (VmHWM) {peak:.0f} MB. Budget per session at these settings: data "
          f"{predicted['data']:.0f} MB + trainer {predicted['trainer']:.0f} MB = "
          f"{predicted['data'] + predicted['trainer']:.0f} MB; a prediction "
          f"{predicted['prediction']:.0f} MB.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4, help="sessions (default 4)")
    ap.add_argument("--seconds", type=float, default=20.0, help="playing time (default 20)")
    ap.add_argument("--batch", type=int, default=1, help="batch size (0: every row; default 1)")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
