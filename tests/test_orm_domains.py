"""Domains: every operator, prefix logic, NULL handling, dotted paths, name search on
relations, case sensitivity, escaping, error messages, and a property test against a
Python evaluation of the same domain."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.exceptions import ValidationError

PARTNER = "test_basic.partner"


@pytest.fixture
def data(env):
    """Partners with a three-level hierarchy, countries, tags and lines."""
    vn, la = env["test_basic.country"].create([{"name": "Vietnam", "code": "VN"},
                                               {"name": "Laos", "code": "LA"}])
    vip, new = env["test_basic.tag"].create([{"name": "VIP"}, {"name": "new"}])
    root = env[PARTNER].create({"name": "Agrolait", "ref": "AG-1", "city": "Hanoi",
                                "sequence": 10, "score": 2.5, "is_company": True,
                                "country_id": vn.id, "tag_ids": [vip.id, new.id],
                                "birthday": "2000-01-15", "state": "open"})
    mid = env[PARTNER].create({"name": "Agro Sub", "ref": "ag-2", "city": "hanoi",
                               "sequence": 20, "score": 1.0, "parent_id": root.id,
                               "country_id": la.id, "tag_ids": [new.id],
                               "birthday": "1990-06-01",
                               "line_ids": [(0, 0, {"name": "l1", "quantity": 10}),
                                            (0, 0, {"name": "l2", "quantity": 1})]})
    leaf = env[PARTNER].create({"name": "Leaf Person", "ref": "50% off", "sequence": 30,
                                "parent_id": mid.id, "state": "done",
                                "line_ids": [(0, 0, {"name": "l3", "quantity": 2})]})
    lone = env[PARTNER].create({"name": "Lone_Wolf", "sequence": 40, "is_company": False,
                                "city": "Hue"})
    other = env[PARTNER].create({"name": "LoneXWolf", "ref": "500 off", "sequence": 50})
    return {"vn": vn, "la": la, "vip": vip, "new": new, "root": root, "mid": mid,
            "leaf": leaf, "lone": lone, "other": other}


def names(env, domain, model=PARTNER):
    """Sorted names of the records matching `domain`."""
    return sorted(env[model].search(domain).mapped("name"))


ALL = ["Agro Sub", "Agrolait", "Leaf Person", "LoneXWolf", "Lone_Wolf"]


# -- comparison operators ------------------------------------------------------------------
@pytest.mark.parametrize(("domain", "expected"), [
    ([("name", "=", "Agrolait")], ["Agrolait"]),
    ([("name", "!=", "Agrolait")], ["Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("name", "<>", "Agrolait")], ["Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("name", "==", "Agrolait")], ["Agrolait"]),
    ([("sequence", "<", 30)], ["Agro Sub", "Agrolait"]),
    ([("sequence", "<=", 30)], ["Agro Sub", "Agrolait", "Leaf Person"]),
    ([("sequence", ">", 30)], ["LoneXWolf", "Lone_Wolf"]),
    ([("sequence", ">=", 30)], ["Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("score", ">", 1.5)], ["Agrolait"]),
    ([("score", "<", 1.5)], ["Agro Sub"]),  # NULL scores never compare
    ([("sequence", "in", [10, 40, 99])], ["Agrolait", "Lone_Wolf"]),
    ([("sequence", "not in", [10, 40])], ["Agro Sub", "Leaf Person", "LoneXWolf"]),
    ([("sequence", "in", [])], []),
    ([("sequence", "not in", [])], ALL),
    ([("sequence", "in", 20)], ["Agro Sub"]),  # a single value is accepted
    ([("name", "in", ("Agrolait", "Agro Sub"))], ["Agro Sub", "Agrolait"]),
    ([("state", "=", "open")], ["Agrolait"]),
    ([("state", "in", ["done", "draft"])],
     ["Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("birthday", ">", "1995-01-01")], ["Agrolait"]),
    ([("birthday", "<=", dt.date(2000, 1, 15))], ["Agro Sub", "Agrolait"]),
    ([("birthday", "=", "2000-01-15")], ["Agrolait"]),
    ([("id", "=", 0)], []),
])
def test_comparison_operators(env, data, domain, expected):
    assert names(env, domain) == expected


def test_datetime_comparison(env):
    model = env["test_basic.everything"]
    early = model.create({"name": "early", "moment": "2024-01-01 08:00:00"})
    late = model.create({"name": "late", "moment": "2024-01-01T20:00:00"})
    assert model.search([("moment", ">", "2024-01-01 12:00:00")]) == late
    assert model.search([("moment", "<", dt.datetime(2024, 1, 1, 12))]) == early
    assert model.search([("moment", ">=", "2024-01-01T08:00:00")]) == early | late
    with pytest.raises(ValidationError, match="moment"):
        model.search([("moment", ">", "not a date")])


# -- False means NULL -------------------------------------------------------------------------
@pytest.mark.parametrize(("domain", "expected"), [
    ([("ref", "=", False)], ["Lone_Wolf"]),
    ([("ref", "!=", False)], ["Agro Sub", "Agrolait", "Leaf Person", "LoneXWolf"]),
    ([("city", "=", None)], ["Leaf Person", "LoneXWolf"]),
    ([("parent_id", "=", False)], ["Agrolait", "LoneXWolf", "Lone_Wolf"]),
    ([("parent_id", "!=", False)], ["Agro Sub", "Leaf Person"]),
    ([("birthday", "=", False)], ["Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("is_company", "=", False)], ["Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("is_company", "=", True)], ["Agrolait"]),
    ([("is_company", "!=", True)], ["Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("is_company", "!=", False)], ["Agrolait"]),
    ([("ref", "in", [False, "AG-1"])], ["Agrolait", "Lone_Wolf"]),
    ([("ref", "not in", [False, "AG-1"])], ["Agro Sub", "Leaf Person", "LoneXWolf"]),
    # != and not in keep the records without a value
    ([("city", "!=", "Hanoi")], ["Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("city", "not in", ["Hanoi", "Hue"])], ["Agro Sub", "Leaf Person", "LoneXWolf"]),
    ([("country_id", "!=", "placeholder")], []),  # replaced in the test
])
def test_false_means_null(env, data, domain, expected):
    if domain[0][2] == "placeholder":
        domain = [("country_id", "!=", data["vn"].id)]
        expected = ["Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]
    assert names(env, domain) == expected


# -- like operators ----------------------------------------------------------------------------
@pytest.mark.parametrize(("domain", "expected"), [
    ([("name", "like", "Agro")], ["Agro Sub", "Agrolait"]),
    ([("name", "like", "agro")], []),  # like is case-sensitive
    ([("name", "like", "lait")], ["Agrolait"]),
    ([("name", "ilike", "agro")], ["Agro Sub", "Agrolait"]),
    ([("name", "ilike", "AGRO")], ["Agro Sub", "Agrolait"]),
    ([("name", "ilike", "LAIT")], ["Agrolait"]),
    ([("city", "like", "Hanoi")], ["Agrolait"]),
    ([("city", "ilike", "HANOI")], ["Agro Sub", "Agrolait"]),
    ([("name", "not like", "Agro")], ["Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("name", "not like", "agro")], ALL),
    ([("name", "not ilike", "agro")], ["Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("city", "not ilike", "hanoi")], ["Leaf Person", "LoneXWolf", "Lone_Wolf"]),  # NULL kept
    ([("name", "=like", "Agro%")], ["Agro Sub", "Agrolait"]),
    ([("name", "=like", "agro%")], []),
    ([("name", "=like", "Agr_lait")], ["Agrolait"]),
    ([("name", "=like", "Agro")], []),  # =like is not wrapped in %
    ([("name", "=ilike", "agro%")], ["Agro Sub", "Agrolait"]),
    ([("name", "=ilike", "AGROLAIT")], ["Agrolait"]),
    ([("name", "=ilike", "agro")], []),
    ([("ref", "=like", "ag-_")], ["Agro Sub"]),
    ([("ref", "=ilike", "ag-_")], ["Agro Sub", "Agrolait"]),
    ([("name", "like", "")], ALL),
])
def test_like_operators(env, data, domain, expected):
    assert names(env, domain) == expected


@pytest.mark.parametrize(("domain", "expected"), [
    ([("ref", "like", "50%")], ["Leaf Person"]),  # % is a literal, not "50 then anything"
    ([("ref", "ilike", "0% O")], ["Leaf Person"]),
    ([("name", "like", "Lone_Wolf")], ["Lone_Wolf"]),  # _ is a literal, not any character
    ([("name", "ilike", "lone_")], ["Lone_Wolf"]),
    ([("name", "not like", "_")], ["Agro Sub", "Agrolait", "Leaf Person", "LoneXWolf"]),
    ([("name", "like", "%")], []),
    ([("ref", "like", "\\")], []),
])
def test_like_escapes_wildcards(env, data, domain, expected):
    assert names(env, domain) == expected


def test_like_with_glob_characters(env):
    model = env["test_basic.tag"]
    star, other = model.create([{"name": "a*b?[c]"}, {"name": "axbyc"}])
    assert model.search([("name", "like", "a*b")]) == star
    assert model.search([("name", "like", "?[c]")]) == star
    assert model.search([("name", "=like", "a*b?[c]")]) == star
    assert model.search([("name", "ilike", "A*B")]) == star
    assert model.search([("name", "like", "x")]) == other


def test_backslash_in_like(env):
    model = env["test_basic.tag"]
    slash = model.create({"name": "C:\\temp"})
    model.create({"name": "C:temp"})
    assert model.search([("name", "like", "C:\\t")]) == slash
    assert model.search([("name", "ilike", "c:\\T")]) == slash


# -- prefix operators and implicit AND ---------------------------------------------------------
@pytest.mark.parametrize(("domain", "expected"), [
    ([("sequence", ">", 10), ("sequence", "<", 40)], ["Agro Sub", "Leaf Person"]),
    (["&", ("sequence", ">", 10), ("sequence", "<", 40)], ["Agro Sub", "Leaf Person"]),
    (["|", ("sequence", "=", 10), ("sequence", "=", 50)], ["Agrolait", "LoneXWolf"]),
    (["!", ("sequence", "=", 10)], ["Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    (["|", "|", ("sequence", "=", 10), ("sequence", "=", 20), ("sequence", "=", 30)],
     ["Agro Sub", "Agrolait", "Leaf Person"]),
    (["|", ("sequence", "=", 10), "&", ("sequence", ">", 20), ("name", "like", "Lone")],
     ["Agrolait", "LoneXWolf", "Lone_Wolf"]),
    (["&", "|", ("sequence", "=", 10), ("sequence", "=", 40), ("is_company", "=", True)],
     ["Agrolait"]),
    (["!", "|", ("sequence", "=", 10), ("sequence", "=", 20)],
     ["Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    (["!", "!", ("sequence", "=", 10)], ["Agrolait"]),
    (["|", ("sequence", "=", 10), ("sequence", "=", 20), ("is_company", "=", True)],
     ["Agrolait"]),  # implicit AND after a complete "|"
    ([("name", "like", "Lone"), "|", ("sequence", "=", 40), ("sequence", "=", 50)],
     ["LoneXWolf", "Lone_Wolf"]),
    ([], ALL),
    ([(1, "=", 1)], ALL),
    ([(0, "=", 1)], []),
    (["!", (0, "=", 1)], ALL),
    (["|", (0, "=", 1), ("sequence", "=", 10)], ["Agrolait"]),
])
def test_prefix_operators(env, data, domain, expected):
    assert names(env, domain) == expected


@pytest.mark.parametrize(("domain", "equivalent"), [
    (["!", ("city", "=", "Hanoi")], [("city", "!=", "Hanoi")]),
    (["!", ("city", "in", ["Hanoi", "Hue"])], [("city", "not in", ["Hanoi", "Hue"])]),
    (["!", ("city", "like", "Ha")], [("city", "not like", "Ha")]),
    (["!", ("city", "ilike", "ha")], [("city", "not ilike", "ha")]),
    (["!", ("city", "!=", False)], [("city", "=", False)]),
    (["!", ("country_id", "=", "Vietnam")], [("country_id", "!=", "Vietnam")]),
    (["!", ("is_company", "=", True)], [("is_company", "!=", True)]),
    (["!", "&", ("city", "=", "Hanoi"), ("sequence", "=", 10)],
     ["|", ("city", "!=", "Hanoi"), ("sequence", "!=", 10)]),
    (["!", "|", ("city", "=", "Hue"), ("ref", "=", "AG-1")],
     [("city", "!=", "Hue"), ("ref", "!=", "AG-1")]),
])
def test_not_is_the_negation_of_the_term(env, data, domain, equivalent):
    """As in Odoo, "!" negates the term: records without a value are matched by
    ["!", ("city", "=", "Hanoi")] as by ("city", "!=", "Hanoi")."""
    expected = names(env, equivalent)
    assert names(env, domain) == expected
    positive = set(names(env, domain[1:]))
    assert set(expected) == set(ALL) - positive  # a complement: nothing lost to NULL


# -- relations ---------------------------------------------------------------------------------
def test_many2one_by_id_and_record(env, data):
    root = data["root"]
    assert names(env, [("parent_id", "=", root.id)]) == ["Agro Sub"]
    assert names(env, [("parent_id", "=", root)]) == ["Agro Sub"]
    assert names(env, [("parent_id", "in", [root.id, data["mid"].id])]) == \
        ["Agro Sub", "Leaf Person"]
    assert names(env, [("parent_id", "in", root | data["mid"])]) == ["Agro Sub", "Leaf Person"]
    assert names(env, [("parent_id", "!=", root.id)]) == [
        "Agrolait", "Leaf Person", "LoneXWolf", "Lone_Wolf"]
    assert names(env, [("parent_id", "not in", [root.id])]) == [
        "Agrolait", "Leaf Person", "LoneXWolf", "Lone_Wolf"]


def test_many2one_name_search(env, data):
    assert names(env, [("parent_id", "ilike", "agro")]) == ["Agro Sub", "Leaf Person"]
    assert names(env, [("parent_id", "like", "agro")]) == []
    assert names(env, [("parent_id", "=", "Agrolait")]) == ["Agro Sub"]
    assert names(env, [("country_id", "=", "Vietnam")]) == ["Agrolait"]
    assert names(env, [("country_id", "in", ["Vietnam", "Laos"])]) == ["Agro Sub", "Agrolait"]
    assert names(env, [("country_id", "ilike", "o")]) == ["Agro Sub"]  # only Laos has an o


def test_many2one_negative_name_search(env, data):
    """Negative operators on a many2one name: the records NOT linked to a matching
    record, including those without a link."""
    assert names(env, [("parent_id", "not ilike", "agro")]) == [
        "Agrolait", "LoneXWolf", "Lone_Wolf"]
    assert names(env, [("parent_id", "!=", "Agrolait")]) == [
        "Agrolait", "Leaf Person", "LoneXWolf", "Lone_Wolf"]
    assert names(env, [("country_id", "not in", ["Vietnam"])]) == [
        "Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]
    assert names(env, [("country_id", "not like", "Viet")]) == [
        "Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]


def test_dotted_paths(env, data):
    assert names(env, [("parent_id.name", "=", "Agrolait")]) == ["Agro Sub"]
    assert names(env, [("parent_id.parent_id.name", "=", "Agrolait")]) == ["Leaf Person"]
    assert names(env, [("parent_id.country_id.code", "=", "LA")]) == ["Leaf Person"]
    assert names(env, [("country_id.code", "in", ["VN", "LA"])]) == ["Agro Sub", "Agrolait"]
    assert names(env, [("child_ids.name", "=", "Agro Sub")]) == ["Agrolait"]
    assert names(env, [("child_ids.name", "ilike", "person")]) == ["Agro Sub"]
    assert names(env, [("line_ids.quantity", ">", 5)]) == ["Agro Sub"]
    assert names(env, [("line_ids.quantity", ">=", 1)]) == ["Agro Sub", "Leaf Person"]
    assert names(env, [("tag_ids.name", "=", "VIP")]) == ["Agrolait"]
    assert names(env, [("tag_ids.name", "ilike", "new")]) == ["Agro Sub", "Agrolait"]
    assert names(env, [("child_ids.tag_ids.name", "=", "new")]) == ["Agrolait"]
    assert names(env, [("partner_ids.name", "like", "Agro")], "test_basic.tag") == [
        "VIP", "new"]
    assert names(env, [("partner_id.parent_id.name", "=", "Agrolait")], "test_basic.line") == [
        "l1", "l2"]
    assert names(env, ["|", ("parent_id.name", "=", "Agrolait"),
                       ("tag_ids.name", "=", "VIP")]) == ["Agro Sub", "Agrolait"]
    assert names(env, ["!", ("child_ids.name", "=", "Agro Sub")]) == [
        "Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]


@pytest.mark.parametrize(("domain", "expected"), [
    ([("tag_ids", "=", False)], ["Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("tag_ids", "!=", False)], ["Agro Sub", "Agrolait"]),
    ([("child_ids", "=", False)], ["Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("child_ids", "!=", False)], ["Agro Sub", "Agrolait"]),
    ([("line_ids", "=", False)], ["Agrolait", "LoneXWolf", "Lone_Wolf"]),
    ([("tag_ids", "ilike", "vip")], ["Agrolait"]),
    ([("tag_ids", "=", "new")], ["Agro Sub", "Agrolait"]),
    ([("tag_ids", "not ilike", "vip")], ["Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]),
    ([("child_ids", "ilike", "leaf")], ["Agro Sub"]),
    ([("child_ids", "not ilike", "leaf")], ["Agrolait", "Leaf Person", "LoneXWolf",
                                            "Lone_Wolf"]),
    (["!", ("child_ids", "=", False)], ["Agro Sub", "Agrolait"]),
])
def test_x2many_leaves(env, data, domain, expected):
    assert names(env, domain) == expected


def test_x2many_leaves_with_ids(env, data):
    vip, new, mid, leaf = data["vip"], data["new"], data["mid"], data["leaf"]
    assert names(env, [("tag_ids", "in", [vip.id])]) == ["Agrolait"]
    assert names(env, [("tag_ids", "in", vip | new)]) == ["Agro Sub", "Agrolait"]
    assert names(env, [("tag_ids", "=", new.id)]) == ["Agro Sub", "Agrolait"]
    assert names(env, [("tag_ids", "not in", [vip.id])]) == [
        "Agro Sub", "Leaf Person", "LoneXWolf", "Lone_Wolf"]
    assert names(env, [("tag_ids", "!=", new.id)]) == ["Leaf Person", "LoneXWolf",
                                                        "Lone_Wolf"]
    assert names(env, [("child_ids", "in", [mid.id])]) == ["Agrolait"]
    assert names(env, [("child_ids", "in", [mid.id, leaf.id])]) == ["Agro Sub", "Agrolait"]
    assert names(env, [("child_ids", "not in", [leaf.id])]) == [
        "Agrolait", "Leaf Person", "LoneXWolf", "Lone_Wolf"]
    assert names(env, [("child_ids", "not in", [data["lone"].id])]) == ALL  # lone: no parent
    line = mid.line_ids[0]
    assert names(env, [("line_ids", "in", [line.id])]) == ["Agro Sub"]


def test_hierarchy_operators(env, data):
    root, mid, leaf = data["root"], data["mid"], data["leaf"]
    assert names(env, [("id", "child_of", root.id)]) == ["Agro Sub", "Agrolait", "Leaf Person"]
    assert names(env, [("id", "child_of", mid.id)]) == ["Agro Sub", "Leaf Person"]
    assert names(env, [("id", "child_of", [mid.id, data["lone"].id])]) == [
        "Agro Sub", "Leaf Person", "Lone_Wolf"]
    assert names(env, [("id", "child_of", leaf)]) == ["Leaf Person"]
    assert names(env, [("id", "child_of", "Agrolait")]) == ["Agro Sub", "Agrolait",
                                                            "Leaf Person"]
    assert names(env, [("id", "parent_of", leaf.id)]) == ["Agro Sub", "Agrolait", "Leaf Person"]
    assert names(env, [("id", "parent_of", mid.id)]) == ["Agro Sub", "Agrolait"]
    assert names(env, [("id", "parent_of", root.id)]) == ["Agrolait"]
    assert names(env, [("id", "child_of", [])]) == []
    assert names(env, [("parent_id", "child_of", root.id)]) == ["Agro Sub", "Leaf Person"]
    assert names(env, ["!", ("id", "child_of", mid.id)]) == ["Agrolait", "LoneXWolf",
                                                             "Lone_Wolf"]
    assert names(env, [("child_ids", "child_of", leaf.id)]) == ["Agro Sub"]
    assert names(env, [("partner_id", "child_of", root.id)], "test_basic.line") == [
        "l1", "l2", "l3"]


def test_hierarchy_needs_a_parent_field(env):
    with pytest.raises(ValidationError, match=r"test_basic\.tag"):
        env["test_basic.tag"].search([("id", "child_of", 1)])


def test_search_filtered_domain(env, data):
    records = data["root"] | data["mid"] | data["lone"]
    assert records.filtered_domain([("sequence", ">", 10)]).ids == [data["mid"].id,
                                                                    data["lone"].id]
    assert records.filtered_domain([]).ids == records.ids


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("domain", "fragments"), [
    ([("nope", "=", 1)], ["test_basic.partner", "'nope'", "('nope', '=', 1)"]),
    ([("parent_id.nope", "=", 1)], ["test_basic.partner", "'nope'", "parent_id.nope"]),
    ([("name", "equals", "x")], ["test_basic.partner", "'equals'", "('name', 'equals', 'x')"]),
    ([("name", "=")], ["test_basic.partner", "('name', '=')"]),
    ([("name", "=", "x", "y")], ["test_basic.partner", "('name', '=', 'x', 'y')"]),
    (["|", ("name", "=", "x")], ["test_basic.partner", "'|'"]),
    (["&", ("name", "=", "x")], ["test_basic.partner", "'&'"]),
    (["!"], ["test_basic.partner", "'!'"]),
    (["|"], ["test_basic.partner", "'|'"]),
    (["name", "=", "x"], ["test_basic.partner", "'name'"]),
    ([("name.size", "=", 1)], ["test_basic.partner", "name", "not a relation",
                               "('name.size', '=', 1)"]),
    ([("parent_id.city.x", "=", 1)], ["test_basic.partner", "city", "not a relation"]),
    ([(1, "=", "x")], ["test_basic.partner"]),
    ([("name", 1, "x")], ["test_basic.partner"]),
    ("name = x", ["test_basic.partner", "list"]),
])
def test_invalid_domains(env, domain, fragments):
    with pytest.raises(ValidationError) as error:
        env[PARTNER].search(domain)
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    with pytest.raises(ValidationError):
        env[PARTNER].search_count(domain)


def test_invalid_domain_leaves_environment_usable(env, data):
    with pytest.raises(ValidationError):
        env[PARTNER].search([("nope", "=", 1)])
    assert names(env, [("name", "=", "Agrolait")]) == ["Agrolait"]


# -- property: the database agrees with Python ---------------------------------------------
REFS = [None, "Ab", "aB", "abc", "X_1", "50%", "ab%c", ""]
CITIES = [None, "Hanoi", "hanoi", "Hue"]
LIKE_VALUES = ["a", "A", "b", "ab", "_", "%", "X", "", "%c", "_1"]


def _leaf(field, op, value):
    return (field, op, value)


text_leaves = st.builds(
    _leaf,
    st.sampled_from(["ref", "city"]),
    st.sampled_from(["=", "!=", "in", "not in", "like", "ilike", "not like", "not ilike"]),
    st.sampled_from([*LIKE_VALUES, "Hanoi", "Hue", "Ab", False]),
).map(lambda leaf: (leaf[0], leaf[1], [leaf[2], "Hue"]) if leaf[1] in ("in", "not in")
      else leaf)
integer_leaves = st.builds(_leaf, st.just("sequence"),
                           st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "in", "not in"]),
                           st.integers(-1, 4)).map(
    lambda leaf: (leaf[0], leaf[1], [leaf[2], leaf[2] + 1]) if leaf[1] in ("in", "not in")
    else leaf)
boolean_leaves = st.builds(_leaf, st.just("is_company"), st.sampled_from(["=", "!="]),
                           st.booleans())
leaves = st.one_of(text_leaves, integer_leaves, boolean_leaves)
trees = st.recursive(
    leaves.map(lambda leaf: ("leaf", leaf)),
    lambda children: st.one_of(
        st.tuples(st.sampled_from(["&", "|"]), children, children),
        st.tuples(st.just("!"), children),
    ),
    max_leaves=6,
)


def to_domain(tree) -> list:
    if tree[0] == "leaf":
        return [tree[1]]
    if tree[0] == "!":
        return ["!", *to_domain(tree[1])]
    return [tree[0], *to_domain(tree[1]), *to_domain(tree[2])]


def python_leaf(row, leaf) -> bool:
    field, op, value = leaf
    current = row[field]
    if field == "is_company":
        current = bool(current)
        return (current == value) if op == "=" else (current != value)
    if op in ("=", "!="):
        equal = current is None if value is False else current == value
        return equal if op == "=" else not equal
    if op in ("in", "not in"):
        found = current in value or (current is None and False in value)
        return found if op == "in" else not found
    if op in ("<", "<=", ">", ">="):
        return {"<": current < value, "<=": current <= value,
                ">": current > value, ">=": current >= value}[op]
    text = "" if value is False else value
    if current is None:
        found = False
    elif op in ("ilike", "not ilike"):
        found = text.lower() in current.lower()
    else:
        found = text in current
    return found if not op.startswith("not") else not found


def python_eval(row, tree) -> bool:
    if tree[0] == "leaf":
        return python_leaf(row, tree[1])
    if tree[0] == "!":
        return not python_eval(row, tree[1])
    if tree[0] == "&":
        return python_eval(row, tree[1]) and python_eval(row, tree[2])
    return python_eval(row, tree[1]) or python_eval(row, tree[2])


def test_domain_property_database_equals_python(env):
    """Random domains over text (with NULLs, mixed case, % and _), integers and booleans
    select in the database exactly the records a Python evaluation selects."""
    rows = []
    for index in range(16):
        row = {"name": f"P{index}", "ref": REFS[index % len(REFS)],
               "city": CITIES[(index * 3) % len(CITIES)], "sequence": index % 4,
               "is_company": [True, False, None][index % 3]}
        rows.append(row)
    records = env[PARTNER].create([{k: v for k, v in row.items() if v is not None}
                                   for row in rows])
    for row, record in zip(rows, records):
        row["id"] = record.id
    ids = records.ids

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(tree=trees, implicit=st.lists(leaves, max_size=2))
    def check(tree, implicit):
        domain = [*to_domain(tree), *implicit]
        expected = {row["id"] for row in rows if python_eval(row, tree)
                    and all(python_leaf(row, leaf) for leaf in implicit)}
        found = set(env[PARTNER].search([("id", "in", ids), *domain]).ids)
        assert found == expected, domain
        assert env[PARTNER].search_count([("id", "in", ids), *domain]) == len(expected)

    check()


@pytest.mark.parametrize("domain", [
    [("sequence", "=", "abc")],
    [("score", ">", "high")],
    [("is_company", "=", "yes")],
    [("country_id", "=", 1.5)],
    [("sequence", "in", [1, "x"])],
])
def test_values_of_the_wrong_type_are_a_validation_error(env, domain):
    """Both engines refuse a value that does not suit the field, with the field's name
    (PostgreSQL would otherwise fail with a database error)."""
    with pytest.raises(ValidationError, match=domain[0][0]):
        env["test_basic.partner"].search(domain)


def test_numbers_compared_with_text_fields_become_text(env):
    partner = env["test_basic.partner"].create({"name": "Bearing", "ref": "42"})
    assert env["test_basic.partner"].search([("ref", "=", 42)]) == partner


def test_reading_no_record_reads_nothing(env):
    assert env["test_basic.tag"].browse([]).read(["name", "color"]) == []


def test_out_of_range_numbers_and_deep_nesting_are_validation_errors(env):
    partners = env["test_basic.partner"]
    with pytest.raises(ValidationError, match="out of range"):
        partners.search([("sequence", "=", 2**63)])
    with pytest.raises(ValidationError, match="nests too many operators"):
        partners.search(["!"] * 5000 + [("name", "=", "x")])
    with pytest.raises(ValidationError, match="between"):
        partners.create({"name": "Huge", "sequence": 2**40})
