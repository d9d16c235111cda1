"""Who may see a customer: its owner, and the users and departments it is shared with.

Employees see the customers they own, those shared with them or with their
department, and those without an owner; members of "Contacts: all customers" see all
(record rules in security/rules.xml). A company's contacts follow it: the owner and
the sharing are commercial fields. The mass actions that change them are in
`partner_wizards.py`.
"""

from __future__ import annotations

from core.orm import Model, fields

SHARING_FIELDS = ("owner_id", "share_user_ids", "share_department_ids")


class PartnerOwner(Model):
    """Owner and sharing of customers."""

    _inherit = "res.partner"

    owner_id = fields.Many2one("res.users", ondelete="set null", index=True, string="Owner",
                               default=lambda self: self.env.uid, tracking=True,
                               help="The user responsible for the customer; they always "
                                    "see it.")
    share_user_ids = fields.Many2many("res.users", relation="res_partner_share_user_rel",
                                      column1="partner_id", column2="user_id",
                                      string="Shared with users")
    share_department_ids = fields.Many2many("res.department",
                                            relation="res_partner_share_department_rel",
                                            column1="partner_id", column2="department_id",
                                            string="Shared with departments")

    private_address_ids = fields.Many2many(
        "res.partner", compute="_compute_private_address_ids",
        groups="base.group_private_addresses", string="Private addresses",
        help="The contact's private addresses: only the private addresses group reads "
             "them (this field, and the record rule on the addresses themselves).")

    def _commercial_fields(self):
        return (*super()._commercial_fields(), *SHARING_FIELDS)

    def _compute_private_address_ids(self):
        found: dict[int, list[int]] = {}
        if self._ids:
            # the field is for its group only, and that group passes the record rule
            addresses = self.sudo().search([("parent_id", "in", list(self._ids)),
                                            ("type", "=", "private")], order="id")
            for address in addresses:
                found.setdefault(address.parent_id.id, []).append(address.id)
        for partner in self:
            partner.private_address_ids = found.get(partner.id, [])


class UserContact(Model):
    """A user's email (the sender of what they send) and what the record rule on
    private addresses needs to know about them."""

    _inherit = "res.users"

    email = fields.Char(help="The address emails sent by this user come from and replies "
                             "go to.")
    private_address_type = fields.Char(
        compute="_compute_private_address_type",
        help="'private' for members of the private addresses group, else empty: the "
             "record rule on res.partner compares the address type with it.")

    def _compute_private_address_type(self):
        group = self.env.ref("base.group_private_addresses", raise_if_not_found=False)
        policy = self.env.transaction.security
        for user in self:
            if group and policy is not None:
                allowed = group.id in policy.group_ids(user.id)  # implied groups count
            else:
                allowed = bool(group) and user.id in group.sudo().users.ids
            user.private_address_type = "private" if allowed else ""
