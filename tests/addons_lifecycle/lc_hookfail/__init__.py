from core.orm import Model, fields


class HookFail(Model):
    """A model whose addon never manages to install."""

    _name = "lc.hookfail"

    name = fields.Char()


class Item(Model):
    _inherit = "lc.item"

    hook_note = fields.Char()
