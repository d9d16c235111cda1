from core.orm import Model, fields


class Order(Model):
    """An order whose stored total follows its lines."""

    _name = "test_compute.order"
    _description = "Compute test order"

    name = fields.Char(required=True)
    partner_id = fields.Many2one("test_compute.partner")
    line_ids = fields.One2many("test_compute.line", "order_id")
    total = fields.Float(compute="_compute_total", store=True, depends=["line_ids.amount"])
    total_with_tax = fields.Float(compute="_compute_total_with_tax", store=True,
                                  depends=["total"])
    line_count = fields.Integer(compute="_compute_line_count", depends=["line_ids"])

    def _compute_total(self):
        for order in self:
            order.total = sum(order.line_ids.mapped("amount"))

    def _compute_total_with_tax(self):
        for order in self:
            order.total_with_tax = round(order.total * 1.1, 2)

    def _compute_line_count(self):
        for order in self:
            order.line_count = len(order.line_ids)


class Line(Model):
    """An order line; its related fields read through the order."""

    _name = "test_compute.line"
    _description = "Compute test order line"

    name = fields.Char()
    order_id = fields.Many2one("test_compute.order", ondelete="cascade")
    amount = fields.Float()
    order_total = fields.Float(related="order_id.total", store=True)
    partner_id = fields.Many2one("test_compute.partner", related="order_id.partner_id")
    partner_name = fields.Char(related="order_id.partner_id.name", store=True)
