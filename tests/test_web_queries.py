"""Query counts of the web pages: a list page costs the same number of SQL statements
for 5 rows as for 80 (many2one, many2many and monetary columns included), and a form
the same for 2 one2many lines as for 40. Counted with a `before_cursor_execute`
listener on the engine, after a first request has warmed the caches.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.security_support import count_queries
from tests.web_support import Shop, list_names

BULK = "/web/ws.order?" + urlencode({"d": json.dumps([["name", "=like", "BULK-%"]])})



pytestmark = pytest.mark.usefixtures("clean_shop")  # what a test adds is deleted after it


def add_bulk_orders(shop: Shop, start: int, count: int) -> None:
    """Orders BULK-<n>, unassigned, spread over customers, currencies and tags."""
    customers = list(shop.customers.values())[:3]
    currencies = list(shop.currencies.values())
    tags = list(shop.tags.values())
    with shop.database.env() as env:
        env["ws.order"].create([{
            "name": f"BULK-{number:03d}", "customer_id": customers[number % 3],
            "currency_id": currencies[number % 2], "priority": number,
            "tag_ids": [(6, 0, tags[: number % 3])]}
            for number in range(start, start + count)])


def add_lines(shop: Shop, order_id: int, count: int) -> None:
    """`count` lines on an order, spread over the tags."""
    tags = [*shop.tags.values(), False]
    with shop.database.env() as env:
        env["ws.order.line"].create([{
            "order_id": order_id, "product": f"Item {number}", "quantity": number,
            "price": 2.5, "tag_id": tags[number % 3]} for number in range(count)])


def statements_of(browser, path: str, database) -> list[str]:
    """The SQL statements of one GET of `path` (after a first request warmed up)."""
    browser.page(path)
    with count_queries(database) as statements:
        browser.page(path)
    return statements


@pytest.mark.parametrize("login", ["manager", "sally"])
def test_list_page_costs_the_same_for_5_and_80_rows(shop: Shop, login):
    """80 rows with many2one, many2many and monetary columns cost as many queries as 5
    (the record rule included for sally)."""
    browser = shop.as_user(login)
    add_bulk_orders(shop, 0, 5)
    few = statements_of(browser, BULK, shop.database)
    assert len(list_names(browser.page(BULK))) == 5
    add_bulk_orders(shop, 5, 75)
    many = statements_of(browser, BULK, shop.database)
    assert len(list_names(browser.page(BULK))) == 80
    assert len(many) == len(few), "\n".join(many)


def test_list_page_counts_only_when_more_pages_follow(shop: Shop):
    """The first page of 85 records costs one count more than a last page; the second
    page (5 rows) costs no more than a single page."""
    browser = shop.as_user("manager")
    add_bulk_orders(shop, 0, 80)
    single = statements_of(browser, BULK, shop.database)
    add_bulk_orders(shop, 80, 5)
    first = statements_of(browser, BULK, shop.database)
    second = statements_of(browser, BULK + "&p=2", shop.database)
    assert len(list_names(browser.page(BULK + "&p=2"))) == 5
    assert len(first) == len(single) + 1
    assert len(second) == len(single)


def test_open_group_costs_the_same_for_few_and_many_rows(shop: Shop):
    """An open group of 80 rows costs as many queries as one of 5."""
    browser = shop.as_user("manager")
    path = BULK + "&g=is_urgent&open=/none"
    add_bulk_orders(shop, 0, 5)
    few = statements_of(browser, path, shop.database)
    add_bulk_orders(shop, 5, 75)
    many = statements_of(browser, path, shop.database)
    assert len(many) == len(few)


@pytest.mark.parametrize("login", ["manager", "sally"])
def test_form_costs_the_same_for_2_and_40_lines(shop: Shop, login):
    """A form with 40 one2many lines (with a many2one column) costs as many queries as
    one with 2."""
    browser = shop.as_user(login)
    with shop.database.env() as env:
        order = env["ws.order"].create({
            "name": "LINES", "customer_id": shop.customers["agrolait"],
            "currency_id": shop.currencies["eur"], "tag_ids": [(6, 0, [shop.tags["red"]])]})
        order_id = order.id
    add_lines(shop, order_id, 2)
    few = statements_of(browser, f"/web/ws.order/{order_id}", shop.database)
    add_lines(shop, order_id, 38)
    many = statements_of(browser, f"/web/ws.order/{order_id}", shop.database)
    assert browser.page(f"/web/ws.order/{order_id}").count('name="line_ids.39.product"') == 1
    assert len(many) == len(few), "\n".join(many)


def test_customer_form_costs_the_same_with_many_orders(shop: Shop):
    """The customer form's smart button counts the orders in one query, whatever their
    number."""
    browser = shop.as_user("sally")
    with shop.database.env() as env:
        customer = env["ws.customer"].create({"name": "Counted"}).id
    path = f"/web/ws.customer/{customer}"
    none = statements_of(browser, path, shop.database)
    with shop.database.env() as env:
        env["ws.order"].create([{"name": f"C-{n}", "customer_id": customer}
                                for n in range(40)])
    many = statements_of(browser, path, shop.database)
    assert len(many) == len(none)
