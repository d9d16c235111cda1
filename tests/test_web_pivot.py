"""The pivot view (core/web/pivot.py): rows and columns by group-bys from the arch, the
URL or the search bar, several measures, row, column and grand totals, expanding and
collapsing headers, swapping the axes, the CSV export (formulas neutralized), friendly
messages for no data and bad parameters, escaping, and a constant number of queries.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.security_support import count_queries
from tests.web_support import XSS, Shop, add_orders, doc, texts

pytestmark = pytest.mark.usefixtures("clean_shop")  # what a test adds is deleted after it


def pivot_url(*pairs, **params) -> str:
    return "/web/ws.order?" + urlencode([("view", "pivot"), *pairs, *params.items()])


def body(document) -> list[tuple[int, str, list[str]]]:
    """(level, header label, cells) of every row of the table."""
    result = []
    for row in document.xpath("//table[@class='pivot']/tbody/tr"):
        header = row.xpath("./th")[0]
        level = int(header.get("class").split("level-")[1])
        summary = header.xpath(".//summary|.//a[contains(@class, 'pivot-toggle')]")
        label = " ".join((summary[0] if summary else header).text_content().split())
        result.append((level, label, [" ".join(td.text_content().split())
                                      for td in row.xpath("./td")]))
    return result


def column_headers(document) -> list[list[str]]:
    """The labels of each header row (the measure row last)."""
    result = []
    for row in document.xpath("//table[@class='pivot']/thead/tr"):
        labels = []
        for th in row.xpath("./th"):
            summary = th.xpath(".//summary|.//a[contains(@class, 'pivot-toggle')]")
            labels.append(" ".join((summary[0] if summary else th).text_content().split()))
        result.append(labels)
    return result


def read_group(shop: Shop, fields, groupby, domain=None) -> list[dict]:
    with shop.database.env() as env:
        return env["ws.order"].read_group(domain or [], fields, groupby)


def money(value) -> str:
    return f"{value:,.2f}"


def test_default_pivot_matches_read_group_with_totals(shop: Shop):
    """The arch: customers as rows, status as columns, the amount summed."""
    document = doc(shop.as_user("manager").page(pivot_url()))
    assert column_headers(document) == [["Total", "Total"],
                                        ["Quotation", "Confirmed", "Done"],
                                        ["Total"] * 4]
    cells = {(g["customer_id"][1], g["state"]): money(g["amount"])
             for g in read_group(shop, ["amount:sum"], ["customer_id", "state"])}
    per_customer = {g["customer_id"][1]: money(g["amount"])
                    for g in read_group(shop, ["amount:sum"], ["customer_id"])}
    per_state = {g["state"]: money(g["amount"])
                 for g in read_group(shop, ["amount:sum"], ["state"])}
    [grand] = read_group(shop, ["amount:sum"], [])
    rows = body(document)
    assert [(level, label) for level, label, _ in rows] == [
        (0, "Total"), (1, "Agrolait"), (1, "Deco Addict"), (1, "Gemini Furniture")]
    assert rows[0][2] == [per_state["draft"], per_state["confirmed"], per_state["done"],
                          money(grand["amount"])]
    for _level, customer, values in rows[1:]:
        assert values == [cells.get((customer, state), "")
                          for state in ("draft", "confirmed", "done")] + [per_customer[customer]]
    assert rows[1][2] == ["400.00", "", "80.00", "480.00"]


def test_several_measures_and_levels(shop: Shop):
    url = pivot_url(("rows", "customer_id"), ("rows", "state"), ("cols", "is_urgent"),
                    ("measures", "__count"), ("measures", "amount"))
    document = doc(shop.as_user("manager").page(url))
    headers = column_headers(document)
    assert headers[1] == ["No", "Yes"]
    assert headers[-1] == ["Count", "Total"] * 3
    rows = body(document)
    assert [(level, label) for level, label, _ in rows] == [
        (0, "Total"), (1, "Agrolait"), (2, "Quotation"), (2, "Done"),
        (1, "Deco Addict"), (2, "Confirmed"), (1, "Gemini Furniture"), (2, "Quotation")]
    # Agrolait / Quotation: SO-SALLY, not urgent, 400
    assert rows[2][2] == ["1", "400.00", "", "", "1", "400.00"]
    # grand total: 4 orders, 480; SO-OPEN is the urgent one
    assert rows[0][2] == ["3", "480.00", "1", "0.00", "4", "480.00"]


def test_search_bar_group_by_makes_the_rows_and_filters_apply(shop: Shop):
    document = doc(shop.as_user("manager").page(pivot_url(g="state", f="confirmed",
                                                          measures="__count")))
    rows = body(document)
    assert [(label, values) for _level, label, values in rows] == [
        ("Total", ["1", "1"]),
        ("Confirmed", ["1", "1"])]


def test_expand_a_header_then_collapse(shop: Shop):
    browser = shop.as_user("manager")
    document = doc(browser.page(pivot_url(measures="__count")))
    agrolait = document.xpath("//tbody//th[.//summary[contains(., 'Agrolait')]]")[0]
    menu = agrolait.xpath(".//div[@role='menu']")[0]
    assert menu.get("aria-label") == "Expand Agrolait by"
    link = menu.xpath(".//a[text()='Order date: month']/@href")[0]
    expanded = doc(browser.page(link))
    rows = body(expanded)
    assert (2, "January 2026") in [(level, label) for level, label, _ in rows]
    assert (2, "March 2026") in [(level, label) for level, label, _ in rows]
    # the expanded header now collapses its level
    collapse = expanded.xpath("//tbody//a[contains(@class, 'pivot-toggle')]"
                              "[contains(., 'Agrolait')]/@href")[0]
    assert parse_qs(urlsplit(collapse).query)["rows"] == ["customer_id"]
    collapsed = body(doc(browser.page(collapse)))
    assert max(level for level, _label, _ in collapsed) == 1
    # the Total header collapses everything; the column root too
    total = expanded.xpath("//tbody//a[contains(@class, 'pivot-toggle')]"
                           "[contains(., 'Total')]/@href")[0]
    assert [label for _l, label, _ in body(doc(browser.page(total)))] == ["Total"]
    no_columns = expanded.xpath("//thead//a[contains(@class, 'pivot-toggle')]/@href")[0]
    assert column_headers(doc(browser.page(no_columns)))[0] == ["Total"]


def test_expand_columns_from_the_total_header(shop: Shop):
    browser = shop.as_user("manager")
    document = doc(browser.page(pivot_url(("cols", ""), measures="__count")))
    assert column_headers(document)[0] == ["Total"]
    link = document.xpath("//thead//div[@aria-label='Expand Total by']"
                          "//a[text()='Status']/@href")[0]
    headers = column_headers(doc(browser.page(link)))
    assert headers[1] == ["Quotation", "Confirmed", "Done"]


def test_swap_axes(shop: Shop):
    browser = shop.as_user("manager")
    document = doc(browser.page(pivot_url(measures="__count")))
    swap = document.xpath("//a[text()='Swap axes']/@href")[0]
    swapped = doc(browser.page(swap))
    assert column_headers(swapped)[1] == ["Agrolait", "Deco Addict", "Gemini Furniture"]
    assert [label for _l, label, _ in body(swapped)] == [
        "Total", "Quotation", "Confirmed", "Done"]
    assert body(swapped)[1][2] == ["1", "", "1", "2"]


def test_measure_menu_toggles_measures(shop: Shop):
    browser = shop.as_user("manager")
    document = doc(browser.page(pivot_url(("cols", ""))))
    menu = document.xpath("//div[@aria-label='Measures']")[0]
    # the only measure cannot be removed
    assert menu.xpath(".//span[@aria-checked='true']/text()") == ["Total"]
    add = menu.xpath(".//a[text()='Priority']/@href")[0]
    both = doc(browser.page(add))
    assert column_headers(both)[-1] == ["Total", "Priority"]
    [grand] = read_group(shop, ["priority:sum", "amount:sum"], [])
    assert body(both)[0][2] == [money(grand["amount"]), str(grand["priority"])]
    remove = both.xpath("//div[@aria-label='Measures']//a[text()='Total']/@href")[0]
    assert column_headers(doc(browser.page(remove)))[-1] == ["Priority"]


def test_csv_export(shop: Shop):
    with shop.database.env() as env:
        evil = env["ws.customer"].create({"name": "=HYPERLINK(\"http://x\")"}).id
    add_orders(shop, 1, customer_id=evil, name="EVIL-1")
    response = shop.as_user("manager").get(pivot_url(
        ("measures", "__count"), ("measures", "amount"), format="csv"))
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Customer", "Quotation / Count", "Quotation / Total",
                       "Confirmed / Count", "Confirmed / Total", "Done / Count",
                       "Done / Total", "Total / Count", "Total / Total"]
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert by_label["Total"] == ["3", "400", "1", "0", "1", "80", "5", "480"]
    assert by_label["Agrolait"] == ["1", "400", "", "", "1", "80", "2", "480"]
    assert by_label["'=HYPERLINK(\"http://x\")"] == ["1", "0", "", "", "", "", "1", "0"]


def test_csv_export_of_nested_rows_names_the_path(shop: Shop):
    response = shop.as_user("manager").get(pivot_url(
        ("rows", "customer_id"), ("rows", "state"), ("cols", ""), measures="__count",
        format="csv"))
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Customer / Status", "Count"]
    assert ["Agrolait / Done", "1"] in rows and ["Total", "4"] in rows


def test_no_data_shows_a_friendly_message(shop: Shop):
    url = pivot_url(d=json.dumps([["name", "=", "NOTHING"]]))
    document = doc(shop.as_user("manager").page(url))
    assert not document.xpath("//table[@class='pivot']")
    assert "No data to show" in texts(document, "//p[contains(@class, 'report-empty')]")[0]


def test_labels_are_escaped(shop: Shop):
    for number, payload in enumerate(XSS):
        with shop.database.env() as env:
            customer = env["ws.customer"].create({"name": payload}).id
        add_orders(shop, 1, customer_id=customer, name=f"XSS-{number}")
    html = shop.as_user("manager").page(pivot_url(("cols", "customer_id"),
                                                  ("rows", "customer_id")))
    for payload in XSS:
        assert payload not in html
    labels = [label for _l, label, _ in body(doc(html))]
    assert all(payload in labels for payload in XSS)
    assert all(payload in column_headers(doc(html))[1] for payload in XSS)


@pytest.mark.parametrize("query, message", [
    ({"measures": "name"}, "'name' cannot be measured"),
    ({"rows": "nope"}, "Order has no field 'nope' to group by"),
    ({"cols": "note"}, "Note cannot be used to group Order records"),
    ({"rows": "date_order:decade"}, "'decade' is not a period"),
])
def test_bad_parameters_say_why(shop: Shop, query, message):
    document = doc(shop.as_user("manager").page(pivot_url(**query)))
    assert message in " ".join(texts(document, "//p[contains(@class, 'warning')]"))
    assert document.xpath("//table[@class='pivot']")


def test_record_rules_apply(shop: Shop):
    document = doc(shop.as_user("sally").page(pivot_url(("cols", ""), measures="__count")))
    assert [(label, values) for _l, label, values in body(document)] == [
        ("Total", ["3"]), ("Agrolait", ["2"]), ("Gemini Furniture", ["1"])]


def test_queries_do_not_grow_with_the_records(shop: Shop):
    browser = shop.as_user("manager")
    url = pivot_url(("rows", "customer_id"), ("rows", "state"), ("cols", "is_urgent"),
                    ("measures", "amount"), ("measures", "__count"))

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
                                 "state": ["draft", "confirmed", "done"][n % 3],
                                 "is_urgent": n % 2 == 0} for n in range(195)])
    many = statements()
    assert len(many) == len(few), "\n".join(many)
