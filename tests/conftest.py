"""Shared fixtures: every ORM test runs on SQLite and on PostgreSQL.

- `database`: a session-wide Database (one per engine and xdist worker) with the
  test addons `tests/addons/test_orm*` installed and committed once.
- `env`: a superuser environment whose transaction is rolled back after the test.
- `pg_url` / `new_database_url`: for tests that need a database of their own.
- `count_queries`: counts the SQL statements run inside a `with` block.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import Database

TESTS = Path(__file__).resolve().parent
TEST_ADDONS = TESTS / "addons"
PG_SERVER = os.environ.get("TESSERA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI") == "true"
ENGINES = ["sqlite", "postgresql"]


def orm_test_addons() -> list[str]:
    """The test addons installed in the shared test databases."""
    return sorted(d.name for d in TEST_ADDONS.glob("test_orm*") if (d / "__manifest__.py").exists())


def _pg_admin_engine() -> sa.Engine:
    return sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL server URL; skips (fails in CI) when no server answers."""
    engine = _pg_admin_engine()
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        message = f"PostgreSQL does not answer at {PG_SERVER}: {error.orig}"
        if IN_CI:
            pytest.fail(message + " (CI requires the PostgreSQL tests)")
        pytest.skip(message)
    finally:
        engine.dispose()
    return PG_SERVER


@contextlib.contextmanager
def temporary_pg_database(server_url: str):
    """Create a PostgreSQL database for the duration of the block, then drop it."""
    name = f"tessera_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(server_url).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def database_url(engine_name: str, tmp_dir: Path, request):
    """A URL of a new, empty database of the given engine."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_dir / f'tessera-{uuid.uuid4().hex[:8]}.sqlite3'}"
    else:
        server = request.getfixturevalue("pg_server")
        with temporary_pg_database(server) as url:
            yield url


@pytest.fixture(scope="session", params=ENGINES)
def database(request, tmp_path_factory):
    """A database per engine with the ORM test addons installed (shared by the session)."""
    with database_url(request.param, tmp_path_factory.mktemp("db"), request) as url:
        db = Database(url, addons_paths=[TEST_ADDONS])
        with db.env() as env:
            env.addons.install(orm_test_addons())
        yield db
        db.dispose()


class _Rollback(Exception):
    pass


@pytest.fixture
def env(database):
    """A superuser environment; everything the test does is rolled back afterwards."""
    with contextlib.suppress(_Rollback), database.env() as environment:
        yield environment
        raise _Rollback


@pytest.fixture(params=ENGINES)
def new_database_url(request, tmp_path):
    """The URL of a new empty database (SQLite file or PostgreSQL database), dropped after."""
    with database_url(request.param, tmp_path, request) as url:
        yield url


@pytest.fixture(scope="module", params=ENGINES)
def shop(request, tmp_path_factory):
    """The web client's test shop (tests/web_support.py: base and web_shop installed, a
    few users, customers and orders), committed once per test module and engine."""
    from tests.web_support import shop_world  # web_support imports this module

    yield from shop_world(request, tmp_path_factory)


@pytest.fixture
def clean_shop(shop):
    """The shop, with what the test added to it deleted afterwards (a module's tests
    share it): `pytestmark = pytest.mark.usefixtures("clean_shop")`."""
    from tests.web_support import cleanup

    yield shop
    cleanup(shop)


@pytest.fixture
def count_queries(database):
    """`with count_queries() as counter: ...` then `counter.count`: SQL statements
    sent in the block (savepoint bookkeeping excluded), `counter.statements` their text."""

    class Counter:
        def __init__(self):
            self.statements: list[str] = []

        @property
        def count(self) -> int:
            return len(self.statements)

    @contextlib.contextmanager
    def counting():
        counter = Counter()

        def before(_conn, _cursor, statement, _params, _context, _many):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.statements.append(statement)

        sa.event.listen(database.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(database.engine, "before_cursor_execute", before)

    return counting
