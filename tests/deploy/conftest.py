"""Two replicas behind HAProxy on loopback, and small helpers to talk to the front.

The deployment is ``deploy.serve.Deployment``, exactly what ``python -m deploy.serve`` starts,
on ephemeral ports, with small upload limits so the limits are reached in a few requests.
What the front did with each request is read from HAProxy's log (``client method path status
backend/server``): a request it refused itself names no replica (``<NOSRV>``).
"""

from __future__ import annotations

import contextlib
import http.client
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser

from deploy.serve import Deployment, UploadLimits
from tests.browser.conftest import chromium

TEST_UPLOADS = UploadLimits(per_burst=5, burst_seconds=60, per_hour=8)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def send(url: str, method: str, path: str, headers: dict[str, str] | None = None,
         body: bytes | None = None, source: str = "127.0.0.1") -> Answer:
    """One HTTP request from the loopback address ``source`` (127.0.0.0/8 is all loopback)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30,
                                      source_address=(source, 0))
    try:
        # the server may answer (and close) before it has read the whole body: read that answer
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Answer(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def served_by(deployment: Deployment, path: str, count: int = 1,
              timeout_s: float = 10.0) -> list[str]:
    """Who answered the requests for ``path``, from HAProxy's log: ``r1``, ``r2`` or ``front``.

    Waits (bounded) until ``count`` log lines for that exact path are there.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        lines = [line.split() for line in deployment.haproxy_log.read_text().splitlines()]
        hits = [f for f in lines if len(f) == 5 and f[2] == path]
        if len(hits) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(hits) >= count, f"{len(hits)} log lines for {path}, expected {count}"
    return ["front" if f[4].endswith("<NOSRV>") else f[4].split("/")[1] for f in hits]


def start_deployment(run_dir: Path) -> Deployment:
    return Deployment(run_dir, replicas=2, uploads=TEST_UPLOADS).start()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """The process's one headless Chromium (shared with tests/browser)."""
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Two replicas behind HAProxy, shared by a module's tests (none of which stops one)."""
    deployment = start_deployment(tmp_path_factory.mktemp("front"))
    try:
        yield deployment
    finally:
        deployment.stop()
