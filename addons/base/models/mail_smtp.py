"""Outgoing email without models: the `[smtp]` and `[mail]` settings, building an
RFC 5322 message (HTML with a plain-text alternative) with the standard library's
`email` package, and sending it with `smtplib` (docs/mail.md, "Sending email").

The password is never logged nor put in an error message.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr

import lxml.html

from core import config
from core.exceptions import UserError

DEFAULT_SENDER = "tessera@localhost"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_DELAY = 300  # seconds before the first retry; doubled at each attempt
MAX_RETRY_DELAY = 4 * 3600
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "ul",
              "ol", "blockquote", "pre", "section", "article", "header", "footer"}


@dataclass(frozen=True)
class SmtpSettings:
    """The `[smtp]` section of config/tessera.toml, checked."""

    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None  # `from`: the default sender
    timeout: float = DEFAULT_TIMEOUT
    cafile: str | None = None  # extra CA certificates (a self-signed server)

    @property
    def where(self) -> str:
        """host:port, for messages."""
        return f"{self.host}:{self.port}"


def _setting(section: str, key: str, kind, default):
    value = config.get(section, key, None)
    if value is None:
        return default
    ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    if not ok:
        names = {str: "a string", bool: "true or false", int: "a whole number",
                 (int, float): "a number"}
        raise UserError(f"[{section}] {key} = {value!r} in {config.config_path()} must be "
                        f"{names[kind]}: correct the configuration file.")
    return value


def smtp_settings() -> SmtpSettings:
    """The SMTP server to send through, from `[smtp]` (UserError on a wrong type)."""
    use_ssl = _setting("smtp", "ssl", bool, False)
    starttls = _setting("smtp", "starttls", bool, False)
    if use_ssl and starttls:
        raise UserError(f"[smtp] in {config.config_path()} sets both ssl and starttls: "
                        "use ssl for port 465, starttls for port 587.")
    port = _setting("smtp", "port", int, 465 if use_ssl else 587 if starttls else 25)
    if not 0 < port < 65536:
        raise UserError(f"[smtp] port = {port} in {config.config_path()} is not a port "
                        "number (1 to 65535).")
    timeout = _setting("smtp", "timeout", (int, float), DEFAULT_TIMEOUT)
    return SmtpSettings(
        host=_setting("smtp", "host", str, "localhost"), port=port, starttls=starttls,
        ssl=use_ssl, user=_setting("smtp", "user", str, None) or None,
        password=_setting("smtp", "password", str, None), timeout=float(timeout),
        sender=_setting("smtp", "from", str, None) or None,
        cafile=_setting("smtp", "cafile", str, None) or None)


def mail_setting(key: str, default):
    """A value of `[mail]`: send_at_commit (bool), max_attempts (int), retry_delay
    (seconds), batch_size (int)."""
    kind = bool if isinstance(default, bool) else int
    value = _setting("mail", key, kind, default)
    if kind is int and value < 1:
        raise UserError(f"[mail] {key} = {value} in {config.config_path()} must be at "
                        "least 1.")
    return value


def retry_delay(attempts: int) -> int:
    """Seconds to wait before trying again an email that failed `attempts` times."""
    base = mail_setting("retry_delay", DEFAULT_RETRY_DELAY)
    return min(base * 2 ** max(attempts - 1, 0), max(MAX_RETRY_DELAY, base))


# -- addresses and messages ---------------------------------------------------------------
def format_address(name: str | None, email: str) -> str:
    """'Name <email>' with the name quoted when it needs to be ("Agrolait, Michel")."""
    return str(Address(display_name=name or "", addr_spec=email.strip()))


def address_list(text: str | None) -> list[str]:
    """The bare addresses of a header value ("A <a@x>, b@y" -> ["a@x", "b@y"])."""
    return [addr for _name, addr in getaddresses([text or ""]) if "@" in addr]


def new_message_id(email_from: str | None) -> str:
    """A new RFC 5322 Message-ID in the domain of the sender."""
    domain = parseaddr(email_from or "")[1].rpartition("@")[2] or "localhost"
    return make_msgid("tessera", domain=domain)


def html_to_text(html: str | None) -> str:
    """A plain-text version of an email's HTML body: paragraphs and line breaks kept,
    links followed by their address."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return html
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag == "a" and element.get("href", "").startswith(("http", "mailto:")):
            href = element.get("href").removeprefix("mailto:")
            if href != element.text_content().strip():
                element.tail = f" <{href}>" + (element.tail or "")
        elif element.tag == "li":
            element.text = "- " + (element.text or "")
        if element.tag in BLOCK_TAGS:
            element.tail = "\n\n" + (element.tail or "")
    text = root.text_content()
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def one_line(text: str | None) -> str:
    """A header value on one line (no header injection through a subject)."""
    return " ".join((text or "").split())


def build_message(mail, now) -> EmailMessage:
    """The message of a `mail.mail` record: headers, plain text and HTML alternatives."""
    message = EmailMessage()
    message["Subject"] = one_line(mail.subject)
    message["From"] = one_line(mail.email_from)
    message["To"] = one_line(mail.email_to)
    if mail.reply_to:
        message["Reply-To"] = one_line(mail.reply_to)
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(now.replace(tzinfo=dt.UTC))
    message.set_content(html_to_text(mail.body_html) or " ")
    message.add_alternative(mail.body_html or "<p></p>", subtype="html")
    return message


# -- sending ------------------------------------------------------------------------------
class SendError(Exception):
    """Sending one email failed; `permanent` when trying again cannot help."""

    def __init__(self, reason: str, permanent: bool = False, connection: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.connection = connection  # the server could not be reached or logged in to


class SmtpSession:
    """One SMTP connection, opened on the first email and reused for the next ones
    (`with SmtpSession(settings) as session: session.send(message)`)."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Say QUIT (or drop the connection when that fails)."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        try:
            if settings.ssl:
                client = smtplib.SMTP_SSL(settings.host, settings.port,
                                          timeout=settings.timeout, context=self._context())
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            try:
                client.ehlo()
                if settings.starttls:
                    client.starttls(context=self._context())
                    client.ehlo()
                if settings.user:
                    client.login(settings.user, settings.password or "")
            except BaseException:
                client.close()
                raise
        except smtplib.SMTPAuthenticationError as error:
            raise SendError(f"the SMTP server {settings.where} refused the login of "
                            f"{settings.user!r}: {_reply(error)}; check [smtp] user and "
                            "password", connection=True) from None
        except smtplib.SMTPNotSupportedError as error:
            raise SendError(f"the SMTP server {settings.where} does not support what [smtp] "
                            f"asks ({error}); check starttls and user", connection=True) \
                from None
        except (smtplib.SMTPException, OSError) as error:
            raise SendError(f"cannot reach the SMTP server {settings.where}: "
                            f"{_describe(error)}", connection=True) from None
        return client

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        """Send `message` to `recipients`; SendError says why it failed."""
        if not recipients:
            raise SendError("no valid recipient address", permanent=True)
        if self.client is None:
            self.client = self._connect()
        try:
            refused = self.client.send_message(message, from_addr=sender,
                                               to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            raise SendError("the SMTP server refused the recipients: " + "; ".join(
                f"{addr}: {code} {_text(text)}" for addr, (code, text)
                in error.recipients.items()), permanent=all(c >= 500 for c in codes)) \
                from None
        except smtplib.SMTPResponseException as error:
            raise SendError(f"the SMTP server {self.settings.where} refused the email: "
                            f"{_reply(error)}", permanent=error.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()  # the connection is in an unknown state: the next email reconnects
            raise SendError(f"sending through {self.settings.where} failed: "
                            f"{_describe(error)}") from None
        if refused:
            raise SendError("the SMTP server refused some recipients: " + "; ".join(
                f"{addr}: {code} {_text(text)}" for addr, (code, text) in refused.items()),
                permanent=True)


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reply(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_text(error.smtp_error)}".strip()


def _describe(error: BaseException) -> str:
    text = _reply(error) if isinstance(error, smtplib.SMTPResponseException) else str(error)
    return text or type(error).__name__
