from core.exceptions import ValidationError
from core.orm import Model, api, fields


class Constrained(Model):
    """Python and SQL constraints."""

    _name = "test_compute.constrained"
    _description = "Constraint test record"
    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code must be unique."),
        ("quantity_positive", "check(quantity >= 0)", "The quantity cannot be negative."),
    ]

    # One entry per call of _check_range: the ids checked.
    _range_checks: list = []

    name = fields.Char()
    code = fields.Char()
    quantity = fields.Integer()
    min_value = fields.Integer()
    max_value = fields.Integer()
    note = fields.Char()
    line_ids = fields.One2many("test_compute.constrained.line", "parent_id")
    line_total = fields.Integer(compute="_compute_line_total", store=True,
                                depends=["line_ids.size"])

    @api.constrains("min_value", "max_value")
    def _check_range(self):
        self._range_checks.append(tuple(self.ids))
        for record in self:
            if record.min_value > record.max_value:
                raise ValidationError(f"{record.name}: the minimum cannot exceed the maximum.")

    @api.constrains("line_ids")
    def _check_lines(self):
        for record in self:
            if len(record.line_ids) > 3:
                raise ValidationError("At most 3 lines are allowed.")

    def _compute_line_total(self):
        for record in self:
            record.line_total = sum(record.line_ids.mapped("size"))


class ConstrainedLine(Model):
    """A line of a constrained record."""

    _name = "test_compute.constrained.line"
    _description = "Constraint test line"

    parent_id = fields.Many2one("test_compute.constrained", ondelete="cascade")
    name = fields.Char()
    size = fields.Integer()
