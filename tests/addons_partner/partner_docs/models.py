"""A document related to a customer (as an opportunity or a quotation would be)."""

from core.orm import Model, fields


class PartnerDoc(Model):
    """A customer's document: open or done, with an owner and the users it is shared
    with."""

    _name = "partner.doc"
    _description = "Customer document"
    _order = "name, id"

    name = fields.Char(required=True)
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")
    owner_id = fields.Many2one("res.users", ondelete="set null")
    share_user_ids = fields.Many2many("res.users", relation="partner_doc_share_user_rel",
                                      column1="doc_id", column2="user_id")
    state = fields.Selection([("open", "Open"), ("done", "Done")], default="open",
                             required=True)
