"""Fixtures of the crm addon's tests (every test runs on SQLite and PostgreSQL).

- `crm`: a committed database per engine and test module with base and crm installed
  and the team of addons/base/tests/partner_support.py, plus the CRM groups:
  mia is a CRM manager, sally, sam and sonia are CRM users (paula and admin unchanged).
  `crm.browser("sally")` is a logged-in web browser, `crm.env("sally")` a committed
  environment, `crm.users["sally"]` an id.
- `env`: a superuser environment on that database, rolled back after the test.
- `as_user("sally")`: the test's environment (same transaction) as that user.
- `browsers("sally")`: a logged-in browser per user, kept for the module.

Web tests commit: create records with unique names, never assume an empty database.
"""

from __future__ import annotations

import pytest

from addons.base.tests.partner_support import team_world, user_switcher
from tests.conftest import ENGINES, new_database_url, pg_server  # noqa: F401  (fixtures)
from tests.security_support import rolled_back

CRM_GROUPS = {"mia": "crm.group_crm_manager", "sally": "crm.group_crm_user",
              "sam": "crm.group_crm_user", "sonia": "crm.group_crm_user"}


def grant_crm_groups(world) -> None:
    """Give the team's users their CRM groups (CRM_GROUPS), committed."""
    with world.database.env() as env:
        for login, xmlid in CRM_GROUPS.items():
            env["res.users"].browse(world.users[login]).write(
                {"groups_id": [(4, env.ref(xmlid).id)]})


@pytest.fixture(scope="module", params=ENGINES)
def crm(request, tmp_path_factory):
    """base + crm and the sales team with CRM groups, committed once per module."""
    with team_world(request, tmp_path_factory, addons=("base", "crm")) as world:
        grant_crm_groups(world)
        yield world


@pytest.fixture(scope="module")
def browsers(crm):
    """`browsers("sally")`: one logged-in browser per user for the module (logging in is
    slow on purpose: argon2)."""
    cache = {}

    def get(login):
        if login not in cache:
            cache[login] = crm.browser(login)
        return cache[login]

    return get


@pytest.fixture
def env(crm):
    """A superuser environment on the crm database, rolled back after the test."""
    with rolled_back(crm.database) as environment:
        yield environment


@pytest.fixture
def as_user(env):
    """`as_user("sally")`: the test's environment (same transaction) as that user."""
    return user_switcher(env)
