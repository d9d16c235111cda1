"""Leads and opportunities: defaults (stage, team, probability, customer's contact data),
won, lost and restore, and uninstalling crm."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core import Database
from core.exceptions import UserError, ValidationError


def stage(env, key):
    return env.ref(f"crm.stage_{key}")


def test_fixture_gives_the_crm_groups(as_user):
    assert as_user("sally").user.has_group("crm.group_crm_user")
    assert not as_user("sally").user.has_group("crm.group_crm_manager")
    assert as_user("mia").user.has_group("crm.group_crm_manager")


def test_a_new_lead_gets_the_first_open_stage_and_its_probability(env):
    lead = env["crm.lead"].create({"name": "Chairs", "type": "opportunity"})
    assert lead.stage_id == stage(env, "new")
    assert lead.probability == 10 and not lead.probability_manual
    assert lead.won_status == "pending" and lead.user_id == env.user
    assert lead.type == "opportunity"


def test_a_team_stage_comes_before_the_global_ones(env):
    team = env["crm.team"].create({"name": "Export"})
    other = env["crm.team"].create({"name": "Retail"})
    env["crm.stage"].create({"name": "Folded first", "sequence": 0, "fold": True,
                             "team_id": team.id})
    first = env["crm.stage"].create({"name": "Export intake", "sequence": 0,
                                     "probability": 5, "team_id": team.id})
    lead = env["crm.lead"].create({"name": "Export deal", "team_id": team.id})
    assert lead.stage_id == first and lead.probability == 5
    retail = env["crm.lead"].create({"name": "Retail deal", "team_id": other.id})
    assert retail.stage_id == stage(env, "new")


def test_the_salesperson_brings_their_team(env, crm):
    north = env["crm.team"].create({"name": "North team", "sequence": 1,
                                    "member_ids": [crm.users["sally"]]})
    south = env["crm.team"].create({"name": "South team", "sequence": 2,
                                    "user_id": crm.users["sonia"]})
    lead = env["crm.lead"].create({"name": "Desks", "user_id": crm.users["sally"]})
    assert lead.team_id == north
    lead.write({"user_id": crm.users["sonia"]})  # not in the North team: her team
    assert lead.team_id == south
    north.write({"member_ids": [(4, crm.users["sam"])]})
    lead.write({"user_id": crm.users["sam"], "team_id": south.id})  # a team given wins
    assert lead.team_id == south
    lead.write({"team_id": north.id})
    lead.write({"user_id": crm.users["sally"]})  # already in the team: kept
    assert lead.team_id == north


def test_a_lead_made_by_a_salesperson_is_hers(as_user):
    lead = as_user("sally")["crm.lead"].create({"name": "Her lead"})
    assert lead.user_id == as_user("sally").user


def test_the_probability_follows_the_stage_until_set_by_hand(env):
    lead = env["crm.lead"].create({"name": "Lamps", "type": "opportunity"})
    lead.write({"stage_id": stage(env, "proposition").id})
    assert lead.probability == 60
    lead.write({"probability": 42})
    assert lead.probability_manual
    lead.write({"stage_id": stage(env, "negotiation").id})
    assert lead.probability == 42
    lead.write({"probability_manual": False})
    assert lead.probability == 80
    manual = env["crm.lead"].create({"name": "Sofas", "probability": 33})
    assert manual.probability == 33 and manual.probability_manual


def test_a_probability_out_of_range_is_refused(env):
    lead = env["crm.lead"].create({"name": "Tables"})
    with pytest.raises(ValidationError, match="between 0 and 100"):
        lead.write({"probability": 120})
    assert lead.probability == 10


def test_the_customer_fills_the_empty_email_and_phone(env):
    partner = env["res.partner"].create({"name": "Agrolait Lead Co", "is_company": True,
                                         "email": "info@agrolait.example",
                                         "phone": "+84 24 3826 1234"})
    lead = env["crm.lead"].create({"name": "Racks", "partner_id": partner.id})
    assert lead.email_from == "info@agrolait.example" and lead.phone == "+84 24 3826 1234"
    other = env["crm.lead"].create({"name": "Shelves", "email_from": "buyer@example.com"})
    other.write({"partner_id": partner.id})
    assert other.email_from == "buyer@example.com"  # kept
    assert other.phone == "+84 24 3826 1234"  # was empty


def test_won_moves_to_the_won_stage(env):
    lead = env["crm.lead"].create({"name": "Big deal", "type": "opportunity",
                                   "probability": 50})
    lead.action_set_won()
    assert lead.stage_id == stage(env, "won") and lead.won_status == "won"
    assert lead.probability == 100 and lead.date_closed
    bodies = " ".join(lead.message_ids.mapped("body"))
    assert "Marked as won" in bodies
    tracked = lead.message_ids.mapped("tracking_value_ids").filtered(
        lambda t: t.field_name == "stage_id")
    assert tracked and tracked[0].new_value == "Won"


def test_a_team_won_stage_is_used_for_its_opportunities(env):
    team = env["crm.team"].create({"name": "Projects"})
    signed = env["crm.stage"].create({"name": "Signed", "sequence": 50, "is_won": True,
                                      "probability": 100, "team_id": team.id})
    lead = env["crm.lead"].create({"name": "Project", "type": "opportunity",
                                   "team_id": team.id})
    other = env["crm.lead"].create({"name": "Other", "type": "opportunity"})
    (lead | other).action_set_won()
    assert lead.stage_id == signed and other.stage_id == stage(env, "won")


def test_a_lead_cannot_be_won(env):
    lead = env["crm.lead"].create({"name": "Unqualified"})
    with pytest.raises(UserError, match="convert it to an opportunity first"):
        lead.action_set_won()
    assert lead.won_status == "pending"


def test_without_a_won_stage_winning_says_what_to_do(env):
    env["crm.stage"].search([("is_won", "=", True)]).write({"is_won": False})
    lead = env["crm.lead"].create({"name": "No way", "type": "opportunity"})
    with pytest.raises(UserError, match="No won stage is configured"):
        lead.action_set_won()
    assert lead.stage_id == stage(env, "new")


def test_lost_archives_with_a_reason_and_restore_brings_it_back(env):
    reason = env.ref("crm.lost_reason_price")
    lead = env["crm.lead"].create({"name": "Too dear", "type": "opportunity",
                                   "stage_id": stage(env, "proposition").id})
    lead.action_set_lost(reason)
    assert not lead.active and lead.won_status == "lost"
    assert lead.probability == 0 and lead.lost_reason_id == reason and lead.date_closed
    assert "Marked as lost: Too expensive" in " ".join(lead.message_ids.mapped("body"))
    assert lead not in env["crm.lead"].search([("name", "=", "Too dear")])
    lead.action_restore()
    assert lead.active and lead.won_status == "pending"
    assert not lead.lost_reason_id and not lead.date_closed
    assert lead.probability == 60 and lead.stage_id == stage(env, "proposition")


def test_restoring_a_won_opportunity_reopens_it_before_the_won_stage(env):
    lead = env["crm.lead"].create({"name": "Reopened", "type": "opportunity"})
    lead.action_set_won()
    lead.action_restore()
    assert lead.won_status == "pending" and lead.stage_id == stage(env, "negotiation")
    assert lead.probability == 80 and not lead.date_closed


def test_archiving_is_losing_and_unarchiving_restores(env):
    lead = env["crm.lead"].create({"name": "Archived", "type": "opportunity"})
    lead.write({"active": False})
    assert lead.won_status == "lost" and lead.probability == 0
    lead.write({"active": True})
    assert lead.won_status == "pending" and lead.probability == 10


def test_a_lost_opportunity_can_be_won_after_all(env):
    lead = env["crm.lead"].create({"name": "Comeback", "type": "opportunity"})
    lead.action_set_lost(env.ref("crm.lost_reason_competitor"))
    lead.action_set_won()
    assert lead.active and lead.won_status == "won" and not lead.lost_reason_id


def test_a_salesperson_wins_and_loses_her_opportunities(as_user):
    sally = as_user("sally")
    leads = sally["crm.lead"].create([{"name": "Hers 1", "type": "opportunity"},
                                      {"name": "Hers 2", "type": "opportunity"}])
    leads[0].action_set_won()
    leads[1].action_set_lost()
    assert [lead.won_status for lead in leads] == ["won", "lost"]
    assert not leads[1].lost_reason_id


def test_the_lost_wizard_asks_the_reason(as_user):
    sally = as_user("sally")
    lead = sally["crm.lead"].create({"name": "Wizard lost", "type": "opportunity"})
    assert lead.action_open_lost_wizard() == {
        "url": f"/web/crm.lead.lost/new?active_model=crm.lead&active_ids={lead.id}"}
    reason = sally.ref("crm.lost_reason_no_budget")
    wizard = sally["crm.lead.lost"].with_context(
        active_model="crm.lead", active_ids=[lead.id]).create({"lost_reason_id": reason.id})
    result = wizard.action_apply()
    assert lead.won_status == "lost" and lead.lost_reason_id == reason
    assert result["url"].startswith("/web/crm.lead")
    assert not wizard.exists()


def test_the_lost_wizard_refuses_leads_one_cannot_see(env, as_user, crm):
    theirs = env["crm.lead"].create({"name": "Sam's", "user_id": crm.users["sam"]})
    sally = as_user("sally")
    wizard = sally["crm.lead.lost"].with_context(active_model="crm.lead",
                                                 active_ids=[theirs.id]).create({})
    with pytest.raises(UserError, match="not visible to you"):
        wizard.action_apply()
    assert theirs.won_status == "pending"


# -- uninstalling ----------------------------------------------------------------------
@pytest.fixture
def crm_database(new_database_url):
    database = Database(new_database_url)
    yield database
    database.dispose()


def test_demo_data_then_uninstalling_crm_keeps_the_customers(crm_database):
    with crm_database.env() as env:
        env.addons.install(["base", "crm"], demo=True)
        leads = env["crm.lead"].with_context(active_test=False)
        assert leads.search_count([]) >= 40
        statuses = {g["won_status"]: g["__count"] for g in leads.read_group(
            [("type", "=", "opportunity")], ["expected_revenue:sum"], ["won_status"])}
        assert statuses["won"] >= 3 and statuses["lost"] >= 3 and statuses["pending"] >= 15
        agrolait = env.ref("base.partner_agrolait")
        assert leads.search_count([("partner_id", "child_of", agrolait.id),
                                   ("type", "=", "opportunity")]) == 4
        assert env["crm.team"].search_count([]) >= 2
        assert env.ref("base.user_demo_lan").has_group("crm.group_crm_user")
        demo_customers = env["res.partner"].search_count([])
        partner = env["res.partner"].create({"name": "Survivor", "is_company": True})
        lead = env["crm.lead"].create({"name": "Doomed", "contact_name": "Ann"})
        wizard = env["crm.lead.convert"].with_context(
            active_model="crm.lead", active_ids=[lead.id]).create({"action": "create"})
        wizard.action_apply()
        ann = lead.partner_id
        assert ann.name == "Ann"
        partner_id, ann_id = partner.id, ann.id
    with crm_database.env() as env:
        env.addons.uninstall(["crm"])
    with crm_database.env() as env:
        assert env.addons.state("crm") != "installed"
        assert "crm.lead" not in env.registry
        assert env["res.partner"].browse([partner_id, ann_id]).exists().mapped("name") \
            == ["Survivor", "Ann"]
        assert env["res.partner"].search_count([]) == demo_customers + 2
        assert not env.ref("base.user_demo_lan").has_group("crm.group_crm_user")
        assert env.addons.state("base") == "installed"
        assert not env.hooks.record_actions(env=env, model="crm.lead")


def test_batches_cost_the_same_queries_for_3_or_30_leads(env, crm):
    partner = env["res.partner"].create({"name": "Batch Buyer", "email": "b@batch.example"})
    statements = []

    def before(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            statements.append(statement)

    def count(n):
        statements.clear()
        sa.event.listen(crm.database.engine, "before_cursor_execute", before)
        try:
            leads = env["crm.lead"].create([
                {"name": f"Batch {n}-{i}", "user_id": crm.users["sally"],
                 "partner_id": partner.id} for i in range(n)])
            created = len(statements)
            statements.clear()
            leads.write({"stage_id": env.ref("crm.stage_qualified").id,
                         "user_id": crm.users["sam"]})
            return created, len(statements)
        finally:
            sa.event.remove(crm.database.engine, "before_cursor_execute", before)

    count(2)  # warm the statement caches
    assert count(3) == count(30)
