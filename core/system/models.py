"""System models: addon state, external ids, schema ownership, parameters, and a
minimal `res.users` (security completes it)."""

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
    depends = fields.Char(help="Comma-separated addons it depends on, as installed (used "
                               "when its code has gone from the addons path).")


class ResUsers(Model):
    """A person who logs in (security adds passwords, groups and the rest)."""

    _name = "res.users"
    _description = "User"
    _order = "login"
    _sql_constraints = [("login_uniq", "unique(login)", "Another user already has this login.")]

    name = fields.Char(required=True)
    login = fields.Char(required=True, index=True)
    active = fields.Boolean(default=True)


class IrModelData(Model):
    """External ids: `addon.name` -> one record. Every record a data file creates has
    one, which is how upgrade finds it again and uninstall knows what to delete."""

    _name = "ir.model.data"
    _description = "External id"
    _order = "addon, name"
    _rec_name = "name"
    _sql_constraints = [("addon_name_uniq", "unique(addon, name)",
                         "An external id is unique within its addon.")]

    name = fields.Char(required=True)
    addon = fields.Char(required=True, index=True)
    model = fields.Char(required=True, index=True)
    res_id = fields.Integer(index=True)
    noupdate = fields.Boolean(help="Created once; upgrades leave it as users changed it.")

    @property
    def complete_name(self) -> str:
        """`addon.name`."""
        return f"{self.addon}.{self.name}"


class IrSchemaOwner(Model):
    """Which addon declared which table, column, index or constraint. Uninstall
    drops an object only when the last addon declaring it goes, reading this table
    (not the addon's code, which may have disappeared)."""

    _name = "ir.schema.owner"
    _description = "Schema object owner"
    _order = "addon, kind, table_name, name"
    _log_access = False
    _sql_constraints = [("object_addon_uniq", "unique(kind, table_name, name, addon)",
                         "An addon owns a schema object once.")]

    kind = fields.Selection([("table", "Table"), ("column", "Column"), ("index", "Index"),
                             ("check", "Check constraint")], required=True)
    table_name = fields.Char(required=True, index=True)
    name = fields.Char(required=True)
    addon = fields.Char(required=True, index=True)
    model = fields.Char(help="The model whose table or field this is, if any.")


class IrConfigParameter(Model):
    """Key/value settings of the database (e.g. `registry.sequence`, `database.demo`)."""

    _name = "ir.config.parameter"
    _description = "System parameter"
    _order = "key"
    _rec_name = "key"
    _sql_constraints = [("key_uniq", "unique(key)", "A parameter key is unique.")]

    key = fields.Char(required=True)
    value = fields.Text()

    def get_param(self, key: str, default=None):
        """The value of `key`, or `default`."""
        found = self.sudo().search([("key", "=", key)], limit=1)
        return found.value if found else default

    def set_param(self, key: str, value) -> None:
        """Set (or create) the value of `key`."""
        found = self.sudo().search([("key", "=", key)], limit=1)
        if found:
            found.write({"value": str(value)})
        else:
            self.sudo().create({"key": key, "value": str(value)})
