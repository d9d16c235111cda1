"""After-commit callbacks: `env.transaction.after_commit(callback)` runs `callback(database)`
once `Database.env()` has committed, never after a rollback; a failing callback is
logged and the others still run. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import uuid

import pytest

NOTE = "test.note"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def note_names(database, prefix: str) -> list[str]:
    with database.env() as env:
        return sorted(env[NOTE].search([("name", "=like", f"{prefix}%")]).mapped("name"))


@pytest.fixture
def prefix(database):
    """A unique name prefix; the notes named with it are deleted after the test."""
    name = unique("after-commit")
    yield name
    with database.env() as env:
        env[NOTE].search([("name", "=like", f"{name}%")]).unlink()


def test_callback_runs_after_the_commit_with_the_database(database, prefix):
    seen = []

    def callback(db):
        # a transaction of its own, which sees what the first one committed
        with db.env() as env:
            seen.append(env[NOTE].search([("name", "=", prefix)]).mapped("name"))
            env[NOTE].create({"name": f"{prefix}-from-callback"})

    with database.env() as env:
        env[NOTE].create({"name": prefix})
        env.transaction.after_commit(callback)
        assert seen == []  # not inside the transaction
    assert seen == [[prefix]]
    assert note_names(database, prefix) == [prefix, f"{prefix}-from-callback"]


def test_callback_never_runs_after_a_rollback(database, prefix):
    calls = []
    with pytest.raises(RuntimeError, match="boom"), database.env() as env:
        env[NOTE].create({"name": prefix})
        env.transaction.after_commit(calls.append)
        raise RuntimeError("boom")
    assert calls == []
    assert note_names(database, prefix) == []
    with database.env():  # the next transaction starts with no callback
        pass
    assert calls == []


def test_a_failing_callback_is_logged_and_the_others_still_run(database, prefix, caplog):
    calls = []

    def failing(db):
        raise ValueError("smtp is down")

    with caplog.at_level(logging.ERROR, logger="core.database"), database.env() as env:
        env[NOTE].create({"name": prefix})
        env.transaction.after_commit(lambda db: calls.append("first"))
        env.transaction.after_commit(failing)
        env.transaction.after_commit(lambda db: calls.append("last"))
    assert calls == ["first", "last"]
    assert note_names(database, prefix) == [prefix]  # the commit stands
    assert "after-commit callback" in caplog.text
    assert "smtp is down" in caplog.text


def test_a_key_keeps_one_callback_per_transaction(database):
    batches = []

    class Batch:
        def __init__(self):
            self.ids = set()

        def __call__(self, db):
            batches.append(sorted(self.ids))

    with database.env() as env:
        first = env.transaction.after_commit(Batch(), key="batch")
        first.ids.add(1)
        second = env.transaction.after_commit(Batch(), key="batch")
        assert second is first
        second.ids.add(2)
    assert batches == [[1, 2]]
    with database.env() as env:  # a new transaction gets a new one
        env.transaction.after_commit(Batch(), key="batch").ids.add(3)
    assert batches == [[1, 2], [3]]


def test_callbacks_registered_by_a_callback_run_after_its_own_commit(database, prefix):
    order = []

    def inner(db):
        order.append("inner")

    def outer(db):
        with db.env() as env:
            env[NOTE].create({"name": f"{prefix}-outer"})
            env.transaction.after_commit(inner)
            order.append("outer")

    with database.env() as env:
        env.transaction.after_commit(outer)
    assert order == ["outer", "inner"]
    assert note_names(database, prefix) == [f"{prefix}-outer"]


def test_callbacks_of_a_rolled_back_savepoint_still_run(database, prefix):
    """Documented behaviour: a callback must check that what it acts on exists."""
    calls = []
    with database.env() as env, pytest.raises(RuntimeError), env.savepoint():
        env.transaction.after_commit(calls.append)
        raise RuntimeError("inner")
    assert calls == [database]
