"""Environments: the (transaction, user, context, superuser flag) a recordset works in."""

from __future__ import annotations

import contextlib
import re
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from core.exceptions import MissingError, RetryableError, ValidationError

SUPERUSER_ID = 1

# PostgreSQL SQLSTATEs of a transaction that lost a race: serialization failure, deadlock.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}


def time_zone(name: str | None) -> ZoneInfo:
    """The time zone called `name` (an IANA name such as "Asia/Ho_Chi_Minh"); UTC when
    it is empty or unknown (a zone removed from the system's database, a typo)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class Transaction:
    """One database transaction shared by all environments derived from it: the
    connection, the record cache and the ORM's bookkeeping."""

    def __init__(self, registry, connection: sa.Connection, services: dict | None = None):
        self.registry = registry
        self.connection = connection
        self.dialect = connection.dialect.name
        self.cache: dict = {}  # Field -> {record id: column value}
        self.atomic_depth = 0
        self.computing: dict = {}  # Field -> set of ids whose value is being computed
        self.services = services or {}
        # access rights and record rules (core.security.policy.AccessPolicy), or None
        self.security = None
        self.computed_cached: set = set()  # non-stored computed fields in the cache
        self._after_commit: dict = {}  # key -> callback(database), in registration order

    def after_commit(self, callback, key=None):
        """Run `callback(database)` once this transaction has committed (never after a
        rollback): `Database.env()` calls it, after the commit and outside the
        transaction, with the `core.Database`, so that it can open a transaction of its
        own (`with database.env() as env:`) to do slow or external work (sending
        email) that must not happen unless the data is saved. A callback's exception
        is logged, never raised: the transaction is committed already.

        Callbacks registered inside a savepoint that is later rolled back still run:
        they must check that what they act on exists. With `key`, only the first
        callback registered under that key is kept; the one kept is returned (e.g.
        an object collecting record ids for one callback per transaction)."""
        return self._after_commit.setdefault(object() if key is None else key, callback)

    def pop_after_commit(self) -> list:
        """The callbacks registered by `after_commit`, forgotten here."""
        callbacks = list(self._after_commit.values())
        self._after_commit.clear()
        return callbacks

    def forget_computed(self) -> None:
        """Forget non-stored computed values (after a write: they may depend on anything)."""
        if self.computed_cached:
            self.invalidate(self.computed_cached)
            self.computed_cached = set()

    def invalidate(self, fields=None, ids=None) -> None:
        """Forget cached values: all, or of some fields, or of some records of them."""
        if fields is None:
            self.cache.clear()
            self.computed_cached = set()
            return
        keys = [key for field in fields for key in (field, field.all_key) if key is not None]
        for key in keys:
            if ids is None:
                self.cache.pop(key, None)
            else:
                values = self.cache.get(key)
                if values:
                    for rid in ids:
                        values.pop(rid, None)


class Environment:
    """What a recordset runs with: `env["res.partner"]` is an empty recordset of that model.

    Environments are cheap; `env(user=..., context=..., su=...)` derives a new one
    sharing the same transaction and cache.
    """

    def __init__(self, transaction: Transaction, uid: int | None = SUPERUSER_ID,
                 context: dict | None = None, su: bool | None = None):
        self.transaction = transaction
        self.uid = uid if uid is not None else SUPERUSER_ID
        self.context = MappingProxyType(dict(context or {}))
        self.su = (self.uid == SUPERUSER_ID) if su is None else bool(su)
        self._models: dict = {}

    # -- access --------------------------------------------------------------
    def __getitem__(self, model_name: str):
        model = self._models.get(model_name)
        if model is None or model._registry is not self.transaction.registry:
            model = self.registry[model_name]._browse(self, ())
            self._models[model_name] = model
        return model

    def __contains__(self, model_name: str) -> bool:
        return model_name in self.registry

    def __call__(self, user=None, context=None, su=None) -> Environment:
        uid = self.uid if user is None else _user_id(user)
        ctx = self.context if context is None else context
        if su is None:
            su = self.su if user is None else uid == SUPERUSER_ID
        return Environment(self.transaction, uid, ctx, su)

    @property
    def registry(self):
        """The registry of the database's installed models."""
        return self.transaction.registry

    @property
    def connection(self) -> sa.Connection:
        """The SQLAlchemy connection of the current transaction."""
        return self.transaction.connection

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.transaction.dialect

    @property
    def cache(self) -> dict:
        """The record cache shared by every environment of this transaction."""
        return self.transaction.cache

    @property
    def user(self):
        """The current user as a `res.users` record. It is read as superuser: everyone
        may see their own user record (name, groups, language)."""
        if "res.users" in self.registry:
            return self["res.users"].sudo().browse(self.uid)
        return None

    @property
    def tz(self) -> ZoneInfo:
        """The current user's time zone (UTC when unset or unknown)."""
        user = self.user
        return time_zone(user.tz if user is not None and "tz" in user._fields else None)

    @property
    def hooks(self):
        """The hook relay of the installed addons: `env.hooks.partner_buttons(env=env, ...)`."""
        return self.transaction.registry.hooks.hook

    @property
    def addons(self):
        """The addon manager of this database (install, uninstall, state)."""
        factory = self.transaction.services.get("addons")
        if factory is None:
            raise AttributeError("this environment has no addon manager")
        return factory(self)

    def ref(self, xmlid: str, raise_if_not_found: bool = True):
        """The record with external id `addon.name` (None, or MissingError, if absent)."""
        addon, _, name = xmlid.partition(".")
        data = self["ir.model.data"].sudo().search(
            [("addon", "=", addon), ("name", "=", name)], limit=1)
        record = self[data.model].browse(data.res_id).exists() if data else None
        if not record:
            if raise_if_not_found:
                raise MissingError(f"No record with external id {xmlid!r}")
            return None
        return record.with_env(self)

    @property
    def lang(self) -> str | None:
        """The language of the context, e.g. 'vi_VN'."""
        return self.context.get("lang")

    # -- SQL -----------------------------------------------------------------
    def execute(self, statement, params=None):
        """Run a SQLAlchemy statement in this transaction, translating database errors
        into Tessera's (constraint violations, lost races)."""
        try:
            return self.transaction.connection.execute(statement, params)
        except sa_exc.DBAPIError as error:
            raise translate_db_error(error, self.registry) from error

    def execute_driver_sql(self, sql: str, params):
        """Run SQL text compiled by SQLAlchemy with the driver's parameters (a list of
        tuples runs as executemany), translating database errors like `execute`."""
        try:
            return self.transaction.connection.exec_driver_sql(sql, params)
        except sa_exc.DBAPIError as error:
            raise translate_db_error(error, self.registry) from error

    @contextlib.contextmanager
    def savepoint(self):
        """A nested transaction: an exception inside rolls back only what was done
        inside (and forgets cached values), then propagates."""
        nested = self.connection.begin_nested()
        try:
            yield
        except BaseException:
            if nested.is_active:
                nested.rollback()
            self.transaction.invalidate()
            raise
        else:
            if nested.is_active:
                nested.commit()

    @contextlib.contextmanager
    def atomic(self):
        """Make one ORM operation all-or-nothing: only the outermost one opens a savepoint."""
        transaction = self.transaction
        if transaction.atomic_depth:
            transaction.atomic_depth += 1
            try:
                yield
            finally:
                transaction.atomic_depth -= 1
            return
        conn = transaction.connection
        if not conn.in_transaction():
            conn.begin()
        # Savepoints go straight to the driver: they are bookkeeping, and SQLAlchemy's
        # per-statement overhead would double the cost of a single-record write.
        raw = conn.connection.driver_connection
        raw.execute("SAVEPOINT tessera_op")
        transaction.atomic_depth = 1
        try:
            yield
        except BaseException as error:
            transaction.atomic_depth = 0
            try:
                raw.execute("ROLLBACK TO SAVEPOINT tessera_op")
                raw.execute("RELEASE SAVEPOINT tessera_op")
            except Exception:  # any driver error: the transaction is gone
                raise error from None  # the outer transaction's rollback ends it
            transaction.invalidate()
            explain = getattr(error, "explain", None)
            if explain is not None:
                # Now that the savepoint is rolled back, queries work again: say which
                # records a refused foreign key was about.
                message = explain()
                if message:
                    raise ValidationError(message) from error
            raise
        transaction.atomic_depth = 0
        raw.execute("RELEASE SAVEPOINT tessera_op")


class ForeignKeyViolation(ValidationError):
    """The database refused a link to a missing record, or the deletion of a record
    still linked with ondelete="restrict". `explain`, when the ORM sets it, tells
    which records, once the failed operation is rolled back."""

    explain = None


def _user_id(user) -> int:
    if hasattr(user, "_ids"):
        return user._ids[0] if user._ids else SUPERUSER_ID
    return int(user)


def translate_db_error(error: sa_exc.DBAPIError, registry) -> Exception:
    """A Tessera error for a database error: constraint names become readable messages."""
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return RetryableError(f"The transaction lost a race with another one ({sqlstate}); "
                              "nothing was saved, run it again.")
    message = str(orig).strip().splitlines()[0] if orig is not None else str(error)
    if isinstance(error, sa_exc.IntegrityError):
        reported = str(orig)
        for (table, key), (text, name) in registry.constraint_messages.items():
            if re.search(rf"(?<![\w.]){re.escape(key)}(?![\w.])", reported):
                return ValidationError(f"{text} (constraint {name} on {table})")
        lowered = message.lower()
        if "foreign key" in lowered:
            return ForeignKeyViolation(
                "The record is still referenced by other records (or points to a record "
                f"that does not exist): {message}. Remove or change those links first.")
        if "not null" in lowered or "null value" in lowered:
            return ValidationError(f"A required value is missing: {message}")
        return ValidationError(f"The database refused the change: {message}")
    if isinstance(error, sa_exc.OperationalError) and "no such table" in message:
        return MissingError(f"{message}: is the addon that defines it installed?")
    return error
