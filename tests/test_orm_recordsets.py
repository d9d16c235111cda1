"""The recordset API: iteration, set operations, mapped/filtered/sorted, environment
switches, search and read."""

from __future__ import annotations

import pytest

from core.exceptions import ValidationError

PARTNER = "test_basic.partner"


@pytest.fixture
def world(env):
    """Three countries, three tags, and a small hierarchy of partners with lines."""
    countries = env["test_basic.country"].create([
        {"name": "Vietnam", "code": "VN"}, {"name": "Laos", "code": "LA"},
        {"name": "Cambodia", "code": "KH"}])
    vn, la, kh = countries
    tags = env["test_basic.tag"].create([{"name": "vip"}, {"name": "new"}, {"name": "old"}])
    vip, new, old = tags
    agro = env[PARTNER].create({"name": "Agrolait", "is_company": True, "country_id": vn.id,
                                "sequence": 3, "tag_ids": [vip.id, new.id], "city": "Hanoi"})
    china = env[PARTNER].create({"name": "China Export", "is_company": True,
                                 "country_id": kh.id, "sequence": 1, "tag_ids": [old.id]})
    bob = env[PARTNER].create({"name": "Bob", "parent_id": agro.id, "country_id": la.id,
                               "sequence": 2, "tag_ids": [vip.id],
                               "line_ids": [(0, 0, {"name": "b1", "quantity": 1}),
                                            (0, 0, {"name": "b2", "quantity": 5})]})
    ann = env[PARTNER].create({"name": "Ann", "parent_id": agro.id, "country_id": vn.id,
                               "sequence": 2, "line_ids": [(0, 0, {"name": "a1", "quantity": 3})]})
    zed = env[PARTNER].create({"name": "Zed", "parent_id": china.id, "country_id": vn.id,
                               "sequence": 5})
    partners = env[PARTNER].browse([agro.id, china.id, bob.id, ann.id, zed.id])
    return {"partners": partners, "agro": agro, "china": china, "bob": bob, "ann": ann,
            "zed": zed, "vn": vn, "la": la, "kh": kh, "vip": vip, "new": new, "old": old}


# -- basics ---------------------------------------------------------------------------
def test_iteration_len_bool_ids(world):
    partners = world["partners"]
    assert len(partners) == 5
    assert bool(partners)
    assert not partners.browse([])
    records = list(partners)
    assert all(len(r) == 1 and r._name == PARTNER for r in records)
    assert [r.id for r in records] == partners.ids
    assert partners.ids == [world[k].id for k in ("agro", "china", "bob", "ann", "zed")]
    assert isinstance(partners.ids, list)


def test_id_of_empty_and_several(env, world):
    assert env[PARTNER].id is False
    with pytest.raises(ValueError):
        _ = world["partners"].id


def test_ensure_one(env, world):
    assert world["agro"].ensure_one() == world["agro"]
    with pytest.raises(ValueError, match=r"test_basic\.partner"):
        env[PARTNER].ensure_one()
    with pytest.raises(ValueError, match=r"test_basic\.partner"):
        world["partners"].ensure_one()


def test_reading_a_field_on_several_records_is_an_error(world):
    with pytest.raises(ValueError):
        _ = world["partners"].name


def test_set_operations(world):
    agro, bob, ann, zed = world["agro"], world["bob"], world["ann"], world["zed"]
    left = agro | bob | ann
    right = ann | zed | agro
    assert (left | right).ids == [agro.id, bob.id, ann.id, zed.id]
    assert (left & right).ids == [agro.id, ann.id]
    assert (left - right).ids == [bob.id]
    assert (left + right).ids == [agro.id, bob.id, ann.id, ann.id, zed.id, agro.id]
    assert len(left + right) == 6
    assert (agro | agro).ids == [agro.id]
    assert ann in left and zed not in left
    assert ann.id in left
    assert left == (ann | bob | agro)  # equality ignores order
    assert left != right


def test_set_operations_refuse_other_models(world):
    with pytest.raises(TypeError):
        _ = world["agro"] | world["vn"]
    with pytest.raises(TypeError):
        _ = world["agro"] + 3


def test_indexing_and_slicing(world):
    partners = world["partners"]
    assert partners[0] == world["agro"]
    assert partners[-1] == world["zed"]
    assert partners[1:3].ids == [world["china"].id, world["bob"].id]
    assert partners[::-1].ids == partners.ids[::-1]
    assert partners[1:3]._name == PARTNER
    assert not partners[10:]
    with pytest.raises(IndexError):
        _ = partners[5]
    assert partners[0]["name"] == "Agrolait"
    with pytest.raises(KeyError):
        _ = partners[0]["nope"]


# -- mapped ---------------------------------------------------------------------------
def test_mapped_scalar(world):
    partners = world["partners"]
    assert partners.mapped("name") == ["Agrolait", "China Export", "Bob", "Ann", "Zed"]
    assert partners.browse([]).mapped("name") == []


def test_mapped_through_many2one(world):
    partners = world["partners"]
    parents = partners.mapped("parent_id")
    assert parents._name == PARTNER
    assert parents.ids == [world["agro"].id, world["china"].id]  # deduplicated, no empties
    assert partners.mapped("parent_id.name") == ["Agrolait", "China Export"]
    assert partners.mapped("country_id.code") == ["VN", "KH", "LA"]
    assert partners.mapped("parent_id.country_id") == world["vn"] | world["kh"]
    assert not partners.browse([]).mapped("parent_id")
    assert partners.browse([]).mapped("parent_id")._name == PARTNER


def test_mapped_through_one2many_and_many2many(world):
    partners = world["partners"]
    assert partners.mapped("child_ids") == world["bob"] | world["ann"] | world["zed"]
    assert sorted(partners.mapped("line_ids.name")) == ["a1", "b1", "b2"]
    assert sum(partners.mapped("line_ids.quantity")) == 9
    tags = partners.mapped("tag_ids")
    assert tags._name == "test_basic.tag"
    assert tags == world["vip"] | world["new"] | world["old"]
    assert len(tags) == 3
    assert sorted(partners.mapped("tag_ids.name")) == ["new", "old", "vip"]
    assert partners.mapped("child_ids.tag_ids") == world["vip"]
    assert sorted(world["vip"].mapped("partner_ids.name")) == ["Agrolait", "Bob"]


def test_mapped_callable(world):
    partners = world["partners"]
    assert partners.mapped(lambda p: p.name.upper()) == [
        "AGROLAIT", "CHINA EXPORT", "BOB", "ANN", "ZED"]
    parents = partners.mapped(lambda p: p.parent_id)
    assert parents == world["agro"] | world["china"]
    assert partners.mapped(lambda p: p.sequence * 2) == [6, 2, 4, 4, 10]


def test_mapped_bad_path(world):
    with pytest.raises(ValidationError, match="nope"):
        world["partners"].mapped("nope")
    with pytest.raises(ValidationError, match="not a relation"):
        world["partners"].mapped("name.size")


# -- filtered ---------------------------------------------------------------------------
def test_filtered_function(world):
    partners = world["partners"]
    result = partners.filtered(lambda p: p.sequence == 2)
    assert result.ids == [world["bob"].id, world["ann"].id]
    assert not partners.filtered(lambda p: False)
    assert partners.filtered(lambda p: True).ids == partners.ids


def test_filtered_field_path(world):
    partners = world["partners"]
    assert partners.filtered("is_company").ids == [world["agro"].id, world["china"].id]
    assert partners.filtered("parent_id").ids == [world["bob"].id, world["ann"].id,
                                                  world["zed"].id]
    assert partners.filtered("tag_ids").ids == [world["agro"].id, world["china"].id,
                                                world["bob"].id]
    assert partners.filtered("parent_id.is_company").ids == [world["bob"].id, world["ann"].id,
                                                             world["zed"].id]
    assert partners.filtered("line_ids").ids == [world["bob"].id, world["ann"].id]
    assert partners.filtered("parent_id.city").ids == [world["bob"].id, world["ann"].id]


# -- sorted ---------------------------------------------------------------------------
def test_sorted_by_key_function(world):
    partners = world["partners"]
    assert partners.sorted(key=lambda p: p.sequence).mapped("sequence") == [1, 2, 2, 3, 5]
    assert partners.sorted(lambda p: p.name, reverse=True).mapped("name") == [
        "Zed", "China Export", "Bob", "Ann", "Agrolait"]


def test_sorted_by_field_name(world):
    partners = world["partners"]
    assert partners.sorted("name").mapped("name") == [
        "Agrolait", "Ann", "Bob", "China Export", "Zed"]
    assert partners.sorted("sequence", reverse=True).mapped("sequence") == [5, 3, 2, 2, 1]
    by_country = partners.sorted("country_id")
    assert by_country.mapped(lambda p: p.country_id.name) == [
        "Cambodia", "Laos", "Vietnam", "Vietnam", "Vietnam"]
    by_parent = partners.sorted("parent_id")  # empty parents first
    assert by_parent[:2] == world["agro"] | world["china"]


def test_sorted_default_model_order(env, world):
    partners = world["partners"]
    assert partners.sorted().mapped("name") == ["Agrolait", "Ann", "Bob", "China Export", "Zed"]
    assert partners.sorted(reverse=True).mapped("name") == [
        "Zed", "China Export", "Bob", "Ann", "Agrolait"]
    countries = world["vn"] | world["la"] | world["kh"]
    assert countries.sorted().mapped("name") == ["Cambodia", "Laos", "Vietnam"]
    world["zed"].active = False  # archived records are sorted too
    assert len(partners.sorted()) == 5
    assert not env[PARTNER].sorted()


# -- environment switches ------------------------------------------------------------------
def test_with_context(env, world):
    agro = world["agro"]
    other = agro.with_context(lang="vi_VN", foo=1)
    assert other.env.context["lang"] == "vi_VN"
    assert other.env.context["foo"] == 1
    assert other == agro and other.env is not agro.env
    assert "lang" not in agro.env.context
    assert other.with_context(foo=2).env.context == {"lang": "vi_VN", "foo": 2}
    assert other.with_context({"bar": 3}).env.context == {"bar": 3}  # a dict replaces
    assert other.env.transaction is env.transaction
    assert other.name == "Agrolait"


def test_sudo_and_with_user(env, world):
    user = env["res.users"].create({"name": "Demo", "login": "demo_recordsets"})
    agro = world["agro"]
    assert env.su is True and env.uid == 1
    as_user = agro.with_user(user)
    assert as_user.env.uid == user.id
    assert as_user.env.su is False
    assert as_user.env.user == user
    assert as_user.name == "Agrolait"
    assert agro.with_user(user.id).env.uid == user.id
    sudoed = as_user.sudo()
    assert sudoed.env.su is True and sudoed.env.uid == user.id
    assert sudoed.sudo(False).env.su is False
    back = as_user.with_user(1)
    assert back.env.uid == 1 and back.env.su is True
    assert agro.env.uid == 1  # the original is unchanged
    # records created by the user are theirs
    assert as_user.create({"name": "by demo"}).create_uid == user


# -- search --------------------------------------------------------------------------------
def test_search_default_order_offset_limit(env, world):
    names = ["Agrolait", "Ann", "Bob", "China Export", "Zed"]
    assert env[PARTNER].search([]).mapped("name") == names
    assert env[PARTNER].search([], limit=2).mapped("name") == names[:2]
    assert env[PARTNER].search([], offset=1, limit=2).mapped("name") == names[1:3]
    assert env[PARTNER].search([], offset=3).mapped("name") == names[3:]
    assert not env[PARTNER].search([], offset=10)
    assert env[PARTNER].search(None).mapped("name") == names


def test_search_order(env, world):
    model = env[PARTNER]
    assert model.search([], order="name desc").mapped("name") == [
        "Zed", "China Export", "Bob", "Ann", "Agrolait"]
    bob, ann = world["bob"], world["ann"]
    result = model.search([("sequence", "=", 2)], order="sequence desc, id")
    assert result.ids == sorted([bob.id, ann.id])
    result = model.search([("sequence", "=", 2)], order="sequence, id desc")
    assert result.ids == sorted([bob.id, ann.id], reverse=True)
    assert model.search([], order="sequence, name").mapped("name") == [
        "China Export", "Ann", "Bob", "Agrolait", "Zed"]
    assert model.search([], order="name desc, id", limit=1).mapped("name") == ["Zed"]
    assert model.search([], order="sequence DESC, name ASC").mapped("name") == [
        "Zed", "Agrolait", "Ann", "Bob", "China Export"]


def test_search_order_by_many2one(env, world):
    model = env[PARTNER]
    # by the country's name: Cambodia, Laos, Vietnam
    result = model.search([], order="country_id, name")
    assert result.mapped("name") == ["China Export", "Bob", "Agrolait", "Ann", "Zed"]
    result = model.search([], order="country_id desc, name desc")
    assert result.mapped("name") == ["Zed", "Ann", "Agrolait", "Bob", "China Export"]


def test_search_bad_order(env, world):
    with pytest.raises(ValidationError, match="nope"):
        env[PARTNER].search([], order="nope")
    with pytest.raises(ValidationError, match="sideways"):
        env[PARTNER].search([], order="name sideways")
    with pytest.raises(ValidationError, match="child_ids"):
        env[PARTNER].search([], order="child_ids")


def test_search_count(env, world):
    assert env[PARTNER].search_count([]) == 5
    assert env[PARTNER].search_count([("parent_id", "!=", False)]) == 3
    assert env[PARTNER].search_count([("name", "=", "nobody")]) == 0


def test_search_read(env, world):
    rows = env[PARTNER].search_read([("is_company", "=", True)], ["name"], order="name desc")
    assert rows == [{"id": world["china"].id, "name": "China Export"},
                    {"id": world["agro"].id, "name": "Agrolait"}]


# -- name_search ---------------------------------------------------------------------------
def test_name_search(env, world):
    model = env[PARTNER]
    assert model.name_search("agro") == [(world["agro"].id, "Agrolait")]
    assert model.name_search("AGRO") == [(world["agro"].id, "Agrolait")]
    assert model.name_search("a", limit=2) == [(world["agro"].id, "Agrolait"),
                                               (world["ann"].id, "Ann")]
    assert model.name_search("a", domain=[("is_company", "=", True)]) == [
        (world["agro"].id, "Agrolait"), (world["china"].id, "China Export")]
    assert model.name_search("Ann", operator="=") == [(world["ann"].id, "Ann")]
    assert model.name_search("An", operator="=") == []
    assert model.name_search("nobody") == []
    assert len(model.name_search("")) == 5


# -- read --------------------------------------------------------------------------------
def test_read(env, world):
    bob = world["bob"]
    env.transaction.invalidate()
    [values] = bob.read(["name", "parent_id", "country_id", "tag_ids", "line_ids",
                         "child_ids", "is_company", "sequence", "state"])
    assert values == {
        "id": bob.id, "name": "Bob", "parent_id": (world["agro"].id, "Agrolait"),
        "country_id": (world["la"].id, "Laos"), "tag_ids": [world["vip"].id],
        "line_ids": bob.line_ids.ids, "child_ids": [], "is_company": False, "sequence": 2,
        "state": "draft",
    }
    assert len(values["line_ids"]) == 2


def test_read_several_records_keeps_order(env, world):
    records = world["zed"] | world["agro"]
    rows = records.read(["name", "child_ids"])
    assert [row["id"] for row in rows] == records.ids
    assert rows[0]["name"] == "Zed" and rows[0]["child_ids"] == []
    assert sorted(rows[1]["child_ids"]) == sorted([world["bob"].id, world["ann"].id])


def test_read_all_fields(env, world):
    [values] = world["agro"].read()
    for name in ("id", "name", "parent_id", "tag_ids", "display_name", "create_date",
                 "write_uid", "state", "active"):
        assert name in values
    assert values["display_name"] == "Agrolait"
    assert values["create_uid"] == (env.uid, env.user.name)


def test_read_unknown_field(world):
    with pytest.raises(ValidationError, match=r"test_basic\.partner.*'nope'"):
        world["agro"].read(["name", "nope"])


# -- default_get and fields_get ------------------------------------------------------------
def test_default_get(env):
    model = env["test_basic.everything"]
    assert model.default_get(["priority", "label", "name"]) == {"priority": 5, "label": "new"}
    assert model.with_context(default_name="ctx", default_priority=1).default_get(
        ["priority", "name", "integer"]) == {"priority": 1, "name": "ctx"}
    assert env[PARTNER].default_get(["state", "active", "name"]) == {
        "state": "draft", "active": True}


def test_fields_get(env):
    info = env[PARTNER].fields_get()
    assert info["name"]["type"] == "char"
    assert info["name"]["required"] is True
    assert info["name"]["string"] == "Name"
    assert info["parent_id"] == {**info["parent_id"], "type": "many2one",
                                 "relation": PARTNER, "string": "Parent"}
    assert info["child_ids"]["type"] == "one2many"
    assert info["child_ids"]["relation"] == PARTNER
    assert info["tag_ids"]["type"] == "many2many"
    assert info["tag_ids"]["relation"] == "test_basic.tag"
    assert info["state"]["type"] == "selection"
    assert info["state"]["selection"] == [("draft", "Draft"), ("open", "Open"),
                                          ("done", "Done")]
    assert info["display_name"]["store"] is False
    assert info["id"]["readonly"] is True
    types = {name: value["type"] for name, value in
             env["test_basic.everything"].fields_get().items()}
    assert types["text"] == "text" and types["html"] == "html"
    assert types["float_digits"] == "float" and types["amount"] == "monetary"
    assert types["day"] == "date" and types["moment"] == "datetime"
    assert types["data"] == "binary" and types["flag"] == "boolean"
    assert types["integer"] == "integer"
