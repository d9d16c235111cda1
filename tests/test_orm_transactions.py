"""Transactions: `with database.env()` commits or rolls back, savepoints nest, a lost
race on PostgreSQL raises RetryableError; with_user/sudo record the acting user."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import Database
from core.exceptions import RetryableError, ValidationError

TEST_ADDONS = Path(__file__).resolve().parent / "addons"
PARTNER = "test_compute.partner"
CONSTRAINED = "test_compute.constrained"


@pytest.fixture
def db(new_database_url):
    """A database of its own with test_orm_compute installed (committed)."""
    database = Database(new_database_url, addons_paths=[TEST_ADDONS])
    with database.env() as env:
        env.addons.install(["test_orm_compute"])
    yield database
    database.dispose()


def names(database, model=PARTNER) -> list[str]:
    """Names of the records as a new transaction sees them."""
    with database.env() as env:
        return sorted(env[model].search([]).mapped("name"))


# -- commit and rollback ----------------------------------------------------------------

def test_env_commits_on_success(db):
    with db.env() as env:
        env[PARTNER].create({"name": "committed"})
        assert env.addons.state("test_orm_compute") == "installed"
    assert names(db) == ["committed"]


def test_env_rolls_back_on_exception(db):
    with pytest.raises(RuntimeError, match="boom"), db.env() as env:
        env[PARTNER].create({"name": "lost"})
        assert env[PARTNER].search_count([]) == 1
        raise RuntimeError("boom")
    assert names(db) == []


def test_env_rolls_back_earlier_operations_on_a_validation_error(db):
    with pytest.raises(ValidationError), db.env() as env:
        env[PARTNER].create({"name": "first"})
        env[CONSTRAINED].create({"name": "bad", "min_value": 2, "max_value": 1})
    assert names(db) == []
    assert names(db, CONSTRAINED) == []


def test_caught_error_keeps_the_transaction_usable(db):
    with db.env() as env:
        env[CONSTRAINED].create({"name": "a", "code": "A"})
        with pytest.raises(ValidationError, match=r"The code must be unique."):
            env[CONSTRAINED].create({"name": "b", "code": "A"})
        with pytest.raises(ValidationError, match=r"The quantity cannot be negative."):
            env[CONSTRAINED].create({"name": "c", "quantity": -1})
        env[CONSTRAINED].create({"name": "d", "code": "D"})
    assert names(db, CONSTRAINED) == ["a", "d"]


def test_uncommitted_changes_are_invisible_to_another_transaction(db):
    with db.env() as env:
        env[PARTNER].create({"name": "pending"})
        assert names(db) == []
    assert names(db) == ["pending"]


def test_install_is_rolled_back_with_its_transaction(db):
    with pytest.raises(RuntimeError), db.env() as env:
        env.addons.install(["test_orm_smoke"])
        assert env.addons.state("test_orm_smoke") == "installed"
        env["test.note"].create({"name": "gone"})
        raise RuntimeError("abort the install")
    with db.env() as env:
        assert env.addons.state("test_orm_smoke") == "uninstalled"
        assert "test.note" not in env.registry


# -- savepoints -------------------------------------------------------------------------

def test_savepoint_keeps_work_on_success(db):
    with db.env() as env, env.savepoint():
        env[PARTNER].create({"name": "inside"})
    assert names(db) == ["inside"]


def test_savepoints_nest(db):
    with db.env() as env:
        env[PARTNER].create({"name": "outer"})
        with env.savepoint():
            env[PARTNER].create({"name": "level 1"})
            with pytest.raises(ValueError), env.savepoint():
                env[PARTNER].create({"name": "level 2 (lost)"})
                with env.savepoint():
                    env[PARTNER].create({"name": "level 3 (lost with level 2)"})
                raise ValueError("undo level 2")
            with env.savepoint():
                env[PARTNER].create({"name": "level 2 bis"})
        assert sorted(env[PARTNER].search([]).mapped("name")) == [
            "level 1", "level 2 bis", "outer"]
    assert names(db) == ["level 1", "level 2 bis", "outer"]


def test_outer_savepoint_rollback_undoes_released_inner_ones(env):
    model = env["test_compute.partner"]
    with pytest.raises(ValueError), env.savepoint():
        with env.savepoint():
            model.create({"name": "inner"})
        assert model.search_count([("name", "=", "inner")]) == 1
        raise ValueError("undo everything")
    assert model.search_count([("name", "=", "inner")]) == 0


def test_savepoint_rollback_forgets_cached_values(env):
    partner = env[PARTNER].create({"name": "before"})
    child = env[PARTNER].create({"name": "kid", "parent_id": partner.id})
    assert child.display_full == "before / kid"
    with pytest.raises(ValueError), env.savepoint():
        partner.write({"name": "during"})
        assert partner.name == "during"
        assert child.display_full == "during / kid"
        raise ValueError("undo")
    assert partner.name == "before"
    assert child.display_full == "before / kid"
    table = env[PARTNER]._sa_table
    stored = env.connection.execute(
        sa.select(table.c.display_full).where(table.c.id == child.id)).scalar_one()
    assert stored == "before / kid"


def test_savepoint_with_orm_error_inside(env):
    model = env[CONSTRAINED]
    model.create({"name": "holder", "code": "H"})
    with pytest.raises(ValidationError), env.savepoint():
        model.create({"name": "ok inside", "code": "OK"})
        model.create({"name": "dup", "code": "H"})
    assert model.search([]).mapped("name") == ["holder"]
    model.create({"name": "after", "code": "AFTER"})
    assert model.search_count([]) == 2


# -- lost races on PostgreSQL -------------------------------------------------------------

@pytest.mark.parametrize("new_database_url", ["postgresql"], indirect=True)
def test_serialization_failure_is_retryable(db):
    with db.env() as env:
        partner_id = env[PARTNER].create({"name": "original"}).id
    with pytest.raises(RetryableError), db.env() as first:
        record = first[PARTNER].browse(partner_id)
        assert record.name == "original"  # the snapshot is taken
        with db.env() as second:
            second[PARTNER].browse(partner_id).write({"name": "second"})
        record.write({"name": "first"})
    assert names(db) == ["second"]
    # running the lost transaction again succeeds
    with db.env() as first:
        first[PARTNER].browse(partner_id).write({"name": "first"})
    assert names(db) == ["first"]


@pytest.mark.parametrize("new_database_url", ["postgresql"], indirect=True)
def test_concurrent_updates_of_one_row(db):
    with db.env() as env:
        partner_id = env[PARTNER].create({"name": "original"}).id
    both_read = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def worker(tag: str) -> None:
        try:
            with db.env() as env:
                record = env[PARTNER].browse(partner_id)
                assert record.name == "original"
                both_read.wait()
                record.write({"name": tag})
            outcomes[tag] = "committed"
        except Exception as error:  # reported to the main thread
            outcomes[tag] = error

    threads = [threading.Thread(target=worker, args=(tag,)) for tag in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    committed = [tag for tag, outcome in outcomes.items() if outcome == "committed"]
    failed = [outcome for outcome in outcomes.values() if outcome != "committed"]
    assert len(committed) == 1, outcomes
    assert len(failed) == 1 and isinstance(failed[0], RetryableError), outcomes
    assert names(db) == committed


# -- the acting user ------------------------------------------------------------------------

def test_create_and_write_uid_record_the_user(env):
    users = env["res.users"]
    alice = users.create({"name": "Alice", "login": "alice"})
    bob = users.create({"name": "Bob", "login": "bob"})
    partner = env[PARTNER].with_user(alice).create({"name": "by alice"})
    assert partner.env.uid == alice.id
    assert partner.create_uid == alice
    assert partner.write_uid == alice
    env.transaction.invalidate()
    assert env[PARTNER].browse(partner.id).create_uid == alice
    partner.with_user(bob).write({"name": "by bob"})
    env.transaction.invalidate()
    fresh = env[PARTNER].browse(partner.id)
    assert fresh.create_uid == alice
    assert fresh.write_uid == bob
    assert fresh.read(["create_uid", "write_uid"])[0] == {
        "id": partner.id, "create_uid": (alice.id, "Alice"), "write_uid": (bob.id, "Bob")}


def test_superuser_is_recorded_by_default(env):
    partner = env[PARTNER].create({"name": "by root"})
    assert partner.create_uid.id == env.uid == 1


def test_sudo_keeps_the_user(env):
    alice = env["res.users"].create({"name": "Alice", "login": "alice"})
    as_alice = env[PARTNER].with_user(alice)
    assert not as_alice.env.su
    elevated = as_alice.sudo()
    assert elevated.env.su
    assert elevated.env.uid == alice.id
    partner = elevated.create({"name": "sudo by alice"})
    assert partner.create_uid == alice
    assert partner.sudo(False).env.su is False
    assert partner.sudo(False).env.uid == alice.id


def test_with_user_accepts_an_id_and_the_environment_keeps_its_transaction(env):
    alice = env["res.users"].create({"name": "Alice", "login": "alice"})
    model = env[PARTNER].with_user(alice.id)
    assert model.env.uid == alice.id
    assert model.env.transaction is env.transaction
    assert model.env.user == alice
    partner = model.create({"name": "x"})
    # records created as another user are visible in the same transaction
    assert env[PARTNER].search([("create_uid", "=", alice.id)]) == partner


def test_user_of_a_database_env(db):
    with db.env() as env:
        carol = env["res.users"].create({"name": "Carol", "login": "carol"})
    with db.env(user="carol") as env:
        assert env.uid == carol.id
        partner = env[PARTNER].create({"name": "by carol"})
        assert partner.create_uid.login == "carol"
    with db.env(user=carol.id) as env:
        assert env[PARTNER].search([]).create_uid.name == "Carol"
