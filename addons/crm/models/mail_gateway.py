"""New leads from incoming email: a message sent to the CRM's alias (`[crm] alias` in
the configuration, one address or a list) becomes a lead, through crm's
`mail_gateway_route` hook (core/mailgate.py). Replies to emails we sent are routed by
base first (to the thread they answer), so they never make new leads.

    [crm]
    alias = "sales@example.com"       # or ["sales@example.com", "info@example.com"]

The lead: the subject as its name, the sender as contact (name and address; the
customer whose email is the sender's, if one exists, is linked), the body as its
description (sanitized HTML), no salesperson (rules or a manager assign it); the email
itself, with its attachments, is posted in the lead's chatter and the attachments are
the lead's.
"""

from __future__ import annotations

from core import config, mailgate
from core.exceptions import ValidationError
from core.orm import Model, api

NAME_LENGTH = 200


def aliases() -> list[str]:
    """The configured alias addresses, lower case."""
    value = config.get("crm", "alias", [])
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError(f"[crm] alias in {config.config_path()} must be an address "
                              f"or a list of addresses, not {value!r}")
    return [v.strip().lower() for v in values if v.strip()]


class CrmLeadGateway(Model):
    """crm.lead created from incoming email."""

    _inherit = "crm.lead"

    @api.model
    def _gateway_new_lead(self, message):
        """A new lead from `message` when it was sent to the alias, else None."""
        incoming = mailgate.read_message(message)
        wanted = aliases()
        if not wanted or not set(wanted) & set(incoming.recipients):
            return None
        partner = self.env["res.partner"]
        if incoming.sender_email:
            partner = partner.sudo().search([("email", "=ilike", incoming.sender_email)],
                                            order="is_company, id", limit=1)
        name = incoming.subject or f"Email from {incoming.sender}"
        if len(name) > NAME_LENGTH:
            name = name[:NAME_LENGTH].rsplit(" ", 1)[0] + "…"
        # superuser: the gateway acts for nobody in particular; no salesperson yet
        lead = self.sudo().with_context(mail_create_nosubscribe=True).create({
            "name": name, "type": "lead", "email_from": incoming.sender_email or False,
            "contact_name": incoming.sender_name or (partner.name if partner else False),
            "partner_id": partner.id or False, "description": incoming.body_html,
            "user_id": False})
        lead._message_post_incoming(incoming)
        return lead
