"""Graph and pivot pages in a real browser: reading a chart's bars and slices, and
expanding then collapsing a pivot header through its menu."""

import json
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

# the three orders every session's shop starts with (tests add more under other names)
FIRST_ORDERS = json.dumps([["name", "in", ["SO-AGRO-1", "SO-DECO-1", "SO-GEM-1"]]])


def test_read_a_bar_chart_then_a_pie(page: Page, shop):
    page.goto(shop.list_url("orders", view="graph", g="customer_id", measure="amount",
                            d=FIRST_ORDERS, dl="First orders"))
    chart = page.get_by_role("img", name="Total by Customer")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar > title")).to_have_text([
        "Agrolait: 60.00", "Deco Addict: 60.00", "Gemini Furniture: 60.00"])
    # the hidden table holds the same numbers
    expect(page.locator("table.chart-data tbody tr")).to_have_text([
        re.compile(r"Agrolait\s*60\.00"), re.compile(r"Deco Addict\s*60\.00"),
        re.compile(r"Gemini Furniture\s*60\.00")])

    page.get_by_role("navigation", name="Chart type").get_by_role("link", name="Pie").click()
    expect(page).to_have_url(re.compile(r"chart=pie"))
    pie = page.get_by_role("img", name="Total by Customer")
    expect(pie.locator(".slice > title")).to_have_text([
        "Agrolait: 60.00 (33.3%)", "Deco Addict: 60.00 (33.3%)",
        "Gemini Furniture: 60.00 (33.3%)"])
    expect(page.get_by_role("list", name="Legend").get_by_role("listitem")).to_have_text(
        ["Agrolait", "Deco Addict", "Gemini Furniture"])


def test_expand_and_collapse_a_pivot_header(page: Page, shop):
    page.goto(shop.list_url("orders", view="pivot", cols="", measures="__count",
                            d=FIRST_ORDERS, dl="First orders"))
    table = page.locator("table.pivot")
    expect(table.locator("tbody th .pivot-toggle")).to_have_text(
        ["Total", "Agrolait", "Deco Addict", "Gemini Furniture"])
    page.get_by_role("button", name="Expand Deco Addict").click()
    menu = page.get_by_role("menu", name="Expand Deco Addict by")
    expect(menu).to_be_visible()
    menu.get_by_role("menuitem", name="Status").click()

    expect(page).to_have_url(re.compile(r"rows=customer_id&rows=state"))
    expect(table.locator("tbody th.level-2 .pivot-toggle")).to_have_text(
        ["Quotation", "Confirmed", "Quotation"])
    expect(table.locator("tbody tr.level-2 td")).to_have_text(["1", "1", "1"])

    table.get_by_role("link", name="Deco Addict").click()
    expect(table.locator("tbody th.level-2 .pivot-toggle")).to_have_count(0)
    expect(table.locator("tbody th .pivot-toggle")).to_have_text(
        ["Total", "Agrolait", "Deco Addict", "Gemini Furniture"])
