"""The form's buttons: header buttons (object methods, their invisible conditions, the
form saved before the call), smart buttons of the `form_buttons` hook, and duplicate /
delete.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web_support import (
    Shop,
    add_orders,
    doc,
    input_value,
    lines_of,
    list_names,
    notice,
    order_with_lines,
    texts,
)

pytestmark = pytest.mark.usefixtures("clean_shop")  # what a test adds is deleted after it


@pytest.fixture
def order(shop: Shop) -> int:
    """A quotation of sally's with two lines (Desk 2 x 50, Lamp 1 x 20)."""
    return order_with_lines(shop)


def test_header_buttons_follow_their_invisible_conditions(shop: Shop):
    """Confirm shows on quotations, Mark as done on confirmed orders, none when done."""
    buttons = "//div[@class='header-buttons']/button"
    browser = shop.as_user("manager")
    assert texts(doc(browser.page(f"/web/ws.order/{shop.orders['sally']}")), buttons) == \
        ["Confirm"]
    assert texts(doc(browser.page(f"/web/ws.order/{shop.orders['sam']}")), buttons) == \
        ["Mark as done"]
    assert texts(doc(browser.page(f"/web/ws.order/{shop.orders['done']}")), buttons) == []


def test_object_button_saves_then_calls_the_method(shop: Shop, order):
    """Confirm posts the form to /call/action_confirm: the typed changes are saved, then
    the method runs."""
    browser = shop.as_user("sally")
    page = doc(browser.page(f"/web/ws.order/{order}"))
    action = page.xpath("//div[@class='header-buttons']/button/@formaction")[0]
    assert urlsplit(action).path == f"/web/ws.order/{order}/call/action_confirm"
    pairs = [(k, v) for k, v in page.get_element_by_id("record-form").form_values()
             if k != "priority"] + [("priority", "7")]
    response = browser.post(action, pairs)
    assert response.status_code == 303 and notice(response) == "done"
    with shop.database.env() as env:
        record = env["ws.order"].browse(order)
        assert (record.state, record.priority) == ("confirmed", 7)


def test_button_of_a_new_record_creates_then_calls(shop: Shop):
    """Confirm on the new form creates the order (with its line), then confirms it."""
    browser = shop.as_user("sally")
    response = browser.submit("/web/ws.order/new", {
        "name": "NEW-CONFIRMED", "customer_id__display": "Agrolait",
        "line_ids.0.product": "Bench", "line_ids.0.price": "80"},
        action="/web/ws.order/new/call/action_confirm")
    assert response.status_code == 303
    with shop.database.env() as env:
        created = env["ws.order"].search([("name", "=", "NEW-CONFIRMED")])
        assert (created.state, created.amount) == ("confirmed", 80.0)
    assert urlsplit(response.location).path == f"/web/ws.order/{created.id}"


def test_refused_button_of_a_new_record_creates_nothing(shop: Shop):
    """Confirm on a new order without lines shows the error on the new form, and no
    order is created."""
    response = shop.as_user("sally").submit("/web/ws.order/new", {
        "name": "NEW-EMPTY", "customer_id__display": "Agrolait"},
        action="/web/ws.order/new/call/action_confirm")
    assert response.status_code == 400
    assert "has no line" in response.get_data(as_text=True)
    assert input_value(response.get_data(as_text=True), "name") == "NEW-EMPTY"
    with shop.database.env() as env:
        assert not env["ws.order"].search([("name", "=", "NEW-EMPTY")])


def test_button_refused_by_the_method_saves_nothing(shop: Shop):
    """Confirm without lines shows the UserError; the typed changes are not saved."""
    [empty] = add_orders(shop, 1)
    browser = shop.as_user("sally")
    response = browser.submit(f"/web/ws.order/{empty}", {"priority": "7"},
                              action=f"/web/ws.order/{empty}/call/action_confirm")
    assert response.status_code == 400
    assert "has no line" in response.get_data(as_text=True)
    with shop.database.env() as env:
        assert (env["ws.order"].browse(empty).priority,
                env["ws.order"].browse(empty).state) == (0, "draft")


@pytest.mark.parametrize("method", ["action_mark_urgent", "unlink", "_compute_amount",
                                    "write", "nothing"])
def test_only_the_arch_buttons_can_be_called(shop: Shop, order, method):
    """/call/<method> runs only object buttons of the form's arch."""
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}",
                                            action=f"/web/ws.order/{order}/call/{method}")
    assert response.status_code == 400
    with shop.database.env() as env:
        record = env["ws.order"].browse(order)
        assert record.exists() and not record.is_urgent


def test_invisible_button_cannot_be_called(shop: Shop):
    """Mark as done is invisible on a quotation: calling it anyway is refused."""
    [quotation] = add_orders(shop, 1)
    response = shop.as_user("sally").submit(
        f"/web/ws.order/{quotation}", action=f"/web/ws.order/{quotation}/call/action_done")
    assert response.status_code == 400
    with shop.database.env() as env:
        assert env["ws.order"].browse(quotation).state == "draft"


def test_smart_button_counts_and_opens_the_orders(shop: Shop):
    """The customer form's "Orders" button (form_buttons hook) counts the orders the
    user may see and opens them in a list (d= domain, dl= label)."""
    browser = shop.as_user("sally")
    page = doc(browser.page(f"/web/ws.customer/{shop.customers['agrolait']}"))
    assert texts(page, "//a[contains(@class, 'smart-button')]/span") == ["2", "Orders"]
    link = page.xpath("//a[contains(@class, 'smart-button')]/@href")[0]
    parts = urlsplit(link)
    assert parts.path == "/web/ws.order"
    query = parse_qs(parts.query)
    assert json.loads(query["d"][0]) == [["customer_id", "=", shop.customers["agrolait"]]]
    assert query["dl"] == ["Orders"]
    assert sorted(list_names(browser.page(link))) == ["SO-DONE", "SO-SALLY"]
    page = doc(shop.as_user("sally").page(f"/web/ws.customer/{shop.customers['deco']}"))
    assert texts(page, "//a[contains(@class, 'smart-button')]/span") == ["0", "Orders"]


def test_duplicate_opens_the_copy(shop: Shop, order):
    """Duplicate copies the record with its lines and opens the copy with a notice."""
    browser = shop.as_user("sally")
    response = browser.submit(f"/web/ws.order/{order}", form_id="duplicate-form")
    assert response.status_code == 303 and notice(response) == "duplicated"
    copy_id = int(urlsplit(response.location).path.rsplit("/", 1)[1])
    assert copy_id != order
    assert [line[0] for line in lines_of(shop, copy_id)] == ["Desk", "Lamp"]
    assert "This is a copy" in browser.page(response.location)


def test_delete_from_the_form(shop: Shop, order):
    """Delete removes the record and goes back to the list with a notice."""
    browser = shop.as_user("sally")
    response = browser.submit(f"/web/ws.order/{order}", form_id="delete-form")
    assert response.status_code == 303 and notice(response) == "deleted"
    assert urlsplit(response.location).path == "/web/ws.order"
    with shop.database.env() as env:
        assert not env["ws.order"].browse(order).exists()


def test_forbidden_record_cannot_be_deleted_or_copied(shop: Shop):
    """Sally cannot delete or duplicate Sam's order by posting to its URLs."""
    browser = shop.as_user("sally")
    browser.page("/web/ws.order")
    sam_order = shop.orders["sam"]
    assert browser.post(f"/web/ws.order/{sam_order}/delete").status_code == 403
    assert browser.post(f"/web/ws.order/{sam_order}/duplicate").status_code == 403
    with shop.database.env() as env:
        assert env["ws.order"].search_count([("name", "=", "SO-SAM")]) == 1
