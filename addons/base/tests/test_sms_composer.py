"""The Send SMS wizard: recipients (customers, their contacts, both), skipped partners,
refused input, who may send to whom, and the whole flow through the web client (the
customers' Actions menu, the wizard's form with its live counter, Send)."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from addons.base.models.sms_provider import measure
from core.exceptions import AccessError, UserError, ValidationError
from tests.web_support import doc, field_error, texts


def partner(env, name, **values):
    return env["res.partner"].create({"name": name, **values})


def compose(env, partners, body="Hello", **values):
    """A Send SMS wizard opened on `partners` as from the customers' list."""
    wizard = env["sms.composer"].with_context(active_model="res.partner",
                                              active_ids=partners.ids)
    return wizard.create({"body": body, **values})


@pytest.fixture
def company(env):
    """A company with a mobile, a contact with a phone, a contact sharing the company's
    number, a contact without number and an invoice address with a number."""
    agro = partner(env, "Agrolait", is_company=True, mobile="+84 90 100 0001")
    partner(env, "An Nguyen", parent_id=agro.id, phone="+84 24 3826 1234")
    partner(env, "Binh Tran", parent_id=agro.id, mobile="+84 90 100 0001")
    partner(env, "Chi Le", parent_id=agro.id)
    partner(env, "Accounts", parent_id=agro.id, type="invoice", phone="+84 24 1111 2222")
    return agro


@pytest.mark.parametrize(("recipients", "numbers"), [
    ("customer", ["+84901000001", "+84911111111"]),
    ("contacts", ["+84901000001", "+842438261234"]),
    ("both", ["+84901000001", "+84911111111", "+842438261234"]),
])
def test_recipients_customers_contacts_or_both(env, company, recipients, numbers):
    lone = partner(env, "Lone", mobile="+84 91 111 1111")
    nobody = partner(env, "Nobody", is_company=True)
    wizard = compose(env, company | lone | nobody, recipients=recipients)
    wizard.action_send()
    assert sorted(wizard.sms_ids.mapped("number")) == sorted(numbers)
    assert set(wizard.sms_ids.mapped("state")) == {"outgoing"}
    assert wizard.state == "done" and set(wizard.sms_ids.mapped("body")) == {"Hello"}


def test_summary_lists_receivers_and_skipped(env, company):
    nobody = partner(env, "Nobody Co", is_company=True)
    twin = partner(env, "Twin Co", is_company=True, mobile="+84 (90) 100-0001")
    wizard = compose(env, company | nobody | twin)
    summary = doc(wizard.summary).text_content()
    assert "Customers: 1 will receive it (Agrolait); 1 skipped, no number (Nobody Co); " \
        "1 share a number already listed (Twin Co)." in summary
    assert "Their contacts: 2 will receive it (An Nguyen, Binh Tran); 1 skipped, no " \
        "number (Chi Le)." in summary
    # the new form shows the same summary before anything is saved
    defaults = env["sms.composer"].with_context(
        active_model="res.partner", active_ids=(company | nobody | twin).ids).default_get(
        ["summary", "partner_ids", "brand", "recipients"])
    assert defaults["summary"] == wizard.summary
    assert defaults["partner_ids"] == (company | nobody | twin).ids
    assert (defaults["brand"], defaults["recipients"]) == ("Tessera", "customer")


def test_length_and_parts_are_computed(env):
    wizard = compose(env, partner(env, "X", mobile="+84 91 222 2222"),
                     body="Đơn hàng của bạn đã sẵn sàng. " * 3)
    assert (wizard.body_length, wizard.segment_count) == (90, 2)
    assert wizard.length_info == "90 characters, 2 SMS parts (UCS-2), 44 left"
    assert wizard.display_name == "SMS: Đơn hàng của bạn đã sẵn sàng. Đơn hàng c…"


def test_empty_body_or_no_number_is_refused_and_nothing_queued(env, company):
    before = env["sms.sms"].search_count([])
    wizard = compose(env, company, body="  \r\n ")
    with pytest.raises(ValidationError, match="write the text") as caught:
        wizard.action_send()
    assert caught.value.field == "body"
    nobody = partner(env, "Nobody", is_company=True)
    with pytest.raises(UserError, match=r"No SMS to send: none of the customers has a "
                                        r"mobile or phone number \(Nobody\)"):
        compose(env, nobody).action_send()
    with pytest.raises(UserError, match="Select the customers first"):
        env["sms.composer"].create({"body": "Hi"}).action_send()
    assert env["sms.sms"].search_count([]) == before
    assert wizard.state == "draft"


def test_an_unknown_brand_is_refused(env, sms_config, company):
    sms_config(brands=["ACME", "Shop"])
    assert env["sms.composer"].default_get(["brand"]) == {"brand": "ACME"}
    with pytest.raises(ValidationError):
        compose(env, company, brand="Tessera")


def test_send_now_with_a_wrong_configuration_queues_nothing(env, sms_config, company):
    sms_config(send_now=True, provider="http", url="smtp://nope")
    wizard = compose(env, company)
    with pytest.raises(UserError, match="url = 'smtp://nope' is not an http"):
        wizard.action_send()
    assert not env["sms.sms"].search([("composer_id", "=", wizard.id)])
    assert wizard.state == "draft"


def test_a_number_too_long_is_recorded_as_an_error(env):
    odd = partner(env, "Odd", phone="+84 1234 5678 9012 3456")
    wizard = compose(env, odd)
    wizard.action_send()
    assert wizard.sms_ids.state == "error"
    assert wizard.sms_ids.error.startswith("Invalid number: '+84 1234 5678 9012 3456' has "
                                           "18 digits")
    messages = [m for m in odd._chatter()["messages"] if m["type"] == "sms"]
    assert "not sent: Invalid number" in messages[0]["body"]


def count_queries(team, action) -> int:
    """The SQL statements `action()` sends (savepoints left out)."""
    statements = []

    def before(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    sa.event.listen(team.database.engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        sa.event.remove(team.database.engine, "before_cursor_execute", before)
    return len(statements)


def test_queueing_costs_the_same_queries_for_any_number_of_customers(env, team):
    def queue(count):
        companies = env["res.partner"].create([
            {"name": f"Q{count}-{n}", "is_company": True, "mobile": f"+84 93 {count:03} {n:04}"}
            for n in range(count)])
        env["res.partner"].create([{"name": f"Q{count}-{n} contact", "parent_id": c.id,
                                    "phone": f"+84 94 {count:03} {n:04}"}
                                   for n, c in enumerate(companies)])
        wizard = compose(env, companies, recipients="both")
        env.transaction.invalidate()  # as in a new request: nothing cached
        queries = count_queries(team, wizard.action_send)
        assert len(wizard.sms_ids) == 2 * count
        return queries

    assert queue(2) == queue(12)


def test_an_employee_cannot_sms_a_customer_she_cannot_see(env, as_user):
    users = {u.login: u for u in env["res.users"].search([])}
    hidden = partner(env, "Sam's secret", owner_id=users["sam"].id, mobile="+84 91 333 3333")
    mine = partner(env, "Sally's", owner_id=users["sally"].id, mobile="+84 91 444 4444")
    sally = as_user("sally")
    wizard = compose(sally, (mine | hidden).with_env(sally))
    assert "1 of the selected customers are not visible to you" in wizard.summary
    with pytest.raises(AccessError, match="you cannot see them"):
        wizard.action_send()
    assert not env["sms.sms"].search([("partner_id", "=", hidden.id)])
    wizard = compose(sally, mine.with_env(sally))
    wizard.action_send()
    assert wizard.sms_ids.partner_id.id == mine.id
    assert wizard.sms_ids.user_id.id == users["sally"].id
    # she reads the SMS she queued, not others', and does not manage the queue
    other = env["sms.sms"].create({"number": "+84915555555", "body": "x"})
    assert sally["sms.sms"].search([("id", "in", [other.id, *wizard.sms_ids.ids])]) \
        == wizard.sms_ids.with_env(sally)
    with pytest.raises(AccessError):
        wizard.sms_ids.with_env(sally).write({"state": "sent"})
    with pytest.raises(AccessError):
        wizard.sms_ids.with_env(sally).action_send_now()
    assert as_user("sonia")["sms.composer"].search([("id", "=", wizard.id)]).ids == []
    assert as_user("mia")["sms.sms"].search([("id", "=", other.id)])


# -- through the web client -------------------------------------------------------------
def test_send_sms_from_the_customers_list(team, provider, sms_config):
    """mia ticks two customers, picks Actions > Send SMS, writes the text and sends; the
    provider gets one request per number, the wizard lists the results."""
    sms_config(provider="http", url=provider.url, token="tok", send_now=True,
               brands=["Tessera", "ACME"])
    tag = uuid.uuid4().hex[:8]
    with team.env() as env:
        with_number = partner(env, f"Web {tag} A", is_company=True, mobile="+84 92 000 0001")
        without = partner(env, f"Web {tag} B", is_company=True)
        ids = [with_number.id, without.id]
    browser = team.browser("mia")
    html = browser.page("/web/res.partner?view=list")
    assert "Send SMS" in texts(doc(html), "//select[@name='action']/option")
    response = browser.post("/web/res.partner/actions",
                            [("action", "send_sms"), *[("ids", str(i)) for i in ids]])
    assert response.status_code == 303
    url = response.location
    assert url.startswith("/web/sms.composer/new?")
    assert parse_qs(urlsplit(url).query)["active_ids"] == [",".join(map(str, ids))]
    page = doc(browser.page(url))
    area = page.xpath("//textarea[@name='body']")[0]
    counter = page.get_element_by_id(area.get("data-sms-counter"))
    assert counter.get("aria-live") == "polite"
    assert f"1 skipped, no number (Web {tag} B)" in page.text_content()
    assert page.xpath("//div[contains(@class, 'nojs')]//*[@id='field-length_info']")
    form = page.get_element_by_id("record-form")
    send = page.xpath("//button[text()='Send']")[0].get("formaction")
    pairs = [(k, v) for k, v in form.form_values() if k not in ("body", "brand")]
    # an empty message: the form comes back with the error next to the field
    response = browser.post(send, [*pairs, ("body", ""), ("brand", "ACME")])
    assert response.status_code == 400
    assert "write the text" in field_error(response.get_data(as_text=True), "body")
    assert not provider.requests
    response = browser.post(send, [*pairs, ("body", "Xin chào\r\nQuý khách"),
                                   ("brand", "ACME")])
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert provider.requests[-1]["json"] == {"from": "ACME", "to": "+84920000001",
                                             "text": "Xin chào\nQuý khách"}
    assert provider.requests[-1]["headers"]["Authorization"] == "Bearer tok"
    result = doc(browser.page(response.location))
    assert "+84920000001" in texts(result, "//table[@id='field-sms_ids']//td")
    assert "Sent" in texts(result, "//table[@id='field-sms_ids']//td")
    assert not result.xpath("//button[text()='Send']")  # sent once only
    assert "2 SMS parts" not in result.text_content()
    assert measure("Xin chào\nQuý khách").describe() in texts(
        result, "//*[@id='field-length_info']")
    with team.env() as env:
        chatter = env["res.partner"].browse(ids[0])._chatter()["messages"]
        assert any(m["type"] == "sms" and "SMS sent to +84920000001" in m["body"]
                   for m in chatter)
        assert env["sms.sms"].search([("partner_id", "=", ids[0])]).user_id.login == "mia"
    # the queue, for managers: Contacts > Configuration > SMS
    assert "+84920000001" in texts(doc(browser.page("/web/sms.sms")), "//td")


def test_saving_the_wizard_shows_the_count_without_javascript(team):
    with team.env() as env:
        customer = partner(env, f"Count {uuid.uuid4().hex[:8]}", mobile="+84 92 000 0002",
                           owner_id=team.users["sally"])
    browser = team.browser("sally")
    url = f"/web/sms.composer/new?active_model=res.partner&active_ids={customer.id}"
    response = browser.submit(url, {"body": "a" * 161})
    assert response.status_code == 303
    html = browser.page(response.location)
    assert "161 characters, 2 SMS parts (GSM-7), 145 left" in texts(
        doc(html), "//*[@id='field-length_info']")
    with team.env() as env:
        assert not env["sms.sms"].search([("partner_id", "=", customer.id)])
