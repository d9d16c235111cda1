from core.orm import Model, fields


class Broken(Model):
    _name = "lc.broken"

    name = fields.Char()
