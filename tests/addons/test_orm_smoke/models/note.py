from core.orm import Model, fields


class Note(Model):
    """A note: the smallest model with a name."""

    _name = "test.note"
    _description = "Test note"
    _order = "name, id"

    name = fields.Char(required=True, index=True)
    body = fields.Text()
