"""Meetings and phone calls of the crm addon in a real browser: schedule a meeting by
clicking a slot of the CRM calendar, and work through the call queue (mark a call held,
the next one opens).

The session's live server (conftest.py) runs the test shop without crm: this module
starts its own server on a database with base and crm, and a salesperson with the CRM
group, logged in through the login page.
"""

from __future__ import annotations

import re
import threading
import uuid

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from core import Database
from core.web import create_app

pytestmark = pytest.mark.e2e

LOGIN, PASSWORD = "carla", "carla-e2e-secret-1"
TIMEOUT_MS = 10_000


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6].upper()}"


class CrmServer:
    """A live server on a database with crm, and what the tests need from it."""

    def __init__(self, database: Database, url: str, user_id: int):
        self.database = database
        self.url = url
        self.user_id = user_id

    def ref(self, xmlid: str) -> int:
        with self.database.env() as env:
            return env.ref(xmlid).id

    def calls(self, *dates: str) -> list[int]:
        """Open calls of the salesperson at these dates (UTC); other open calls of theirs
        are cancelled, so that these make the queue."""
        with self.database.env() as env:
            calls = env["crm.phonecall"]
            calls.search([("user_id", "=", self.user_id), ("state", "=", "open")]).write(
                {"state": "cancelled"})
            return [calls.create({"name": unique("CALL"), "date": date,
                                  "user_id": self.user_id}).id for date in dates]

    def state(self, call_id: int) -> str:
        with self.database.env() as env:
            return env["crm.phonecall"].browse(call_id).state


@pytest.fixture(scope="module")
def crm_server(tmp_path_factory):
    """base + crm on a new SQLite database, a CRM salesperson, and a live server."""
    path = tmp_path_factory.mktemp("e2e-crm") / "crm.sqlite3"
    database = Database(f"sqlite:///{path}")
    with database.env() as env:
        env.addons.install(["base", "crm"])
        user_id = env["res.users"].create({
            "name": "Carla Caller", "login": LOGIN, "password": PASSWORD,
            "groups_id": [(6, 0, [env.ref("crm.group_crm_user").id])]}).id
    server = make_server("127.0.0.1", 0, create_app(database), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-crm", daemon=True)
    thread.start()
    try:
        yield CrmServer(database, f"http://127.0.0.1:{server.server_port}", user_id)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        database.dispose()


@pytest.fixture
def crm_page(browser, crm_server):
    """A page of a new browser context on the crm server, logged in as the salesperson
    (fails on any JavaScript error)."""
    context = browser.new_context(base_url=crm_server.url,
                                  viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/web/login")
    page.get_by_label("Login").fill(LOGIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Apps")).to_be_visible()
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_schedule_a_meeting_from_the_calendar(crm_page: Page, crm_server):
    page = crm_page
    name = unique("MEET")
    page.get_by_role("navigation", name="Apps").get_by_role("link", name="CRM").click()
    page.get_by_role("link", name="All meetings").click()
    expect(page).to_have_url(re.compile(r"/web/calendar\.event\?action=\d+"))
    page.goto(page.url + "&date=2026-11-25")
    page.locator("a[data-slot='2026-11-26T10:00']").click()
    expect(page).to_have_url(re.compile(r"/web/calendar\.event/new\?"))
    expect(page.get_by_label("Start")).to_have_value("2026-11-26T10:00")
    expect(page.get_by_label("End", exact=True)).to_have_value("2026-11-26T11:00")
    page.get_by_label("Subject").fill(name)
    page.get_by_label("Location").fill("Hanoi office")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Created.")
    expect(page.get_by_role("link", name=re.compile(r"Download as iCalendar"))).to_be_visible()
    action = crm_server.ref("crm.action_meetings")
    page.goto(f"/web/calendar.event?action={action}&date=2026-11-25")
    event = page.locator("[data-day='2026-11-26'] a[data-event]", has_text=name)
    expect(event).to_be_visible()
    expect(event).to_contain_text("10:00 - 11:00")


def test_mark_a_call_held_and_the_next_one_opens(crm_page: Page, crm_server):
    page = crm_page
    first, second = crm_server.calls("2026-11-20 08:00:00", "2026-11-20 09:30:00")
    page.get_by_role("navigation", name="Apps").get_by_role("link", name="CRM").click()
    page.get_by_role("link", name="Next calls").click()
    page.locator(f"tr.record a[href^='/web/crm.phonecall/{first}?']").click()
    expect(page).to_have_url(re.compile(rf"/web/crm\.phonecall/{first}\b"))
    page.get_by_label("Duration (minutes)").fill("3")
    page.get_by_role("button", name="Held", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/web/crm\.phonecall/{second}\b"))
    expect(page.get_by_role("button", name="Held", exact=True)).to_be_visible()
    assert crm_server.state(first) == "held"
    page.get_by_role("button", name="Not held").click()
    expect(page).to_have_url(re.compile(r"/web/crm\.phonecall\?action=\d+$"))
    assert crm_server.state(second) == "not_held"
