"""`tessera serve` with gunicorn workers (core.web.serving): pages and static files with
their headers, graceful stop on SIGTERM and SIGINT, a clear error for a port in use, and
workers that follow addon installs made by another process.

The servers run as real subprocesses (`python -m core.cli ... serve --workers 2`) on
PostgreSQL (SQLite would hide the cross-process part). To be sure that *each* worker
answered, `each_worker` holds one connection open without sending anything: the sync
worker that accepted it is stuck reading it, so the requests sent meanwhile are served by
the other worker; then the held connection gets its request.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import Database, cli
from core.web import serving
from tests.conftest import temporary_pg_database

REPO = Path(__file__).resolve().parents[1]
ADDONS_WEB = REPO / "tests" / "addons_web"
HTTP_TIMEOUT = 15  # seconds for one answer (a worker may be reloading its registry)
START_TIMEOUT = 25  # seconds for a server to answer its first request


def free_port() -> int:
    """A TCP port nothing listens on right now (bind 127.0.0.1:0, then release it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, cookie: str = "") -> tuple[int, dict, bytes]:
    """GET http://127.0.0.1:port/path on a new connection: status, headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def each_worker(port: int, path: str, cookie: str, others: int = 3) -> list[tuple[int, bytes]]:
    """GET `path` so that both workers of a 2-worker server answer: a held connection
    keeps one worker busy while `others` requests go to the other one, then the held
    connection sends its request. Returns [(status, body)], the held one last."""
    held = socket.create_connection(("127.0.0.1", port), timeout=HTTP_TIMEOUT)
    try:
        answers = [get(port, path, cookie) for _ in range(others)]
        held.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
                     "Connection: close\r\n\r\n".encode())
        response = http.client.HTTPResponse(held)
        response.begin()
        answers.append((response.status, {}, response.read()))
    finally:
        held.close()
    return [(status, body) for status, _headers, body in answers]


class Server:
    """`python -m core.cli --db URL --addons-path tests/addons_web serve --workers 2` in
    its own process group; `stop()` signals it, `kill()` (in finally blocks) ends the
    group if it is still there."""

    def __init__(self, url: str, port: int, log: Path, *extra: str):
        self.port = port
        self.log_path = log
        self.log = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "--db", url, "--addons-path", str(ADDONS_WEB),
             "serve", "--workers", "2", "--port", str(port), *extra],
            cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        """What the server printed so far."""
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_ready(self) -> None:
        """Poll /web/login until it answers 200 (bounded in time)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited with {self.proc.returncode}:\n{self.output()}")
            with contextlib.suppress(OSError):
                if get(self.port, "/web/login")[0] == 200:
                    return
            time.sleep(0.1)
        pytest.fail(f"the server did not answer within {START_TIMEOUT} s:\n{self.output()}")

    def stop(self, sig: int, within: float = 8.0) -> tuple[int, float]:
        """Send `sig` and wait for the exit: (exit code, seconds it took)."""
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=within)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the server still runs {within} s after {sig!r}:\n{self.output()}")
        return code, time.monotonic() - start

    def kill(self) -> None:
        """End the server and its workers if they still run; close the log."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def pg_database(pg_server):
    """A new PostgreSQL database with base installed, its Database (this process is the
    "other process" that installs and removes addons while the server runs) and the
    session cookie of an employee (hook routes, like the pages, need a login). Tests
    leave it as they found it."""
    with temporary_pg_database(pg_server) as url:
        database = Database(url, addons_paths=[ADDONS_WEB])
        try:
            with database.env() as env:
                env.addons.install(["base"])
                user = env["res.users"].create({
                    "name": "Employee", "login": "employee",
                    "groups_id": [(6, 0, [env.ref("base.group_user").id])]})
                sid, _token = env["res.users.session"].open(user.id, "127.0.0.1")
            yield url, database, f"tessera_session={sid}"
        finally:
            database.dispose()


@contextlib.contextmanager
def running(url: str, tmp_path: Path, *extra: str):
    """A started server, ready to answer; killed at the end if a test left it running."""
    server = Server(url, free_port(), tmp_path / "server.log", *extra)
    try:
        server.wait_ready()
        yield server
    finally:
        server.kill()


def test_pages_static_files_and_sigterm(pg_database, tmp_path):
    url, _database, _cookie = pg_database
    with running(url, tmp_path) as server:
        status, headers, body = get(server.port, "/web/login")
        assert status == 200
        assert b'name="csrf_token"' in body
        assert headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["Server"].startswith("gunicorn")

        status, headers, body = get(server.port, "/web/static/tessera.css")
        assert status == 200 and body
        assert "max-age=" in headers["Cache-Control"]

        code, seconds = server.stop(signal.SIGTERM)
        assert code == 0, server.output()
        assert seconds < 5
        log = server.output()
        assert "Traceback" not in log
        assert "GET /web/login" not in log  # no access log by default


def test_workers_follow_addon_install_and_uninstall(pg_database, tmp_path):
    url, database, cookie = pg_database
    with running(url, tmp_path) as server:
        assert [status for status, _ in each_worker(server.port, "/ws/ping", cookie)] == [404] * 4

        with database.env() as env:  # another process installs the addon
            env.addons.install(["web_shop"])
        answers = [answer for _ in range(3)
                   for answer in each_worker(server.port, "/ws/ping", cookie)]
        assert [status for status, _ in answers] == [200] * 12
        pids = {int(body.split()[1]) for _, body in answers}
        assert len(pids) == 2, answers
        assert server.proc.pid not in pids  # the master does not serve

        with database.env() as env:  # ... and removes it again
            env.addons.uninstall(["web_shop"])
        assert [status for status, _ in each_worker(server.port, "/ws/ping", cookie)] == [404] * 4

        code, _seconds = server.stop(signal.SIGINT)
        assert code == 0, server.output()
        deadline = time.monotonic() + 5
        while pids and time.monotonic() < deadline:  # the workers are gone with the master
            for pid in list(pids):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    pids.discard(pid)
            time.sleep(0.05)
        assert not pids


def test_taken_port_is_a_clear_error(tmp_path, capsys):
    never = tmp_path / "never.sqlite3"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        start = time.monotonic()
        code = cli.main(["--db", f"sqlite:///{never}", "serve", "--port", str(port)])
    assert code != 0
    out, err = capsys.readouterr()
    assert not out
    assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1
    assert f"127.0.0.1:{port}" in err and "already in use" in err and "--port" in err
    assert time.monotonic() - start < 2  # at once, not after gunicorn's retries
    assert not never.exists()  # the port is checked before the database is opened


def test_check_port_in_process():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(serving.PortInUseError, match="already in use"):
            serving.check_port("127.0.0.1", port)
    serving.check_port("127.0.0.1", free_port())


def test_gunicorn_settings():
    options = serving.ServeOptions(port=free_port(), workers=3)
    server = serving.TesseraServer("sqlite://", [], options, fd=99)
    cfg = server.cfg
    assert cfg.workers == 3 and cfg.worker_class_str == "sync"
    assert cfg.preload_app is False  # each worker builds its Database after the fork
    assert cfg.accesslog is None
    assert cfg.address == [99]
    assert server.database is None  # nothing opened in the master
    logged = serving.TesseraServer("sqlite://", [], serving.ServeOptions(access_log=True), 99)
    assert logged.cfg.accesslog == "-"
