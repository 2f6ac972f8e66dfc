"""The deployment in front of the app: HAProxy before two Streamlit replicas, on loopback.

It pins each visitor to a replica with a cookie, refuses the metrics endpoint, caps bodies at
the app's upload limit, limits uploads per client address and adds the security headers; the
app still works in Chromium under its Content-Security-Policy; two visitors keep their own
data across reruns, uploads and downloads; when one replica dies, its visitor's page says the
connection and the session are lost (reload), and the other replica's visitor trains on.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page
from websockets.sync.client import connect

from deploy.serve import (
    COOKIE,
    HAPROXY,
    MAX_BODY_BYTES,
    ROOT,
    UPLOAD_OVERHEAD_BYTES,
    Deployment,
    main,
)
from nn_core.limits import MAX_UPLOAD_BYTES
from tests.browser.conftest import VIEWPORT
from tests.browser.helpers import (
    TIMEOUT_MS,
    assert_no_exception,
    click,
    go_to,
    live_stats,
    upload_csv,
    wait_idle,
)
from tests.browser.test_share_e2e import _download
from tests.deploy.conftest import TEST_UPLOADS, send, served_by, start_deployment
from ui.live import panel
from ui.session import reconnect

CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"


def upload_path() -> str:
    return f"/_stcore/upload_file/{uuid.uuid4()}/{uuid.uuid4()}"


def assert_security_headers(headers: Message) -> None:
    assert headers["X-Frame-Options"] == "DENY"
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


# ---------------------------------------------------------------------------- the one command
def test_print_config_gives_a_configuration_haproxy_accepts(capsys, tmp_path) -> None:
    assert main(["--print-config", "--replicas", "3", "--port", "9000"]) == 0
    config = capsys.readouterr().out
    assert "bind 127.0.0.1:9000" in config
    assert [line.split()[2] for line in config.splitlines() if line.startswith("    server ")] \
        == ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    assert f"gt {MAX_UPLOAD_BYTES + UPLOAD_OVERHEAD_BYTES}" in config
    path = tmp_path / "haproxy.cfg"
    path.write_text(config)
    check = subprocess.run([HAPROXY, "-c", "-q", "-f", str(path)], capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stderr


def two_free_ports() -> int:
    """A port ``p`` with ``p`` and ``p + 1`` free a moment ago (bounded search)."""
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two adjacent free ports")


def test_one_command_serves_the_app_and_stops_on_sigterm() -> None:
    port = two_free_ports()
    proc = subprocess.Popen([sys.executable, "-m", "deploy.serve", "--replicas", "1",
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    try:
        first = proc.stdout.readline()  # printed once the front and the replica answer
        assert f"http://127.0.0.1:{port}" in first, first
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            assert r.status == 200 and r.headers["X-Frame-Options"] == "DENY"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the replica's port is free again
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port + 1)) != 0:
                    break
            time.sleep(0.2)
        else:
            raise AssertionError("the replica still answers after the command stopped")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ------------------------------------------------------------------------------ HTTP at the front
def test_pages_carry_the_security_headers_and_metrics_stay_inside(front: Deployment) -> None:
    # plotly.min.js is copied into ./static by the Train page's first run (on a clean clone no
    # page may have run yet when this test does): copy it the way that run does
    assert panel.ensure_plotly_js()
    for path in ("/", "/train", "/app/static/plotly.min.js", "/_stcore/health"):
        answer = send(front.url, "GET", path)
        assert answer.status == 200, path
        assert_security_headers(answer.headers)

    refused = send(front.url, "GET", "/_stcore/metrics")
    assert refused.status == 404
    assert_security_headers(refused.headers)  # the front's own answers carry them too
    assert served_by(front, "/_stcore/metrics") == ["front"]
    # the replicas do serve it: it is the front that hides it
    direct = send(f"http://127.0.0.1:{front.replica_ports[0]}", "GET", "/_stcore/metrics")
    assert direct.status == 200


def test_a_cookie_pins_a_client_to_one_replica(front: Deployment) -> None:
    # a new visitor is given a replica and a cookie that names it
    for _ in range(4):
        path = f"/sticky-{uuid.uuid4()}"
        answer = send(front.url, "GET", path)
        cookie = answer.headers["Set-Cookie"]
        assert cookie.startswith(f"{COOKIE}=r") and "HttpOnly" in cookie
        replica = cookie.split(";")[0].split("=")[1]
        assert served_by(front, path) == [replica]
    # a visitor with the cookie stays on its replica and is not given a new cookie
    for replica in ("r1", "r2", "r1"):
        path = f"/sticky-{uuid.uuid4()}"
        for _ in range(5):
            answer = send(front.url, "GET", path, headers={"Cookie": f"{COOKIE}={replica}"})
            assert answer.status == 200 and answer.headers["Set-Cookie"] is None
        assert served_by(front, path, count=5) == [replica] * 5


def test_a_class_arriving_together_is_split_evenly(front: Deployment) -> None:
    """New visitors go to the replicas in turn, whatever connections are open: here one
    replica already holds three open websockets (a visitor's page and its files), and the
    next eight visitors are still split four and four."""
    parts = urlsplit(front.url)
    with contextlib.ExitStack() as held:
        for _ in range(3):
            held.enter_context(connect(
                f"ws://{parts.netloc}/_stcore/stream", subprotocols=["streamlit"],
                additional_headers={"Origin": front.url, "Cookie": f"{COOKIE}=r1"},
                open_timeout=30))
        replicas = []
        for _ in range(8):
            cookie = send(front.url, "GET", "/train").headers["Set-Cookie"]
            replicas.append(cookie.split(";")[0].split("=")[1])
    assert sorted(replicas) == ["r1"] * 4 + ["r2"] * 4


def test_request_bodies_are_capped_at_the_apps_upload_limit(front: Deployment) -> None:
    assert MAX_BODY_BYTES == MAX_UPLOAD_BYTES + UPLOAD_OVERHEAD_BYTES
    source = "127.0.0.5"
    # the largest allowed body reaches a replica (which refuses it: no session, no XSRF token)
    path = upload_path()
    answer = send(front.url, "PUT", path, body=b"0" * MAX_BODY_BYTES, source=source)
    assert answer.status != 413
    assert served_by(front, path)[0] in ("r1", "r2")
    # one byte more is refused by the front, before any of the body is read
    path = upload_path()
    answer = send(front.url, "PUT", path, headers={"Content-Length": str(MAX_BODY_BYTES + 1)},
                  source=source)
    assert answer.status == 413
    assert served_by(front, path) == ["front"]
    # an upload that does not say its size (chunked) is refused too
    path = upload_path()
    answer = send(front.url, "PUT", path, body=iter([b"0" * 1024] * 4), source=source)
    assert answer.status == 400
    assert served_by(front, path) == ["front"]


def clear_burst(front: Deployment, source: str, timeout_s: float = 10.0) -> None:
    """Forget ``source``'s uploads of the burst window, and wait until HAProxy has: it keeps an
    entry a session still uses (``use=1`` while the last upload's connection is torn down), so
    one ``clear`` can leave it, and the next upload would be refused by the burst limit."""
    deadline = time.monotonic() + timeout_s
    while True:
        front.haproxy_command(f"clear table upload_burst key {source}")
        left = front.haproxy_command(f"show table upload_burst key {source}")
        if f"key={source} " not in left:
            return
        assert time.monotonic() < deadline, f"HAProxy kept the burst entry: {left.strip()}"
        time.sleep(0.05)


def test_uploads_are_limited_per_client_address(front: Deployment) -> None:
    burst = TEST_UPLOADS.per_burst
    paths = [upload_path() for _ in range(burst + 2)]
    statuses = [send(front.url, "PUT", p, body=b"x", source="127.0.0.2").status for p in paths]
    # the first `burst` reach a replica whatever it answers; then the front says 429
    assert all(served_by(front, p)[0] in ("r1", "r2") for p in paths[:burst])
    assert 429 not in statuses[:burst]
    assert statuses[burst:] == [429, 429]
    assert [served_by(front, p)[0] for p in paths[burst:]] == ["front", "front"]
    limited = send(front.url, "PUT", upload_path(), body=b"x", source="127.0.0.2")
    assert limited.status == 429
    assert limited.headers["Retry-After"] == str(TEST_UPLOADS.burst_seconds)
    assert_security_headers(limited.headers)
    # a DELETE (which frees a file) and the pages are never limited
    path = upload_path()
    assert send(front.url, "DELETE", path, source="127.0.0.2").status != 429
    assert served_by(front, path)[0] in ("r1", "r2")
    assert send(front.url, "GET", "/", source="127.0.0.2").status == 200
    # another client address still uploads
    assert send(front.url, "PUT", upload_path(), body=b"x", source="127.0.0.3").status != 429

    # the hourly count: once the burst window is cleared, uploads go on up to `per_hour`
    source = "127.0.0.4"
    for _ in range(burst):
        assert send(front.url, "PUT", upload_path(), body=b"x", source=source).status != 429
    clear_burst(front, source)
    for _ in range(TEST_UPLOADS.per_hour - burst):
        assert send(front.url, "PUT", upload_path(), body=b"x", source=source).status != 429
    over = send(front.url, "PUT", upload_path(), body=b"x", source=source)
    assert over.status == 429 and over.headers["Retry-After"] == "3600"


# ------------------------------------------------------------------------- Chromium at the front
# Every Content-Security-Policy violation of the page, as "directive blocked-uri".
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
    e => window.__cspViolations.push(e.effectiveDirective + " " + e.blockedURI));
"""
# long.js (in Streamlit's protobuf code) probes WebAssembly and falls back to plain JavaScript
# when the policy refuses it: the one refusal the pages cause, harmless.
EXPECTED_VIOLATIONS = {"script-src wasm-eval"}


@contextmanager
def visitor(browser: Browser, url: str, replica: str | None = None) -> Iterator[Page]:
    """A browser session through the front (pinned to ``replica`` by its cookie, if given).

    Fails on JavaScript errors and on anything else the Content-Security-Policy refused.
    """
    context = browser.new_context(viewport=VIEWPORT)
    if replica is not None:
        context.add_cookies([{"name": COOKIE, "value": replica, "url": url}])
    context.add_init_script(RECORD_VIOLATIONS)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg
        violations = set(pg.evaluate("() => window.__cspViolations"))
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert violations <= EXPECTED_VIOLATIONS, f"refused by the CSP: {violations}"


def replica_of(pg: Page) -> str:
    """The replica a browser session is pinned to, from its cookie."""
    values = [c["value"] for c in pg.context.cookies() if c["name"] == COOKIE]
    assert values, f"no {COOKIE} cookie in the browser"
    return values[0]


def wait_drawn_epoch(pg: Page, predicate: str) -> None:
    """Wait until the live element's last drawn epoch satisfies the JS expression of ``e``."""
    pg.wait_for_function(
        f"() => {{ const r = document.querySelector('.nnl-root');"
        f" if (!r || r.dataset.epoch === undefined) return false;"
        f" const e = +r.dataset.epoch; return {predicate}; }}")


def test_the_app_works_through_the_front_under_its_csp(front: Deployment, browser: Browser,
                                                        tmp_path) -> None:
    with visitor(browser, front.url) as pg:
        pg.goto(front.url + "/")
        wait_idle(pg)
        # an upload goes to the replica that holds the session (or the app would refuse it)
        csv = tmp_path / "points.csv"
        csv.write_text("x1,x2,y\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(40)))
        upload_csv(pg, str(csv), "Loaded points.csv: 40 rows")

        go_to(pg, "Train")
        wait_drawn_epoch(pg, "e === 0")
        click(pg, "train_play")
        wait_drawn_epoch(pg, "e > 0")  # Play drew a frame under the policy
        click(pg, "train_pause")
        pg.wait_for_selector(".st-key-train_play button")
        wait_idle(pg)
        assert live_stats(pg).get("frames", 0) > 1
        assert_no_exception(pg)
        replica = replica_of(pg)
    log = [line.split() for line in front.haproxy_log.read_text().splitlines()]
    uploads = [f for f in log if f[:2] == ["127.0.0.1", "PUT"] and "/upload_file/" in f[2]]
    assert uploads and all(f[3] == "204" for f in uploads)  # the replica took each one
    assert all(f[4] == f"replicas/{replica}" for f in uploads)


def upload_table(pg: Page, folder: Path, name: str, rows: int) -> None:
    """Upload a two-input table of ``rows`` rows as ``name`` on the Data page."""
    csv = folder / name
    csv.write_text("x1,x2,y\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(rows)))
    upload_csv(pg, csv, f"Loaded {name}: {rows} rows")


def data_caption(pg: Page) -> str:
    """The Train page's line about the data it trains on."""
    return pg.locator("[data-testid='stCaptionContainer']", has_text="Data: ").first.inner_text()


def test_two_visitors_keep_their_own_session_and_a_dead_replica_loses_only_its_own(
        browser: Browser, tmp_path: Path) -> None:
    deployment = start_deployment(tmp_path / "run")
    try:
        with visitor(browser, deployment.url) as a, visitor(browser, deployment.url) as b:
            # two fresh visitors: the front spreads them over the two replicas
            for pg in (a, b):
                pg.goto(deployment.url + "/")
                wait_idle(pg)
            assert {replica_of(a), replica_of(b)} == {"r1", "r2"}
            requested: dict[Page, set[str]] = {a: set(), b: set()}
            for pg in (a, b):
                pg.on("request", lambda r, pg=pg: requested[pg].add(urlsplit(r.url).path))
            ra, rb = replica_of(a), replica_of(b)
            tables = {"a.csv": 40, "b.csv": 60}
            for pg, name in ((a, "a.csv"), (b, "b.csv")):
                upload_table(pg, tmp_path, name, tables[name])
            # reruns on other pages keep each one's own data
            for pg, rows in ((a, 40), (b, 60)):
                go_to(pg, "Train")
                assert data_caption(pg).startswith(f"Data: {rows} rows"), data_caption(pg)
                go_to(pg, "Share & export")
                table = _download(pg, "Dataset (CSV)", tmp_path / f"download-{rows}")
                assert table.decode().strip().count("\n") == rows  # a header and its rows
            # a trains below; b waits on Share & export (the lost-session notice is on every
            # page, and a Train page more would only cost the browser)
            go_to(a, "Train")
            # each upload went to the page's own replica; each download was found where it was
            # asked for (a file lives in one replica's memory: another would answer 404)
            log = [f.split() for f in deployment.haproxy_log.read_text().splitlines()]
            for pg, home in ((a, ra), (b, rb)):
                puts = [f for f in log if f[1] == "PUT" and f[2] in requested[pg]]
                assert [(f[3], f[4]) for f in puts] == [("204", f"replicas/{home}")]
            media = [f for f in log if f[2].startswith("/media/")]
            assert media and all(f[3] == "200" for f in media)
            click(a, "train_play")
            wait_drawn_epoch(a, "e > 0")
            victim = 1 if rb == "r2" else 0
            deployment.replicas[victim].kill()  # b's replica dies, as in a crash

            # b's page says its session is gone and what to do
            lost = b.get_by_text("Connection lost")
            lost.wait_for()
            assert lost.inner_text() == reconnect.LOST
            assert replica_of(b) == ra  # the front sent its reconnecting page to the other
            # a goes on training on its own replica, with its own data
            shown = a.evaluate("() => +document.querySelector('.nnl-root').dataset.epoch")
            wait_drawn_epoch(a, f"e > {shown}")
            assert a.locator(CONNECTED).count() == 1 and replica_of(a) == ra
            assert a.get_by_text("Connection lost").count() == 0
            assert data_caption(a).startswith("Data: 40 rows")
            assert_no_exception(a)
            # a reload starts b afresh on the replica left, without the notice
            b.reload()
            wait_idle(b)
            assert b.get_by_text("Connection lost").count() == 0
            assert_no_exception(b)
    finally:
        deployment.stop()
