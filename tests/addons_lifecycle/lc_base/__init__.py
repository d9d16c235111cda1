from core.orm import Model, fields


class Item(Model):
    """An item with a quantity."""

    _name = "lc.item"
    _description = "Lifecycle item"

    name = fields.Char(required=True, index=True)
    qty = fields.Integer()
    done = fields.Boolean()
    tag_ids = fields.Many2many("lc.tag")


class Tag(Model):
    """A tag."""

    _name = "lc.tag"

    name = fields.Char(required=True)
    parent_id = fields.Many2one("lc.tag")
