from core.orm import Model, fields


class Item(Model):
    _inherit = "lc.item"
    _sql_constraints = [("qty_small", "check(qty < 1000)", "Quantity must stay below 1000.")]

    note = fields.Char(index=True)
    color_id = fields.Many2one("lc.color", ondelete="set null")
    color_ids = fields.Many2many("lc.color")


class Color(Model):
    """A colour, defined by the extension."""

    _name = "lc.color"

    name = fields.Char(required=True)
