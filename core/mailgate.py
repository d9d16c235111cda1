"""The incoming email gateway: read an RFC 822 message, decode it robustly and hand it
to the addons through the `mail_gateway_route` hook (base appends replies to their
thread, crm turns messages to its alias into leads...).

    from core import mailgate
    outcome = mailgate.deliver(env, raw_bytes)      # in a transaction of the caller
    incoming = mailgate.read_message(message)       # in a hook: the decoded view

Nothing is ever lost: a message that cannot be read, that no addon routes, whose
routing fails, or that is bigger than `[mail_gateway] max_size` is kept with the reason
in the failed-messages model `mail.gateway.failure` (base), when it is installed, and
can be delivered again later (`tessera mail-gateway --retry-failed`). Without that model
`deliver` raises GatewayError, and `tessera mail-gateway` exits with 75 (EX_TEMPFAIL) so
that the MTA keeps the message and tries again. Core knows that model only by name: it
imports no addon.

Decoding never fails: an unknown or wrong charset falls back to UTF-8, then
Windows-1252, then Latin-1 (which decodes any byte); malformed headers are read raw; a
body longer than `[mail_gateway] max_body` characters is cut (with a note), and the whole message is
then attached as `message.eml`.

Configuration (`config/tessera.toml`):

    [mail_gateway]
    max_size = 25_000_000   # bytes of a whole message (bigger: not delivered, kept as failed)
    max_body = 200_000      # characters of the body kept in the record (longer: cut)
"""

from __future__ import annotations

import codecs
import datetime as dt
import email
import email.header
import email.policy
import email.utils
import html
import logging
import mimetypes
import re
from dataclasses import dataclass, field

from core import config
from core.exceptions import TesseraError

_logger = logging.getLogger("tessera.mailgate")

FAILURE_MODEL = "mail.gateway.failure"
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and tries again later
DEFAULT_MAX_SIZE = 25_000_000
DEFAULT_MAX_BODY = 200_000
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


class GatewayError(TesseraError):
    """A message could not be delivered nor kept as a failed message."""


@dataclass
class Attachment:
    """A file of an incoming message."""

    name: str
    content: bytes
    mimetype: str


@dataclass
class Incoming:
    """The decoded view of an incoming message (`read_message`)."""

    raw: bytes
    message_id: str = ""
    subject: str = ""
    sender_name: str = ""
    sender_email: str = ""
    recipients: list[str] = field(default_factory=list)  # addresses, lower case
    references: list[str] = field(default_factory=list)  # In-Reply-To first
    date: dt.datetime | None = None  # naive UTC
    body_html: str = ""  # HTML (the message's, or its text escaped); not yet sanitized
    attachments: list[Attachment] = field(default_factory=list)
    truncated: bool = False

    @property
    def sender(self) -> str:
        """The sender as "Name <address>" (or what is known of it)."""
        if self.sender_name and self.sender_email:
            return f"{self.sender_name} <{self.sender_email}>"
        return self.sender_email or self.sender_name or "unknown sender"


@dataclass
class Outcome:
    """What became of a message: the record it went to, or the failure keeping it."""

    record: object = None
    failure: object = None
    reason: str = ""
    incoming: Incoming | None = None


# -- reading -------------------------------------------------------------------------------
def setting(key: str, default: int) -> int:
    """An integer of `[mail_gateway]` (the default when unset)."""
    value = config.get("mail_gateway", key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise GatewayError(f"[mail_gateway] {key} in {config.config_path()} must be a "
                           f"positive number of {'bytes' if key == 'max_size' else 'characters'}"
                           f", not {value!r}")
    return value


def parse(raw: bytes) -> email.message.EmailMessage:
    """The message of `raw` bytes (the stdlib parser with the modern policy)."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def decode_text(payload: bytes, charset: str | None) -> str:
    """`payload` as text: its charset, else UTF-8, else Windows-1252 (mislabelled
    Western text), else Latin-1 (which decodes any byte: never fails)."""
    candidates = [charset, "utf-8", "cp1252"] if charset else ["utf-8", "cp1252"]
    for name in candidates:
        try:
            codecs.lookup(name)
            return payload.decode(name)
        except (LookupError, UnicodeDecodeError, TypeError):
            continue
    return payload.decode("latin-1")


def header(message, name: str) -> str:
    """The decoded value of header `name` ("" when absent), even when malformed."""
    try:
        value = message.get(name)
        return " ".join(str(value).split()) if value is not None else ""
    except Exception:  # a header the policy cannot parse: read it raw
        pass
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            parts = []
            try:
                for chunk, charset in email.header.decode_header(str(value)):
                    parts.append(decode_text(chunk, charset) if isinstance(chunk, bytes)
                                 else chunk)
            except Exception:  # keep the raw text
                parts = [str(value)]
            return " ".join("".join(parts).split())
    return ""


def _leaves(part, depth: int = 0):
    """The non-multipart parts of a message, depth first (attached messages are
    leaves: they are kept whole)."""
    payload = part.get_payload() if part.is_multipart() else None
    if part.get_content_maintype() == "multipart" and isinstance(payload, list) \
            and depth < 20:
        for sub in payload:
            yield from _leaves(sub, depth + 1)
    else:
        yield part


def _content(part) -> bytes:
    """The decoded bytes of a part (base64 and quoted-printable undone)."""
    if part.get_content_maintype() in ("message", "multipart"):
        try:
            return part.as_bytes(policy=email.policy.compat32)
        except Exception:
            return str(part).encode("utf-8", "replace")
    try:
        content = part.get_payload(decode=True)
    except Exception:
        content = None
    if content is None:
        raw = part.get_payload()
        content = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return content


def _charset(part) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _filename(part) -> str | None:
    try:
        return part.get_filename()
    except Exception:
        return None


def read_message(message) -> Incoming:
    """The decoded view of `message` (an email.message.EmailMessage), computed once."""
    cached = getattr(message, "_tessera_incoming", None)
    if cached is not None:
        return cached
    incoming = _read(message)
    message._tessera_incoming = incoming
    return incoming


def _read(message) -> Incoming:
    raw = getattr(message, "_tessera_raw", None)
    if raw is None:
        raw = message.as_bytes(policy=email.policy.compat32)
    sender_name, sender_email = email.utils.parseaddr(header(message, "From"))
    recipients = []
    for name in RECIPIENT_HEADERS:
        for _name, address in email.utils.getaddresses([header(message, name)]):
            if "@" in address and address.lower() not in recipients:
                recipients.append(address.lower())
    references = []
    for name in ("In-Reply-To", "References"):
        for found in MESSAGE_ID.findall(header(message, name)):
            if found not in references:
                references.append(found)
    incoming = Incoming(
        raw=raw, message_id=(MESSAGE_ID.findall(header(message, "Message-ID")) or [""])[0],
        subject=header(message, "Subject"), sender_name=sender_name,
        sender_email=sender_email.lower() if "@" in sender_email else "",
        recipients=recipients, references=references, date=_date(header(message, "Date")))
    _read_parts(message, incoming)
    return incoming


def _date(value: str) -> dt.datetime | None:
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _read_parts(message, incoming: Incoming) -> None:
    """The body (HTML preferred over text) and the attachments."""
    html_body = text_body = None
    for number, part in enumerate(_leaves(message), start=1):
        mimetype = part.get_content_type()
        name = _filename(part)
        is_attachment = part.get_content_disposition() == "attachment" or name
        if not is_attachment and mimetype == "text/html" and html_body is None:
            html_body = decode_text(_content(part), _charset(part))
        elif not is_attachment and mimetype == "text/plain" and text_body is None:
            text_body = decode_text(_content(part), _charset(part)).replace("\r\n", "\n")
        elif part.get_content_maintype() != "multipart":
            extension = mimetypes.guess_extension(mimetype) or ".bin"
            if mimetype == "message/rfc822":
                extension = ".eml"
            incoming.attachments.append(Attachment(
                name=(name or f"part-{number}{extension}").replace("/", "_")[:200],
                content=_content(part), mimetype=mimetype))
    if html_body is not None:
        body = html_body
    else:
        body = "".join(f"<p>{html.escape(line)}</p>" if line.strip() else ""
                       for line in (text_body or "").split("\n\n"))
        body = body.replace("\n", "<br>")
    limit = setting("max_body", DEFAULT_MAX_BODY)
    if len(body) > limit:
        cut = len(body) - limit
        body = body[:limit] + (f"<p><em>[{cut} characters cut: the message is too long "
                               "([mail_gateway] max_body); the whole message is attached "
                               "as message.eml]</em></p>")
        incoming.truncated = True
        incoming.attachments.append(Attachment("message.eml", incoming.raw, "message/rfc822"))
    incoming.body_html = body


# -- delivering ----------------------------------------------------------------------------
def route(env, raw: bytes) -> Outcome:
    """Decode `raw` and route it through `mail_gateway_route` inside a savepoint:
    Outcome(record=...) when an addon took it, else Outcome(reason=...) (nothing of a
    failed routing is left behind)."""
    max_size = setting("max_size", DEFAULT_MAX_SIZE)
    if len(raw) > max_size:
        return Outcome(reason=f"the message is {len(raw)} bytes, more than the {max_size} "
                              "allowed ([mail_gateway] max_size)")
    if not raw.strip():
        return Outcome(reason="the message is empty")
    try:
        message = parse(raw)
        message._tessera_raw = raw
        incoming = read_message(message)
    except GatewayError:
        raise
    except Exception as error:  # any parser failure: keep the message
        return Outcome(reason=f"the message cannot be read: {type(error).__name__}: {error}")
    try:
        with env.savepoint():
            record = env.hooks.mail_gateway_route(env=env, message=message)
    except Exception as error:  # a routing failure: keep the message
        _logger.warning("incoming email %s: routing failed", incoming.message_id,
                        exc_info=True)
        return Outcome(reason=f"routing failed: {type(error).__name__}: {error}",
                       incoming=incoming)
    if record is None or not getattr(record, "_ids", None):
        return Outcome(reason="no route: not a reply to a message we sent and not sent to "
                              "an address an addon handles (e.g. the [crm] alias)",
                       incoming=incoming)
    return Outcome(record=record, incoming=incoming)


def deliver(env, raw: bytes) -> Outcome:
    """Route one message; when that fails, keep it as a failed message (GatewayError
    when the failed-messages model is not installed). Runs in `env`'s transaction."""
    outcome = route(env, raw)
    if outcome.record is not None:
        _logger.info("incoming email delivered to %s %s", outcome.record._name,
                     outcome.record.id)
        return outcome
    _logger.warning("incoming email not delivered: %s", outcome.reason)
    if FAILURE_MODEL not in env.registry:
        raise GatewayError(f"the message was not delivered ({outcome.reason}) and cannot be "
                           f"kept: {FAILURE_MODEL} is not installed")
    outcome.failure = env[FAILURE_MODEL].sudo()._gateway_store(raw, outcome.reason,
                                                               outcome.incoming)
    return outcome


def retry_failed(env, failures=None) -> tuple[int, int]:
    """Route the failed messages again (`failures`, default: all still failed):
    (delivered, still failed). Each delivered one records where it went."""
    if FAILURE_MODEL not in env.registry:
        raise GatewayError(f"there are no failed messages: {FAILURE_MODEL} is not installed")
    model = env[FAILURE_MODEL].sudo()
    failures = model.search([("state", "=", "failed")]) if failures is None \
        else failures.sudo()
    delivered = 0
    for failure in failures:
        outcome = route(env, failure.raw or b"")
        failure._gateway_retried(outcome)
        delivered += outcome.record is not None
    return delivered, len(failures) - delivered


def deliver_in(database, raw: bytes) -> Outcome:
    """`deliver` in a transaction of its own, committed (a GatewayError or a database
    error means the message was not kept: the caller must keep it)."""
    with database.env() as env:
        outcome = deliver(env, raw)
        return Outcome(record=_label(outcome.record), failure=_label(outcome.failure),
                       reason=outcome.reason)


def _label(record) -> str | None:
    """"model id" of a record (recordsets do not outlive their transaction)."""
    return f"{record._name} {record.id}" if record is not None else None
