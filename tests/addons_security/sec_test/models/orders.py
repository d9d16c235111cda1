"""Models of the security tests: orders (owner, department, a manager-only field,
lines), tags (an access line for everyone) and a vault (no access line at all)."""

from core.orm import Model, fields

ORDER_STATES = [("draft", "Draft"), ("done", "Done"), ("cancel", "Cancelled")]


class Order(Model):
    """An order: record rules restrict it by owner, department and state."""

    _name = "sec_test.order"
    _description = "Security test order"
    _order = "name, id"

    name = fields.Char(required=True)
    user_id = fields.Many2one("res.users", string="Owner", ondelete="set null")
    department_id = fields.Many2one("res.department", ondelete="set null")
    state = fields.Selection(ORDER_STATES, default="draft")
    confidential = fields.Boolean()
    published = fields.Boolean()
    amount = fields.Integer()
    margin = fields.Integer(groups="sec_test.group_manager")
    line_ids = fields.One2many("sec_test.line", "order_id")
    tag_id = fields.Many2one("sec_test.tag", ondelete="set null")


class Line(Model):
    """A line of an order; a global rule hides the lines marked hidden."""

    _name = "sec_test.line"
    _description = "Security test line"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer()
    hidden = fields.Boolean()
    order_id = fields.Many2one("sec_test.order", required=True, ondelete="cascade")


class Tag(Model):
    """A tag: everyone may read tags (a line without a group), employees may change them."""

    _name = "sec_test.tag"
    _description = "Security test tag"

    name = fields.Char(required=True)


class Vault(Model):
    """No access line at all: only the superuser (and sudo) may use it."""

    _name = "sec_test.vault"
    _description = "Security test vault"

    name = fields.Char(required=True)
