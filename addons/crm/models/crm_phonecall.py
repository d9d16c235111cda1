"""Phone calls (`crm.phonecall`): calls made (outbound) or received (inbound), planned
or logged, with their outcome: open (to make), held, not held (no answer) or cancelled.

The call centre works through a queue: an operator's open calls, earliest first.
Marking one held or not held opens the next one ("Next call"); lists of calls to make
are imported from CSV (core/views/csv_import.py: `tessera import crm.phonecall
calls.csv`, or the list's Import button).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

from core.exceptions import UserError, ValidationError
from core.orm import Model, api, fields

DIRECTIONS = [("outbound", "Outbound"), ("inbound", "Inbound")]
STATES = [("open", "To do"), ("held", "Held"), ("not_held", "Not held"),
          ("cancelled", "Cancelled")]
PHONE = re.compile(r"^\+?[\d\s().\-/]+$")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class CrmPhonecall(Model):
    """A phone call with a customer, about an opportunity or not."""

    _name = "crm.phonecall"
    _description = "Phone call"
    _order = "date desc, id desc"

    name = fields.Char(required=True, string="Summary", index=True)
    direction = fields.Selection(DIRECTIONS, required=True, default="outbound", index=True)
    date = fields.Datetime(required=True, index=True, default=lambda self: _now())
    partner_id = fields.Many2one("res.partner", string="Contact", index=True,
                                 ondelete="set null")
    opportunity_id = fields.Many2one("crm.lead", string="Opportunity", index=True,
                                     ondelete="set null")
    phone = fields.Char()
    description = fields.Text(string="Notes")
    user_id = fields.Many2one("res.users", string="Responsible", index=True,
                              ondelete="set null", default=lambda self: self.env.uid)
    duration = fields.Float(string="Duration (minutes)")
    state = fields.Selection(STATES, required=True, default="open", readonly=True,
                             index=True, string="Status")

    @api.constrains("duration")
    def _check_duration(self):
        for call in self:
            if (call.duration or 0) < 0:
                raise ValidationError(f"Call {call.name!r}: a duration is a number of minutes, "
                                      f"not {call.duration:g}.", field="duration")

    @api.constrains("phone")
    def _check_phone(self):
        for call in self:
            phone = (call.phone or "").strip()
            if phone and (not PHONE.match(phone) or sum(c.isdigit() for c in phone) < 6):
                raise ValidationError(f"Call {call.name!r}: {call.phone!r} is not a phone "
                                      "number: use digits, spaces and + ( ) - only, e.g. "
                                      "+84 24 3826 1234.", field="phone")

    def create(self, vals_list):
        """A call without a phone number takes its contact's (phone, else mobile), or its
        opportunity's (one read of each for a whole import)."""
        single = isinstance(vals_list, dict)
        vals_list = [dict(v) for v in ([vals_list] if single else vals_list)]
        context = self.env.context
        missing = [v for v in vals_list if not v.get("phone", context.get("default_phone"))]

        def linked(vals, field):
            value = vals.get(field, context.get(f"default_{field}"))
            return value if isinstance(value, int) and value else None

        numbers = {}
        for field, model, names in [("partner_id", "res.partner", ("phone", "mobile")),
                                    ("opportunity_id", "crm.lead", ("phone",))]:
            ids = {linked(v, field) for v in missing} - {None}
            # sudo: only the number of a record the call links to (its rules apply to
            # the call's own fields when it is read)
            for row in self.env[model].sudo().browse(sorted(ids)).read(list(names)):
                numbers[(field, row["id"])] = next((row[n] for n in names if row[n]), False)
        for vals in missing:
            phone = numbers.get(("partner_id", linked(vals, "partner_id"))) or \
                numbers.get(("opportunity_id", linked(vals, "opportunity_id")))
            if phone:
                vals["phone"] = phone
        return super().create(vals_list[0] if single else vals_list)

    # -- header buttons ------------------------------------------------------------------
    def _set_state(self, state: str, allowed: tuple[str, ...]):
        labels = dict(STATES)
        for call in self:
            if call.state not in allowed:
                raise UserError(f"Call {call.name!r} is {labels[call.state].lower()}: only a "
                                f"call {' or '.join(labels[s].lower() for s in allowed)} can "
                                f"be marked {labels[state].lower()}.")
        self.write({"state": state})  # read-only on the form: these buttons change it

    def action_held(self):
        """The call took place. Then the operator's next call opens, if any."""
        self._set_state("held", ("open", "not_held"))
        return self._next_after()

    def action_not_held(self):
        """Nobody answered. Then the operator's next call opens, if any."""
        self._set_state("not_held", ("open",))
        return self._next_after()

    def action_cancel(self):
        """The call will not be made."""
        self._set_state("cancelled", ("open", "not_held"))

    def action_reopen(self):
        """Back to the calls to make."""
        self._set_state("open", ("held", "not_held", "cancelled"))

    def _next_after(self):
        """After a call of the current user's queue: their next open call."""
        if len(self) != 1 or self.user_id.id != self.env.uid:
            return None
        return self.action_next_call()

    def action_next_call(self):
        """{"url": the form of the current user's next open call (the earliest)}, or of
        their queue when it is empty."""
        queue = self.search([("user_id", "=", self.env.uid), ("state", "=", "open"),
                             ("id", "not in", self.ids)], order="date, id", limit=1)
        action = self.env.ref("crm.action_phonecall_queue", raise_if_not_found=False)
        suffix = f"?action={action.id}" if action else ""
        if queue:
            return {"url": f"/web/crm.phonecall/{queue.id}{suffix}"}
        return {"url": f"/web/crm.phonecall{suffix}"}

    def action_schedule_another(self):
        """Open a new call to make, pre-filled from this one (same contact, opportunity,
        number and responsible; tomorrow at the same time)."""
        self.ensure_one()
        params = {"default_name": self.name, "default_direction": "outbound",
                  "default_partner_id": self.partner_id.id,
                  "default_opportunity_id": self.opportunity_id.id,
                  "default_phone": self.phone,
                  "default_user_id": self.user_id.id or self.env.uid,
                  "default_date": (max(self.date or _now(), _now()) + dt.timedelta(days=1))
                  .strftime("%Y-%m-%dT%H:%M")}
        params = {key: value for key, value in params.items() if value}
        return {"url": f"/web/crm.phonecall/new?{urlencode(params)}"}

    def action_convert_to_opportunity(self):
        """Create an opportunity from the call (its contact, number, responsible and
        notes), link it, and mark the call held. Opens the new opportunity."""
        self.ensure_one()
        if self.opportunity_id:
            raise UserError(f"Call {self.name!r} is already about the opportunity "
                            f"{self.opportunity_id.name!r}: open it from the call's form.")
        if self.state == "cancelled":
            raise UserError(f"Call {self.name!r} is cancelled: reopen it first.")
        partner = self.partner_id
        lead = self.env["crm.lead"].create({
            "name": self.name, "type": "opportunity", "partner_id": partner.id,
            "phone": self.phone, "user_id": self.user_id.id or self.env.uid,
            "email_from": partner.email if partner else False,
            "description": self.description or False})
        self.write({"opportunity_id": lead.id})
        if self.state != "held":
            self._set_state("held", ("open", "not_held"))
        return {"url": f"/web/crm.lead/{lead.id}"}


class LeadPhonecalls(Model):
    """Calls of an opportunity."""

    _inherit = "crm.lead"

    phonecall_ids = fields.One2many("crm.phonecall", "opportunity_id", string="Calls")
