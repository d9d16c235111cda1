"""Field types of Tessera models.

A field is declared on a model class (`name = fields.Char(required=True)`); the
registry copies it onto each composed model class and calls `setup()`. Scalar
fields live here; relational ones in `core.orm.relational` and are re-exported.
"""

from __future__ import annotations

import datetime as dt
import math

import nh3
import sqlalchemy as sa

_NO_DEFAULT = object()
_MISSING = object()


class Field:
    """Base class of every field: common attributes and value conversion.

    Values travel through three forms: what a caller passes (`vals`), what the
    database column stores (`to_column`), and what attribute access returns
    (`to_record`). `to_read` is the JSON-friendly form used by `read()`.
    """

    type: str = "field"
    column_type: sa.types.TypeEngine | None = None
    relational = False
    column = True  # stored in a column of the model's own table
    aggregator: str | None = None  # default aggregate in read_group

    extra_args: frozenset[str] = frozenset()  # type-specific arguments (size, digits, ...)

    def __init__(self, string: str | None = None, **kwargs):
        unknown = set(kwargs) - _COMMON_ARGS - self.extra_args
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unknown arguments: {sorted(unknown)}")
        # Only the arguments given explicitly: an extension's redefinition merges them.
        self._args = {"string": string, **kwargs} if string is not None else dict(kwargs)
        self._init_attrs(self._args)

    def _init_attrs(self, args: dict) -> None:
        self.string = args.get("string")
        self.help = args.get("help")
        self.required = bool(args.get("required", False))
        self.readonly = bool(args.get("readonly", False))
        self.index = args.get("index", False)
        self.default = args.get("default", _NO_DEFAULT)
        self.compute = args.get("compute")
        self.related = args.get("related")
        self.depends = tuple(args.get("depends") or ())
        self.inverse = args.get("inverse")
        self.groups = args.get("groups")
        self.copy = args.get("copy", True)
        self.tracking = args.get("tracking", False)
        if args.get("aggregator"):
            self.aggregator = args["aggregator"]
        store = args.get("store")
        if store is None:
            store = not (self.compute or self.related)
        self.store = bool(store)
        self.computed = bool(self.compute or self.related)  # compute= or related=
        self.stored_column = self.store and self.column  # the value is in the model's table
        if self.related:
            self.depends = (self.related,)
            self.readonly = args.get("readonly", True) if not self.inverse else self.readonly
        self.extra = {k: v for k, v in args.items() if k not in _COMMON_ARGS}
        self.name: str = ""
        self.model_name: str = ""
        # x2many to a model with `active`: the cache key of the value with archived
        # records (active_test=False); None for every other field
        self.all_key: tuple | None = None

    def merged(self, other: Field) -> Field:
        """A new field of `other`'s type with this field's arguments overridden by
        `other`'s: an `_inherit` extension may redefine only some attributes."""
        if type(other) is not type(self):
            return type(other)(**other._args)
        return type(self)(**{**self._args, **other._args})

    def fresh(self) -> Field:
        """A copy for one composed model class (fields are never shared across registries)."""
        return type(self)(**self._args)

    def setup(self, model_cls, name: str) -> None:
        """Bind the field to its final model class; called once by the registry."""
        self.name = name
        self.model_name = model_cls._name
        if not self.string:
            self.string = name.replace("_id", "").replace("_", " ").strip().capitalize()

    # -- descriptor protocol -------------------------------------------------
    def __get__(self, record, owner=None):
        if record is None:
            return self
        # Fast path: one record, value cached, no security check to make.
        ids = record._ids
        env = record.env
        if len(ids) == 1 and self.all_key is None and (
                env.su or env.transaction.security is None):
            values = env.transaction.cache.get(self)
            if values is not None:
                value = values.get(ids[0], _MISSING)
                if value is not _MISSING:
                    return self.to_record(value, record)
        return record._get_value(self)

    def __set__(self, record, value) -> None:
        record._set_value(self, value)

    # -- conversions ---------------------------------------------------------
    def sa_column(self) -> sa.Column | None:
        """The SQLAlchemy Column of this field, or None when not stored in the table."""
        if not self.stored_column:
            return None
        return sa.Column(self.name, self.column_type, nullable=True)

    def to_column(self, value, record=None):
        """Validate and convert a caller's value to what the column stores.
        Raises ValueError or TypeError; the caller turns it into a ValidationError."""
        return value

    def to_record(self, value, record):
        """The value attribute access returns, from the cached column value."""
        return value

    def to_read(self, value, record):
        """The value `read()` returns (plain Python, JSON-friendly)."""
        return value

    def read_values(self, values: list, record) -> list:
        """`to_read` of many cached values at once (read() of a whole recordset)."""
        convert = self.to_read
        return [convert(value, record) for value in values]

    def empty(self):
        """The value an unset field reads as."""
        return False

    def get_default(self, model):
        """The default value for a new record, or _NO_DEFAULT."""
        if self.default is _NO_DEFAULT:
            return _NO_DEFAULT
        if callable(self.default):
            return self.default(model)
        return self.default

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.model_name}.{self.name}>"


_COMMON_ARGS = {
    "string", "help", "required", "readonly", "index", "default", "compute", "store",
    "depends", "inverse", "related", "groups", "copy", "tracking", "aggregator",
}


INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # what an INTEGER column holds on both engines


class Boolean(Field):
    """True or False; never NULL when read."""

    type = "boolean"
    column_type = sa.Boolean(create_constraint=False)

    def to_column(self, value, record=None):
        return bool(value)

    def to_record(self, value, record):
        return bool(value)

    to_read = to_record


class Integer(Field):
    """A whole number; reads 0 when unset."""

    type = "integer"
    column_type = sa.Integer()
    aggregator = "sum"

    def to_column(self, value, record=None):
        if value is None or value is False:
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("a whole number is expected")
        value = int(value)
        if not INT_MIN <= value <= INT_MAX:
            raise ValueError(f"a whole number between {INT_MIN} and {INT_MAX} is expected")
        return value

    def to_record(self, value, record):
        return value or 0

    to_read = to_record

    def empty(self):
        return 0


class Float(Field):
    """A floating point number; `digits=(precision, scale)` rounds on write."""

    type = "float"
    column_type = sa.Float()
    extra_args = frozenset({"digits"})
    aggregator = "sum"

    def to_column(self, value, record=None):
        if value is None or value is False:
            return None
        result = float(value)
        if math.isnan(result) or math.isinf(result):
            raise ValueError("a finite number is expected")
        digits = self.extra.get("digits")
        if digits:
            result = round(result, digits[1])
        return result

    def to_record(self, value, record):
        return value or 0.0

    to_read = to_record

    def empty(self):
        return 0.0


class Monetary(Float):
    """An amount in the currency named by `currency_field` (default `currency_id`)."""

    type = "monetary"
    extra_args = frozenset({"digits", "currency_field"})

    def to_column(self, value, record=None):
        result = super().to_column(value, record)
        return None if result is None else round(result, 2)


class Char(Field):
    """A single line of text; `size=` limits its length, `trim` (default) strips it."""

    type = "char"
    extra_args = frozenset({"size", "trim", "translate"})

    @property
    def column_type(self):
        return sa.String(self.extra.get("size"))

    def to_column(self, value, record=None):
        if value is None or value is False:
            return None
        if not isinstance(value, str):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            else:
                raise TypeError("text is expected")
        if self.extra.get("trim", True):
            value = value.strip()
        size = self.extra.get("size")
        if size and len(value) > size:
            raise ValueError(f"at most {size} characters are allowed")
        return value

    def to_record(self, value, record):
        return value if value is not None else False

    to_read = to_record

    def read_values(self, values: list, record) -> list:
        return [False if value is None else value for value in values]


class Text(Char):
    """Multi-line text."""

    type = "text"
    column_type = sa.Text()

    def to_column(self, value, record=None):
        if value is None or value is False:
            return None
        if not isinstance(value, str):
            raise TypeError("text is expected")
        return value


class Html(Text):
    """Rich text, sanitized on every write (scripts, event handlers and dangerous URLs
    are removed by nh3) unless `sanitize=False`."""

    type = "html"
    extra_args = frozenset({"sanitize", "translate"})

    def to_column(self, value, record=None):
        value = super().to_column(value, record)
        if value is None or not self.extra.get("sanitize", True):
            return value
        return nh3.clean(value)


class Selection(Field):
    """One value among `selection=[(value, label), ...]` (or a method name returning them)."""

    type = "selection"
    column_type = sa.String()
    extra_args = frozenset({"selection"})

    def __init__(self, selection=None, string=None, **kwargs):
        if selection is not None:
            kwargs["selection"] = selection
        super().__init__(string, **kwargs)

    def get_selection(self, model) -> list[tuple[str, str]]:
        """The (value, label) pairs of this field for `model`."""
        selection = self.extra.get("selection") or []
        if isinstance(selection, str):
            return list(getattr(model, selection)())
        if callable(selection):
            return list(selection(model))
        return list(selection)

    def to_column(self, value, record=None):
        if value is None or value is False:
            return None
        if record is not None:
            allowed = [key for key, _label in self.get_selection(record)]
            if value not in allowed:
                raise ValueError(f"allowed values are {', '.join(map(repr, allowed))}")
        return value

    def to_record(self, value, record):
        return value if value is not None else False

    to_read = to_record


class Date(Field):
    """A calendar date (datetime.date); accepts ISO strings 'YYYY-MM-DD'."""

    type = "date"
    column_type = sa.Date()

    def to_column(self, value, record=None):
        if value is None or value is False or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            return dt.date.fromisoformat(value[:10])
        raise TypeError("a date (YYYY-MM-DD) is expected")

    def to_record(self, value, record):
        return value if value is not None else False

    def to_read(self, value, record):
        return value.isoformat() if value else False

    @staticmethod
    def today(*_args) -> dt.date:
        """Today's date, usable as `default=fields.Date.today`."""
        return dt.date.today()


class Datetime(Field):
    """A point in time, stored as naive UTC; accepts ISO strings."""

    type = "datetime"
    column_type = sa.DateTime()

    def to_column(self, value, record=None):
        if value is None or value is False or value == "":
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value.replace("T", " ").rstrip("Z"))
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        if not isinstance(value, dt.datetime):
            raise TypeError("a date and time (YYYY-MM-DD HH:MM:SS) is expected")
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(microsecond=0)

    def to_record(self, value, record):
        return value if value is not None else False

    def to_read(self, value, record):
        return value.isoformat(sep=" ") if value else False

    @staticmethod
    def now(*_args) -> dt.datetime:
        """The current UTC time without microseconds, usable as `default=fields.Datetime.now`."""
        return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Binary(Field):
    """Raw bytes (documents, images)."""

    type = "binary"
    column_type = sa.LargeBinary()

    def to_column(self, value, record=None):
        if value is None or value is False:
            return None
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raise TypeError("bytes are expected")

    def to_record(self, value, record):
        return bytes(value) if value is not None else False

    def to_read(self, value, record):
        return bytes(value) if value is not None else False


from core.orm.relational import Many2many, Many2one, One2many  # noqa: E402

__all__ = [
    "Binary", "Boolean", "Char", "Date", "Datetime", "Field", "Float", "Html", "Integer",
    "Many2many", "Many2one", "Monetary", "One2many", "Selection", "Text",
]
