"""Messages of a record's chatter (`mail.message`), the field changes a message
records (`mail.tracking.value`) and the users following a record (`mail.followers`).
Access to all three follows the record they belong to (see document_access)."""

from __future__ import annotations

import sqlalchemy as sa

from core.orm import Model, fields

MESSAGE_TYPES = [("comment", "Comment"), ("notification", "System notification"),
                 ("email", "Email"), ("sms", "SMS")]
SUBTYPES = [("note", "Note (internal)"), ("discussion", "Discussion")]


class MailMessage(Model):
    """One entry of a record's chatter: a note or discussion posted by a user, a system
    event (created, field changes, activity done) or an email."""

    _name = "mail.message"
    _inherit = ["document.access.mixin"]
    _description = "Message"
    _order = "date desc, id desc"
    _document_model_field = "model"

    model = fields.Char("Related model", index=True)
    res_id = fields.Integer("Related record", index=True)
    body = fields.Html(help="Sanitized HTML.")
    message_type = fields.Selection(MESSAGE_TYPES, string="Type", required=True,
                                    default="comment")
    subtype = fields.Selection(SUBTYPES, required=True, default="note",
                               help="Note: internal; discussion: for everyone following.")
    author_id = fields.Many2one("res.users", string="Author", ondelete="set null",
                                default=lambda records: records.env.uid)
    date = fields.Datetime(required=True, index=True, default=fields.Datetime.now)
    tracking_value_ids = fields.One2many("mail.tracking.value", "message_id",
                                         string="Field changes")
    attachment_ids = fields.Many2many("ir.attachment", relation="mail_message_attachment_rel",
                                      column1="message_id", column2="attachment_id",
                                      string="Attachments")

    def _document_operation(self, operation: str, model: str) -> str:
        # posting follows the record model's `_mail_post_access` (write by default)
        if operation == "create" and model in self.env.registry:
            return getattr(self.env.registry[model], "_mail_post_access", "write")
        return super()._document_operation(operation, model)


class MailTrackingValue(Model):
    """The old and new display values of one tracked field in a message."""

    _name = "mail.tracking.value"
    _inherit = ["document.access.mixin"]
    _description = "Field change"
    _order = "id"

    message_id = fields.Many2one("mail.message", required=True, ondelete="cascade",
                                 index=True)
    field_name = fields.Char(required=True)
    field_label = fields.Char()
    field_type = fields.Char()
    old_value = fields.Text(help="Display value before the change.")
    new_value = fields.Text(help="Display value after the change.")

    # access follows the message's record
    def _document_refs(self) -> dict[int, tuple]:
        table = self._sa_table
        messages = self.env["mail.message"]._sa_table
        ids = list(dict.fromkeys(self._ids))
        refs = {}
        for start in range(0, len(ids), 1000):
            query = (sa.select(table.c.id, messages.c.model, messages.c.res_id,
                               messages.c.create_uid)
                     .join_from(table, messages, table.c.message_id == messages.c.id)
                     .where(table.c.id.in_(ids[start:start + 1000])))
            for rid, model, res_id, creator in self.env.execute(query):
                refs[rid] = (model or False, res_id or 0, creator)
        return refs

    def _document_refs_from_vals(self, vals_list) -> list[tuple]:
        message_ids = [vals.get("message_id") for vals in vals_list]
        messages = self.env["mail.message"].browse([i for i in message_ids if i])
        refs = messages._document_refs()
        return [refs.get(i, (False, 0))[:2] for i in message_ids]

    def _document_filter(self, models=None) -> sa.ColumnElement:
        messages = self.env["mail.message"]
        visible = sa.select(messages._sa_table.c.id).where(messages._document_filter(models))
        return self._sa_table.c.message_id.in_(visible)


class MailFollowers(Model):
    """A user following a record: they see it in their followed records and will be
    notified of its discussions."""

    _name = "mail.followers"
    _inherit = ["document.access.mixin"]
    _description = "Follower"
    _order = "id"
    _sql_constraints = [("res_user_uniq", "unique(res_model, res_id, user_id)",
                         "A user follows a record only once.")]

    res_model = fields.Char("Related model", required=True, index=True)
    res_id = fields.Integer("Related record", required=True, index=True)
    user_id = fields.Many2one("res.users", string="Follower", required=True,
                              ondelete="cascade", index=True)
    name = fields.Char(related="user_id.name")
