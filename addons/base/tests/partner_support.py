"""Shared by the customer tests of the base addon: a database per engine with base
installed and a sales team, committed once per test module.

The team (see `populate_team`):

- departments north and south;
- users: mia (Contacts: all customers, a manager), sally and sam (Employee, north),
  sonia (Employee, south), paula (Employee and Contacts: private addresses, south),
  and admin (Settings);
- no customers: each test creates its own (the database is shared by a module's tests;
  `env` rolls back, `team.browser()` commits like a real user).
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field

from core import Database
from core.security.admin import ensure_admin
from core.web import create_app
from tests.conftest import database_url
from tests.web_support import Browser

PASSWORDS = {"admin": "admin-secret-1", "mia": "mia-secret-123", "sally": "sally-secret-1",
             "sam": "sam-secret-123", "sonia": "sonia-secret-1", "paula": "paula-secret-1"}


def unique(prefix: str) -> str:
    """A name no other test uses (a module's tests share their database)."""
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def user_switcher(env):
    """`switch("sally")`: `env` (same transaction) as the user of that login."""
    logins = {u.login: u.id for u in env["res.users"].search([])}
    return lambda login: env(user=logins[login])


@dataclass
class Team:
    """The committed database, its web application and the ids of the team."""

    database: Database
    app: object
    users: dict[str, int] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)

    def browser(self, login: str | None = None) -> Browser:
        """A browser on the web client, logged in as `login` when given."""
        browser = Browser(self.app)
        if login:
            response = browser.login(login, PASSWORDS[login])
            assert response.status_code == 303, f"{login} could not log in"
        return browser

    @contextlib.contextmanager
    def env(self, login: str | None = None):
        """A committed environment (superuser, or as `login`)."""
        with self.database.env(user=self.users[login] if login else None) as env:
            yield env


def populate_team(env) -> dict:
    """Create the departments and users; their ids by key."""
    ensure_admin(env, PASSWORDS["admin"])
    departments = {key: env["res.department"].create({"name": name}).id
                   for key, name in [("north", "Sales North"), ("south", "Sales South")]}
    groups = {name: env.ref(f"base.{name}").id
              for name in ("group_user", "group_partner_manager", "group_private_addresses")}
    users = {"admin": env["res.users"].search([("login", "=", "admin")]).id}
    for login, name, department, group_names in [
            ("mia", "Mia Manager", "north", ["group_partner_manager"]),
            ("sally", "Sally Seller", "north", ["group_user"]),
            ("sam", "Sam Seller", "north", ["group_user"]),
            ("sonia", "Sonia Seller", "south", ["group_user"]),
            ("paula", "Paula Payroll", "south", ["group_user", "group_private_addresses"])]:
        users[login] = env["res.users"].create({
            "name": name, "login": login, "password": PASSWORDS[login],
            "email": f"{login}@tessera.example", "department_id": departments[department],
            "groups_id": [(6, 0, [groups[g] for g in group_names])]}).id
    return {"users": users, "departments": departments}


@contextlib.contextmanager
def team_world(request, tmp_path_factory, addons_paths=(), addons=("base",)):
    """A new database of the fixture's engine with `addons` installed and the team."""
    with database_url(request.param, tmp_path_factory.mktemp("base"), request) as url:
        database = Database(url, addons_paths=list(addons_paths))
        with database.env() as env:
            env.addons.install(list(addons))
            ids = populate_team(env)
        yield Team(database, create_app(database), **ids)
        database.dispose()
