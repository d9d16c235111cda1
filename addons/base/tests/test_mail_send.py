"""Sending email through a real SMTP server (aiosmtpd on 127.0.0.1): the queue
(mail.mail), the message received (addresses, subject, HTML and text, Message-ID),
failures kept and retried, the worker hook, sending at commit, two workers, STARTTLS
and login. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid

import pytest

from addons.base.models.mail_smtp import format_address
from addons.base.tests.smtp_support import (
    SmtpServer,
    free_port,
    parts,
    self_signed_certificate,
    write_config,
)
from core.exceptions import UserError

NOW = dt.datetime(2026, 3, 2, 9, 0, 0)
LATER = dt.timedelta


@pytest.fixture
def smtp():
    """A running SMTP server recording what it receives."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def configure(smtp, tmp_path, monkeypatch):
    """Point Tessera at `smtp` (sending at commit off); call it to change sections."""
    def write(port=None, **sections):
        path = tmp_path / f"tessera-{uuid.uuid4().hex[:6]}.toml"
        return write_config(path, port or smtp.port, monkeypatch, **sections)
    write()
    return write


def customer(env, name=None, email="an.nguyen@example.vn", **values):
    name = name or f"Nguyễn Văn An {uuid.uuid4().hex[:6]}"
    return env["res.partner"].create({"name": name, "email": email, **values})


def queue(env, partners, subject="Your quotation", body="<p>Hello</p>", email_to=None):
    """Queue one email per partner (as env's user) and return the mail.mail records."""
    return env["mail.mail"]._queue_emails(partners, {p.id: {
        "subject": subject, "body_html": body, "partner_id": p.id,
        "email_to": email_to or format_address(p.name, p.email)} for p in partners})


def compose(env, partners, **values):
    wizard = env["mail.compose.message"].with_context(
        active_model="res.partner", active_ids=partners.ids).create(values)
    return wizard, wizard.action_send()


def test_email_is_queued_posted_in_the_chatter_and_sent(env, as_user, smtp, configure):
    partner = customer(env, name="Nguyễn, Văn An")
    mia = as_user("mia")
    body = ('<p>Dear An,<br>here is <a href="https://example.com/q/7">the quotation</a>.'
            '</p><p>Best regards</p>')
    compose(mia, mia["res.partner"].browse(partner.id), subject="Quotation SO042",
            body=body)
    mail = env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "=", partner.id)])
    assert (mail.state, mail.attempts, mail.partner_id) == ("outgoing", 0, partner)
    assert mail.email_from == "Tessera <noreply@tessera.example>"
    assert mail.reply_to == "Mia Manager <mia@tessera.example>"
    assert mail.message_id.startswith("<") and mail.message_id.endswith("@tessera.example>")
    entry = mail.mail_message_id
    assert (entry.model, entry.res_id, entry.message_type) == ("res.partner", partner.id,
                                                                "email")
    assert "Quotation SO042" in entry.body and "the quotation" in entry.body
    assert entry.author_id.login == "mia"

    assert env["mail.mail"]._process_queue(NOW, ids=mail.ids) == 1
    [received] = smtp.messages
    assert received.sender == "noreply@tessera.example"
    assert received.recipients == ["an.nguyen@example.vn"]
    message = received.message
    assert message["Subject"] == "Quotation SO042"
    assert message["To"].addresses[0].display_name == "Nguyễn, Văn An"
    assert message["Reply-To"] == "Mia Manager <mia@tessera.example>"
    assert message["Message-ID"] == mail.message_id
    text, html = parts(message)
    assert 'href="https://example.com/q/7"' in html
    assert "Dear An,\nhere is the quotation <https://example.com/q/7>." in text
    assert "Best regards" in text and "<p>" not in text
    assert (mail.state, mail.sent_date, mail.attempts) == ("sent", NOW, 1)
    assert env["mail.mail"]._process_queue(NOW, ids=mail.ids) == 0  # never twice
    assert len(smtp.messages) == 1


def test_temporary_refusal_keeps_the_error_and_retries_later(env, smtp, configure):
    mail = queue(env, customer(env))
    smtp.refuse = "451 4.3.0 Mailbox busy, try again later"
    assert env["mail.mail"]._process_queue(NOW, ids=mail.ids) == 0
    assert (mail.state, mail.attempts) == ("outgoing", 1)
    assert "451 4.3.0 Mailbox busy" in mail.failure_reason
    assert mail.next_try == NOW + LATER(minutes=5)
    smtp.refuse = None
    assert env["mail.mail"]._process_queue(NOW + LATER(minutes=1), ids=mail.ids) == 0
    assert smtp.messages == []  # not due yet
    assert env["mail.mail"]._process_queue(NOW + LATER(minutes=6), ids=mail.ids) == 1
    assert (mail.state, mail.attempts, mail.failure_reason) == ("sent", 2, False)
    assert len(smtp.messages) == 1


def test_permanent_refusal_gives_up_at_once_and_retry_sends_it(env, smtp, configure):
    mail = queue(env, customer(env))
    smtp.refuse = "554 5.7.1 Message rejected"
    assert env["mail.mail"]._process_queue(NOW, ids=mail.ids) == 0
    assert (mail.state, mail.next_try) == ("exception", False)
    assert "554 5.7.1 Message rejected" in mail.failure_reason
    assert env["mail.mail"]._process_queue(NOW + LATER(days=1), ids=mail.ids) == 0
    smtp.refuse = None
    mail.action_retry()
    assert (mail.state, mail.attempts) == ("outgoing", 0)
    assert env["mail.mail"]._process_queue(NOW, ids=mail.ids) == 1
    assert mail.state == "sent"
    with pytest.raises(UserError, match="sent already"):
        mail.action_retry()


def test_server_down_is_retried_then_given_up_and_sent_once_back(env, smtp, configure):
    mails = queue(env, customer(env) | customer(env, email="b@example.com"))
    down = free_port()
    configure(port=down, mail={"max_attempts": 2, "retry_delay": 60})
    assert env["mail.mail"]._process_queue(NOW, ids=mails.ids) == 0
    assert mails.mapped("state") == ["outgoing", "outgoing"]
    assert mails.mapped("attempts") == [1, 1]
    assert all(f"cannot reach the SMTP server 127.0.0.1:{down}" in reason
               for reason in mails.mapped("failure_reason"))
    assert mails.mapped("next_try") == [NOW + LATER(minutes=1)] * 2
    assert env["mail.mail"]._process_queue(NOW + LATER(minutes=2), ids=mails.ids) == 0
    assert mails.mapped("state") == ["exception", "exception"]  # after max_attempts
    configure(mail={"max_attempts": 2})  # the server is back
    assert env["mail.mail"]._process_queue(NOW + LATER(hours=1), ids=mails.ids) == 0
    mails.action_retry()
    assert env["mail.mail"]._process_queue(NOW + LATER(hours=1), ids=mails.ids) == 2
    assert sorted(r.recipients[0] for r in smtp.messages) == ["an.nguyen@example.vn",
                                                              "b@example.com"]


def test_one_bad_email_does_not_stop_the_others(env, smtp, configure):
    first, bad, last = (customer(env, email=f"c{i}@example.com") for i in range(3))
    mails = queue(env, first) | queue(env, bad, email_to="nobody") | queue(env, last)
    assert env["mail.mail"]._process_queue(NOW, ids=mails.ids) == 2
    assert mails.mapped("state") == ["sent", "exception", "sent"]
    assert "no valid recipient" in mails[1].failure_reason
    assert sorted(r.recipients[0] for r in smtp.messages) == ["c0@example.com",
                                                              "c2@example.com"]


def test_a_subject_cannot_inject_headers(env, smtp, configure):
    mail = queue(env, customer(env), subject="Hi\r\nBcc: victim@example.com")
    assert env["mail.mail"]._process_queue(NOW, ids=mail.ids) == 1
    [received] = smtp.messages
    assert received.message["Subject"] == "Hi Bcc: victim@example.com"
    assert received.message["Bcc"] is None
    assert received.recipients == ["an.nguyen@example.vn"]


def test_wrong_configuration_is_a_clear_error_and_changes_nothing(env, smtp, configure):
    mail = queue(env, customer(env))
    configure(smtp={"port": "twenty-five"})
    with pytest.raises(UserError, match=r"\[smtp\] port = 'twenty-five' in .*tessera-.*"
                                        r"\.toml must be a whole number"):
        env["mail.mail"]._process_queue(NOW, ids=mail.ids)
    assert (mail.state, mail.attempts) == ("outgoing", 0)


def test_cancelled_email_is_not_sent(env, smtp, configure):
    mail = queue(env, customer(env))
    mail.action_cancel()
    assert env["mail.mail"]._process_queue(NOW, ids=mail.ids) == 0
    assert (mail.state, smtp.messages) == ("cancel", [])


def test_worker_tick_sends_and_collects_the_filestore_hourly(env, smtp, configure):
    mail = queue(env, customer(env))
    env["mail.mail"].search([("state", "=", "outgoing"), ("id", "!=", mail.id)]).write(
        {"state": "cancel"})  # other tests' leftovers are not this test's business
    parameters = env["ir.config.parameter"]
    parameters.set_param("base.filestore_gc_last", "2000-01-01 00:00:00")
    assert env.hooks.worker_tick(env=env, now=NOW)[0] >= 1
    assert mail.state == "sent" and len(smtp.messages) == 1
    assert parameters.get_param("base.filestore_gc_last") == "2026-03-02 09:00:00"
    env.hooks.worker_tick(env=env, now=NOW + LATER(minutes=30))
    assert parameters.get_param("base.filestore_gc_last") == "2026-03-02 09:00:00"
    env.hooks.worker_tick(env=env, now=NOW + LATER(minutes=61))
    assert parameters.get_param("base.filestore_gc_last") == "2026-03-02 10:01:00"


def test_emails_go_out_after_the_commit_never_after_a_rollback(team, smtp, configure):
    configure(mail={"send_at_commit": True})
    with team.env("mia") as env:
        partner = customer(env, email="commit@example.com")
        compose(env, partner, subject="At commit", body="<p>Sent after commit</p>")
        assert smtp.messages == []  # not inside the transaction
    assert [r.message["Subject"] for r in smtp.messages] == ["At commit"]
    with team.env() as env:
        mail = env["mail.mail"].search([("res_id", "=", partner.id),
                                        ("model", "=", "res.partner")])
        assert mail.state == "sent"
    with pytest.raises(RuntimeError), team.env("mia") as env:
        compose(env, customer(env, email="rollback@example.com"), subject="Rolled back",
                body="<p>Never</p>")
        raise RuntimeError("the request failed")
    assert len(smtp.messages) == 1


def _committed_emails(team, count: int) -> list[int]:
    with team.env("mia") as env:
        partners = env["res.partner"].browse(
            [customer(env, email=f"w{i}@example.com").id for i in range(count)])
        return queue(env, partners).ids


def _discard(team, ids) -> None:
    with team.env() as env:
        env["mail.mail"].browse(ids).unlink()


def test_two_workers_do_not_send_the_same_email_postgresql(team, smtp, configure):
    if team.database.engine.dialect.name != "postgresql":
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED): PostgreSQL; SQLite has one writer")
    ids = _committed_emails(team, 3)
    first_cm = team.database.env()
    first = first_cm.__enter__()
    try:
        assert first["mail.mail"]._process_queue(NOW, ids=ids) == 3  # locked until commit
        with team.database.env() as second:
            assert second["mail.mail"]._process_queue(NOW, ids=ids) == 0  # skipped
    finally:
        first_cm.__exit__(None, None, None)
    with team.database.env() as third:
        assert third["mail.mail"]._process_queue(NOW, ids=ids) == 0  # sent already
    assert len(smtp.messages) == 3
    _discard(team, ids)


def test_a_worker_that_began_before_another_committed_sends_nothing(team, smtp, configure):
    if team.database.engine.dialect.name != "postgresql":
        pytest.skip("REPEATABLE READ snapshots: PostgreSQL")
    ids = _committed_emails(team, 2)
    first_cm, late_cm = team.database.env(), team.database.env()
    first = first_cm.__enter__()
    late = late_cm.__enter__()  # its snapshot is taken now
    assert first["mail.mail"]._process_queue(NOW, ids=ids) == 2
    first_cm.__exit__(None, None, None)  # committed: sent
    assert late["mail.mail"]._process_queue(NOW, ids=ids) == 0  # a lost race, not a resend
    late_cm.__exit__(None, None, None)
    assert len(smtp.messages) == 2
    _discard(team, ids)


def test_concurrent_workers_send_each_email_once(team, smtp, configure):
    ids = _committed_emails(team, 4)
    smtp.handler.delay = 0.05
    counts, errors = [], []

    def work():
        try:
            with team.database.env() as env:
                counts.append(env["mail.mail"]._process_queue(NOW, ids=ids))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(counts) == 4
    assert sorted(r.recipients[0] for r in smtp.messages) == [f"w{i}@example.com"
                                                              for i in range(4)]
    _discard(team, ids)


def test_starttls_and_login(env, tmp_path, monkeypatch, caplog):
    cert, key = self_signed_certificate(tmp_path)
    server = SmtpServer(tls=(cert, key), logins={"tessera": "s3cret-Passw0rd"}).start()
    try:
        settings = {"starttls": True, "user": "tessera", "password": "s3cret-Passw0rd",
                    "cafile": str(cert)}
        write_config(tmp_path / "tls.toml", server.port, monkeypatch, smtp=settings)
        mail = queue(env, customer(env))
        assert env["mail.mail"]._process_queue(NOW, ids=mail.ids) == 1
        [received] = server.messages
        assert received.login == "tessera"
        assert received.message["Message-ID"] == mail.message_id

        settings["password"] = "wrong-Passw0rd"
        write_config(tmp_path / "bad.toml", server.port, monkeypatch, smtp=settings)
        refused = queue(env, customer(env))
        with caplog.at_level(logging.DEBUG):
            assert env["mail.mail"]._process_queue(NOW, ids=refused.ids) == 0
        assert "refused the login of 'tessera'" in refused.failure_reason
        assert "Passw0rd" not in refused.failure_reason and "Passw0rd" not in caplog.text
        assert len(server.messages) == 1

        del settings["cafile"]  # an unknown certificate is refused, not ignored
        write_config(tmp_path / "nocafile.toml", server.port, monkeypatch, smtp=settings)
        untrusted = queue(env, customer(env))
        assert env["mail.mail"]._process_queue(NOW, ids=untrusted.ids) == 0
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.failure_reason
    finally:
        server.stop()
