"""Models of the mail tests: tickets (a chatter with tracked fields, activities) and
notes (a plain model, no chatter)."""

from core.orm import Model, fields

TICKET_STATES = [("new", "New"), ("progress", "In progress"), ("done", "Done")]


class Ticket(Model):
    """A ticket: inherits the chatter and the activities; name, state and assignee
    are tracked, the description is not."""

    _name = "mail_test.ticket"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Ticket"
    _order = "id"

    name = fields.Char(required=True, tracking=True)
    state = fields.Selection(TICKET_STATES, default="new", tracking=True)
    user_id = fields.Many2one("res.users", string="Assignee", ondelete="set null",
                              tracking=True)
    description = fields.Text()
    confidential = fields.Boolean(help="Hidden from everyone but the superuser (a rule).")


class Note(Model):
    """A plain record without chatter: attachments and activities may still link to it."""

    _name = "mail_test.note"
    _description = "Note"

    name = fields.Char(required=True)
