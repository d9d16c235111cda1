"""The CRM in a real browser: convert a lead from its form (the wizard creates the
customer), and drag an opportunity to Won in the pipeline.

The session's live server (conftest.py) has crm installed; sally is a CRM salesperson.
"""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def ref(shop, xmlid: str) -> int:
    with shop.database.env() as env:
        return env.ref(xmlid).id


def sally(shop) -> int:
    with shop.database.env() as env:
        return env["res.users"].search([("login", "=", "sally")]).id


def lead(shop, **values) -> int:
    """A committed lead of sally's."""
    with shop.database.env() as env:
        return env["crm.lead"].create({"user_id": sally(shop), **values}).id


def test_convert_a_lead_creating_its_customer(page: Page, shop):
    company = shop.unique("Công ty Sen Vàng")
    lead_id = lead(shop, name=shop.unique("Bàn ghế"), contact_name="Trần Thu",
                   partner_name=company, email_from="thu@senvang.example")
    page.goto(f"/web/crm.lead/{lead_id}?action={ref(shop, 'crm.action_leads')}")
    page.get_by_role("button", name="Convert to opportunity").click()
    expect(page).to_have_url(re.compile(r"/web/crm\.lead\.convert/new\?"))
    page.get_by_label("Create a new customer").check()
    page.get_by_role("button", name="Convert").click()

    expect(page).to_have_url(re.compile(rf"/web/crm\.lead/{lead_id}\b"))
    expect(page.get_by_role("button", name="Won")).to_be_visible()
    expect(page.get_by_role("list", name="Status")).to_contain_text("New")
    expect(page.locator("#field-partner_id")).to_have_value(re.compile("Trần Thu"))
    row = shop.read("crm.lead", lead_id, ["type", "partner_id"])
    assert row["type"] == "opportunity"
    with shop.database.env() as env:
        person = env["res.partner"].browse(row["partner_id"][0])
        assert person.parent_id.name == company
        assert person.commercial_partner_id.owner_id.id == sally(shop)


@pytest.mark.browser_context_args(viewport={"width": 1800, "height": 900})
def test_drag_an_opportunity_to_won(page: Page, shop):
    """(A wide window: the five stages side by side, no scrolling while dragging.)"""
    name = shop.unique("Tủ hồ sơ")
    lead_id = lead(shop, name=name, type="opportunity", expected_revenue=4200,
                   stage_id=ref(shop, "crm.stage_proposition"))
    won = ref(shop, "crm.stage_won")
    page.goto(f"/web/crm.lead?action={ref(shop, 'crm.action_opportunities')}")
    proposition = page.locator(
        f"section[data-column='{ref(shop, 'crm.stage_proposition')}']")
    expect(proposition.locator(f"li[data-id='{lead_id}']")).to_contain_text(name)

    page.drag_and_drop(f"li[data-id='{lead_id}'] .kb-body",
                       f"section[data-column='{won}'] [data-cards]")

    expect(page.locator(f"section[data-column='{won}'] li[data-id='{lead_id}']")) \
        .to_have_attribute("data-moved", str(won))
    row = shop.read("crm.lead", lead_id, ["won_status", "probability", "date_closed"])
    assert row["won_status"] == "won" and row["probability"] == 100 and row["date_closed"]


def test_a_customer_opens_its_opportunities_from_its_form(page: Page, shop):
    """The customer's Opportunities button (crm's partner_buttons) counts them and
    opens their list."""
    with shop.database.env() as env:
        customer = env["res.partner"].create({
            "name": shop.unique("Công ty Hoa Mai"), "is_company": True,
            "owner_id": sally(shop)})
        customer_id, customer_name = customer.id, customer.name
    names = [shop.unique("Máy pha cà phê"), shop.unique("Quầy bar")]
    for name in names:
        lead(shop, name=name, type="opportunity", partner_id=customer_id)
    lead(shop, name=shop.unique("Someone else's"), type="opportunity")

    page.goto(f"/web/res.partner/{customer_id}")
    button = page.locator("a.smart-button", has_text="Opportunities")
    expect(button.locator(".count")).to_have_text("2")
    button.click()
    expect(page).to_have_url(re.compile(r"/web/crm\.lead\?"))
    cards = page.locator("li[data-card]")  # the pipeline, limited to the customer's
    expect(cards).to_have_count(2)
    for name in names:
        expect(page.locator("[data-kanban]")).to_contain_text(name)
    expect(page.locator("[data-kanban]")).to_contain_text(customer_name)
