"""Record rules (security/rules.xml): global rules AND-ed, group rules OR-ed, rules of
other groups ignored, a rule on the user's department (child_of), per-operation flags,
create checked on the new records, hidden records never searched nor read, the cache
shared with sudo() not leaking, and query counts that do not grow with the records.

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from core.exceptions import AccessError, MissingError, ValidationError
from tests.conftest import ENGINES
from tests.security_support import (
    LINE,
    ORDER,
    ORDER_NAMES,
    VISIBLE,
    count_queries,
    rolled_back,
    security_world,
)


@pytest.fixture(scope="module", params=ENGINES)
def world(request, tmp_path_factory):
    yield from security_world(request, tmp_path_factory)


@pytest.fixture
def env(world):
    """A superuser environment on the world's database, rolled back after the test."""
    with rolled_back(world.database) as environment:
        yield environment


def as_user(env, world, login):
    return env(user=world.users[login])


def visible(env, world, login) -> set[str]:
    return world.keys(as_user(env, world, login)[ORDER].search([]))


# -- combination -----------------------------------------------------------------------
def test_each_user_sees_what_the_rules_allow(env, world):
    for login, keys in VISIBLE.items():
        assert visible(env, world, login) == keys, login


def test_global_rules_are_and_ed(env, world):
    # alice owns secret (confidential) and cancelled: a group rule allows them, each
    # fails one global rule
    assert not {"secret", "cancelled"} & visible(env, world, "alice")
    # even the manager's "All orders" does not lift a global rule
    assert not {"secret", "cancelled"} & visible(env, world, "carol")
    # an order failing both is hidden, one passing both (and a group rule) is shown
    env[ORDER].browse(world.orders["secret"]).write({"confidential": False})
    assert "secret" in visible(env, world, "alice")
    env[ORDER].browse(world.orders["cancelled"]).write({"state": "draft"})
    assert "cancelled" in visible(env, world, "alice")


def test_group_rules_are_or_ed(env, world):
    alice = as_user(env, world, "alice")
    # own orders (without department) and department orders (not hers) both show
    assert {"alice_own", "sales"} <= world.keys(alice[ORDER].search([]))
    assert env[ORDER].browse(world.orders["alice_own"]).department_id.id is False
    assert env[ORDER].browse(world.orders["sales"]).user_id.id is False
    # matching both is not needed, matching none hides
    assert "bob_own" not in world.keys(alice[ORDER].search([]))


def test_group_rules_of_other_groups_are_ignored(env, world):
    # "Published orders" is a portal rule: it neither widens (OR) nor narrows (AND)
    # what employees see
    assert "published" not in visible(env, world, "alice")
    assert visible(env, world, "alice") == VISIBLE["alice"]
    # the portal user gets only their rule, AND the global rules
    env[ORDER].create({"name": "Published secret", "published": True, "confidential": True})
    assert visible(env, world, "pat") == {"published"}


def test_no_group_rule_applies_only_global_rules(env, world):
    env["ir.rule"].search([("model", "=", ORDER), ("groups", "!=", False)]).unlink()
    assert visible(env, world, "bob") == {"alice_own", "bob_own", "sales", "east", "done",
                                          "published"}


def test_rule_changes_apply_in_the_same_transaction(env, world):
    rule = env.ref("sec_test.rule_order_not_cancelled")
    rule.write({"active": False})
    assert "cancelled" in visible(env, world, "alice")
    rule.write({"active": True, "domain_force": "[('amount', '<', 35)]"})
    assert visible(env, world, "alice") == {"alice_own", "sales"}


def test_rule_on_the_users_department_includes_child_departments(env, world):
    assert {"sales", "east"} <= visible(env, world, "alice")  # Sales, and East below it
    assert visible(env, world, "eve") == {"east"}  # East only, not its parent Sales
    # moving alice to Support: the rule follows her department at once
    env["res.users"].browse(world.users["alice"]).write(
        {"department_id": world.departments["support"]})
    assert visible(env, world, "alice") == {"alice_own", "bob_own", "done"}
    # without a department only the other rules allow
    env["res.users"].browse(world.users["alice"]).write({"department_id": False})
    assert visible(env, world, "alice") == {"alice_own", "done"}
    # a new sub-department of East is visible to eve with its orders
    south = env["res.department"].create({"name": "South-East",
                                          "parent_id": world.departments["east"]})
    env[ORDER].create({"name": "South order", "department_id": south.id})
    assert as_user(env, world, "eve")[ORDER].search([]).mapped("name") == [
        "East order", "South order"]


def test_rule_domain_cannot_run_code(env, world):
    rule = env.ref("sec_test.rule_order_own")
    rule.write({"domain_force": "[('user_id', '=', __import__('os').getpid())]"})
    with pytest.raises(ValidationError, match=r"only literals and `user\.<field>`"):
        as_user(env, world, "alice")[ORDER].search([])
    rule.write({"domain_force": "[('user_id', '=', user._ids)]"})
    with pytest.raises(ValidationError):
        as_user(env, world, "alice")[ORDER].search([])


# -- per-operation flags ----------------------------------------------------------------
def test_a_rule_only_for_write(env, world):
    alice = as_user(env, world, "alice")
    done = alice[ORDER].browse(world.orders["done"])
    assert done.name == ORDER_NAMES["done"]  # readable: the rule does not restrict read
    with pytest.raises(AccessError, match="'Done orders are frozen'"):
        done.write({"amount": 61})
    assert env[ORDER].browse(done.id).amount == 60
    # nor create: a new order may be done already
    new = alice[ORDER].create({"name": "Born done", "user_id": world.users["alice"],
                               "state": "done"})
    assert new.state == "done"
    # nor unlink: a manager deletes a done order
    as_user(env, world, "carol")[ORDER].browse(done.id).unlink()
    assert not env[ORDER].browse(done.id).exists()


def test_write_checks_the_rules_first(env, world):
    alice = as_user(env, world, "alice")
    orders = alice[ORDER].browse([world.orders["alice_own"], world.orders["bob_own"]])
    with pytest.raises(AccessError, match=rf"records \[{world.orders['bob_own']}\]"):
        orders.write({"amount": 1})
    # nothing was written, not even to the allowed order
    assert env[ORDER].browse(orders.ids).mapped("amount") == [10, 20]


def test_unlink_checks_the_rules_first(env, world):
    carol = as_user(env, world, "carol")
    orders = carol[ORDER].browse([world.orders["sales"], world.orders["cancelled"]])
    with pytest.raises(AccessError, match="'No cancelled orders'"):
        orders.unlink()
    assert len(env[ORDER].browse(orders.ids).exists()) == 2


# -- create ---------------------------------------------------------------------------
def test_create_must_satisfy_the_rules(env, world):
    alice = as_user(env, world, "alice")
    count = env[ORDER].search_count([])
    with pytest.raises(AccessError, match=r"(?s)create.*'Own orders'"):
        alice[ORDER].create({"name": "For bob", "user_id": world.users["bob"]})
    with pytest.raises(AccessError, match="'No confidential orders'"):
        alice[ORDER].create({"name": "Mine but secret", "user_id": world.users["alice"],
                             "confidential": True})
    # several at once: one breaking a rule creates none
    with pytest.raises(AccessError):
        alice[ORDER].create([{"name": "Fine", "user_id": world.users["alice"]},
                             {"name": "Not fine", "user_id": world.users["bob"]}])
    assert env[ORDER].search_count([]) == count
    assert not env[ORDER].search([("name", "in", ["For bob", "Mine but secret", "Fine",
                                                   "Not fine"])])
    # allowed by the department rule
    created = alice[ORDER].create({"name": "For sales", "department_id":
                                   world.departments["east"]})
    assert created.name == "For sales"


def test_create_through_a_one2many_must_satisfy_the_line_rules(env, world):
    alice = as_user(env, world, "alice")
    order = alice[ORDER].browse(world.orders["alice_own"])
    with pytest.raises(AccessError, match=r"sec_test\.line.*'Visible lines'"):
        order.write({"line_ids": [(0, 0, {"name": "Visible"}),
                                  (0, 0, {"name": "Hidden", "hidden": True})]})
    assert env[LINE].search_count([("order_id", "=", order.id)]) == 2
    order.write({"line_ids": [(0, 0, {"name": "Visible"})]})
    assert order.mapped("line_ids.name") == ["Alice line", "Visible"]


# -- hidden records ---------------------------------------------------------------------
def test_search_never_returns_hidden_records(env, world):
    alice = as_user(env, world, "alice")[ORDER]
    assert not alice.search([("name", "=", ORDER_NAMES["secret"])])
    assert alice.search_count([("confidential", "=", True)]) == 0
    assert not alice.search([("id", "=", world.orders["secret"])])
    assert alice.name_search("Confidential") == []
    assert alice.search([], limit=2, offset=3, order="name").mapped("name") == [
        ORDER_NAMES["sales"]]
    groups = alice.read_group([], ["amount:sum"], [])
    assert groups[0]["__count"] == 4 and groups[0]["amount"] == 10 + 30 + 40 + 60
    lines = as_user(env, world, "alice")[LINE]
    assert "Alice hidden line" not in lines.search([]).mapped("name")
    assert lines.search_count([("order_id", "=", world.orders["alice_own"])]) == 1
    both = alice.browse([world.orders["alice_own"], world.orders["secret"]])
    assert both.filtered_domain([("amount", ">", 0)]).ids == [world.orders["alice_own"]]


def test_searching_through_a_relation_does_not_match_hidden_records(env, world):
    # otherwise the names (or any field) of hidden records could be guessed
    lines = as_user(env, world, "alice")[LINE]
    assert not lines.search([("order_id.name", "=", ORDER_NAMES["cancelled"])])
    assert not lines.search([("order_id", "ilike", "cancelled")])
    assert not lines.search([("order_id.amount", "=", 50)])
    assert lines.search([("order_id.name", "=", ORDER_NAMES["sales"])]).mapped("name") == [
        "Sales line"]
    orders = as_user(env, world, "alice")[ORDER]
    assert not orders.search([("line_ids.name", "=", "Alice hidden line")])
    assert not orders.search([("line_ids", "ilike", "hidden")])
    assert world.keys(orders.search([("line_ids", "ilike", "alice")])) == {"alice_own"}
    # the superuser still matches everything
    assert len(env[LINE].search([("order_id.name", "=", ORDER_NAMES["cancelled"])])) == 1


def test_rules_through_relations_do_not_apply_other_rules(env, world):
    """Rule domains are evaluated as superuser: a rule on orders following the lines
    and one on lines following the orders neither recurse nor filter each other."""
    env["ir.rule"].create([
        {"name": "Orders with a visible line", "model": ORDER,
         "domain_force": "[('line_ids.hidden', '=', False)]"},
        {"name": "Lines of draft orders", "model": LINE,
         "domain_force": "[('order_id.state', '=', 'draft')]"},
    ])
    alice = as_user(env, world, "alice")
    assert world.keys(alice[ORDER].search([])) == {"alice_own", "sales"}
    assert set(alice[LINE].search([]).mapped("name")) == {"Alice line", "Bob line",
                                                          "Sales line", "Published line"}


def test_reading_a_hidden_record_by_id_raises_access_error(env, world):
    alice = as_user(env, world, "alice")[ORDER]
    secret = alice.browse(world.orders["secret"])
    with pytest.raises(AccessError):
        _ = secret.name
    with pytest.raises(AccessError):
        secret.read(["name"])
    with pytest.raises(AccessError):
        secret.mapped("name")
    with pytest.raises(AccessError):
        alice.browse([world.orders["alice_own"], world.orders["secret"]]).read(["amount"])
    # prefetching with a hidden record: the allowed one reads, the hidden one raises
    both = alice.browse([world.orders["alice_own"], world.orders["secret"]])
    first, second = both
    assert first.name == ORDER_NAMES["alice_own"]
    with pytest.raises(AccessError):
        _ = second.amount
    # a line whose order is hidden: the many2one is readable, the order is not
    line = as_user(env, world, "alice")[LINE].browse(world.lines["cancelled_line"])
    assert line.name == "Cancelled line"
    with pytest.raises(AccessError, match="'No cancelled orders'"):
        _ = line.order_id.name
    with pytest.raises(AccessError):
        line.mapped("order_id.name")


def test_reading_a_deleted_record_raises_missing_error(env, world):
    order_id = world.orders["alice_own"]
    env[ORDER].browse(order_id).unlink()
    alice = as_user(env, world, "alice")[ORDER]
    with pytest.raises(MissingError):
        _ = alice.browse(order_id).name
    with pytest.raises(MissingError):
        alice.browse(order_id).read(["name"])
    with pytest.raises(MissingError):
        _ = alice.browse(10**6).name
    # deleted and hidden together: the hidden one is an access error
    with pytest.raises(AccessError):
        alice.browse([order_id, world.orders["secret"]]).read(["name"])
    with pytest.raises(MissingError):
        alice.browse([order_id, world.orders["sales"]]).read(["name"])


def test_one2many_shows_only_visible_lines(env, world):
    alice = as_user(env, world, "alice")
    order = alice[ORDER].browse(world.orders["alice_own"])
    assert order.line_ids.mapped("name") == ["Alice line"]
    assert order.read(["line_ids"])[0]["line_ids"] == [world.lines["alice_line"]]
    # the line becoming visible shows at once
    env[LINE].browse(world.lines["alice_hidden"]).write({"hidden": False})
    assert order.line_ids.mapped("name") == ["Alice line", "Alice hidden line"]


# -- the cache shared with sudo() -------------------------------------------------------
def test_sudo_cache_does_not_leak_hidden_records(env, world):
    alice = as_user(env, world, "alice")
    every = alice[ORDER].sudo().search([])
    assert len(every) == len(world.orders)
    every.read(["name", "amount", "line_ids"])  # the cache now holds every order
    every.mapped("line_ids.name")
    secret = alice[ORDER].browse(world.orders["secret"])
    with pytest.raises(AccessError):
        _ = secret.name
    with pytest.raises(AccessError):
        secret.read(["amount"])
    assert "secret" not in world.keys(alice[ORDER].search([]))
    own = alice[ORDER].browse(world.orders["alice_own"])
    assert own.line_ids.mapped("name") == ["Alice line"]
    with pytest.raises(AccessError):
        _ = alice[LINE].browse(world.lines["alice_hidden"]).name
    # and the other way round: what the user read does not hide records from sudo
    assert own.sudo().line_ids.mapped("name") == ["Alice line", "Alice hidden line"]
    assert every.mapped("name")  # still readable as superuser


def test_user_cache_does_not_hide_records_from_sudo(env, world):
    alice = as_user(env, world, "alice")
    orders = alice[ORDER].browse([world.orders["alice_own"], world.orders["secret"]])
    assert orders[0].line_ids.ids == [world.lines["alice_line"]]
    with pytest.raises(AccessError):
        _ = orders[1].name
    assert orders.sudo().mapped("name") == [ORDER_NAMES["alice_own"], ORDER_NAMES["secret"]]
    assert orders.sudo()[0].line_ids.ids == [world.lines["alice_line"],
                                             world.lines["alice_hidden"]]


# -- query counts ---------------------------------------------------------------------
def _bulk(env, world, count: int, tag: str) -> list[int]:
    """`count` orders alice may read (own), each with two lines, one hidden."""
    orders = env[ORDER].create([{"name": f"{tag} {i:03d}", "user_id": world.users["alice"],
                                 "amount": i} for i in range(count)])
    env[LINE].create([{"name": f"{tag} line {i}", "order_id": oid, "hidden": hidden}
                      for i, oid in enumerate(orders.ids) for hidden in (False, True)])
    return orders.ids


def _queries(env, world, ids, work) -> int:
    """Queries `work(records)` sends for alice on a cold record cache."""
    env.transaction.invalidate()
    records = as_user(env, world, "alice")[ORDER].browse(ids)
    with count_queries(world.database) as statements:
        work(records)
    return len(statements)


@pytest.mark.parametrize("work", [
    pytest.param(lambda records: [r.name for r in records], id="attribute"),
    pytest.param(lambda records: records.read(["name", "amount"]), id="read"),
    pytest.param(lambda records: records.mapped("user_id.name"), id="many2one"),
    pytest.param(lambda records: records.mapped("line_ids.name"), id="one2many"),
    pytest.param(lambda records: [len(r.line_ids) for r in records], id="one2many-each"),
    pytest.param(lambda records: records.search([("id", "in", records.ids)]).mapped("amount"),
                 id="search"),
])
def test_query_count_does_not_grow_with_the_records(env, world, work):
    warm = _bulk(env, world, 3, "warm")
    few, many = _bulk(env, world, 10, "few"), _bulk(env, world, 200, "many")
    # access lines and rules are read and compiled once per transaction
    _queries(env, world, warm, work)
    few_count = _queries(env, world, few, work)
    many_count = _queries(env, world, many, work)
    assert few_count == many_count, (few_count, many_count)
    assert few_count <= 5


def test_query_count_of_a_restricted_field_for_its_group(env, world):
    ids = env[ORDER].create([{"name": f"m{i}", "margin": i} for i in range(200)]).ids
    carol = as_user(env, world, "carol")[ORDER]
    assert carol.browse(world.orders["alice_own"]).margin == 3  # groups looked up once

    def margins(records):
        return [r.margin for r in records]

    env.transaction.invalidate()
    with count_queries(world.database) as few:
        margins(carol.browse(ids[:10]))
    env.transaction.invalidate()
    with count_queries(world.database) as many:
        assert margins(carol.browse(ids)) == list(range(200))
    assert len(few) == len(many) == 1, (few, many)


def test_rules_are_in_the_sql_not_applied_in_python(env, world):
    alice = as_user(env, world, "alice")[ORDER]
    alice.search_count([])
    with count_queries(world.database) as statements:
        alice.search([("amount", ">", 0)])
    assert len(statements) == 1
    assert "confidential" in statements[0] and "department" in statements[0]
