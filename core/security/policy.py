"""Access rights and record rules, as the ORM asks for them.

Combination (docs/security.md):
- model access: the union over the user's groups (implied groups included) of the
  access lines, plus the lines without a group (for everyone);
- record rules: every global rule (no group) applies (AND); among the rules of the
  user's groups, any one suffices (OR); the two parts are AND-ed. A rule of groups
  the user is not in does not apply;
- the superuser and `sudo()` bypass both.
Everything is computed once per transaction and user, and rules become part of the
SQL of the query (never a filter in Python).
"""

from __future__ import annotations

import sqlalchemy as sa

from core.exceptions import AccessError
from core.orm import SUPERUSER_ID
from core.orm.domain_ops import AND, OR
from core.orm.domains import DomainCompiler, parse
from core.security.safe_domain import eval_domain

OPERATIONS = ("read", "write", "create", "unlink")
SECURITY_MODELS = {"res.groups", "res.users", "ir.model.access", "ir.rule", "ir.model.data"}


class AccessPolicy:
    """The security of one transaction: `transaction.security`."""

    def __init__(self, transaction):
        self.transaction = transaction
        self._groups: dict[int, frozenset[int]] = {}
        self._lines: dict[str, list] = {}
        self._rules: dict[str, list] = {}
        self._group_names: dict[int, str] | None = None
        self._domains: dict[tuple[int, str, str], list | None] = {}
        self._readable: dict[tuple[int, str], set[int]] = {}  # ids that passed read rules
        self._hidden: dict[tuple[int, str], set[int]] = {}  # ids the read rules hide
        self._xmlids: dict[str, int | None] = {}

    def _execute(self, statement, params=None):
        return self.transaction.connection.execute(statement, params)

    def invalidate(self) -> None:
        """Forget what was computed (after security records changed)."""
        self._groups.clear()
        self._lines.clear()
        self._rules.clear()
        self._readable.clear()
        self._hidden.clear()
        self._domains.clear()
        self._xmlids.clear()
        self._group_names = None

    def on_change(self, model: str) -> None:
        """Called by the ORM after a change: security records changing invalidate
        everything; any change may make records visible or hidden (rules may follow
        relations), so what was learnt about records is forgotten."""
        if model in SECURITY_MODELS:
            self.invalidate()
        else:
            self._readable.clear()
            self._hidden.clear()

    # -- groups --------------------------------------------------------------------
    def group_ids(self, uid: int) -> frozenset[int]:
        """The user's groups, implied groups included."""
        groups = self._groups.get(uid)
        if groups is None:
            direct = {row[0] for row in self._execute(
                sa.text("SELECT gid FROM res_groups_users_rel WHERE uid = :uid"), {"uid": uid})}
            implied: dict[int, set[int]] = {}
            for gid, hid in self._execute(sa.text("SELECT gid, hid FROM res_groups_implied_rel")):
                implied.setdefault(gid, set()).add(hid)
            groups, pending = set(), list(direct)
            while pending:
                gid = pending.pop()
                if gid not in groups:
                    groups.add(gid)
                    pending.extend(implied.get(gid, ()))
            groups = frozenset(groups)
            self._groups[uid] = groups
        return groups

    def group_name(self, gid: int) -> str:
        """The name of group `gid` (for messages)."""
        if self._group_names is None:
            rows = self._execute(sa.text("SELECT id, name FROM res_groups")).all()
            self._group_names = dict(rows)
        return self._group_names.get(gid, f"group {gid}")

    def group_by_xmlid(self, xmlid: str) -> int | None:
        """The id of the group with external id `xmlid` (cached), or None."""
        if xmlid not in self._xmlids:
            addon, _, name = xmlid.partition(".")
            self._xmlids[xmlid] = self._execute(sa.text(
                "SELECT res_id FROM ir_model_data WHERE addon = :a AND name = :n "
                "AND model = 'res.groups'"), {"a": addon, "n": name}).scalar()
        return self._xmlids[xmlid]

    # -- model access ----------------------------------------------------------------
    def access_lines(self, model: str) -> list:
        """(name, group id or None, read, write, create, unlink) of active lines."""
        lines = self._lines.get(model)
        if lines is None:
            lines = self._execute(sa.text(
                "SELECT name, group_id, perm_read, perm_write, perm_create, perm_unlink "
                "FROM ir_model_access WHERE model = :m AND active = :t"),
                {"m": model, "t": True}).all()
            self._lines[model] = lines
        return lines

    def model_allowed(self, uid: int, model: str, operation: str) -> bool:
        """True when some access line of the user's groups (or of everyone) allows it."""
        if uid == SUPERUSER_ID:
            return True
        groups = self.group_ids(uid)
        index = 2 + OPERATIONS.index(operation)
        return any(line[index] and (line[1] is None or line[1] in groups)
                   for line in self.access_lines(model))

    def check_model(self, records, operation: str) -> None:
        """Raise AccessError unless the user may `operation` the model at all."""
        env = records.env
        if env.su or self.model_allowed(env.uid, records._name, operation):
            return
        if operation == "read" and records._name == "res.users" and records._ids \
                and set(records._ids) == {env.uid}:
            return  # everyone may read their own user record
        groups = sorted(self.group_name(g) for g in self.group_ids(env.uid)) or ["none"]
        raise AccessError(
            f"You are not allowed to {_VERBS[operation]} {records._description or records._name} "
            f"({records._name}) records: no access line grants '{operation}' to your groups "
            f"({', '.join(groups)}). Ask an administrator for access.")

    # -- record rules ----------------------------------------------------------------
    def rules(self, model: str) -> list:
        """(id, name, domain text, group ids, read, write, create, unlink) of active rules."""
        rules = self._rules.get(model)
        if rules is None:
            rows = self._execute(sa.text(
                "SELECT id, name, domain_force, perm_read, perm_write, perm_create, perm_unlink "
                "FROM ir_rule WHERE model = :m AND active = :t ORDER BY id"),
                {"m": model, "t": True}).all()
            links: dict[int, set[int]] = {}
            if rows:
                for rule_id, gid in self._execute(sa.text(
                        "SELECT rule_group_id, group_id FROM rule_group_rel")):
                    links.setdefault(rule_id, set()).add(gid)
            rules = [(r[0], r[1], r[2], frozenset(links.get(r[0], ())), *r[3:]) for r in rows]
            self._rules[model] = rules
        return rules

    def applicable_rules(self, uid: int, model: str, operation: str):
        """(global rules, group rules of the user's groups) for the operation."""
        index = 4 + OPERATIONS.index(operation)
        groups = self.group_ids(uid)
        chosen = [rule for rule in self.rules(model) if rule[index]]
        global_rules = [rule for rule in chosen if not rule[3]]
        group_rules = [rule for rule in chosen if rule[3] & groups]
        return global_rules, group_rules

    def rule_domain(self, env, model: str, operation: str) -> list | None:
        """The domain every record the user may `operation` satisfies (None: no rule)."""
        if env.su or env.uid == SUPERUSER_ID:
            return None
        global_rules, group_rules = self.applicable_rules(env.uid, model, operation)
        if not global_rules and not group_rules:
            return None
        user = env["res.users"].sudo().browse(env.uid)
        parts = [eval_domain(rule[2], user) for rule in global_rules]
        if group_rules:
            parts.append(OR([eval_domain(rule[2], user) for rule in group_rules]))
        return AND(parts)

    def read_domain(self, records) -> list | None:
        """The read rules of the model for the records' user (cached), or None."""
        env = records.env
        key = (env.uid, records._name, "read")
        if key not in self._domains:
            self._domains[key] = self.rule_domain(env, records._name, "read")
        return self._domains[key]

    def mark_readable(self, records, ids) -> None:
        """Remember that `ids` passed the read rules (they were fetched with them)."""
        self._readable.setdefault((records.env.uid, records._name), set()).update(ids)

    def check_read(self, records, rid: int, field=None) -> None:
        """Raise AccessError unless the user may read record `rid` (and `field`)."""
        env = records.env
        if not self.model_allowed(env.uid, records._name, "read"):
            self.check_model(records.browse(rid), "read")
        if field is not None and field.groups:
            self.check_fields(records, [field], "read")
        domain = self.read_domain(records)
        if domain is None or rid in self._readable.get((env.uid, records._name), ()):
            return
        source = records._prefetch() if callable(records._prefetch) else records._prefetch
        known = self._readable.get((env.uid, records._name), set())
        batch = [rid, *[i for i in source if i != rid and i not in known][:999]]
        self.check_read_many(records, batch, only=rid)

    def check_read_many(self, records, ids, only=None) -> None:
        """Check the read rules for `ids` in one query; AccessError for a hidden record
        (for `only` alone, when given: the others are merely not marked readable)."""
        env = records.env
        domain = self.read_domain(records)
        if domain is None:
            return
        known = self._readable.setdefault((env.uid, records._name), set())
        unknown = [i for i in ids if i not in known]
        if not unknown:
            return
        sudo = records.sudo().with_context(active_test=False)
        table = records._sa_table
        query = sa.select(table.c.id).where(
            table.c.id.in_(unknown), DomainCompiler(sudo).compile(parse(domain, sudo)))
        known.update(row[0] for row in self._execute(query))
        denied = [i for i in ([only] if only is not None else unknown) if i not in known]
        denied = [i for i in denied if sudo.browse(i).exists()]
        if denied:
            names = self.denying_rules(records, "read", denied)
            raise AccessError(
                f"You are not allowed to read some {records._description or records._name} "
                f"({records._name}) records: record rule(s) {', '.join(map(repr, names))} "
                f"restrict reading (records {denied[:5]}{'...' if len(denied) > 5 else ''}).")

    def check_records(self, records, operation: str) -> None:
        """Raise AccessError unless every record satisfies the rules of `operation`."""
        env = records.env
        if env.su or not records._ids:
            return
        domain = self.rule_domain(env, records._name, operation)
        if domain is None:
            return
        ids = list(dict.fromkeys(records._ids))
        sudo = records.sudo().with_context(active_test=False)
        allowed = set(sudo.search(AND([[("id", "in", ids)], domain]))._ids)
        forbidden = [i for i in ids if i not in allowed]
        if forbidden:
            names = self.denying_rules(records, operation, forbidden)
            raise AccessError(
                f"You are not allowed to {_VERBS[operation]} some "
                f"{records._description or records._name} "
                f"({records._name}) records: record rule(s) {', '.join(map(repr, names))} "
                f"restrict this operation (records {forbidden[:5]}"
                f"{'...' if len(forbidden) > 5 else ''}).")

    def denying_rules(self, records, operation: str, ids) -> list[str]:
        """The names of the rules that `ids` fail (for the error message): the global
        rules some of them fail, and the group rules when some fail them all."""
        env = records.env
        global_rules, group_rules = self.applicable_rules(env.uid, records._name, operation)
        sudo = records.sudo().with_context(active_test=False)
        user = env["res.users"].sudo().browse(env.uid)
        table = records._sa_table
        wanted = set(ids)

        def all_pass(domain) -> bool:
            query = sa.select(table.c.id).where(
                table.c.id.in_(sorted(wanted)), DomainCompiler(sudo).compile(parse(domain, sudo)))
            return {row[0] for row in self._execute(query)} == wanted

        names = [rule[1] for rule in global_rules if not all_pass(eval_domain(rule[2], user))]
        if group_rules and not all_pass(OR([eval_domain(rule[2], user) for rule in group_rules])):
            names += [rule[1] for rule in group_rules]
        return names or [rule[1] for rule in global_rules + group_rules]

    def visible_targets(self, records, field, key, value: tuple) -> tuple:
        """The ids of x2many `value` (of `records[0]`, cached under `key`) that the read
        rules of the comodel let the user see. Unknown targets are checked in one query
        together with those of the other records of the prefetch set."""
        env = records.env
        comodel = env[field.comodel_name]
        if not value or not self.model_allowed(env.uid, comodel._name, "read"):
            return value  # reading the targets raises the access error
        domain = self.read_domain(comodel)
        if domain is None:
            return value
        known = self._readable.setdefault((env.uid, comodel._name), set())
        hidden = self._hidden.setdefault((env.uid, comodel._name), set())
        if any(i not in known and i not in hidden for i in value):
            batch = dict.fromkeys(i for i in value if i not in known and i not in hidden)
            cached = env.cache.get(key) or {}
            source = records._prefetch() if callable(records._prefetch) else records._prefetch
            for rid in source:
                for target in cached.get(rid, ()):
                    if target not in known and target not in hidden:
                        batch[target] = None
            sudo = comodel.sudo().with_context(active_test=False)
            table = comodel._sa_table
            condition = DomainCompiler(sudo).compile(parse(domain, sudo))
            unknown = list(batch)
            for start in range(0, len(unknown), 1000):
                chunk = unknown[start:start + 1000]
                allowed = {row[0] for row in self._execute(
                    sa.select(table.c.id).where(table.c.id.in_(chunk), condition))}
                known.update(allowed)
                hidden.update(i for i in chunk if i not in allowed)
        return tuple(i for i in value if i in known)

    # -- fields ----------------------------------------------------------------------
    def field_allowed(self, uid: int, field) -> bool:
        """True when the user is in one of the groups of a `groups=` field."""
        if uid == SUPERUSER_ID or not field.groups:
            return True
        groups = self.group_ids(uid)
        for xmlid in field.groups.split(","):
            gid = self.group_by_xmlid(xmlid.strip())
            if gid is not None and gid in groups:
                return True
        return False

    def check_domain(self, records, tree) -> None:
        """Raise AccessError when a parsed domain searches a field (or a field on its
        path) restricted by `groups=` to other users: the results would tell its values."""
        if records.env.su:
            return
        pending = [tree]
        while pending:
            node = pending.pop()
            if not node:
                continue
            if node[0] in ("&", "|", "!"):
                pending.extend(node[1:])
            elif node[0] == "leaf":
                model = records
                for name in node[1].split("."):
                    field = model._fields.get(name)
                    if field is None:
                        break
                    if field.groups:
                        self.check_fields(model, [field], "read")
                    if not field.relational:
                        break
                    model = model.env[field.comodel_name]

    def check_fields(self, records, fields, operation: str) -> None:
        """Raise AccessError when a field restricted by `groups=` is not for this user."""
        env = records.env
        if env.su:
            return
        for field in fields:
            if field.groups and not self.field_allowed(env.uid, field):
                raise AccessError(
                    f"You are not allowed to {_VERBS[operation]} the field {field.string!r} "
                    f"({records._name}.{field.name}): it is reserved to {field.groups}.")


_VERBS = {"read": "read", "write": "modify", "create": "create", "unlink": "delete"}
