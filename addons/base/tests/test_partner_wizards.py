"""The customers' mass actions at the ORM level: change customer group (move, add,
remove), share customers (add, replace, remove, related documents), transfer owner (one
user, an even split in list order, departments, open documents), what each user sees
afterwards, the chatter notes, and the refusals that change nothing.

The team's database also has the test addon partner_docs (tests/addons_partner): a
document per customer whose hooks follow the sharing and the owner.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from addons.base.models import partner_wizards
from addons.base.tests.partner_support import team_world
from core.exceptions import AccessError, UserError, ValidationError
from tests.conftest import ENGINES

PARTNER_ADDONS = Path(__file__).resolve().parents[3] / "tests" / "addons_partner"


@pytest.fixture(scope="module", params=ENGINES)
def team(request, tmp_path_factory):
    """The team (partner_support) in a database with base and partner_docs."""
    with team_world(request, tmp_path_factory, addons_paths=[PARTNER_ADDONS],
                    addons=("base", "partner_docs")) as world:
        yield world


@pytest.fixture
def users(env):
    """The team's users by login."""
    return {user.login: user for user in env["res.users"].search([])}


def customers(env, names, owner, **values):
    """Companies named `names` (in that order), owned by `owner`."""
    return env["res.partner"].create([{"name": name, "is_company": True,
                                       "owner_id": owner.id if owner else False, **values}
                                      for name in names])


def apply(user_env, model, ids, **values):
    """Run wizard `model` as the Actions menu would, on customers `ids`."""
    wizard = user_env[model].with_context(active_model="res.partner",
                                          active_ids=list(ids)).create(values)
    return wizard.action_apply()


def notes(partner) -> list[str]:
    """The bodies of the mass actions' notes on a customer, oldest first."""
    messages = partner.env["mail.message"].sudo().search([
        ("model", "=", "res.partner"), ("res_id", "=", partner.id),
        ("message_type", "=", "notification")], order="id")
    return [m.body for m in messages if "created" not in m.body]


def visible(user_env, records) -> set[int]:
    """Which of `records` the user of `user_env` sees."""
    return set(user_env["res.partner"].search([("id", "in", records.ids)]).ids)


# -- change customer group -------------------------------------------------------------
@pytest.fixture
def groups(env):
    """Customer groups North, South and "Age 20-30"."""
    return {key: env["res.partner.group"].create({"name": name})
            for key, name in [("north", "North"), ("south", "South"), ("age", "Age 20-30")]}


@pytest.mark.parametrize("mode, chosen, expected, note_a", [
    ("move", ["age"], [{"age"}, {"age"}, {"age"}],
     "<p>Customer groups changed: added to Age 20-30; removed from North.</p>"),
    ("add", ["age", "north"], [{"north", "age"}, {"south", "north", "age"}, {"north", "age"}],
     "<p>Customer groups changed: added to Age 20-30.</p>"),
    ("remove", ["north", "age"], [set(), {"south"}, set()],
     "<p>Customer groups changed: removed from North.</p>"),
])
def test_change_customer_group_modes(env, as_user, users, groups, mode, chosen, expected,
                                     note_a):
    a, b, c = customers(env, ["GA", "GB", "GC"], users["sally"])
    a.write({"group_ids": [groups["north"].id]})
    b.write({"group_ids": [groups["south"].id]})
    result = apply(as_user("sally"), "res.partner.group.wizard", [a.id, b.id, c.id],
                   mode=mode, group_ids=[groups[k].id for k in chosen])
    assert result["url"].startswith("/web/res.partner?")
    assert "notice=done" in result["url"]
    ids = {group.id: key for key, group in groups.items()}
    assert [{ids[g] for g in p.group_ids.ids} for p in (a, b, c)] == expected
    assert notes(a) == [note_a]
    # only customers that changed get a note: removing leaves B (South) and C (none) be
    assert [len(notes(p)) for p in (b, c)] == ([0, 0] if mode == "remove" else [1, 1])


def test_unchanged_customers_get_no_note_and_the_wizard_is_gone(env, as_user, users, groups):
    a, b = customers(env, ["GA", "GB"], users["sally"])
    a.write({"group_ids": [groups["north"].id]})
    sally = as_user("sally")
    apply(sally, "res.partner.group.wizard", [a.id, b.id], mode="add",
          group_ids=[groups["north"].id])
    assert notes(a) == []
    assert notes(b) == ["<p>Customer groups changed: added to North.</p>"]
    assert not env["res.partner.group.wizard"].search([])


def test_change_customer_group_needs_a_group(env, as_user, users):
    [a] = customers(env, ["GA"], users["sally"])
    with pytest.raises(ValidationError, match="at least one customer group") as caught:
        apply(as_user("sally"), "res.partner.group.wizard", [a.id], mode="move")
    assert caught.value.field == "group_ids"


# -- refusals (the same for the three wizards) -------------------------------------------
WIZARDS = [("res.partner.group.wizard", "group"), ("res.partner.share.wizard", "share"),
           ("res.partner.owner.wizard", "owner")]


def wizard_values(kind, users, groups):
    """Valid values of each kind of wizard."""
    return {"group": {"mode": "move", "group_ids": [groups["north"].id]},
            "share": {"mode": "replace", "user_ids": [users["sonia"].id]},
            "owner": {"user_ids": [users["sonia"].id]}}[kind]


@pytest.mark.parametrize("model, kind", WIZARDS)
def test_empty_selection_is_refused(env, as_user, users, groups, model, kind):
    with pytest.raises(UserError, match="No customer is selected"):
        apply(as_user("sally"), model, [], **wizard_values(kind, users, groups))


@pytest.mark.parametrize("model, kind", WIZARDS)
def test_a_wizard_opened_on_other_records_is_refused(env, as_user, users, groups, model,
                                                    kind):
    wizard = as_user("sally")[model].with_context(active_model="res.users", active_ids=[
        users["sam"].id]).create(wizard_values(kind, users, groups))
    with pytest.raises(UserError, match="works on customers"):
        wizard.action_apply()


@pytest.mark.parametrize("model, kind", WIZARDS)
def test_a_customer_the_user_cannot_see_refuses_everything(env, as_user, users, groups,
                                                           model, kind):
    mine = customers(env, ["Mine 1", "Mine 2"], users["sally"])
    [hidden] = customers(env, ["Sam's"], users["sam"])
    ids = [*mine.ids, hidden.id]
    with pytest.raises(UserError, match=rf"1 of the 3 selected customers \(id {hidden.id}\)"
                                        ".*nothing was changed"):
        apply(as_user("sally"), model, ids, **wizard_values(kind, users, groups))
    everyone = mine | hidden
    assert [p.owner_id.login for p in everyone] == ["sally", "sally", "sam"]
    assert not everyone.mapped("group_ids") and not everyone.mapped("share_user_ids")
    assert all(notes(p) == [] for p in everyone)


@pytest.mark.parametrize("model, kind", WIZARDS[1:])
def test_sharing_and_transfer_need_a_target(env, as_user, users, model, kind):
    [a] = customers(env, ["NA"], users["sally"])
    with pytest.raises(ValidationError, match="at least one") as caught:
        apply(as_user("sally"), model, [a.id])
    assert caught.value.field == "user_ids"
    assert a.owner_id == users["sally"] and not a.share_user_ids


def test_a_failure_after_the_changes_rolls_everything_back(env, as_user, users, monkeypatch):
    a, b = customers(env, ["FA", "FB"], users["sally"])

    def broken(self, records, bodies):
        raise UserError("the chatter is down")

    monkeypatch.setattr(partner_wizards.PartnerMassAction, "_post_notes", broken)
    with pytest.raises(UserError, match="chatter is down"):
        apply(as_user("sally"), "res.partner.owner.wizard", [a.id, b.id],
              user_ids=[users["sam"].id])
    env.transaction.invalidate()
    assert (a | b).mapped("owner_id") == users["sally"]


# -- share customers -----------------------------------------------------------------------
def test_share_add_makes_customers_visible_to_users_and_departments(env, as_user, users):
    a, b = customers(env, ["SA", "SB"], users["sally"])
    contact = env["res.partner"].create({"name": "Lan", "parent_id": a.id})
    sonia, paula = as_user("sonia"), as_user("paula")
    assert visible(sonia, a | b | contact) == set()
    south = users["sonia"].department_id
    apply(as_user("sally"), "res.partner.share.wizard", [a.id, b.id], mode="add",
          user_ids=[users["sam"].id], department_ids=[south.id])
    assert visible(sonia, a | b | contact) == {a.id, b.id, contact.id}  # by department
    assert visible(paula, a | b) == {a.id, b.id}
    assert contact.share_user_ids == users["sam"]  # contacts follow their company
    assert notes(a) == ["<p>Sharing changed: shared with Sam Seller, Sales South "
                        "(department).</p>"]
    assert notes(contact) == []


def test_share_replace_and_remove(env, as_user, users):
    a, b = customers(env, ["SA", "SB"], users["sally"])
    a.write({"share_user_ids": [users["sam"].id, users["sonia"].id]})
    sally = as_user("sally")
    apply(sally, "res.partner.share.wizard", [a.id, b.id], mode="replace",
          user_ids=[users["paula"].id])
    assert a.share_user_ids == users["paula"] and b.share_user_ids == users["paula"]
    assert notes(a) == ["<p>Sharing changed: shared with Paula Payroll; no longer shared "
                        "with Sam Seller, Sonia Seller.</p>"]
    assert visible(as_user("sonia"), a | b) == set()
    assert visible(as_user("paula"), a | b) == {a.id, b.id}

    apply(sally, "res.partner.share.wizard", [a.id, b.id], mode="remove",
          user_ids=[users["paula"].id, users["sam"].id])
    assert not (a | b).mapped("share_user_ids")
    assert notes(b)[-1] == "<p>Sharing changed: no longer shared with Paula Payroll.</p>"
    assert visible(as_user("paula"), a | b) == set()


def test_replace_drops_departments_not_chosen(env, as_user, users):
    [a] = customers(env, ["SA"], users["sally"],
                    share_department_ids=[users["sonia"].department_id.id])
    apply(as_user("sally"), "res.partner.share.wizard", [a.id], mode="replace",
          user_ids=[users["sam"].id])
    assert not a.share_department_ids and a.share_user_ids == users["sam"]
    assert visible(as_user("sonia"), a) == set()


def test_share_related_documents_through_the_hook(env, as_user, users):
    a, b = customers(env, ["SA", "SB"], users["sally"])
    contact = env["res.partner"].create({"name": "Lan", "parent_id": a.id})
    docs = env["partner.doc"].create([
        {"name": "open A", "partner_id": a.id}, {"name": "open contact",
                                                 "partner_id": contact.id},
        {"name": "done B", "partner_id": b.id, "state": "done"}])
    [other] = customers(env, ["Other"], users["sally"])
    untouched = env["partner.doc"].create({"name": "other", "partner_id": other.id})
    sally = as_user("sally")
    apply(sally, "res.partner.share.wizard", [a.id, b.id], mode="add",
          user_ids=[users["sam"].id])
    assert not docs.mapped("share_user_ids")  # not asked
    apply(sally, "res.partner.share.wizard", [a.id, b.id], mode="add",
          user_ids=[users["sonia"].id], share_related=True)
    assert [d.share_user_ids.mapped("login") for d in docs] == [["sonia"], ["sonia"], []]
    apply(sally, "res.partner.share.wizard", [a.id, b.id], mode="remove",
          user_ids=[users["sonia"].id], share_related=True)
    assert not docs.mapped("share_user_ids") and not untouched.share_user_ids


# -- transfer owner --------------------------------------------------------------------------
def test_transfer_to_one_user_the_previous_owner_loses_access_unless_shared(env, as_user,
                                                                          users):
    a, b = customers(env, ["TA", "TB"], users["sally"])
    b.write({"share_user_ids": [users["sally"].id]})
    contact = env["res.partner"].create({"name": "Lan", "parent_id": a.id})
    sally, sam = as_user("sally"), as_user("sam")
    assert visible(sally, a | b | contact) == {a.id, b.id, contact.id}
    apply(sally, "res.partner.owner.wizard", [a.id, b.id], user_ids=[users["sonia"].id])
    assert (a | b | contact).mapped("owner_id") == users["sonia"]
    assert visible(sally, a | b | contact) == {b.id}  # b stays shared with her
    assert visible(sam, a | b) == set()
    assert visible(as_user("sonia"), a | b | contact) == {a.id, b.id, contact.id}
    assert notes(a) == ["<p>Owner changed from Sally Seller to Sonia Seller.</p>"]
    # one note, no separate tracking message for the owner field
    assert not env["mail.message"].search([("model", "=", "res.partner"),
                                           ("res_id", "=", a.id),
                                           ("tracking_value_ids", "!=", False)])
    with pytest.raises(AccessError):
        sally["res.partner"].browse(a.id).name  # noqa: B018


def test_transfer_of_an_unowned_customer_and_of_a_customer_already_owned(env, as_user,
                                                                        users):
    [a] = customers(env, ["Nobody's"], None)
    [b] = customers(env, ["Sonia's"], users["sonia"], share_user_ids=[users["sally"].id])
    apply(as_user("sally"), "res.partner.owner.wizard", [a.id, b.id],
          user_ids=[users["sonia"].id])
    assert notes(a) == ["<p>Owner changed from nobody to Sonia Seller.</p>"]
    assert notes(b) == []


def test_several_targets_split_evenly_in_list_order(env, as_user, users):
    seven = customers(env, [f"Split {n}" for n in range(1, 8)], users["sally"])
    order = list(reversed(seven.ids))  # the list showed them newest first
    apply(as_user("sally"), "res.partner.owner.wizard", order,
          user_ids=[users["sonia"].id, users["paula"].id, users["sam"].id])
    owners = [env["res.partner"].browse(i).owner_id.login for i in order]
    # targets in name order: Paula Payroll, Sam Seller, Sonia Seller
    assert owners == ["paula"] * 3 + ["sam"] * 2 + ["sonia"] * 2
    assert notes(env["res.partner"].browse(order[3])) == [
        "<p>Owner changed from Sally Seller to Sam Seller.</p>"]


@pytest.mark.parametrize("count, sizes", [(7, [3, 2, 2]), (6, [2, 2, 2]), (2, [1, 1, 0]),
                                          (0, [0, 0, 0]), (5, [2, 2, 1])])
def test_split_evenly(count, sizes):
    slices = partner_wizards.split_evenly(list(range(count)), 3)
    assert [len(s) for s in slices] == sizes
    assert [i for s in slices for i in s] == list(range(count))


def test_a_department_target_means_its_active_members_in_name_order(env, as_user, users):
    five = customers(env, [f"Dept {n}" for n in range(1, 6)], users["sally"])
    south = users["sonia"].department_id
    apply(as_user("sally"), "res.partner.owner.wizard", five.ids, department_ids=[south.id])
    assert five.mapped(lambda p: p.owner_id.login) == ["paula"] * 3 + ["sonia"] * 2

    # users first (by name), then the departments' members; each user once
    three = customers(env, [f"Mixed {n}" for n in range(1, 4)], users["sally"])
    apply(as_user("sally"), "res.partner.owner.wizard", three.ids,
          user_ids=[users["sonia"].id], department_ids=[south.id])
    assert three.mapped(lambda p: p.owner_id.login) == ["sonia", "sonia", "paula"]


def test_archived_members_and_empty_departments(env, as_user, users):
    south = users["sonia"].department_id
    users["paula"].write({"active": False})
    two = customers(env, ["Arch 1", "Arch 2"], users["sally"])
    apply(as_user("sally"), "res.partner.owner.wizard", two.ids, department_ids=[south.id])
    assert two.mapped("owner_id") == users["sonia"]

    empty = env["res.department"].create({"name": "Nobody here"})
    [c] = customers(env, ["Empty"], users["sally"])
    with pytest.raises(ValidationError, match="'Nobody here' has no active member") as caught:
        apply(as_user("sally"), "res.partner.owner.wizard", [c.id],
              department_ids=[empty.id])
    assert caught.value.field == "department_ids"
    assert c.owner_id == users["sally"]


def test_a_selected_contact_stands_for_its_company(env, as_user, users):
    [company] = customers(env, ["Holding"], users["sally"])
    contact = env["res.partner"].create({"name": "Lan", "parent_id": company.id})
    apply(as_user("sally"), "res.partner.owner.wizard", [contact.id, company.id],
          user_ids=[users["sam"].id])
    assert company.owner_id == users["sam"] and contact.owner_id == users["sam"]
    assert len(notes(company)) == 1 and notes(contact) == []


def test_transfer_related_open_documents_through_the_hook(env, as_user, users):
    a, b = customers(env, ["TA", "TB"], users["sally"])
    contact = env["res.partner"].create({"name": "Lan", "parent_id": a.id})
    docs = env["partner.doc"].create([
        {"name": "1 open", "partner_id": a.id, "owner_id": users["sally"].id},
        {"name": "2 contact's", "partner_id": contact.id, "owner_id": users["sally"].id},
        {"name": "3 nobody's", "partner_id": b.id},
        {"name": "4 done", "partner_id": a.id, "owner_id": users["sally"].id,
         "state": "done"},
        {"name": "5 mia's", "partner_id": b.id, "owner_id": users["mia"].id}])
    apply(as_user("sally"), "res.partner.owner.wizard", [a.id, b.id],
          user_ids=[users["sam"].id, users["sonia"].id], transfer_related=True)
    assert (a.owner_id.login, b.owner_id.login) == ("sam", "sonia")
    assert docs.mapped(lambda d: d.owner_id.login) == ["sam", "sam", "sonia", "sally", "mia"]


def test_without_transfer_related_documents_stay(env, as_user, users):
    [a] = customers(env, ["TA"], users["sally"])
    doc = env["partner.doc"].create({"name": "open", "partner_id": a.id,
                                     "owner_id": users["sally"].id})
    apply(as_user("sally"), "res.partner.owner.wizard", [a.id], user_ids=[users["sam"].id])
    assert doc.owner_id == users["sally"]


def test_a_manager_transfers_anyone_s_customers(env, as_user, users):
    a, b = customers(env, ["MA", "MB"], users["sam"])
    apply(as_user("mia"), "res.partner.owner.wizard", [a.id, b.id],
          user_ids=[users["sally"].id])
    assert (a | b).mapped("owner_id") == users["sally"]
    assert visible(as_user("sally"), a | b) == {a.id, b.id}
    assert visible(as_user("sam"), a | b) == set()


def test_wizards_are_private_to_their_user(env, as_user, users):
    wizard = as_user("sally")["res.partner.owner.wizard"].create(
        {"user_ids": [users["sam"].id]})
    assert not as_user("sonia")["res.partner.owner.wizard"].search([("id", "=", wizard.id)])


def test_only_employees_can_own_customers(env, as_user, users):
    portal = env["res.users"].create({"name": "Pat Portal", "login": "pat.portal",
                                      "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
                                      "department_id": users["sonia"].department_id.id})
    [c] = customers(env, ["Portal"], users["sally"])
    with pytest.raises(ValidationError, match="Pat Portal: only employees") as caught:
        apply(as_user("sally"), "res.partner.owner.wizard", [c.id], user_ids=[portal.id])
    assert caught.value.field == "user_ids" and c.owner_id == users["sally"]
    # as a department's member, a portal user is no target
    south = users["sonia"].department_id
    two = customers(env, ["Portal 1", "Portal 2"], users["sally"])
    apply(as_user("sally"), "res.partner.owner.wizard", two.ids, department_ids=[south.id])
    assert [p.owner_id.login for p in two] == ["paula", "sonia"]
