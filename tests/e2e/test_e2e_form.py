"""Forms: create with autocomplete and lines, validation errors, delete, header buttons."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def lines(page: Page):
    """The order lines shown in the Lines table (not the hidden template)."""
    return page.get_by_role("table", name="Lines").locator("tbody tr:not([data-new-line])")


def record_id(page: Page) -> int:
    return int(re.search(r"/web/ws\.order/(\d+)", page.url).group(1))


def test_create_an_order(page: Page, shop):
    name = shop.unique("SO-NEW")
    page.goto(shop.list_url("orders"))
    page.get_by_role("link", name="New").click()
    expect(page.get_by_role("navigation", name="Breadcrumbs")).to_contain_text("New")
    page.get_by_label("Reference").fill(name)

    # many2one: type, pick a suggestion
    customer = page.get_by_role("combobox", name="Customer")
    customer.fill("gem")
    expect(customer).to_have_attribute("aria-expanded", "true")
    page.get_by_role("option", name="Gemini Furniture").click()
    expect(customer).to_have_value("Gemini Furniture")
    expect(page.get_by_role("listbox")).to_have_count(0)

    # many2many: one tag with the mouse, one with the keyboard
    tags = page.get_by_role("combobox", name="Tags")
    tags.fill("re")
    page.get_by_role("option", name="Red").click()
    tags.press_sequentially("blu")
    expect(page.get_by_role("option", name="Blue")).to_be_visible()
    tags.press("Enter")
    chosen = page.locator("[data-field=tag_ids] .tag")
    expect(chosen).to_have_text(["Red", "Blue"])
    expect(tags).to_have_value("")

    # currency typed, not picked: the server finds it by name
    page.get_by_role("combobox", name="Currency").fill("Euro")
    page.keyboard.press("Escape")

    # two lines
    expect(lines(page)).to_have_count(0)
    page.get_by_role("button", name="Add a line").click()
    first = lines(page).nth(0)
    expect(first.get_by_label("Product")).to_be_focused()
    first.get_by_label("Product").fill("Desk")
    first.get_by_label("Quantity").fill("2")
    first.get_by_label("Price").fill("150")
    page.get_by_role("button", name="Add a line").click()
    second = lines(page).nth(1)
    second.get_by_label("Product").fill("Lamp")
    second.get_by_label("Quantity").fill("3")
    second.get_by_label("Price").fill("20")
    expect(lines(page)).to_have_count(2)

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Created.")
    expect(page.get_by_label("Reference")).to_have_value(name)
    expect(page.locator("[data-field=amount] .value")).to_have_text("360.00 €")
    expect(lines(page)).to_have_count(2)
    expect(lines(page).nth(0).get_by_label("Product")).to_have_value("Desk")
    expect(lines(page).nth(1).get_by_label("Product")).to_have_value("Lamp")
    expect(chosen).to_have_text(["Blue", "Red"])

    saved = shop.read("ws.order", record_id(page),
                      ["name", "customer_id", "currency_id", "tag_ids", "line_ids", "amount",
                       "state"])
    assert saved["name"] == name
    assert saved["customer_id"][0] == shop.customers["gemini"]
    assert saved["currency_id"][0] == shop.currencies["eur"]
    assert sorted(saved["tag_ids"]) == sorted(shop.tags.values())
    assert len(saved["line_ids"]) == 2
    assert saved["amount"] == 360.0
    assert saved["state"] == "draft"


def test_validation_error_keeps_what_was_typed(page: Page, shop):
    order_id, _ = shop.order(lines=[("Desk", 1, 100.0)])
    page.goto(shop.order_url(order_id))
    discount = page.get_by_label("Discount")
    discount.fill("150")
    page.get_by_label("Priority").fill("7")
    page.get_by_role("tab", name="Notes").click()
    page.get_by_label("Note", exact=True).fill("Call before delivery")
    page.get_by_role("button", name="Save").click()

    field = page.locator("[data-field=discount]")
    expect(field.get_by_role("alert")).to_have_text(
        re.compile("A discount is between 0 and 100 %, not 150"))
    expect(discount).to_have_attribute("aria-invalid", "true")
    expect(discount).to_have_accessible_description(re.compile("A discount is between 0"))
    expect(page.locator("[data-form-error]")).to_contain_text("The record was not saved")
    # what was typed is still there
    expect(discount).to_have_value("150")
    expect(page.get_by_label("Priority")).to_have_value("7")
    page.get_by_role("tab", name="Notes").click()
    expect(page.get_by_label("Note", exact=True)).to_have_value("Call before delivery")
    assert shop.read("ws.order", order_id, ["discount", "priority"]) == {
        "id": order_id, "discount": 0.0, "priority": 0}

    discount.fill("15")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_label("Discount")).to_have_value(re.compile(r"^15(\.0+)?$"))
    saved = shop.read("ws.order", order_id, ["discount", "priority", "note"])
    assert (saved["discount"], saved["priority"], saved["note"]) == (
        15.0, 7, "Call before delivery")


def test_delete_a_record_after_confirming(page: Page, shop):
    order_id, name = shop.order()
    page.goto(shop.order_url(order_id))
    messages = []

    def answer(accept):
        def handle(dialog):
            messages.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        return handle

    page.get_by_role("button", name="Action").click()
    page.once("dialog", answer(False))
    page.get_by_role("button", name="Delete").click()
    assert messages == ["Delete this record? This cannot be undone."]
    expect(page.get_by_label("Reference")).to_have_value(name)
    assert shop.read("ws.order", order_id, ["name"])["name"] == name

    page.once("dialog", answer(True))
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_have_text("Deleted 1 record(s).")
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    expect(page.locator("tr.record").filter(has_text=name)).to_have_count(0)
    assert shop.read("ws.order", order_id, ["name"]) == {}


def test_header_button_changes_the_status(page: Page, shop):
    order_id, _ = shop.order(lines=[("Desk", 1, 100.0)])
    page.goto(shop.order_url(order_id))
    status = page.get_by_role("list", name="Status")
    expect(status.locator("[aria-current=step]")).to_have_text("Quotation")
    expect(page.get_by_role("button", name="Mark as done")).to_have_count(0)

    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_have_text("Done.")
    expect(status.locator("[aria-current=step]")).to_have_text("Confirmed")
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark as done")).to_be_visible()
    assert shop.read("ws.order", order_id, ["state"])["state"] == "confirmed"


def test_header_button_error_is_shown_and_nothing_changes(page: Page, shop):
    order_id, name = shop.order()  # no line: cannot be confirmed
    page.goto(shop.order_url(order_id))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("[data-form-error]")).to_have_text(
        f"{name} has no line: add what the customer orders before confirming.")
    expect(page.get_by_role("list", name="Status").locator("[aria-current=step]")).to_have_text(
        "Quotation")
    assert shop.read("ws.order", order_id, ["state"])["state"] == "draft"


def test_keyboard_in_the_form(page: Page, shop):
    order_id, _ = shop.order(lines=[("Desk", 1, 100.0)])
    page.goto(shop.order_url(order_id))
    # many2one: type, arrows, Enter picks (and does not save the form)
    customer = page.get_by_role("combobox", name="Customer")
    customer.fill("")
    customer.press_sequentially("a")
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option", name="Agrolait")).to_be_visible()
    expect(listbox.get_by_role("option", name="Deco Addict")).to_be_visible()
    expect(listbox.get_by_role("option", selected=True)).to_have_text("Agrolait")
    customer.press("ArrowDown")
    expect(listbox.get_by_role("option", selected=True)).to_have_text("Deco Addict")
    customer.press("Enter")
    expect(customer).to_have_value("Deco Addict")
    expect(page.get_by_role("status")).to_have_count(0)  # not saved
    # notebook tabs: arrows move between them
    lines_tab = page.get_by_role("tab", name="Lines")
    lines_tab.focus()
    lines_tab.press("ArrowRight")
    expect(page.get_by_role("tab", name="Notes")).to_be_focused()
    expect(page.get_by_role("tab", name="Notes")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="Notes")).to_be_visible()
    expect(page.get_by_role("tabpanel", name="Lines")).to_be_hidden()
    # Ctrl+S saves
    page.keyboard.press("Control+s")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert shop.read("ws.order", order_id, ["customer_id"])["customer_id"][0] == \
        shop.customers["deco"]
