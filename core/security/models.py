"""Security models: groups, departments, model access lines, record rules, and the
security part of users (password, groups, department, language, time zone)."""

from __future__ import annotations

from core.exceptions import AccessError, ValidationError
from core.orm import Model, api, fields
from core.security.passwords import hash_password, needs_rehash, verify_password


class ResGroups(Model):
    """A group of users; access lines and rules are granted to groups. A group may
    imply others (a manager is also a user)."""

    _name = "res.groups"
    _description = "Group"
    _order = "name, id"

    name = fields.Char(required=True)
    addon = fields.Char(help="The addon that declared the group.")
    comment = fields.Text()
    implied_ids = fields.Many2many("res.groups", relation="res_groups_implied_rel",
                                   column1="gid", column2="hid", string="Implied groups")
    users = fields.Many2many("res.users", relation="res_groups_users_rel", column1="gid",
                             column2="uid")

    @api.constrains("implied_ids")
    def _check_no_cycle(self):
        for group in self:
            seen, pending = set(), list(group.implied_ids.ids)
            while pending:
                gid = pending.pop()
                if gid == group.id:
                    raise ValidationError(f"Group {group.name!r} implies itself through "
                                          "its implied groups.")
                if gid not in seen:
                    seen.add(gid)
                    pending.extend(self.browse(gid).implied_ids.ids)


class ResDepartment(Model):
    """A department of the company; rules may give access by department."""

    _name = "res.department"
    _description = "Department"
    _order = "name, id"

    name = fields.Char(required=True)
    parent_id = fields.Many2one("res.department", ondelete="restrict", index=True)
    child_ids = fields.One2many("res.department", "parent_id")
    manager_id = fields.Many2one("res.users", ondelete="set null")
    member_ids = fields.One2many("res.users", "department_id", string="Members")


class IrModelAccess(Model):
    """What a group (or everyone, without a group) may do on a model."""

    _name = "ir.model.access"
    _description = "Model access"
    _order = "model, id"

    name = fields.Char(required=True)
    model = fields.Char(required=True, index=True)
    group_id = fields.Many2one("res.groups", ondelete="cascade", index=True)
    perm_read = fields.Boolean(default=True)
    perm_write = fields.Boolean()
    perm_create = fields.Boolean()
    perm_unlink = fields.Boolean()
    active = fields.Boolean(default=True)


class IrRule(Model):
    """A record rule: which records of a model a user may read, write, create or delete.
    Without groups it is global and applies to everyone."""

    _name = "ir.rule"
    _description = "Record rule"
    _order = "model, id"

    name = fields.Char(required=True)
    model = fields.Char(required=True, index=True)
    domain_force = fields.Text(string="Domain", default="[]",
                               help="A domain; `user` is the current user, e.g. "
                                    "[('user_id', '=', user.id)]")
    groups = fields.Many2many("res.groups", relation="rule_group_rel", column1="rule_group_id",
                              column2="group_id")
    perm_read = fields.Boolean(default=True)
    perm_write = fields.Boolean(default=True)
    perm_create = fields.Boolean(default=True)
    perm_unlink = fields.Boolean(default=True)
    active = fields.Boolean(default=True)


class ResUsersSecurity(Model):
    """Users: credentials, groups, department, language and time zone."""

    _inherit = "res.users"

    password_hash = fields.Char(copy=False, groups="base.group_system",
                               help="argon2 hash; the clear password is never stored.")
    password = fields.Char(compute="_compute_password", inverse="_inverse_password",
                           copy=False, help="Write-only: set it to change the password.")
    groups_id = fields.Many2many("res.groups", relation="res_groups_users_rel", column1="uid",
                                 column2="gid", string="Groups")
    department_id = fields.Many2one("res.department", ondelete="set null", index=True)
    lang = fields.Char(string="Language", default="en_US")
    tz = fields.Char(string="Time zone", default="UTC")

    def _compute_password(self):
        for user in self:
            user.password = False

    def _inverse_password(self):
        changed = []
        for user in self:
            clear = user.env.cache[user._fields["password"]].get(user.id)
            if clear:
                user.sudo().write({"password_hash": hash_password(clear)})
                changed.append(user.id)
        self.env.transaction.invalidate([self._fields["password"]], self._ids)
        if changed:  # a new password logs the user out everywhere
            self.env["res.users.session"].close_for_users(changed)

    def check_password(self, password: str) -> bool:
        """True when `password` is this user's; upgrades an old hash on success."""
        self.ensure_one()
        stored = self.sudo().password_hash
        if not verify_password(stored, password):
            return False
        if needs_rehash(stored):
            self.sudo().write({"password_hash": hash_password(password)})
        return True

    def change_password(self, old_password: str, new_password: str) -> None:
        """Let a user change their own password (no write access on users needed): the
        old password must be right."""
        self.ensure_one()
        if self.id != self.env.uid and not self.env.su:
            raise AccessError("You can only change your own password.")
        if not self.check_password(old_password):
            raise AccessError("The current password is wrong; nothing was changed.")
        if not new_password or len(new_password) < 8:
            raise ValidationError("The new password must have at least 8 characters.")
        self.sudo().write({"password": new_password})

    def authenticate(self, login: str, password: str):
        """The active user with this login and password, or AccessError (the message
        does not tell whether the login exists)."""
        user = self.sudo().search([("login", "=", login)], limit=1)
        if not user:
            verify_password(None, password)  # same time as a real check
            raise AccessError("Wrong login or password.")
        if not user.check_password(password):
            raise AccessError("Wrong login or password.")
        return user.with_env(self.env)

    def all_group_ids(self) -> set[int]:
        """The user's groups with the groups they imply."""
        self.ensure_one()
        policy = self.env.transaction.security
        if policy is not None:
            return set(policy.group_ids(self.id))
        return set(self.sudo().groups_id.ids)

    def has_group(self, xmlid: str) -> bool:
        """True when the user is in the group `addon.name` (directly or implied)."""
        group = self.env.ref(xmlid, raise_if_not_found=False)
        return bool(group) and group.id in self.all_group_ids()
