"""The SMS queue (`sms.sms`): one message per recipient number, sent by the configured
provider (models/sms_provider.py) from `tessera worker` (base's `worker_tick` hook) or
right away when `[sms] send_now` is set; each result is stored on the message and
posted in the recipient's chatter. See docs/sms.md."""

from __future__ import annotations

import datetime as dt
import logging
from html import escape

from addons.base.models import sms_provider
from addons.base.models.sms_provider import OutgoingSms, SmsResult
from core.exceptions import UserError, ValidationError
from core.orm import Model, api, fields

_logger = logging.getLogger(__name__)

STATES = [("outgoing", "Outgoing"), ("sent", "Sent"), ("error", "Error"),
          ("cancel", "Cancelled")]
RETRY_DELAYS = (60, 300, 1800)  # seconds before the 2nd, 3rd and 4th try
LEASE = dt.timedelta(minutes=10)  # how long a round holds the messages it sends
MAX_ERROR = 1000  # characters of a provider's answer kept


def retry_delays() -> list[int]:
    """Seconds to wait after each transient failure (`[sms] retry_delays`); there are
    as many retries as delays."""
    value = sms_provider.setting("retry_delays", list(RETRY_DELAYS))
    try:
        return [max(0, int(seconds)) for seconds in value]
    except (TypeError, ValueError):
        _logger.error("[sms] retry_delays = %r is not a list of seconds; using %s", value,
                      list(RETRY_DELAYS))
        return list(RETRY_DELAYS)


class Sms(Model):
    """One SMS to one number: queued (outgoing), then sent, failed (error) or
    cancelled. Transient failures (the provider's 5xx, timeouts) are tried again after
    `retry_delays`; permanent ones (a refused number) are errors at once."""

    _name = "sms.sms"
    _description = "SMS"
    _order = "id desc"
    _rec_name = "number"

    partner_id = fields.Many2one("res.partner", ondelete="set null", index=True,
                                 string="Recipient")
    number = fields.Char(required=True, index=True,
                         help="As sent: + and digits (spaces and ( ) - . / removed).")
    body = fields.Text(required=True, string="Message")
    brand = fields.Char(string="Sender", default=lambda records: sms_provider.brands()[0],
                        help="The sender id (brand name) the recipient sees.")
    state = fields.Selection(STATES, required=True, default="outgoing", index=True)
    error = fields.Text(help="The provider's answer, or what went wrong.")
    provider_id = fields.Char(string="Provider reference", index=True,
                              help="The id the provider gave the message.")
    attempts = fields.Integer(help="How many times sending was tried.")
    next_try = fields.Datetime(string="Next try", index=True,
                               help="Not sent before this time (UTC); empty: as soon as "
                                    "possible.")
    sent_date = fields.Datetime(string="Sent on")
    composer_id = fields.Many2one("sms.composer", ondelete="set null", index=True,
                                  string="Batch", help="The Send SMS wizard that queued it.")
    user_id = fields.Many2one("res.users", ondelete="set null", index=True,
                              string="Queued by", default=lambda records: records.env.uid)
    segment_count = fields.Integer(compute="_compute_segment_count", string="SMS parts")

    @api.depends("body")
    def _compute_segment_count(self):
        for sms in self:
            sms.segment_count = sms_provider.measure(sms.body).segments

    # -- validation -------------------------------------------------------------------
    @staticmethod
    def _clean_vals(vals: dict) -> dict:
        """Numbers normalised and bodies with LF line ends. A number that is no phone
        number is refused, unless the message is recorded as an error."""
        vals = dict(vals)
        if vals.get("body"):
            vals["body"] = sms_provider.clean_body(vals["body"])
        if vals.get("number"):
            try:
                vals["number"] = sms_provider.normalize_number(vals["number"])
            except ValueError as error:
                if vals.get("state") != "error":
                    raise ValidationError(f"SMS number {error}. Nothing was saved.",
                                          field="number") from None
        return vals

    def create(self, vals_list):
        """Queue messages (numbers normalised)."""
        if isinstance(vals_list, dict):
            vals_list = [vals_list]
        return super().create([self._clean_vals(vals) for vals in vals_list])

    def write(self, vals):
        """Write (a new number is normalised)."""
        return super().write(self._clean_vals(vals))

    @api.constrains("body", "state")
    def _check_body(self):
        for sms in self:
            if sms.state == "outgoing" and not (sms.body or "").strip():
                raise ValidationError(f"The SMS to {sms.number} has no text: write the "
                                      "message. Nothing was saved.", field="body")

    # -- buttons ----------------------------------------------------------------------
    def action_send_now(self):
        """Send these outgoing messages now (Settings users), not waiting for the
        worker."""
        self._check_access("write")
        self._check_rules("write")
        outgoing = self.filtered(lambda sms: sms.state == "outgoing")
        outgoing._send(sms_provider.configured_provider(), fields.Datetime.now())

    def action_retry(self):
        """Queue failed or cancelled messages again, from their first try."""
        for sms in self:
            if sms.state not in ("error", "cancel"):
                raise UserError(f"The SMS to {sms.number} is {sms.state}: only failed or "
                                "cancelled messages can be sent again.")
        self.write({"state": "outgoing", "attempts": 0, "next_try": False, "error": False})

    def action_cancel(self):
        """Stop outgoing messages from being sent."""
        if any(sms.state != "outgoing" for sms in self):
            raise UserError("Only outgoing messages can be cancelled: sent or failed ones "
                            "are already done.")
        self.write({"state": "cancel"})

    # -- sending ----------------------------------------------------------------------
    def _process_queue(self, now=None, limit: int = 100) -> int:
        """Send up to `limit` outgoing messages that are due at `now` (naive UTC;
        default: now), each on its own, and return how many were sent. Called by
        `tessera worker` (worker_tick) as superuser. A configuration error is logged
        and leaves the queue as it is."""
        now = now or fields.Datetime.now()
        due = self.search([("state", "=", "outgoing"), "|", ("next_try", "=", False),
                           ("next_try", "<=", now)], limit=limit, order="id")
        if not due:
            return 0
        try:
            provider = sms_provider.configured_provider()
        except UserError as error:
            _logger.error("%s messages not sent: %s", len(due), error)
            return 0
        # Claim the messages first: the UPDATE locks their rows, so a second worker on
        # the same PostgreSQL database waits, then fails and retries, and never sends
        # them twice. A round that fails is rolled back, claim included.
        due.write({"next_try": now + LEASE})
        return due._send(provider, now)

    def _send(self, provider, now) -> int:
        """Hand these messages to `provider`, store each result, post the final ones in
        the recipients' chatter; the number sent."""
        if not self:
            return 0
        messages = [OutgoingSms(sms.id, sms.number, sms.body, sms.brand or
                                sms_provider.brands()[0]) for sms in self]
        try:
            results = list(provider.send(messages))
            if len(results) != len(messages):
                raise RuntimeError(f"{len(results)} results for {len(messages)} messages")
        except Exception as error:  # a broken provider must not stop the queue
            _logger.exception("SMS provider %s failed", provider.name)
            results = [SmsResult(False, error=f"{provider.name} provider failed: {error}",
                                 transient=True)] * len(messages)
        delays = retry_delays()
        done = self.browse()
        for sms, result in zip(self, results):
            sms.write(sms._result_values(result, now, delays))
            if sms.state != "outgoing":
                done |= sms
        done._post_results()
        return sum(1 for result in results if result.ok)

    def _result_values(self, result: SmsResult, now, delays: list[int]) -> dict:
        """What to write on this message for the provider's `result` at `now`."""
        attempts = self.attempts + 1
        if result.ok:
            return {"state": "sent", "attempts": attempts, "sent_date": now,
                    "provider_id": result.provider_id or False, "error": False,
                    "next_try": False}
        error = (result.error or "not sent")[:MAX_ERROR]
        if result.transient and attempts <= len(delays):
            return {"attempts": attempts, "error": error,
                    "next_try": now + dt.timedelta(seconds=delays[attempts - 1])}
        if result.transient:
            error = f"{error} (gave up after {attempts} tries)"[:MAX_ERROR]
        return {"state": "error", "attempts": attempts, "error": error, "next_try": False}

    def _post_results(self) -> None:
        """Post each message's result in its recipient's chatter (one INSERT for all),
        authored by who queued it."""
        values = []
        for sms in self.filtered(lambda record: record.partner_id):
            if sms.state == "sent":
                head = f"SMS sent to {escape(sms.number)} (from {escape(sms.brand or '')})"
            else:
                head = f"SMS to {escape(sms.number)} not sent: {escape(sms.error or '')}"
            text = escape(sms.body or "").replace("\n", "<br>")
            values.append({"res_id": sms.partner_id.id, "message_type": "sms",
                           "subtype": "note", "body": f"<p>{head}</p><p>{text}</p>",
                           "author_id": sms.user_id.id or self.env.uid})
        if values:
            self.env["res.partner"]._message_create_sudo(values)
