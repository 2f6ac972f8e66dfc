"""Benchmark: the whole machine's CPU while each test runs (a pytest plugin and its summary).

pytest's timers and ``/usr/bin/time`` miss the browser tests' main cost: Chromium's processes
are not the test process's children. This plugin reads the machine's busy CPU time from
/proc/stat when each test starts and ends (setup and teardown included) and appends one JSON
line per test to ``$NN_CPU_PER_TEST`` (default ``cpu_per_test.jsonl``). Run the tests in one
process on an otherwise quiet machine, so that what the machine did is what the test did:

    PYTHONPATH=bench flock /tmp/bench.lock python -m pytest -q -n 0 -p cpu_per_test \\
        -m "browser or deploy"
    python bench/cpu_per_test.py cpu_per_test.jsonl   # per file, then the costliest tests

Public tools only: pytest and /proc.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import time

_TICK = os.sysconf("SC_CLK_TCK")
_started: dict[str, tuple[float, float]] = {}


def busy_seconds() -> float:
    """The machine's CPU seconds spent other than idle or waiting on I/O, so far."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / _TICK


def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    _started[nodeid] = (busy_seconds(), time.monotonic())


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    busy, began = _started.pop(nodeid)
    line = {"id": nodeid, "cpu": busy_seconds() - busy, "wall": time.monotonic() - began}
    with open(os.environ.get("NN_CPU_PER_TEST", "cpu_per_test.jsonl"), "a") as out:
        out.write(json.dumps(line) + "\n")


def summary(path: str, top: int = 25) -> None:
    """Print the CPU and wall seconds per test file, then the ``top`` costliest tests."""
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    files: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for r in rows:
        entry = files[r["id"].split("::")[0]]
        entry[0] += r["cpu"]
        entry[1] += r["wall"]
        entry[2] += 1
    print("| file | tests | machine CPU s | wall s |\n|---|---:|---:|---:|")
    for name, (cpu, wall, n) in sorted(files.items(), key=lambda kv: -kv[1][0]):
        print(f"| {name} | {n} | {cpu:.1f} | {wall:.1f} |")
    print(f"| **all** | {len(rows)} | **{sum(r['cpu'] for r in rows):.0f}** | "
          f"{sum(r['wall'] for r in rows):.0f} |\n")
    print("| test | machine CPU s | wall s |\n|---|---:|---:|")
    for r in sorted(rows, key=lambda r: -r["cpu"])[:top]:
        print(f"| {r['id']} | {r['cpu']:.1f} | {r['wall']:.1f} |")


if __name__ == "__main__":
    summary(sys.argv[1] if len(sys.argv) > 1 else "cpu_per_test.jsonl")
