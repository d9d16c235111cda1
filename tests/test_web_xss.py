"""XSS: payloads stored in every kind of field (char, text, html, many2one display name,
many2many tag name, one2many line, currency symbol, user name) or typed in URLs (search
facets, smart button labels, notices, login error and redirect, field errors) are
escaped in lists, groups, forms, facets, breadcrumbs and error pages; html fields are
sanitized.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.web_support import XSS, Shop, doc


@pytest.fixture(scope="module")
def evil(shop: Shop) -> dict:
    """Per payload: a customer, tag, currency and category named by it, an order using
    them with the payload in its char, text, html fields and in a line, and a user named
    by it (login evil0, evil1)."""
    made = {}
    with shop.database.env() as env:
        for index, payload in enumerate(XSS):
            category = env["ws.category"].create({"name": payload})
            customer = env["ws.customer"].create({"name": payload, "city": payload,
                                                  "category_id": category.id})
            tag = env["ws.tag"].create({"name": payload})
            currency = env["ws.currency"].create({"name": payload, "symbol": payload})
            order = env["ws.order"].create({
                "name": payload, "customer_id": customer.id, "currency_id": currency.id,
                "note": payload, "description": f"<p>{payload}</p>",
                "tag_ids": [(6, 0, [tag.id])], "state": "done" if index else "draft",
                "line_ids": [(0, 0, {"product": payload, "price": 1, "tag_id": tag.id})]})
            env["res.users"].create({
                "name": payload, "login": f"evil{index}", "password": f"evil-secret-{index}",
                "groups_id": [(6, 0, [env.ref("base.group_user").id])]})
            made[payload] = {"customer": customer.id, "order": order.id, "tag": tag.id}
    return made


def assert_escaped(html: str, payload: str, shown: bool = True) -> None:
    """The payload is not markup: neither in the HTML as such nor as an element or an
    attribute of the parsed page; when `shown`, it is visible as text."""
    assert payload not in html
    page = doc(html)
    for script in page.xpath("//script"):
        assert script.get("src", "").startswith("/web/static/")
    assert not page.xpath("//*[@onerror or @onload or @onclick]")
    assert not page.xpath("//img[@src='x']") or "html-value" in html
    if shown:
        assert payload in page.text_content() or page.xpath(
            "//@*[contains(., 'alert(1)')]"), "the payload was not rendered at all"


@pytest.mark.parametrize("payload", XSS)
def test_list_escapes_every_cell(shop: Shop, evil, payload):
    """Name, customer, tag and currency symbol cells of the list."""
    html = shop.as_user("manager").page("/web/ws.order?" + urlencode({"s": f"name:{payload}"}))
    assert_escaped(html, payload)
    assert len(doc(html).xpath("//tr[contains(@class, 'record')]")) == 1


@pytest.mark.parametrize("payload", XSS)
def test_grouped_list_escapes_group_labels(shop: Shop, evil, payload):
    """Group rows named by a customer, opened to show the rows."""
    customer = evil[payload]["customer"]
    html = shop.as_user("manager").page(f"/web/ws.order?g=customer_id&open=/{customer}")
    assert_escaped(html, payload)


@pytest.mark.parametrize("payload", XSS)
def test_form_escapes_every_widget(shop: Shop, evil, payload):
    """char, text, html, many2one, many2many, one2many line, monetary symbol, title
    and breadcrumbs of the order form (editable and read-only)."""
    html = shop.as_user("manager").page(f"/web/ws.order/{evil[payload]['order']}")
    assert_escaped(html, payload)


@pytest.mark.parametrize("payload", XSS)
def test_html_field_is_sanitized_when_shown_as_html(shop: Shop, evil, payload):
    """The stored html has no script nor event handler left."""
    with shop.database.env() as env:
        stored = env["ws.order"].browse(evil[payload]["order"]).description
    assert "<script" not in stored and "onerror" not in stored


@pytest.mark.parametrize("payload", XSS)
def test_customer_form_and_smart_button(shop: Shop, evil, payload):
    """The customer form (name, city, category) and its smart button link."""
    html = shop.as_user("manager").page(f"/web/ws.customer/{evil[payload]['customer']}")
    assert_escaped(html, payload)


@pytest.mark.parametrize("payload", XSS)
def test_facets_and_related_label_escape_the_text(shop: Shop, evil, payload):
    """Search facets, their remove links and a smart button's dl= label."""
    query = urlencode([("s", f"name:{payload}"), ("s", f"customer_id:{payload}"),
                       ("d", json.dumps([["id", ">", 0]])), ("dl", payload)])
    html = shop.as_user("manager").page(f"/web/ws.order?{query}")
    assert_escaped(html, payload)


@pytest.mark.parametrize("payload", XSS)
def test_search_warning_escapes_the_text(shop: Shop, evil, payload):
    """A word searched in a number field is echoed escaped in the warning."""
    html = shop.as_user("manager").page("/web/ws.order?" +
                                        urlencode({"s": f"priority:{payload}"}))
    assert_escaped(html, payload)


@pytest.mark.parametrize("payload", XSS)
def test_notice_parameters_are_not_reflected(shop: Shop, evil, payload):
    """notice= only picks a known message; n= is a number."""
    html = shop.as_user("manager").page("/web/ws.order?" +
                                        urlencode({"notice": payload, "n": payload}))
    assert_escaped(html, payload, shown=False)
    html = shop.as_user("manager").page("/web/ws.order?" +
                                        urlencode({"notice": "deleted", "n": payload}))
    assert_escaped(html, payload, shown=False)


@pytest.mark.parametrize("payload", XSS)
def test_login_error_and_redirect_are_escaped(shop: Shop, payload):
    """The login typed and the redirect target are echoed escaped."""
    browser = shop.browser()
    page = doc(browser.page("/web/login"))
    token = page.xpath("//input[@name='csrf_token']/@value")[0]
    response = browser.post("/web/login", {"login": payload, "password": "x",
                                           "redirect": f"/web/{payload}",
                                           "csrf_token": token})
    assert response.status_code == 401
    assert_escaped(response.get_data(as_text=True), payload)
    html = browser.page("/web/login?" + urlencode({"redirect": f"/web?x={payload}"}))
    assert_escaped(html, payload)


@pytest.mark.parametrize("payload", XSS)
def test_field_errors_escape_what_was_typed(shop: Shop, evil, payload):
    """A refused value (and the many2one text) is shown back escaped."""
    browser = shop.as_user("manager")
    order = evil[payload]["order"]
    response = browser.submit(f"/web/ws.order/{order}" if payload == XSS[0] else
                              "/web/ws.order/new",
                              {"priority": payload, "customer_id__display": payload + "?",
                               "tag_ids__add": payload + "?"})
    assert response.status_code == 400
    assert_escaped(response.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", XSS)
def test_user_name_in_the_top_bar(shop: Shop, evil, payload):
    """A user named by the payload sees it escaped in the user menu."""
    browser = shop.browser()
    index = XSS.index(payload)
    assert browser.login(f"evil{index}", f"evil-secret-{index}").status_code == 303
    assert_escaped(browser.page("/web/ws.order"), payload)


@pytest.mark.parametrize("payload", XSS)
def test_confirmation_page_escapes_the_names(shop: Shop, evil, payload):
    """The delete confirmation lists the records' names escaped."""
    response = shop.as_user("manager").post("/web/ws.order/actions", {
        "action": "delete", "ids": str(evil[payload]["order"])})
    assert response.status_code == 200
    assert_escaped(response.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", XSS)
def test_autocomplete_answers_json_not_html(shop: Shop, evil, payload):
    """Suggestions are JSON (application/json, nosniff): the browser never runs them."""
    response = shop.as_user("manager").get("/web/ws.order/autocomplete?" + urlencode(
        {"field": "customer_id", "q": payload}))
    assert response.content_type == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json() == [{"id": evil[payload]["customer"], "name": payload}]


@pytest.mark.parametrize("payload", XSS)
def test_unknown_paths_are_not_reflected(shop: Shop, payload):
    """A payload in the path of a 404 page is escaped."""
    response = shop.as_user("manager").get("/web/" + payload.replace(" ", "%20"))
    assert response.status_code == 404
    assert_escaped(response.get_data(as_text=True), payload, shown=False)
