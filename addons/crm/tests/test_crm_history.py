"""Customer history from the CRM: counters of opportunities, meetings and calls (smart
buttons on the customer's form, badges on its kanban card) and the entries of its
History tab; all of it gone when crm is uninstalled, the customers intact."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest

from addons.base.tests.partner_support import team_world, unique
from addons.crm.tests.conftest import grant_crm_groups
from tests.conftest import ENGINES
from tests.security_support import count_queries


def customer(env, name=None):
    """A company with one contact, unowned (every employee sees it)."""
    company = env["res.partner"].create({"name": name or unique("Agrolait"),
                                         "is_company": True, "owner_id": False})
    contact = env["res.partner"].create({"name": "Michel Fletcher", "parent_id": company.id})
    return company, contact


def opportunity(env, partner, name="Deal", **values):
    return env["crm.lead"].create({"name": name, "type": "opportunity",
                                   "partner_id": partner.id, **values})


def meeting(env, partner, name="Visit", start=dt.datetime(2026, 3, 2, 9, 0), **values):
    return env["calendar.event"].create({"name": name, "start": start, "partner_id": partner.id,
                                         "stop": start + dt.timedelta(hours=1), **values})


def call(env, partner, name="Call back", **values):
    return env["crm.phonecall"].create({"name": name, "partner_id": partner.id, **values})



def crm_buttons(env, partner) -> dict:
    buttons = [b for found in env.hooks.form_buttons(env=env, record=partner) for b in found]
    return {b["label"]: b for b in buttons}


# -- counters ---------------------------------------------------------------------------
def test_counters_count_the_customer_and_its_contacts(env):
    company, contact = customer(env)
    other, _ = customer(env)
    opportunity(env, company)
    opportunity(env, contact)
    opportunity(env, other)
    env["crm.lead"].create({"name": "Just a lead", "type": "lead", "partner_id": contact.id})
    opportunity(env, company, "Lost one").write({"active": False})
    meeting(env, contact)
    call(env, company)
    call(env, contact)
    call(env, contact)
    assert (company.opportunity_count, contact.opportunity_count, other.opportunity_count) \
        == (2, 1, 1)
    assert (company.meeting_count, contact.meeting_count) == (1, 1)
    assert (company.phonecall_count, contact.phonecall_count) == (3, 2)


def test_counters_of_a_kanban_page_cost_the_same_queries_for_3_or_30(crm, env):
    def page(size):
        partners = env["res.partner"]
        for _ in range(size):
            company, contact = customer(env)
            opportunity(env, contact)
            meeting(env, company)
            call(env, contact)
            partners |= company | contact
        env.transaction.invalidate()
        partners = partners.browse(partners.ids)
        with count_queries(crm.database) as statements:
            rows = partners.read(["opportunity_count", "meeting_count", "phonecall_count"])
        assert all(r["opportunity_count"] == 1 and r["phonecall_count"] == 1 for r in rows)
        return len(statements)

    assert page(3) == page(30) <= 8


def test_counters_follow_what_the_user_may_read(env, as_user):
    company, contact = customer(env)
    sally, sam = as_user("sally"), as_user("sam")
    opportunity(env, company, "Sally's", user_id=sally.uid)
    opportunity(env, contact, "Sam's", user_id=sam.uid)
    # (computed values are cached per transaction, not per user: forget them between)
    assert company.with_env(sally).opportunity_count == 1
    env.transaction.forget_computed()
    assert company.with_env(as_user("mia")).opportunity_count == 2
    env.transaction.forget_computed()
    # paula has no CRM access at all: no counter, no button, no error
    paula_view = company.with_env(as_user("paula"))
    assert paula_view.opportunity_count == 0
    assert "Opportunities" not in crm_buttons(paula_view.env, paula_view)


# -- smart buttons ------------------------------------------------------------------------
def test_buttons_open_the_records_they_count(env):
    company, contact = customer(env)
    deals = opportunity(env, company, "A") | opportunity(env, contact, "B")
    visits = meeting(env, contact)
    calls = call(env, company) | call(env, contact)
    buttons = crm_buttons(env, company)
    for label, model, records in [("Opportunities", "crm.lead", deals),
                                  ("Meetings", "calendar.event", visits),
                                  ("Calls", "crm.phonecall", calls)]:
        button = buttons[label]
        assert button["count"] == len(records)
        assert button["action"]["model"] == model
        assert set(env[model].search(button["action"]["domain"]).ids) == set(records.ids)
        assert button["action"]["context"] == {"default_partner_id": company.id}
    assert buttons["Contacts"]["count"] == 1  # base's buttons stay


def test_customer_form_buttons_and_kanban_counters_in_the_browser(crm):
    name = unique("Browser Co")
    with crm.env() as env:
        company, contact = customer(env, name)
        opportunity(env, company, "Tractors", user_id=crm.users["sally"])
        opportunity(env, contact, "Spare parts", user_id=crm.users["sally"])
        call(env, contact, user_id=crm.users["sally"])
        company_id = company.id
    browser = crm.browser("sally")
    page = lxml.html.fromstring(browser.page(f"/web/res.partner/{company_id}"))
    buttons = {b.findtext("span[@class='label']"): b
               for b in page.xpath("//a[contains(@class, 'smart-button')]")}
    assert buttons["Opportunities"].findtext("span[@class='count']") == "2"
    assert buttons["Calls"].findtext("span[@class='count']") == "1"
    assert buttons["Meetings"].findtext("span[@class='count']") == "0"
    # clicking Opportunities lists them
    href = buttons["Opportunities"].get("href")
    assert json.loads(parse_qs(urlsplit(href).query)["d"][0])
    listing = browser.page(href)
    assert "Tractors" in listing and "Spare parts" in listing
    # the kanban card of the company shows its counters
    kanban = lxml.html.fromstring(browser.page(
        f"/web/res.partner?view=kanban&s=complete_name:{name.split()[1]}"))
    counters = " ".join(" ".join(node.text_content().split())
                        for node in kanban.xpath("//*[contains(@class, 'counter-opportunities')]"))
    assert "Opportunities: 2" in counters
    history = page.xpath("//*[contains(@class, 'partner-history')]")
    assert history and "Tractors" in history[0].text_content()


# -- history ------------------------------------------------------------------------------
def test_history_tells_the_story_of_the_customer(env):
    company, contact = customer(env)
    stages = env["crm.stage"].search([("is_won", "=", False)], order="sequence")
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    deal = opportunity(env, company, "Big deal", stage_id=stages[0].id, expected_revenue=5000)
    deal.write({"stage_id": stages[1].id})
    deal.write({"stage_id": won_stage.id})
    lost = opportunity(env, contact, "Small deal")
    reason = env["crm.lost.reason"].search([], limit=1)
    lost.write({"active": False, "lost_reason_id": reason.id})
    deal._message_create_sudo([{"res_id": deal.id, "message_type": "email",
                                "body": "<p>Please send the contract</p>"}])
    meeting(env, contact, "Demo at the farm", location="Hanoi")
    call(env, company, "Price question", duration=12)
    entries = company._crm_history_entries()
    by_kind: dict[str, list] = {}
    for entry in entries:
        by_kind.setdefault(entry["kind"], []).append(entry)
        assert entry["date"] and entry["title"] and entry["res_id"]
    assert {e["title"] for e in by_kind["opportunity"]} == {"Big deal", "Small deal"}
    assert [e["title"] for e in by_kind["won"]] == ["Won: Big deal"]
    assert [e["title"] for e in by_kind["lost"]] == ["Lost: Small deal"]
    assert reason.name in by_kind["lost"][0]["summary"]
    assert f"Big deal: {stages[0].name} → {stages[1].name}" in \
        {e["title"] for e in by_kind["stage"]}
    assert "Please send the contract" in by_kind["email"][0]["summary"]
    assert by_kind["meeting"][0]["title"] == "Demo at the farm"
    assert "Hanoi" in by_kind["meeting"][0]["summary"]
    assert by_kind["call"][0]["title"] == "Price question"
    assert "12 min" in by_kind["call"][0]["summary"]
    # the tab shows them, merged with base's entries
    html = company.history_html
    for text in ("Big deal", "Won: Big deal", "Demo at the farm", "Price question"):
        assert text in html


def test_history_hides_what_the_user_may_not_read(env, as_user):
    company, _contact = customer(env)
    opportunity(env, company, "Sam's secret deal", user_id=as_user("sam").uid)
    titles = {e["title"] for e in company.with_env(as_user("sally"))._crm_history_entries()}
    assert "Sam's secret deal" not in titles
    assert company.with_env(as_user("paula"))._crm_history_entries() == []


# -- uninstall ----------------------------------------------------------------------------
@pytest.fixture(params=ENGINES)
def own_world(request, tmp_path_factory):
    """A database of its own (it loses crm)."""
    with team_world(request, tmp_path_factory, addons=("base", "crm")) as world:
        grant_crm_groups(world)
        yield world


def test_uninstalling_crm_removes_the_history_and_keeps_the_customers(own_world):
    with own_world.env() as env:
        company, contact = customer(env, "Agrolait")
        opportunity(env, company, "Tractors")
        meeting(env, contact)
        call(env, contact)
        company_id, contact_id = company.id, contact.id
        kept = company.read(["name", "is_company", "email", "child_ids", "comment"])
        assert {"Opportunities", "Meetings", "Calls"} <= set(crm_buttons(env, company))
    browser = own_world.browser("mia")
    assert "Opportunities" in browser.page(f"/web/res.partner/{company_id}")
    with own_world.env() as env:
        env.addons.uninstall(["crm"])
    with own_world.env() as env:
        company = env["res.partner"].browse(company_id)
        assert company.read(["name", "is_company", "email", "child_ids", "comment"]) == kept
        assert env["res.partner"].browse(contact_id).parent_id == company
        for name in ("opportunity_count", "meeting_count", "phonecall_count"):
            assert name not in env["res.partner"]._fields
        assert set(crm_buttons(env, company)) == {"Contacts", "My activities"}
        kinds = {e["kind"] for found in env.hooks.partner_history(env=env, partner=company)
                 for e in found}
        assert not kinds & {"opportunity", "meeting", "call", "stage", "won", "lost"}
        arch = env["ir.ui.view"].get_view("res.partner", "kanban")["arch"]
        assert "activity_count" in arch and "opportunity_count" not in arch
    page = own_world.browser("mia").page(f"/web/res.partner/{company_id}")
    assert "Agrolait" in page and "Opportunities" not in page and "Tractors" not in page
    kanban = own_world.browser("mia").page("/web/res.partner?view=kanban")
    assert "Agrolait" in kanban and "counter-opportunities" not in kanban
