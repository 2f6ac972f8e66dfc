"""Where a page run's time goes: the server's CPU for one run of each page.

A page run is what the server does when a visitor opens or switches to a page, or touches a
widget on it: app.py, then the page's script. This benchmark runs each page through
Streamlit's AppTest (the same script runner as a server, without the browser; one compiled
script cache for the process, as a server keeps) and measures the process's CPU time
(``time.process_time``: every thread, so the script thread too) of each run.

    python bench/page_runs.py                        # the table for this checkout
    python bench/page_runs.py --before /work/main    # and for another checkout, in the same run
    python bench/page_runs.py --profile Train        # cProfile of that page's runs: top calls
    python bench/page_runs.py --browser --before /work/main   # what a visitor waits, in Chromium

Each checkout is measured in its own fresh processes, alternating between the checkouts, so
they share the machine's state. Rows:

* **first run**: a new process's first page run (the Data page), imports included: what the
  first visitor of a fresh server waits for, less Streamlit's own start;
* **Data … How it works**: a page run once the process is warm (switching to the page, then
  the same page rerun by a widget), the median over ``--repeats`` runs;
* **Train, paused**: the Train page after 30 epochs while paused (How good is it, the scrubber,
  Compare runs with one run kept).

Run it under the shared lock on a shared machine: ``flock /tmp/bench.lock python
bench/page_runs.py``. Details and the profile behind the changes: ``bench/page_runs.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("Data", "Train", "Train, paused", "Predict", "Share & export", "How it works")
PATHS = {"Data": "app_pages/data.py", "Train": "app_pages/train.py",
         "Train, paused": "app_pages/train.py", "Predict": "app_pages/predict.py",
         "Share & export": "app_pages/share.py", "How it works": "app_pages/how_it_works.py"}


# ------------------------------------------------------------------------------ the worker
def _worker(root: Path, repeats: int, first_only: bool, profile: str | None) -> dict:
    """Runs in a fresh process whose working directory and import path are ``root``."""
    os.chdir(root)
    sys.path.insert(0, str(root))
    t0 = time.process_time()
    from streamlit.testing.v1 import AppTest

    streamlit_cpu = time.process_time() - t0
    # A server compiles each script once (its ScriptCache); AppTest makes a new cache for every
    # run, which would count the compile of app.py and the page (with Streamlit's magic) in
    # each run. One cache for the process, as on a server.
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    t0 = time.process_time()
    at.run()
    first = time.process_time() - t0
    assert not at.exception, at.exception
    out: dict = {"first run": [first], "streamlit import": [streamlit_cpu]}
    if first_only:
        return out

    def cpu(action) -> float:
        t = time.process_time()
        action()
        spent = time.process_time() - t
        assert not at.exception, at.exception
        return spent

    profiler = cProfile.Profile() if profile else None
    profiling = {"on": False}
    if profiler is not None:  # the script runs in its own thread: profile it there
        from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

        run_script = ScriptRunner._run_script

        def profiled(self, rerun_data):
            if not profiling["on"]:
                return run_script(self, rerun_data)
            profiler.enable()
            try:
                return run_script(self, rerun_data)
            finally:
                profiler.disable()

        ScriptRunner._run_script = profiled
    for page in PAGES:
        path = PATHS[page]
        at.switch_page(path).run()  # warm: the page's own imports happen once, here
        if page == "Train, paused":
            from ui.session.store import KEY

            at.session_state[KEY].trainer.step(30)
        times = []
        for i in range(repeats):
            # alternate a switch from another page with a rerun of the page itself
            if i % 2:
                at.switch_page("app_pages/share.py" if page != "Share & export"
                               else "app_pages/data.py").run()
                action = at.switch_page(path).run
            else:
                action = at.run
            profiling["on"] = page == profile
            times.append(cpu(action))
            profiling["on"] = False
        out[page] = times
    if profiler is not None:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(40)
        out["profile"] = text.getvalue()
    return out


def _measure(root: Path, repeats: int, first_only: bool = False,
             profile: str | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(root),
           "--repeats", str(repeats)]
    if first_only:
        cmd.append("--first-only")
    if profile:
        cmd += ["--profile", profile]
    env = {**os.environ, "PYTHONPATH": str(root), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"worker in {root} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ the browser
# What a visitor waits for, in headless Chromium: from a click on a page's link (or the first
# load) to the page drawn: its script idle and its slowest element shown.
DRAWN = {
    "first load (Data)": "[data-testid='stPlotlyChart'] .main-svg",
    "How it works": "[data-testid='stCode'] code",
    "Train": ".nnl-root[data-epoch]",
    "Data": "[data-testid='stPlotlyChart'] .main-svg",
    "Share & export": "[data-testid='stCode'] code",
    "Predict": "[data-testid='stMain'] h1",
}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SHOWN = """(sel) => { const st = document.querySelector("[data-testid='stApp']");
  if (!st || st.dataset.testScriptState !== 'notRunning') return false;
  const els = Array.from(document.querySelectorAll(sel));
  return els.length > 0 && els.every((e) => (e.tagName === 'CODE' ? e.textContent.trim() : 1)); }"""


def _serve(root: Path, log: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=root, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"streamlit in {root} did not start: {log.read_text()[-2000:]}")


def _browser_waits(roots: dict[str, Path], visits: int) -> dict[str, dict[str, list[float]]]:
    from playwright.sync_api import sync_playwright  # only this mode needs it

    waits: dict[str, dict[str, list[float]]] = {n: {k: [] for k in DRAWN} for n in roots}
    logs = Path(tempfile.mkdtemp(prefix="page_runs_"))
    servers = {n: _serve(root, logs / f"{n}.log") for n, root in roots.items()}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for _ in range(visits):
                for name, (_, url) in servers.items():  # alternating
                    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                    pg = ctx.new_page()
                    pg.set_default_timeout(120_000)
                    t = time.perf_counter()
                    pg.goto(url + "/")
                    pg.wait_for_function(SHOWN, arg=DRAWN["first load (Data)"], polling=20)
                    waits[name]["first load (Data)"].append(time.perf_counter() - t)
                    pg.wait_for_timeout(3000)  # a visitor reads the first page
                    for page in ("How it works", "Train", "Data", "Share & export", "Predict"):
                        link = pg.locator("[data-testid='stSidebarNav'] a", has_text=page).first
                        t = time.perf_counter()
                        link.click()
                        pg.wait_for_selector(f"h1:has-text('{page.split(' ')[0]}')")
                        pg.wait_for_function(SHOWN, arg=DRAWN[page], polling=20)
                        waits[name][page].append(time.perf_counter() - t)
                        pg.wait_for_timeout(1500)
                    ctx.close()
            browser.close()
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=15)
    return waits


# ------------------------------------------------------------------------------ the table
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="another checkout measured in the same run")
    parser.add_argument("--repeats", type=int, default=10, help="runs of each page (10)")
    parser.add_argument("--first-runs", type=int, default=3,
                        help="fresh processes for the first run (3)")
    parser.add_argument("--profile", choices=PAGES, help="print cProfile's top calls of a page")
    parser.add_argument("--browser", type=int, nargs="?", const=5, metavar="VISITS",
                        help="instead: what a visitor waits in Chromium, VISITS visits (5)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--first-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.repeats, args.first_only, args.profile)))
        return

    roots = {"after": ROOT} if args.before is None else {"before": args.before, "after": ROOT}
    if args.browser:
        waits = _browser_waits(roots, args.browser)
        print(f"Wall time from a click on the page's link to the page drawn, median of "
              f"{args.browser} visits (s), headless Chromium at 1400 px")
        cols = list(roots)
        print("| page | " + " | ".join(f"{c} s" for c in cols) + " |")
        print("|---|" + "---:|" * len(cols))
        for page in DRAWN:
            print(f"| {page} | " + " | ".join(
                f"{statistics.median(waits[c][page]):.2f}" for c in cols) + " |")
        return
    runs: dict[str, dict[str, list[float]]] = {name: {} for name in roots}
    for i in range(max(args.first_runs, 1)):
        for name, root in roots.items():  # alternating: the checkouts share the machine's state
            got = _measure(root, args.repeats, first_only=i > 0,
                           profile=args.profile if i == 0 and name == "after" else None)
            if "profile" in got:
                print(got.pop("profile"))
            for key, values in got.items():
                runs[name].setdefault(key, []).extend(values)

    rows = ["first run", *PAGES]
    print(f"CPU per page run, median (ms); {args.repeats} runs of each page, "
          f"{args.first_runs} fresh processes for the first run; Streamlit's import apart "
          f"({statistics.median(runs['after']['streamlit import']) * 1000:.0f} ms)")
    if args.before is None:
        print("| page run | CPU ms |\n|---|---:|")
        for row in rows:
            print(f"| {row} | {statistics.median(runs['after'][row]) * 1000:.0f} |")
        return
    print(f"before: {args.before}, after: {ROOT}")
    print("| page run | before ms | after ms | after / before |\n|---|---:|---:|---:|")
    for row in rows:
        b = statistics.median(runs["before"][row]) * 1000
        a = statistics.median(runs["after"][row]) * 1000
        print(f"| {row} | {b:.0f} | {a:.0f} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
