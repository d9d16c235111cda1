"""`tessera mail-gateway` and `tessera fetchmail` as an MTA and an operator run them
(real subprocesses): one message on stdin, failed messages delivered again, a Maildir
(the stdlib's mailbox.Maildir), an IMAP mailbox (a small IMAP4rev1 server of this test
on 127.0.0.1, spoken to by the stdlib's imaplib), and the exit status an MTA relies
on. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import mailbox
import os
import re
import socketserver
import subprocess
import sys
import threading
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from core import Database
from tests.conftest import ENGINES, database_url

REPO = Path(__file__).resolve().parents[1]
ALIAS = "sales@example.com"


@pytest.fixture(scope="module", params=ENGINES)
def crm_db(request, tmp_path_factory):
    """A database with base and crm installed, shared by the module's tests."""
    with database_url(request.param, tmp_path_factory.mktemp("mailgate"), request) as url:
        database = Database(url)
        with database.env() as env:
            env.addons.install(["base", "crm"])
        yield database
        database.dispose()


@pytest.fixture
def configure(tmp_path):
    """`configure(**sections)` writes the configuration file the commands read."""
    path = tmp_path / "tessera.toml"

    def write(**sections):
        sections = {"crm": {"alias": ALIAS}, "mail": {"send_at_commit": False},
                    "attachments": {"filestore": str(tmp_path / "filestore")}, **sections}
        lines = []
        for name, values in sections.items():
            lines.append(f"[{name}]")
            lines += [f"{key} = {value!r}".replace("'", '"') if isinstance(value, str)
                      else f"{key} = {str(value).lower()}" for key, value in values.items()]
        path.write_text("\n".join(lines) + "\n")
        return path

    write()
    return write


def tessera(database, config_path, *args, stdin: bytes = b"", url=None):
    url = url or database.engine.url.render_as_string(hide_password=False)
    return subprocess.run([sys.executable, "-m", "core.cli", "--db", url, *args], cwd=REPO,
                          input=stdin, capture_output=True, timeout=120, check=False,
                          env={**os.environ, "TESSERA_CONFIG": str(config_path)})


def message(subject: str, to: str = ALIAS, sender="An <an@example.vn>") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = make_msgid(domain="example.vn")
    msg.set_content(f"About {subject}.\n")
    return msg


def leads_named(database, name) -> int:
    with database.env() as env:
        return env["crm.lead"].search_count([("name", "=", name)])


# -- mail-gateway ---------------------------------------------------------------------------
def test_one_message_on_stdin_becomes_a_lead(crm_db, configure):
    subject = f"Tractors {uuid.uuid4().hex[:6]}"
    result = tessera(crm_db, configure(), "mail-gateway",
                     stdin=message(subject).as_bytes())
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(rb"Delivered to crm\.lead \d+\.\n", result.stdout)
    assert leads_named(crm_db, subject) == 1


def test_undeliverable_is_kept_then_retried(crm_db, configure):
    subject = f"Nobody {uuid.uuid4().hex[:6]}"
    result = tessera(crm_db, configure(crm={"alias": "other@example.com"}), "mail-gateway",
                     stdin=message(subject, to="later@example.com").as_bytes())
    assert result.returncode == 0, result.stderr  # kept: the MTA must not bounce it
    assert b"Not delivered: no route" in result.stdout
    assert b"mail.gateway.failure" in result.stdout and leads_named(crm_db, subject) == 0
    quiet = tessera(crm_db, configure(crm={"alias": "other@example.com"}), "mail-gateway",
                    "--retry-failed")
    assert quiet.returncode == 0 and b"still failed" in quiet.stdout
    retried = tessera(crm_db, configure(crm={"alias": "later@example.com"}), "mail-gateway",
                      "--retry-failed")
    assert retried.returncode == 0, retried.stderr
    assert re.match(rb"Failed messages: [1-9]\d* delivered", retried.stdout)
    assert leads_named(crm_db, subject) == 1


def test_a_database_that_cannot_store_it_makes_the_mta_try_again(crm_db, configure,
                                                                  tmp_path):
    url = f"sqlite:///{tmp_path}"  # a folder: the database cannot be opened
    result = tessera(crm_db, configure(), "mail-gateway", url=url,
                     stdin=message("Lost?").as_bytes())
    assert result.returncode == 75  # EX_TEMPFAIL: the MTA keeps the message
    assert b"Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        b"Error: the message was not stored")


# -- fetchmail: Maildir ------------------------------------------------------------------------
def test_fetchmail_reads_the_unread_messages_of_a_maildir(crm_db, configure, tmp_path):
    tag = uuid.uuid4().hex[:6]
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for subject in (f"First {tag}", f"Second {tag}"):
        box.add(message(subject))
    box.add(message(f"Stray {tag}", to="nobody@example.org"))
    seen = mailbox.MaildirMessage(message(f"Already read {tag}"))
    seen.set_subdir("cur")
    seen.add_flag("S")
    box.add(seen)
    config_path = configure(fetchmail={"maildir": str(tmp_path / "Maildir")})
    result = tessera(crm_db, config_path, "fetchmail")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"Fetched: 2 delivered, 1 kept as failed messages.\n"
    assert leads_named(crm_db, f"First {tag}") == leads_named(crm_db, f"Second {tag}") == 1
    assert leads_named(crm_db, f"Already read {tag}") == 0
    box = mailbox.Maildir(tmp_path / "Maildir", create=False)
    assert not os.listdir(tmp_path / "Maildir" / "new")
    assert all("S" in message.get_flags() for message in box)  # iterates messages
    again = tessera(crm_db, config_path, "fetchmail", "--maildir",
                    str(tmp_path / "Maildir"))
    assert again.stdout == b"Fetched: 0 delivered, 0 kept as failed messages.\n"


def test_fetchmail_without_a_mailbox_says_what_to_configure(crm_db, configure):
    result = tessera(crm_db, configure(), "fetchmail")
    assert result.returncode == 1
    assert result.stderr.decode().strip().splitlines() == [
        f"Error: nothing to fetch: set [fetchmail] maildir or imap_host in "
        f"{configure()} (or give --maildir)"]


# -- fetchmail: IMAP -----------------------------------------------------------------------------
class ImapBox:
    """A tiny IMAP4rev1 server holding messages in one INBOX (what imaplib needs for
    LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH BODY.PEEK[], UID STORE +FLAGS)."""

    def __init__(self, messages: list[bytes]):
        self.messages = {uid: raw for uid, raw in enumerate(messages, start=1)}
        self.seen: set[int] = set()
        self.logins: list[tuple[str, str]] = []
        box = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"* OK IMAP4rev1 test server ready\r\n")
                for line in self.rfile:
                    tag, command, *rest = line.decode().rstrip("\r\n").split(" ", 2)
                    if not box.answer(self.wfile, tag, command.upper(), " ".join(rest)):
                        return

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, out, tag: str, command: str, args: str) -> bool:
        if command == "CAPABILITY":
            out.write(b"* CAPABILITY IMAP4rev1\r\n")
        elif command == "LOGIN":
            user, password = (part.strip('"') for part in args.split(" ", 1))
            self.logins.append((user, password))
            if password != "secret":
                out.write(f"{tag} NO [AUTHENTICATIONFAILED] wrong password\r\n".encode())
                return True
        elif command == "SELECT":
            out.write(f"* {len(self.messages)} EXISTS\r\n".encode())
        elif command == "UID":
            self.uid(out, args)
        elif command == "LOGOUT":
            out.write(f"* BYE\r\n{tag} OK LOGOUT completed\r\n".encode())
            return False
        out.write(f"{tag} OK {command} completed\r\n".encode())
        return True

    def uid(self, out, args: str) -> None:
        verb, rest = args.split(" ", 1)
        if verb.upper() == "SEARCH":
            unseen = " ".join(str(u) for u in self.messages if u not in self.seen)
            out.write(f"* SEARCH {unseen}\r\n".encode())
        elif verb.upper() == "FETCH":
            uid = int(rest.split(" ", 1)[0])
            raw = self.messages[uid]
            out.write(f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode() + raw
                      + b")\r\n")
        elif verb.upper() == "STORE":
            uid = int(rest.split(" ", 1)[0])
            self.seen.add(uid)
            out.write(f"* {uid} FETCH (UID {uid} FLAGS (\\Seen))\r\n".encode())

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_fetchmail_reads_an_imap_mailbox(crm_db, configure):
    tag = uuid.uuid4().hex[:6]
    box = ImapBox([message(f"Imap one {tag}").as_bytes(),
                   message(f"Imap two {tag}").as_bytes()])
    try:
        imap = {"imap_host": "127.0.0.1", "imap_port": box.port, "imap_ssl": False,
                "imap_user": "sales@example.com", "imap_password": "secret"}
        result = tessera(crm_db, configure(fetchmail=imap), "fetchmail")
        assert result.returncode == 0, result.stderr
        assert result.stdout == b"Fetched: 2 delivered, 0 kept as failed messages.\n"
        assert box.seen == {1, 2} and box.logins == [("sales@example.com", "secret")]
        assert leads_named(crm_db, f"Imap one {tag}") == 1
        again = tessera(crm_db, configure(fetchmail=imap), "fetchmail")
        assert again.stdout == b"Fetched: 0 delivered, 0 kept as failed messages.\n"
        refused = tessera(crm_db, configure(fetchmail={**imap, "imap_password": "nope"}),
                          "fetchmail")
        assert refused.returncode == 1 and b"Traceback" not in refused.stderr
        assert b"IMAP login of 'sales@example.com' on 127.0.0.1 refused" in refused.stderr
    finally:
        box.close()
