"""The pipeline's reference data: sales teams, stages, tags, lost reasons, sources and
mediums."""

from __future__ import annotations

from core.exceptions import ValidationError
from core.orm import Model, api, fields


class CrmTeam(Model):
    """A sales team: a leader, members, and (optionally) its own stages."""

    _name = "crm.team"
    _description = "Sales team"
    _order = "sequence, name, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    user_id = fields.Many2one("res.users", string="Team leader", ondelete="set null")
    member_ids = fields.Many2many("res.users", relation="crm_team_member_rel",
                                  column1="team_id", column2="user_id", string="Salespeople")
    active = fields.Boolean(default=True)


class CrmStage(Model):
    """A step of the pipeline; a won stage ends it."""

    _name = "crm.stage"
    _description = "Pipeline stage"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    probability = fields.Float(default=10.0,
                               help="The probability an opportunity gets in this stage.")
    is_won = fields.Boolean(string="Won stage")
    fold = fields.Boolean(string="Folded in the pipeline")
    team_id = fields.Many2one("crm.team", ondelete="set null",
                              help="Only for this team's pipeline (empty: every team).")
    requirements = fields.Text(help="What an opportunity needs before it moves here.")

    @api.constrains("probability")
    def _check_probability(self):
        for stage in self:
            if not 0 <= stage.probability <= 100:
                raise ValidationError(f"Stage {stage.name!r}: the probability must be "
                                      "between 0 and 100.", field="probability")


class CrmTag(Model):
    """A tag on leads and opportunities."""

    _name = "crm.tag"
    _description = "CRM tag"
    _order = "name, id"

    name = fields.Char(required=True)
    color = fields.Integer()


class CrmLostReason(Model):
    """Why an opportunity was lost (price, competitor, no budget...)."""

    _name = "crm.lost.reason"
    _description = "Lost reason"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)


class CrmSource(Model):
    """Where a lead came from (website, referral, fair...)."""

    _name = "crm.source"
    _description = "Lead source"
    _order = "name, id"

    name = fields.Char(required=True)


class CrmMedium(Model):
    """How a lead reached us (email, phone, social network...)."""

    _name = "crm.medium"
    _description = "Lead medium"
    _order = "name, id"

    name = fields.Char(required=True)
