"""Send SMS in a real browser: from the customers' Actions menu to the wizard, whose
counter shows the length and SMS parts as one types, counted as the server counts."""

import re

import pytest
from playwright.sync_api import Page, expect

from addons.base.models.sms_provider import measure

pytestmark = pytest.mark.e2e

SAMPLES = ["", "Hello", "a" * 160, "a" * 161, "€" * 81, "a" * 152 + "[" + "a" * 152,
           "Xin chào, đơn hàng của bạn đã sẵn sàng", "Ваш заказ готов", "ы" * 135,
           "Hi 🙂", "line\r\nline", "{[]}~^|\\\f"]


def test_the_wizard_counts_as_you_type_and_sends(page: Page, shop):
    prefix = shop.unique("E2E-SMS")
    with shop.database.env() as env:
        sally = env["res.users"].search([("login", "=", "sally")])
        ids = env["res.partner"].create([
            {"name": f"{prefix}-{n}", "is_company": True, "owner_id": sally.id,
             "mobile": f"+84 90 555 000{n}"} for n in (1, 2)]).ids
        action = env.ref("base.action_customers").id
    page.goto(f"/web/res.partner?action={action}&view=list&s=complete_name%3A{prefix}")
    for n in (1, 2):
        page.get_by_role("checkbox", name=f"Select {prefix}-{n}").check()
    page.get_by_label("Action on the selected records").select_option(label="Send SMS")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"/web/sms\.composer/new\?"))

    counter = page.locator("#sms-counter-body")
    expect(counter).to_have_text("0 characters, 0 SMS parts (GSM-7), 160 left")
    expect(page.locator(".nojs")).to_be_hidden()  # the as-saved length is for no-JS
    message = page.get_by_label("Message")
    message.fill("a" * 160)
    expect(counter).to_have_text("160 characters, 1 SMS (GSM-7), 0 left")
    message.press("b")
    expect(counter).to_have_text("161 characters, 2 SMS parts (GSM-7), 145 left")
    message.fill("Xin chào, đơn hàng của bạn đã sẵn sàng")
    expect(counter).to_have_text(measure("Xin chào, đơn hàng của bạn đã sẵn sàng").describe())
    # the browser counts every sample as the server does
    for text in SAMPLES:
        counted = page.evaluate("(text) => smsMeasure(text)", text)
        expected = measure(text)
        assert counted == {"encoding": expected.encoding, "length": expected.length,
                           "segments": expected.segments,
                           "remaining": expected.remaining}, text

    page.locator(".header-buttons").get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/web/sms\.composer/\d+"))
    expect(page.locator("#field-sms_ids tbody tr")).to_have_count(2)
    with shop.database.env() as env:
        queued = env["sms.sms"].search([("partner_id", "in", ids)])
        assert sorted(queued.mapped("number")) == ["+84905550001", "+84905550002"]
        assert set(queued.mapped("body")) == {"Xin chào, đơn hàng của bạn đã sẵn sàng"}
