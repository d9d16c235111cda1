from core.orm import Model, fields


class Side(Model):
    """Something on the other side of the bridge."""

    _name = "lc.side"

    name = fields.Char(required=True)
