"""Support tickets of the web client tests: a model with the chatter (mail.thread) and
activities (mail.activity.mixin)."""

from core.orm import Model, fields

TICKET_STATES = [("new", "New"), ("progress", "In progress"), ("done", "Done")]
PRIORITIES = [("0", "Normal"), ("1", "High"), ("2", "Urgent")]


class Ticket(Model):
    """A support ticket: state and priority are tracked in the chatter."""

    _name = "ws.ticket"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Ticket"
    _order = "id desc"

    name = fields.Char(required=True, string="Subject")
    description = fields.Text()
    user_id = fields.Many2one("res.users", string="Assigned to", ondelete="set null")
    customer_id = fields.Many2one("ws.customer", ondelete="set null")
    state = fields.Selection(TICKET_STATES, default="new", required=True, string="Status",
                             tracking=True)
    priority = fields.Selection(PRIORITIES, default="0", tracking=True)
