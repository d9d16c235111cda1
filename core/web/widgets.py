"""Field values between the database and the page: how each type is shown (list cells,
read-only form fields) and how a posted form value becomes an ORM value.

Parsing raises FieldError with a message for the user; the form shows it next to the
field and keeps what was typed.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal

NUMBER_TYPES = ("integer", "float", "monetary")
MAX_INTEGER = 2**31 - 1  # integer columns and ids are 32-bit on PostgreSQL


class FieldError(ValueError):
    """A posted value that cannot be used: `field` and a message for the user."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def locale_of(env) -> str:
    """The user's language as a Babel locale name (en_US when unset or unknown)."""
    name = (env.user.sudo().lang if env.user else None) or "en_US"
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError):
        return "en_US"
    return name


# -- showing ---------------------------------------------------------------------------
def display(field, value, *, model=None, locale: str = "en_US", zone: ZoneInfo | None = None,
            currency: str | None = None, names: dict | None = None) -> str:
    """The text of `value` (as `read()` returns it) for a list cell or a read-only
    field. `names`: display names of x2many ids; `currency`: a monetary's symbol."""
    kind = field.type
    if kind == "boolean":
        return "Yes" if value else "No"
    if value is False or value is None:
        return "" if kind not in NUMBER_TYPES else _number(field, 0, locale, currency)
    if kind == "many2one":
        return value[1] if isinstance(value, (list, tuple)) else str(value)
    if kind in ("one2many", "many2many"):
        if names is not None:
            return ", ".join(names.get(i, "") for i in value)
        return f"{len(value)} record(s)"
    if kind == "selection":
        return dict(field.get_selection(model)).get(value, str(value))
    if kind in NUMBER_TYPES:
        return _number(field, value, locale, currency)
    if kind == "datetime":
        moment = dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)
        return moment.astimezone(zone or dt.UTC).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _number(field, value, locale: str, currency: str | None) -> str:
    if field.type == "integer":
        return format_decimal(value, format="#,##0", locale=locale)
    digits = (field.extra.get("digits") or (None, 2))[1]
    if field.type == "monetary":
        digits = 2
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    text = format_decimal(value, format=pattern, locale=locale)
    return f"{text} {currency}" if currency else text


def input_value(field, value, zone: ZoneInfo | None = None) -> str:
    """The value of an HTML input for `value` (as `read()` returns it)."""
    if value is False or value is None:
        return "" if field.type not in NUMBER_TYPES else "0"
    if field.type == "datetime":
        moment = dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)
        return moment.astimezone(zone or dt.UTC).strftime("%Y-%m-%dT%H:%M")
    if field.type == "many2one":
        return str(value[0])
    return str(value)


# -- parsing ---------------------------------------------------------------------------
def parse(field, raw: str | None, *, label: str, zone: ZoneInfo | None = None):
    """The ORM value of a posted text `raw` for `field` (scalar types)."""
    kind = field.type
    text = (raw or "").strip() if kind not in ("text", "html") else (raw or "")
    if kind == "boolean":
        return raw in ("1", "on", "true")
    if text == "" and kind not in ("text", "html"):
        return False
    if kind == "integer":
        try:
            number = int(text.replace(" ", "").replace(",", ""))
        except ValueError:
            raise FieldError(field.name, f"{label}: {text!r} is not a whole number.") from None
        if abs(number) > MAX_INTEGER:
            raise FieldError(field.name, f"{label}: {text} is too big (at most "
                                         f"{MAX_INTEGER}).")
        return number
    if kind in ("float", "monetary"):
        try:
            number = float(text.replace(" ", "").replace(",", ""))
        except ValueError:
            number = math.nan
        if not math.isfinite(number):  # "nan", "inf" and "1e999" are no amounts
            raise FieldError(field.name, f"{label}: {text!r} is not a number.")
        return number
    if kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise FieldError(field.name, f"{label}: {text!r} is not a date (YYYY-MM-DD)."
                             ) from None
    if kind == "datetime":
        try:
            local = dt.datetime.fromisoformat(text)
        except ValueError:
            raise FieldError(field.name, f"{label}: {text!r} is not a date and time."
                             ) from None
        if local.tzinfo is None:
            local = local.replace(tzinfo=zone or dt.UTC)
        return local.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    if kind == "selection":
        return text
    if kind in ("text", "html"):
        return text if text.strip() else False
    return text


def parse_id(field_name: str, raw: str | None, label: str) -> int | bool:
    """A posted record id (many2one), False when empty."""
    text = (raw or "").strip()
    if not text:
        return False
    record_id = as_id(text)
    if record_id is None:
        raise FieldError(field_name, f"{label}: {text!r} is not a record.")
    return record_id


def as_id(raw: str | None) -> int | None:
    """The record id written in a URL or a form ("12"), or None when the text is no id
    (not ASCII digits, zero, or beyond the 32-bit id columns)."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_INTEGER else None
