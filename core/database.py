"""`Database`: an engine, the addons paths, and environments (one per transaction)."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

import core.security.models  # registers groups, access lines, rules
import core.security.sessions  # registers web sessions, API keys, failed logins
import core.system  # registers the system models
import core.views.models  # noqa: F401  (registers views, actions, menus)
from core.addons.discovery import import_addon, make_importable, reload_addon
from core.addons.manager import AddonManager
from core.exceptions import AccessError, AddonError, TesseraError
from core.orm import SUPERUSER_ID, Environment, Registry, Transaction
from core.orm.models import DEFINITIONS
from core.orm.schema import sync_schema
from core.security.policy import AccessPolicy

_logger = logging.getLogger(__name__)

SYSTEM_ADDONS = ["core"]
_SEQUENCE_QUERY = sa.text("SELECT value FROM ir_config_parameter WHERE key = 'registry.sequence'")


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def create_engine(url: str) -> sa.Engine:
    """An engine configured for Tessera: real transactions and foreign keys on SQLite,
    REPEATABLE READ on PostgreSQL (as Odoo), psycopg 3 as the PostgreSQL driver."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as error:
        raise TesseraError(f"invalid database URL {url!r}: give sqlite:///PATH or "
                           "postgresql://USER@HOST/NAME") from error
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(parsed, isolation_level="REPEATABLE READ", pool_pre_ping=True)
    if parsed.get_backend_name() != "sqlite":
        raise TesseraError(f"unsupported database {url!r}: use sqlite:/// or postgresql://")
    memory = parsed.database in (None, "", ":memory:")
    if not memory:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, poolclass=StaticPool if memory else None,
                              connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin,
        # so that savepoints nest properly.
        dbapi_connection.isolation_level = None
        # Unicode case folding for ilike on non-ASCII text (SQLite's own is ASCII only)
        dbapi_connection.create_function("tessera_lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")

    return engine


class Database:
    """One Tessera database: `Database(url, addons_paths=[...])`.

    `with db.env() as env:` runs one transaction (commit on success, rollback on
    any exception) as the superuser; `db.env(user="demo")` as a user (a login or id).
    """

    def __init__(self, url: str, addons_paths=None):
        self.url = url
        self.addons_paths = [str(Path(p).resolve()) for p in (addons_paths or [])]
        self.engine = create_engine(url)
        # addons -> (registry, the model classes it was built from)
        self._registries: dict[tuple[str, ...], tuple[Registry, tuple]] = {}
        self._registry: Registry | None = None
        self._sequence: str | None = None
        self._versions: dict[str, str] = {}  # installed versions at the last registry load
        self.broken_addons: set[str] = set()  # installed, but their code cannot be loaded
        make_importable(self.addons_paths)

    def registry_for(self, addons) -> Registry:
        """The registry of the system models plus `addons` (in install order), cached
        while their model classes stay the same (an upgrade reloads them)."""
        key = tuple(SYSTEM_ADDONS + [a for a in addons if a not in SYSTEM_ADDONS])
        definitions = tuple(tuple(DEFINITIONS.get(addon, ())) for addon in key)
        cached = self._registries.get(key)
        if cached is None or cached[1] != definitions:
            cached = (Registry(list(key)), definitions)
            self._registries[key] = cached
        return cached[0]

    @contextlib.contextmanager
    def env(self, user=None, context=None):
        """An environment in a new transaction; commits on exit, rolls back on error.
        After the commit (and once the connection is released), the callbacks the
        transaction registered with `env.transaction.after_commit()` run, each given
        this Database; their errors are logged, not raised."""
        transaction = None
        with self.engine.connect() as connection:
            connection.begin()
            try:
                registry = self._load_registry(connection)
                transaction = Transaction(registry, connection,
                                          {"addons": lambda env: AddonManager(self, env)})
                transaction.security = AccessPolicy(transaction)
                env = Environment(transaction, SUPERUSER_ID, context)
                if user is not None:
                    env = env(user=self._user_id(env, user))
                yield env
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        if transaction is not None:
            self._run_after_commit(transaction.pop_after_commit())

    def _run_after_commit(self, callbacks) -> None:
        """Run the after-commit callbacks of a committed transaction, in order; one
        failing is logged and the others still run."""
        for callback in callbacks:
            try:
                callback(self)
            except Exception:  # the data is committed: report, do not undo the request
                _logger.exception("after-commit callback %r failed", callback)

    def forget_registries(self) -> None:
        """Drop cached registries (after an upgrade reloaded addon code)."""
        self._registries.clear()
        self._sequence = None

    def _load_registry(self, connection) -> Registry:
        """The registry of the installed addons, rebuilt when another transaction
        (in this process or another) installed, upgraded or uninstalled addons."""
        if self._sequence is None and not connection.dialect.has_table(connection, "ir_module"):
            return self._bootstrap(connection)
        sequence = connection.execute(_SEQUENCE_QUERY).scalar()
        if self._registry is not None and sequence == self._sequence:
            return self._registry
        rows = connection.execute(sa.text(
            "SELECT name, depends, installed_version FROM ir_module WHERE state = 'installed' "
            "ORDER BY sequence, id")).all()
        for name, _depends, version in rows:
            if self._versions.get(name, version) != version:
                # another process upgraded it: load the new code (or mark it broken below)
                with contextlib.suppress(AddonError):
                    reload_addon(name)
        self._versions = {row[0]: row[2] for row in rows}
        broken = self._importable([row[0] for row in rows],
                                  {row[0]: set(filter(None, (row[1] or "").split(",")))
                                   for row in rows})
        registry = self.registry_for([row[0] for row in rows if row[0] not in broken])
        self.broken_addons = broken
        self._registry, self._sequence = registry, sequence
        return registry

    @staticmethod
    def _importable(names, depends) -> set[str]:
        """Import installed addons; return those whose code cannot be loaded, with the
        addons depending on them (they stay installed, out of the registry, so that an
        integrator can still uninstall them)."""
        broken = set()
        for name in names:
            if depends[name] & broken:
                broken.add(name)
                continue
            try:
                import_addon(name)
            except AddonError:
                broken.add(name)
        return broken

    def _bootstrap(self, connection) -> Registry:
        registry = self.registry_for([])
        sync_schema(connection, registry.metadata, registry.check_constraints)
        env = Environment(Transaction(registry, connection), SUPERUSER_ID)
        env["res.users"].create({"name": "System", "login": "__system__", "active": False})
        env["ir.config.parameter"].set_param("registry.sequence", 0)
        return registry

    @staticmethod
    def _user_id(env, user) -> int:
        if isinstance(user, int):
            return user
        users = env["res.users"].with_context(active_test=False).search(
            [("login", "=", user)], limit=1)
        if not users:
            raise AccessError(f"No user with login {user!r}")
        return users.id

    def dispose(self) -> None:
        """Close the engine's connections."""
        self.engine.dispose()
