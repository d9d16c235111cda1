"""Customers in a real browser: a company created from the Contacts menu with an
address, a contact and an invoice address; the potential rating's "4 stars" filter."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def partner_id(page: Page) -> int:
    return int(re.search(r"/web/res\.partner/(\d+)", page.url).group(1))


def contact_lines(page: Page):
    """The saved lines of the "Contacts & addresses" table (not the template row)."""
    return page.get_by_role("table", name="Contacts & addresses").locator(
        "tbody tr:not([data-new-line])")


def test_create_a_company_and_a_contact_with_addresses(page: Page, shop):
    name = shop.unique("Công ty Hoa Sen")
    page.goto("/web")
    page.get_by_role("navigation", name="Apps").get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="New").click()
    page.get_by_label("Kind").select_option(label="Company")
    # (the contacts table has inputs with the same labels: the form's own by id)
    page.locator("#field-name").fill(name)
    page.locator("#field-street").fill("36 Hàng Đào")
    page.locator("#field-city").fill("Hà Nội")
    country = page.locator("#field-country_id")
    country.fill("Vietn")
    page.get_by_role("option", name="Vietnam").click()
    page.locator("#field-email").fill("lienhe@hoasen.example.vn")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Created.")
    company_id = partner_id(page)

    page.get_by_role("tab", name="Contacts & addresses").click()
    page.get_by_role("button", name="Add a line").click()
    first = contact_lines(page).nth(0)
    first.get_by_label("Address type").select_option(label="Contact")
    first.get_by_label("Name").fill("Lê Thị Hoa")
    first.get_by_label("Job position").fill("Giám đốc")
    first.get_by_label("Email").fill("hoa.le@hoasen.example.vn")
    page.get_by_role("button", name="Add a line").click()
    second = contact_lines(page).nth(1)
    second.get_by_label("Address type").select_option(label="Invoice address")
    second.get_by_label("Name").fill("Phòng Kế toán")
    second.get_by_label("Street").fill("Tầng 3, 36 Hàng Đào")
    second.get_by_label("City").fill("Hà Nội")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.get_by_role("tab", name="Contacts & addresses").click()
    expect(contact_lines(page)).to_have_count(2)

    with shop.database.env() as env:
        company = env["res.partner"].browse(company_id)
        assert (company.is_company, company.city, company.country_id.code) == (
            True, "Hà Nội", "VN")
        contact = company.child_ids.filtered(lambda c: c.type == "contact")
        assert contact.complete_name == f"{name}, Lê Thị Hoa"
        assert company.invoice_address().name == "Phòng Kế toán"
        assert company.invoice_address().street == "Tầng 3, 36 Hàng Đào"
        contact_id = contact.id

    # the contact's own form shows "Company, Person"
    page.goto(f"/web/res.partner/{contact_id}")
    expect(page.get_by_role("navigation", name="Breadcrumbs")).to_contain_text(
        f"{name}, Lê Thị Hoa")
    expect(page.locator("#field-parent_id")).to_have_value(name)


def test_filter_customers_with_4_stars(page: Page, shop):
    prefix = shop.unique("Stars")
    with shop.database.env() as env:
        def group(score):
            return env["res.partner.group"].create({"name": f"{prefix} {score}",
                                                    "potential_score": score}).id
        four, two = group(85), group(45)
        for suffix, groups in [("Four A", [four]), ("Two", [two]), ("None", []),
                               ("Four B", [four])]:
            env["res.partner"].create({"name": f"{prefix} {suffix}", "is_company": True,
                                       "owner_id": False, "group_ids": [(6, 0, groups)]})
    page.goto("/web")
    page.get_by_role("navigation", name="Apps").get_by_role("link", name="Contacts").click()
    search = page.get_by_role("combobox", name="Search")
    search.fill(prefix)
    search.press("Enter")
    cards = page.locator("li[data-card]")
    expect(cards).to_have_count(4)
    expect(cards.filter(has_text=f"{prefix} Four A").get_by_role(
        "img", name="Priority 4 of 5")).to_be_visible()

    page.get_by_role("button", name="Filters").click()
    page.get_by_role("menuitemcheckbox", name="4 stars", exact=True).click()
    expect(page.locator(".facet-filter")).to_have_text(re.compile("4 stars"))
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text=f"{prefix} Four A")).to_have_count(1)
    expect(cards.filter(has_text=f"{prefix} Four B")).to_have_count(1)

    page.get_by_role("link", name="List", exact=True).click()
    expect(page.locator("table.list tr.record")).to_have_count(2)
    expect(page.locator("table.list tr.record").first).to_contain_text("★★★★☆ 4 stars")
