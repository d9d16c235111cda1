"""The Send SMS wizard (`sms.composer`): the customers' mass action "Send SMS" (base's
`record_actions` hook). The user picks a sender (brand), writes the text (its length
and SMS parts shown) and sends it to the selected customers, to their contacts, or to
both; one `sms.sms` is queued per number. See docs/sms.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from addons.base.models import sms_provider
from core.exceptions import AccessError, UserError, ValidationError
from core.orm import Model, api, fields

RECIPIENTS = [("customer", "The customers"), ("contacts", "Their contacts"),
              ("both", "The customers and their contacts")]
NAMES_SHOWN = 5  # names listed in the summary before "and N more"


@dataclass
class Plan:
    """Who receives the SMS: `targets` (partner, number as written), one per number;
    `skipped` partners without a number; `duplicates` partners whose number is already
    a target."""

    targets: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)


def _names(partners) -> str:
    names = [partner.name for partner in partners[:NAMES_SHOWN]]
    more = len(partners) - NAMES_SHOWN
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def _number_key(raw: str) -> str:
    try:
        return sms_provider.normalize_number(raw)
    except ValueError:
        return raw.strip()


class SmsComposer(Model):
    """Send SMS to customers: a draft until Send queues the messages (then "done",
    listing them with their results)."""

    _name = "sms.composer"
    _description = "Send SMS"
    _order = "id desc"

    name = fields.Char(compute="_compute_name", string="Title")
    brand = fields.Selection(selection="_brand_selection", required=True, string="Sender",
                             default=lambda records: sms_provider.brands()[0],
                             help="The brand name (sender id) the recipients see.")
    body = fields.Text(string="Message")
    recipients = fields.Selection(RECIPIENTS, required=True, default="customer",
                                  string="Send to")
    partner_ids = fields.Many2many("res.partner", relation="sms_composer_partner_rel",
                                   column1="composer_id", column2="partner_id",
                                   string="Customers",
                                   default=lambda records: records._default_partner_ids())
    body_length = fields.Integer(compute="_compute_body_length", string="Length",
                                 help="GSM extension characters (€ [ ] { } ~ ^ | \\) and "
                                      "emoji count 2.")
    segment_count = fields.Integer(compute="_compute_segment_count", string="SMS parts")
    length_info = fields.Char(compute="_compute_length_info", string="Length")
    summary = fields.Html(compute="_compute_summary", string="Recipients",
                          default=lambda records: records._summary(
                              records._default_partner_ids()))
    state = fields.Selection([("draft", "Draft"), ("done", "Sent")], required=True,
                             default="draft")
    sms_ids = fields.One2many("sms.sms", "composer_id", string="Messages")

    def _brand_selection(self):
        return [(name, name) for name in sms_provider.brands()]

    def _default_partner_ids(self) -> list[int]:
        context = self.env.context
        if context.get("active_model") != "res.partner":
            return []
        return [int(i) for i in context.get("active_ids") or ()]

    @api.depends("body")
    def _compute_name(self):
        for composer in self:
            text = " ".join(sms_provider.clean_body(composer.body).split())
            if len(text) > 40:
                text = text[:40] + "…"
            composer.name = f"SMS: {text}" if text else "New SMS"

    @api.depends("body")
    def _compute_body_length(self):
        for composer in self:
            composer.body_length = sms_provider.measure(composer.body).length

    @api.depends("body")
    def _compute_segment_count(self):
        for composer in self:
            composer.segment_count = sms_provider.measure(composer.body).segments

    @api.depends("body")
    def _compute_length_info(self):
        for composer in self:
            composer.length_info = sms_provider.measure(composer.body).describe()

    @api.depends("partner_ids", "recipients")
    def _compute_summary(self):
        for composer in self:
            # sudo: the relation read as the user leaves out whom they may not see
            composer.summary = composer._summary(composer.sudo().partner_ids.ids)

    # -- recipients -------------------------------------------------------------------
    def _visible_partners(self, ids):
        """The partners of `ids` the current user may read (archived ones included)."""
        if not ids:
            return self.env["res.partner"]
        return self.env["res.partner"].with_context(active_test=False).search(
            [("id", "in", list(ids))]).with_context(active_test=True)

    def _contacts(self, partners):
        """The contact persons of `partners` the current user may read."""
        if not partners:
            return partners
        return self.env["res.partner"].search([("parent_id", "in", partners.ids),
                                               ("type", "=", "contact")])

    def _plan(self, partners, recipients: str) -> Plan:
        """The numbers `recipients` ("customer", "contacts", "both") of `partners`
        get: each partner's mobile, else its phone; a number once."""
        candidates = self.env["res.partner"]
        if recipients in ("customer", "both"):
            candidates |= partners
        if recipients in ("contacts", "both"):
            candidates |= self._contacts(partners)
        plan, seen = Plan(), set()
        for partner in candidates:
            raw = (partner.mobile or partner.phone or "").strip()
            if not raw:
                plan.skipped.append(partner)
            elif _number_key(raw) in seen:
                plan.duplicates.append(partner)
            else:
                seen.add(_number_key(raw))
                plan.targets.append((partner, raw))
        return plan

    def _summary(self, ids) -> str:
        """Who among partners `ids` receives the SMS and who is skipped, for each
        choice of recipients (HTML, names escaped)."""
        if not ids:
            return "<p>No customer selected: open Send SMS from the customers' list.</p>"
        partners = self._visible_partners(ids)
        lines = []
        if len(partners) < len(set(ids)):
            lines.append(f"{len(set(ids)) - len(partners)} of the selected customers are "
                         "not visible to you: you cannot send them SMS")
        for key, label in (("customer", "Customers"), ("contacts", "Their contacts")):
            plan = self._plan(partners, key)
            line = f"{label}: {len(plan.targets)} will receive it"
            if plan.targets:
                line += f" ({_names([partner for partner, _raw in plan.targets])})"
            if plan.skipped:
                line += f"; {len(plan.skipped)} skipped, no number ({_names(plan.skipped)})"
            if plan.duplicates:
                line += (f"; {len(plan.duplicates)} share a number already listed "
                         f"({_names(plan.duplicates)})")
            lines.append(line + ".")
        return "".join(f"<p>{escape(line)}</p>" for line in lines)

    def _checked_partners(self):
        """The selected partners, read as the current user: AccessError when some of
        them are not visible to them."""
        # sudo: reading the relation as the user drops the partners they may not see;
        # all the selected ids are needed to refuse those
        ids = self.sudo().partner_ids.ids
        if not ids:
            raise UserError("Select the customers first: open Send SMS from the "
                            "customers' list with some of them ticked. Nothing was sent.")
        partners = self._visible_partners(ids)
        hidden = sorted(set(ids) - set(partners.ids))
        if hidden:
            raise AccessError(f"You may not send SMS to {len(hidden)} of the selected "
                              "customers: you cannot see them (ids "
                              f"{', '.join(map(str, hidden))}). Nothing was sent.")
        return partners

    # -- sending ----------------------------------------------------------------------
    def action_send(self):
        """Queue one SMS per number of the chosen recipients (an invalid number is
        recorded as an error at once), then send them now if `[sms] send_now` is set,
        else `tessera worker` will. Nothing is queued on any error."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError("These SMS were already sent: open Send SMS again from the "
                            "customers for a new message.")
        body = sms_provider.clean_body(self.body)
        if not body.strip():
            raise ValidationError("Message: write the text of the SMS. Nothing was sent.",
                                  field="body")
        if self.brand not in sms_provider.brands():
            raise ValidationError(f"Sender {self.brand!r} is not one of the configured "
                                  "brands; choose another. Nothing was sent.", field="brand")
        partners = self._checked_partners()
        # a wrong provider configuration is refused before anything is queued
        provider = sms_provider.configured_provider() \
            if sms_provider.setting("send_now", False) else None
        plan = self._plan(partners, self.recipients)
        if not plan.targets:
            who = dict(RECIPIENTS)[self.recipients].lower()
            raise UserError(f"No SMS to send: none of {who} has a mobile or phone number"
                            + (f" ({_names(plan.skipped)})" if plan.skipped else "")
                            + ". Add a number or choose other recipients. Nothing was sent.")
        values = []
        for partner, raw in plan.targets:
            item = {"partner_id": partner.id, "body": body, "brand": self.brand,
                    "composer_id": self.id, "user_id": self.env.uid, "number": raw}
            try:
                sms_provider.normalize_number(raw)
            except ValueError as error:
                item.update(state="error", error=f"Invalid number: {error}.")
            values.append(item)
        # sudo: only Settings users manage the queue; employees queue messages for the
        # partners they may read, which _checked_partners verified with their rights.
        queue = self.env["sms.sms"].sudo().create(values)
        self.write({"state": "done"})
        queue.filtered(lambda sms: sms.state == "error")._post_results()
        if provider is not None:
            queue.filtered(lambda sms: sms.state == "outgoing")._send(
                provider, fields.Datetime.now())
        return None
