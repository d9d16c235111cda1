"""x2many commands and explanations of refused foreign keys. Part of Model (see
core.orm.models), used by create, write and unlink (core.orm.mutations)."""

from __future__ import annotations

import sqlalchemy as sa

from core.exceptions import ValidationError


class RelationsMixin:
    """Writing one2many and many2many values; saying which link a refused change was
    about."""

    # -- x2many commands -----------------------------------------------------
    def _apply_x2many(self, field, commands, creating: bool = False) -> None:
        comodel = self.env[field.comodel_name]
        rid = self._ids[0]
        everything = self.with_context(active_test=False)  # archived lines count too
        if field.type == "one2many":
            inverse = field.inverse_name
            inverse_field = comodel._fields[inverse]
            self._check_own_lines(field, comodel, commands, creating)
            for command in commands:
                code = command[0]
                if code == 0:
                    comodel.create({**command[2], inverse: rid})
                elif code == 1:
                    comodel.browse(command[1]).write(command[2])
                elif code == 2:
                    comodel.browse(command[1]).unlink()
                elif code == 3:
                    self._o2m_detach(comodel.browse(command[1]), inverse_field)
                elif code == 4:
                    comodel.browse(command[1]).write({inverse: rid})
                elif code == 5:
                    if not creating:
                        self._o2m_detach(everything[field.name], inverse_field)
                elif code == 6:
                    keep = set(command[2])
                    current = () if creating else everything[field.name]._ids
                    self._o2m_detach(comodel.browse([i for i in current if i not in keep]),
                                     inverse_field)
                    comodel.browse(command[2]).write({inverse: rid})
        else:
            current = [] if creating else list(
                self.with_context(active_test=False)._get_raw(field))
            target = list(current)
            for command in commands:
                code = command[0]
                if code == 0:
                    target.append(comodel.create(command[2]).id)
                elif code == 1:
                    comodel.browse(command[1]).write(command[2])
                    if command[1] not in target:
                        target.append(command[1])
                elif code == 2:
                    comodel.browse(command[1]).unlink()
                    target = [i for i in target if i != command[1]]
                elif code == 3:
                    target = [i for i in target if i != command[1]]
                elif code == 4:
                    if command[1] not in target:
                        target.append(command[1])
                elif code == 5:
                    target = []
                elif code == 6:
                    target = list(dict.fromkeys(command[2]))
            self._m2m_set(field, current, target)
        self.env.transaction.invalidate([field], [rid])

    def _m2m_write_many(self, field, commands) -> None:
        """Apply link commands (3, 4, 5, 6) of a many2many to every record of self in a
        fixed number of queries: one read of the current links, one check that the
        targets exist, one DELETE and one INSERT."""
        everything = self.with_context(active_test=False)
        current = {record._ids[0]: list(record._get_raw(field)) for record in everything}
        targets = {}
        for rid, links in current.items():
            target = list(links)
            for command in commands:
                code = command[0]
                if code == 3:
                    target = [i for i in target if i != command[1]]
                elif code == 4 and command[1] not in target:
                    target.append(command[1])
                elif code == 5:
                    target = []
                elif code == 6:
                    target = list(dict.fromkeys(command[2]))
            targets[rid] = target
        removed = [(rid, i) for rid, links in current.items() for i in links
                   if i not in set(targets[rid])]
        added = [(rid, i) for rid, target in targets.items() for i in target
                 if i not in set(current[rid])]
        rel = self.env.registry.relation_table(field)
        if removed:
            self.env.execute(rel.delete().where(
                sa.tuple_(rel.c[field.column1], rel.c[field.column2]).in_(removed)))
        if added:
            wanted = sorted({i for _rid, i in added})
            existing = set(self.env[field.comodel_name].browse(wanted).exists()._ids)
            missing = [i for i in wanted if i not in existing]
            if missing:
                raise ValidationError(f"{self._name}.{field.name}: {field.comodel_name} "
                                      f"records {missing} do not exist.")
            self.env.execute(rel.insert(), [{field.column1: rid, field.column2: i}
                                            for rid, i in added])
        if removed or added:
            for other in self.env.registry.m2m_fields_on(rel.name):
                self.env.transaction.invalidate([other])
        self.env.transaction.invalidate([field], list(current))

    def _check_own_lines(self, field, comodel, commands, creating: bool) -> None:
        """Commands 1, 2 and 3 of a one2many may only touch this record's own lines."""
        named = [c[1] for c in commands if c[0] in (1, 2, 3)]
        if not named:
            return
        own = set() if creating else set(
            comodel.sudo().with_context(active_test=False).search(
                [("id", "in", named), (field.inverse_name, "=", self._ids[0])])._ids)
        strangers = sorted(set(named) - own)
        if strangers:
            raise ValidationError(
                f"{self._name}.{field.name}: {field.comodel_name} {strangers} are not lines "
                f"of {self._name} {self._ids[0]}; commands 1, 2 and 3 only change its own "
                "lines (use 4 to link another).", field=field.name)

    @staticmethod
    def _o2m_detach(records, inverse_field) -> None:
        if not records:
            return
        if inverse_field.required or inverse_field.ondelete == "cascade":
            records.unlink()
        else:
            records.write({inverse_field.name: False})

    def _m2m_set(self, field, current: list, target: list) -> None:
        rel = self.env.registry.relation_table(field)
        rid = self._ids[0]
        removed = [i for i in current if i not in set(target)]
        added = [i for i in target if i not in set(current)]
        if removed:
            self.env.execute(rel.delete().where(rel.c[field.column1] == rid,
                                                rel.c[field.column2].in_(removed)))
        if added:
            existing = set(self.env[field.comodel_name].browse(added).exists()._ids)
            missing = [i for i in added if i not in existing]
            if missing:
                raise ValidationError(f"{self._name}.{field.name}: {field.comodel_name} "
                                      f"records {missing} do not exist.")
            self.env.execute(rel.insert(), [{field.column1: rid, field.column2: i}
                                            for i in added])
        if removed or added:
            # the other side of the relation sees the change too
            for other in self.env.registry.m2m_fields_on(rel.name):
                self.env.transaction.invalidate([other])

    # -- refused foreign keys -------------------------------------------------------
    def _explain_missing_targets(self, rows: list[dict]) -> str | None:
        """Which many2one value of `rows` points to a record that does not exist."""
        for field in self._fields.values():
            if field.type != "many2one" or not field.stored_column:
                continue
            wanted = {row[field.name] for row in rows if row.get(field.name) is not None}
            if not wanted:
                continue
            comodel = self.env[field.comodel_name].sudo()
            missing = sorted(wanted - set(comodel.browse(sorted(wanted)).exists()._ids))
            if missing:
                return (f"{self._name}.{field.name} ({field.string}): {field.comodel_name} "
                        f"record {missing[0]} does not exist; choose an existing one.")
        return None

    def _explain_references(self, ids: list[int]) -> str | None:
        """Which records still use `ids` through a many2one with ondelete="restrict"."""
        for model in self.env.registry.models.values():
            for field in model._fields.values():
                if (field.type == "many2one" and field.comodel_name == self._name
                        and field.stored_column and field.ondelete == "restrict"
                        and not model._abstract):
                    users = self.env[model._name].sudo().with_context(active_test=False)
                    count = users.search_count([(field.name, "in", ids)])
                    if count:
                        names = ", ".join(self.browse(ids[:3]).exists()._display_names()
                                          .values())
                        return (f"Cannot delete {self._description or self._name} {names}: "
                                f"{count} {model._description or model._name} record(s) still "
                                f"use it in field {field.string!r} ({model._name}.{field.name})."
                                " Change or delete those records first.")
        return None
