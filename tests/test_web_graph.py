"""The graph view (core/web/graph.py, core/web/svg_charts.py): bar, line and pie charts of
read_group results as accessible inline SVG, the measure and chart type chosen in the
URL, group-bys from the arch or the search bar, the search domain, friendly messages for
no data and bad parameters, escaping, and a constant number of queries.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from core.web.svg_charts import nice_ticks
from tests.security_support import count_queries
from tests.web_support import XSS, Shop, add_orders, doc, texts

pytestmark = pytest.mark.usefixtures("clean_shop")  # what a test adds is deleted after it


def graph_url(*pairs, **params) -> str:
    return "/web/ws.order?" + urlencode([("view", "graph"), *pairs, *params.items()])


def bar_titles(document) -> list[str]:
    return texts(document, "//svg//rect[contains(@class, 'bar')]/title")


def data_table(document) -> list[list[str]]:
    """The rows of the visually hidden table: header cell, then the numbers."""
    return [[" ".join(c.text_content().split()) for c in row.xpath("th|td")]
            for row in document.xpath("//table[contains(@class, 'chart-data')]/tbody/tr")]


def expected(shop: Shop, spec: str, groupby: list[str], domain=None) -> list[dict]:
    with shop.database.env() as env:
        return env["ws.order"].read_group(domain or [], [spec] if spec else [], groupby)


def money(value) -> str:
    return f"{value:,.2f}"


def test_bar_chart_numbers_match_read_group(shop: Shop):
    document = doc(shop.as_user("manager").page(graph_url(g="customer_id", measure="amount",
                                                          chart="bar")))
    groups = expected(shop, "amount:sum", ["customer_id"])
    wanted = [f"{g['customer_id'][1]}: {money(g['amount'])}" for g in groups]
    assert bar_titles(document) == wanted
    assert data_table(document) == [[g["customer_id"][1], money(g["amount"])] for g in groups]
    svg = document.xpath("//svg[@role='img']")[0]
    assert texts(svg, "./title") == ["Total by Customer"]
    assert "Bar chart" in texts(svg, "./desc")[0]
    assert "Customer" in texts(svg, ".//text[contains(@class, 'axis-title')]")
    # nice round ticks: 0 to 500 by 100 for a largest bar of 480
    assert texts(svg, ".//text[contains(@class, 'tick')]") == [
        "0", "100", "200", "300", "400", "500"]
    assert not document.xpath("//ul[contains(@class, 'legend')]")  # one series


def test_arch_gives_the_default_groups_and_measure(shop: Shop):
    """The arch groups by customer (categories) and order month (series), sums amount."""
    document = doc(shop.as_user("manager").page(graph_url()))
    groups = expected(shop, "amount:sum", ["customer_id", "date_order:month"])
    legend = texts(document, "//ul[contains(@class, 'legend')]/li")
    assert legend == list(dict.fromkeys(g["date_order:month"] for g in groups))
    nonzero = [f"{g['customer_id'][1]} · {g['date_order:month']}: {money(g['amount'])}"
               for g in groups if g["amount"]]
    assert sorted(bar_titles(document)) == sorted(nonzero)
    assert "2 series" not in texts(document, "//svg/desc")[0] or len(legend) == 2
    # the hidden table has every combination, with a total per category
    rows = {row[0]: row[1:] for row in data_table(document)}
    assert rows["Agrolait"][-1] == money(sum(g["amount"] for g in groups
                                              if g["customer_id"][1] == "Agrolait"))


def test_count_measure_and_search_bar_group_by(shop: Shop):
    document = doc(shop.as_user("manager").page(graph_url(g="state", measure="__count")))
    assert bar_titles(document) == ["Quotation: 2", "Confirmed: 1", "Done: 1"]
    assert texts(document, "//svg/title") == ["Count by Status"]


def test_line_chart_has_one_line_per_series(shop: Shop):
    document = doc(shop.as_user("manager").page(graph_url(
        ("g", "customer_id"), ("g", "state"), measure="__count", chart="line")))
    assert len(document.xpath("//svg//polyline")) == 3
    titles = texts(document, "//svg//circle[contains(@class, 'point')]/title")
    assert "Agrolait · Quotation: 1" in titles and "Deco Addict · Confirmed: 1" in titles
    assert len(titles) == 9  # 3 customers x 3 states, missing ones at 0


def test_pie_chart_slices_with_shares(shop: Shop):
    document = doc(shop.as_user("manager").page(graph_url(g="customer_id",
                                                          measure="__count", chart="pie")))
    titles = texts(document, "//svg//*[contains(@class, 'slice')]/title")
    assert titles == ["Agrolait: 2 (50.0%)", "Deco Addict: 1 (25.0%)",
                      "Gemini Furniture: 1 (25.0%)"]
    assert texts(document, "//ul[contains(@class, 'legend')]/li") == [
        "Agrolait", "Deco Addict", "Gemini Furniture"]
    # a pie of a single category is a full circle
    one = doc(shop.as_user("manager").page(graph_url(g="customer_id", chart="pie",
                                                     f="confirmed", measure="__count")))
    assert texts(one, "//svg//circle[contains(@class, 'slice')]/title") == [
        "Deco Addict: 1 (100.0%)"]


def test_search_filters_and_record_rules_apply(shop: Shop):
    document = doc(shop.as_user("manager").page(graph_url(g="customer_id", f="confirmed",
                                                          measure="__count")))
    assert bar_titles(document) == ["Deco Addict: 1"]
    # sally sees her own orders and unassigned ones: not sam's (Deco Addict)
    document = doc(shop.as_user("sally").page(graph_url(g="customer_id", measure="__count")))
    assert bar_titles(document) == ["Agrolait: 2", "Gemini Furniture: 1"]


def test_no_data_shows_a_friendly_message(shop: Shop):
    url = graph_url(g="customer_id", d=json.dumps([["name", "=", "NOTHING"]]))
    document = doc(shop.as_user("manager").page(url))
    assert not document.xpath("//svg[@role='img']")
    assert "No data to show for this search" in texts(document,
                                                      "//p[contains(@class, 'report-empty')]")[0]


def test_labels_are_escaped_in_svg_and_table(shop: Shop):
    browser = shop.as_user("manager")
    for number, payload in enumerate(XSS):
        with shop.database.env() as env:
            customer = env["ws.customer"].create({"name": payload}).id
        add_orders(shop, 1, customer_id=customer, name=f"XSS-{number}")
    html = browser.page(graph_url(g="customer_id", measure="__count"))
    for payload in XSS:
        assert payload not in html
        document = doc(html)
        assert f"{payload}: 1" in bar_titles(document)
        assert [payload, "1"] in data_table(document)
    assert "<img" not in html.split("<main", 1)[1] and "<script>" not in html


@pytest.mark.parametrize("query, message", [
    ({"measure": "name"}, "'name' cannot be measured"),
    ({"measure": "nope"}, "'nope' cannot be measured"),
    ({"chart": "donut"}, "'donut' is not a chart type"),
    ({"g": "nope"}, "Order has no field 'nope' to group by"),
    ({"g": "note"}, "Note cannot be used to group Order records"),
    ({"g": "date_order:decade"}, "'decade' is not a period"),
    ({"g": "state:month"}, "Status is not a date"),
])
def test_bad_parameters_say_why(shop: Shop, query, message):
    document = doc(shop.as_user("manager").page(graph_url(**query)))
    warnings = " ".join(texts(document, "//p[contains(@class, 'warning')]"))
    assert message in warnings
    assert document.xpath("//svg[@role='img']")  # the chart falls back to the defaults


def test_three_group_bys_keep_two(shop: Shop):
    document = doc(shop.as_user("manager").page(graph_url(
        ("g", "customer_id"), ("g", "state"), ("g", "is_urgent"), measure="__count")))
    assert "two fields at most" in " ".join(texts(document, "//p[contains(@class, 'warning')]"))
    assert texts(document, "//svg/title") == ["Count by Customer and Status"]


def test_chart_and_measure_links_keep_the_search(shop: Shop):
    document = doc(shop.as_user("manager").page(graph_url(g="state", f="confirmed")))
    pie = document.xpath("//nav[@aria-label='Chart type']//a[text()='Pie']/@href")[0]
    assert "chart=pie" in pie and "f=confirmed" in pie and "g=state" in pie
    count = document.xpath("//div[@aria-label='Measures']//a[text()='Count']/@href")[0]
    assert "measure=__count" in count and "f=confirmed" in count


def test_nice_ticks():
    assert nice_ticks(0, 480) == [0, 100, 200, 300, 400, 500]
    assert nice_ticks(0, 4) == [0, 1, 2, 3, 4]
    assert nice_ticks(-30, 70) == [-40, -20, 0, 20, 40, 60, 80]
    assert nice_ticks(0, 0.9) == [0, 0.2, 0.4, 0.6, 0.8, 1]
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1]


def test_queries_do_not_grow_with_the_records(shop: Shop):
    browser = shop.as_user("manager")
    url = graph_url(("g", "customer_id"), ("g", "state"), measure="amount")

    def statements() -> list[str]:
        browser.page(url)
        with count_queries(shop.database) as found:
            browser.page(url)
        return found

    add_orders(shop, 5, customer_id=shop.customers["deco"])
    few = statements()
    customers = list(shop.customers.values())[:3]
    with shop.database.env() as env:
        env["ws.order"].create([{"name": f"BULK-{n}", "customer_id": customers[n % 3],
                                 "state": ["draft", "confirmed", "done"][n % 3]}
                                for n in range(195)])
    many = statements()
    assert len(many) == len(few), "\n".join(many)
