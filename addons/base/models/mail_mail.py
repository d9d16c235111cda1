"""The outgoing email queue: `mail.mail`, one row per email to send.

Emails are queued by `_queue_emails` (which also posts each one in its record's
chatter) and sent by `_process_queue`: by `tessera worker` (base's `worker_tick`
hook), and right after the transaction that queued them commits when `[mail]
send_at_commit` is true (the default). A failed email keeps its error and is tried
again later with a growing delay; after `[mail] max_attempts` failures (or a
permanent refusal by the server) it is in "exception" until someone clicks Retry.
See docs/mail.md, "Sending email".
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import parseaddr
from html import escape

import sqlalchemy as sa

from addons.base.models.mail_smtp import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_SENDER,
    SendError,
    SmtpSession,
    address_list,
    build_message,
    format_address,
    mail_setting,
    new_message_id,
    retry_delay,
    smtp_settings,
)
from core.exceptions import RetryableError, UserError
from core.orm import Model, api, fields

_logger = logging.getLogger(__name__)

STATES = [("outgoing", "Outgoing"), ("sent", "Sent"), ("exception", "Delivery failed"),
          ("cancel", "Cancelled")]
AFTER_COMMIT_KEY = "mail.mail: send at commit"


class SendAfterCommit:
    """The after-commit callback of a transaction that queued emails: sends them in a
    transaction of its own once the queueing one has committed."""

    def __init__(self):
        self.ids: set[int] = set()

    def __call__(self, database) -> None:
        with database.env() as env:
            if "mail.mail" in env.registry:
                # superuser: the queue is the system's; the users' rights were checked
                # when the emails were queued
                env["mail.mail"].sudo()._process_queue(ids=sorted(self.ids))

    def __repr__(self) -> str:
        return f"<send emails {sorted(self.ids)} at commit>"


class MailMail(Model):
    """An outgoing email: its addresses, subject and body, and its delivery state."""

    _name = "mail.mail"
    _description = "Outgoing email"
    _order = "id desc"
    _rec_name = "subject"

    model = fields.Char("Related model", index=True, readonly=True,
                        help="The model of the record the email is about.")
    res_id = fields.Integer("Related record", index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Recipient", ondelete="set null",
                                 index=True, readonly=True)
    email_to = fields.Char("To", required=True, readonly=True)
    email_from = fields.Char("From", required=True, readonly=True)
    reply_to = fields.Char("Reply to", readonly=True)
    subject = fields.Char(readonly=True)
    body_html = fields.Html("Body", readonly=True)
    state = fields.Selection(STATES, required=True, default="outgoing", index=True,
                             readonly=True)
    failure_reason = fields.Text("Last error", readonly=True,
                                 help="Why the last attempt failed (kept until it is sent).")
    attempts = fields.Integer(default=0, readonly=True, help="Attempts to send it so far.")
    next_try = fields.Datetime("Next attempt", index=True, readonly=True,
                               help="Not sent before this time (UTC); empty: as soon as "
                                    "possible.")
    sent_date = fields.Datetime("Sent on", readonly=True)
    message_id = fields.Char("Message-ID", index=True, readonly=True, copy=False,
                             help="The RFC 5322 Message-ID of the email, so that replies "
                                  "can be matched to it.")
    mail_message_id = fields.Many2one("mail.message", string="Chatter message",
                                      ondelete="set null", readonly=True)

    # -- queueing ---------------------------------------------------------------------------
    def create(self, vals_list):
        """Queue emails: each gets a Message-ID; they are sent after the commit when
        `[mail] send_at_commit` is true."""
        single = isinstance(vals_list, dict)
        vals_list = [dict(vals) for vals in ([vals_list] if single else vals_list)]
        for vals in vals_list:
            if not vals.get("email_from"):
                vals["email_from"] = default_sender(self.env)[0]
            if not vals.get("message_id"):
                vals["message_id"] = new_message_id(vals["email_from"])
        records = super().create(vals_list)
        records._send_at_commit()
        return records

    def _send_at_commit(self) -> None:
        """Send the outgoing ones once the current transaction commits (if configured)."""
        if self._ids and mail_setting("send_at_commit", True):
            batch = self.env.transaction.after_commit(SendAfterCommit(), key=AFTER_COMMIT_KEY)
            batch.ids.update(self._ids)

    @api.model
    def _queue_emails(self, records, values: dict):
        """Queue one email per record of `records` and post it in the record's chatter
        (message type "email"). `values` maps each record id to {"subject",
        "body_html", "email_to", "partner_id"}. Needs the access to post on the records
        (`_mail_post_access`, write by default) or, for a model without chatter, to
        read them; returns the mail.mail records (superuser)."""
        records = records.exists()
        if not records:
            return self.sudo().browse(())
        _check_may_email(records)
        email_from, reply_to = default_sender(self.env)
        messages = {}
        if hasattr(records, "_message_create_sudo"):
            posted = records._message_create_sudo([{
                "res_id": rid, "message_type": "email", "subtype": "discussion",
                "body": _chatter_body(values[rid]),
            } for rid in records._ids])
            messages = dict(zip(records._ids, posted._ids, strict=True))
        # superuser: the queue is a system table (Settings users read it); what the user
        # may do was checked above on the records themselves
        return self.sudo().create([{
            "model": records._name, "res_id": rid, "email_from": email_from,
            "reply_to": reply_to, "mail_message_id": messages.get(rid, False),
            "subject": values[rid].get("subject") or "",
            "body_html": values[rid].get("body_html") or "",
            "email_to": values[rid]["email_to"],
            "partner_id": values[rid].get("partner_id") or False,
        } for rid in records._ids])

    # -- sending ----------------------------------------------------------------------------
    @api.model
    def _process_queue(self, now=None, limit=None, ids=None) -> int:
        """Send the outgoing emails that are due at `now` (naive UTC; default: now), at
        most `limit` (default `[mail] batch_size`, 100), only those of `ids` when given.
        Each email succeeds or fails on its own. Emails another worker is sending are
        skipped (row locks on PostgreSQL, the database lock on SQLite). Returns the
        number sent. A wrong `[smtp]` configuration raises UserError, changing nothing."""
        now = now or fields.Datetime.now()
        limit = limit or mail_setting("batch_size", 100)
        settings = smtp_settings()
        max_attempts = mail_setting("max_attempts", DEFAULT_MAX_ATTEMPTS)
        due = self._claim_due(now, limit, ids)
        if not due:
            return 0
        sent = 0
        unreachable = None  # the server could not be reached: the rest wait for next time
        with SmtpSession(settings) as session:
            for mail in self.browse(due):
                try:
                    if unreachable is not None:
                        raise unreachable
                    message = build_message(mail, now)
                    session.send(message, parseaddr(mail.email_from)[1],
                                 address_list(mail.email_to))
                except SendError as error:
                    unreachable = error if error.connection else unreachable
                    mail._failed(error, now, max_attempts)
                except (ValueError, TypeError, LookupError) as error:  # a malformed email
                    mail._failed(SendError(f"the email cannot be built: {error}",
                                           permanent=True), now, max_attempts)
                else:
                    mail._sent(now)
                    sent += 1
        return sent

    def _claim_due(self, now, limit: int, ids) -> list[int]:
        """Ids of due outgoing emails, locked for this transaction: PostgreSQL skips the
        rows another transaction has locked (FOR UPDATE SKIP LOCKED); SQLite takes the
        database's write lock before anything is sent (a transaction whose snapshot is
        stale then fails instead of sending twice). [] when another worker has them."""
        table = self._sa_table
        query = (sa.select(table.c.id)
                 .where(table.c.state == "outgoing",
                        sa.or_(table.c.next_try.is_(None), table.c.next_try <= now))
                 .order_by(table.c.id).limit(limit))
        if ids is not None:
            query = query.where(table.c.id.in_(list(ids)))
        if self.env.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        try:
            with self.env.savepoint():
                due = [row[0] for row in self.env.execute(query)]
                if due and self.env.dialect == "sqlite":
                    self.env.execute(sa.update(table).where(table.c.id.in_(due))
                                     .values(state=table.c.state))
        except RetryableError:  # changed by a transaction that committed after ours began
            _logger.info("emails being sent by another worker: skipped this round")
            return []
        except sa.exc.OperationalError as error:
            if "locked" not in str(error):
                raise
            _logger.info("the database is locked by another writer: emails wait")
            return []
        return due

    def _sent(self, now) -> None:
        self.write({"state": "sent", "sent_date": now, "attempts": self.attempts + 1,
                    "failure_reason": False, "next_try": False})

    def _failed(self, error: SendError, now, max_attempts: int) -> None:
        """Record a failed attempt: try again later, or give up ("exception")."""
        attempts = self.attempts + 1
        if error.permanent or attempts >= max_attempts:
            self.write({"state": "exception", "attempts": attempts, "next_try": False,
                        "failure_reason": error.reason})
            _logger.warning("email %s to %s not sent after %s attempt(s), given up: %s",
                            self.id, self.email_to, attempts, error.reason)
            return
        next_try = now + dt.timedelta(seconds=retry_delay(attempts))
        self.write({"attempts": attempts, "next_try": next_try,
                    "failure_reason": error.reason})
        _logger.warning("email %s to %s not sent (attempt %s), next try at %s UTC: %s",
                        self.id, self.email_to, attempts, next_try, error.reason)

    # -- buttons ----------------------------------------------------------------------------
    def action_retry(self):
        """Send failed or cancelled emails again (from the first attempt)."""
        sent = self.filtered(lambda mail: mail.state == "sent")
        if sent:
            raise UserError(f"Email {sent[0].subject!r} was sent already: it is not sent "
                            "twice.")
        self.write({"state": "outgoing", "attempts": 0, "next_try": False})
        self._send_at_commit()
        return True

    def action_cancel(self):
        """Do not send these emails (those already sent stay as they are)."""
        sent = self.filtered(lambda mail: mail.state == "sent")
        if sent:
            raise UserError(f"Email {sent[0].subject!r} was sent already: it cannot be "
                            "cancelled.")
        self.write({"state": "cancel", "next_try": False})
        return True


def default_sender(env) -> tuple[str, str | False]:
    """(From, Reply-To) of an email queued by the current user: `[smtp] from` with the
    user's address as Reply-To, else the user's own address, else a placeholder."""
    configured = smtp_settings().sender
    user = env.user
    own = format_address(user.name, user.email) if user is not None and user.email else None
    if configured:
        return configured, (own if own and own != configured else False)
    return own or DEFAULT_SENDER, False


def _check_may_email(records) -> None:
    """AccessError unless the current user may post on the records (read them, for a
    model without chatter)."""
    if hasattr(records, "_mail_check_access"):
        records._mail_check_access(records._mail_post_access)
    elif records._security() is not None:
        records._check_access("read")
        records._check_rules("read")


def _chatter_body(values: dict) -> str:
    """The chatter entry of an email: its subject, then its body."""
    subject = escape(values.get("subject") or "")
    return f"<p><strong>{subject}</strong></p>{values.get('body_html') or ''}"
