"""`bench.partner` (a stand-in for res.partner: many2one and many2many columns) and
`bench.order` with its one2many lines, for the web client benchmark."""

from core.orm import Model, api, fields

STATES = [("draft", "Quotation"), ("sale", "Sales order"), ("done", "Done")]


class BenchCountry(Model):
    """A country (many2one target of the partners)."""

    _name = "bench.country"
    _description = "Benchmark country"
    _order = "name"

    name = fields.Char(required=True)
    code = fields.Char()


class BenchTag(Model):
    """A partner tag (many2many target)."""

    _name = "bench.tag"
    _description = "Benchmark tag"
    _order = "name"

    name = fields.Char(required=True)


class BenchPartner(Model):
    """A partner-like record, listed 80 at a time out of 100,000."""

    _name = "bench.partner"
    _description = "Benchmark partner"
    _order = "name, id"

    name = fields.Char(required=True, index=True)
    email = fields.Char()
    city = fields.Char()
    country_id = fields.Many2one("bench.country", ondelete="set null", index=True)
    user_id = fields.Many2one("res.users", string="Salesperson", ondelete="set null")
    tag_ids = fields.Many2many("bench.tag", relation="bench_partner_tag_rel",
                               column1="partner_id", column2="tag_id", string="Tags")
    amount = fields.Float(digits=(16, 2), string="Turnover")
    active = fields.Boolean(default=True)


class BenchOrder(Model):
    """An order of a partner, with lines (the form page of the benchmark)."""

    _name = "bench.order"
    _description = "Benchmark order"
    _order = "id desc"

    name = fields.Char(required=True, string="Reference")
    partner_id = fields.Many2one("bench.partner", required=True, ondelete="restrict",
                                 index=True)
    user_id = fields.Many2one("res.users", string="Salesperson", ondelete="set null")
    date_order = fields.Date(string="Order date")
    state = fields.Selection(STATES, default="draft", required=True, string="Status")
    note = fields.Text()
    line_ids = fields.One2many("bench.order.line", "order_id", string="Lines")
    amount_total = fields.Float(compute="_compute_amount_total", store=True, string="Total")

    @api.depends("line_ids.subtotal")
    def _compute_amount_total(self):
        for order in self:
            order.amount_total = sum(order.line_ids.mapped("subtotal"))


class BenchOrderLine(Model):
    """A line of an order."""

    _name = "bench.order.line"
    _description = "Benchmark order line"
    _order = "sequence, id"

    order_id = fields.Many2one("bench.order", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    product = fields.Char(required=True)
    tag_id = fields.Many2one("bench.tag", ondelete="set null")
    quantity = fields.Float(default=1.0)
    price = fields.Float()
    subtotal = fields.Float(compute="_compute_subtotal", store=True)

    @api.depends("quantity", "price")
    def _compute_subtotal(self):
        for line in self:
            line.subtotal = line.quantity * line.price
