"""Fixtures of the base addon's tests (every test runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib

import pytest

from addons.base.tests.partner_support import team_world
from tests.conftest import ENGINES, pg_server  # noqa: F401  (pg_server: a fixture)


@pytest.fixture(scope="module", params=ENGINES)
def team(request, tmp_path_factory):
    """The base addon and a sales team (partner_support), committed once per module."""
    with team_world(request, tmp_path_factory) as world:
        yield world


class _Rollback(Exception):
    pass


@pytest.fixture
def env(team):
    """A superuser environment on the team's database, rolled back after the test."""
    with contextlib.suppress(_Rollback), team.database.env() as environment:
        yield environment
        raise _Rollback


@pytest.fixture
def as_user(env):
    """`as_user("sally")`: the test's environment (same transaction) as that user."""
    logins = {u.login: u.id for u in env["res.users"].search([])}
    return lambda login: env(user=logins[login])
