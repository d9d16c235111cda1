"""Base's part of the incoming email gateway (core.mailgate, `tessera mail-gateway`):

- replies: a message whose In-Reply-To or References names an email we sent
  (`mail.mail.message_id`) or a message the gateway received (`mail.message.message_id`)
  is appended to the chatter of that record (base's `mail_gateway_route` hook);
- `record._message_post_incoming(incoming)`: how any addon posts an incoming email on
  a record (crm on the lead it creates): message type "email", the sender's address
  kept (`mail.message.email_from`, and shown in the body when no user has it),
  attachments attached;
- the failed messages (`mail.gateway.failure`): every message that could not be
  delivered, kept whole with the reason, to deliver again (Retry, or
  `tessera mail-gateway --retry-failed`) or to ignore.
"""

from __future__ import annotations

from markupsafe import Markup

from core import mailgate
from core.orm import Model, api, fields

FAILURE_STATES = [("failed", "To deliver"), ("done", "Delivered"), ("ignored", "Ignored")]


class MailMessageGateway(Model):
    """Messages remember the Message-ID and sender of the email they came from."""

    _inherit = "mail.message"

    message_id = fields.Char("Message-ID", index=True, readonly=True,
                             help="The Message-ID of the incoming email, so that replies "
                                  "to it find this thread.")
    email_from = fields.Char("From (email)", readonly=True,
                             help="The sender of an incoming email, as written in it.")

    @api.model
    def _gateway_route_reply(self, message):
        """The record a reply belongs to, with the reply posted on it; None when
        `message` answers nothing we know (superuser: the gateway's work)."""
        incoming = mailgate.read_message(message)
        references = [*incoming.references, *(ref.strip("<>") for ref in incoming.references)]
        if not references:
            return None
        target = None
        for model_name in ("mail.mail", "mail.message"):
            if model_name not in self.env.registry:
                continue
            found = self.env[model_name].sudo().search(
                [("message_id", "in", references), ("model", "!=", False),
                 ("res_id", "!=", False)], order="id desc", limit=1)
            if found:
                target = (found.model, found.res_id)
                break
        if target is None or target[0] not in self.env.registry:
            return None
        record = self.env[target[0]].sudo().browse(target[1]).exists()
        if not record or not hasattr(record, "_message_post_incoming"):
            return None
        record._message_post_incoming(incoming)
        return record


class MailThreadGateway(Model):
    """Posting an incoming email on any record with a chatter."""

    _inherit = "mail.thread"

    def _message_post_incoming(self, incoming):
        """Post `incoming` (a core.mailgate.Incoming) on the record as an email: the
        author is the user with the sender's address, if any; the sender is kept in
        any case; the attachments go to the record. Returns the mail.message."""
        self.ensure_one()
        env = self.env
        author = env["res.users"].sudo().search(
            [("email", "=ilike", incoming.sender_email)], limit=1) \
            if incoming.sender_email else env["res.users"]
        attachments = env["ir.attachment"].sudo().create([{
            "name": item.name, "raw": item.content, "mimetype": item.mimetype,
            "res_model": self._name, "res_id": self.id} for item in incoming.attachments])
        head = Markup('<p class="email-from">From: {}</p>').format(incoming.sender) \
            if not author else Markup("")
        if incoming.subject:
            head += Markup("<p><strong>{}</strong></p>").format(incoming.subject)
        message = self._message_create_sudo([{
            "res_id": self.id, "message_type": "email", "subtype": "discussion",
            "body": str(head) + incoming.body_html, "author_id": author.id or False,
            "attachment_ids": [(6, 0, attachments.ids)],
            "message_id": incoming.message_id or False,
            "email_from": incoming.sender if incoming.sender_email else False}])
        if author:
            self._message_subscribe_sudo([author.id])
        return message


class MailGatewayFailure(Model):
    """An incoming email the gateway could not deliver, kept whole with the reason."""

    _name = "mail.gateway.failure"
    _description = "Incoming email not delivered"
    _order = "id desc"
    _rec_name = "subject"

    date = fields.Datetime("Received", required=True, index=True, readonly=True,
                           default=fields.Datetime.now)
    subject = fields.Char(readonly=True)
    email_from = fields.Char("From", readonly=True)
    message_id = fields.Char("Message-ID", index=True, readonly=True)
    raw = fields.Binary("Message", readonly=True, help="The whole message, as received.")
    size = fields.Integer("Size (bytes)", readonly=True)
    error = fields.Text("Reason", readonly=True)
    state = fields.Selection(FAILURE_STATES, required=True, default="failed", index=True,
                             readonly=True)
    attempts = fields.Integer(default=1, readonly=True)
    model = fields.Char("Delivered to (model)", readonly=True)
    res_id = fields.Integer("Delivered to (record)", readonly=True)

    @api.model
    def _gateway_store(self, raw: bytes, reason: str, incoming=None):
        """Keep a message the gateway could not deliver (core.mailgate.deliver)."""
        return self.sudo().create({
            "raw": raw, "size": len(raw), "error": reason,
            "subject": (incoming.subject if incoming else "")[:500] or "(no subject)",
            "email_from": incoming.sender[:500] if incoming else False,
            "message_id": incoming.message_id[:500] if incoming else False})

    def _gateway_retried(self, outcome) -> None:
        """Record the result of delivering the message again."""
        if outcome.record is not None:
            self.write({"state": "done", "model": outcome.record._name,
                        "res_id": outcome.record.id, "attempts": self.attempts + 1})
        else:
            self.write({"error": outcome.reason, "attempts": self.attempts + 1})

    def action_retry(self):
        """Deliver the selected messages again (those still to deliver)."""
        mailgate.retry_failed(self.sudo().env, self.filtered(lambda f: f.state == "failed"))
        return True

    def action_ignore(self):
        """Give up on the selected messages (they stay here, marked ignored)."""
        self.write({"state": "ignored"})
        return True
