"""System models: `ir.module` (addon state) and a minimal `res.users`."""

from core.orm import Model, fields

ADDON_STATES = [
    ("uninstalled", "Not installed"),
    ("installed", "Installed"),
    ("to upgrade", "To upgrade"),
]


class IrModule(Model):
    """One row per addon known to the database: its state and installed version."""

    _name = "ir.module"
    _description = "Addon"
    _order = "sequence, name"
    _sql_constraints = [("name_uniq", "unique(name)", "An addon is recorded only once.")]

    name = fields.Char(required=True)
    state = fields.Selection(ADDON_STATES, default="uninstalled", required=True)
    installed_version = fields.Char()
    summary = fields.Char()
    sequence = fields.Integer(help="Position in the install order.")


class ResUsers(Model):
    """A person who logs in (security adds passwords, groups and the rest)."""

    _name = "res.users"
    _description = "User"
    _order = "login"
    _sql_constraints = [("login_uniq", "unique(login)", "Another user already has this login.")]

    name = fields.Char(required=True)
    login = fields.Char(required=True, index=True)
    active = fields.Boolean(default=True)
