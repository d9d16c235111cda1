"""Logging in and out, and the menus."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

anonymous = pytest.mark.browser_context_args(storage_state=None)


@anonymous
def test_failed_login_says_why_and_keeps_the_login(page: Page, log_in):
    page.goto("/web")
    expect(page).to_have_url(re.compile(r"/web/login"))
    log_in(page, password="not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Wrong login or password")
    expect(page.get_by_label("Login")).to_have_value("sally")
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_role("navigation", name="Apps")).to_have_count(0)


@anonymous
def test_log_in_then_log_out(page: Page, log_in):
    page.goto("/web/ws.customer")
    expect(page).to_have_url(re.compile(r"/web/login\?redirect="))
    log_in(page)
    # back where the visitor wanted to go
    expect(page).to_have_url(re.compile(r"/web/ws\.customer"))
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()

    page.get_by_role("button", name="Sally Seller").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/web/login"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    # the session is over: pages ask to log in again
    page.goto("/web/ws.order")
    expect(page).to_have_url(re.compile(r"/web/login"))


def test_menus_open_the_lists(page: Page):
    page.goto("/web/preferences")
    apps = page.get_by_role("navigation", name="Apps")
    expect(page.get_by_role("navigation", name="Shop")).to_have_count(0)
    apps.get_by_role("link", name="Shop").click()
    # the app opens its first entry
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    expect(apps.get_by_role("link", name="Shop")).to_have_attribute("aria-current", "page")
    side = page.get_by_role("navigation", name="Shop")
    expect(side.get_by_text("Sales")).to_be_visible()
    # the Configuration menu is for administrators only
    expect(side.get_by_role("link", name="Tags")).to_have_count(0)

    side.get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    expect(side.get_by_role("link", name="Customers")).to_have_attribute("aria-current", "page")
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="Agrolait")).to_have_count(1)
    expect(rows.filter(has_text="Deco Addict")).to_contain_text("Paris")

    side.get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    expect(rows.filter(has_text="SO-DECO-1")).to_contain_text("Confirmed")

    # a row opens its record
    rows.filter(has_text="SO-DECO-1").get_by_role("cell", name="Deco Addict").click()
    expect(page.get_by_label("Reference")).to_have_value("SO-DECO-1")
    breadcrumbs = page.get_by_role("navigation", name="Breadcrumbs")
    breadcrumbs.get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
