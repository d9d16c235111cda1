"""The email gateway with real-world messages: a message to the crm alias makes a lead
(multipart, attachments, charsets of every kind, broken ones, no sender, huge bodies),
a reply to an email we sent joins its thread, and whatever cannot be delivered is kept
as a failed message, to deliver again later."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from core import config, mailgate

ALIAS = "sales@example.com"


def write_config(path, **sections):
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            text = f'"{value}"' if isinstance(value, str) else str(value).lower() \
                if isinstance(value, bool) else str(value)
            lines.append(f"{key} = {text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config.reload()


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """`settings(**sections)`: the configuration (the alias, no sending at commit, a
    filestore of the test's own, plus `sections`)."""
    path = tmp_path / "tessera.toml"
    monkeypatch.setenv(config.CONFIG_VARIABLE, str(path))

    def configure(**sections):
        base = {"crm": {"alias": ALIAS}, "mail": {"send_at_commit": False},
                "attachments": {"filestore": str(tmp_path / "filestore")}}
        for name, values in sections.items():
            base[name] = {**base.get(name, {}), **values}
        write_config(path, **base)

    configure()
    yield configure
    config.reload()


def message(subject="Price of tractors", sender="Nguyễn Văn An <an@example.vn>",
            to=f"Sales <{ALIAS}>", text="Hello,\n\nhow much is the tractor?\n", **headers):
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.vn")
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(text)
    return msg


def deliver(env, msg) -> mailgate.Outcome:
    raw = msg if isinstance(msg, bytes) else msg.as_bytes()
    return mailgate.deliver(env, raw)


def lead_of(outcome):
    assert outcome.record is not None, outcome.reason
    assert outcome.record._name == "crm.lead"
    return outcome.record


def attachments_of(record):
    return record.env["ir.attachment"].sudo().search([("res_model", "=", record._name),
                                                      ("res_id", "=", record.id)])


# -- new leads --------------------------------------------------------------------------
def test_multipart_alternative_with_attachments_makes_a_lead(env, settings):
    msg = message()
    msg.add_alternative("<p>Hello,</p><p>how much is the <b>tractor</b>?</p>"
                        "<script>alert(1)</script><img src=x onerror=alert(1)>",
                        subtype="html")
    msg.add_attachment(b"%PDF-1.4 specification", maintype="application", subtype="pdf",
                       filename="specification.pdf")
    msg.add_attachment(b"Model;Price\nT100;9000\n", maintype="text", subtype="csv",
                       filename="prices.csv")
    lead = lead_of(deliver(env, msg))
    assert lead.name == "Price of tractors" and lead.type == "lead"
    assert lead.email_from == "an@example.vn" and lead.contact_name == "Nguyễn Văn An"
    assert not lead.partner_id and not lead.user_id
    assert "<b>tractor</b>" in lead.description
    assert "script" not in lead.description and "onerror" not in lead.description
    files = attachments_of(lead)
    assert sorted(files.mapped("name")) == ["prices.csv", "specification.pdf"]
    assert files.filtered(lambda a: a.name == "specification.pdf").raw == \
        b"%PDF-1.4 specification"
    email = lead._chatter()["messages"][0]
    assert email["type"] == "email" and email["author"] is None
    assert "an@example.vn" in email["body"] and len(email["attachments"]) == 2


def test_the_sender_links_an_existing_customer(env, settings):
    customer = env["res.partner"].create({"name": "An Nguyen", "email": "An@Example.VN"})
    lead = lead_of(deliver(env, message(sender="an@example.vn", cc=ALIAS,
                                        to="someone@else.example")))
    assert lead.partner_id == customer and lead.contact_name == "An Nguyen"
    assert customer.with_env(env)._crm_history_entries()  # on the customer's history


@pytest.mark.parametrize(("charset", "text"), [
    ("windows-1251", "Здравствуйте! Сколько стоит трактор?"),
    ("koi8-r", "Добрый день, нужен счёт"),
    ("iso-8859-1", "Bonjour, le prix du tracteur à Orléans ?"),
    ("iso-8859-2", "Dzień dobry, ile kosztuje ciągnik?"),
    ("shift_jis", "トラクターの価格を教えてください"),
])
def test_non_utf8_charsets_in_headers_and_body(env, settings, charset, text):
    title = text[-14:].strip()
    subject = f"=?{charset}?B?{base64.b64encode(title.encode(charset)).decode()}?="
    name = text[:5]
    raw = (f"From: =?{charset}?B?{base64.b64encode(name.encode(charset)).decode()}?= "
           f"<ivan@example.ru>\r\nTo: {ALIAS}\r\nSubject: {subject}\r\n"
           f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"{charset}\"\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n").encode("ascii") + text.encode(charset)
    lead = lead_of(deliver(env, raw))
    assert lead.name == title
    assert text in lead.description
    assert lead.contact_name == name


@pytest.mark.parametrize(("declared", "body", "expected"), [
    ("x-unknown-42", "Grüße aus Köln".encode(), "Grüße aus Köln"),         # UTF-8 after all
    ("x-unknown-42", "Grüße aus Köln".encode("latin-1"), "Grüße aus Köln"),  # Latin-1
    ("utf-8", "Prix: 12 € – déjà".encode("cp1252"), "Prix: 12 € – déjà"),  # wrong charset
    ("utf-8", b"Caf\xe9 \x81\x8d", "Café \x81\x8d"),                          # Latin-1
])
def test_unknown_or_wrong_charsets_fall_back(env, settings, declared, body, expected):
    raw = (f"From: a@example.de\r\nTo: {ALIAS}\r\nSubject: =?{declared}?Q?Gr=FC=DFe?=\r\n"
           f"Content-Type: text/plain; charset={declared}\r\n\r\n").encode() + body
    lead = lead_of(deliver(env, raw))
    assert expected in lead.description
    assert lead.name  # a subject in an unknown charset is still read


def test_a_message_without_sender_still_makes_a_lead(env, settings):
    lead = lead_of(deliver(env, message(sender=None, subject="")))
    assert not lead.email_from and not lead.partner_id
    assert lead.name == "Email from unknown sender"
    assert "unknown sender" in lead._chatter()["messages"][0]["body"]


def test_a_huge_body_is_cut_and_the_whole_message_attached(env, settings):
    settings(mail_gateway={"max_body": 5000})
    text = "All the details of the order. " * 2000
    msg = message(text=text)
    lead = lead_of(deliver(env, msg))
    assert len(lead.description) < 6000 and "characters cut" in lead.description
    whole = attachments_of(lead).filtered(lambda a: a.name == "message.eml")
    assert whole.raw == msg.as_bytes()


def test_a_message_over_the_size_limit_is_kept_not_delivered(env, settings):
    settings(mail_gateway={"max_size": 2000})
    msg = message(text="x" * 5000)
    outcome = deliver(env, msg)
    assert outcome.record is None and "more than the 2000 allowed" in outcome.reason
    failure = outcome.failure
    assert failure.raw == msg.as_bytes() and failure.state == "failed"
    assert not env["crm.lead"].search([("name", "=", "Price of tractors")])


def test_malformed_messages_never_crash_the_gateway(env, settings):
    garbage = [
        b"",
        b"\x00\xff\xfe garbage \r\n\r\n\x80\x81",
        (f"From: <<<broken@@>>>\r\nTo: {ALIAS}\r\nSubject: =?utf-8?B?!!!notbase64?=\r\n"
         "Content-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n"
         "--never-closed\r\nContent-Type: text/plain\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n@@@ not base64 @@@\r\n").encode(),
        (f"To: {ALIAS}\r\nContent-Type: text/html; charset=\"\r\n\r\n<p>unclosed").encode(),
    ]
    for raw in garbage:
        outcome = mailgate.deliver(env, raw)
        assert (outcome.record is not None) != (outcome.failure is not None), raw
    assert mailgate.deliver(env, b"").reason == "the message is empty"


# -- replies ------------------------------------------------------------------------------
def test_a_reply_to_an_email_we_sent_joins_its_thread(env, settings, crm):
    lead = lead_of(deliver(env, message()))
    sent = env["mail.mail"]._queue_emails(lead, {lead.id: {
        "subject": "Our offer", "body_html": "<p>9000 EUR</p>", "email_to": "an@example.vn"}})
    reply = message(subject="Re: Our offer", to="sally@tessera.example",
                    text="Agreed!", In_Reply_To=sent.message_id,
                    References=f"<older@example.vn> {sent.message_id}")
    reply.add_attachment(b"signed", maintype="application", subtype="pdf",
                         filename="signed.pdf")
    leads_before = env["crm.lead"].search_count([])
    outcome = deliver(env, reply)
    assert outcome.record == lead and env["crm.lead"].search_count([]) == leads_before
    newest = lead._chatter()["messages"][0]
    assert newest["type"] == "email" and "Agreed!" in newest["body"]
    assert newest["author"] is None and "an@example.vn" in newest["body"]
    assert [a["name"] for a in newest["attachments"]] == ["signed.pdf"]
    posted = env["mail.message"].browse(newest["id"])
    assert posted.email_from == "Nguyễn Văn An <an@example.vn>"
    # a follow-up to the reply (References only) joins the thread too; a user's reply is
    # authored by that user
    follow = message(subject="Re: Re: Our offer", sender="Sally <sally@tessera.example>",
                     to="an@example.vn", text="Great", References=posted.message_id)
    assert deliver(env, follow).record == lead
    assert lead._chatter()["messages"][0]["author"]["id"] == crm.users["sally"]


def test_a_reply_to_another_model_goes_there(env, settings):
    partner = env["res.partner"].create({"name": "Replying customer",
                                         "email": "rc@example.com"})
    sent = env["mail.mail"]._queue_emails(partner, {partner.id: {
        "subject": "Hello", "body_html": "<p>Hi</p>", "email_to": "rc@example.com"}})
    outcome = deliver(env, message(sender="rc@example.com", to="noreply@tessera.example",
                                   In_Reply_To=sent.message_id, text="Thanks"))
    assert outcome.record == partner


# -- failures and retries -------------------------------------------------------------------
def test_undeliverable_messages_are_kept_and_delivered_again_later(env, settings):
    settings(crm={"alias": "nobody-yet@example.com"})
    msg = message(subject="Lost in the mail")
    outcome = deliver(env, msg)
    assert outcome.record is None and outcome.reason.startswith("no route")
    failure = outcome.failure
    assert (failure.subject, failure.email_from) == ("Lost in the mail",
                                                     "Nguyễn Văn An <an@example.vn>")
    assert mailgate.retry_failed(env, failure) == (0, 1)
    assert failure.attempts == 2 and failure.state == "failed"
    settings(crm={"alias": ALIAS})
    failure.action_retry()
    assert failure.state == "done" and failure.model == "crm.lead"
    assert env["crm.lead"].browse(failure.res_id).name == "Lost in the mail"


def test_a_failing_route_leaves_nothing_but_the_failed_message(env, settings):
    settings(attachments={"max_size": 10})
    msg = message(subject="With a big file")
    msg.add_attachment(b"x" * 100, maintype="application", subtype="octet-stream",
                       filename="big.bin")
    outcome = deliver(env, msg)
    assert outcome.record is None and "routing failed" in outcome.reason
    assert "big.bin" in outcome.reason
    assert not env["crm.lead"].search([("name", "=", "With a big file")])
    assert outcome.failure.exists()


def test_without_the_failed_messages_model_the_gateway_refuses(env, settings, monkeypatch):
    monkeypatch.setattr(mailgate, "FAILURE_MODEL", "no.such.model")
    with pytest.raises(mailgate.GatewayError, match="cannot be kept"):
        deliver(env, message(to="nobody@example.org"))


def test_the_alias_must_be_addresses(env, settings):
    settings(crm={"alias": 42})
    outcome = deliver(env, message())
    assert outcome.record is None and "[crm] alias" in outcome.reason
