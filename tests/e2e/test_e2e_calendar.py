"""The calendar of meetings in a real browser: switch between day, week and month, move
through periods, and create an event by clicking an empty slot."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

CALENDAR = "/web/ws.meeting?view=calendar&date=2026-11-25"


def heading(page: Page):
    return page.locator("h2.cal-heading")


def test_switch_modes_and_periods(page: Page, shop):
    page.goto(CALENDAR)
    expect(heading(page)).to_have_text("23 - 29 November 2026")
    expect(page.locator("[data-day]")).to_have_count(7)
    modes = page.get_by_role("navigation", name="Calendar mode")
    modes.get_by_role("link", name="Month").click()
    expect(heading(page)).to_have_text("November 2026")
    expect(page.locator(".cal-month-week")).to_have_count(6)
    page.get_by_role("link", name="Next month").click()
    expect(heading(page)).to_have_text("December 2026")
    modes.get_by_role("link", name="Day").click()
    expect(heading(page)).to_have_text("Tuesday 1 December 2026")
    expect(page.locator("[data-day]")).to_have_count(1)
    page.get_by_role("link", name="Previous day").click()
    expect(heading(page)).to_have_text("Monday 30 November 2026")
    modes.get_by_role("link", name="Week").click()
    expect(heading(page)).to_have_text("30 Nov - 6 Dec 2026")


def test_click_a_slot_to_create_an_event(page: Page, shop):
    name = shop.unique("MEET")
    page.goto(CALENDAR)
    page.locator("a[data-slot='2026-11-26T10:00']").click()
    expect(page).to_have_url(re.compile(r"/web/ws\.meeting/new\?"))
    expect(page.get_by_label("Start")).to_have_value("2026-11-26T10:00")
    expect(page.get_by_label("Stop")).to_have_value("2026-11-26T11:00")
    page.get_by_label("Subject").fill(name)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Created.")
    page.goto(CALENDAR)
    event = page.locator("[data-day='2026-11-26'] a[data-event]", has_text=name)
    expect(event).to_be_visible()
    expect(event).to_contain_text("10:00 - 11:00")
    event.click()
    expect(page.get_by_label("Subject")).to_have_value(name)
