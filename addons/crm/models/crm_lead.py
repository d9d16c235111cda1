"""Leads and opportunities (`crm.lead`): a lead is a first contact not yet qualified;
converted, it becomes an opportunity that moves through the pipeline's stages until it
is won or lost."""

from __future__ import annotations

from core.exceptions import ValidationError
from core.orm import Model, api, fields

LEAD_TYPES = [("lead", "Lead"), ("opportunity", "Opportunity")]
PRIORITIES = [("0", "Normal"), ("1", "Good"), ("2", "Very good"), ("3", "Excellent")]


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
    won_status = fields.Selection([("pending", "Pending"), ("won", "Won"), ("lost", "Lost")],
                                  compute="_compute_won_status", store=True,
                                  depends=["active", "stage_id.is_won"], string="Status")

    def _compute_won_status(self):
        for lead in self:
            if lead.stage_id.is_won:
                lead.won_status = "won"
            elif not lead.active:
                lead.won_status = "lost"
            else:
                lead.won_status = "pending"

    @api.constrains("probability")
    def _check_probability(self):
        for lead in self:
            if not 0 <= (lead.probability or 0) <= 100:
                raise ValidationError(f"{lead.name}: the probability must be between 0 "
                                      "and 100.", field="probability")
