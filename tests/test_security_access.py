"""Model access (security/access.csv) and fields restricted with `groups=`: every ORM
operation allowed and denied, implied groups, lines for everyone, models without any
line, sudo(), and what AccessError messages say (and do not say).

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from core.exceptions import AccessError
from tests.conftest import ENGINES
from tests.security_support import LINE, ORDER, ORDER_NAMES, VISIBLE, rolled_back, security_world

TAG, VAULT = "sec_test.tag", "sec_test.vault"


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


def denied(operation_word: str, model: str = ORDER, cause: str = "no access line"):
    """pytest.raises for an AccessError naming the model, the operation and the cause."""
    return pytest.raises(AccessError, match=rf"(?s)(?=.*{operation_word})(?=.*\({model}[.)])"
                                            rf"(?=.*{cause})")


# -- every operation, with and without the group -----------------------------------------
def test_search_and_search_count(env, world):
    alice = as_user(env, world, "alice")
    assert world.keys(alice[ORDER].search([])) == VISIBLE["alice"]
    assert alice[ORDER].search_count([]) == len(VISIBLE["alice"])
    dave = as_user(env, world, "dave")
    with denied("read"):
        dave[ORDER].search([])
    with denied("read"):
        dave[ORDER].search_count([])


def test_read_group(env, world):
    alice = as_user(env, world, "alice")
    groups = alice[ORDER].read_group([], ["amount:sum"], ["state"])
    assert {g["state"]: (g["__count"], g["amount"]) for g in groups} == {
        "draft": (3, 10 + 30 + 40), "done": (1, 60)}
    with denied("read"):
        as_user(env, world, "dave")[ORDER].read_group([], ["amount:sum"], ["state"])


def test_read(env, world):
    alice = as_user(env, world, "alice")
    rows = alice[ORDER].browse(world.orders["alice_own"]).read(["name", "amount", "user_id"])
    assert rows == [{"id": world.orders["alice_own"], "name": ORDER_NAMES["alice_own"],
                     "amount": 10, "user_id": (world.users["alice"], "Alice")}]
    with denied("read"):
        as_user(env, world, "dave")[ORDER].browse(world.orders["alice_own"]).read(["name"])


def test_browse_and_attribute_read(env, world):
    alice = as_user(env, world, "alice")
    order = alice[ORDER].browse(world.orders["alice_own"])
    assert (order.name, order.amount, order.user_id.id) == (
        ORDER_NAMES["alice_own"], 10, world.users["alice"])
    with denied("read"):
        _ = as_user(env, world, "dave")[ORDER].browse(world.orders["alice_own"]).name


def test_write(env, world):
    alice = as_user(env, world, "alice")
    alice[ORDER].browse(world.orders["alice_own"]).write({"amount": 11})
    assert env[ORDER].browse(world.orders["alice_own"]).amount == 11
    with denied("modify", cause="no access line grants 'write'"):
        as_user(env, world, "dave")[ORDER].browse(world.orders["alice_own"]).write({"amount": 1})
    with denied("modify", cause=r"no access line grants 'write' to your groups \(Portal\)"):
        as_user(env, world, "pat")[ORDER].browse(world.orders["published"]).write({"amount": 1})
    assert env[ORDER].browse(world.orders["alice_own"]).amount == 11


def test_create(env, world):
    alice = as_user(env, world, "alice")
    order = alice[ORDER].create({"name": "Alice new", "user_id": world.users["alice"]})
    assert order.name == "Alice new" and order.env.uid == world.users["alice"]
    before = env[ORDER].search_count([])
    with denied("create", cause="no access line grants 'create' to your groups \\(none\\)"):
        as_user(env, world, "dave")[ORDER].create({"name": "Dave new"})
    with denied("create", cause="'create'"):
        as_user(env, world, "pat")[ORDER].create({"name": "Pat new"})
    assert env[ORDER].search_count([]) == before


def test_unlink(env, world):
    alice = as_user(env, world, "alice")
    with denied("delete", cause=r"no access line grants 'unlink' to your groups \(Employee\)"):
        alice[ORDER].browse(world.orders["alice_own"]).unlink()
    assert env[ORDER].browse(world.orders["alice_own"]).exists()
    carol = as_user(env, world, "carol")  # managers may delete
    carol[ORDER].browse(world.orders["alice_own"]).unlink()
    assert not env[ORDER].browse(world.orders["alice_own"]).exists()
    # deleting the order deleted its lines (cascade), whatever the rules on lines
    assert not env[LINE].browse(world.lines["alice_hidden"]).exists()


def test_mapped_through_a_many2one(env, world):
    alice = as_user(env, world, "alice")
    lines = alice[LINE].browse([world.lines["alice_line"], world.lines["sales_line"]])
    assert lines.mapped("order_id.name") == [ORDER_NAMES["alice_own"], ORDER_NAMES["sales"]]
    assert lines.mapped("order_id.user_id.name") == ["Alice"]
    # the portal may read its order, not the departments
    published = as_user(env, world, "pat")[ORDER].browse(world.orders["published"])
    assert published.mapped("name") == [ORDER_NAMES["published"]]
    with denied("read", model="res.department"):
        published.mapped("department_id.name")
    with denied("read", model="res.department"):
        _ = published.department_id.name


def test_mapped_through_a_one2many(env, world):
    alice = as_user(env, world, "alice")
    orders = alice[ORDER].browse([world.orders["sales"], world.orders["alice_own"]])
    assert orders.mapped("line_ids.name") == ["Sales line", "Alice line"]
    assert orders.mapped("line_ids.order_id") == orders
    # a line the rules hide is not part of the one2many for the user
    own = alice[ORDER].browse(world.orders["alice_own"])
    assert own.line_ids.ids == [world.lines["alice_line"]]
    assert own.sudo().line_ids.ids == [world.lines["alice_line"], world.lines["alice_hidden"]]
    # the portal may read its order, not the lines
    published = as_user(env, world, "pat")[ORDER].browse(world.orders["published"])
    with denied("read", model=LINE):
        published.mapped("line_ids.name")


# -- groups: implied groups, lines for everyone, no line --------------------------------
def test_implied_group_grants_what_the_implied_group_has(env, world):
    carol = as_user(env, world, "carol")  # only in Order manager, which implies Employee
    assert env["res.users"].browse(world.users["carol"]).groups_id.mapped("name") == [
        "Order manager"]
    assert carol.user.has_group("base.group_user")
    # read, write and create come from the Employee line, unlink from the manager's
    assert world.keys(carol[ORDER].search([])) == VISIBLE["carol"]
    carol[ORDER].browse(world.orders["sales"]).write({"amount": 31})
    new = carol[ORDER].create({"name": "Carol new"})
    new.unlink()
    carol[TAG].browse(world.tags["urgent"]).write({"name": "Very urgent"})
    assert env[TAG].browse(world.tags["urgent"]).name == "Very urgent"


def test_a_group_implied_later_grants_at_once(env, world):
    dave = as_user(env, world, "dave")
    with denied("read"):
        dave[ORDER].search([])
    portal = env.ref("base.group_portal")
    env["res.users"].browse(world.users["dave"]).write({"groups_id": [(4, portal.id)]})
    assert world.keys(dave[ORDER].search([])) == {"published"}
    portal.write({"implied_ids": [(4, env.ref("sec_test.group_manager").id)]})
    assert world.keys(dave[ORDER].search([])) == VISIBLE["carol"]


def test_a_line_without_group_applies_to_everyone(env, world):
    for login in ("dave", "pat", "alice"):
        tags = as_user(env, world, login)[TAG].search([])
        assert tags.mapped("name") == ["Urgent"]
    with denied("modify", model=TAG, cause="no access line grants 'write'"):
        as_user(env, world, "dave")[TAG].browse(world.tags["urgent"]).write({"name": "x"})
    as_user(env, world, "alice")[TAG].browse(world.tags["urgent"]).write({"name": "Now"})
    # the order's tag is readable by whoever reads the order
    assert as_user(env, world, "alice")[ORDER].browse(world.orders["alice_own"]) \
        .tag_id.name == "Now"


def test_no_line_denies_everyone_but_the_superuser(env, world):
    vault = env[VAULT].create({"name": "Gold"})
    for login in ("alice", "carol", "dave", "pat"):
        user_env = as_user(env, world, login)
        with denied("read", model=VAULT):
            user_env[VAULT].search([])
        with denied("read", model=VAULT):
            _ = user_env[VAULT].browse(vault.id).name
        with denied("create", model=VAULT):
            user_env[VAULT].create({"name": "Silver"})
        with denied("modify", model=VAULT):
            user_env[VAULT].browse(vault.id).write({"name": "Lead"})
        with denied("delete", model=VAULT):
            user_env[VAULT].browse(vault.id).unlink()
    assert env[VAULT].search([]).mapped("name") == ["Gold"]


def test_admin_of_settings_has_no_access_to_a_model_without_line(env, world):
    admin = env["res.users"].create({"name": "Admin2", "login": "admin2", "groups_id": [
        (6, 0, [env.ref("base.group_system").id])]})
    with denied("read", model=VAULT, cause=r"your groups \(Employee, Settings\)"):
        env(user=admin.id)[VAULT].search([])


def test_sudo_bypasses_access_and_rules(env, world):
    dave = as_user(env, world, "dave")[ORDER].sudo()
    assert len(dave.search([])) == len(world.orders)
    alice = as_user(env, world, "alice")[ORDER].sudo()
    secret = alice.browse(world.orders["secret"])
    assert secret.name == ORDER_NAMES["secret"]
    secret.write({"amount": 1})
    secret.unlink()
    vault = as_user(env, world, "pat")[VAULT].sudo().create({"name": "Gold"})
    assert vault.read(["name"])[0]["name"] == "Gold"
    # sudo(False) is the user again
    with denied("read", model=VAULT):
        vault.sudo(False).search([])


# -- AccessError messages --------------------------------------------------------------
def test_rule_message_names_model_operation_rule_and_ids_not_data(env, world):
    alice = as_user(env, world, "alice")
    secret_id = world.orders["secret"]
    with pytest.raises(AccessError) as raised:
        _ = alice[ORDER].browse(secret_id).name
    message = str(raised.value)
    assert "sec_test.order" in message and "read" in message
    assert "'No confidential orders'" in message and str(secret_id) in message
    assert ORDER_NAMES["secret"] not in message and "1000" not in message
    with pytest.raises(AccessError) as raised:
        alice[ORDER].browse(world.orders["done"]).write({"amount": 1})
    message = str(raised.value)
    assert "sec_test.order" in message and "modify" in message
    assert "'Done orders are frozen'" in message and str(world.orders["done"]) in message
    assert ORDER_NAMES["done"] not in message
    # only the rules the record fails are named, not every rule of the model
    assert "'No confidential orders'" not in message
    with pytest.raises(AccessError) as raised:
        alice[ORDER].browse(world.orders["bob_own"]).write({"amount": 1})
    message = str(raised.value)
    assert "'Own orders'" in message and "'Orders of my department'" in message
    assert "'No cancelled orders'" not in message and ORDER_NAMES["bob_own"] not in message


def test_access_line_message_names_model_operation_and_groups(env, world):
    with pytest.raises(AccessError) as raised:
        as_user(env, world, "alice")[ORDER].browse(world.orders["alice_own"]).unlink()
    message = str(raised.value)
    assert "sec_test.order" in message and "'unlink'" in message
    assert "no access line" in message and "(Employee)" in message
    assert ORDER_NAMES["alice_own"] not in message


# -- fields restricted with groups= -------------------------------------------------------
def test_restricted_field_is_hidden_from_read_for_other_users(env, world):
    alice = as_user(env, world, "alice")
    order = alice[ORDER].browse(world.orders["alice_own"])
    with denied("read", cause="reserved to sec_test.group_manager"):
        _ = order.margin
    with denied("read", cause="margin"):
        order.read(["name", "margin"])
    # read() of every field leaves the restricted field out instead of failing
    values = order.read()[0]
    assert "margin" not in values and values["name"] == ORDER_NAMES["alice_own"]
    assert order.amount == 10  # other fields still read


def test_restricted_field_cannot_be_written_or_created_by_other_users(env, world):
    alice = as_user(env, world, "alice")
    order = alice[ORDER].browse(world.orders["alice_own"])
    with denied("modify", cause="margin"):
        order.write({"margin": 99})
    with denied("modify", cause="margin"):
        order.write({"amount": 12, "margin": 99})
    assert env[ORDER].browse(order.id).read(["amount", "margin"])[0] == {
        "id": order.id, "amount": 10, "margin": 3}
    before = env[ORDER].search_count([])
    with denied("create", cause="margin"):
        alice[ORDER].create({"name": "With margin", "user_id": world.users["alice"],
                             "margin": 4})
    assert env[ORDER].search_count([]) == before


def test_restricted_field_is_visible_to_the_group(env, world):
    carol = as_user(env, world, "carol")
    order = carol[ORDER].browse(world.orders["alice_own"])
    assert order.margin == 3
    assert order.read(["margin"])[0]["margin"] == 3
    assert "margin" in order.read()[0]
    order.write({"margin": 4})
    new = carol[ORDER].create({"name": "Carol margin", "margin": 7})
    assert (order.margin, new.margin) == (4, 7)
    # the superuser and sudo() are not restricted either
    assert env[ORDER].browse(order.id).margin == 4
    assert as_user(env, world, "alice")[ORDER].browse(order.id).sudo().margin == 4


def test_restricted_field_of_users_password_hash(env, world):
    alice_user = as_user(env, world, "alice")["res.users"].browse(world.users["alice"])
    assert alice_user.name == "Alice"
    with denied("read", model="res.users", cause="reserved to base.group_system"):
        _ = alice_user.password_hash
    assert "password_hash" not in alice_user.read()[0]


def test_restricted_field_cannot_be_searched_or_grouped_by_other_users(env, world):
    # searching or grouping on the field would tell its values
    alice = as_user(env, world, "alice")[ORDER]
    with denied("read", cause="margin"):
        alice.search([("margin", "=", 3)])
    with denied("read", cause="margin"):
        alice.search_count(["|", ("amount", "=", 0), ("margin", ">", 2)])
    with denied("read", cause="margin"):
        as_user(env, world, "alice")[LINE].search([("order_id.margin", "=", 3)])
    with denied("read", cause="margin"):
        alice.read_group([], ["margin:sum"], [])
    with denied("read", cause="margin"):
        alice.read_group([], ["total:sum(margin)"], ["state"])
    with denied("read", cause="margin"):
        alice.read_group([], ["amount:sum"], ["margin"])
    # the group may, and so may the rules (evaluated as superuser)
    carol = as_user(env, world, "carol")[ORDER]
    assert carol.search([("margin", "=", 3)]).ids == [world.orders["alice_own"]]
    assert carol.read_group([("margin", ">", 0)], ["margin:sum"], [])[0]["margin"] == 8


def test_copy_leaves_out_fields_the_user_may_not_read(env, world):
    alice = as_user(env, world, "alice")
    copy = alice[ORDER].browse(world.orders["alice_own"]).copy()
    assert copy.name == f"{ORDER_NAMES['alice_own']} (copy)" and copy.amount == 10
    assert copy.mapped("line_ids.name") == ["Alice line"]  # the hidden line is not copied
    assert not env[ORDER].browse(copy.id).margin  # the default, not the original's 3
    carol_copy = as_user(env, world, "carol")[ORDER].browse(world.orders["alice_own"]).copy()
    assert carol_copy.margin == 3
    # the rules apply to the copy as to any new record
    with denied("create", cause="'Own orders'"):
        as_user(env, world, "alice")[ORDER].browse(world.orders["sales"]).copy(
            {"department_id": world.departments["support"]})
