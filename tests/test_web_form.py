"""The form view: a widget per field type (values in the user's time zone, monetary with
its currency), notebook pages, create / save / discard, validation errors shown next to
their field with what was typed kept and nothing written, HTML sanitized on save, and
the 404 and 403 pages of records.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import pytest

from tests.web_support import (
    Shop,
    add_orders,
    doc,
    field_error,
    input_value,
    notice,
    texts,
)

pytestmark = pytest.mark.usefixtures("clean_shop")  # what a test adds is deleted after it


def order_values(shop: Shop, order_id: int, *names) -> dict:
    """Stored values of an order (superuser)."""
    with shop.database.env() as env:
        return env["ws.order"].browse(order_id).read(list(names))[0]


def test_form_shows_a_widget_per_field_type(shop: Shop):
    """char, many2one (id and name), many2many tags, boolean, date, datetime, integer,
    float, text and html inputs, monetary as read-only text with its symbol."""
    html = shop.as_user("manager").page(f"/web/ws.order/{shop.orders['sally']}")
    page = doc(html)
    assert input_value(html, "name") == "SO-SALLY"
    assert input_value(html, "customer_id") == str(shop.customers["agrolait"])
    assert input_value(html, "customer_id__display") == "Agrolait"
    assert page.xpath("//input[@name='tag_ids'][@checked]/@value") == [str(shop.tags["red"])]
    assert texts(page, "//label[@class='tag']") == ["Red"]
    assert page.xpath("//input[@name='is_urgent'][@type='checkbox']")
    assert page.xpath("//input[@name='date_order']/@type") == ["date"]
    assert input_value(html, "date_order") == "2026-01-15"
    assert page.xpath("//input[@name='deadline']/@type") == ["datetime-local"]
    assert input_value(html, "priority") == "3"
    assert input_value(html, "discount") == "5.0"
    assert input_value(html, "note") == "Deliver in the morning"
    assert input_value(html, "description") == "<p>Oak <b>chairs</b></p>"
    assert texts(page, "//*[@id='field-amount']") == ["400.00 €"]
    assert not page.xpath("//input[@name='amount']")


def test_datetime_is_shown_and_read_in_the_user_time_zone(shop: Shop):
    """Sally (UTC+7) sees 17:30 for 10:30 UTC, and what she types is stored in UTC."""
    [order] = add_orders(shop, 1, deadline="2026-01-20 10:30:00")
    browser = shop.as_user("sally")
    assert input_value(browser.page(f"/web/ws.order/{order}"), "deadline") == \
        "2026-01-20T17:30"
    assert input_value(shop.as_user("sam").page(f"/web/ws.order/{order}"), "deadline") == \
        "2026-01-20T10:30"
    response = browser.submit(f"/web/ws.order/{order}", {"deadline": "2026-01-21T08:00"})
    assert response.status_code == 303
    assert str(order_values(shop, order, "deadline")["deadline"]).startswith(
        "2026-01-21 01:00")


def test_notebook_pages_and_header(shop: Shop):
    """Notebook pages as tabs; the status bar marks the state."""
    page = doc(shop.as_user("manager").page(f"/web/ws.order/{shop.orders['sam']}"))
    assert texts(page, "//div[@role='tablist']/*[@role='tab']") == ["Lines", "Notes"]
    assert texts(page, "//ol[contains(@class, 'statusbar')]/li[@aria-current]") == \
        ["Confirmed"]


def test_new_form_has_the_defaults(shop: Shop):
    """/new shows the defaults: state draft, no lines; default_<field> in the URL."""
    html = shop.as_user("sally").page(
        f"/web/ws.order/new?default_customer_id={shop.customers['deco']}&default_note=Hi")
    assert input_value(html, "customer_id__display") == "Deco Addict"
    assert input_value(html, "note") == "Hi"
    assert texts(doc(html), "//ol[contains(@class, 'statusbar')]/li[@aria-current]") == \
        ["Quotation"]
    assert not doc(html).xpath("//tr[@data-line][not(@data-new-line)]")


@pytest.mark.parametrize("query", [
    "default_customer_id=999999", "default_customer_id=99999999999999999999",
    "default_customer_id=\N{SUPERSCRIPT TWO}", "default_deadline=abc",
    "default_date_order=2026-99-99", "default_priority=abc", "default_discount=nan",
    "default_is_urgent=maybe", "default_line_ids=1", "default_nothing=1",
    "active_model=ws.order&active_ids=1,\N{SUPERSCRIPT TWO},99999999999999999999,x",
    "active_model=no.model&active_ids=1"])
def test_defaults_in_the_url_that_are_no_values_are_ignored(shop: Shop, query):
    """default_<field> values that are no values of the field give an empty field."""
    html = shop.as_user("sally").page(f"/web/ws.order/new?{query}")
    assert input_value(html, "customer_id") == ""
    assert input_value(html, "deadline") == ""


def test_datetime_default_in_the_url_is_in_the_user_time_zone(shop: Shop):
    """default_deadline is read in the user's time zone and shown back as typed."""
    html = shop.as_user("sally").page("/web/ws.order/new?default_deadline=2026-05-01T09:15")
    assert input_value(html, "deadline") == "2026-05-01T09:15"


def test_create_from_the_new_form(shop: Shop):
    """Posting the new form creates the record and opens it with a notice."""
    browser = shop.as_user("sally")
    response = browser.submit("/web/ws.order/new", {
        "name": "WEB-NEW", "customer_id__display": "Gemini Furniture", "priority": "7",
        "date_order": "2026-04-01", "is_urgent": "1", "note": "typed"})
    assert response.status_code == 303 and notice(response) == "created"
    with shop.database.env() as env:
        order = env["ws.order"].search([("name", "=", "WEB-NEW")])
        assert (order.customer_id.name, order.priority, str(order.date_order),
                order.is_urgent, order.note, order.state) == (
            "Gemini Furniture", 7, "2026-04-01", True, "typed", "draft")
    assert response.location.startswith(f"/web/ws.order/{order.id}")
    assert "Created." in browser.page(response.location)


def test_save_writes_only_what_changed(shop: Shop):
    """Saving the form writes the changed fields and keeps the others."""
    [order] = add_orders(shop, 1, priority=4, note="keep me")
    browser = shop.as_user("sally")
    response = browser.submit(f"/web/ws.order/{order}", {"priority": "9", "is_urgent": "1"})
    assert response.status_code == 303 and notice(response) == "saved"
    values = order_values(shop, order, "priority", "is_urgent", "note", "name")
    assert (values["priority"], values["is_urgent"], values["note"], values["name"]) == \
        (9, True, "keep me", "NEW-1")
    assert "Saved." in browser.page(response.location)


def test_read_only_fields_are_not_written(shop: Shop):
    """A computed field posted anyway (Total) is ignored."""
    [order] = add_orders(shop, 1)
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", {"amount": "999"})
    assert response.status_code == 303
    assert order_values(shop, order, "amount")["amount"] == 0


def test_unticking_a_boolean_clears_it(shop: Shop):
    """An unticked checkbox (absent from the post) sets the boolean to False."""
    [order] = add_orders(shop, 1, is_urgent=True)
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", drop=("is_urgent",))
    assert response.status_code == 303
    assert order_values(shop, order, "is_urgent")["is_urgent"] is False


def test_discard_reloads_the_saved_values(shop: Shop):
    """Discard is a link to the form itself: nothing typed is kept."""
    page = doc(shop.as_user("sally").page(f"/web/ws.order/{shop.orders['sally']}"))
    assert page.xpath("//a[@data-discard]/@href")[0].startswith(
        f"/web/ws.order/{shop.orders['sally']}")


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("discount", "150", "A discount is between 0 and 100 %, not 150."),
    ("priority", "abc", "'abc' is not a whole number"),
    ("discount", "lots", "'lots' is not a number"),
    ("date_order", "2026-13-45", "is not a date"),
    ("deadline", "tomorrow", "is not a date and time"),
    ("name", "", "Reference is required"),
    ("priority", "99999999999", "is too big"),
    ("discount", "nan", "'nan' is not a number"),
    ("discount", "1e999", "'1e999' is not a number"),
])
def test_invalid_value_is_shown_next_to_its_field(shop: Shop, field, typed, message):
    """The error shows next to the field, the typed value is kept, nothing is written."""
    [order] = add_orders(shop, 1, priority=4)
    browser = shop.as_user("sally")
    response = browser.submit(f"/web/ws.order/{order}", {field: typed, "note": "new note"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in field_error(html, field)
    assert input_value(html, field) == typed
    assert input_value(html, "note") == "new note"
    assert texts(doc(html), "//p[@data-form-error]")
    values = order_values(shop, order, "note", "priority", "name")
    assert (values["note"], values["priority"], values["name"]) == (False, 4, "NEW-1")


def test_missing_required_many2one_keeps_the_other_values(shop: Shop):
    """A new order without a customer is refused next to Customer; nothing created."""
    response = shop.as_user("sally").submit("/web/ws.order/new", {
        "name": "NO-CUSTOMER", "customer_id__display": "", "customer_id": "",
        "priority": "2"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Customer is required" in field_error(html, "customer_id")
    assert input_value(html, "name") == "NO-CUSTOMER" and input_value(html, "priority") == "2"
    with shop.database.env() as env:
        assert not env["ws.order"].search([("name", "=", "NO-CUSTOMER")])


def test_bad_email_on_a_customer(shop: Shop):
    """The customer's email constraint shows next to Email; the customer is unchanged."""
    browser = shop.as_user("sally")
    path = f"/web/ws.customer/{shop.customers['deco']}"
    response = browser.submit(path, {"email": "not-an-email", "city": "Lille"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "is not an email address" in field_error(html, "email")
    assert input_value(html, "email") == "not-an-email" and input_value(html, "city") == "Lille"
    with shop.database.env() as env:
        customer = env["ws.customer"].browse(shop.customers["deco"])
        assert (customer.email, customer.city) == ("deco@example.com", "Paris")


def test_failed_create_keeps_the_new_form(shop: Shop):
    """A refused new record shows the new form again (posting to /new), nothing made."""
    response = shop.as_user("sally").submit("/web/ws.customer/new", {
        "name": "Bad mail", "email": "nope"})
    assert response.status_code == 400
    assert doc(response).xpath("//form[@id='record-form']/@action")[0].startswith(
        "/web/ws.customer/new")
    with shop.database.env() as env:
        assert not env["ws.customer"].search([("name", "=", "Bad mail")])


def test_html_is_sanitized_on_save(shop: Shop):
    """Scripts and event handlers are removed from an html field; markup stays."""
    [order] = add_orders(shop, 1)
    shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "description": '<p onclick="alert(1)">Hi <b>there</b><script>alert(2)</script>'
                       '<a href="javascript:alert(3)">x</a></p>'})
    stored = order_values(shop, order, "description")["description"]
    assert "<b>there</b>" in stored
    for bad in ("script", "onclick", "javascript:", "alert(2)"):
        assert bad not in stored


def test_text_keeps_its_line_breaks_and_spaces(shop: Shop):
    """A text field is stored as typed (not stripped or reformatted)."""
    [order] = add_orders(shop, 1)
    shop.as_user("sally").submit(f"/web/ws.order/{order}", {"note": "  line 1\r\nline 2"})
    assert order_values(shop, order, "note")["note"] in ("  line 1\r\nline 2",
                                                         "  line 1\nline 2")


@pytest.fixture
def state_form(shop: Shop):
    """An action on orders whose form view shows the state as a selection input."""
    with shop.database.env() as env:
        view = env["ir.ui.view"].create({
            "name": "order with state", "model": "ws.order", "type": "form",
            "priority": 99, "arch": '<form><sheet><group><field name="name"/>'
                                    '<field name="state"/></group></sheet></form>'})
        action = env["ir.actions.window"].create({
            "name": "Orders by state", "res_model": "ws.order", "view_id": view.id})
        ids = action.id, view.id
    yield ids[0]
    with shop.database.env() as env:
        env["ir.actions.window"].browse(ids[0]).unlink()
        env["ir.ui.view"].browse(ids[1]).unlink()


def test_selection_is_a_select_of_labels(shop: Shop, state_form):
    """A selection field is a select with the labels, the value selected; saving a
    label's value writes it."""
    [order] = add_orders(shop, 1)
    path = f"/web/ws.order/{order}?action={state_form}"
    browser = shop.as_user("sally")
    select = doc(browser.page(path)).xpath("//select[@name='state']")[0]
    assert [(o.get("value"), o.text) for o in select.xpath("option")] == [
        ("draft", "Quotation"), ("confirmed", "Confirmed"), ("done", "Done")]
    assert select.xpath("option[@selected]/@value") == ["draft"]
    assert browser.submit(path, {"state": "confirmed"}).status_code == 303
    assert order_values(shop, order, "state")["state"] == "confirmed"


def test_selection_value_outside_the_list_is_refused(shop: Shop, state_form):
    """A posted value that is not among the options is an error next to the field."""
    [order] = add_orders(shop, 1)
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}?action={state_form}",
                                            {"state": "shipped"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "state")
    assert order_values(shop, order, "state")["state"] == "draft"


def test_model_without_views_gets_generated_ones(shop: Shop):
    """A model without views or action (ws.category) has a generated list and form."""
    browser = shop.as_user("sally")
    html = browser.page("/web/ws.category")
    assert "Retail" in texts(doc(html), "//tr[contains(@class, 'record')]/td[2]")
    html = browser.page(f"/web/ws.category/{shop.categories['retail']}")
    assert input_value(html, "name") == "Retail"
    response = browser.submit("/web/ws.category/new", {"name": "Online"})
    assert response.status_code == 303
    with shop.database.env() as env:
        assert env["ws.category"].search([("name", "=", "Online")]).unlink() is not False


def test_missing_record_is_a_404_page(shop: Shop):
    """A deleted record's form is a 404 page with the layout."""
    html = shop.as_user("sally").page("/web/ws.order/999999", 404)
    assert "does not exist" in html
    assert texts(doc(html), "//span[@class='code']") == ["404"]


def test_forbidden_record_is_a_403_page(shop: Shop):
    """Sally opening Sam's order gets a 403 page that does not show the order."""
    html = shop.as_user("sally").page(f"/web/ws.order/{shop.orders['sam']}", 403)
    assert "SO-SAM" not in html
    assert texts(doc(html), "//span[@class='code']") == ["403"]


def test_model_without_access_is_a_403_page(shop: Shop):
    """ws.secret has no access line: its list and records are 403 pages."""
    assert "The recipe" not in shop.as_user("sally").page("/web/ws.secret", 403)
    assert "The recipe" not in shop.as_user("manager").page(
        f"/web/ws.secret/{shop.secret}", 403)
    shop.as_user("sally").page("/web/ws.secret/new", 403)


def test_forbidden_record_cannot_be_saved(shop: Shop):
    """Posting Sam's order as Sally is refused and writes nothing."""
    browser = shop.as_user("sally")
    browser.page("/web/ws.order")
    response = browser.post(f"/web/ws.order/{shop.orders['sam']}", {"priority": "99"})
    assert response.status_code == 403
    assert order_values(shop, shop.orders["sam"], "priority")["priority"] == 5


@pytest.mark.parametrize("path", ["/web/ws.order/abc", "/web/ws.order/-3",
                                  "/web/ws.order/99999999999999999999",
                                  "/web/no.such.model/1", "/web/no.such.model/new",
                                  "/web/ws.order/1.5", "/web/ws.order/%00"])
def test_bad_record_urls_are_404(shop: Shop, path):
    """Ids that are no ids and unknown models are 404 pages, never server errors."""
    shop.as_user("sally").page(path, 404)


def test_monetary_without_currency_shows_the_plain_amount(shop: Shop):
    """A monetary field whose currency is empty shows the number alone."""
    [order] = add_orders(shop, 1)
    html = shop.as_user("sally").page(f"/web/ws.order/{order}")
    assert texts(doc(html), "//*[@id='field-amount']") == ["0.00"]
