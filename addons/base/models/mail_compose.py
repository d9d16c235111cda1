"""The "Send email" wizard (`mail.compose.message`): opened from the customers' Actions
menu (base's `record_actions` hook) and from the "Send email" button of a customer's
form, with the selected customers in its context (`active_ids`).

What is typed is sent as typed; a part left empty (subject, body) comes from the chosen
template, rendered for each customer. With one customer, "Use template" fills the form
with the rendered template, to edit it before sending. Customers without an email
address are left out and listed in the wizard's report (all of them: refused).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from addons.base.models.mail_smtp import format_address, one_line
from core.exceptions import UserError, ValidationError
from core.orm import Model, fields

COMPOSER_URL = "/web/mail.compose.message"


def html_is_empty(html: str | None) -> bool:
    """Whether an HTML body shows nothing (no text, no image)."""
    if not html:
        return True
    return not re.sub(r"<[^>]*>|&nbsp;|\s", "", html) and "<img" not in html


def _names(partners, limit: int = 10) -> str:
    names = [p.display_name for p in partners[:limit]]
    more = len(partners) - limit
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


class MailComposeMessage(Model):
    """One email to write and send to one or several customers."""

    _name = "mail.compose.message"
    _description = "Send email"
    _order = "id desc"

    def _default_partners(self):
        context = self.env.context
        if context.get("active_model") != "res.partner":
            return []
        return [int(i) for i in context.get("active_ids") or ()]

    partner_ids = fields.Many2many("res.partner", relation="mail_compose_message_partner_rel",
                                   column1="wizard_id", column2="partner_id",
                                   string="Recipients", default=_default_partners)
    template_id = fields.Many2one("mail.template", string="Template", ondelete="set null",
                                  domain=[("model", "=", "res.partner")])
    subject = fields.Char()
    body = fields.Html()
    state = fields.Selection([("draft", "Draft"), ("sent", "Sent")], default="draft",
                             required=True, readonly=True)
    report = fields.Text("Result", readonly=True)

    def default_get(self, field_names) -> dict:
        """Defaults; with a template (`default_template_id`) and one customer, the
        subject and body are the template rendered for that customer."""
        result = super().default_get(field_names)
        template_id = result.get("template_id")
        partner_ids = result.get("partner_ids") or []
        if template_id and len(partner_ids) == 1 and not (result.get("subject") or
                                                          result.get("body")):
            template = self.env["mail.template"].browse(int(template_id))
            partner = self.env["res.partner"].browse(partner_ids)
            rendered = template.render(partner, names=("subject", "body_html"))[partner.id]
            result.update(subject=rendered["subject"], body=rendered["body_html"])
        return result

    def _recipients(self):
        """The chosen customers, read with the current user's rights: one they may not
        see is an AccessError, not silently left out."""
        # superuser only to list the ids linked to this wizard (the user's own record)
        return self.env["res.partner"].browse(self.sudo().partner_ids.ids)

    def action_apply_template(self):
        """Fill the subject and body with the template rendered for the (one) customer,
        to edit them before sending; with several customers the template is rendered
        for each one when sending."""
        self.ensure_one()
        self._check_draft()
        if not self.template_id:
            raise UserError("Choose a template first, then click Use template.")
        partners = self._recipients()
        if len(partners) == 1:
            rendered = self.template_id.render(partners, names=("subject", "body_html"))
            self.write({"subject": rendered[partners.id]["subject"],
                        "body": rendered[partners.id]["body_html"], "report": False})
        else:
            self.write({"subject": False, "body": False, "report": (
                f"The template is written for each of the {len(partners)} customers when "
                "you send: leave the subject and body empty to use it.")})
        return {"url": f"{COMPOSER_URL}/{self.id}"}

    def action_send(self):
        """Queue one email per customer with an email address and post it in their
        chatter; report who was left out. Returns where the web client goes next."""
        self.ensure_one()
        self._check_draft()
        partners = self._recipients()
        if not partners:
            raise UserError("Choose at least one customer to email.")
        reachable = partners.filtered(lambda partner: bool(partner.email))
        missing = partners - reachable
        if not reachable:
            raise UserError(f"No email was sent: {_names(missing)} "
                            f"{'has' if len(missing) == 1 else 'have'} no email address. "
                            "Add the addresses on the customers' forms, then send again.")
        values = self._email_values(reachable)
        mails = self.env["mail.mail"]._queue_emails(reachable, values)
        report = f"{len(mails)} email(s) queued for {_names(reachable)}."
        if missing:
            report += (f" Not sent, no email address: {_names(missing)}. Add their "
                       "addresses and send them a new email.")
        self.write({"state": "sent", "report": report})
        if len(partners) == 1:
            return {"url": f"/web/res.partner/{partners.id}?notice=done"}
        return {"url": f"{COMPOSER_URL}/{self.id}"}

    def _check_draft(self) -> None:
        if self.state == "sent":
            raise UserError("This email was sent already; to send another one, select the "
                            "customers again and choose Send email.")

    def _email_values(self, partners) -> dict:
        """{partner id: values of its email}: what was typed, the template for the rest."""
        body_typed = not html_is_empty(self.body)
        subject = one_line(self.subject)
        missing = [name for name, typed in (("subject", subject), ("body_html", body_typed))
                   if not typed]
        rendered = self.template_id.render(partners, names=missing) \
            if self.template_id and missing else {}
        values = {}
        for partner in partners:
            parts = rendered.get(partner.id, {})
            values[partner.id] = {
                "subject": subject or parts.get("subject", ""),
                "body_html": self.body if body_typed else parts.get("body_html", ""),
                "email_to": format_address(partner.name, partner.email),
                "partner_id": partner.id}
            if not values[partner.id]["subject"]:
                raise ValidationError("Write a subject, or choose a template that has one.",
                                      field="subject")
            if html_is_empty(values[partner.id]["body_html"]):
                raise ValidationError("Write the message, or choose a template that has a "
                                      "body.", field="body")
        return values


class PartnerSendEmail(Model):
    """The "Send email" button of a customer's form."""

    _inherit = "res.partner"

    def action_send_email(self):
        """Open the Send email wizard for this customer."""
        self.ensure_one()
        if not self.email:
            raise UserError(f"{self.display_name} has no email address: add it (Email field) "
                            "and save, then send.")
        query = urlencode({"active_model": "res.partner", "active_ids": self.id})
        return {"url": f"{COMPOSER_URL}/new?{query}"}
