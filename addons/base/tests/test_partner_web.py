"""Customers in the web client: the Contacts and Sales > Customers menus, kanban by
default, list, form with its tabs, search filters and group-bys, and errors shown next
to the fields."""

from __future__ import annotations

from addons.base.tests.partner_support import unique
from tests.web_support import doc, field_error, list_names, notice, texts


def make_customers(team, owner="sally", **values):
    """Two companies and a contact of the first, owned by `owner`; their names."""
    names = [unique("Công ty"), unique("ООО"), unique("Person")]
    with team.env() as env:
        owner_id = team.users[owner]
        first = env["res.partner"].create({"name": names[0], "is_company": True,
                                           "owner_id": owner_id, "city": "Hà Nội",
                                           "country_id": env.ref("base.country_vn").id,
                                           **values})
        env["res.partner"].create({"name": names[1], "is_company": True,
                                   "owner_id": owner_id, "city": "Москва",
                                   "country_id": env.ref("base.country_ru").id})
        env["res.partner"].create({"name": names[2], "parent_id": first.id})
    return names


def test_menus_lead_to_contacts_and_customers(team):
    html = team.browser("sally").page("/web/preferences")
    menus = texts(doc(html), "//nav//a")
    assert "Contacts" in menus and "Sales" in menus
    with team.env() as env:
        action = env.ref("base.action_customers")
        assert env.ref("base.menu_sales_customers").action_id == action


def test_kanban_is_the_default_view(team):
    names = make_customers(team)
    html = team.browser("sally").page("/web/res.partner")
    cards = texts(doc(html), "//*[contains(@class, 'kb-card')]//strong")
    assert names[0] in cards and names[1] in cards


def test_customers_menu_lists_companies_and_persons_without_a_company(team):
    names = make_customers(team)
    with team.env() as env:
        action = env.ref("base.action_customers").id
    html = team.browser("sally").page(f"/web/res.partner?action={action}&view=list")
    shown = list_names(html)
    assert names[0] in shown and names[1] in shown
    assert not any(names[2] in name for name in shown)


def test_list_shows_only_what_the_user_may_see(team):
    names = make_customers(team, owner="sam")
    assert not set(names) & set(list_names(team.browser("sally").page(
        "/web/res.partner?view=list")))
    assert names[0] in list_names(team.browser("mia").page("/web/res.partner?view=list"))


def test_search_filters_companies_and_persons(team):
    names = make_customers(team)
    browser = team.browser("sally")
    companies = list_names(browser.page("/web/res.partner?view=list&f=companies"))
    persons = list_names(browser.page("/web/res.partner?view=list&f=persons"))
    assert names[0] in companies and not any(names[2] in n for n in companies)
    assert any(names[2] in n for n in persons) and names[0] not in persons


def test_group_by_country_group_and_tag(team):
    names = make_customers(team)
    browser = team.browser("sally")
    html = browser.page("/web/res.partner?view=list&g=country_id")
    labels = " ".join(texts(doc(html), "//tr[contains(@class, 'group-row')]//a"))
    assert "Vietnam" in labels and "Russia" in labels
    with team.env() as env:
        vip = env["res.partner.group"].create({"name": unique("VIP")})
        env["res.partner"].search([("name", "=", names[0])]).write(
            {"group_ids": [vip.id]})
        tag = env["res.partner.category"].create({"name": unique("Tag")})
        env["res.partner"].search([("name", "=", names[1])]).write({"tag_ids": [tag.id]})
    for spec, label in (("group_ids", vip.name), ("tag_ids", tag.name)):
        html = browser.page(f"/web/res.partner?view=list&g={spec}")
        labels = " ".join(texts(doc(html), "//tr[contains(@class, 'group-row')]//a"))
        assert label in labels
    html = browser.page("/web/res.partner?view=kanban&g=group_ids")
    assert vip.name in " ".join(texts(doc(html), "//section[@data-column]//h2"))


def test_create_a_company_through_the_form(team):
    name = unique("Agrolait")
    browser = team.browser("sally")
    response = browser.submit("/web/res.partner/new", {
        "company_type": "company", "name": name, "email": "info@agrolait.example",
        "street": "69 rue de Namur", "city": "Wavre", "zip": "1300",
        "country_id__display": "Belgium"})
    assert response.status_code == 303 and notice(response) == "created"
    with team.env() as env:
        company = env["res.partner"].search([("name", "=", name)])
        assert (company.is_company, company.country_id.code, company.owner_id.login) == (
            True, "BE", "sally")


def test_invalid_email_is_shown_next_to_the_field(team):
    name = unique("Bad")
    response = team.browser("sally").submit("/web/res.partner/new", {
        "name": name, "email": "not-an-email"})
    assert response.status_code == 400
    assert "not a valid email address" in field_error(response.get_data(as_text=True),
                                                      "email")
    with team.env() as env:
        assert not env["res.partner"].search([("name", "=", name)])


def test_form_has_the_tabs(team):
    names = make_customers(team)
    with team.env() as env:
        company = env["res.partner"].search([("name", "=", names[0])])
    html = team.browser("sally").page(f"/web/res.partner/{company.id}")
    tabs = texts(doc(html), "//*[@role='tab']")
    for label in ("Contacts & addresses", "Sales & purchase", "Internal notes"):
        assert label in tabs
    assert names[2] in html
