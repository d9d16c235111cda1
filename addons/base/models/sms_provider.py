"""What sending an SMS needs outside the database: phone number normalisation, the
length and parts of a text (GSM-7 or UCS-2), the `[sms]` configuration and the
providers that deliver messages (`LogProvider`, `HttpProvider`); see docs/sms.md.

The web client's live counter (core/web/static/tessera.js, `widget="sms"`) counts
exactly like `measure()`: keep them in step.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from core import config
from core.exceptions import UserError

_logger = logging.getLogger(__name__)

# GSM 03.38: the basic character set (one septet each, the escape code left out) and
# its extension table (an escape septet plus one: two each).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}  # (one SMS, each part of a long one)

NUMBER_SEPARATORS = re.compile(r"[\s().\-/]")
MIN_DIGITS, MAX_DIGITS = 6, 15  # E.164 numbers have at most 15 digits

DEFAULT_BRAND = "Tessera"
DEFAULT_BODY = {"from": "{brand}", "to": "{number}", "text": "{body}"}
PLACEHOLDERS = ("brand", "number", "body", "id")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


# -- texts and numbers ---------------------------------------------------------------------
@dataclass(frozen=True)
class SmsLength:
    """How a text travels: its encoding, its length in that encoding's units (a GSM
    extension character or a UCS-2 surrogate pair counts 2), the number of SMS parts
    and what is left in the last one."""

    encoding: str
    length: int
    segments: int
    remaining: int

    def describe(self) -> str:
        """One line for the user, e.g. "45 characters, 1 SMS (GSM-7), 115 left"."""
        parts = "SMS" if self.segments == 1 else "SMS parts"
        return (f"{self.length} characters, {self.segments} {parts} ({self.encoding}), "
                f"{self.remaining} left")


def clean_body(text: str | None) -> str:
    """The text as it is sent: browsers post CR LF line ends, an SMS has LF."""
    return (text or "").replace("\r\n", "\n")


def measure(text: str | None) -> SmsLength:
    """The encoding, length and number of parts of `text`. GSM-7 when every character
    is in the GSM basic or extension table (160 per SMS, 153 per part of a long one),
    else UCS-2 (70, 67): Vietnamese and Russian texts are UCS-2. A character never
    straddles two parts."""
    text = clean_body(text)
    if all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text):
        encoding = "GSM-7"
        units = [2 if ch in GSM_EXTENSION else 1 for ch in text]
    else:
        encoding = "UCS-2"
        units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    single, part = LIMITS[encoding]
    length = sum(units)
    if length <= single:
        return SmsLength(encoding, length, 1 if length else 0, single - length)
    segments, used = 1, 0
    for unit in units:
        if used + unit > part:
            segments, used = segments + 1, 0
        used += unit
    return SmsLength(encoding, length, segments, part - used)


def normalize_number(raw: str | None) -> str:
    """The number as sent: "+" (for "+" or "00") then digits, separators (spaces,
    ( ) . - /) dropped. ValueError, saying why, for anything else or a number of
    fewer than 6 or more than 15 digits."""
    text = NUMBER_SEPARATORS.sub("", raw or "")
    plus = text.startswith("+")
    if plus:
        text = text[1:]
    elif text.startswith("00"):
        plus, text = True, text[2:]
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{raw!r} is not a phone number: use digits, spaces and + ( ) - "
                         "only, e.g. +84 90 123 4567")
    if not MIN_DIGITS <= len(text) <= MAX_DIGITS:
        raise ValueError(f"{raw!r} has {len(text)} digits; a phone number has "
                         f"{MIN_DIGITS} to {MAX_DIGITS}")
    return ("+" if plus else "") + text


# -- configuration -------------------------------------------------------------------------
def setting(key: str, default=None):
    """A key of the `[sms]` section of the configuration file."""
    return config.get("sms", key, default)


def brands() -> list[str]:
    """The sender ids (brand names) users may choose, the default first."""
    value = setting("brands", [DEFAULT_BRAND])
    if isinstance(value, str):
        value = [value]
    names = [str(name).strip() for name in value or () if str(name).strip()]
    return names or [DEFAULT_BRAND]


def _config_error(message: str) -> UserError:
    return UserError(f"SMS configuration: {message} in [sms] of {config.config_path()}; "
                     "see docs/sms.md. Nothing was sent.")


# -- providers -----------------------------------------------------------------------------
@dataclass(frozen=True)
class OutgoingSms:
    """One message for a provider: `id` is the sms.sms record's."""

    id: int
    number: str
    body: str
    brand: str


@dataclass(frozen=True)
class SmsResult:
    """A provider's answer for one message: sent (`ok`, with the provider's id for
    it) or not, with the `error`; a `transient` error is tried again later."""

    ok: bool
    provider_id: str = ""
    error: str = ""
    transient: bool = False


class SmsProvider:
    """The interface of an SMS provider: `send(messages)` returns one `SmsResult` per
    message, in order, and never raises for one message's failure."""

    name = "provider"

    def send(self, messages: list[OutgoingSms]) -> list[SmsResult]:
        """Deliver `messages`; one result each."""
        raise NotImplementedError


class LogProvider(SmsProvider):
    """For development: writes each message to the log (logger
    `addons.base.models.sms_provider`, level INFO) and reports it sent."""

    name = "log"

    def send(self, messages: list[OutgoingSms]) -> list[SmsResult]:
        """Log the messages; all are "sent"."""
        for message in messages:
            _logger.info("SMS %s from %s to %s: %s", message.id, message.brand,
                         message.number, message.body)
        return [SmsResult(True, provider_id=f"log-{message.id}") for message in messages]


class HttpProvider(SmsProvider):
    """POSTs each message as JSON to `url` (with `Authorization: Bearer <token>` when a
    token is set). The JSON is `body`, a template whose strings may hold {brand},
    {number}, {body} and {id}. A 2xx answer is sent (the provider's id for the message
    read from key `id_field` of a JSON answer) unless the JSON says "error" or a status
    "error"/"failed"/"rejected"; 4xx is a permanent error (but 408 and 429), 5xx,
    timeouts and network errors are transient."""

    name = "http"

    def __init__(self, url: str, token: str = "", body=None, timeout: float = 10.0,
                 id_field: str = "id"):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _config_error(f"url = {url!r} is not an http:// or https:// address")
        self.url = url
        self.token = token or ""
        self.template = _template(DEFAULT_BODY if body is None else body)
        try:
            self.timeout = float(timeout)
        except (TypeError, ValueError):
            self.timeout = 0.0
        if not self.timeout > 0:
            raise _config_error(f"timeout = {timeout!r} must be a number of seconds above 0")
        self.id_field = id_field

    def payload(self, message: OutgoingSms) -> bytes:
        """The JSON body for `message` (values escaped by the JSON encoder)."""
        values = {"brand": message.brand, "number": message.number, "body": message.body,
                  "id": str(message.id)}
        return json.dumps(_fill(self.template, values), ensure_ascii=False).encode()

    def send(self, messages: list[OutgoingSms]) -> list[SmsResult]:
        """One POST per message."""
        return [self._send_one(message) for message in messages]

    def _send_one(self, message: OutgoingSms) -> SmsResult:
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=self.payload(message),
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return self.parse(response.status, response.read())
        except urllib.error.HTTPError as error:
            return self.parse(error.code, error.read())
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            return SmsResult(False, error=f"{self.url} did not answer: {reason}",
                             transient=True)

    def parse(self, status: int, raw: bytes) -> SmsResult:
        """The result of an HTTP answer (`status`, body `raw`)."""
        text = raw.decode("utf-8", "replace").strip()
        try:
            data = json.loads(text) if text else None
        except ValueError:
            data = None
        if 200 <= status < 300:
            refused = _refusal(data)
            if refused:
                return SmsResult(False, error=f"refused: {refused}")
            found = data.get(self.id_field) if isinstance(data, dict) else None
            return SmsResult(True, provider_id="" if found is None else str(found))
        detail = _refusal(data) or (data.get("message") if isinstance(data, dict) else None)
        error = f"HTTP {status}: {detail or text[:200] or 'no details'}"
        return SmsResult(False, error=error, transient=status >= 500 or status in (408, 429))


def _refusal(data) -> str:
    """The error a JSON answer reports, "" when none."""
    if not isinstance(data, dict):
        return ""
    if data.get("error"):
        error = data["error"]
        return str(error.get("message", error)) if isinstance(error, dict) else str(error)
    status = str(data.get("status", "")).lower()
    if status in ("error", "failed", "rejected"):
        return str(data.get("message") or status)
    return ""


def _template(body):
    """The JSON template from the configuration: a table, or a JSON text."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as error:
            raise _config_error(f"body is not valid JSON ({error})") from None
    if not isinstance(body, (dict, list)):
        raise _config_error("body must be a JSON object (or a TOML table)")
    for name in PLACEHOLDER.findall(json.dumps(body)):
        if name not in PLACEHOLDERS:
            raise _config_error(f"body uses {{{name}}}; the placeholders are "
                                + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS))
    return body


def _fill(template, values: dict):
    """`template` with the placeholders of its strings replaced by `values`."""
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, values) for value in template]
    if isinstance(template, str):
        return PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), template)
    return template


PROVIDERS = {"log": LogProvider, "http": HttpProvider}


def configured_provider() -> SmsProvider:
    """The provider `[sms] provider` names ("log" when unset), from the configuration;
    UserError naming the key when it is wrong."""
    name = setting("provider", "log")
    if name == "log":
        return LogProvider()
    if name == "http":
        url = setting("url")
        if not url:
            raise _config_error('provider = "http" needs url = "https://..."')
        return HttpProvider(url, token=setting("token", ""), body=setting("body"),
                            timeout=setting("timeout", 10), id_field=setting("id_field", "id"))
    raise _config_error(f"provider = {name!r} is unknown (use " +
                        " or ".join(repr(n) for n in PROVIDERS) + ")")
