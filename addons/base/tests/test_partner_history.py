"""A customer's History tab and smart buttons: base's entries (activities, emails, SMS),
another addon's (the probe in tests/addons_history) until it is uninstalled, escaping,
query counts, and attachments on customers."""

from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from addons.base.models.partner_history import render_history
from addons.base.tests.partner_support import team_world, unique
from tests.conftest import ENGINES
from tests.security_support import count_queries
from tests.web_support import doc, texts

PROBE_ADDONS = Path(__file__).resolve().parents[3] / "tests" / "addons_history"
PROBE = "partner_history_probe"


@pytest.fixture(scope="module", params=ENGINES)
def world(request, tmp_path_factory):
    """base and the probe addon installed, with the sales team."""
    with team_world(request, tmp_path_factory, addons_paths=[PROBE_ADDONS],
                    addons=("base", PROBE)) as team:
        yield team



def company_with_contact(env, **values):
    company = env["res.partner"].create({"name": unique("Company"), "is_company": True,
                                         "owner_id": False, **values})
    contact = env["res.partner"].create({"name": "Trần Thị Bình", "parent_id": company.id})
    return company, contact


def entries_text(history_html: str) -> list[str]:
    return texts(doc(f"<div>{history_html}</div>"), "//li")




def test_history_lists_activities_emails_and_sms_newest_first(world):
    with world.env() as env:
        company, contact = company_with_contact(env)
        company.activity_schedule("base.activity_type_call", summary="Call about prices",
                                  date_deadline="2029-05-01", user_id=world.users["sally"])
        done = contact.activity_schedule("base.activity_type_meeting", summary="Visit",
                                         date_deadline="2020-01-01")
        done.action_done(feedback="Went well")
        company.message_post(body="<p>Quotation attached</p>", message_type="email")
        contact.message_post(body="Your order ships today", message_type="sms")
        company.message_post(body="<p>Internal note, not history</p>")
        entries = entries_text(company.history_html)
        document = doc(f"<div>{company.history_html}</div>")
        company_id, contact_id = company.id, contact.id
    kinds = texts(document, "//li/strong[@class='history-kind']")
    assert kinds == ["Order", "Activity", "SMS", "Email", "Activity done"], entries
    assert "Call: Call about prices" in entries[1] and "for Sally Seller" in entries[1]
    assert "Your order ships today" in entries[2] and "Trần Thị Bình" in entries[2]
    assert "Quotation attached" in entries[3]
    assert "Meeting done: Visit" in entries[4] and "Went well" in entries[4]
    assert not any("Internal note" in e for e in entries)
    links = document.xpath("//a/@href")
    assert f"/web/res.partner/{contact_id}" in links and f"/web/res.partner/{company_id}" in links


def test_another_addons_entries_are_merged_and_escaped(world):
    with world.env() as env:
        company, _contact = company_with_contact(env)
        html = company.history_html
    first = doc(f"<div>{html}</div>").xpath("//li")[0]
    assert first.xpath(".//time/@datetime")[0].startswith("2030-01-02T03:04:05")
    assert first.xpath(".//a")[0].text_content() == f"Probe order <b>{company.id}</b>"
    assert f"Probe order &lt;b&gt;{company.id}&lt;/b&gt;" in html
    assert "Total 1,000 €" in first.text_content()


def test_rendering_escapes_everything_and_links_only_to_records():
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    html = render_history([
        {"date": "2026-03-01T02:00:00", "kind": "email", "title": "<script>x</script>",
         "model": "res.partner\"><script>", "res_id": 3, "summary": "<img src=x onerror=y>"},
        {"date": "not a date", "kind": "email", "title": "dropped"},
        "not an entry",
    ], zone)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "href" not in html  # a model name that is no model name gets no link
    assert "2026-03-01 09:00" in html  # shown in the user's time zone
    assert "dropped" not in html
    assert "Nothing yet" in render_history([], zone)


def test_the_form_shows_the_tab_and_the_buttons(world):
    with world.env() as env:
        company, contact = company_with_contact(env)
        company.activity_schedule("base.activity_type_todo", summary="Send the catalogue",
                                  user_id=world.users["sally"])
        contact.activity_schedule("base.activity_type_todo", summary="Sam's task",
                                  user_id=world.users["sam"])
        company_id, name = company.id, company.name
    browser = world.browser("sally")
    page = doc(browser.page(f"/web/res.partner/{company_id}"))
    assert "History" in texts(page, "//a[@role='tab']")
    history = texts(page, "//section[@id='tab-history']//li")
    assert any("To-Do: Send the catalogue" in e for e in history)
    assert any("To-Do: Sam's task" in e for e in history)
    assert page.xpath("//section[@id='tab-history']//a[starts-with(@href, '/web/')]")
    assert not page.xpath("//textarea[@name='history_html']")
    buttons = dict(zip(texts(page, "//a[contains(@class, 'smart-button')]/*[@class='label']"),
                       texts(page, "//a[contains(@class, 'smart-button')]/*[@class='count']"),
                       strict=True))
    assert buttons == {"Contacts": "1", "My activities": "1", "Probe documents": "7"}
    target = page.xpath("//a[contains(@class, 'smart-button')][contains(., 'Contacts')]"
                        "/@href")[0]
    listing = texts(doc(browser.page(target + "&view=list")),
                    "//tr[contains(@class, 'record')]/td[2]")
    assert listing == [f"{name}, Trần Thị Bình"]
    target = page.xpath("//a[contains(@class, 'smart-button')][contains(., 'My activities')]"
                        "/@href")[0]
    mine = browser.page(target)
    assert "Send the catalogue" in mine and "Sam's task" not in mine


def test_history_costs_the_same_queries_for_3_or_30_messages(world):
    def cost(count: int) -> int:
        with world.env() as env:
            company, contact = company_with_contact(env)
            for index in range(count):
                (company if index % 2 else contact).message_post(
                    body=f"<p>Email {index}</p>", message_type="email")
                company.activity_schedule("base.activity_type_call", summary=f"Call {index}")
            company_id = company.id
        with world.env("sally") as env:  # a new transaction: nothing cached
            partner = env["res.partner"].browse(company_id)
            with count_queries(world.database) as statements:
                html = partner.history_html
            assert len(entries_text(html)) == 1 + 2 * count
        return len(statements)

    assert cost(3) == cost(30)


def test_an_attachment_uploaded_on_a_customer_shows_on_its_form(world):
    with world.env() as env:
        company, _contact = company_with_contact(env)
        company_id = company.id
    browser = world.browser("sally")
    browser.page(f"/web/res.partner/{company_id}")
    response = browser.post(f"/web/res.partner/{company_id}/attachments",
                            {"file": (io.BytesIO(b"%PDF-1.4 price list"),
                                      "bảng giá.pdf"),
                             "back": f"/web/res.partner/{company_id}"},
                            content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with world.env() as env:
        files = env["ir.attachment"].search([("res_model", "=", "res.partner"),
                                            ("res_id", "=", company_id)])
        assert files.mapped("name") == ["bảng giá.pdf"]
        assert files.raw == b"%PDF-1.4 price list"
    assert "bảng giá.pdf" in browser.page(f"/web/res.partner/{company_id}")


def test_another_addons_score_adds_to_the_groups(world):
    with world.env() as env:
        vip = env["res.partner.group"].create({"name": unique("VIP"), "potential_score": 70})
        partner = env["res.partner"].create({"name": unique("Probe"), "group_ids": [vip.id],
                                             "email": "an@probe.example"})
        plain = env["res.partner"].create({"name": unique("Plain"), "group_ids": [vip.id]})
        assert (partner.potential_score, partner.potential_stars) == (85, "4")
        assert (plain.potential_score, plain.potential_stars) == (70, "3")


def test_uninstalling_the_addon_removes_its_entries_and_buttons(world):
    with world.env() as env:
        company, _contact = company_with_contact(env, email="co@probe.example")
        company_id = company.id
        assert company.potential_score == 15
    browser = world.browser("sally")
    assert "Probe documents" in browser.page(f"/web/res.partner/{company_id}")
    try:
        with world.env() as env:
            env.addons.uninstall([PROBE])
        html = browser.page(f"/web/res.partner/{company_id}")
        assert "Probe documents" not in html and "Probe order" not in html
        assert "My activities" in html
        with world.env() as env:
            partner = env["res.partner"].browse(company_id)
            assert "Probe order" not in partner.history_html
            env["res.partner"]._update_potential_all()
            assert partner.potential_score == 0
    finally:
        with world.env() as env:
            env.addons.install([PROBE])
