"""SMS: lengths and parts, numbers, the providers (a local HTTP server stands in for a
real one), the queue with its retries and the results in the chatter. The Send SMS
wizard is tested in test_sms_composer.py."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from addons.base.models import sms_provider
from addons.base.models.sms_provider import (
    HttpProvider,
    LogProvider,
    OutgoingSms,
    measure,
    normalize_number,
)
from addons.base.tests.sms_support import REJECTED, SLOW
from core.exceptions import UserError, ValidationError
from core.orm import fields

NOW = dt.datetime(2026, 3, 2, 9, 0, 0)



def partner(env, name, **values):
    return env["res.partner"].create({"name": name, **values})


def compose(env, partners, body="Hello", **values):
    """A Send SMS wizard opened on `partners` as from the customers' list."""
    wizard = env["sms.composer"].with_context(active_model="res.partner",
                                              active_ids=partners.ids)
    return wizard.create({"body": body, "partner_ids": partners.ids, **values})


def sms_messages(partner_record):
    return [m for m in partner_record._chatter()["messages"] if m["type"] == "sms"]


# -- lengths and numbers --------------------------------------------------------------------
@pytest.mark.parametrize(("text", "encoding", "length", "segments"), [
    ("", "GSM-7", 0, 0),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),                    # extension characters count 2
    ("€" * 81, "GSM-7", 162, 2),
    ("a" * 152 + "[" + "a" * 152, "GSM-7", 306, 3),  # "[" does not straddle two parts
    ("Xin chào, đơn hàng của bạn đã sẵn sàng", "UCS-2", 38, 1),   # Vietnamese
    ("Ваш заказ готов" * 4 + "!" * 10, "UCS-2", 70, 1),         # Russian
    ("Ваш заказ готов" * 4 + "!" * 11, "UCS-2", 71, 2),
    ("ы" * 134, "UCS-2", 134, 2),
    ("ы" * 135, "UCS-2", 135, 3),
    ("Hi 🙂", "UCS-2", 5, 1),                       # an emoji is two UCS-2 units
    ("line one\r\nline two", "GSM-7", 17, 1),       # browsers post CR LF
])
def test_length_encoding_and_parts(text, encoding, length, segments):
    measured = measure(text)
    assert (measured.encoding, measured.length, measured.segments) == (
        encoding, length, segments)


def test_describe_says_what_is_left():
    assert measure("a" * 161).describe() == "161 characters, 2 SMS parts (GSM-7), 145 left"
    assert measure("Привет").describe() == "6 characters, 1 SMS (UCS-2), 64 left"


@pytest.mark.parametrize(("raw", "number"), [
    ("+84 90 123 4567", "+84901234567"), ("(024) 3826-1234", "02438261234"),
    ("0084.90.123.4567", "+84901234567"), ("+7 495 123/45/67", "+74951234567")])
def test_numbers_are_normalised(raw, number):
    assert normalize_number(raw) == number


@pytest.mark.parametrize("raw", ["12345", "call me", "+84 90 abc 4567", "+84+901234567",
                                 "1234567890123456", ""])
def test_invalid_numbers_are_refused(env, raw):
    with pytest.raises(ValueError):
        normalize_number(raw)
    if raw:
        with pytest.raises(ValidationError, match="SMS number") as caught:
            env["sms.sms"].create({"number": raw, "body": "Hi"})
        assert caught.value.field == "number"


# -- the HTTP provider ------------------------------------------------------------------------
def test_http_provider_posts_the_template_with_the_token(env, provider, sms_config):
    """The JSON body follows the template, the bearer token is sent, each recipient has
    its own result: one sent (with the provider's id), one refused (no retry)."""
    sms_config(provider="http", url=provider.url, token="s3cret", brands=["ACME", "Tessera"],
               body='{"from": "{brand}", "to": "{number}", "text": "{body}"}')
    good = partner(env, "Good", mobile="+84 90 123 4567")
    bad = partner(env, "Bad", mobile=REJECTED)
    wizard = compose(env, good | bad, body='Xin chào "An"\nđơn hàng sẵn sàng', brand="ACME")
    wizard.action_send()
    assert env["sms.sms"]._process_queue(NOW) == 1
    received = {r["json"]["to"]: r for r in provider.requests}
    assert received["+84901234567"]["json"] == {
        "from": "ACME", "to": "+84901234567", "text": 'Xin chào "An"\nđơn hàng sẵn sàng'}
    assert received["+84901234567"]["headers"]["Authorization"] == "Bearer s3cret"
    assert received["+84901234567"]["path"] == "/v1/sms"
    sent = wizard.sms_ids.filtered(lambda s: s.partner_id == good)
    refused = wizard.sms_ids.filtered(lambda s: s.partner_id == bad)
    assert (sent.state, sent.attempts, sent.sent_date, sent.error) == ("sent", 1, NOW, False)
    assert sent.provider_id.startswith("msg-")
    assert (refused.state, refused.attempts) == ("error", 1)
    assert refused.error == "HTTP 400: unknown number"
    assert "SMS sent to +84901234567 (from ACME)" in sms_messages(good)[0]["body"]
    assert "not sent: HTTP 400: unknown number" in sms_messages(bad)[0]["body"]
    assert env["sms.sms"]._process_queue(NOW) == 0 and len(provider.requests) == 2


def test_a_server_error_is_retried_later_then_sent(env, provider, sms_config):
    sms_config(provider="http", url=provider.url)
    provider.answers.append((500, {"message": "try again"}))
    customer = partner(env, "Later", mobile="+84 91 000 0001")
    compose(env, customer).action_send()
    sms = env["sms.sms"].search([("partner_id", "=", customer.id)])
    assert env["sms.sms"]._process_queue(NOW) == 0
    assert (sms.state, sms.attempts, sms.error) == ("outgoing", 1, "HTTP 500: try again")
    assert sms.next_try == NOW + dt.timedelta(seconds=60)
    assert not sms_messages(customer)  # only final results are posted
    assert env["sms.sms"]._process_queue(NOW + dt.timedelta(seconds=30)) == 0
    assert len(provider.requests) == 1  # not due yet
    assert env["sms.sms"]._process_queue(NOW + dt.timedelta(seconds=61)) == 1
    assert (sms.state, sms.attempts, sms.error) == ("sent", 2, False)
    assert len(sms_messages(customer)) == 1


def test_transient_failures_give_up_after_the_retries(env, provider, sms_config):
    sms_config(provider="http", url=provider.url, retry_delays=[10])
    provider.answers += [(503, {}), (502, {})]
    customer = partner(env, "Never", mobile="+84 91 000 0002")
    compose(env, customer).action_send()
    env["sms.sms"]._process_queue(NOW)
    env["sms.sms"]._process_queue(NOW + dt.timedelta(seconds=10))
    sms = env["sms.sms"].search([("partner_id", "=", customer.id)])
    assert (sms.state, sms.attempts) == ("error", 2)
    assert sms.error.startswith("HTTP 502") and "gave up after 2 tries" in sms.error


def test_a_timeout_is_transient(env, provider, sms_config):
    sms_config(provider="http", url=provider.url, timeout=0.2)
    customer = partner(env, "Slow", mobile=SLOW)
    compose(env, customer).action_send()
    assert env["sms.sms"]._process_queue(NOW) == 0
    sms = env["sms.sms"].search([("partner_id", "=", customer.id)])
    assert sms.state == "outgoing" and "did not answer" in sms.error


def test_no_server_is_transient():
    result = HttpProvider("http://127.0.0.1:9/none", timeout=1).send(
        [OutgoingSms(1, "+84901234567", "Hi", "ACME")])[0]
    assert not result.ok and result.transient and "did not answer" in result.error


def test_body_template_as_a_toml_table(env, provider, sms_config):
    path = sms_config()
    path.write_text(f'[sms]\nprovider = "http"\nurl = "{provider.url}"\n'
                    '[sms.body]\nsender = "{brand}"\n'
                    'messages = [{ msisdn = "{number}", content = "#{id}: {body}" }]\n')
    sms = env["sms.sms"].create({"number": "+84901234567", "body": "Hi",
                                 "partner_id": partner(env, "T").id})
    sms.action_send_now()
    assert provider.requests[0]["json"] == {"sender": "Tessera", "messages": [
        {"msisdn": "+84901234567", "content": f"#{sms.id}: Hi"}]}
    assert "Authorization" not in provider.requests[0]["headers"]
    assert sms.state == "sent"


@pytest.mark.parametrize(("keys", "message"), [
    ({"provider": "http"}, "needs url"),
    ({"provider": "http", "url": "ftp://x"}, "not an http"),
    ({"provider": "http", "url": "http://x", "body": "{nope"}, "not valid JSON"),
    ({"provider": "http", "url": "http://x", "body": '{"to": "{phone}"}'}, "uses {phone}"),
    ({"provider": "http", "url": "http://x", "timeout": 0}, "timeout"),
    ({"provider": "carrier-pigeon"}, "unknown"),
])
def test_configuration_errors_are_clear(sms_config, keys, message):
    sms_config(**keys)
    with pytest.raises(UserError, match=message) as caught:
        sms_provider.configured_provider()
    assert "[sms]" in str(caught.value) and "docs/sms.md" in str(caught.value)


def test_a_bad_configuration_leaves_the_queue_alone(env, sms_config, caplog):
    customer = partner(env, "Waiting", mobile="+84 91 000 0003")
    compose(env, customer).action_send()
    sms_config(provider="http")
    with caplog.at_level(logging.ERROR):
        assert env["sms.sms"]._process_queue(NOW) == 0
    assert "needs url" in caplog.text
    assert env["sms.sms"].search([("partner_id", "=", customer.id)]).state == "outgoing"


# -- the log provider, send_now, the worker -------------------------------------------------
def test_log_provider_is_the_default_and_send_now_sends_at_once(env, sms_config, caplog):
    assert isinstance(sms_provider.configured_provider(), LogProvider)
    assert sms_provider.brands() == ["Tessera"]
    sms_config(send_now=True)
    customer = partner(env, "Logged", mobile="+84 91 000 0004")
    with caplog.at_level(logging.INFO, logger="addons.base.models.sms_provider"):
        compose(env, customer, body="Logged text").action_send()
    sms = env["sms.sms"].search([("partner_id", "=", customer.id)])
    assert sms.state == "sent" and sms.provider_id == f"log-{sms.id}"
    assert "+84910000004" in caplog.text and "Logged text" in caplog.text
    assert "SMS sent to +84910000004" in sms_messages(customer)[0]["body"]


def test_the_worker_tick_sends_the_queue(env):
    customer = partner(env, "Ticked", mobile="+84 91 000 0005")
    compose(env, customer).action_send()
    env["sms.sms"].search([("partner_id", "!=", customer.id),
                           ("state", "=", "outgoing")]).write({"state": "cancel"})
    done = sum(n or 0 for n in env.hooks.worker_tick(env=env, now=fields.Datetime.now()))
    assert done >= 1
    assert env["sms.sms"].search([("partner_id", "=", customer.id)]).state == "sent"


def test_retry_and_cancel(env):
    sms = env["sms.sms"].create({"number": "+84901234567", "body": "Hi"})
    sms.action_cancel()
    assert sms.state == "cancel"
    with pytest.raises(UserError, match="Only outgoing"):
        sms.action_cancel()
    sms.write({"state": "error", "attempts": 3, "error": "HTTP 400"})
    sms.action_retry()
    assert (sms.state, sms.attempts, sms.error) == ("outgoing", 0, False)
    with pytest.raises(UserError, match="only failed or cancelled"):
        sms.action_retry()
