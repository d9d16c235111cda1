"""Customer groups (`res.partner.group`): segments such as North, South or "age 20-30".
A customer may be in several; each group may add to its members' potential score."""

from __future__ import annotations

from core.exceptions import ValidationError
from core.orm import Model, api, fields


class PartnerGroup(Model):
    """A group of customers."""

    _name = "res.partner.group"
    _description = "Customer group"
    _order = "name, id"
    _sql_constraints = [("name_uniq", "unique(name)", "A customer group with this name "
                                                       "already exists.")]

    name = fields.Char(required=True, index=True)
    description = fields.Text()
    potential_score = fields.Integer(
        string="Potential score",
        help="Points each member gets towards its potential rating (0 to 100).")
    partner_ids = fields.Many2many("res.partner", relation="res_partner_group_rel",
                                   column1="group_id", column2="partner_id",
                                   string="Customers")
    active = fields.Boolean(default=True)

    @api.constrains("potential_score")
    def _check_potential_score(self):
        for group in self:
            if not 0 <= group.potential_score <= 100:
                raise ValidationError(f"Customer group {group.name!r}: the potential score "
                                      "must be between 0 and 100.", field="potential_score")


class PartnerGroups(Model):
    """The groups a customer is in."""

    _inherit = "res.partner"

    group_ids = fields.Many2many("res.partner.group", relation="res_partner_group_rel",
                                 column1="partner_id", column2="group_id",
                                 string="Customer groups")
