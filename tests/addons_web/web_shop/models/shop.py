"""Models of the web client tests: a small shop with every field type."""

from core.exceptions import UserError, ValidationError
from core.orm import Model, api, fields

STATES = [("draft", "Quotation"), ("confirmed", "Confirmed"), ("done", "Done")]


class Currency(Model):
    """A currency with its symbol."""

    _name = "ws.currency"
    _description = "Currency"

    name = fields.Char(required=True)
    symbol = fields.Char(required=True)


class Category(Model):
    """A customer category."""

    _name = "ws.category"
    _description = "Customer category"

    name = fields.Char(required=True)


class Tag(Model):
    """A tag for orders."""

    _name = "ws.tag"
    _description = "Tag"
    _order = "name"

    name = fields.Char(required=True)


class Customer(Model):
    """A customer."""

    _name = "ws.customer"
    _description = "Customer"
    _order = "name, id"

    name = fields.Char(required=True)
    email = fields.Char()
    city = fields.Char()
    category_id = fields.Many2one("ws.category", ondelete="set null")
    order_ids = fields.One2many("ws.order", "customer_id", string="Orders")
    active = fields.Boolean(default=True)

    @api.constrains("email")
    def _check_email(self):
        for customer in self:
            if customer.email and "@" not in customer.email:
                raise ValidationError(f"{customer.email!r} is not an email address: "
                                      "write it as name@example.com.")


class Order(Model):
    """A sales order: every field type of the form."""

    _name = "ws.order"
    _description = "Order"
    _order = "id desc"

    name = fields.Char(required=True, string="Reference")
    customer_id = fields.Many2one("ws.customer", required=True, ondelete="restrict")
    user_id = fields.Many2one("res.users", string="Salesperson", ondelete="set null")
    date_order = fields.Date(string="Order date")
    deadline = fields.Datetime()
    state = fields.Selection(STATES, default="draft", required=True, string="Status")
    priority = fields.Integer()
    discount = fields.Float(digits=(16, 2))
    currency_id = fields.Many2one("ws.currency", ondelete="restrict")
    amount = fields.Monetary(compute="_compute_amount", store=True, string="Total")
    is_urgent = fields.Boolean(string="Urgent")
    note = fields.Text()
    description = fields.Html()
    tag_ids = fields.Many2many("ws.tag", string="Tags")
    line_ids = fields.One2many("ws.order.line", "order_id", string="Lines")
    active = fields.Boolean(default=True)

    @api.depends("line_ids.subtotal")
    def _compute_amount(self):
        for order in self:
            order.amount = sum(order.line_ids.mapped("subtotal"))

    @api.constrains("discount")
    def _check_discount(self):
        for order in self:
            if not 0 <= order.discount <= 100:
                raise ValidationError(f"A discount is between 0 and 100 %, not "
                                      f"{order.discount:g}.")

    def action_confirm(self):
        """Confirm quotations that have lines."""
        for order in self:
            if not order.line_ids:
                raise UserError(f"{order.name} has no line: add what the customer orders "
                                "before confirming.")
        self.write({"state": "confirmed"})

    def action_done(self):
        """Close confirmed orders."""
        self.write({"state": "done"})

    def action_mark_urgent(self):
        """The Actions menu entry of the hook: flag the selected orders."""
        self.write({"is_urgent": True})


class OrderLine(Model):
    """A line of an order."""

    _name = "ws.order.line"
    _description = "Order line"
    _order = "sequence, id"

    order_id = fields.Many2one("ws.order", required=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    product = fields.Char(required=True)
    tag_id = fields.Many2one("ws.tag", ondelete="set null")
    quantity = fields.Float(default=1.0)
    price = fields.Float()
    subtotal = fields.Float(compute="_compute_subtotal", store=True)

    @api.depends("quantity", "price")
    def _compute_subtotal(self):
        for line in self:
            line.subtotal = line.quantity * line.price


class Secret(Model):
    """No access line: only the superuser may open it (403 pages)."""

    _name = "ws.secret"
    _description = "Secret"

    name = fields.Char(required=True)
