"""create, write, unlink, copy, browse/exists, magic fields, names, archiving, ondelete,
x2many commands, and atomicity of failed changes."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.exceptions import MissingError, ValidationError

PARTNER = "test_basic.partner"


def reloaded(records):
    """The records with the transaction's cache emptied: values come from the database."""
    records.env.transaction.invalidate()
    return records


def count_rows(env, model: str) -> int:
    table = env[model]._sa_table
    return env.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


# -- create ------------------------------------------------------------------------
def test_create_single_dict_returns_one_record(env):
    partner = env[PARTNER].create({"name": "Agrolait", "city": "Hanoi"})
    assert len(partner) == 1
    assert partner._name == PARTNER
    assert isinstance(partner.id, int) and partner.id > 0
    assert reloaded(partner).name == "Agrolait"
    assert partner.city == "Hanoi"


def test_create_list_returns_records_in_order(env):
    vals = [
        {"name": "first"},
        {"name": "second", "ref": "R2"},  # another set of fields: another INSERT
        {"name": "third"},
        {"name": "fourth", "city": "Hue", "sequence": 4},
        {"name": "fifth", "ref": "R5"},
    ]
    partners = env[PARTNER].create(vals)
    assert len(partners) == 5
    assert len(set(partners.ids)) == 5
    assert [p.name for p in reloaded(partners)] == [v["name"] for v in vals]
    assert partners[1].ref == "R2" and partners[4].ref == "R5"
    assert partners[3].city == "Hue" and partners[3].sequence == 4


def test_create_empty_list(env):
    result = env[PARTNER].create([])
    assert result._name == PARTNER and not result


def test_create_values_not_a_dict(env):
    with pytest.raises(ValidationError, match=r"test_basic\.partner"):
        env[PARTNER].create(["name"])


# -- write ---------------------------------------------------------------------------
def test_write_several_records(env):
    partners = env[PARTNER].create([{"name": "a"}, {"name": "b"}, {"name": "c"}])
    untouched = env[PARTNER].create({"name": "d", "city": "Hue"})
    assert (partners[0] | partners[2]).write({"city": "Hanoi", "sequence": 3}) is True
    reloaded(partners)
    assert [p.city for p in partners] == ["Hanoi", False, "Hanoi"]
    assert [p.sequence for p in partners] == [3, 0, 3]
    assert untouched.city == "Hue"


def test_write_on_empty_recordset(env):
    assert env[PARTNER].write({"name": "x"}) is True


def test_write_deleted_record_is_missing_and_changes_nothing(env):
    alive, dead = env[PARTNER].create([{"name": "alive"}, {"name": "dead"}])
    dead_id = dead.id
    dead.unlink()
    with pytest.raises(MissingError, match=str(dead_id)):
        env[PARTNER].browse([alive.id, dead_id]).write({"city": "Hanoi"})
    assert reloaded(alive).city is False


def test_write_magic_field_refused(env):
    partner = env[PARTNER].create({"name": "x"})
    with pytest.raises(ValidationError, match="create_date"):
        partner.write({"create_date": dt.datetime(2000, 1, 1)})
    with pytest.raises(ValidationError, match="create_uid"):
        env[PARTNER].create({"name": "y", "create_uid": 1})
    with pytest.raises(ValidationError, match=r"test_basic\.partner\.id"):
        env[PARTNER].create({"name": "y", "id": 12345})
    assert not env[PARTNER].search([("name", "=", "y")])


# -- unlink, browse, exists -------------------------------------------------------------
def test_unlink(env):
    partners = env[PARTNER].create([{"name": "a"}, {"name": "b"}, {"name": "c"}])
    before = count_rows(env, PARTNER)
    assert (partners[0] + partners[1]).unlink() is True
    assert count_rows(env, PARTNER) == before - 2
    assert partners.exists() == partners[2]
    assert env[PARTNER].search([("id", "in", partners.ids)]) == partners[2]
    assert env[PARTNER].unlink() is True  # empty recordset: nothing to do


def test_reading_deleted_record_raises_missing(env):
    partner = env[PARTNER].create({"name": "gone"})
    assert partner.name == "gone"  # cached
    partner.unlink()
    with pytest.raises(MissingError):
        _ = partner.name
    with pytest.raises(MissingError):
        partner.read(["name"])


def test_browse_nonexistent_record(env):
    ghost = env[PARTNER].browse(987654321)
    assert len(ghost) == 1 and ghost.id == 987654321  # browse does not check
    assert not ghost.exists()
    with pytest.raises(MissingError, match="987654321"):
        _ = ghost.name


def test_browse_forms(env):
    partners = env[PARTNER].create([{"name": "a"}, {"name": "b"}])
    assert env[PARTNER].browse(partners[0].id) == partners[0]
    assert env[PARTNER].browse(partners.ids).ids == partners.ids
    assert env[PARTNER].browse(tuple(reversed(partners.ids))).ids == partners.ids[::-1]
    assert not env[PARTNER].browse([])
    assert not env[PARTNER].browse(False)
    assert not env[PARTNER].browse()


def test_exists_keeps_order_and_filters(env):
    a, b, c = env[PARTNER].create([{"name": "a"}, {"name": "b"}, {"name": "c"}])
    b_id = b.id
    b.unlink()
    records = env[PARTNER].browse([c.id, b_id, a.id])
    assert records.exists().ids == [c.id, a.id]
    assert not env[PARTNER].exists()


# -- copy ------------------------------------------------------------------------------
def test_copy(env):
    tags = env["test_basic.tag"].create([{"name": "t1"}, {"name": "t2"}])
    country = env["test_basic.country"].create({"name": "Vietnam"})
    partner = env[PARTNER].create({
        "name": "Agrolait", "city": "Hanoi", "country_id": country.id,
        "tag_ids": [(6, 0, tags.ids)],
        "line_ids": [(0, 0, {"name": "L1", "quantity": 2}), (0, 0, {"name": "L2"})],
    })
    duplicate = partner.copy()
    assert duplicate != partner
    reloaded(duplicate)
    assert duplicate.name == "Agrolait (copy)"
    assert duplicate.city == "Hanoi"
    assert duplicate.country_id == country
    assert duplicate.tag_ids == tags
    assert partner.tag_ids == tags  # the original keeps its tags
    assert duplicate.line_ids.mapped("name") == ["L1", "L2"]
    assert not (duplicate.line_ids & partner.line_ids)  # lines are new records
    assert duplicate.line_ids[0].quantity == 2
    assert len(partner.line_ids) == 2


def test_copy_with_default(env):
    partner = env[PARTNER].create({"name": "Agrolait", "city": "Hanoi"})
    duplicate = partner.copy({"name": "Other", "city": False})
    assert reloaded(duplicate).name == "Other"
    assert duplicate.city is False


def test_copy_needs_one_record(env):
    partners = env[PARTNER].create([{"name": "a"}, {"name": "b"}])
    with pytest.raises(ValueError):
        partners.copy()


# -- magic fields -------------------------------------------------------------------------
def test_magic_fields(env):
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if env.dialect == "postgresql":  # PostgreSQL stamps the transaction's start time
        start = env.execute(sa.text("SELECT CURRENT_TIMESTAMP AT TIME ZONE 'UTC'")).scalar() \
            .replace(microsecond=0)
    partner = env[PARTNER].create({"name": "x"})
    end = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    reloaded(partner)
    assert start <= partner.create_date <= end
    assert partner.create_date.tzinfo is None
    assert partner.write_date == partner.create_date
    assert partner.create_uid._name == "res.users"
    assert partner.create_uid.id == env.uid
    assert partner.write_uid.id == env.uid
    assert partner.read(["id"]) == [{"id": partner.id}]
    fields = env[PARTNER].fields_get()
    for name in ("id", "create_date", "write_date", "create_uid", "write_uid", "display_name"):
        assert name in fields
    assert fields["create_date"]["type"] == "datetime"
    assert fields["create_uid"]["relation"] == "res.users"


def test_write_updates_write_uid_and_date(env):
    user = env["res.users"].create({"name": "Demo", "login": "demo_basic"})
    partner = env[PARTNER].create({"name": "x"})
    created = reloaded(partner).create_date
    partner.with_user(user).write({"city": "Hanoi"})
    reloaded(partner)
    assert partner.write_uid == user
    assert partner.create_uid.id == env.uid
    assert partner.write_date >= created
    assert partner.create_date == created


def test_create_uid_of_another_user(env):
    user = env["res.users"].create({"name": "Demo", "login": "demo_basic"})
    partner = env[PARTNER].with_user(user).create({"name": "x"})
    assert reloaded(partner).create_uid == user
    assert partner.write_uid == user


# -- display_name and _rec_name ---------------------------------------------------------------
def test_display_name_from_name(env):
    partner = env[PARTNER].create({"name": "Agrolait"})
    assert partner.display_name == "Agrolait"
    partner.name = "Renamed"
    assert partner.display_name == "Renamed"


def test_display_name_from_rec_name(env):
    code = env["test_basic.code"].create({"code": "C-42", "label": "forty-two"})
    assert code.display_name == "C-42"
    assert env["test_basic.code"].name_search("c-4") == [(code.id, "C-42")]
    assert env["test_basic.code"].name_search("forty") == []
    record = env["test_basic.everything"].create({"code_id": code.id})
    assert record.read(["code_id"])[0]["code_id"] == (code.id, "C-42")


def test_display_name_without_name_field(env):
    record = env["test_basic.nameless"].create({"value": 1})
    assert record.display_name == f"test_basic.nameless,{record.id}"


def test_display_name_of_empty_recordset(env):
    assert env[PARTNER].display_name is False


# -- active ---------------------------------------------------------------------------------
def test_archived_records_are_hidden_by_default(env):
    shown, hidden = env[PARTNER].create([{"name": "Shown Arch"}, {"name": "Hidden Arch"}])
    assert shown.active is True  # default
    hidden.active = False
    model = env[PARTNER]
    assert model.search([("name", "like", "Arch")]) == shown
    assert model.search_count([("name", "like", "Arch")]) == 1
    assert model.name_search("Arch") == [(shown.id, "Shown Arch")]
    every = model.with_context(active_test=False)
    assert every.search([("name", "like", "Arch")]) == shown | hidden
    assert every.search_count([("name", "like", "Arch")]) == 2
    assert model.search([("name", "like", "Arch"), ("active", "=", False)]) == hidden
    assert model.search([("name", "like", "Arch"), ("active", "in", [True, False])]) == \
        shown | hidden
    # an archived record can still be browsed and read
    assert hidden.name == "Hidden Arch"
    assert hidden.exists() == hidden


def test_archived_records_hidden_in_one2many(env):
    parent = env[PARTNER].create({"name": "Parent", "child_ids": [
        (0, 0, {"name": "Kid A"}), (0, 0, {"name": "Kid B"})]})
    kid_a, kid_b = parent.child_ids
    kid_b.write({"active": False})
    assert reloaded(parent).child_ids == kid_a
    assert parent.read(["child_ids"])[0]["child_ids"] == [kid_a.id]
    assert parent.mapped("child_ids") == kid_a


def test_archived_records_shown_in_one2many_without_active_test(env):
    parent = env[PARTNER].create({"name": "Parent", "child_ids": [
        (0, 0, {"name": "Kid A"}), (0, 0, {"name": "Kid B", "active": False})]})
    kid_b = env[PARTNER].with_context(active_test=False).search([("name", "=", "Kid B")])
    assert reloaded(parent).child_ids.mapped("name") == ["Kid A"]
    assert parent.with_context(active_test=False).child_ids.mapped("name") == ["Kid A", "Kid B"]
    assert parent.child_ids.mapped("name") == ["Kid A"]  # and the default is not polluted
    assert kid_b.parent_id == parent


def test_one2many_read_without_active_test_does_not_leak_archived_records(env):
    """The record cache is shared by every environment of the transaction: what an
    active_test=False environment loads must not show archived records to the others."""
    parent = env[PARTNER].create({"name": "Parent", "child_ids": [
        (0, 0, {"name": "Kid A"}), (0, 0, {"name": "Kid B", "active": False})]})
    reloaded(parent)
    parent.with_context(active_test=False).mapped("child_ids")
    assert parent.child_ids.mapped("name") == ["Kid A"]
    assert parent.read(["child_ids"])[0]["child_ids"] == parent.child_ids.ids


def test_unarchive(env):
    partner = env[PARTNER].create({"name": "Back", "active": False})
    assert not env[PARTNER].search([("name", "=", "Back")])
    partner.active = True
    assert env[PARTNER].search([("name", "=", "Back")]) == partner


# -- ondelete ------------------------------------------------------------------------------
def test_ondelete_cascade(env):
    parent = env[PARTNER].create({"name": "Parent"})
    child = env[PARTNER].create({"name": "Child", "parent_id": parent.id})
    grandchild = env[PARTNER].create({"name": "Grandchild", "parent_id": child.id})
    line = env["test_basic.line"].create({"name": "L", "partner_id": child.id})
    other = env[PARTNER].create({"name": "Other"})
    parent.unlink()
    assert not (parent | child | grandchild).exists()
    assert not line.exists()
    assert other.exists()


def test_ondelete_set_null(env):
    country = env["test_basic.country"].create({"name": "Vietnam"})
    partner = env[PARTNER].create({"name": "x", "country_id": country.id})
    assert partner.country_id == country  # cached
    country.unlink()
    assert partner.exists()
    assert not partner.country_id
    table = env[PARTNER]._sa_table
    assert env.execute(sa.select(table.c.country_id).where(table.c.id == partner.id)) \
        .scalar_one() is None


def test_ondelete_restrict(env):
    used, free = env["test_basic.category"].create([{"name": "Used"}, {"name": "Free"}])
    partner = env[PARTNER].create({"name": "x", "category_id": used.id})
    with pytest.raises(ValidationError):
        (free | used).unlink()
    assert (used | free).exists() == used | free  # nothing deleted, not even `free`
    assert reloaded(partner).category_id == used
    # the environment keeps working after the refused delete (PostgreSQL too)
    partner.write({"category_id": False})
    (used | free).unlink()
    assert not (used | free).exists()


def test_required_many2one_defaults_to_restrict(env):
    assert env["test_basic.line"]._fields["partner_id"].ondelete == "cascade"
    assert env[PARTNER]._fields["category_id"].ondelete == "restrict"
    assert env[PARTNER]._fields["country_id"].ondelete == "set null"


# -- x2many commands: one2many ----------------------------------------------------------------
def test_one2many_create_command(env):
    partner = env[PARTNER].create({"name": "P", "line_ids": [
        (0, 0, {"name": "L1", "sequence": 1}), (0, 0, {"name": "L2", "sequence": 2})]})
    assert reloaded(partner).line_ids.mapped("name") == ["L1", "L2"]
    partner.write({"line_ids": [(0, 0, {"name": "L3", "sequence": 3})]})
    assert reloaded(partner).line_ids.mapped("name") == ["L1", "L2", "L3"]


def test_one2many_create_command_on_several_records(env):
    partners = env[PARTNER].create([{"name": "a"}, {"name": "b"}])
    partners.write({"line_ids": [(0, 0, {"name": "same"})]})
    reloaded(partners)
    assert partners[0].line_ids.mapped("name") == ["same"]
    assert partners[1].line_ids.mapped("name") == ["same"]
    assert partners[0].line_ids != partners[1].line_ids


def test_one2many_commands_only_touch_the_records_own_lines(env):
    first = env[PARTNER].create({"name": "A", "line_ids": [(0, 0, {"name": "A1"})]})
    second = env[PARTNER].create({"name": "B"})
    stranger = first.line_ids
    for command in ((1, stranger.id, {"name": "taken"}), (2, stranger.id), (3, stranger.id)):
        with pytest.raises(ValidationError, match="not lines of"):
            second.write({"line_ids": [command]})
    assert reloaded(first).line_ids.mapped("name") == ["A1"]


def test_one2many_update_and_delete_commands(env):
    partner = env[PARTNER].create({"name": "P", "line_ids": [
        (0, 0, {"name": "L1", "sequence": 1}), (0, 0, {"name": "L2", "sequence": 2})]})
    l1, l2 = partner.line_ids
    partner.write({"line_ids": [(1, l1.id, {"quantity": 7}), (2, l2.id)]})
    reloaded(partner)
    assert partner.line_ids == l1
    assert l1.quantity == 7
    assert not l2.exists()


def test_one2many_unlink_command_detaches_or_deletes(env):
    country = env["test_basic.country"].create({"name": "Vietnam"})
    a, b = env[PARTNER].create([{"name": "a", "country_id": country.id},
                                {"name": "b", "country_id": country.id}])
    country.write({"partner_ids": [(3, a.id)]})
    assert reloaded(country).partner_ids == b
    assert a.exists() and not a.country_id  # set null inverse: detached, kept
    partner = env[PARTNER].create({"name": "P", "line_ids": [(0, 0, {"name": "L"})]})
    line = partner.line_ids
    partner.write({"line_ids": [(3, line.id)]})  # required inverse: the line is deleted
    assert not line.exists()


def test_one2many_link_clear_and_set_commands(env):
    country = env["test_basic.country"].create({"name": "Vietnam"})
    a, b, c = env[PARTNER].create([{"name": "a"}, {"name": "b"}, {"name": "c"}])
    country.write({"partner_ids": [(4, a.id), (4, b.id)]})
    assert reloaded(country).partner_ids == a | b
    assert a.country_id == country
    country.write({"partner_ids": [(5,)]})
    assert not reloaded(country).partner_ids
    assert (a | b).exists() == a | b
    country.write({"partner_ids": [(6, 0, [b.id, c.id])]})
    assert reloaded(country).partner_ids == b | c
    country.write({"partner_ids": [(6, 0, [a.id])]})
    assert reloaded(country).partner_ids == a
    assert not b.country_id and not c.country_id


def test_one2many_plain_id_list(env):
    country = env["test_basic.country"].create({"name": "Vietnam"})
    a, b, c = env[PARTNER].create([{"name": "a"}, {"name": "b"}, {"name": "c"}])
    country.write({"partner_ids": [a.id, b.id]})
    assert reloaded(country).partner_ids == a | b
    country.write({"partner_ids": [c.id]})
    assert reloaded(country).partner_ids == c
    assert not a.country_id
    other = env["test_basic.country"].create({"name": "Laos", "partner_ids": [a.id, b.id]})
    assert reloaded(other).partner_ids == a | b


def test_one2many_set_to_recordset_and_false(env):
    country = env["test_basic.country"].create({"name": "Vietnam"})
    partners = env[PARTNER].create([{"name": "a"}, {"name": "b"}])
    country.partner_ids = partners
    assert reloaded(country).partner_ids == partners
    country.partner_ids = False
    assert not reloaded(country).partner_ids


def test_one2many_reflects_inverse_changes(env):
    parent = env[PARTNER].create({"name": "Parent"})
    assert not parent.child_ids  # cached as empty
    child = env[PARTNER].create({"name": "Child", "parent_id": parent.id})
    assert parent.child_ids == child
    child.parent_id = False
    assert not parent.child_ids


# -- x2many commands: many2many ---------------------------------------------------------------
def test_many2many_commands(env):
    t1, t2, t3 = env["test_basic.tag"].create([{"name": "t1"}, {"name": "t2"}, {"name": "t3"}])
    partner = env[PARTNER].create({"name": "P", "tag_ids": [(4, t1.id), (4, t2.id)]})
    assert reloaded(partner).tag_ids == t1 | t2
    partner.write({"tag_ids": [(3, t1.id)]})
    assert reloaded(partner).tag_ids == t2
    assert t1.exists()  # (3) only removes the link
    partner.write({"tag_ids": [(0, 0, {"name": "t4"})]})
    t4 = env["test_basic.tag"].search([("name", "=", "t4")])
    assert reloaded(partner).tag_ids == t2 | t4
    partner.write({"tag_ids": [(1, t3.id, {"color": 3})]})
    assert reloaded(partner).tag_ids == t2 | t3 | t4
    assert t3.color == 3
    partner.write({"tag_ids": [(2, t4.id)]})
    assert not t4.exists()  # (2) deletes the record
    assert reloaded(partner).tag_ids == t2 | t3
    partner.write({"tag_ids": [(5,)]})
    assert not reloaded(partner).tag_ids
    partner.write({"tag_ids": [(6, 0, [t1.id, t3.id])]})
    assert reloaded(partner).tag_ids == t1 | t3
    partner.write({"tag_ids": [t2.id]})
    assert reloaded(partner).tag_ids == t2
    partner.write({"tag_ids": [(4, t2.id)]})  # linking twice is harmless
    assert reloaded(partner).tag_ids == t2
    partner.write({"tag_ids": []})
    assert not reloaded(partner).tag_ids


def test_many2many_several_commands_in_one_write(env):
    t1, t2, t3 = env["test_basic.tag"].create([{"name": "t1"}, {"name": "t2"}, {"name": "t3"}])
    partner = env[PARTNER].create({"name": "P", "tag_ids": [t1.id]})
    partner.write({"tag_ids": [(5,), (4, t2.id), (4, t3.id), (3, t2.id)]})
    assert reloaded(partner).tag_ids == t3


def test_many2many_write_on_several_records(env):
    t1, t2 = env["test_basic.tag"].create([{"name": "t1"}, {"name": "t2"}])
    partners = env[PARTNER].create([{"name": "a", "tag_ids": [t1.id]}, {"name": "b"}])
    partners.write({"tag_ids": [(4, t2.id)]})
    reloaded(partners)
    assert partners[0].tag_ids == t1 | t2
    assert partners[1].tag_ids == t2


def test_many2many_seen_from_both_sides(env):
    t1, t2 = env["test_basic.tag"].create([{"name": "t1"}, {"name": "t2"}])
    a, b = env[PARTNER].create([{"name": "a"}, {"name": "b"}])
    assert not t1.partner_ids  # cached empty before the change
    a.write({"tag_ids": [(6, 0, [t1.id, t2.id])]})
    b.tag_ids = t1
    assert t1.partner_ids == a | b  # no reload: the other side's cache was updated
    assert t2.partner_ids == a
    t2.write({"partner_ids": [(4, b.id)]})
    assert b.tag_ids == t1 | t2
    t1.write({"partner_ids": [(3, a.id)]})
    assert a.tag_ids == t2
    assert reloaded(t1).partner_ids == b


def test_many2many_unknown_id_refused(env):
    partner = env[PARTNER].create({"name": "P"})
    with pytest.raises(ValidationError, match="987654321"):
        partner.write({"tag_ids": [(4, 987654321)]})


def test_many2many_rows_removed_with_record(env):
    tag = env["test_basic.tag"].create({"name": "t"})
    partner = env[PARTNER].create({"name": "P", "tag_ids": [tag.id]})
    partner.unlink()
    assert not reloaded(tag).partner_ids
    assert tag.exists()


def test_invalid_x2many_command(env):
    partner = env[PARTNER].create({"name": "P"})
    with pytest.raises(ValidationError, match=r"test_basic\.partner\.tag_ids"):
        partner.write({"tag_ids": [(0, 0, "not a dict")]})
    with pytest.raises(ValidationError, match=r"test_basic\.partner\.line_ids"):
        partner.write({"line_ids": 5})


# -- a failed change changes nothing ---------------------------------------------------------
def test_failed_multi_create_leaves_nothing(env):
    before = count_rows(env, PARTNER)
    with pytest.raises(ValidationError, match=r"test_basic\.partner\.sequence"):
        env[PARTNER].create([{"name": "one"}, {"name": "two"}, {"name": "three",
                                                                "sequence": "bad"}])
    assert count_rows(env, PARTNER) == before
    # the same environment keeps working
    partner = env[PARTNER].create({"name": "after"})
    assert env[PARTNER].search([("name", "=", "after")]) == partner


def test_failed_multi_create_in_database_leaves_nothing(env):
    """The third record fails in the database (a dangling foreign key), after the first
    two were inserted: all three are rolled back, and the transaction stays usable."""
    before = count_rows(env, PARTNER)
    with pytest.raises(ValidationError):
        env[PARTNER].create([{"name": "one"}, {"name": "two", "ref": "R"},
                             {"name": "three", "country_id": 987654321}])
    assert count_rows(env, PARTNER) == before
    assert not env[PARTNER].search([("name", "in", ["one", "two", "three"])])
    partner = env[PARTNER].create({"name": "after"})
    assert reloaded(partner).name == "after"


def test_failed_create_in_x2many_command_leaves_nothing(env):
    lines_before = count_rows(env, "test_basic.line")
    before = count_rows(env, PARTNER)
    with pytest.raises(ValidationError):
        env[PARTNER].create([
            {"name": "one", "line_ids": [(0, 0, {"name": "ok"})]},
            {"name": "two", "line_ids": [(0, 0, {"name": "bad", "quantity": "x"})]},
        ])
    assert count_rows(env, PARTNER) == before
    assert count_rows(env, "test_basic.line") == lines_before


def test_failed_write_changes_nothing(env):
    tag = env["test_basic.tag"].create({"name": "t"})
    partners = env[PARTNER].create([{"name": "a", "city": "Hue", "tag_ids": [tag.id]},
                                    {"name": "b", "city": "Hue"}])
    with pytest.raises(ValidationError, match="987654321"):
        # the UPDATE of city runs first, then the many2many link fails
        partners.write({"city": "Hanoi", "tag_ids": [(6, 0, [987654321])]})
    assert [p.city for p in partners] == ["Hue", "Hue"]
    assert partners[0].tag_ids == tag
    reloaded(partners)
    assert [p.city for p in partners] == ["Hue", "Hue"]
    assert partners[0].tag_ids == tag
    partners.write({"city": "Da Nang"})
    assert [p.city for p in reloaded(partners)] == ["Da Nang", "Da Nang"]


def test_failed_write_database_error_changes_nothing(env):
    partner = env[PARTNER].create({"name": "a", "city": "Hue"})
    with pytest.raises(ValidationError):
        partner.write({"city": "Hanoi", "country_id": 987654321})
    assert reloaded(partner).city == "Hue"
    assert env[PARTNER].search_count([("id", "=", partner.id), ("city", "=", "Hue")]) == 1


def test_many2many_links_written_on_many_records_cost_fixed_queries(env, count_queries):
    """Writing link commands on 3 or 30 records costs the same number of queries."""
    tags = env["test_basic.tag"].create([{"name": "t1"}, {"name": "t2"}, {"name": "t3"}])
    t1, t2, t3 = tags.ids

    def run(size):
        partners = env["test_basic.partner"].create(
            [{"name": f"p{i}", "tag_ids": [t1] if i % 2 else [t2]} for i in range(size)])
        env.transaction.invalidate()
        partners = partners.browse(partners.ids)
        with count_queries() as counter:
            partners.write({"tag_ids": [(4, t3), (3, t2)]})
        assert all(set(p.tag_ids.ids) == ({t1, t3} if i % 2 else {t3})
                   for i, p in enumerate(partners))
        partners.write({"tag_ids": [(6, 0, [t2])]})
        assert {tuple(p.tag_ids.ids) for p in partners} == {(t2,)}
        assert set(partners.ids) <= set(env["test_basic.tag"].browse(t2).partner_ids.ids)
        return counter.count

    assert run(3) == run(30)
