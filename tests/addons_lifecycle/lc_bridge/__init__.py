from core.orm import Model, fields


class Item(Model):
    _inherit = "lc.item"

    side_id = fields.Many2one("lc.side", ondelete="set null")
