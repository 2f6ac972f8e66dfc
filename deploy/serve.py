"""Run the playground as N Streamlit replicas behind HAProxy, on one machine.

``python -m deploy.serve`` starts one replica per core on the loopback ports after ``--port``
(8501) and HAProxy in front on that port. The front pins each visitor to one replica with a
cookie (a Streamlit session lives in one process's memory: its websocket, uploads and
downloads must stay there), checks each replica's ``/_stcore/health``, refuses
``/_stcore/metrics``, caps request bodies at the app's upload limit, limits uploads per client
address and adds the security headers. The configuration is ``deploy/haproxy.cfg.in``,
rendered here; ``--print-config`` prints it for a host that runs HAProxy elsewhere.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from string import Template

from nn_core.limits import MAX_UPLOAD_BYTES

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "haproxy.cfg.in"
HAPROXY = "haproxy"

# A multipart upload carries the file plus a boundary, part headers and the file name.
UPLOAD_OVERHEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + UPLOAD_OVERHEAD_BYTES

COOKIE = "SERVERID"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


def streamlit_inline_script_hashes() -> list[str]:
    """``'sha256-…'`` sources for the inline scripts of the installed Streamlit's index.html.

    The page Streamlit serves is that file; hashing it here keeps the policy right when
    Streamlit changes its inline script (only ``requirements.txt`` moves the version).
    """
    spec = importlib.util.find_spec("streamlit")
    if spec is None or spec.origin is None:
        raise RuntimeError("streamlit is not installed")
    html = (Path(spec.origin).parent / "static" / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
            for s in scripts]


def content_security_policy() -> str:
    """The policy the pages work with (checked in Chromium by tests/deploy).

    Scripts: the app's own files, the inline script of Streamlit's index.html by its hash, and
    ``blob:`` for the live charts' components.v2 element (Streamlit imports an inline
    component's js as a module from a blob URL). Styles need ``'unsafe-inline'``: Streamlit
    and plotly.js write style elements at run time. Images and fonts: the app's own, plus data
    URLs (the emoji page icon, a font inside Streamlit's CSS). Nothing else loads from anywhere
    else, the websocket included, and no other site may frame the app. WebAssembly stays
    refused: long.js inside Streamlit's protobuf code tries it once per page and falls back to
    plain JavaScript.
    """
    return "; ".join([
        "default-src 'self'",
        " ".join(["script-src 'self'", *streamlit_inline_script_hashes(), "blob:"]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


@dataclass(frozen=True)
class UploadLimits:
    """Uploads one client address may make: ``per_burst`` in ``burst_seconds``, ``per_hour``."""

    per_burst: int = 10
    burst_seconds: int = 10
    per_hour: int = 60


def render_config(replica_ports: list[int], bind: str, stats_socket: Path,
                  uploads: UploadLimits = UploadLimits(), csp: str | None = None) -> str:
    """The HAProxy configuration for replicas on ``127.0.0.1:<port>`` and a front on ``bind``."""
    if not replica_ports:
        raise ValueError("at least one replica")
    csp = content_security_policy() if csp is None else csp
    if '"' in csp or "$" in csp:
        raise ValueError("the CSP must not contain double quotes or dollar signs")
    servers = "\n".join(
        f"    server r{i} 127.0.0.1:{port} cookie r{i}"
        for i, port in enumerate(replica_ports, start=1)
    )
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        bind=bind,
        stats_socket=str(stats_socket),
        max_body_bytes=MAX_BODY_BYTES,
        uploads_per_burst=uploads.per_burst,
        burst_seconds=uploads.burst_seconds,
        uploads_per_hour=uploads.per_hour,
        csp=csp,
        servers=servers,
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free on ``host`` a moment ago."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def replica_command(port: int) -> list[str]:
    """``streamlit run app.py`` headless on ``127.0.0.1:<port>``; the rest from config.toml."""
    return [sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(port),
            "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
            "--browser.gatherUsageStats", "false"]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path,
                 timeout_s: float = START_TIMEOUT_S) -> None:
    """Wait until ``url`` answers ``ok``; raise with the end of ``log`` if it never does."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.read() == b"ok":
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"{url} did not answer (exit {proc.poll()}):\n{tail}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Deployment:
    """Replicas and HAProxy started together; ``with Deployment(...) as d:`` stops them all.

    Everything it writes (the rendered configuration, one log per process, HAProxy's stats
    socket) goes to ``run_dir``.
    """

    def __init__(self, run_dir: Path, replicas: int = 2, host: str = "127.0.0.1",
                 port: int = 0, uploads: UploadLimits = UploadLimits(),
                 replica_ports: list[int] | None = None) -> None:
        self.run_dir = Path(run_dir)
        self.host = host
        self.port = port or free_port(host)
        self.replica_ports = replica_ports or [free_port() for _ in range(replicas)]
        self.uploads = uploads
        self.stats_socket = self.run_dir / "haproxy.sock"
        self.config_path = self.run_dir / "haproxy.cfg"
        self.haproxy_log = self.run_dir / "haproxy.log"
        self.replicas: list[subprocess.Popen] = []
        self.haproxy: subprocess.Popen | None = None
        self._logs: list = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def replica_log(self, i: int) -> Path:
        return self.run_dir / f"replica-r{i + 1}.log"

    def start(self) -> Deployment:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if shutil.which(HAPROXY) is None:
            raise RuntimeError("haproxy is not installed (Debian: apt-get install -y haproxy)")
        # One secret for all replicas, so a cookie signed by one is valid on the others.
        env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
        try:
            for i, port in enumerate(self.replica_ports):
                log = open(self.replica_log(i), "wb")  # noqa: SIM115 - closed in stop()
                self._logs.append(log)
                self.replicas.append(subprocess.Popen(
                    replica_command(port), cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT))
            for i, (port, proc) in enumerate(zip(self.replica_ports, self.replicas, strict=True)):
                wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc, self.replica_log(i))
            self.config_path.write_text(
                render_config(self.replica_ports, f"{self.host}:{self.port}", self.stats_socket,
                              self.uploads),
                encoding="utf-8")
            check = subprocess.run([HAPROXY, "-c", "-q", "-f", str(self.config_path)],
                                   capture_output=True, text=True, check=False)
            if check.returncode != 0:
                raise RuntimeError(f"haproxy rejects the configuration:\n{check.stderr}")
            log = open(self.haproxy_log, "wb")  # noqa: SIM115 - closed in stop()
            self._logs.append(log)
            self.haproxy = subprocess.Popen(
                [HAPROXY, "-db", "-f", str(self.config_path)], stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT)
            self.wait_replicas_up()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_replicas_up(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Wait until the front answers health checks and HAProxy sees every replica UP."""
        assert self.haproxy is not None
        wait_healthy(self.url + "/_stcore/health", self.haproxy, self.haproxy_log, timeout_s)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            states = self.server_states()
            if states and all(s.startswith("UP") for s in states.values()):
                return
            time.sleep(0.2)
        raise RuntimeError(f"replicas not all up: {self.server_states()}")

    def haproxy_command(self, command: str) -> str:
        """One command on HAProxy's stats socket (e.g. ``show stat``); its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(self.stats_socket))
            s.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_states(self) -> dict[str, str]:
        """Each replica's state as HAProxy's health checks see it: ``{"r1": "UP", ...}``."""
        try:
            lines = self.haproxy_command("show stat").splitlines()
        except OSError:
            return {}
        if not lines:
            return {}
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
        return {r["svname"]: r["status"] for r in rows
                if r.get("pxname") == "replicas" and r["svname"] not in ("FRONTEND", "BACKEND")}

    def stop(self) -> None:
        if self.haproxy is not None:
            _stop(self.haproxy)
        for proc in self.replicas:
            _stop(proc)
        for log in self._logs:
            log.close()
        self._logs.clear()

    def __enter__(self) -> Deployment:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def default_replicas() -> int:
    """One replica per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.serve", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--replicas", type=int, default=default_replicas(),
                        help="Streamlit processes (default: one per core)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address HAProxy listens on (default 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--port", type=int, default=8501,
                        help="HAProxy's port (default 8501); replicas on 127.0.0.1, the next "
                             "ports up")
    defaults = UploadLimits()
    parser.add_argument("--uploads-per-burst", type=int, default=defaults.per_burst,
                        help=f"uploads per client address in {defaults.burst_seconds} s "
                             f"(default {defaults.per_burst})")
    parser.add_argument("--uploads-per-hour", type=int, default=defaults.per_hour,
                        help=f"uploads per client address per hour (default {defaults.per_hour})")
    parser.add_argument("--print-config", action="store_true",
                        help="print the HAProxy configuration for these settings and exit")
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    uploads = UploadLimits(per_burst=args.uploads_per_burst, per_hour=args.uploads_per_hour)
    replica_ports = [args.port + i for i in range(1, args.replicas + 1)]
    if args.print_config:
        print(render_config(replica_ports, f"{args.host}:{args.port}",
                            Path("/run/haproxy/playground.sock"), uploads), end="")
        return 0
    run_dir = Path(tempfile.mkdtemp(prefix="nn-playground-deploy-"))
    deployment = Deployment(run_dir, args.replicas, args.host, args.port, uploads, replica_ports)

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        with deployment:
            print(f"{args.replicas} replicas behind HAProxy: {deployment.url}  "
                  f"(logs and configuration in {run_dir}; Ctrl-C stops)", flush=True)
            reported: set[int] = set()
            while True:
                for i, proc in enumerate(deployment.replicas):
                    if proc.poll() is not None and i not in reported:
                        reported.add(i)
                        print(f"replica r{i + 1} exited ({proc.returncode}); HAProxy sends its "
                              f"visitors to the others. Log: {deployment.replica_log(i)}",
                              file=sys.stderr, flush=True)
                assert deployment.haproxy is not None
                if len(reported) == len(deployment.replicas) or \
                        deployment.haproxy.poll() is not None:
                    print(f"stopping: nothing left to serve (see {run_dir})", file=sys.stderr)
                    return 1
                time.sleep(1)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
