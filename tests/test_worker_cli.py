"""`tessera worker` as an operator runs it (real subprocesses): one round with --once,
rounds every --interval until SIGTERM or Ctrl+C, one line per round that did
something, errors as one line without a traceback. The queued emails go to a real
SMTP server (aiosmtpd on 127.0.0.1). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from addons.base.tests.smtp_support import SmtpServer, write_config
from core import Database
from tests.conftest import ENGINES, database_url

REPO = Path(__file__).resolve().parents[1]
ROUND_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: (\d+) job\(s\) done")


@pytest.fixture(scope="module", params=ENGINES)
def base_db(request, tmp_path_factory):
    """A database with base installed, shared by the module's tests."""
    with database_url(request.param, tmp_path_factory.mktemp("worker"), request) as url:
        database = Database(url)
        with database.env() as env:
            env.addons.install(["base"])
        yield database
        database.dispose()


@pytest.fixture
def smtp(base_db, tmp_path, monkeypatch):
    """An SMTP server; $TESSERA_CONFIG points at it (sending at commit off) for this
    process and the worker's."""
    server = SmtpServer().start()
    server.config = write_config(tmp_path / "tessera.toml", server.port, monkeypatch)
    yield server
    server.stop()
    with base_db.env() as env:  # what a test left outgoing is not the next one's
        env["mail.mail"].search([("state", "=", "outgoing")]).write({"state": "cancel"})


def queue(database, count: int) -> list[int]:
    """Queue `count` emails (committed); their ids."""
    with database.env() as env:
        tag = uuid.uuid4().hex[:6]
        return env["mail.mail"].create([
            {"subject": f"Worker {tag} {i}", "body_html": "<p>Hello</p>",
             "email_to": f"w{i}@example.com"} for i in range(count)]).ids


def command(database, *args) -> list[str]:
    url = database.engine.url.render_as_string(hide_password=False)
    return [sys.executable, "-m", "core.cli", "--db", url, "worker", *args]


def run(database, *args) -> subprocess.CompletedProcess:
    return subprocess.run(command(database, *args), cwd=REPO, capture_output=True, text=True,
                          timeout=120, check=False, env=dict(os.environ))


def states(database, ids) -> list[str]:
    with database.env() as env:
        return env["mail.mail"].browse(ids).mapped("state")


def test_once_sends_the_queue_and_prints_one_line(base_db, smtp):
    ids = queue(base_db, 2)
    result = run(base_db, "--once")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [line] = result.stdout.splitlines()
    assert ROUND_LINE.match(line).group(1) == "2" and line.endswith("(base: 2)")
    assert sorted(r.recipients[0] for r in smtp.messages) == ["w0@example.com",
                                                              "w1@example.com"]
    assert states(base_db, ids) == ["sent", "sent"]

    quiet = run(base_db, "--once")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    verbose = run(base_db, "--once", "--verbose")
    assert verbose.returncode == 0
    assert [ROUND_LINE.match(line).group(1) for line in verbose.stdout.splitlines()] == ["0"]


def test_a_failing_round_is_one_line_on_stderr_and_exit_1(base_db, smtp, tmp_path,
                                                          monkeypatch):
    ids = queue(base_db, 1)
    write_config(tmp_path / "bad.toml", smtp.port, monkeypatch, smtp={"port": "abc"})
    result = run(base_db, "--once")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"Error: base: [smtp] port = 'abc' in {tmp_path / 'bad.toml'} must be a whole "
        "number: correct the configuration file."]
    assert states(base_db, ids) == ["outgoing"]  # nothing changed: sent once it is fixed


def test_an_unreachable_server_is_kept_as_the_emails_error(base_db, smtp, tmp_path,
                                                           monkeypatch):
    ids = queue(base_db, 1)
    smtp.refuse = "451 4.3.0 Busy"
    result = run(base_db, "--once")
    assert result.returncode == 0, result.stderr
    assert "451 4.3.0 Busy" in result.stderr and "Traceback" not in result.stderr
    with base_db.env() as env:
        mail = env["mail.mail"].browse(ids)
        assert (mail.state, mail.attempts) == ("outgoing", 1)
        assert "451 4.3.0 Busy" in mail.failure_reason


def test_an_unreachable_database_is_one_line(smtp, base_db):
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", "--db", "postgresql://postgres@127.0.0.1:1/none",
         "worker", "--once"], cwd=REPO, capture_output=True, text=True, timeout=120,
        check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: database error:")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_rounds_run_until_a_signal_stops_the_worker(base_db, smtp, signum):
    worker = subprocess.Popen(command(base_db, "--interval", "0.2"), cwd=REPO, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ids = queue(base_db, 1)  # queued while the worker runs: sent by a later round
        deadline = time.monotonic() + 60
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(smtp.messages) == 1
        worker.send_signal(signum)
        stdout, stderr = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, stderr
    assert "Traceback" not in stderr
    lines = stdout.splitlines()
    assert lines[0].startswith("Worker on ") and "a round every 0.2 s" in lines[0]
    assert [ROUND_LINE.match(line).group(1) for line in lines[1:-1]] == ["1"]
    assert lines[-1] == "Worker stopped."
    assert states(base_db, ids) == ["sent"]
