"""Benchmark: where a page opening's main-thread time goes in Chromium (a measurement, not a test).

Starts the app headless (``tests/browser/conftest.serve``), opens each page once in a persistent
profile to fill its caches (as the browser tests' warm tabs do), then opens it ``--repeats`` more
times as new tabs under Chromium's sampling JavaScript profiler (the DevTools protocol's
``Profiler`` domain) and sums the samples that were not idle by what ran:

- the live element (the script of its component, any function it called: Plotly included);
- Streamlit's Plotly chunk outside it (``st.plotly_chart`` figures, Plotly's own start);
- ``(program)``: the browser's native work on the main thread (parsing, layout, paint set-up);
- ``(garbage collector)``; every other script file by name.

Usage: ``flock /tmp/bench.lock python bench/page_js.py [--path /train] [--repeats 3]``.
Public tools only: Streamlit, Playwright, /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from browser_cpu import _open  # noqa: E402  (bench/ is the script's folder: on the path)
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, serve  # noqa: E402

COMPONENT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def classify(profile: dict) -> collections.Counter:
    """Microseconds of a CPU profile's non-idle samples, by what ran (see the module)."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    spent: collections.Counter = collections.Counter()
    for sample, us in zip(profile["samples"], profile["timeDeltas"], strict=True):
        stack, node = [], sample
        while node in nodes:
            stack.append(nodes[node]["callFrame"])
            node = parent.get(node)
        top = stack[0]["functionName"]
        if top == "(idle)":
            continue
        files = [f["url"].rsplit("/", 1)[-1] for f in stack]
        if any(COMPONENT.fullmatch(f) for f in files):
            spent["live element (its Plotly calls included)"] += us
        elif any(f.startswith("PlotlyChart") for f in files):
            spent["Streamlit's Plotly chunk"] += us
        elif top in ("(program)", "(garbage collector)"):
            spent[top] += us
        else:
            spent[re.sub(r"\.[A-Za-z0-9_-]{8}\.js$", ".js", files[0] or top)] += us
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--path", default="/train", help="the page's address (default /train)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    total: collections.Counter = collections.Counter()
    with serve(Path(tempfile.mkdtemp())) as url, sync_playwright() as pw:
        warm = pw.chromium.launch_persistent_context(
            tempfile.mkdtemp(), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=VIEWPORT)
        for path in ("/", args.path):  # fill the profile's caches
            pg = warm.new_page()
            _open(pg, url + path)
            pg.close()
        for _ in range(args.repeats):
            pg = warm.new_page()
            cdp = warm.new_cdp_session(pg)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 200})
            cdp.send("Profiler.start")
            _open(pg, url + args.path)
            total += classify(cdp.send("Profiler.stop")["profile"])
            pg.close()
        warm.close()
    n = args.repeats
    print(f"Main-thread time of one opening of {args.path} in a warm tab, ms (mean of {n}; "
          f"all not idle: {sum(total.values()) / 1000 / n:,.0f})\n")
    print("| what ran | ms |\n|---|---:|")
    for what, us in total.most_common(15):
        print(f"| {what} | {us / 1000 / n:,.0f} |")


if __name__ == "__main__":
    main()
