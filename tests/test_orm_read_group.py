"""read_group: counts and aggregates grouped by many2one, selection, boolean, date and
datetime periods, several group-bys, group domains, ordering and errors."""

from __future__ import annotations

import datetime as dt

import pytest

from core.exceptions import ValidationError

EVENT = "test_compute.event"


@pytest.fixture
def data(env):
    """Two partners and six events (one without partner, date, moment nor done)."""
    partners = env["test_compute.partner"]
    acme = partners.create({"name": "Acme"})
    bolt = partners.create({"name": "Bolt"})
    rows = [
        # name, partner, kind, done, day, moment, amount, quantity
        ("e1", acme, "call", True, "2024-01-15", "2024-01-15 09:30:00", 10.0, 1),
        ("e2", acme, "meeting", False, "2024-01-17", "2024-01-17 23:59:59", 20.0, 2),
        ("e3", bolt, "call", True, "2024-02-01", "2024-02-01 00:00:00", 30.0, 3),
        ("e4", bolt, "email", False, "2023-12-31", "2023-12-31 12:00:00", 5.0, 4),
        ("e5", None, "call", None, None, None, 0.5, 0),
        ("e6", acme, "call", True, "2024-01-15", "2024-01-16 08:00:00", 4.5, 5),
    ]
    vals_list = []
    for name, partner, kind, done, day, moment, amount, quantity in rows:
        vals = {"name": name, "kind": kind, "amount": amount, "quantity": quantity}
        if partner is not None:
            vals["partner_id"] = partner.id
        if done is not None:
            vals["done"] = done
        if day:
            vals["day"] = day
            vals["moment"] = moment
        vals_list.append(vals)
    events = env[EVENT].create(vals_list)
    return {"env": env, "acme": acme, "bolt": bolt, "events": events,
            "by_name": {e.name: e for e in events},
            "domain": [("id", "in", events.ids)]}


def group_names(env, group) -> list[str]:
    """Names of the events the group's __domain finds."""
    return sorted(env[EVENT].search(group["__domain"]).mapped("name"))


def by_key(groups, key):
    return {group[key]: group for group in groups}


# -- aggregates -----------------------------------------------------------------------

def test_no_groupby_gives_one_total_group(data):
    env = data["env"]
    groups = env[EVENT].read_group(data["domain"], ["amount:sum", "quantity:max"], [])
    assert len(groups) == 1
    assert groups[0]["__count"] == 6
    assert groups[0]["amount"] == pytest.approx(70.0)
    assert groups[0]["quantity"] == 5


def test_count_sum_avg_min_max(data):
    env = data["env"]
    groups = env[EVENT].read_group(
        data["domain"],
        ["total:sum(amount)", "mean:avg(amount)", "low:min(amount)", "high:max(amount)",
         "qty_avg:avg(quantity)", "first_day:min(day)", "last_day:max(day)"],
        ["kind"])
    call = by_key(groups, "kind")["call"]
    assert call["__count"] == 4
    assert call["total"] == pytest.approx(45.0)
    assert call["mean"] == pytest.approx(11.25)
    assert call["low"] == pytest.approx(0.5)
    assert call["high"] == pytest.approx(30.0)
    assert call["qty_avg"] == pytest.approx(2.25)
    assert isinstance(call["qty_avg"], float)
    assert call["first_day"] in (dt.date(2024, 1, 15), "2024-01-15")
    assert call["last_day"] in (dt.date(2024, 2, 1), "2024-02-01")


def test_plain_numeric_field_uses_its_default_aggregate(data):
    env = data["env"]
    groups = env[EVENT].read_group(data["domain"], ["amount", "quantity", "name"], ["kind"])
    meeting = by_key(groups, "kind")["meeting"]
    assert meeting["amount"] == pytest.approx(20.0)
    assert meeting["quantity"] == 2
    assert "name" not in meeting  # not numeric: nothing to aggregate


def test_count_aggregate_and_count_key(data):
    env = data["env"]
    groups = env[EVENT].read_group(data["domain"], ["n:count(id)", "__count"], ["kind"])
    counts = {g["kind"]: (g["__count"], g["n"]) for g in groups}
    assert counts == {"call": (4, 4), "meeting": (1, 1), "email": (1, 1)}


def test_empty_domain_result(data):
    env = data["env"]
    assert env[EVENT].read_group([("id", "=", -1)], ["amount:sum"], ["kind"]) == []


# -- group-by kinds -------------------------------------------------------------------

def test_group_by_many2one(data):
    env, acme, bolt = data["env"], data["acme"], data["bolt"]
    groups = env[EVENT].read_group(data["domain"], ["amount:sum"], ["partner_id"])
    assert len(groups) == 3
    found = by_key(groups, "partner_id")
    assert set(found) == {(acme.id, "Acme"), (bolt.id, "Bolt"), False}
    assert found[(acme.id, "Acme")]["__count"] == 3
    assert found[(acme.id, "Acme")]["amount"] == pytest.approx(34.5)
    assert found[(bolt.id, "Bolt")]["amount"] == pytest.approx(35.0)
    assert found[False]["__count"] == 1
    assert group_names(env, found[(acme.id, "Acme")]) == ["e1", "e2", "e6"]
    assert group_names(env, found[(bolt.id, "Bolt")]) == ["e3", "e4"]
    assert group_names(env, found[False]) == ["e5"]


def test_group_by_many2one_follows_renamed_partner(data):
    env, acme = data["env"], data["acme"]
    acme.write({"name": "Acme Corp"})
    groups = env[EVENT].read_group(data["domain"], [], ["partner_id"])
    assert (acme.id, "Acme Corp") in {g["partner_id"] for g in groups}


def test_group_by_selection(data):
    env = data["env"]
    groups = env[EVENT].read_group(data["domain"], ["amount:sum"], ["kind"])
    found = by_key(groups, "kind")
    assert {k: g["__count"] for k, g in found.items()} == {"call": 4, "meeting": 1, "email": 1}
    assert [g["kind"] for g in groups] == sorted(found)  # ordered by the group-by
    for kind, group in found.items():
        assert group_names(env, group) == sorted(
            e.name for e in data["events"] if e.kind == kind)


def test_group_by_boolean_merges_unset_and_false(data):
    env = data["env"]
    groups = env[EVENT].read_group(data["domain"], ["amount:sum"], ["done"])
    assert len(groups) == 2
    found = by_key(groups, "done")
    assert found[True]["__count"] == 3
    assert found[False]["__count"] == 3
    assert found[False]["amount"] == pytest.approx(25.5)
    assert group_names(env, found[True]) == ["e1", "e3", "e6"]
    assert group_names(env, found[False]) == ["e2", "e4", "e5"]


@pytest.mark.parametrize(("groupby", "expected"), [
    ("day:day", {"15 Jan 2024": ["e1", "e6"], "17 Jan 2024": ["e2"],
                 "01 Feb 2024": ["e3"], "31 Dec 2023": ["e4"], False: ["e5"]}),
    ("day:week", {"W03 2024": ["e1", "e2", "e6"], "W05 2024": ["e3"],
                  "W52 2023": ["e4"], False: ["e5"]}),
    ("day:month", {"January 2024": ["e1", "e2", "e6"], "February 2024": ["e3"],
                   "December 2023": ["e4"], False: ["e5"]}),
    ("day:quarter", {"Q1 2024": ["e1", "e2", "e3", "e6"], "Q4 2023": ["e4"], False: ["e5"]}),
    ("day:year", {"2024": ["e1", "e2", "e3", "e6"], "2023": ["e4"], False: ["e5"]}),
    ("day", {"January 2024": ["e1", "e2", "e6"], "February 2024": ["e3"],
             "December 2023": ["e4"], False: ["e5"]}),
    ("moment:day", {"15 Jan 2024": ["e1"], "16 Jan 2024": ["e6"], "17 Jan 2024": ["e2"],
                    "01 Feb 2024": ["e3"], "31 Dec 2023": ["e4"], False: ["e5"]}),
    ("moment:week", {"W03 2024": ["e1", "e2", "e6"], "W05 2024": ["e3"],
                     "W52 2023": ["e4"], False: ["e5"]}),
    ("moment:month", {"January 2024": ["e1", "e2", "e6"], "February 2024": ["e3"],
                      "December 2023": ["e4"], False: ["e5"]}),
    ("moment:year", {"2024": ["e1", "e2", "e3", "e6"], "2023": ["e4"], False: ["e5"]}),
])
def test_group_by_date_periods(data, groupby, expected):
    env = data["env"]
    groups = env[EVENT].read_group(data["domain"], ["quantity:sum"], [groupby])
    found = by_key(groups, groupby)
    assert set(found) == set(expected)
    for label, names in expected.items():
        group = found[label]
        assert group["__count"] == len(names), label
        assert group_names(env, group) == names, label
        assert group["quantity"] == sum(data["by_name"][n].quantity for n in names)


def test_date_groups_are_chronological_and_have_ranges(data):
    env = data["env"]
    groups = env[EVENT].read_group(data["domain"] + [("day", "!=", False)], [], ["day:week"])
    assert [g["day:week"] for g in groups] == ["W52 2023", "W03 2024", "W05 2024"]
    assert [g["__range"]["day:week"] for g in groups] == [
        {"from": "2023-12-25", "to": "2024-01-01"},
        {"from": "2024-01-15", "to": "2024-01-22"},
        {"from": "2024-01-29", "to": "2024-02-05"},
    ]
    months = env[EVENT].read_group(data["domain"] + [("moment", "!=", False)], [],
                                   ["moment:month"])
    assert [g["__range"]["moment:month"] for g in months] == [
        {"from": "2023-12-01", "to": "2024-01-01"},
        {"from": "2024-01-01", "to": "2024-02-01"},
        {"from": "2024-02-01", "to": "2024-03-01"},
    ]


def test_several_groupbys(data):
    env, acme, bolt = data["env"], data["acme"], data["bolt"]
    groups = env[EVENT].read_group(data["domain"], ["amount:sum"], ["partner_id", "kind"])
    found = {(g["partner_id"], g["kind"]): g for g in groups}
    a, b = (acme.id, "Acme"), (bolt.id, "Bolt")
    assert {key: g["__count"] for key, g in found.items()} == {
        (a, "call"): 2, (a, "meeting"): 1, (b, "call"): 1, (b, "email"): 1, (False, "call"): 1}
    assert found[(a, "call")]["amount"] == pytest.approx(14.5)
    assert group_names(env, found[(a, "call")]) == ["e1", "e6"]
    assert group_names(env, found[(b, "email")]) == ["e4"]
    assert group_names(env, found[(False, "call")]) == ["e5"]
    total = sum(len(env[EVENT].search(g["__domain"])) for g in groups)
    assert total == 6


def test_three_groupbys_with_a_date(data):
    env = data["env"]
    groups = env[EVENT].read_group(data["domain"], [], ["done", "kind", "day:month"])
    found = {(g["done"], g["kind"], g["day:month"]): g["__count"] for g in groups}
    assert found == {
        (True, "call", "January 2024"): 2, (True, "call", "February 2024"): 1,
        (False, "meeting", "January 2024"): 1, (False, "email", "December 2023"): 1,
        (False, "call", False): 1}
    for group in groups:
        assert len(env[EVENT].search(group["__domain"])) == group["__count"]


def test_group_domain_keeps_the_original_domain(data):
    env = data["env"]
    domain = [("id", "in", data["events"].ids), ("amount", ">", 5.0)]
    groups = env[EVENT].read_group(domain, [], ["partner_id"])
    acme = by_key(groups, "partner_id")[(data["acme"].id, "Acme")]
    assert acme["__count"] == 2
    assert group_names(env, acme) == ["e1", "e2"]


# -- ordering, offset, limit ----------------------------------------------------------

def test_orderby_aggregate(data):
    env = data["env"]
    groups = env[EVENT].read_group(data["domain"], ["amount:sum"], ["kind"],
                                   orderby="amount desc")
    assert [g["kind"] for g in groups] == ["call", "meeting", "email"]
    groups = env[EVENT].read_group(data["domain"], ["amount:sum"], ["kind"],
                                   orderby="amount asc")
    assert [g["kind"] for g in groups] == ["email", "meeting", "call"]


def test_orderby_count_then_groupby(data):
    env = data["env"]
    groups = env[EVENT].read_group(data["domain"], [], ["kind"],
                                   orderby="__count desc, kind desc")
    assert [g["kind"] for g in groups] == ["call", "meeting", "email"]


def test_orderby_groupby_desc_with_limit_and_offset(data):
    env = data["env"]
    groups = env[EVENT].read_group(data["domain"], [], ["kind"], orderby="kind desc")
    assert [g["kind"] for g in groups] == ["meeting", "email", "call"]
    groups = env[EVENT].read_group(data["domain"], [], ["kind"], orderby="kind desc",
                                   offset=1, limit=1)
    assert [g["kind"] for g in groups] == ["email"]


# -- errors ---------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "groupby"), [
    (["amount:sum"], ["nope"]),
    (["nope:sum"], ["kind"]),
    (["total:sum(nope)"], ["kind"]),
    (["amount:median"], ["kind"]),
    (["amount:sum"], ["label"]),  # not stored
    (["label:max"], ["kind"]),  # not stored
    (["amount:sum"], ["kind:month"]),  # not a date
    (["amount:sum"], ["day:fortnight"]),  # unknown period
])
def test_bad_fields_and_groupbys(env, fields, groupby):
    with pytest.raises(ValidationError):
        env[EVENT].read_group([], fields, groupby)


def test_bad_orderby(env):
    with pytest.raises(ValidationError):
        env[EVENT].read_group([], ["amount:sum"], ["kind"], orderby="name")


def test_bad_domain(env):
    with pytest.raises(ValidationError):
        env[EVENT].read_group([("nope", "=", 1)], ["amount:sum"], ["kind"])


def test_environment_works_after_a_bad_read_group(data):
    env = data["env"]
    with pytest.raises(ValidationError):
        env[EVENT].read_group(data["domain"], ["amount:median"], ["kind"])
    assert env[EVENT].read_group(data["domain"], [], [])[0]["__count"] == 6


# -- many2many --------------------------------------------------------------------------
@pytest.fixture
def tagged(env):
    """Partners with tags: ann (red, blue), bob (red), cid (none)."""
    tags = env["test_basic.tag"]
    red, blue = tags.create({"name": "red"}), tags.create({"name": "blue"})
    partners = env["test_basic.partner"].create([
        {"name": "ann", "tag_ids": [red.id, blue.id]},
        {"name": "bob", "tag_ids": [red.id]},
        {"name": "cid"}])
    return {"red": red, "blue": blue, "domain": [("id", "in", partners.ids)]}


def test_group_by_many2many_puts_a_record_in_each_of_its_groups(env, tagged):
    groups = env["test_basic.partner"].read_group(tagged["domain"], [], ["tag_ids"])
    found = {(g["tag_ids"][1] if g["tag_ids"] else None): g for g in groups}
    assert {name: g["__count"] for name, g in found.items()} == {
        "red": 2, "blue": 1, None: 1}
    assert found["red"]["tag_ids"] == (tagged["red"].id, "red")
    partners = env["test_basic.partner"]
    for name, expected in (("red", ["ann", "bob"]), ("blue", ["ann"]), (None, ["cid"])):
        domain = [*tagged["domain"], *found[name]["__domain"][1:]]
        assert sorted(partners.search(domain).mapped("name")) == expected


def test_group_by_many2many_then_another_field(env, tagged):
    groups = env["test_basic.partner"].read_group(tagged["domain"], [],
                                                  ["tag_ids", "name"])
    pairs = sorted((g["tag_ids"][1] if g["tag_ids"] else "", g["name"]) for g in groups)
    assert pairs == [("", "cid"), ("blue", "ann"), ("red", "ann"), ("red", "bob")]


def test_group_by_many2many_with_a_period_is_refused(env, tagged):
    with pytest.raises(ValidationError, match="cannot group by"):
        env["test_basic.partner"].read_group(tagged["domain"], [], ["tag_ids:month"])
