"""Helpers shared by the security tests (tests/test_security_*.py): a database with
base and the test addon sec_test (tests/addons_security) installed and a small world
of departments, users, orders and lines, committed once per test module and engine.

The world (see `populate`):

- departments: Sales, East (child of Sales), Support, Partners;
- users: alice (Employee, Sales), bob (Employee, Support), carol (Order manager only,
  which implies Employee), dave (no group), eve (Employee, East), pat (Portal);
- orders: alice_own, bob_own (Support), sales (Sales), east (East), secret (alice's,
  confidential), cancelled (alice's), done (alice's, state done), published
  (published, Partners); with lines, one of them hidden.

What each user may read of the orders is in VISIBLE (global rules: not confidential,
not cancelled; group rules: own or department for employees, all for managers,
published for portal); dave may read none (no access line).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from core import Database
from tests.conftest import database_url

SECURITY_ADDONS = Path(__file__).resolve().parent / "addons_security"
ORDER = "sec_test.order"
LINE = "sec_test.line"

VISIBLE = {
    "alice": {"alice_own", "sales", "east", "done"},
    "bob": {"bob_own"},
    "carol": {"alice_own", "bob_own", "sales", "east", "done", "published"},
    "eve": {"east"},
    "pat": {"published"},
}
ORDER_NAMES = {
    "alice_own": "Alice own order", "bob_own": "Bob own order", "sales": "Sales order",
    "east": "East order", "secret": "Confidential merger", "cancelled": "Cancelled deal",
    "done": "Completed shipment", "published": "Published order",
}


@dataclass
class World:
    """The committed database and the ids of what `populate` created."""

    database: Database
    url: str
    users: dict[str, int] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)

    def order_key(self, order_id: int) -> str:
        return {v: k for k, v in self.orders.items()}[order_id]

    def keys(self, orders) -> set[str]:
        """The world keys of an order recordset."""
        return {self.order_key(i) for i in orders.ids}


def populate(env) -> dict:
    """Create the departments, users, orders, lines and tags; their ids by key."""
    ref = env.ref
    employee, manager = ref("base.group_user").id, ref("sec_test.group_manager").id
    portal = ref("base.group_portal").id
    Department = env["res.department"]
    sales = Department.create({"name": "Sales"})
    departments = {
        "sales": sales.id,
        "east": Department.create({"name": "East", "parent_id": sales.id}).id,
        "support": Department.create({"name": "Support"}).id,
        "partners": Department.create({"name": "Partners"}).id,
    }
    specs = {"alice": ([employee], "sales"), "bob": ([employee], "support"),
             "carol": ([manager], None), "dave": ([], None), "eve": ([employee], "east"),
             "pat": ([portal], None)}
    users = {}
    for login, (groups, department) in specs.items():
        users[login] = env["res.users"].create({
            "name": login.capitalize(), "login": login, "groups_id": [(6, 0, groups)],
            "department_id": departments.get(department, False)}).id
    tags = {"urgent": env["sec_test.tag"].create({"name": "Urgent"}).id}
    order_values = {
        "alice_own": {"user_id": users["alice"], "amount": 10, "margin": 3,
                      "tag_id": tags["urgent"]},
        "bob_own": {"user_id": users["bob"], "department_id": departments["support"],
                    "amount": 20, "margin": 5},
        "sales": {"department_id": departments["sales"], "amount": 30},
        "east": {"department_id": departments["east"], "amount": 40},
        "secret": {"user_id": users["alice"], "confidential": True, "amount": 1000},
        "cancelled": {"user_id": users["alice"], "state": "cancel", "amount": 50},
        "done": {"user_id": users["alice"], "state": "done", "amount": 60},
        "published": {"published": True, "department_id": departments["partners"],
                      "amount": 70},
    }
    orders = {key: env[ORDER].create({"name": ORDER_NAMES[key], **values}).id
              for key, values in order_values.items()}
    line_values = {
        "alice_line": ("alice_own", "Alice line", False, 1),
        "alice_hidden": ("alice_own", "Alice hidden line", True, 2),
        "bob_line": ("bob_own", "Bob line", False, 1),
        "sales_line": ("sales", "Sales line", False, 1),
        "cancelled_line": ("cancelled", "Cancelled line", False, 1),
        "published_line": ("published", "Published line", False, 1),
    }
    lines = {key: env[LINE].create({"order_id": orders[order], "name": name,
                                    "hidden": hidden, "sequence": sequence}).id
             for key, (order, name, hidden, sequence) in line_values.items()}
    return {"users": users, "departments": departments, "orders": orders, "lines": lines,
            "tags": tags}


def security_world(request, tmp_path_factory, prepare=None):
    """For a module-scoped fixture parametrized on the engines: a new database with
    base and sec_test installed and the world created and committed. `prepare(url)`,
    if given, runs first on the empty database (e.g. `tessera init`)."""
    with database_url(request.param, tmp_path_factory.mktemp("security"), request) as url:
        if prepare is not None:
            prepare(url)
        database = Database(url, addons_paths=[SECURITY_ADDONS])
        with database.env() as env:
            env.addons.install(["base", "sec_test"])
            ids = populate(env)
        yield World(database, url, **ids)
        database.dispose()


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def rolled_back(database):
    """A superuser environment whose transaction is rolled back at the end."""
    with contextlib.suppress(_Rollback), database.env() as env:
        yield env
        raise _Rollback


@contextlib.contextmanager
def count_queries(database):
    """`with count_queries(db) as statements:` the SQL statements sent in the block
    (savepoint bookkeeping excluded)."""
    statements: list[str] = []

    def before(_conn, _cursor, statement, _params, _context, _many):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    sa.event.listen(database.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", before)
