from core.orm import Model, fields


class Thing(Model):
    """A model whose table must not survive the failed install."""

    _name = "vw.bad.twomatch"

    name = fields.Char()
