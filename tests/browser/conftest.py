"""A live app server and headless Chromium for the end-to-end tests.

The server is the real thing (``streamlit run app.py``) on a free local port; the browser is
Debian's ``/usr/bin/chromium`` driven by Playwright (never ``playwright install``), launched
once per test process by :func:`chromium` (the ``browser`` fixture here and in tests/deploy).
Each test opens a new tab, and so a new Streamlit session, in one profile per test process
(:func:`warm_context`): its HTTP and compiled-code caches are kept from tab to tab, as a
returning visitor's browser keeps them (a quarter of the Data page's opening and ~15% of the
Train page's, ``bench/browser_cpu.py``); a test that needs a first visit, a phone or other
context options gets a new context of its own.
Tests wait on page state (script idle, texts, element counts) with generous timeouts, never on
speed.

Playwright's sync API allows one instance per thread: a second ``sync_playwright()`` while the
first is open fails, so every folder that drives a browser shares the one :func:`chromium` opens.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.browser import helpers
from tests.browser.helpers import ROOT, TIMEOUT_MS, wait_idle
from ui.server import counters
from ui.views import preload

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1500, "height": 1700}  # tall: Streamlit scrolls inside its own container
Visit = Callable[..., AbstractContextManager[Page]]  # the ``visit`` fixture

# expect() waits as long as every other wait in the browser tests: its 5 s default failed on a
# machine busy with other work (the first frame of four Plotly charts took longer)
expect.set_options(timeout=TIMEOUT_MS)

WARM_OPTIONS = {"accept_downloads": True}  # context options the warm profile has (its default)
# The app's preloader (ui/views/preload.py) imports ~17 modules of Streamlit's element code in
# every new tab once it is idle (Plotly's alone is ~0.6 s of the renderer's main thread). A
# visitor's tab pays that once; the tests open a new tab for each test and paid it each time
# (bench/suite_time.md: 239 and 254 against 200 and 221 CPU-s on 20 tests). Their tabs start as
# a tab that has preloaded already; a first visit (``cold``) does not, and the preloader's own
# test (test_layout_e2e) opens one. The deploy tests' visitors keep it too.
PRELOADED = preload.ALREADY_PRELOADED_JS
_chromium: list[tuple[Playwright, Browser]] = []  # the process's one Chromium, while in use
_warm: list[tuple[BrowserContext, str]] = []  # its one persistent profile and folder, once used
_users = 0


@contextmanager
def chromium() -> Iterator[Browser]:
    """The test process's headless Chromium, launched by the first user and closed when the
    last one is done (the ``browser`` fixtures of tests/browser and tests/deploy share it)."""
    global _users
    if not _chromium:
        pw = sync_playwright().start()
        try:
            _chromium.append((pw, pw.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS)))
        except BaseException:
            pw.stop()
            raise
    _users += 1
    try:
        yield _chromium[0][1]
    finally:
        _users -= 1
        if not _users:
            pw, b = _chromium.pop()
            if _warm:
                context, folder = _warm.pop()
                context.close()
                shutil.rmtree(folder, ignore_errors=True)
            b.close()
            pw.stop()


def warm_context() -> BrowserContext:
    """The test process's one persistent browser profile (while :func:`chromium` is in use),
    launched on first use in a temporary folder: tabs opened in it share one HTTP and one
    compiled-code cache, as the tabs of a visitor's own browser do."""
    assert _chromium, "warm_context() is used inside chromium()"
    if not _warm:
        folder = tempfile.mkdtemp(prefix="nn-chromium-profile-")
        context = _chromium[0][0].chromium.launch_persistent_context(
            folder, executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=VIEWPORT)
        context.add_init_script(PRELOADED)
        _warm.append((context, folder))
    return _warm[0][0]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(log_dir: Path, env: dict[str, str] | None = None,
          port: int | None = None) -> Iterator[str]:
    """The app, served by ``streamlit run`` from the repository root with ``env`` added to the
    environment (on ``port``, or a free one); yields its URL."""
    port = port or free_port()
    stats = log_dir / helpers.STATS_FILE  # the server's counters, for wait_server_still
    env = {counters.ENV_PATH: str(stats),
           counters.ENV_EVERY: str(helpers.STATS_EVERY_S), **(env or {})}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    log_path = log_dir / "streamlit.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    helpers.stats_files[url] = stats
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError(f"streamlit did not start (exit {proc.poll()}): "
                                   + log_path.read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app, served by ``streamlit run`` from the repository root; yields its URL."""
    with serve(tmp_path_factory.mktemp("server")) as url:
        yield url


_began = time.time()  # when this process loaded the browser tests


def pytest_terminal_summary(terminalreporter) -> None:
    """Say where this run's screenshots are (see helpers.SCREENSHOTS). Under pytest-xdist the
    workers take them, so the folder is read for pictures written since the run began."""
    taken = [p for p in helpers.SCREENSHOTS.glob("*.png") if p.stat().st_mtime >= _began] \
        if helpers.SCREENSHOTS.is_dir() else []
    if taken:
        terminalreporter.write_line(
            f"{len(taken)} screenshots in {helpers.SCREENSHOTS} "
            "(NN_SCREENSHOTS=docs/screenshots retakes the README's)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@contextmanager
def open_page(browser: Browser, url: str | None, request: pytest.FixtureRequest, tmp_path: Path,
              viewport: dict[str, int] = VIEWPORT, cold: bool = False,
              **options: Any) -> Iterator[Page]:
    """A new tab, and so a new Streamlit session, on ``url`` (None: nothing opened yet), checked
    for JavaScript errors.

    The tab opens in the process's warm profile (:func:`warm_context`) at ``viewport``, unless
    ``cold`` (a first visit: a new context with empty caches) or context ``options`` (a phone's
    touch, reduced motion; downloads are accepted either way) ask for a context of its own.
    When the test fails, the page's last picture is saved next to the test's temporary files.
    """
    # the warm profile already accepts downloads; any other option needs a context of its own
    own = cold or any(WARM_OPTIONS.get(k) != v for k, v in options.items())
    context = browser.new_context(viewport=viewport, **options) if own else None
    if context is not None and not cold:
        context.add_init_script(PRELOADED)
    errors: list[str] = []
    pg: Page | None = None
    try:
        pg = context.new_page() if context else warm_context().new_page()
        if context is None:
            pg.set_viewport_size(viewport)
        pg.set_default_timeout(TIMEOUT_MS)
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        if url is not None:
            pg.goto(url)
            wait_idle(pg)
        try:
            yield pg
        except BaseException:  # raised inside the with block
            _failure_screenshot(pg, tmp_path)
            raise
        failed = getattr(request.node, "report_call", None)
        if failed is not None and failed.failed:  # the test failed after the with block
            _failure_screenshot(pg, tmp_path)
    finally:
        if context is not None:
            context.close()
        elif pg is not None:
            pg.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _failure_screenshot(pg: Page, tmp_path: Path) -> None:
    shot = tmp_path / "failure.png"
    try:
        pg.screenshot(path=str(shot))
    except Exception as exc:  # the page may be gone; the test's own error matters more
        print(f"\nno screenshot of the failing page: {exc}")
        return
    print(f"\nscreenshot of the failing page: {shot}")


@pytest.fixture()
def page(browser: Browser, server: str, request: pytest.FixtureRequest,
         tmp_path: Path) -> Iterator[Page]:
    """A new tab (a new session) on the app's first page, in a tall desktop window."""
    with open_page(browser, server + "/", request, tmp_path) as pg:
        yield pg


@pytest.fixture()
def tab(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    """A new tab in a tall desktop window that has opened nothing yet, for a test that opens its
    own address first (the first page's charts would be drawn for nothing)."""
    with open_page(browser, None, request, tmp_path) as pg:
        yield pg


@pytest.fixture()
def train_page(browser: Browser, server: str, request: pytest.FixtureRequest,
               tmp_path: Path) -> Iterator[Page]:
    """A new tab opened on the Train page by its address (the first page's charts are not
    drawn first: a test about the Train page need not pay for them)."""
    with open_page(browser, server + "/train", request, tmp_path) as pg:
        pg.wait_for_selector("h1:has-text('Train')")
        yield pg


@pytest.fixture()
def visit(browser: Browser, server: str, request: pytest.FixtureRequest,
          tmp_path: Path) -> Visit:
    """New tabs (new sessions) on the app: ``with visit("/train?lr=0.1") as pg:`` (a path, then
    ``open_page``'s viewport, ``cold`` and context options)."""
    def open_path(path: str = "/", viewport: dict[str, int] = VIEWPORT, cold: bool = False,
                  **options: Any) -> AbstractContextManager[Page]:
        return open_page(browser, server + path, request, tmp_path, viewport, cold, **options)
    return open_path
