"""Stages of orders, for the kanban view: `stage_id` groups the orders in columns, every
stage shown (group_expand) in sequence order, empty ones included."""

from core.exceptions import ValidationError
from core.orm import Model, api, fields


class Stage(Model):
    """A step of an order's life."""

    _name = "ws.stage"
    _description = "Order stage"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(string="Folded in kanban")


class OrderStage(Model):
    """Orders move between stages; an order without lines cannot be won."""

    _inherit = "ws.order"

    stage_id = fields.Many2one("ws.stage", string="Stage", ondelete="set null",
                               group_expand=True)

    @api.constrains("stage_id")
    def _check_stage_lines(self):
        for order in self:
            if order.stage_id.name == "Won" and not order.line_ids:
                raise ValidationError(f"{order.name} has no line: an order without lines "
                                      "cannot be won.")
