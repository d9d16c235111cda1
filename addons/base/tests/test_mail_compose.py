"""The Send email wizard (mail.compose.message): per-customer templates, customers
without an address, access rights; through the web client: the Actions menu on
selected customers, the button on a customer's form, the Settings > Technical > Emails
queue with Retry. Emails go to a real SMTP server (aiosmtpd). Every test runs on SQLite
and PostgreSQL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest

from addons.base.tests.partner_support import unique
from addons.base.tests.smtp_support import SmtpServer, parts, write_config
from core.exceptions import AccessError, UserError, ValidationError
from tests.web_support import doc, main_text, notice, texts

GREETING = "base.mail_template_partner_greeting"


@pytest.fixture
def smtp(tmp_path, monkeypatch):
    """A running SMTP server, Tessera pointed at it, sending at commit on."""
    server = SmtpServer().start()
    write_config(tmp_path / "tessera.toml", server.port, monkeypatch,
                 mail={"send_at_commit": True})
    yield server
    server.stop()



def wizard(env, partner_ids, **values):
    return env["mail.compose.message"].with_context(
        active_model="res.partner", active_ids=list(partner_ids)).create(values)


def queued(env, partner) -> list:
    return env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "=", partner.id)])


# -- the wizard -----------------------------------------------------------------------------
def test_template_is_rendered_per_customer_and_those_without_email_are_listed(env, as_user):
    partners = env["res.partner"].create([
        {"name": "An", "email": "an@example.com"}, {"name": "Binh", "email": "b@example.com"},
        {"name": "Chi (no email)"}])
    mia = as_user("mia")
    composer = wizard(mia, partners.ids, template_id=env.ref(GREETING).id)
    result = composer.action_send()
    assert result == {"url": f"/web/mail.compose.message/{composer.id}"}
    assert composer.state == "sent"
    assert "2 email(s) queued for An, Binh" in composer.report
    assert "Not sent, no email address: Chi (no email)" in composer.report
    assert queued(env, partners[0]).subject == "Welcome, An"
    assert queued(env, partners[1]).subject == "Welcome, Binh"
    assert "Dear Binh," in queued(env, partners[1]).body_html
    assert not queued(env, partners[2])
    chatter = env["mail.message"].search([("model", "=", "res.partner"),
                                          ("res_id", "=", partners[0].id),
                                          ("message_type", "=", "email")])
    assert "Welcome, An" in chatter.body and chatter.author_id.login == "mia"
    with pytest.raises(UserError, match="sent already"):
        composer.action_send()


def test_typed_subject_wins_and_the_empty_body_comes_from_the_template(env):
    partner = env["res.partner"].create({"name": "An", "email": "an@example.com"})
    wizard(env, [partner.id], template_id=env.ref(GREETING).id, subject="Our news",
           body="<p></p>").action_send()
    mail = queued(env, partner)
    assert mail.subject == "Our news" and "Dear An," in mail.body_html


def test_nobody_with_an_email_is_refused_and_nothing_is_queued(env):
    partners = env["res.partner"].create([{"name": "No address"}, {"name": "Nor here"}])
    composer = wizard(env, partners.ids, subject="Hi", body="<p>Hello</p>")
    with pytest.raises(UserError, match="No email was sent: No address, Nor here have no "
                                        "email address"):
        composer.action_send()
    assert composer.state == "draft"
    assert not env["mail.message"].search([("model", "=", "res.partner"),
                                           ("res_id", "in", partners.ids),
                                           ("message_type", "=", "email")])


def test_subject_and_body_are_needed(env):
    partner = env["res.partner"].create({"name": "An", "email": "an@example.com"})
    with pytest.raises(ValidationError, match="Write a subject") as caught:
        wizard(env, [partner.id], body="<p>Hello</p>").action_send()
    assert caught.value.field == "subject"
    with pytest.raises(ValidationError, match="Write the message"):
        wizard(env, [partner.id], subject="Hi", body="<p> </p>").action_send()
    assert not queued(env, partner)


def test_use_template_fills_the_form_for_one_customer(env):
    partner = env["res.partner"].create({"name": "An", "email": "an@example.com"})
    composer = wizard(env, [partner.id], template_id=env.ref(GREETING).id)
    assert composer.action_apply_template() == {"url": f"/web/mail.compose.message/"
                                                       f"{composer.id}"}
    assert composer.subject == "Welcome, An" and "Dear An," in composer.body
    prefilled = env["mail.compose.message"].with_context(
        active_model="res.partner", active_ids=[partner.id],
        default_template_id=env.ref(GREETING).id).default_get(["partner_ids", "subject",
                                                                "template_id", "body"])
    assert prefilled["subject"] == "Welcome, An"


def test_sally_cannot_email_a_customer_she_cannot_see(env, as_user):
    sam_id = as_user("sam").uid
    hidden = env["res.partner"].create({"name": "Sam's", "email": "s@example.com",
                                        "owner_id": sam_id})
    sally = as_user("sally")
    with pytest.raises(AccessError):
        wizard(sally, [hidden.id], subject="Hi", body="<p>Hello</p>").action_send()
    assert not queued(env, hidden)
    with pytest.raises(AccessError):
        hidden.with_env(sally).action_send_email()


# -- the web client -----------------------------------------------------------------------
def _send_button(html: str, name: str = "action_send") -> str:
    found = doc(html).xpath(f"//div[@class='header-buttons']/button[contains(@formaction, "
                            f"'/call/{name}')]/@formaction")
    assert found, f"no {name} button"
    return found[0]


def _form_pairs(html: str, changes: dict) -> list:
    form = lxml.html.fromstring(html).get_element_by_id("record-form")
    return [(k, v) for k, v in form.form_values() if k not in changes] + list(changes.items())


def test_send_email_to_selected_customers_from_the_actions_menu(team, smtp):
    with team.env() as env:
        partners = env["res.partner"].create([
            {"name": unique("Agrolait"), "email": "info@agrolait.example", "is_company": True},
            {"name": unique("Deco"), "email": "deco@example.com", "is_company": True}])
        ids = partners.ids
    browser = team.browser("mia")
    browser.page("/web/res.partner?view=list")
    response = browser.post("/web/res.partner/actions", [
        ("action", "send_email"), ("back", "/web/res.partner?view=list"),
        *[("ids", str(i)) for i in ids]])
    assert response.status_code == 303, main_text(response)
    location = urlsplit(response.location)
    assert location.path == "/web/mail.compose.message/new"
    assert parse_qs(location.query)["active_ids"] == [",".join(map(str, ids))]
    html = browser.page(response.location.replace("http://localhost", ""))
    assert set(texts(doc(html), "//label[@class='tag']")) >= {partners[0].name,
                                                             partners[1].name}
    response = browser.post(_send_button(html), _form_pairs(html, {
        "subject": "Spring offer", "body": "<p>Dear customer, <b>20%</b> off.</p>"}))
    assert response.status_code == 303, main_text(response)
    report = browser.page(urlsplit(response.location).path)
    assert "2 email(s) queued" in report
    assert not doc(report).xpath("//div[@class='header-buttons']/button")  # sent: no Send
    # sent right after the request's transaction committed
    assert sorted(r.recipients[0] for r in smtp.messages) == ["deco@example.com",
                                                              "info@agrolait.example"]
    assert {r.message["Subject"] for r in smtp.messages} == {"Spring offer"}
    assert "20%" in parts(smtp.messages[0].message)[1]
    for partner_id in ids:
        page = browser.page(f"/web/res.partner/{partner_id}")
        assert "Spring offer" in " ".join(texts(doc(page), "//*[contains(@class, 'chatter')]"))


def test_send_email_button_on_the_customer_form_with_a_template(team, smtp):
    with team.env("sally") as env:
        partner = env["res.partner"].create({"name": unique("Hòa Bình"),
                                             "email": "hoa@example.vn"})
        no_email = env["res.partner"].create({"name": unique("Silent")})
        template_id, name = env.ref(GREETING).id, partner.name
    browser = team.browser("sally")
    html = browser.page(f"/web/res.partner/{partner.id}")
    response = browser.post(_send_button(html, "action_send_email"), _form_pairs(html, {}))
    assert response.status_code == 303, main_text(response)
    html = browser.page(response.location.replace("http://localhost", ""))
    response = browser.post(_send_button(html, "action_apply_template"),
                            _form_pairs(html, {"template_id": str(template_id),
                                               "template_id__display": "Customer: greeting"}))
    assert response.status_code == 303, main_text(response)
    html = browser.page(urlsplit(response.location).path)
    assert doc(html).xpath("//input[@name='subject']/@value") == [f"Welcome, {name}"]
    response = browser.post(_send_button(html), _form_pairs(html, {}))
    assert response.status_code == 303, main_text(response)
    assert urlsplit(response.location).path == f"/web/res.partner/{partner.id}"
    assert notice(response) == "done"
    [received] = smtp.messages
    assert received.message["Subject"] == f"Welcome, {name}"
    assert "Sally Seller" in parts(received.message)[0]
    html = browser.page(f"/web/res.partner/{no_email.id}")
    response = browser.post(_send_button(html, "action_send_email"), _form_pairs(html, {}))
    assert response.status_code == 400
    assert "has no email address" in response.get_data(as_text=True)


def test_sally_cannot_email_a_hidden_customer_through_the_web(team, smtp):
    with team.env() as env:
        hidden = env["res.partner"].create({"name": unique("Hidden"), "email": "h@example.com",
                                            "owner_id": team.users["sam"]})
    browser = team.browser("sally")
    url = f"/web/mail.compose.message/new?active_model=res.partner&active_ids={hidden.id}"
    assert browser.get(url).status_code == 403
    browser.page("/web/res.partner")
    response = browser.post(f"/web/mail.compose.message/new/call/action_send?active_model="
                            f"res.partner&active_ids={hidden.id}",
                            [("partner_ids", str(hidden.id)), ("subject", "Hi"),
                             ("body", "<p>Hello</p>")])
    assert response.status_code == 403
    assert smtp.messages == []
    with team.env() as env:
        assert not queued(env, hidden)


def test_settings_user_sees_the_queue_and_retries_a_failed_email(team, smtp):
    with team.env("mia") as env:
        partner = env["res.partner"].create({"name": unique("Retry"), "email": "r@example.com"})
        env["mail.mail"]._queue_emails(partner, {partner.id: {
            "subject": "Failed once", "body_html": "<p>x</p>", "email_to": "r@example.com"}})
        smtp.refuse = "554 5.7.1 Rejected"
    with team.env() as env:
        mail = queued(env, partner)
        assert mail.state == "exception"
    smtp.refuse = None
    admin = team.browser("admin")
    assert "Failed once" in admin.page("/web/mail.mail")
    html = admin.page(f"/web/mail.mail/{mail.id}")
    assert "554 5.7.1 Rejected" in html
    response = admin.post(_send_button(html, "action_retry"), _form_pairs(html, {}))
    assert response.status_code == 303, main_text(response)
    assert [r.message["Subject"] for r in smtp.messages] == ["Failed once"]
    with team.env() as env:
        assert env["mail.mail"].browse(mail.id).state == "sent"
    html = admin.page(f"/web/mail.mail/{mail.id}")
    assert not _buttons(html)
    assert team.browser("sally").get("/web/mail.mail").status_code == 403


def _buttons(html: str) -> list[str]:
    return texts(doc(html), "//div[@class='header-buttons']/button")
