"""`tessera init` creating `admin` (a password generated and shown once, or taken from
$TESSERA_ADMIN_PASSWORD) and `tessera access explain` (groups, access lines, rules and
a verdict that matches what the ORM does), as an integrator types them.

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import sqlalchemy as sa

from core import Database
from core.exceptions import AccessError, MissingError
from core.security.explain import explain
from tests.conftest import ENGINES
from tests.security_support import (
    ORDER,
    SECURITY_ADDONS,
    VISIBLE,
    World,
    rolled_back,
    security_world,
)

ADMIN_PASSWORD = "Admin-passw0rd-from-env"
GENERATED = re.compile(r"Log in as 'admin' with the password (\S+) \(shown only now")


def tessera(*args, url, admin_password=None):
    """Run `python -m core.cli --db URL ARGS...` in a subprocess."""
    environ = {k: v for k, v in os.environ.items() if k != "TESSERA_ADMIN_PASSWORD"}
    if admin_password is not None:
        environ["TESSERA_ADMIN_PASSWORD"] = admin_password
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "--db", url, "--addons-path", str(SECURITY_ADDONS),
         *args], capture_output=True, text=True, timeout=300, check=False, env=environ)


def _init_with_env_password(url):
    result = tessera("init", url=url, admin_password=ADMIN_PASSWORD)
    assert result.returncode == 0, result.stderr
    assert ADMIN_PASSWORD not in result.stdout + result.stderr
    assert not GENERATED.search(result.stdout)


@pytest.fixture(scope="module", params=ENGINES)
def world(request, tmp_path_factory):
    """`tessera init` with $TESSERA_ADMIN_PASSWORD, then sec_test and the world."""
    yield from security_world(request, tmp_path_factory, prepare=_init_with_env_password)


@pytest.fixture
def env(world):
    with rolled_back(world.database) as environment:
        yield environment


def admin_hash(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(
                "SELECT password_hash FROM res_users WHERE login = 'admin'")).scalar_one()
    finally:
        engine.dispose()


# -- init ------------------------------------------------------------------------------
def test_init_prints_a_generated_admin_password_once(new_database_url):
    result = tessera("init", url=new_database_url)
    assert result.returncode == 0, result.stderr
    found = GENERATED.findall(result.stdout)
    assert len(found) == 1 and len(found[0]) >= 12
    password = found[0]
    assert admin_hash(new_database_url).startswith("$argon2")
    assert password not in admin_hash(new_database_url)
    again = tessera("init", url=new_database_url)
    assert again.returncode == 0, again.stderr
    assert not GENERATED.search(again.stdout) and password not in again.stdout
    database = Database(new_database_url)
    try:
        with database.env() as env:
            admin = env["res.users"].authenticate("admin", password)
            assert admin.login == "admin"
            assert admin.has_group("base.group_system") and admin.has_group("base.group_user")
            with pytest.raises(AccessError):
                env["res.users"].authenticate("admin", ADMIN_PASSWORD)
    finally:
        database.dispose()


def test_init_uses_tessera_admin_password(env, world):
    admin = env["res.users"].authenticate("admin", ADMIN_PASSWORD)
    assert admin.has_group("base.group_system")
    assert ADMIN_PASSWORD not in admin_hash(world.url)
    with pytest.raises(AccessError, match="Wrong login or password"):
        env["res.users"].authenticate("admin", ADMIN_PASSWORD + "x")


# -- access explain ------------------------------------------------------------------------
def test_explain_prints_groups_lines_rules_and_verdict(world):
    result = tessera("access", "explain", "alice", ORDER, "read", url=world.url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "groups: Employee" in out and "Operation: read on sec_test.order" in out
    assert "orders: employees (Employee): grants" in out
    assert "orders: portal reads (Portal): not your groups" in out
    assert "'No confidential orders'" in out and "[global, always applies (AND)]" in out
    assert re.search(r"'Own orders'.*\[group rule of your groups", out)
    assert re.search(r"'Orders of my department'.*\[group rule of your groups", out)
    assert re.search(r"'Published orders'.*\[group rule of other groups: ignored\]", out)
    assert "'Done orders are frozen'" not in out  # not a read rule
    assert "combined domain:" in out
    assert out.strip().endswith("Verdict: ALLOWED")


def test_explain_a_record_the_rules_exclude(world):
    done = world.orders["done"]
    result = tessera("access", "explain", "alice", ORDER, "write", str(done), url=world.url)
    assert result.returncode == 0, result.stderr
    assert "'Done orders are frozen'" in result.stdout
    verdict = result.stdout.strip().splitlines()[-1]
    assert verdict.startswith(f"Verdict: DENIED for record {done}")
    assert "'Done orders are frozen'" in verdict and "'No confidential orders'" not in verdict
    result = tessera("access", "explain", "alice", ORDER, "read", str(done), url=world.url)
    assert result.stdout.strip().endswith(f"Verdict: ALLOWED for record {done}")


def test_explain_without_access_line(world):
    result = tessera("access", "explain", "dave", ORDER, "read", url=world.url)
    assert result.returncode == 0, result.stderr
    assert "groups: none" in result.stdout
    assert "orders: employees (Employee): not your groups" in result.stdout
    assert "Verdict: DENIED (no access line grants it)" in result.stdout
    vault = tessera("access", "explain", "alice", "sec_test.vault", "read", url=world.url)
    assert "(none: only the superuser may use this model)" in vault.stdout
    assert "Verdict: DENIED" in vault.stdout


def test_explain_errors_are_one_line(world):
    result = tessera("access", "explain", "nobody", ORDER, "read", url=world.url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "Error: no user with login 'nobody'"
    result = tessera("access", "explain", "alice", "no.model", "read", url=world.url)
    assert result.returncode == 1 and "'no.model' is not installed" in result.stderr


class _Undo(Exception):
    pass


def _orm_allows(env, world: World, login: str, operation: str, key: str | None) -> bool:
    """Whether the ORM lets `login` do `operation` on the order `key`, trying it in a
    savepoint that is rolled back. Without a key, whether an access line lets the user
    do it at all (on the orders they see, or on a new order of their own)."""
    user = env(user=world.users[login])[ORDER]
    source = env[ORDER].browse(world.orders[key]) if key else None
    try:
        with env.savepoint():
            records = user.browse(source.id) if source else user.search([])
            if operation == "read":
                records.read(["name"])
            elif operation == "write":
                records.write({"amount": 1})
            elif operation == "unlink":
                records.unlink()
            elif source:
                values = {name: source[name] for name in ("state", "confidential", "published")}
                user.create({"name": "Copy", "user_id": source.user_id.id,
                             "department_id": source.department_id.id, **values})
            else:
                user.create({"name": "New", "user_id": world.users[login]})
            raise _Undo
    except _Undo:
        return True
    except MissingError:
        return False
    except AccessError as error:
        return key is None and "no access line" not in str(error)


def test_explain_verdict_matches_the_orm(env, world):
    """For every user, operation and order, explain's verdict is what the ORM does."""
    checked = 0
    for login in [*VISIBLE, "dave"]:
        for operation in ("read", "write", "create", "unlink"):
            for key in [None, *world.orders]:
                record_id = world.orders[key] if key else None
                verdict = explain(env, login, ORDER, operation, record_id).splitlines()[-1]
                allowed = _orm_allows(env, world, login, operation, key)
                assert verdict.startswith("Verdict: ALLOWED") == allowed, (
                    login, operation, key, verdict)
                checked += 1
    assert checked == 6 * 4 * 9
    # a record that does not exist
    verdict = explain(env, "alice", ORDER, "read", 10**6).splitlines()[-1]
    assert verdict == f"Verdict: DENIED for record {10**6}: it does not exist"
