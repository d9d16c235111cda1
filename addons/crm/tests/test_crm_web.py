"""The CRM in the web client: menus, the pipeline (kanban by stage, dragging a card),
the form's header buttons and status bar, the wizards, the list's Actions menu, the
search filters, calendar, graph and pivot.

Web tests commit: each makes its own records under unique names."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlencode

from tests.web_support import doc, list_names, texts


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def ref(crm, xmlid: str) -> int:
    with crm.env() as env:
        return env.ref(xmlid).id


def make(crm, **values) -> int:
    """A committed lead (superuser), its id."""
    with crm.env() as env:
        return env["crm.lead"].create({"name": unique("Web"), **values}).id


def read(crm, lead_id: int, *names):
    with crm.env() as env:
        row = env["crm.lead"].with_context(active_test=False).browse(lead_id).read(
            list(names))[0]
    return row[names[0]] if len(names) == 1 else row



def pipeline(crm, **query) -> str:
    return "/web/crm.lead?" + urlencode({"action": ref(crm, "crm.action_opportunities"),
                                         **query}, doseq=True)


def leads_list(crm, **query) -> str:
    return "/web/crm.lead?" + urlencode({"action": ref(crm, "crm.action_leads"), **query},
                                        doseq=True)


# -- menus ------------------------------------------------------------------------------
def test_the_crm_app_and_its_menus(crm, browsers):
    sally = doc(browsers("sally").page(pipeline(crm)))
    assert "CRM" in texts(sally, "//nav[@class='apps']/a")
    side = texts(sally, "//nav[@class='side']//a")
    assert side[:2] == ["Opportunities", "Leads"]
    assert "Stages" not in side  # configuration: managers only
    mia = texts(doc(browsers("mia").page(pipeline(crm))), "//nav[@class='side']//a")
    for label in ("Stages", "Sales teams", "Tags", "Lost reasons", "Sources", "Mediums"):
        assert label in mia
    paula = doc(browsers("paula").page("/web/res.partner"))
    assert "CRM" not in texts(paula, "//nav[@class='apps']/a")


# -- the pipeline -------------------------------------------------------------------------
def test_the_pipeline_is_a_kanban_of_every_stage(crm, browsers):
    name = unique("Kanban")
    lead_id = make(crm, name=name, type="opportunity", user_id=crm.users["sally"],
                   expected_revenue=1500, stage_id=ref(crm, "crm.stage_qualified"))
    hidden = make(crm, name=unique("Lead only"), user_id=crm.users["sally"])
    page = doc(browsers("sally").page(pipeline(crm)))
    headings = texts(page, "//section[@data-column]//h2")
    assert headings[:5] == ["New", "Qualified", "Proposition", "Negotiation", "Won"]
    [column] = page.xpath(f"//section[@data-column='{ref(crm, 'crm.stage_qualified')}']")
    assert lead_id in [int(i) for i in column.xpath(".//li[@data-card]/@data-id")]
    cards = [int(i) for i in page.xpath("//li[@data-card]/@data-id")]
    assert hidden not in cards  # a lead is not in the pipeline


def drag(browser, crm, lead_id: int, stage_xmlid: str):
    """Drop the card of `lead_id` in the column of a stage, as the kanban's script does."""
    return browser.post(
        f"/web/crm.lead/{lead_id}/kanban_move",
        {"group_by": "stage_id", "value": str(ref(crm, stage_xmlid))}, csrf=False,
        headers={"X-CSRF-Token": browser.csrf_token, "Accept": "application/json"})


def test_dragging_a_card_to_won_wins_it(crm, browsers):
    lead_id = make(crm, type="opportunity", user_id=crm.users["sally"])
    browser = browsers("sally")
    browser.page(pipeline(crm))
    response = drag(browser, crm, lead_id, "crm.stage_won")
    assert response.status_code == 200 and response.json["ok"] is True
    row = read(crm, lead_id, "won_status", "probability", "date_closed")
    assert row["won_status"] == "won" and row["probability"] == 100 and row["date_closed"]
    # and back to Proposition: reopened, the stage's probability
    response = drag(browser, crm, lead_id, "crm.stage_proposition")
    row = read(crm, lead_id, "won_status", "probability", "date_closed")
    assert row == {"id": lead_id, "won_status": "pending", "probability": 60,
                   "date_closed": False}


def test_dragging_anothers_card_is_refused(crm, browsers):
    lead_id = make(crm, type="opportunity", user_id=crm.users["sam"])
    browser = browsers("sally")
    browser.page(pipeline(crm))
    response = drag(browser, crm, lead_id, "crm.stage_won")
    assert response.status_code in (403, 404) and response.json["ok"] is False
    assert read(crm, lead_id, "won_status") == "pending"


def test_quick_create_in_the_pipeline_makes_an_opportunity(crm, browsers):
    browser = browsers("sally")
    browser.page(pipeline(crm))
    name = unique("Quick")
    response = browser.post(
        f"/web/crm.lead/kanban_quick_create?action={ref(crm, 'crm.action_opportunities')}",
        {"name": name, "group_by": "stage_id", "value": str(ref(crm, "crm.stage_qualified"))},
        csrf=False, headers={"X-CSRF-Token": browser.csrf_token,
                             "Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    row = read(crm, response.json["id"], "type", "stage_id", "probability", "user_id")
    assert row["type"] == "opportunity" and row["stage_id"][0] == ref(crm,
                                                                      "crm.stage_qualified")
    assert row["probability"] == 30 and row["user_id"][0] == crm.users["sally"]


def test_new_opportunity_directly(crm, browsers):
    browser = browsers("sally")
    action = ref(crm, "crm.action_opportunities")
    name = unique("Direct")
    response = browser.submit(f"/web/crm.lead/new?action={action}", {"name": name})
    assert response.status_code == 303, response.get_data(as_text=True)
    lead_id = int(response.location.split("/web/crm.lead/")[1].split("?")[0])
    row = read(crm, lead_id, "type", "stage_id", "user_id")
    assert row["type"] == "opportunity" and row["stage_id"][0] == ref(crm, "crm.stage_new")


# -- the form -------------------------------------------------------------------------------
def test_the_opportunity_form_buttons_and_status_bar(crm, browsers):
    lead_id = make(crm, type="opportunity", user_id=crm.users["sally"],
                   stage_id=ref(crm, "crm.stage_proposition"))
    browser = browsers("sally")
    url = f"/web/crm.lead/{lead_id}?action={ref(crm, 'crm.action_opportunities')}"
    page = doc(browser.page(url))
    buttons = texts(page, "//div[@class='header-buttons']/button")
    assert "Won" in buttons and "Lost" in buttons
    assert "Restore" not in buttons and "Convert to opportunity" not in buttons
    steps = texts(page, "//ol[@class='statusbar']/li")
    assert steps[:5] == ["New", "Qualified", "Proposition", "Negotiation", "Won"]
    assert texts(page, "//ol[@class='statusbar']/li[@aria-current='step']") == ["Proposition"]
    # Won
    response = browser.submit(url, action=f"/web/crm.lead/{lead_id}/call/action_set_won")
    assert response.status_code == 303
    assert read(crm, lead_id, "won_status") == "won"
    page = doc(browser.page(url))
    buttons = texts(page, "//div[@class='header-buttons']/button")
    assert "Restore" in buttons and "Won" not in buttons and "Lost" not in buttons
    # Restore
    browser.submit(url, action=f"/web/crm.lead/{lead_id}/call/action_restore")
    assert read(crm, lead_id, "won_status") == "pending"


def test_the_lost_button_asks_the_reason(crm, browsers):
    lead_id = make(crm, type="opportunity", user_id=crm.users["sally"])
    browser = browsers("sally")
    url = f"/web/crm.lead/{lead_id}?action={ref(crm, 'crm.action_opportunities')}"
    response = browser.submit(url,
                              action=f"/web/crm.lead/{lead_id}/call/action_open_lost_wizard")
    assert response.status_code == 303
    wizard_url = response.location
    assert wizard_url.startswith(f"/web/crm.lead.lost/new?active_model=crm.lead&active_ids="
                                 f"{lead_id}")
    page = doc(browser.page(wizard_url))
    [apply] = page.xpath("//div[@class='header-buttons']/button/@formaction")
    reason = ref(crm, "crm.lost_reason_competitor")
    response = browser.submit(wizard_url, {"lost_reason_id": str(reason),
                                           "lost_reason_id__display": "Chose a competitor"},
                              action=apply)
    assert response.status_code == 303, response.get_data(as_text=True)
    row = read(crm, lead_id, "won_status", "lost_reason_id", "active")
    assert row["won_status"] == "lost" and row["lost_reason_id"][0] == reason
    assert response.location.startswith(f"/web/crm.lead/{lead_id}")
    page = doc(browser.page(url))  # an archived one still opens: Restore
    assert "Restore" in texts(page, "//div[@class='header-buttons']/button")


def test_convert_a_lead_from_its_form(crm, browsers):
    company = unique("Web Company")
    lead_id = make(crm, user_id=crm.users["sally"], contact_name="Lan Pham",
                   partner_name=company, email_from="lan@web.example")
    browser = browsers("sally")
    url = f"/web/crm.lead/{lead_id}?action={ref(crm, 'crm.action_leads')}"
    page = doc(browser.page(url))
    buttons = texts(page, "//div[@class='header-buttons']/button")
    assert "Convert to opportunity" in buttons and "Won" not in buttons
    assert not page.xpath("//ol[@class='statusbar']")  # no stages for a lead
    response = browser.submit(
        url, action=f"/web/crm.lead/{lead_id}/call/action_open_convert_wizard")
    wizard_url = response.location
    page = doc(browser.page(wizard_url))
    assert page.xpath("//input[@name='action'][@value='create']/@checked") or \
        page.xpath("//select[@name='action']/option[@value='create']/@selected")
    [apply] = page.xpath("//div[@class='header-buttons']/button/@formaction")
    response = browser.submit(wizard_url, {"action": "create"}, action=apply)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.location.startswith(f"/web/crm.lead/{lead_id}")
    row = read(crm, lead_id, "type", "partner_id")
    assert row["type"] == "opportunity"
    with crm.env() as env:
        person = env["res.partner"].browse(row["partner_id"][0])
        assert person.name == "Lan Pham" and person.parent_id.name == company
        assert person.commercial_partner_id.owner_id.id == crm.users["sally"]


def test_convert_several_leads_from_the_list(crm, browsers):
    ids = [make(crm, user_id=crm.users["sally"], contact_name=unique("Person"))
           for _ in range(2)]
    browser = browsers("sally")
    list_url = leads_list(crm)
    page = doc(browser.page(list_url))
    assert "Convert to opportunity" in texts(page, "//*[@name='action']/option") or \
        page.xpath("//button[@name='action'][@value='convert']")
    response = browser.post(f"/web/crm.lead/actions?action={ref(crm, 'crm.action_leads')}",
                            [("action", "convert"), *[("ids", str(i)) for i in ids]])
    assert response.status_code == 302 or response.status_code == 303
    wizard_url = response.location
    assert "/web/crm.lead.convert/new?" in wizard_url
    page = doc(browser.page(wizard_url))
    [apply] = page.xpath("//div[@class='header-buttons']/button/@formaction")
    response = browser.submit(wizard_url, {"action": "create"}, action=apply)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert all(read(crm, i, "type") == "opportunity" for i in ids)
    assert all(read(crm, i, "partner_id") for i in ids)


# -- search, calendar, graph, pivot ---------------------------------------------------------
def test_the_search_filters(crm, browsers):
    mark = unique("Filter")
    today = dt.date.today()
    mine = make(crm, name=f"{mark} mine", type="opportunity", user_id=crm.users["sally"],
                date_deadline=today - dt.timedelta(days=3))
    free = make(crm, name=f"{mark} free", type="opportunity", user_id=False,
                date_deadline=today + dt.timedelta(days=3))
    won = make(crm, name=f"{mark} won", type="opportunity", user_id=crm.users["sally"],
               stage_id=ref(crm, "crm.stage_won"), date_deadline=today - dt.timedelta(days=9))
    lost = make(crm, name=f"{mark} lost", type="opportunity", user_id=crm.users["sally"],
                active=False)
    assert mine and free and won and lost
    browser = browsers("sally")

    def names(*filters):
        html = browser.page(pipeline(crm, view="list", s=f"name:{mark}", f=list(filters)))
        return sorted(n.replace(f"{mark} ", "") for n in list_names(html))

    assert names() == ["free", "mine", "won"]
    assert names("my_open") == ["mine"]
    assert names("unassigned") == ["free"]
    assert names("won") == ["won"]
    assert names("lost") == ["lost"]
    assert names("overdue") == ["mine"]
    assert names("won", "lost") == ["lost", "won"]


def test_group_by_salesperson_and_closing_month(crm, browsers):
    mark = unique("Group")
    make(crm, name=f"{mark} a", type="opportunity", user_id=crm.users["sally"],
         date_deadline="2030-02-10")
    browser = browsers("sally")
    page = doc(browser.page(pipeline(crm, view="list")))
    offered = texts(page, "//div[@aria-label='Group by']/a")
    assert offered == ["Stage", "Salesperson", "Sales team", "Customer", "Expected closing"]
    month = browser.page(pipeline(crm, view="list", s=f"name:{mark}", g="date_deadline:month"))
    assert "February 2030" in month
    person = browser.page(pipeline(crm, view="list", s=f"name:{mark}", g="user_id"))
    assert "Sally Seller" in person


def test_calendar_graph_and_pivot(crm, browsers):
    name = unique("Cal")
    make(crm, name=name, type="opportunity", user_id=crm.users["sally"],
         date_deadline="2030-03-12", expected_revenue=2500)
    browser = browsers("sally")
    calendar = doc(browser.page(pipeline(crm, view="calendar", mode="month",
                                         date="2030-03-12")))
    assert name in texts(calendar, "//a[@data-event]//span[@class='cal-title']")
    graph = browser.page(pipeline(crm, view="graph", s=f"name:{name}"))
    assert "Expected revenue by Stage and Salesperson" in graph and "2,500.00" in graph
    pivot = doc(browser.page(pipeline(crm, view="pivot", s=f"name:{name}")))
    assert "2,500.00" in " ".join(texts(pivot, "//table//td"))
    assert "New" in " ".join(texts(pivot, "//table//th"))


def test_the_leads_list_shows_leads_only(crm, browsers):
    lead = unique("Only lead")
    opportunity = unique("Only opp")
    make(crm, name=lead, user_id=crm.users["sally"])
    make(crm, name=opportunity, type="opportunity", user_id=crm.users["sally"])
    html = browsers("sally").page(leads_list(crm))
    assert lead in list_names(html) and opportunity not in list_names(html)


def test_searching_a_customer_finds_its_contacts_opportunities(crm, browsers):
    company = unique("Searched Co")
    with crm.env() as env:
        parent = env["res.partner"].create({"name": company, "is_company": True})
        person = env["res.partner"].create({"name": "Searched Person",
                                            "parent_id": parent.id})
        parent_id, person_id = parent.id, person.id
    of_company = make(crm, type="opportunity", user_id=crm.users["sally"],
                      partner_id=parent_id)
    of_person = make(crm, type="opportunity", user_id=crm.users["sally"],
                     partner_id=person_id)
    html = browsers("sally").page(pipeline(crm, view="list", s=f"partner_id:{company}"))
    assert sorted(list_names(html)) == sorted([read(crm, of_company, "name"),
                                               read(crm, of_person, "name")])
