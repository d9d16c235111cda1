"""Fixtures of the base addon's tests (every test runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from addons.base.tests.partner_support import team_world, user_switcher
from addons.base.tests.sms_support import fake_provider, sms_settings
from tests.conftest import ENGINES, pg_server  # noqa: F401  (pg_server: a fixture)
from tests.security_support import rolled_back


@pytest.fixture(scope="module", params=ENGINES)
def team(request, tmp_path_factory):
    """The base addon and a sales team (partner_support), committed once per module."""
    with team_world(request, tmp_path_factory) as world:
        yield world


@pytest.fixture
def env(team):
    """A superuser environment on the team's database, rolled back after the test."""
    with rolled_back(team.database) as environment:
        yield environment


@pytest.fixture
def as_user(env):
    """`as_user("sally")`: the test's environment (same transaction) as that user."""
    return user_switcher(env)


@pytest.fixture
def provider():
    """A local HTTP server standing in for the SMS provider."""
    yield from fake_provider()


@pytest.fixture
def sms_config(tmp_path, monkeypatch):
    """`sms_config(**keys)`: the [sms] configuration of the test."""
    yield from sms_settings(tmp_path, monkeypatch)
