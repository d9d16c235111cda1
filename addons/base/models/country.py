"""Countries and their states or provinces, for addresses."""

from __future__ import annotations

from core.orm import Model, fields


class Country(Model):
    """A country (ISO 3166-1 alpha-2 code and English name)."""

    _name = "res.country"
    _description = "Country"
    _order = "name, id"
    _sql_constraints = [("code_uniq", "unique(code)", "Each country code can be used once.")]

    name = fields.Char(required=True, index=True)
    code = fields.Char(required=True, index=True, help="ISO 3166-1 alpha-2, e.g. VN.")
    phone_code = fields.Integer(string="Calling code")
    state_ids = fields.One2many("res.country.state", "country_id", string="States")


class CountryState(Model):
    """A state, province or federal subject of a country."""

    _name = "res.country.state"
    _description = "State or province"
    _order = "country_id, name, id"

    name = fields.Char(required=True, index=True)
    code = fields.Char(required=True)
    country_id = fields.Many2one("res.country", required=True, ondelete="cascade", index=True)
