"""Meetings of the web client tests: the calendar view's model."""

from core.orm import Model, fields


class Meeting(Model):
    """A meeting with a salesperson and a customer: start, stop and all day."""

    _name = "ws.meeting"
    _description = "Meeting"
    _order = "start, id"

    name = fields.Char(required=True, string="Subject")
    start = fields.Datetime(required=True)
    stop = fields.Datetime()
    allday = fields.Boolean(string="All day")
    user_id = fields.Many2one("res.users", string="Attendee", ondelete="set null")
    customer_id = fields.Many2one("ws.customer", ondelete="set null")
    description = fields.Text()
