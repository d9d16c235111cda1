"""List pages: the search box and its suggestions, filters, groups, the Actions menu and
the CSV export."""

import csv
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def rows(page: Page):
    """The record rows of the list (not the group rows)."""
    return page.locator("table.list tr.record")


def row(page: Page, name: str):
    """The row of the record named `name`."""
    return rows(page).filter(has=page.get_by_role("link", name=name, exact=True))


def test_search_suggestions_make_a_facet_that_can_be_removed(page: Page, shop):
    page.goto(shop.list_url("orders"))
    expect(rows(page).filter(has_text="SO-AGRO-1")).to_have_count(1)
    search = page.get_by_role("combobox", name="Search")
    search.fill("gemini")
    suggestions = page.get_by_role("listbox", name="Search in")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("option")).to_have_text([
        "Search Reference for: gemini", "Search Customer for: gemini",
        "Search Tags for: gemini", "Search Priority for: gemini"])
    page.get_by_role("option", name="Search Customer for: gemini").click()

    expect(page).to_have_url(re.compile(r"s=customer_id%3Agemini"))
    facet = page.locator(".facet")
    expect(facet).to_have_text(re.compile(r"Customer\s+gemini"))
    expect(rows(page).filter(has_text="SO-GEM-1")).to_have_count(1)
    expect(rows(page).filter(has_text="SO-AGRO-1")).to_have_count(0)
    expect(search).to_have_value("")

    page.get_by_role("link", name="Remove Customer: gemini").click()
    expect(facet).to_have_count(0)
    expect(rows(page).filter(has_text="SO-AGRO-1")).to_have_count(1)
    expect(rows(page).filter(has_text="SO-GEM-1")).to_have_count(1)


def test_search_with_the_keyboard(page: Page, shop):
    page.goto(shop.list_url("orders"))
    search = page.get_by_role("combobox", name="Search")
    search.press_sequentially("deco")
    expect(search).to_have_attribute("aria-expanded", "true")
    # the first suggestion is active; the arrow picks the next one
    active = page.get_by_role("listbox", name="Search in").get_by_role("option", selected=True)
    expect(active).to_have_text("Search Reference for: deco")
    search.press("ArrowDown")
    expect(active).to_have_text("Search Customer for: deco")
    search.press("Enter")
    expect(page.locator(".facet")).to_have_text(re.compile(r"Customer\s+deco"))
    expect(rows(page).filter(has_text="SO-DECO-1")).to_have_count(1)
    expect(rows(page).filter(has_text="SO-AGRO-1")).to_have_count(0)
    # Backspace in the empty box removes the last facet
    page.get_by_role("combobox", name="Search").press("Backspace")
    expect(page.locator(".facet")).to_have_count(0)
    expect(rows(page).filter(has_text="SO-AGRO-1")).to_have_count(1)


def test_filter_then_group_and_open_a_group(page: Page, shop):
    page.goto(shop.list_url("orders"))
    page.get_by_role("button", name="Filters").click()
    page.get_by_role("menuitemcheckbox", name="Quotations").click()
    expect(page.locator(".facet")).to_have_text(re.compile(r"Filter\s+Quotations"))
    expect(rows(page).filter(has_text="SO-DECO-1")).to_have_count(0)  # confirmed
    expect(rows(page).filter(has_text="SO-GEM-1")).to_have_count(1)
    page.get_by_role("button", name="Filters").click()
    expect(page.get_by_role("menuitemcheckbox", name="Quotations")).to_be_checked()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu", name="Filters")).to_be_hidden()

    page.get_by_role("button", name="Group by").click()
    page.get_by_role("menuitemcheckbox", name="Customer").click()
    expect(page.locator(".facet-group")).to_have_text(re.compile(r"Group by\s+Customer"))
    gemini = page.get_by_role("link", name=re.compile(r"^Gemini Furniture \(\d+\)$"))
    expect(gemini).to_have_attribute("aria-expanded", "false")
    expect(rows(page)).to_have_count(0)  # groups start closed

    gemini.click()
    expect(page.get_by_role("link", name=re.compile(r"^Gemini Furniture"))).to_have_attribute(
        "aria-expanded", "true")
    expect(rows(page).filter(has_text="SO-GEM-1")).to_have_count(1)
    expect(rows(page).filter(has_text="SO-AGRO-1")).to_have_count(0)
    # the filter is still there
    expect(page.locator(".facet-filter")).to_have_text(re.compile("Quotations"))

    page.get_by_role("link", name=re.compile(r"^Gemini Furniture")).click()
    expect(rows(page)).to_have_count(0)


def test_actions_on_selected_rows(page: Page, shop):
    prefix = shop.unique("BATCH")
    ids = [shop.order(f"{prefix}-{n}")[0] for n in (1, 2, 3)]
    page.goto(shop.list_url("orders", s=f"name:{prefix}"))
    expect(rows(page)).to_have_count(3)
    action = page.get_by_label("Action on the selected records")
    expect(action).to_be_hidden()  # nothing is selected yet

    page.get_by_role("checkbox", name=f"Select {prefix}-1").check()
    page.get_by_role("checkbox", name=f"Select {prefix}-2").check()
    expect(page.get_by_text("2 selected")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Select all")).to_have_js_property(
        "indeterminate", True)
    action.select_option(label="Mark as urgent")
    page.get_by_role("button", name="Apply").click()

    expect(page.get_by_role("status")).to_have_text("Done.")
    expect(page.locator(".facet")).to_have_text(re.compile(prefix))  # same search
    urgent = [shop.read("ws.order", i, ["is_urgent"])["is_urgent"] for i in ids]
    assert urgent == [True, True, False]
    expect(row(page, f"{prefix}-1").locator("td.boolean input")).to_be_checked()
    expect(row(page, f"{prefix}-2").locator("td.boolean input")).to_be_checked()
    expect(row(page, f"{prefix}-3").locator("td.boolean input")).not_to_be_checked()
    expect(action).to_be_hidden()  # a new page: nothing selected

    page.get_by_role("checkbox", name="Select all").check()
    expect(page.get_by_text("3 selected")).to_be_visible()
    action.select_option(label="Archive")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status")).to_have_text("Archived 3 record(s).")
    expect(rows(page)).to_have_count(0)
    expect(page.get_by_text("No record matches this search.")).to_be_visible()
    assert [shop.read("ws.order", i, ["active"])["active"] for i in ids] == [False] * 3

    page.get_by_role("button", name="Filters").click()
    page.get_by_role("menuitemcheckbox", name="Archived").click()
    expect(rows(page)).to_have_count(3)


def test_delete_from_the_list_asks_first(page: Page, shop):
    prefix = shop.unique("GONE")
    keep, _ = shop.order(f"{prefix}-keep")
    drop, _ = shop.order(f"{prefix}-drop")
    page.goto(shop.list_url("orders", s=f"name:{prefix}"))
    page.get_by_role("checkbox", name=f"Select {prefix}-drop").check()
    page.get_by_label("Action on the selected records").select_option(label="Delete")
    page.get_by_role("button", name="Apply").click()

    expect(page.get_by_role("heading", name="Delete")).to_be_visible()
    expect(page.get_by_text("Delete the selected records? This cannot be undone.")).to_be_visible()
    expect(page.locator(".confirm").get_by_role("listitem")).to_have_text([f"{prefix}-drop"])
    page.get_by_role("link", name="Cancel").click()
    expect(rows(page)).to_have_count(2)

    page.get_by_role("checkbox", name=f"Select {prefix}-drop").check()
    page.get_by_label("Action on the selected records").select_option(label="Delete")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("button", name="Delete 1 record(s)").click()
    expect(page.get_by_role("status")).to_have_text("Deleted 1 record(s).")
    expect(rows(page)).to_have_text([re.compile(f"{prefix}-keep")])
    assert shop.read("ws.order", drop, ["name"]) == {}
    assert shop.read("ws.order", keep, ["name"])["name"] == f"{prefix}-keep"


def test_export_selected_rows_as_csv(page: Page, shop):
    prefix = shop.unique("CSV")
    shop.order(f"{prefix}-1", customer="deco", lines=[("Desk", 2, 100.0)], priority=3,
               tag_ids=[(6, 0, [shop.tags["red"], shop.tags["blue"]])])
    shop.order(f"{prefix}-2", customer="gemini", lines=[("Lamp", 1, 19.5)], is_urgent=True,
               date_order="2026-03-05")
    page.goto(shop.list_url("orders", s=f"name:{prefix}"))
    expect(rows(page)).to_have_count(2)
    page.get_by_role("checkbox", name="Select all").check()
    page.get_by_label("Action on the selected records").select_option(label="Export as CSV")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Apply").click()
    download = download_info.value
    assert download.suggested_filename == "ws_order.csv"
    with open(download.path(), encoding="utf-8", newline="") as file:
        table = list(csv.reader(file))
    assert table[0] == ["id", "Reference", "Customer", "Order date", "Status", "Tags",
                        "Urgent", "Priority", "Total"]
    by_name = {row[1]: row[2:] for row in table[1:]}
    assert by_name == {
        f"{prefix}-1": ["Deco Addict", "", "Quotation", "Blue, Red", "No", "3", "200.00"],
        f"{prefix}-2": ["Gemini Furniture", "2026-03-05", "Quotation", "", "Yes", "0",
                        "19.50"],
    }
    # the page stays as it was
    expect(rows(page)).to_have_count(2)
