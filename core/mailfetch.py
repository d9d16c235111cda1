"""`tessera fetchmail`: deliver the unread messages of a Maildir or an IMAP mailbox
through the gateway (core.mailgate), each in a transaction of its own.

A message is marked read (Maildir: moved to `cur/` with the `S` flag; IMAP: the
`\\Seen` flag) only once the transaction that delivered it, or kept it as a failed
message, has committed: a crash in between delivers it again at the next run
(at least once), never zero times.

    [fetchmail]
    maildir = "/var/mail/sales"       # a Maildir (new/ cur/ tmp/), or:
    imap_host = "imap.example.com"
    imap_port = 993                   # default 993 with ssl, 143 without
    imap_user = "sales@example.com"
    imap_password = "..."
    imap_ssl = true                   # default true (without: STARTTLS when offered)
    imap_folder = "INBOX"             # default INBOX
    limit = 200                       # messages per run (default 200)
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from core import config
from core.mailgate import GatewayError, deliver_in

_logger = logging.getLogger("tessera.fetchmail")

DEFAULT_LIMIT = 200
INFO = ":2,"  # the Maildir info separator and version (flags follow)


@dataclass
class Summary:
    """What a fetch did: messages delivered, kept as failed, left for next time."""

    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for the command's output."""
        text = f"{self.delivered} delivered, {self.failed} kept as failed messages"
        if self.errors:
            text += f", {len(self.errors)} left for the next run ({self.errors[0]})"
        return text


def fetch(database, maildir: str | None = None) -> Summary:
    """Fetch from `maildir` (a path), else from the configured Maildir or IMAP mailbox."""
    limit = config.get("fetchmail", "limit", DEFAULT_LIMIT)
    maildir = maildir or config.get("fetchmail", "maildir")
    if maildir:
        return fetch_maildir(database, config.resolve_path(maildir), limit)
    if config.get("fetchmail", "imap_host"):
        return fetch_imap(database, imap_settings(), limit)
    raise GatewayError(f"nothing to fetch: set [fetchmail] maildir or imap_host in "
                       f"{config.config_path()} (or give --maildir)")


def _deliver(database, raw: bytes, summary: Summary, where: str) -> bool:
    """Deliver one message; True when it is safe in the database (delivered or kept)."""
    try:
        outcome = deliver_in(database, raw)
    except Exception as error:  # database down...: left unread, for later
        _logger.warning("message %s not stored, left for the next run: %s", where, error)
        summary.errors.append(f"{where}: {error}")
        return False
    if outcome.record:
        summary.delivered += 1
    else:
        summary.failed += 1
    return True


# -- Maildir --------------------------------------------------------------------------------
def _flags(name: str) -> set[str]:
    return set(name.partition(INFO)[2]) if INFO in name else set()


def fetch_maildir(database, path: Path, limit: int = DEFAULT_LIMIT) -> Summary:
    """Deliver the unread messages of the Maildir at `path` (those of `new/`, and those
    of `cur/` without the S flag), oldest first, at most `limit`."""
    path = Path(path)
    if not (path / "new").is_dir() or not (path / "cur").is_dir():
        raise GatewayError(f"{path} is not a Maildir (it needs new/ and cur/ folders)")
    unread = []
    for folder in ("new", "cur"):
        for entry in os.scandir(path / folder):
            if entry.is_file() and not entry.name.startswith(".") \
                    and "S" not in _flags(entry.name):
                unread.append((entry.stat().st_mtime, folder, entry.name))
    summary = Summary()
    for _mtime, folder, name in sorted(unread)[:limit]:
        source = path / folder / name
        try:
            raw = source.read_bytes()
        except OSError as error:  # taken by another fetch meanwhile
            summary.errors.append(f"{source}: {error}")
            continue
        if _deliver(database, raw, summary, str(source)):
            base = name.partition(INFO)[0]
            flags = "".join(sorted(_flags(name) | {"S"}))
            os.replace(source, path / "cur" / f"{base}{INFO}{flags}")
    return summary


# -- IMAP -----------------------------------------------------------------------------------
@dataclass
class ImapSettings:
    """Where the IMAP mailbox is (from `[fetchmail]`)."""

    host: str
    port: int
    user: str
    password: str
    ssl: bool = True
    folder: str = "INBOX"


def imap_settings() -> ImapSettings:
    """The IMAP settings of `[fetchmail]`."""
    use_ssl = config.get("fetchmail", "imap_ssl", True)
    return ImapSettings(
        host=config.get("fetchmail", "imap_host"),
        port=int(config.get("fetchmail", "imap_port", 993 if use_ssl else 143)),
        user=config.get("fetchmail", "imap_user", ""),
        password=config.get("fetchmail", "imap_password", ""), ssl=bool(use_ssl),
        folder=config.get("fetchmail", "imap_folder", "INBOX"))


def _check(response, what: str):
    status, data = response
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise GatewayError(f"IMAP {what} refused: {detail or status}")
    return data


def _connect(settings: ImapSettings):
    try:
        if settings.ssl:
            client = imaplib.IMAP4_SSL(settings.host, settings.port,
                                       ssl_context=ssl.create_default_context())
        else:
            client = imaplib.IMAP4(settings.host, settings.port)
            if "STARTTLS" in client.capabilities:
                client.starttls(ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error) as error:
        raise GatewayError(f"cannot reach the IMAP server {settings.host}:{settings.port}: "
                           f"{error}") from error
    try:
        _check(client.login(settings.user, settings.password), "login")
    except imaplib.IMAP4.error as error:
        raise GatewayError(f"IMAP login of {settings.user!r} on {settings.host} refused: "
                           f"{error}") from error
    return client


def fetch_imap(database, settings: ImapSettings, limit: int = DEFAULT_LIMIT) -> Summary:
    """Deliver the unseen messages of the IMAP folder, at most `limit`, marking each
    `\\Seen` once it is safe in the database (read with BODY.PEEK: unmarked before)."""
    client = _connect(settings)
    summary = Summary()
    try:
        _check(client.select(f'"{settings.folder}"'), f"folder {settings.folder!r}")
        uids = _check(client.uid("SEARCH", None, "UNSEEN"), "search")[0].split()
        for uid in uids[:limit]:
            data = _check(client.uid("FETCH", uid, "(BODY.PEEK[])"), "fetch")
            raw = next((item[1] for item in data if isinstance(item, tuple)), None)
            if raw is None:
                summary.errors.append(f"IMAP message {uid.decode()}: no content")
                continue
            if _deliver(database, raw, summary, f"IMAP message {uid.decode()}"):
                _check(client.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "store")
    except imaplib.IMAP4.error as error:
        raise GatewayError(f"IMAP error on {settings.host}: {error}") from error
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return summary
