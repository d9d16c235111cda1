"""Who sees which leads (record rules per role), opportunities following their customer's
sharing and owner (base's partner_share and partner_owner_transfer hooks), and the
deadlines on the unified calendar (calendar_events)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.exceptions import AccessError


@pytest.fixture
def leads(env, crm):
    """One lead per case: sally's, sam's, sonia's, unassigned, and sam's shared with sally
    and with the south department."""
    lead = env["crm.lead"]
    south = crm.departments["south"]
    return {
        "sally": lead.create({"name": "R sally", "user_id": crm.users["sally"]}),
        "sam": lead.create({"name": "R sam", "user_id": crm.users["sam"]}),
        "sonia": lead.create({"name": "R sonia", "user_id": crm.users["sonia"]}),
        "nobody": lead.create({"name": "R nobody", "user_id": False}),
        "shared_user": lead.create({"name": "R shared with sally",
                                    "user_id": crm.users["sam"],
                                    "share_user_ids": [crm.users["sally"]]}),
        "shared_south": lead.create({"name": "R shared with south",
                                     "user_id": crm.users["sam"],
                                     "share_department_ids": [south]}),
    }


def visible(env, leads) -> set[str]:
    ids = [lead.id for lead in leads.values()]
    found = set(env["crm.lead"].search([("id", "in", ids)]).ids)
    return {key for key, lead in leads.items() if lead.id in found}


def test_salespeople_see_their_own_unassigned_and_shared(as_user, leads):
    assert visible(as_user("sally"), leads) == {"sally", "nobody", "shared_user"}
    assert visible(as_user("sam"), leads) == {"sam", "nobody", "shared_user",
                                              "shared_south"}
    assert visible(as_user("sonia"), leads) == {"sonia", "nobody", "shared_south"}


def test_managers_and_administrators_see_all(env, as_user, leads, crm):
    assert visible(as_user("mia"), leads) == set(leads)
    # Settings (admin) sees all once given access to CRM, even as a mere salesperson
    env["res.users"].browse(crm.users["admin"]).write(
        {"groups_id": [(4, env.ref("crm.group_crm_user").id)]})
    assert visible(as_user("admin"), leads) == set(leads)


def test_a_user_without_crm_group_sees_no_lead(as_user, leads):
    with pytest.raises(AccessError):
        as_user("paula")["crm.lead"].search([])


def test_a_salesperson_cannot_change_or_read_anothers(as_user, leads):
    sally = as_user("sally")
    theirs = sally["crm.lead"].browse(leads["sam"].id)
    with pytest.raises(AccessError):
        theirs.write({"name": "Mine now"})
    with pytest.raises(AccessError):
        theirs.read(["name"])
    with pytest.raises(AccessError):
        sally["crm.lead"].create({"name": "For sam", "user_id": leads["sam"].user_id.id})


def test_a_salesperson_takes_an_unassigned_lead(as_user, leads):
    sally = as_user("sally")
    lead = sally["crm.lead"].browse(leads["nobody"].id)
    lead.write({"user_id": sally.uid})
    assert lead.user_id == sally.user


def test_salespeople_delete_nothing_managers_do(as_user, leads):
    with pytest.raises(AccessError):
        as_user("sally")["crm.lead"].browse(leads["sally"].id).unlink()
    as_user("mia")["crm.lead"].browse(leads["sally"].id).unlink()


# -- sharing and owner transfer ----------------------------------------------------------
@pytest.fixture
def customer(as_user, env):
    """Sally's customer with a contact, an opportunity of each (sally's), and a won one."""
    sally = as_user("sally")
    company = sally["res.partner"].create({"name": "Shared Customer Co", "is_company": True})
    person = sally["res.partner"].create({"name": "Shared Person", "parent_id": company.id})
    opportunities = sally["crm.lead"].create([
        {"name": "Of the company", "type": "opportunity", "partner_id": company.id},
        {"name": "Of the contact", "type": "opportunity", "partner_id": person.id},
        {"name": "Already won", "type": "opportunity", "partner_id": company.id}])
    opportunities[2].action_set_won()
    return company, person, env["crm.lead"].browse(opportunities.ids)


def share(env, partners, mode, users=(), departments=(), related=True):
    wizard = env["res.partner.share.wizard"].with_context(
        active_model="res.partner", active_ids=partners.ids).create({
            "mode": mode, "user_ids": list(users), "department_ids": list(departments),
            "share_related": related})
    return wizard.action_apply()


def test_sharing_a_customer_shares_its_opportunities(as_user, customer, crm):
    company, _person, opportunities = customer
    sonia = as_user("sonia")
    assert not sonia["crm.lead"].search([("id", "in", opportunities.ids)])
    share(as_user("sally"), company, "add", users=[crm.users["sonia"]])
    assert sorted(sonia["crm.lead"].search([("id", "in", opportunities.ids)]).ids) == \
        sorted(opportunities.ids)
    assert set(opportunities.mapped("share_user_ids").ids) == {crm.users["sonia"]}
    share(as_user("sally"), company, "remove", users=[crm.users["sonia"]])
    assert not sonia["crm.lead"].search([("id", "in", opportunities.ids)])


def test_sharing_without_related_documents_leaves_opportunities(as_user, customer, crm):
    company, _person, opportunities = customer
    share(as_user("sally"), company, "add", users=[crm.users["sonia"]], related=False)
    assert not opportunities.mapped("share_user_ids")


def test_the_share_hook_adds_replaces_and_removes(env, customer, crm):
    company, person, opportunities = customer
    users, departments = env["res.users"], env["res.department"]
    sam, sonia = users.browse(crm.users["sam"]), users.browse(crm.users["sonia"])
    south = departments.browse(crm.departments["south"])
    partners = company | person

    def call(mode, who=users, where=departments):
        return sum(env.hooks.partner_share(env=env, partners=partners, users=who,
                                           departments=where, mode=mode))

    assert call("add", sam, south) == 3
    assert all(o.share_user_ids == sam and o.share_department_ids == south
               for o in opportunities)
    call("add", sonia)
    assert all(o.share_user_ids == sam | sonia for o in opportunities)
    call("replace", sonia)
    assert all(o.share_user_ids == sonia and not o.share_department_ids
               for o in opportunities)
    call("remove", sonia)
    assert not opportunities.mapped("share_user_ids")
    assert sum(env.hooks.partner_share(env=env, partners=env["res.partner"], users=sam,
                                       departments=departments, mode="add")) == 0


def test_transferring_a_customer_gives_its_open_opportunities(as_user, customer, crm):
    company, _person, opportunities = customer
    sally = as_user("sally")
    wizard = sally["res.partner.owner.wizard"].with_context(
        active_model="res.partner", active_ids=company.ids).create({
            "user_ids": [crm.users["sam"]], "transfer_related": True})
    wizard.action_apply()
    assert opportunities[0].user_id.id == crm.users["sam"]
    assert opportunities[1].user_id.id == crm.users["sam"]  # the contact's too
    assert opportunities[2].user_id.id == crm.users["sally"]  # won: kept
    assert not sally["crm.lead"].search([("id", "in", opportunities[:2].ids)])


# -- the unified calendar ----------------------------------------------------------------
def entries(env, start, stop, user=None):
    found = [entry for result in env.hooks.calendar_events(
        env=env, start=start, stop=stop, user=user) for entry in result
        if entry["model"] == "crm.lead"]
    return {entry["res_id"]: entry for entry in found}


def test_open_opportunity_deadlines_are_on_the_calendar(env, crm):
    lead = env["crm.lead"]
    day = dt.date(2031, 5, 14)
    mine = lead.create({"name": "Cal sally", "type": "opportunity", "date_deadline": day,
                        "user_id": crm.users["sally"]})
    sams = lead.create({"name": "Cal sam", "type": "opportunity", "date_deadline": day,
                        "user_id": crm.users["sam"]})
    won = lead.create({"name": "Cal won", "type": "opportunity", "date_deadline": day,
                       "stage_id": env.ref("crm.stage_won").id})
    lost = lead.create({"name": "Cal lost", "type": "opportunity", "date_deadline": day,
                        "active": False})
    a_lead = lead.create({"name": "Cal lead", "date_deadline": day})
    later = lead.create({"name": "Cal later", "type": "opportunity",
                         "date_deadline": dt.date(2031, 6, 20)})
    start, stop = dt.datetime(2031, 5, 12), dt.datetime(2031, 5, 19)
    found = entries(env, start, stop)
    assert mine.id in found and sams.id in found
    assert not {won.id, lost.id, a_lead.id, later.id} & set(found)
    entry = found[mine.id]
    assert entry["title"] == "Closing: Cal sally" and entry["all_day"] is True
    assert entry["start"] == day and entry["stop"] == day + dt.timedelta(days=1)
    sally = env["res.users"].browse(crm.users["sally"])
    assert set(entries(env, start, stop, sally)) == {mine.id}


def test_the_calendar_follows_the_record_rules(env, as_user, crm):
    day = dt.date(2031, 7, 2)
    sams = env["crm.lead"].create({"name": "Hidden", "type": "opportunity",
                                   "date_deadline": day, "user_id": crm.users["sam"]})
    start, stop = dt.datetime(2031, 7, 1), dt.datetime(2031, 7, 8)
    assert sams.id not in entries(as_user("sally"), start, stop)
    assert sams.id in entries(as_user("mia"), start, stop)


def test_the_calendar_costs_the_same_for_many_deadlines(env, crm):
    start, stop = dt.datetime(2032, 3, 1), dt.datetime(2032, 4, 1)

    def count(n):
        env["crm.lead"].create([{"name": f"Q{n}-{i}", "type": "opportunity",
                                 "date_deadline": dt.date(2032, 3, 1 + i % 28)}
                                for i in range(n)])
        env.transaction.invalidate()  # count the reads, not the cache
        statements = []

        def before(_conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                statements.append(statement)

        engine = crm.database.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            result = [e for r in env.hooks.calendar_events(env=env, start=start, stop=stop,
                                                           user=None) for e in r
                      if e["model"] == "crm.lead"]
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
        return len(result), len(statements)

    few, few_queries = count(3)
    many, many_queries = count(40)
    assert many == few + 40
    assert many_queries == few_queries <= 2  # one search, one read
