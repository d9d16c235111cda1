"""Shared by the SMS tests: a local HTTP server standing in for an SMS provider, and
the configuration pointed at a TOML file of the test's (the test modules make fixtures
of `fake_provider` and `sms_settings`)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from core import config

REJECTED = "+84900000400"  # the fake provider refuses this number (HTTP 400)
SLOW = "+84900000408"  # the fake provider answers this one too late


class FakeProvider:
    """An SMS provider on 127.0.0.1 (a free port): records every request (`requests`:
    dicts with path, headers and json) and answers 200 {"id": "msg-N"}; 400 with an
    error for REJECTED; late for SLOW; `answers` (status, json) are used first."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                size = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(size).decode())
                provider.requests.append({"path": self.path, "json": payload,
                                          "headers": dict(self.headers)})
                status, answer = provider.answer(payload)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, payload) -> tuple[int, dict]:
        """The status and JSON answer for a request."""
        if self.answers:
            return self.answers.pop(0)
        number = str(payload.get("to", ""))
        if number == REJECTED:
            return 400, {"error": {"code": 21211, "message": "unknown number"}}
        if number == SLOW:
            time.sleep(1.0)
        return 200, {"id": f"msg-{len(self.requests)}", "status": "queued"}

    def close(self) -> None:
        """Stop the server."""
        self.server.shutdown()
        self.server.server_close()


def fake_provider():
    """For a fixture: a fake SMS provider, stopped afterwards."""
    fake = FakeProvider()
    yield fake
    fake.close()


def sms_settings(tmp_path, monkeypatch):
    """For a fixture: `write(**keys)` puts an [sms] section in a TOML file of the test
    and makes it the configuration (values written as JSON, which TOML reads for
    strings, numbers, booleans and lists); the configuration is restored afterwards."""

    def write(**keys):
        lines = ["[sms]"] + [f"{key} = {json.dumps(value)}" for key, value in keys.items()]
        path = tmp_path / "tessera.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        monkeypatch.setenv(config.CONFIG_VARIABLE, str(path))
        config.reload()
        return path

    write()
    yield write
    monkeypatch.delenv(config.CONFIG_VARIABLE)
    config.reload()
