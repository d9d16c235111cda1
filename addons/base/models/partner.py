"""Customers and contacts (`res.partner`): persons and companies, their addresses and
contacts, tags, customer groups, and the commercial fields that a company's contacts
share with it (salesperson, owner, sharing, payment terms).

Ownership and sharing (who may see a customer) and the potential rating live in
`partner_sharing.py` and `partner_potential.py`; they extend this model.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from core.exceptions import ValidationError
from core.orm import Model, api, fields

ADDRESS_TYPES = [("contact", "Contact"), ("invoice", "Invoice address"),
                 ("delivery", "Delivery address"), ("other", "Other address"),
                 ("private", "Private address")]
# A pragmatic check (RFC 5322 allows more, but these are what people mistype):
# one @, no spaces, a dot in the domain, no empty labels.
EMAIL_PATTERN = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>.]+(\.[^@\s,;<>.]+)+$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()./-]{6,30}$")
# What a company's contacts take from it, and keep in step with it.
COMMERCIAL_FIELDS = ("user_id", "payment_term_id", "supplier_payment_term_id", "pricelist_id",
                     "vat")


def check_email(value: str | None, label: str = "Email") -> None:
    """Raise ValidationError unless `value` is empty or looks like one email address."""
    if value and not EMAIL_PATTERN.match(value.strip()):
        raise ValidationError(f"{label} {value!r} is not a valid email address: write it as "
                              "name@example.com.", field="email")


def check_phone(value: str | None, field: str = "phone") -> None:
    """Raise ValidationError unless `value` is empty or a phone number (digits, spaces,
    + ( ) . / -; at least 6 digits)."""
    if not value:
        return
    digits = sum(ch.isdigit() for ch in value)
    if not PHONE_PATTERN.match(value.strip()) or digits < 6:
        raise ValidationError(f"{field.capitalize()} {value!r} is not a valid phone number: "
                              "use digits, spaces and + ( ) - only, e.g. +84 24 3826 1234.",
                              field=field)


def write_value(record, name: str):
    """The value of `record.name` as `write()` takes it (an id for a many2one)."""
    value = record[name]
    if not hasattr(value, "_ids"):
        return value
    return value.id if record._fields[name].type == "many2one" else [(6, 0, value.ids)]


def _hashable(value):
    """A write value as a dict key: a many2many's [(6, 0, ids)] becomes a tuple of ids."""
    return ("ids", tuple(value[0][2])) if isinstance(value, list) else value


def _writable(value):
    """The write value `_hashable` made a key of."""
    if isinstance(value, tuple) and value and value[0] == "ids":
        return [(6, 0, list(value[1]))]
    return value


class PartnerCategory(Model):
    """A tag put on customers (VIP, Supplier, Hanoi...)."""

    _name = "res.partner.category"
    _description = "Contact tag"
    _order = "name, id"

    name = fields.Char(required=True, index=True)
    color = fields.Integer(help="Colour index of the tag's chip (0 to 11).")
    active = fields.Boolean(default=True)
    partner_ids = fields.Many2many("res.partner", relation="res_partner_res_partner_category_rel",
                                   column1="category_id", column2="partner_id",
                                   string="Contacts")


class PaymentTerm(Model):
    """When an invoice is due: a number of days after its date (a simple term)."""

    _name = "account.payment.term"
    _description = "Payment terms"
    _order = "days, name, id"

    name = fields.Char(required=True)
    days = fields.Integer(help="Days after the invoice date.")
    note = fields.Text(string="Description on invoices")
    active = fields.Boolean(default=True)

    @api.constrains("days")
    def _check_days(self):
        for term in self:
            if term.days < 0:
                raise ValidationError(f"Payment terms {term.name!r}: days must be 0 or more.",
                                      field="days")


class Pricelist(Model):
    """A price list a customer buys at. The sale addon adds its rules."""

    _name = "product.pricelist"
    _description = "Pricelist"
    _order = "sequence, name, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)


class Partner(Model):
    """A customer, supplier or contact: a person or a company."""

    _name = "res.partner"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Contact"
    _order = "complete_name, id"
    _rec_name = "complete_name"

    name = fields.Char(required=True, index=True, tracking=True)
    complete_name = fields.Char(compute="_compute_complete_name", store=True, index=True,
                                depends=["name", "is_company", "parent_id.name"],
                                string="Full name")
    is_company = fields.Boolean(string="Is a company", tracking=True)
    company_type = fields.Selection([("person", "Person"), ("company", "Company")],
                                    compute="_compute_company_type",
                                    inverse="_inverse_company_type", string="Kind")
    parent_id = fields.Many2one("res.partner", ondelete="cascade", index=True,
                                string="Company", tracking=True)
    child_ids = fields.One2many("res.partner", "parent_id", string="Contacts & addresses")
    commercial_partner_id = fields.Many2one(
        "res.partner", compute="_compute_commercial_partner", store=True, index=True,
        depends=["is_company", "parent_id", "parent_id.is_company",
                 "parent_id.parent_id"],
        string="Commercial entity",
        help="The company a contact belongs to (itself for a company or a lone person).")
    type = fields.Selection(ADDRESS_TYPES, default="contact", required=True,
                            string="Address type")
    function = fields.Char(string="Job position")
    title = fields.Selection([("mr", "Mr."), ("mrs", "Mrs."), ("ms", "Ms."), ("dr", "Dr."),
                              ("prof", "Prof.")])

    street = fields.Char()
    street2 = fields.Char()
    city = fields.Char(index=True)
    state_id = fields.Many2one("res.country.state", ondelete="restrict", string="State")
    zip = fields.Char(string="ZIP")
    country_id = fields.Many2one("res.country", ondelete="restrict", index=True,
                                 string="Country")
    vat = fields.Char(string="Tax ID", index=True)
    phone = fields.Char()
    mobile = fields.Char()
    email = fields.Char(index=True)
    website = fields.Char()
    lang = fields.Char(string="Language", default="en_US")
    tag_ids = fields.Many2many("res.partner.category",
                               relation="res_partner_res_partner_category_rel",
                               column1="partner_id", column2="category_id", string="Tags")
    is_favorite = fields.Boolean(string="Favourite")
    user_id = fields.Many2one("res.users", ondelete="set null", index=True,
                              string="Salesperson", tracking=True)
    comment = fields.Html(string="Internal notes",
                          help="Notes for the team; editing them notifies no follower.")
    active = fields.Boolean(default=True, tracking=True)

    # Sales & purchase
    payment_term_id = fields.Many2one("account.payment.term", ondelete="restrict",
                                      string="Customer payment terms")
    pricelist_id = fields.Many2one("product.pricelist", ondelete="set null",
                                   string="Pricelist")
    supplier_payment_term_id = fields.Many2one("account.payment.term", ondelete="restrict",
                                               string="Supplier payment terms")
    receipt_reminder = fields.Boolean(
        string="Receipt reminder",
        help="Remind the supplier by email a few days before an expected receipt.")
    receipt_reminder_days = fields.Integer(string="Days before receipt", default=1)

    contact_count = fields.Integer(compute="_compute_contact_count", string="Contacts")
    activity_count = fields.Integer(compute="_compute_activity_count",
                                    string="Scheduled activities")

    _sql_constraints = [
        ("reminder_days_positive", "CHECK (receipt_reminder_days >= 0)",
         "Days before receipt must be 0 or more."),
    ]

    # -- computed fields ---------------------------------------------------------------
    def _compute_complete_name(self):
        for partner in self:
            parent = partner.parent_id
            if parent and not partner.is_company and partner.name:
                partner.complete_name = f"{parent.name}, {partner.name}"
            else:
                partner.complete_name = partner.name or ""

    def _compute_company_type(self):
        for partner in self:
            partner.company_type = "company" if partner.is_company else "person"

    def _inverse_company_type(self):
        for partner in self:
            partner.is_company = partner.company_type == "company"

    def _compute_commercial_partner(self):
        for partner in self:
            current = partner
            seen = set()
            while current.parent_id and not current.is_company and current.id not in seen:
                seen.add(current.id)
                current = current.parent_id
            partner.commercial_partner_id = current

    def _compute_contact_count(self):
        counts = self._count_by("res.partner", "parent_id")
        for partner in self:
            partner.contact_count = counts.get(partner.id, 0)

    def _compute_activity_count(self):
        counts = {}
        if self._ids:
            table = self.env["mail.activity"]._sa_table
            query = (sa.select(table.c.res_id, sa.func.count())
                     .where(table.c.res_model == self._name,
                            table.c.res_id.in_(list(self._ids)))
                     .group_by(table.c.res_id))
            counts = dict(self.env.execute(query).all())
        for partner in self:
            partner.activity_count = counts.get(partner.id, 0)

    def _count_by(self, model_name: str, field_name: str, domain=None) -> dict[int, int]:
        """{partner id: number of `model_name` records whose `field_name` is that
        partner}, for self in one read_group (the user's rules apply)."""
        if not self._ids:
            return {}
        groups = self.env[model_name].read_group(
            [(field_name, "in", list(self._ids)), *(domain or [])], [field_name],
            [field_name])
        return {group[field_name][0]: group["__count"] for group in groups
                if group[field_name]}

    # -- validation --------------------------------------------------------------------
    @api.constrains("email")
    def _check_email(self):
        for partner in self:
            check_email(partner.email, f"{partner.name}: email")

    @api.constrains("phone", "mobile")
    def _check_phones(self):
        for partner in self:
            check_phone(partner.phone, "phone")
            check_phone(partner.mobile, "mobile")

    @api.constrains("parent_id")
    def _check_parent(self):
        for partner in self:
            seen = {partner.id}
            current = partner.parent_id
            while current:
                if current.id in seen:
                    raise ValidationError(f"{partner.name}: a contact cannot be its own "
                                          "company, even through others.", field="parent_id")
                seen.add(current.id)
                current = current.parent_id

    # -- commercial fields: a company's contacts follow it -------------------------------
    def _commercial_fields(self) -> tuple[str, ...]:
        """Fields a company's contacts take from it (extensions add theirs)."""
        return COMMERCIAL_FIELDS

    @api.model
    def create(self, vals_list):
        single = isinstance(vals_list, dict)
        vals_list = [vals_list] if single else list(vals_list)
        vals_list = [self._normalise(dict(vals)) for vals in vals_list]
        parents = self.browse({v["parent_id"] for v in vals_list if v.get("parent_id")})
        if parents:
            commercial = {p.id: p.commercial_partner_id for p in parents.sudo()}
            names = self._commercial_fields()
            for vals in vals_list:
                parent = commercial.get(vals.get("parent_id"))
                if parent is not None and not vals.get("is_company"):
                    for name in names:
                        if name not in vals:
                            vals[name] = write_value(parent, name)
        records = super().create(vals_list)
        return records[0] if single and records else records

    def write(self, vals):
        vals = self._normalise(dict(vals))
        result = super().write(vals)
        names = [n for n in self._commercial_fields() if n in vals]
        if names or "parent_id" in vals:
            self._sync_contacts(names if "parent_id" not in vals else None)
        return result

    def _sync_contacts(self, names=None) -> None:
        """Copy the commercial fields (all, or `names`) of each company in self to its
        contacts, and a re-parented contact's from its new company: one search, then one
        write per distinct set of values (a mass transfer to 3 owners is 3 writes)."""
        names = list(names or self._commercial_fields())
        partners = self.sudo()
        sources = {p.id: p.commercial_partner_id for p in partners}
        companies = partners.filtered(lambda p: sources[p.id].id == p.id)
        targets: dict[int, list] = {}  # company id -> the records to copy it to
        for partner in partners - companies:  # a contact: take its company's values
            if any(partner[n] != sources[partner.id][n] for n in names):
                targets.setdefault(sources[partner.id].id, []).append(partner.id)
        if companies:
            for contact in partners.search([("commercial_partner_id", "in", companies.ids),
                                            ("id", "not in", companies.ids)]):
                targets.setdefault(contact.commercial_partner_id.id, []).append(contact.id)
        batches: dict[tuple, list] = {}
        for company in partners.browse(list(targets)):
            values = tuple((n, _hashable(write_value(company, n))) for n in names)
            batches.setdefault(values, []).extend(targets[company.id])
        for values, ids in batches.items():
            super(Partner, partners.browse(ids)).write(
                {name: _writable(value) for name, value in values})

    @staticmethod
    def _normalise(vals: dict) -> dict:
        if vals.get("email"):
            vals["email"] = vals["email"].strip()
        if "company_type" in vals and "is_company" not in vals:
            vals["is_company"] = vals.pop("company_type") == "company"
        return vals

    # -- addresses ---------------------------------------------------------------------
    def address_get(self, types=("invoice", "delivery")) -> dict[str, int]:
        """{type: partner id} for each address type in `types` (and "contact"): the first
        contact of that type in the partner's company, else the partner itself. Used by
        sale for an order's invoice and delivery addresses."""
        self.ensure_one()
        wanted = list(dict.fromkeys([*types, "contact"]))
        commercial = self.commercial_partner_id
        found = {}
        if self.type in wanted:
            found[self.type] = self.id
        candidates = self.search([("commercial_partner_id", "=", commercial.id)],
                                 order="id")
        for candidate in [self, *[c for c in candidates if c.id != self.id]]:
            found.setdefault(candidate.type, candidate.id)
        default = found.get("contact", self.id)
        return {kind: found.get(kind, default) for kind in wanted}

    def invoice_address(self):
        """The partner to invoice for this customer (its invoice address, else itself)."""
        return self.browse(self.address_get(["invoice"])["invoice"])

    def delivery_address(self):
        """The partner to deliver to for this customer (its delivery address, else itself)."""
        return self.browse(self.address_get(["delivery"])["delivery"])

    def contact_address(self) -> str:
        """The postal address on several lines (street, street2, zip city, state, country)."""
        self.ensure_one()
        city = " ".join(part for part in (self.zip, self.city) if part)
        lines = [self.street, self.street2, city, self.state_id.name, self.country_id.name]
        return "\n".join(line for line in lines if line)
