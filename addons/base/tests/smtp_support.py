"""A real SMTP server for the email tests: aiosmtpd on 127.0.0.1 (a free port),
recording what it receives, and a configuration file pointing Tessera at it.

    server = SmtpServer().start()
    server.refuse = "451 4.3.0 Try again later"    # refuse the next emails (DATA)
    server.messages                                # [Received(sender, recipients, message)]
    server.stop()
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from core import config


def free_port() -> int:
    """A TCP port nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One email as the server got it."""

    sender: str
    recipients: list[str]
    message: EmailMessage
    login: str | None = None


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps every email (or refuses it with `refuse`)."""

    messages: list[Received] = field(default_factory=list)
    refuse: str | None = None
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's name
        if self.refuse:
            return self.refuse
        if self.delay:
            time.sleep(self.delay)  # a slow server: blocks its loop, like a busy one
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) \
            else session.auth_data
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          message, login))
        return "250 Message accepted"


class SmtpServer:
    """aiosmtpd on 127.0.0.1; `tls` (certificate, key) enables STARTTLS, required, and
    `logins` {user: password} requires AUTH."""

    def __init__(self, tls: tuple[Path, Path] | None = None, logins: dict | None = None):
        self.handler = Recorder()
        self.port = free_port()
        self.logins = logins
        kwargs = {}
        if tls:
            import ssl

            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            kwargs.update(tls_context=context, require_starttls=True)
        if logins is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=bool(tls))
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     ready_timeout=10, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if self.logins.get(user) == password:
                return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    @property
    def messages(self) -> list[Received]:
        """What the server received, in order."""
        return self.handler.messages

    @property
    def refuse(self) -> str | None:
        """The reply refusing every email (None: accept)."""
        return self.handler.refuse

    @refuse.setter
    def refuse(self, reply: str | None) -> None:
        self.handler.refuse = reply

    def start(self) -> SmtpServer:
        """Listen (returns self)."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self.controller.stop()


def write_config(path: Path, port: int, monkeypatch=None, **sections) -> Path:
    """A TOML file for the server on `port` (`[smtp]` defaults overridden by
    sections["smtp"], other sections as given), used by this process through
    $TESSERA_CONFIG when `monkeypatch` is given."""
    smtp = {"host": "127.0.0.1", "port": port, "from": "Tessera <noreply@tessera.example>",
            "timeout": 5, **sections.pop("smtp", {})}
    mail = {"send_at_commit": False, **sections.pop("mail", {})}
    lines = []
    for name, values in [("smtp", smtp), ("mail", mail), *sections.items()]:
        lines.append(f"[{name}]")
        lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if monkeypatch is not None:
        monkeypatch.setenv(config.CONFIG_VARIABLE, str(path))
        config.reload()
    return path


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made with the openssl command."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) bodies of a received email (line ends as "\n")."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return tuple(part.get_content().replace("\r\n", "\n") if part else ""
                 for part in (text, html))
