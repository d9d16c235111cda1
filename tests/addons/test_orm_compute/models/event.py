from core.orm import Model, fields

KINDS = [("call", "Call"), ("meeting", "Meeting"), ("email", "Email")]


class Event(Model):
    """Records to group and aggregate with read_group."""

    _name = "test_compute.event"
    _description = "read_group test event"

    name = fields.Char()
    partner_id = fields.Many2one("test_compute.partner")
    kind = fields.Selection(KINDS)
    done = fields.Boolean()
    day = fields.Date()
    moment = fields.Datetime()
    amount = fields.Float()
    quantity = fields.Integer()
    label = fields.Char(compute="_compute_label", depends=["name"])

    def _compute_label(self):
        for event in self:
            event.label = f"[{event.name}]"
