from core.orm import Model, fields


class Item(Model):
    _inherit = "lc.item"

    note = fields.Char(index=True)
    twin_flag = fields.Boolean()
