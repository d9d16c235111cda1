"""A customer's CRM history: counters of opportunities, meetings and calls (smart
buttons on the form, badges on the kanban card) and the History tab's entries
(opportunities, stage changes, won and lost, emails, meetings, calls).

Everything is computed for a customer together with the contacts below it: the
records whose partner is the customer itself, or has it as commercial entity (a
company counts the opportunities of its contacts). Counters of a whole kanban page
cost a fixed number of queries (one read_group per counter), and the current user's
access rules apply everywhere: nobody sees a count of records they may not read.

Meetings (`calendar.event`) and phone calls (`crm.phonecall`) are optional: while
their model is not in the registry, their counter is 0 and no button or entry shows.
"""

from __future__ import annotations

import html
import re

from core.orm import Model, fields

LIMIT = 50  # entries of each kind in the History tab (the newest)
# (counter field, model, partner field, extra domain, button label, icon, sequence)
COUNTERS = [
    ("opportunity_count", "crm.lead", "partner_id", [("type", "=", "opportunity")],
     "Opportunities", "fa-star", 20),
    ("meeting_count", "calendar.event", "partner_id", [], "Meetings", "fa-calendar", 21),
    ("phonecall_count", "crm.phonecall", "partner_id", [], "Calls", "fa-phone", 22),
]


def may_read(model) -> bool:
    """Whether the current user's access lines let them read `model` (rules aside)."""
    policy = model._security()
    return policy is None or policy.model_allowed(model.env.uid, model._name, "read")


def partner_domain(field: str, partner_ids: list[int]) -> list:
    """Records whose `field` is one of the partners or one of their contacts."""
    return ["|", (field, "in", list(partner_ids)),
            (f"{field}.commercial_partner_id", "in", list(partner_ids))]


class PartnerCrm(Model):
    """res.partner seen from the CRM: counters, smart buttons and history entries."""

    _inherit = "res.partner"

    opportunity_count = fields.Integer(compute="_compute_opportunity_count",
                                       string="Opportunities")
    meeting_count = fields.Integer(compute="_compute_meeting_count", string="Meetings")
    phonecall_count = fields.Integer(compute="_compute_phonecall_count", string="Calls")

    # -- counters -------------------------------------------------------------------------
    def _compute_opportunity_count(self):
        self._set_counter("opportunity_count")

    def _compute_meeting_count(self):
        self._set_counter("meeting_count")

    def _compute_phonecall_count(self):
        self._set_counter("phonecall_count")

    def _set_counter(self, name: str) -> None:
        _name, model, field, extra, *_rest = next(c for c in COUNTERS if c[0] == name)
        counts = self._crm_counts(model, field, extra)
        for partner in self:
            setattr(partner, name, counts.get(partner.id, 0))

    def _crm_counts(self, model_name: str, field: str, extra: list) -> dict[int, int]:
        """{partner id: number of `model_name` records of the partner or its contacts},
        for every partner of self: one read_group, one read of the commercial entities."""
        ids = [i for i in self._ids if isinstance(i, int)]
        if not ids or model_name not in self.env.registry:
            return {}
        model = self.env[model_name]
        if field not in model._fields or not may_read(model):
            return {}
        groups = model.read_group([*partner_domain(field, ids), *extra], [field], [field])
        per_partner = {group[field][0]: group["__count"] for group in groups if group[field]}
        wanted, counts = set(ids), {}
        partners = self.browse(list(per_partner)).sudo()  # sudo: only to map contacts
        for partner in partners:                          # to their company
            count = per_partner[partner.id]
            targets = {partner.id, partner.commercial_partner_id.id} & wanted
            for target in targets:
                counts[target] = counts.get(target, 0) + count
        return counts

    # -- smart buttons --------------------------------------------------------------------
    def _crm_partner_buttons(self) -> list[dict]:
        """Opportunities, Meetings and Calls of the customer (and its contacts), each
        opening the list of those records; only for the models installed and readable."""
        self.ensure_one()
        buttons = []
        for name, model, field, extra, label, icon, sequence in COUNTERS:
            if model not in self.env.registry or field not in self.env[model]._fields \
                    or not may_read(self.env[model]):
                continue
            buttons.append({
                "label": label, "count": self[name], "icon": icon, "sequence": sequence,
                "action": {"model": model, "view": "list",
                           "domain": [*partner_domain(field, [self.id]), *extra],
                           "context": {f"default_{field}": self.id}}})
        return buttons

    # -- history ---------------------------------------------------------------------------
    def _crm_history_entries(self) -> list[dict]:
        """Opportunities and leads (created, won, lost), their stage changes and emails,
        meetings and calls of the customer and its contacts, as the current user may
        read them (the newest LIMIT of each source)."""
        self.ensure_one()
        entries = []
        if may_read(self.env["crm.lead"]):
            leads = self.env["crm.lead"].with_context(active_test=False).search(
                partner_domain("partner_id", [self.id]), order="create_date desc, id desc",
                limit=LIMIT)
            entries += self._lead_entries(leads)
            entries += self._lead_message_entries(leads)
        entries += self._meeting_entries()
        entries += self._call_entries()
        return entries

    def _lead_entries(self, leads) -> list[dict]:
        types = dict(leads._fields["type"].get_selection(leads))
        entries = []
        for lead in leads:
            label = types.get(lead.type, "Lead")
            facts = [f"{label} created", f"stage {lead.stage_id.name}" if lead.stage_id else "",
                     f"expected revenue {lead.expected_revenue:,.2f}"
                     if lead.expected_revenue else "",
                     f"salesperson {lead.user_id.name}" if lead.user_id else ""]
            entries.append({"date": lead.create_date, "kind": "opportunity",
                            "title": lead.name, "model": "crm.lead", "res_id": lead.id,
                            "summary": ", ".join(f for f in facts if f)})
            if lead.won_status in ("won", "lost"):
                reason = lead.lost_reason_id.name if lead.won_status == "lost" else ""
                entries.append({
                    "date": lead.date_closed or lead.write_date, "kind": lead.won_status,
                    "title": f"{'Won' if lead.won_status == 'won' else 'Lost'}: {lead.name}",
                    "model": "crm.lead", "res_id": lead.id,
                    "summary": f"Reason: {reason}" if reason else ""})
        return entries

    def _lead_message_entries(self, leads) -> list[dict]:
        """Stage changes (tracking values of stage_id) and emails of the leads."""
        if not leads:
            return []
        names = dict(zip(leads.ids, leads.mapped("name"), strict=True))
        messages = self.env["mail.message"].search(
            [("model", "=", "crm.lead"), ("res_id", "in", leads.ids),
             ("message_type", "in", ["email", "notification"])],
            order="date desc, id desc", limit=4 * LIMIT)
        stages = self.env["mail.tracking.value"].sudo().search(  # sudo: the messages
            [("message_id", "in", messages.ids), ("field_name", "=", "stage_id")])  # are
        changes = {line.message_id.id: line for line in stages}  # readable already
        entries, emails = [], 0
        for message in messages:
            name = names.get(message.res_id, "")
            if message.id in changes:
                line = changes[message.id]
                entries.append({"date": message.date, "kind": "stage",
                                "title": f"{name}: {line.old_value or '—'} → "
                                         f"{line.new_value or '—'}",
                                "model": "crm.lead", "res_id": message.res_id,
                                "summary": f"by {message.author_id.name}"
                                if message.author_id else ""})
            elif message.message_type == "email" and emails < LIMIT:
                emails += 1
                subject = "subject" in message._fields and message.subject
                entries.append({"date": message.date, "kind": "email",
                                "title": subject or f"Email on {name}",
                                "model": "crm.lead", "res_id": message.res_id,
                                "summary": _text(message.body)})
        return entries

    def _meeting_entries(self) -> list[dict]:
        model = self._optional_model("calendar.event", "partner_id")
        if model is None:
            return []
        start = "start" if "start" in model._fields else "create_date"
        events = model.search(partner_domain("partner_id", [self.id]),
                              order=f"{start} desc, id desc", limit=LIMIT)
        entries = []
        for event in events:
            facts = [f"at {event.location}" if "location" in event._fields and event.location
                     else "",
                     f"organized by {event.user_id.name}"
                     if "user_id" in event._fields and event.user_id else ""]
            entries.append({"date": event[start], "kind": "meeting",
                            "title": event.name or "Meeting", "model": model._name,
                            "res_id": event.id, "summary": " ".join(f for f in facts if f)})
        return entries

    def _call_entries(self) -> list[dict]:
        model = self._optional_model("crm.phonecall", "partner_id")
        if model is None:
            return []
        date = "date" if "date" in model._fields else "create_date"
        calls = model.search(partner_domain("partner_id", [self.id]),
                             order=f"{date} desc, id desc", limit=LIMIT)
        entries = []
        for call in calls:
            facts = []
            for name in ("direction", "state"):
                if name in call._fields and call[name]:
                    facts.append(dict(call._fields[name].get_selection(call)).get(
                        call[name], call[name]))
            if "duration" in call._fields and call.duration:
                facts.append(f"{call.duration:g} min")
            if "description" in call._fields and call.description:
                facts.append(_text(call.description))
            title = next((call[n] for n in ("name", "summary") if n in call._fields
                          and call[n]), "Call")
            entries.append({"date": call[date], "kind": "call", "title": title,
                            "model": model._name, "res_id": call.id,
                            "summary": ", ".join(str(f) for f in facts if f)})
        return entries

    def _optional_model(self, model_name: str, field: str):
        """The model when it is installed, has `field` and the user may read it."""
        if model_name not in self.env.registry:
            return None
        model = self.env[model_name]
        return model if field in model._fields and may_read(model) else None


def _text(body, length: int = 240) -> str:
    """The plain text of an HTML body, cut to `length` characters."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", str(body or ""))).split())
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + "…"
