"""Computed fields: non-stored (batched), stored (recomputed through relations), chains,
related fields, defaults, inverse methods and @api.depends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.exceptions import ValidationError

PARTNER = "test_compute.partner"
ORDER = "test_compute.order"
LINE = "test_compute.line"
PERSON = "test_compute.person"


def column_value(env, model_name: str, record_id: int, column: str):
    """The value stored in the database, bypassing the record cache."""
    table = env[model_name]._sa_table
    query = sa.select(table.c[column]).where(table.c.id == record_id)
    return env.connection.execute(query).scalar_one()


def fresh(records):
    """The same records with the whole cache forgotten: the next read hits the database."""
    records.env.transaction.invalidate()
    return records


# -- non-stored computed fields ------------------------------------------------------

def test_nonstored_compute_is_computed_on_read(env):
    partner = env[PARTNER].create({"name": "Agrolait"})
    assert partner.upper_name == "AGROLAIT"
    assert partner.read(["upper_name"])[0]["upper_name"] == "AGROLAIT"


def test_nonstored_compute_has_no_column(env):
    assert "upper_name" not in env[PARTNER]._sa_table.c
    assert "display_full" in env[PARTNER]._sa_table.c


def test_nonstored_compute_runs_once_for_the_whole_recordset(env):
    model = env[PARTNER]
    model.create([{"name": f"batch {i}"} for i in range(7)])
    calls = model._upper_calls
    calls.clear()
    records = fresh(model).search([("name", "like", "batch ")])
    assert len(records) == 7
    values = [record.upper_name for record in records]
    assert values == [f"BATCH {i}" for i in range(7)]
    assert calls == [7]


def test_nonstored_compute_batched_through_read(env):
    model = env[PARTNER]
    records = model.create([{"name": f"read {i}"} for i in range(5)])
    model._upper_calls.clear()
    rows = fresh(records).read(["upper_name"])
    assert [row["upper_name"] for row in rows] == [f"READ {i}" for i in range(5)]
    assert model._upper_calls == [5]


def test_nonstored_compute_follows_a_write(env):
    partner = env[PARTNER].create({"name": "before"})
    assert partner.upper_name == "BEFORE"
    partner.write({"name": "after"})
    assert partner.upper_name == "AFTER"


def test_nonstored_compute_cached_between_reads(env):
    model = env[PARTNER]
    partner = model.create({"name": "cached"})
    model._upper_calls.clear()
    assert partner.upper_name == "CACHED"
    assert partner.upper_name == "CACHED"
    assert model._upper_calls == [1]


def test_nonstored_compute_depending_on_one2many(env):
    order = env[ORDER].create({"name": "SO1", "line_ids": [(0, 0, {"amount": 1.0})] * 3})
    assert order.line_count == 3
    env[LINE].create({"order_id": order.id, "amount": 2.0})
    assert order.line_count == 4


def test_computed_field_cannot_be_written_without_inverse(env):
    partner = env[PARTNER].create({"name": "X"})
    with pytest.raises(ValidationError, match="computed"):
        partner.write({"display_full": "nope"})
    with pytest.raises(ValidationError, match="computed"):
        partner.write({"upper_name": "nope"})
    assert partner.display_full == "X"


# -- stored computed fields ------------------------------------------------------------

def test_stored_compute_is_written_on_create(env):
    parent = env[PARTNER].create({"name": "Acme"})
    child = env[PARTNER].create({"name": "Bob", "parent_id": parent.id})
    assert column_value(env, PARTNER, parent.id, "display_full") == "Acme"
    assert column_value(env, PARTNER, child.id, "display_full") == "Acme / Bob"
    assert env[PARTNER].search([("display_full", "=", "Acme / Bob")]) == child


def test_stored_compute_follows_own_field(env):
    child = env[PARTNER].create({"name": "Bob"})
    child.write({"name": "Robert"})
    assert column_value(env, PARTNER, child.id, "display_full") == "Robert"
    assert fresh(child).display_full == "Robert"


def test_stored_compute_follows_parent_name(env):
    parent = env[PARTNER].create({"name": "Acme"})
    children = env[PARTNER].create([{"name": f"kid {i}", "parent_id": parent.id}
                                    for i in range(3)])
    other = env[PARTNER].create({"name": "Other", "parent_id": env[PARTNER].create(
        {"name": "Unrelated"}).id})
    parent.write({"name": "Globex"})
    fresh(parent)
    found = env[PARTNER].search([("display_full", "like", "Globex / ")])
    assert found == children
    assert [c.display_full for c in children] == [f"Globex / kid {i}" for i in range(3)]
    assert env[PARTNER].search_count([("display_full", "like", "Acme")]) == 0
    assert other.display_full == "Unrelated / Other"


def test_stored_compute_follows_parent_change(env):
    acme = env[PARTNER].create({"name": "Acme"})
    globex = env[PARTNER].create({"name": "Globex"})
    child = env[PARTNER].create({"name": "Bob", "parent_id": acme.id})
    child.write({"parent_id": globex.id})
    assert env[PARTNER].search([("display_full", "=", "Globex / Bob")]) == child
    child.write({"parent_id": False})
    assert env[PARTNER].search([("display_full", "=", "Bob")]) == child


def test_stored_compute_follows_parent_deletion(env):
    parent = env[PARTNER].create({"name": "Acme"})
    child = env[PARTNER].create({"name": "Bob", "parent_id": parent.id})
    parent.unlink()
    assert env[PARTNER].search([("display_full", "=", "Bob")]) == child
    assert column_value(env, PARTNER, child.id, "display_full") == "Bob"


def test_stored_compute_with_api_depends_on_method(env):
    field = env[PARTNER]._fields["name_length"]
    assert field.depends == ()  # declared by @api.depends, not depends=
    partner = env[PARTNER].create({"name": "four"})
    assert partner.name_length == 4
    partner.write({"name": "seven!!"})
    assert column_value(env, PARTNER, partner.id, "name_length") == 7
    assert env[PARTNER].search([("name_length", "=", 7), ("id", "=", partner.id)]) == partner


def test_stored_compute_chain(env):
    partner = env[PARTNER].create({"name": "abc"})
    assert partner.name_length_double == 6
    partner.write({"name": "abcdef"})
    assert column_value(env, PARTNER, partner.id, "name_length_double") == 12
    assert fresh(partner).name_length_double == 12


# -- stored compute through a one2many --------------------------------------------------

def order_totals(env, order):
    """(total, total_with_tax) as stored in the database."""
    return (column_value(env, ORDER, order.id, "total"),
            column_value(env, ORDER, order.id, "total_with_tax"))


def test_order_total_on_create_with_lines(env):
    order = env[ORDER].create({"name": "SO1", "line_ids": [
        (0, 0, {"amount": 10.0}), (0, 0, {"amount": 5.5})]})
    assert order.total == 15.5
    assert order_totals(env, order) == (15.5, 17.05)


def test_order_total_on_line_create(env):
    order = env[ORDER].create({"name": "SO1"})
    assert order_totals(env, order) == (0.0, 0.0)
    env[LINE].create({"order_id": order.id, "amount": 7.0})
    assert order_totals(env, order) == (7.0, 7.7)
    env[LINE].create([{"order_id": order.id, "amount": 1.0}, {"order_id": order.id,
                                                             "amount": 2.0}])
    assert env[ORDER].search([("total", "=", 10.0)]) == order
    assert fresh(order).total == 10.0


def test_order_total_on_line_write(env):
    order = env[ORDER].create({"name": "SO1", "line_ids": [(0, 0, {"amount": 10.0}),
                                                           (0, 0, {"amount": 5.0})]})
    line = order.line_ids[0]
    line.write({"amount": 20.0})
    assert order_totals(env, order) == (25.0, 27.5)
    assert order.total == 25.0
    order.line_ids.write({"amount": 1.0})
    assert order_totals(env, order) == (2.0, 2.2)


def test_order_total_when_a_line_moves(env):
    first = env[ORDER].create({"name": "SO1", "line_ids": [(0, 0, {"amount": 10.0}),
                                                           (0, 0, {"amount": 5.0})]})
    second = env[ORDER].create({"name": "SO2", "line_ids": [(0, 0, {"amount": 1.0})]})
    line = first.line_ids.filtered(lambda line: line.amount == 10.0)
    line.write({"order_id": second.id})
    assert order_totals(env, first) == (5.0, 5.5)
    assert order_totals(env, second) == (11.0, 12.1)
    assert fresh(first).total == 5.0
    assert second.total == 11.0


def test_order_total_on_line_delete(env):
    order = env[ORDER].create({"name": "SO1", "line_ids": [(0, 0, {"amount": 10.0}),
                                                           (0, 0, {"amount": 5.0})]})
    order.line_ids.filtered(lambda line: line.amount == 5.0).unlink()
    assert order_totals(env, order) == (10.0, 11.0)
    order.line_ids.unlink()
    assert order_totals(env, order) == (0.0, 0.0)
    assert order.total == 0.0


def test_order_total_through_commands(env):
    order = env[ORDER].create({"name": "SO1", "line_ids": [(0, 0, {"amount": 10.0})]})
    line = order.line_ids
    order.write({"line_ids": [(1, line.id, {"amount": 3.0}), (0, 0, {"amount": 4.0})]})
    assert order_totals(env, order) == (7.0, 7.7)
    order.write({"line_ids": [(2, line.id)]})
    assert order_totals(env, order) == (4.0, 4.4)
    order.write({"line_ids": [(5,)]})
    assert order_totals(env, order) == (0.0, 0.0)


def test_order_total_when_a_line_is_taken_by_a_link_command(env):
    first = env[ORDER].create({"name": "SO1", "line_ids": [(0, 0, {"amount": 10.0}),
                                                           (0, 0, {"amount": 5.0})]})
    second = env[ORDER].create({"name": "SO2"})
    line = first.line_ids.filtered(lambda line: line.amount == 5.0)
    second.write({"line_ids": [(4, line.id)]})
    assert order_totals(env, first) == (10.0, 11.0)
    assert order_totals(env, second) == (5.0, 5.5)
    assert first.line_count == 1
    assert second.line_ids == line


# -- related fields -------------------------------------------------------------------

def test_related_nonstored(env):
    parent = env[PARTNER].create({"name": "Acme"})
    child = env[PARTNER].create({"name": "Bob", "parent_id": parent.id})
    assert "parent_name" not in env[PARTNER]._sa_table.c
    assert child.parent_name == "Acme"
    assert parent.parent_name is False
    parent.write({"name": "Globex"})
    assert child.parent_name == "Globex"
    # searchable through the related path
    assert env[PARTNER].search([("parent_name", "=", "Globex")]) == child


def test_related_stored(env):
    parent = env[PARTNER].create({"name": "Acme"})
    child = env[PARTNER].create({"name": "Bob", "parent_id": parent.id})
    assert column_value(env, PARTNER, child.id, "parent_name_stored") == "Acme"
    parent.write({"name": "Globex"})
    assert column_value(env, PARTNER, child.id, "parent_name_stored") == "Globex"
    assert env[PARTNER].search([("parent_name_stored", "=", "Globex")]) == child
    child.write({"parent_id": False})
    assert column_value(env, PARTNER, child.id, "parent_name_stored") is None
    assert fresh(child).parent_name_stored is False


def test_related_many2one(env):
    grandparent = env[PARTNER].create({"name": "Grand"})
    parent = env[PARTNER].create({"name": "Parent", "parent_id": grandparent.id})
    child = env[PARTNER].create({"name": "Child", "parent_id": parent.id})
    assert child.grandparent_id == grandparent
    assert child.grandparent_id.name == "Grand"
    assert parent.grandparent_id.id is False
    assert child.read(["grandparent_id"])[0]["grandparent_id"] == (grandparent.id, "Grand")


def test_related_stored_two_levels(env):
    partner = env[PARTNER].create({"name": "Acme"})
    order = env[ORDER].create({"name": "SO1", "partner_id": partner.id,
                               "line_ids": [(0, 0, {"amount": 2.0})]})
    line = order.line_ids
    assert line.partner_id == partner
    assert column_value(env, LINE, line.id, "partner_name") == "Acme"
    partner.write({"name": "Globex"})
    assert column_value(env, LINE, line.id, "partner_name") == "Globex"
    other = env[PARTNER].create({"name": "Initech"})
    order.write({"partner_id": other.id})
    assert column_value(env, LINE, line.id, "partner_name") == "Initech"
    assert env[LINE].search([("partner_name", "=", "Initech")]) == line


def test_related_stored_on_a_stored_compute(env):
    """line.order_total (related order_id.total) follows the order's stored total,
    which follows the lines: a chain across two models."""
    order = env[ORDER].create({"name": "SO1", "line_ids": [(0, 0, {"amount": 2.0}),
                                                           (0, 0, {"amount": 3.0})]})
    lines = order.line_ids
    assert [column_value(env, LINE, line.id, "order_total") for line in lines] == [5.0, 5.0]
    lines[0].write({"amount": 10.0})
    assert [column_value(env, LINE, line.id, "order_total") for line in lines] == [13.0, 13.0]
    assert env[LINE].search([("order_total", "=", 13.0)]) == lines


def test_related_field_is_readonly(env):
    partner = env[PARTNER].create({"name": "X"})
    assert env[PARTNER]._fields["parent_name"].readonly
    with pytest.raises(ValidationError):
        partner.write({"parent_name": "Y"})


# -- defaults -------------------------------------------------------------------------

def test_default_value(env):
    partner = env[PARTNER].create({"name": "X"})
    assert partner.code == "NEW"
    assert column_value(env, PARTNER, partner.id, "code") == "NEW"


def test_default_callable(env):
    assert env[PARTNER].create({"name": "X"}).priority == 10
    bonus = env[PARTNER].with_context(priority_bonus=5)
    partner = bonus.create({"name": "Y"})
    assert column_value(env, PARTNER, partner.id, "priority") == 15


def test_default_from_context(env):
    model = env[PARTNER].with_context(default_code="CTX", default_color=3, default_priority=1)
    partner = model.create({"name": "X"})
    assert (partner.code, partner.color, partner.priority) == ("CTX", 3, 1)
    assert column_value(env, PARTNER, partner.id, "color") == 3


def test_explicit_value_beats_defaults(env):
    model = env[PARTNER].with_context(default_code="CTX")
    partner = model.create({"name": "X", "code": "MINE", "priority": 2})
    assert (partner.code, partner.priority) == ("MINE", 2)


def test_default_get(env):
    model = env[PARTNER].with_context(default_color=9)
    assert model.default_get(["code", "priority", "color", "name"]) == {
        "code": "NEW", "priority": 10, "color": 9}


def test_default_not_applied_on_write(env):
    partner = env[PARTNER].create({"name": "X", "code": "A"})
    partner.write({"name": "Y"})
    assert column_value(env, PARTNER, partner.id, "code") == "A"


# -- inverse --------------------------------------------------------------------------

def test_inverse_nonstored_on_write(env):
    person = env[PERSON].create({"first_name": "Ada", "last_name": "Lovelace"})
    assert person.full_name == "Ada Lovelace"
    person.write({"full_name": "Grace Hopper"})
    assert column_value(env, PERSON, person.id, "first_name") == "Grace"
    assert column_value(env, PERSON, person.id, "last_name") == "Hopper"
    assert fresh(person).full_name == "Grace Hopper"


def test_inverse_nonstored_on_create_and_assignment(env):
    person = env[PERSON].create({"full_name": "Alan Turing"})
    assert (person.first_name, person.last_name) == ("Alan", "Turing")
    person.full_name = "Edsger Dijkstra"
    assert column_value(env, PERSON, person.id, "last_name") == "Dijkstra"


def test_inverse_stored(env):
    person = env[PERSON].create({"hours": 4, "rate": 10.0})
    assert column_value(env, PERSON, person.id, "cost") == 40.0
    person.write({"cost": 100.0})
    assert column_value(env, PERSON, person.id, "rate") == 25.0
    assert column_value(env, PERSON, person.id, "cost") == 100.0
    person.write({"hours": 2})
    assert column_value(env, PERSON, person.id, "cost") == 50.0
    assert env[PERSON].search([("cost", "=", 50.0), ("id", "=", person.id)]) == person


def test_inverse_stored_on_create(env):
    person = env[PERSON].create({"hours": 2, "cost": 10.0})
    assert column_value(env, PERSON, person.id, "rate") == 5.0
    assert column_value(env, PERSON, person.id, "cost") == 10.0
    assert fresh(person).cost == 10.0
