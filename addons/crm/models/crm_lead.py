"""Leads and opportunities (`crm.lead`): a lead is a first contact not yet qualified;
converted, it becomes an opportunity that moves through the pipeline's stages until it
is won or lost.

Behaviour kept by `create` and `write` whatever the path (form, kanban drag, JSON API,
code), so that every way of changing a lead gives the same result:

- a new lead gets the first non-folded stage of its team (or of every team), and the
  team of its salesperson; a new salesperson outside the lead's team brings their team;
- the probability follows the stage until someone sets it by hand
  (`probability_manual`); a won stage makes it 100 and sets `date_closed`;
- archiving a lead marks it lost (probability 0, `date_closed`), unarchiving it
  restores it (the lost reason and the closing date go, the stage's probability comes
  back unless it was set by hand);
- linking a customer fills the email and phone left empty.

The conversion to an opportunity and the wizards are in crm_lead_wizards.py.
"""

from __future__ import annotations

from html import escape

from core.exceptions import UserError, ValidationError
from core.orm import Model, api, fields

LEAD_TYPES = [("lead", "Lead"), ("opportunity", "Opportunity")]
PRIORITIES = [("0", "Normal"), ("1", "Good"), ("2", "Very good"), ("3", "Excellent")]
WON_STATUSES = [("pending", "Pending"), ("won", "Won"), ("lost", "Lost")]


def _memo(cache: dict, key, compute):
    """`cache[key]`, computed by `compute()` the first time."""
    if key not in cache:
        cache[key] = compute()
    return cache[key]


class CrmLead(Model):
    """A lead or an opportunity."""

    _name = "crm.lead"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Lead or opportunity"
    _order = "priority desc, id desc"

    name = fields.Char(required=True, index=True, string="Subject", tracking=True)
    type = fields.Selection(LEAD_TYPES, required=True, default="lead", index=True,
                            tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    partner_id = fields.Many2one("res.partner", ondelete="set null", index=True,
                                 string="Customer", tracking=True)
    contact_name = fields.Char(help="The person, when no customer is linked yet.")
    partner_name = fields.Char(string="Company name",
                               help="The company, when no customer is linked yet.")
    email_from = fields.Char(string="Email", index=True)
    phone = fields.Char()
    user_id = fields.Many2one("res.users", ondelete="set null", index=True,
                              string="Salesperson", default=lambda self: self.env.uid,
                              tracking=True)
    team_id = fields.Many2one("crm.team", ondelete="set null", index=True,
                              string="Sales team", tracking=True)
    stage_id = fields.Many2one("crm.stage", ondelete="restrict", index=True, tracking=True,
                               group_expand=True, string="Stage")
    expected_revenue = fields.Monetary(string="Expected revenue", tracking=True)
    probability = fields.Float(tracking=True)
    probability_manual = fields.Boolean(
        string="Probability set by hand",
        help="Set when someone types a probability: the stage no longer changes it. "
             "Untick it to follow the stage again.")
    date_deadline = fields.Date(string="Expected closing", index=True, tracking=True)
    priority = fields.Selection(PRIORITIES, default="0")
    tag_ids = fields.Many2many("crm.tag", relation="crm_lead_tag_rel", column1="lead_id",
                               column2="tag_id", string="Tags")
    source_id = fields.Many2one("crm.source", ondelete="set null", string="Source")
    medium_id = fields.Many2one("crm.medium", ondelete="set null", string="Medium")
    description = fields.Html(string="Notes")
    lost_reason_id = fields.Many2one("crm.lost.reason", ondelete="restrict",
                                     string="Lost reason", tracking=True)
    date_conversion = fields.Datetime(string="Converted on", readonly=True)
    date_closed = fields.Datetime(string="Closed on", readonly=True)
    share_user_ids = fields.Many2many("res.users", relation="crm_lead_share_user_rel",
                                      column1="lead_id", column2="user_id",
                                      string="Shared with users")
    share_department_ids = fields.Many2many("res.department",
                                            relation="crm_lead_share_department_rel",
                                            column1="lead_id", column2="department_id",
                                            string="Shared with departments")
    won_status = fields.Selection(WON_STATUSES, compute="_compute_won_status", store=True,
                                  depends=["active", "stage_id.is_won"], string="Status")

    def _compute_won_status(self):
        for lead in self:
            if not lead.active:
                lead.won_status = "lost"
            elif lead.stage_id.is_won:
                lead.won_status = "won"
            else:
                lead.won_status = "pending"

    @api.constrains("probability")
    def _check_probability(self):
        for lead in self:
            if not 0 <= (lead.probability or 0) <= 100:
                raise ValidationError(f"{lead.name}: the probability must be between 0 "
                                      "and 100.", field="probability")

    # -- defaults -------------------------------------------------------------------------
    def _user_team(self, user_id):
        """The first sales team (in team order) that `user_id` leads or belongs to, or an
        empty recordset."""
        if not user_id:
            return self.env["crm.team"]
        return self.env["crm.team"].search(
            ["|", ("user_id", "=", user_id), ("member_ids", "in", [user_id])], limit=1)

    def _stages(self, team_id, domain):
        """Stages matching `domain` of the team `team_id` or of every team, in order."""
        return self.env["crm.stage"].search(
            [*domain, "|", ("team_id", "=", team_id or False), ("team_id", "=", False)])

    def _default_stage(self, team_id):
        """The first non-folded stage of the team or of every team (a stage record, empty
        when none is configured)."""
        return self._stages(team_id, [("fold", "=", False), ("is_won", "=", False)])[:1]

    def _won_stage(self, team_id):
        """The first won stage of the team or of every team; UserError when none."""
        stage = self._stages(team_id, [("is_won", "=", True)])[:1]
        if not stage:
            raise UserError("No won stage is configured: add a stage with \"Won stage\" "
                            "ticked in CRM > Configuration > Stages.")
        return stage

    def _restore_stage(self, team_id):
        """Where a won opportunity goes back to when restored: the last open stage (the
        one before winning) of the team or of every team."""
        stages = self._stages(team_id, [("is_won", "=", False)])
        return stages[-1:] if stages else stages

    # -- create and write -----------------------------------------------------------------
    @api.model
    def create(self, vals_list):
        single = isinstance(vals_list, dict)
        cache: dict = {}  # one search per salesperson, team and customer, not per lead
        vals_list = [self._prepare_create(dict(vals), cache)
                     for vals in ([vals_list] if single else list(vals_list))]
        records = super().create(vals_list)
        return records[0] if single and records else records

    def _prepare_create(self, vals: dict, cache: dict) -> dict:
        """`vals` of a new lead completed with the team, stage, probability, closing date
        and the customer's email and phone (see the module's docstring); `cache` keeps
        what a batch of leads shares."""
        context = self.env.context
        if "user_id" not in vals and "default_user_id" not in context:
            vals["user_id"] = self.env.uid
        if "team_id" not in vals and "default_team_id" not in context:
            vals["team_id"] = _memo(cache, ("team", vals.get("user_id")),
                                    lambda: self._user_team(vals.get("user_id")).id) or False
        team_id = vals.get("team_id", context.get("default_team_id"))
        if "stage_id" not in vals and "default_stage_id" not in context:
            vals["stage_id"] = _memo(cache, ("stage", team_id),
                                     lambda: self._default_stage(team_id).id) or False
        stage = self.env["crm.stage"].browse(vals.get("stage_id",
                                                      context.get("default_stage_id")) or [])
        active = vals.get("active", context.get("default_active", True))
        if "probability" in vals:
            vals.setdefault("probability_manual", True)
        elif not vals.get("probability_manual"):
            vals["probability"] = stage.probability if stage else 0.0
        if not active:
            vals.update(probability=0.0, date_closed=vals.get("date_closed")
                        or fields.Datetime.now())
        elif stage.is_won:
            vals.update(probability=100.0, date_closed=vals.get("date_closed")
                        or fields.Datetime.now())
        if vals.get("partner_id"):
            contact = _memo(cache, ("partner", vals["partner_id"]),
                            lambda: self._partner_contact(vals["partner_id"]))
            vals.update({k: v for k, v in contact.items() if not vals.get(k)})
        return vals

    def _partner_contact(self, partner_id) -> dict:
        """The email and phone of customer `partner_id` (as the current user sees it)."""
        partner = self.env["res.partner"].browse(partner_id)
        return {"email_from": partner.email or False,
                "phone": partner.phone or partner.mobile or False}

    def write(self, vals):
        if not self._ids or not (set(vals) & {"stage_id", "active", "probability",
                                              "probability_manual", "user_id",
                                              "partner_id"}):
            return super().write(vals)
        groups: dict[tuple, list[int]] = {}
        cache: dict = {}
        for lead in self.with_context(active_test=False):
            extra = self._write_extra(lead, vals, cache)
            groups.setdefault(tuple(sorted(extra.items())), []).append(lead.id)
        for extra, ids in groups.items():
            super(CrmLead, self.browse(ids)).write({**vals, **dict(extra)})
        return True

    def _write_extra(self, lead, vals: dict, cache: dict) -> dict:
        """The values `write(vals)` adds for `lead` (see the module's docstring);
        `cache` keeps what the records written together share."""
        extra = {}
        if "probability" in vals and "probability_manual" not in vals:
            extra["probability_manual"] = True
        manual = vals.get("probability_manual", extra.get("probability_manual",
                                                           lead.probability_manual))
        stage = self.env["crm.stage"].browse(vals["stage_id"] or []) \
            if "stage_id" in vals else lead.stage_id
        active = bool(vals["active"]) if "active" in vals else lead.active
        now = fields.Datetime.now()
        if not active:
            if lead.active:  # archived: lost (restoring it follows the stage again)
                extra.update(probability=0.0, probability_manual=False, date_closed=now)
        elif stage.is_won:
            if not (lead.stage_id.is_won and lead.active):
                extra.update(probability=100.0, date_closed=now)
            if not lead.active:  # a lost one won after all
                extra["lost_reason_id"] = False
        else:
            if lead.stage_id.is_won or not lead.active:  # reopened
                extra["date_closed"] = False
            if not lead.active:
                extra["lost_reason_id"] = False
            if "probability" not in vals and not manual and (
                    stage != lead.stage_id or not lead.active or lead.stage_id.is_won
                    or "probability_manual" in vals):
                extra["probability"] = stage.probability if stage else 0.0
        if "user_id" in vals and "team_id" not in vals and vals["user_id"]:
            team = lead.team_id
            user_id = vals["user_id"]
            if not team or (team.user_id.id != user_id and user_id not in
                            team.member_ids.ids):
                found = _memo(cache, "team", lambda: self._user_team(user_id).id)
                if found:
                    extra["team_id"] = found
        if vals.get("partner_id"):
            contact = _memo(cache, "partner",
                            lambda: self._partner_contact(vals["partner_id"]))
            for name in ("email_from", "phone"):
                if name not in vals and not lead[name] and contact[name]:
                    extra[name] = contact[name]
        return {k: v for k, v in extra.items() if k not in vals}

    # -- won, lost, restore ---------------------------------------------------------------
    def action_set_won(self):
        """Move the opportunities to the first won stage of their team (probability 100,
        closing date now); a lost one is restored on the way. UserError for a lead (it
        must be converted first) or when no won stage exists."""
        leads = [lead.name for lead in self if lead.type == "lead"]
        if leads:
            raise UserError(f"{', '.join(leads)}: a lead cannot be won; convert it to an "
                            "opportunity first (the Convert to opportunity button).")
        with self.env.atomic():
            for team_id, leads in self.with_context(active_test=False).grouped(
                    lambda lead: lead.team_id.id).items():
                leads.write({"stage_id": self._won_stage(team_id).id, "active": True})
            self._log_status("<p>Marked as won.</p>")
        return True

    def action_set_lost(self, reason=None):
        """Mark the leads and opportunities lost: archived, probability 0, closing date
        now, with `reason` (a crm.lost.reason record or id) when given."""
        reason_id = getattr(reason, "id", reason) or False
        with self.env.atomic():
            self.with_context(active_test=False).write({"active": False,
                                                        "lost_reason_id": reason_id})
            name = self.env["crm.lost.reason"].browse(reason_id).name if reason_id else None
            self._log_status(f"<p>Marked as lost{': ' + escape(name) if name else ''}.</p>")
        return True

    def action_restore(self):
        """Back to the pipeline: a lost one is unarchived (lost reason and closing date
        cleared, the stage's probability back); a won one goes back to the last open
        stage of its team."""
        records = self.with_context(active_test=False)
        with self.env.atomic():
            closed = records.filtered(lambda lead: lead.won_status != "pending")
            if closed:
                closed.filtered(lambda lead: not lead.active).write({"active": True})
                for team_id, won in closed.filtered(lambda lead: lead.stage_id.is_won) \
                        .grouped(lambda lead: lead.team_id.id).items():
                    won.write({"stage_id": self._restore_stage(team_id).id or False})
                closed._log_status("<p>Restored to the pipeline.</p>")
        return True

    def _log_status(self, body: str) -> None:
        """One chatter notification per record, created together. As superuser: the
        user's write on these records was just accepted by the ORM, and after a change
        of salesperson she may no longer see them; the message is still hers."""
        if self._ids:
            self._message_create_sudo([{"res_id": rid, "body": body,
                                        "message_type": "notification", "subtype": "note"}
                                       for rid in self._ids])

    # -- buttons opening wizards ----------------------------------------------------------
    def _wizard_url(self, wizard: str) -> dict:
        ids = ",".join(str(i) for i in self._ids)
        return {"url": f"/web/{wizard}/new?active_model=crm.lead&active_ids={ids}"}

    def action_open_lost_wizard(self) -> dict:
        """The header button "Lost": the wizard asking the reason."""
        return self._wizard_url("crm.lead.lost")

    def action_open_convert_wizard(self) -> dict:
        """The header button "Convert to opportunity": the conversion wizard."""
        return self._wizard_url("crm.lead.convert")
