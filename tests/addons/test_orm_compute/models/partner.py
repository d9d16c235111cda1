from core.orm import Model, api, fields


class Partner(Model):
    """A partner with a hierarchy: computed, related and defaulted fields."""

    _name = "test_compute.partner"
    _description = "Compute test partner"
    _order = "name, id"

    # One entry per call of _compute_upper_name: the number of records computed.
    _upper_calls: list = []

    name = fields.Char(required=True)
    parent_id = fields.Many2one("test_compute.partner", ondelete="set null")
    child_ids = fields.One2many("test_compute.partner", "parent_id")
    code = fields.Char(default="NEW")
    priority = fields.Integer(default=lambda model: model._default_priority())
    color = fields.Integer()
    upper_name = fields.Char(compute="_compute_upper_name", depends=["name"])
    display_full = fields.Char(compute="_compute_display_full", store=True,
                               depends=["name", "parent_id.name"])
    parent_name = fields.Char(related="parent_id.name")
    parent_name_stored = fields.Char(related="parent_id.name", store=True)
    grandparent_id = fields.Many2one("test_compute.partner", related="parent_id.parent_id")
    name_length = fields.Integer(compute="_compute_name_length", store=True)
    name_length_double = fields.Integer(compute="_compute_name_length_double", store=True,
                                        depends=["name_length"])

    def _default_priority(self):
        return 10 + self.env.context.get("priority_bonus", 0)

    def _compute_upper_name(self):
        self._upper_calls.append(len(self))
        for record in self:
            record.upper_name = (record.name or "").upper()

    def _compute_display_full(self):
        for record in self:
            if record.parent_id:
                record.display_full = f"{record.parent_id.name} / {record.name}"
            else:
                record.display_full = record.name

    @api.depends("name")
    def _compute_name_length(self):
        for record in self:
            record.name_length = len(record.name or "")

    def _compute_name_length_double(self):
        for record in self:
            record.name_length_double = record.name_length * 2
