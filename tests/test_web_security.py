"""Security of the HTML web client: the CSRF token on every state-changing request, the
security headers of every response (CSP without inline script, X-Frame-Options DENY,
nosniff), pages without inline script, and one transaction per request: server errors
show no traceback and save nothing, lost races are retried. (XSS payloads:
tests/test_web_xss.py.)

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import logging

import pytest

from core.exceptions import RetryableError
from core.web import page
from tests.web_support import Shop, add_orders, doc

pytestmark = pytest.mark.usefixtures("clean_shop")  # what a test adds is deleted after it


def assert_secure_headers(response) -> None:
    """The headers every response of the web client carries."""
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def assert_no_inline_script(html: str) -> None:
    """Scripts come from files of this site; no event handler or javascript: URL."""
    page = doc(html)
    for script in page.xpath("//script"):
        assert script.get("src", "").startswith("/web/static/"), script.get("src")
        assert not (script.text or "").strip()
    for element in page.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert not value.strip().lower().startswith("javascript:"), (element.tag, value)


def post_routes(shop: Shop, order: int) -> list[tuple[str, dict]]:
    """Every state-changing route of the web client, with data that would change
    something if the request were accepted."""
    return [
        ("/web/ws.order/actions", {"action": "delete", "ids": str(order), "confirmed": "1"}),
        ("/web/ws.order/actions", {"action": "mark_urgent", "ids": str(order)}),
        ("/web/ws.order/new", {"name": "CSRF-NEW", "customer_id": str(shop.customers["deco"])}),
        (f"/web/ws.order/{order}", {"priority": "42"}),
        (f"/web/ws.order/{order}/delete", {}),
        (f"/web/ws.order/{order}/duplicate", {}),
        (f"/web/ws.order/{order}/call/action_confirm", {}),
        ("/web/preferences", {"old_password": "sally-secret-1", "new_password": "x" * 10,
                              "confirm_password": "x" * 10}),
        ("/web/logout", {}),
    ]


def assert_untouched(shop: Shop, order: int) -> None:
    """The order of a refused request is as it was, and nothing was created."""
    with shop.database.env() as env:
        record = env["ws.order"].browse(order)
        assert record.exists() and record.priority == 0 and not record.is_urgent
        assert record.state == "draft"
        assert env["ws.order"].search_count([]) == len(shop.orders) + 1


@pytest.mark.parametrize("index", range(9))
def test_post_without_csrf_token_is_refused(shop: Shop, index):
    """Each state-changing route answers 403 without the token and changes nothing."""
    [order] = add_orders(shop, 1, line_ids=[(0, 0, {"product": "Pen", "price": 1})])
    path, data = post_routes(shop, order)[index]
    browser = shop.as_user("sally")
    response = browser.post(path, data, csrf=False)
    assert response.status_code == 403
    assert "This form has expired" in response.get_data(as_text=True)
    assert_untouched(shop, order)
    assert browser.get("/web/ws.order").status_code == 200  # still logged in


@pytest.mark.parametrize("index", range(9))
def test_post_with_another_sessions_token_is_refused(shop: Shop, index):
    """A token of another session (e.g. the attacker's own) is refused."""
    [order] = add_orders(shop, 1, line_ids=[(0, 0, {"product": "Pen", "price": 1})])
    path, data = post_routes(shop, order)[index]
    attacker = shop.as_user("sam")
    victim = shop.as_user("sally")
    response = victim.post(path, {**data, "csrf_token": attacker.csrf_token})
    assert response.status_code == 403
    assert_untouched(shop, order)


def test_csrf_token_in_a_header_is_accepted(shop: Shop):
    """Scripts may send the token in X-CSRF-Token instead of the form field."""
    [order] = add_orders(shop, 1)
    browser = shop.as_user("sally")
    response = browser.post("/web/ws.order/actions", {"action": "mark_urgent",
                                                      "ids": str(order)},
                            csrf=False, headers={"X-CSRF-Token": browser.csrf_token})
    assert response.status_code == 303


def test_csrf_token_is_per_session(shop: Shop):
    """Two sessions of one user have different tokens; the token is in the page's meta."""
    first, second = shop.browser("sam"), shop.browser("sam")
    assert first.csrf_token and second.csrf_token and first.csrf_token != second.csrf_token
    page = doc(first.page("/web/ws.order"))
    assert page.xpath("//meta[@name='csrf-token']/@content") == [first.csrf_token]
    assert first.csrf_token in page.xpath("//form[@method='post']"
                                          "/input[@name='csrf_token']/@value")


def test_get_requests_change_nothing(shop: Shop):
    """State-changing URLs do not accept GET (no change by a link or an image)."""
    [order] = add_orders(shop, 1)
    browser = shop.as_user("sally")
    for path in (f"/web/ws.order/{order}/delete", f"/web/ws.order/{order}/duplicate",
                 f"/web/ws.order/{order}/call/action_confirm", "/web/ws.order/actions"):
        assert browser.get(path).status_code == 405
    assert_untouched(shop, order)


@pytest.mark.parametrize("path", [
    "/web/login", "/web/ws.order", "/web/ws.order?g=customer_id", "/web/ws.order/new",
    "/web/ws.customer", "/web/preferences", "/web/logout", "/web/ws.order/999999",
    "/web/nothing", "/web/ws.secret"])
def test_every_page_has_the_security_headers_and_no_inline_script(shop: Shop, path):
    """Pages, error pages included, carry the headers and need no inline script."""
    browser = shop.browser() if path == "/web/login" else shop.as_user("sally")
    response = browser.get(path)
    assert response.content_type == "text/html; charset=utf-8"
    assert_secure_headers(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert_no_inline_script(response.get_data(as_text=True))


def test_form_pages_need_no_inline_script(shop: Shop):
    """A form with every widget, a one2many and a smart button has no inline script."""
    browser = shop.as_user("sally")
    assert_no_inline_script(browser.page(f"/web/ws.order/{shop.orders['sally']}"))
    assert_no_inline_script(browser.page(f"/web/ws.customer/{shop.customers['agrolait']}"))


def test_other_responses_have_the_security_headers(shop: Shop):
    """Redirects, JSON, CSV exports and static files carry the headers too."""
    browser = shop.as_user("sally")
    responses = [
        shop.browser().get("/web/ws.order"),
        browser.get("/web/ws.order/autocomplete?field=customer_id&q=a"),
        browser.post("/web/ws.order/actions", {"action": "export",
                                               "ids": str(shop.orders["sally"])}),
        browser.get("/web/static/tessera.js"),
        browser.get("/web/static/nothing.js"),
    ]
    assert [r.status_code for r in responses] == [302, 200, 200, 200, 404]
    for response in responses:
        assert_secure_headers(response)
        response.close()  # static files are streamed from an open file


def test_static_files_are_cached_pages_are_not(shop: Shop):
    """Static files may be cached; pages never (they hold the CSRF token)."""
    browser = shop.as_user("sally")
    static = browser.get("/web/static/tessera.css")
    static.close()
    assert "max-age" in static.headers["Cache-Control"]
    assert browser.get("/web/ws.order").headers["Cache-Control"] == "no-store"


def test_server_error_shows_no_traceback_and_saves_nothing(shop: Shop, monkeypatch, caplog):
    """An unexpected error after a write is a 500 page without details, logged, and
    the write is rolled back."""
    [order] = add_orders(shop, 1)
    browser = shop.as_user("sally")

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(page.Page, "redirect", broken)  # after the action's write
    with caplog.at_level(logging.ERROR, logger="core.web.app"):
        response = browser.post("/web/ws.order/actions", {
            "action": "mark_urgent", "ids": str(order)})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    assert_secure_headers(response)
    assert "secret internals" in caplog.text
    with shop.database.env() as env:
        assert not env["ws.order"].browse(order).is_urgent


def test_lost_race_is_retried_from_the_start(shop: Shop, monkeypatch):
    """A request that loses a race (RetryableError) runs again in a new transaction."""
    [order] = add_orders(shop, 1)
    redirect, calls = page.Page.redirect, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RetryableError("serialization failure")
        return redirect(*args, **kwargs)

    monkeypatch.setattr(page.Page, "redirect", staticmethod(flaky))
    response = shop.as_user("sally").post("/web/ws.order/actions", {
        "action": "mark_urgent", "ids": str(order)})
    assert response.status_code == 303 and len(calls) == 2
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).is_urgent


def test_request_losing_every_race_is_a_503(shop: Shop, monkeypatch):
    """After the retries, the user is told to try again; nothing is saved."""
    [order] = add_orders(shop, 1)

    def busy(*args, **kwargs):
        raise RetryableError("serialization failure")

    monkeypatch.setattr(page.Page, "redirect", staticmethod(busy))
    response = shop.as_user("sally").post("/web/ws.order/actions", {
        "action": "mark_urgent", "ids": str(order)})
    assert response.status_code == 503
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert_secure_headers(response)
    with shop.database.env() as env:
        assert not env["ws.order"].browse(order).is_urgent


def test_failed_request_is_rolled_back(shop: Shop):
    """A request answered with an error writes nothing, even what ran before the
    error."""
    [order] = add_orders(shop, 1)
    browser = shop.as_user("sally")
    response = browser.submit(f"/web/ws.order/{order}", {"priority": "5"},
                              action=f"/web/ws.order/{order}/call/action_confirm")
    assert response.status_code == 400
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).priority == 0


def test_sql_typed_in_a_field_is_stored_as_text(shop: Shop):
    """SQL in a form field is stored as it was typed, and the table is still there."""
    [order] = add_orders(shop, 1)
    sql = "'; DROP TABLE ws_order; --"
    assert shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "name": sql, "note": sql}).status_code == 303
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).name == sql
        assert env["ws.order"].search_count([]) == len(shop.orders) + 1
