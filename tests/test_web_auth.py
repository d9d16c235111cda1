"""Logging in and out of the web client: argon2 passwords, sessions kept in the database
behind an HttpOnly SameSite=Lax cookie, the failed-login limit per login and per address,
the login redirect, and the password change that ends the other sessions.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from core.security.sessions import LOGIN_MAX_FAILURES, digest
from core.web import create_app
from tests.web_support import PASSWORDS, Browser, Shop, doc, texts


@pytest.fixture
def user(shop: Shop):
    """A user of its own (login `walt`, password `walt-secret-1`), deleted afterwards
    with its sessions and failed logins."""
    with shop.database.env() as env:
        uid = env["res.users"].create({
            "name": "Walt", "login": "walt", "password": "walt-secret-1",
            "groups_id": [(6, 0, [env.ref("base.group_user").id])]}).id
    yield uid
    with shop.database.env() as env:
        env["res.users.login.attempt"].search([]).unlink()
        env["res.users"].browse(uid).unlink()


def cookie_header(response, name: str) -> str:
    """The Set-Cookie header of cookie `name`."""
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


def sessions_of(shop: Shop, uid: int) -> list[str]:
    """The stored session id hashes of a user."""
    with shop.database.env() as env:
        return env["res.users.session"].search([("user_id", "=", uid)]).mapped("sid_hash")


def test_login_page_gives_an_anonymous_csrf_cookie(shop: Shop):
    """The login form carries a CSRF token that its HttpOnly cookie matches."""
    browser = shop.browser()
    response = browser.get("/web/login")
    assert response.status_code == 200
    token = doc(response).xpath("//input[@name='csrf_token']/@value")[0]
    header = cookie_header(response, "tessera_csrf")
    assert header.startswith(f"tessera_csrf={token};")
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_login_opens_a_database_session_behind_an_httponly_cookie(shop: Shop, user):
    """A right password opens a session: cookie HttpOnly and SameSite=Lax, only the hash
    of its id stored."""
    browser = shop.browser()
    response = browser.login("walt", "walt-secret-1")
    assert response.status_code == 303 and response.location == "/web"
    header = cookie_header(response, "tessera_session")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    sid = header.split(";")[0].split("=", 1)[1]
    assert sessions_of(shop, user) == [digest(sid)]
    assert "Walt" in browser.page("/web/preferences")


def test_cookies_are_secure_behind_https(shop: Shop, user):
    """With secure_cookies (behind HTTPS), the session and CSRF cookies are Secure."""
    browser = Browser(create_app(shop.database, secure_cookies=True))
    assert "Secure" in cookie_header(browser.get("/web/login"), "tessera_csrf")
    assert "Secure" in cookie_header(browser.login("walt", "walt-secret-1"), "tessera_session")


def test_wrong_password_is_refused_and_keeps_the_login(shop: Shop, user):
    """A wrong password shows the error, keeps the login typed and opens no session."""
    browser = shop.browser()
    response = browser.login("walt", "not-the-password")
    assert response.status_code == 401
    assert texts(doc(response), "//p[@role='alert']") == ["Wrong login or password."]
    assert doc(response).xpath("//input[@name='login']/@value") == ["walt"]
    assert not any(h.startswith("tessera_session=")
                   for h in response.headers.getlist("Set-Cookie"))
    assert sessions_of(shop, user) == []
    assert browser.get("/web/ws.order").status_code == 302


def test_unknown_login_gets_the_same_answer(shop: Shop):
    """An unknown login is refused with the same message as a wrong password."""
    response = shop.browser().login("nobody", "whatever-1")
    assert response.status_code == 401
    assert "Wrong login or password." in response.get_data(as_text=True)


def test_login_without_the_csrf_token_is_refused(shop: Shop, user):
    """A login posted without the form's token (login CSRF) is refused."""
    browser = shop.browser()
    browser.get("/web/login")
    response = browser.post("/web/login", {"login": "walt", "password": "walt-secret-1"},
                            csrf=False)
    assert response.status_code == 403
    assert sessions_of(shop, user) == []


def test_failed_logins_are_limited_per_login(shop: Shop, user):
    """After too many failures, even the right password is refused for that login; the
    failures are recorded in res.users.login.attempt."""
    for number in range(LOGIN_MAX_FAILURES):
        browser = shop.browser(ip=f"10.1.0.{number}")
        assert browser.login("walt", "wrong-guess").status_code == 401
    with shop.database.env() as env:
        attempts = env["res.users.login.attempt"].search([("login", "=", "walt")])
        assert len(attempts) == LOGIN_MAX_FAILURES
    response = shop.browser(ip="10.1.0.99").login("walt", "walt-secret-1")
    assert response.status_code == 401
    assert "Too many failed logins" in response.get_data(as_text=True)
    assert sessions_of(shop, user) == []
    assert shop.browser().login("sam").status_code == 303  # other logins are not blocked


def test_failed_logins_are_limited_per_address(shop: Shop, user):
    """An address that failed with many logins is refused; another address is not."""
    for number in range(4 * LOGIN_MAX_FAILURES):
        assert shop.browser(ip="10.2.0.1").login(f"guess{number}", "x").status_code == 401
    response = shop.browser(ip="10.2.0.1").login("walt", "walt-secret-1")
    assert response.status_code == 401 and "Too many" in response.get_data(as_text=True)
    assert shop.browser(ip="10.2.0.2").login("walt", "walt-secret-1").status_code == 303


def test_pages_redirect_to_login_with_the_way_back(shop: Shop):
    """An anonymous GET goes to the login page, which leads back after login."""
    browser = shop.browser()
    response = browser.get("/web/ws.customer?s=city:Paris")
    assert response.status_code == 302
    parts = urlsplit(response.location)
    assert parts.path == "/web/login"
    target = parse_qs(parts.query)["redirect"][0]
    assert target == "/web/ws.customer?s=city:Paris"
    page = browser.page(response.location)
    assert doc(page).xpath("//input[@name='redirect']/@value") == [target]
    token = doc(page).xpath("//input[@name='csrf_token']/@value")[0]
    response = browser.post("/web/login", {"login": "sam", "password": PASSWORDS["sam"],
                                           "redirect": target, "csrf_token": token})
    assert response.status_code == 303 and response.location == target


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "javascript:alert(1)", "web/ws.order"])
def test_login_never_redirects_off_site(shop: Shop, target):
    """The redirect after login stays on this site."""
    browser = shop.browser()
    page = browser.page("/web/login")
    token = doc(page).xpath("//input[@name='csrf_token']/@value")[0]
    response = browser.post("/web/login", {"login": "sam", "password": PASSWORDS["sam"],
                                           "redirect": target, "csrf_token": token})
    assert response.status_code == 303 and response.location == "/web"


def test_anonymous_post_is_refused_without_running(shop: Shop):
    """A state-changing request without a session gets 401, not the action."""
    browser = shop.browser()
    browser.get("/web/login")
    response = browser.post(f"/web/ws.order/{shop.orders['open']}/delete")
    assert response.status_code == 401
    with shop.database.env() as env:
        assert env["ws.order"].browse(shop.orders["open"]).exists()


def test_logged_in_visitor_skips_the_login_form(shop: Shop):
    """The login page sends a logged-in user on to the target."""
    browser = shop.browser("sam")
    response = browser.get("/web/login?redirect=/web/ws.customer")
    assert response.status_code == 302 and response.location == "/web/ws.customer"


def test_logout_ends_the_session(shop: Shop, user):
    """POST /web/logout deletes the session and the cookie; the old cookie is dead."""
    browser = shop.browser()
    sid = cookie_header(browser.login("walt", "walt-secret-1"), "tessera_session") \
        .split(";")[0].split("=", 1)[1]
    response = browser.post("/web/logout")
    assert response.status_code == 303 and response.location == "/web/login"
    assert cookie_header(response, "tessera_session").startswith("tessera_session=;")
    assert sessions_of(shop, user) == []
    replay = shop.browser()
    replay.client.set_cookie("tessera_session", sid)
    assert replay.get("/web/ws.order").status_code == 302


def test_logout_page_asks_before_logging_out(shop: Shop, user):
    """GET /web/logout only shows the button (no logout by a link or an image)."""
    browser = shop.browser()
    browser.login("walt", "walt-secret-1")
    page = browser.page("/web/logout")
    assert doc(page).xpath("//main//form[@action='/web/logout']//button")
    assert len(sessions_of(shop, user)) == 1


def test_logout_without_csrf_token_is_refused(shop: Shop, user):
    """A logout posted from another site (no token) does nothing."""
    browser = shop.browser()
    browser.login("walt", "walt-secret-1")
    assert browser.post("/web/logout", csrf=False).status_code == 403
    assert len(sessions_of(shop, user)) == 1


def test_password_change_ends_the_other_sessions(shop: Shop, user):
    """Changing one's password keeps this browser logged in and logs out the others."""
    here, elsewhere = shop.browser(), shop.browser()
    here.login("walt", "walt-secret-1")
    elsewhere.login("walt", "walt-secret-1")
    response = here.post("/web/preferences", {
        "old_password": "walt-secret-1", "new_password": "walt-secret-2",
        "confirm_password": "walt-secret-2"})
    assert response.status_code == 303
    assert "Your password was changed." in here.page(response.location)
    assert elsewhere.get("/web/ws.order").status_code == 302
    assert len(sessions_of(shop, user)) == 1
    assert shop.browser().login("walt", "walt-secret-1").status_code == 401
    assert shop.browser().login("walt", "walt-secret-2").status_code == 303


@pytest.mark.parametrize(("old", "new", "confirm", "message"), [
    ("wrong-password", "walt-secret-2", "walt-secret-2", "The current password is wrong"),
    ("walt-secret-1", "walt-secret-2", "walt-secret-3", "The two new passwords differ"),
    ("walt-secret-1", "short", "short", "at least 8 characters"),
])
def test_refused_password_change_changes_nothing(shop: Shop, user, old, new, confirm, message):
    """A wrong old password, a mistyped confirmation or a short password change nothing."""
    browser = shop.browser()
    browser.login("walt", "walt-secret-1")
    response = browser.post("/web/preferences", {
        "old_password": old, "new_password": new, "confirm_password": confirm})
    assert response.status_code == 400
    assert message in " ".join(texts(doc(response), "//p[@role='alert']"))
    assert browser.get("/web/ws.order").status_code == 200
    assert shop.browser().login("walt", "walt-secret-1").status_code == 303


def test_archived_user_is_logged_out(shop: Shop, user):
    """The session of a user who is archived stops working."""
    browser = shop.browser()
    browser.login("walt", "walt-secret-1")
    with shop.database.env() as env:
        env["res.users"].browse(user).write({"active": False})
    assert browser.get("/web/ws.order").status_code == 302
    with shop.database.env() as env:
        env["res.users"].browse(user).write({"active": True})


def test_passwords_are_stored_as_argon2_hashes(shop: Shop, user):
    """No clear password in the database: an argon2id hash."""
    with shop.database.env() as env:
        stored = env["res.users"].browse(user).password_hash
    assert stored.startswith("$argon2id$") and "walt-secret-1" not in stored
