"""create, write, unlink and copy: every change runs atomically (a failure changes nothing)."""

from __future__ import annotations

from functools import partial

import sqlalchemy as sa

from core.exceptions import MissingError, ValidationError
from core.orm.environment import ForeignKeyViolation
from core.orm.fields import _NO_DEFAULT
from core.orm.relational import normalize_commands
from core.orm.sql import ids_param

MAGIC = ("id", "create_date", "write_date", "create_uid", "write_uid")


class MutationMixin:
    """Methods of Model that change data."""

    # -- value preparation ---------------------------------------------------
    def _invalid(self, field_name, value, reason) -> ValidationError:
        return ValidationError(f"{self._name}.{field_name}: invalid value {value!r}: {reason}",
                               field=field_name)

    def _split_vals(self, vals: dict):
        """Validate `vals` and split it into column values, x2many commands and values
        of computed fields with an inverse."""
        if not isinstance(vals, dict):
            raise ValidationError(f"{self._name}: values must be a dict, got {vals!r}")
        plan = self._column_plans.get(tuple(vals))
        if plan is not None:  # only plain columns: convert them in one go
            try:
                return {name: convert(vals[name], self) for name, convert in plan}, {}, {}
            except (TypeError, ValueError):
                pass  # the general path below names the field and the value
        columns, x2many, inverse = {}, {}, {}
        kinds = self._write_kinds
        fields_by_name = self._fields
        for name, value in vals.items():
            kind = kinds.get(name)
            if kind == "column":
                try:
                    columns[name] = fields_by_name[name].to_column(value, self)
                except (TypeError, ValueError) as error:
                    raise self._invalid(name, value, error) from error
            elif kind == "x2many":
                try:
                    x2many[fields_by_name[name]] = normalize_commands(value)
                except TypeError as error:
                    raise self._invalid(name, value, error) from error
            elif kind in ("inverse", "inverse_column"):
                inverse[name] = value
                if kind == "inverse_column":
                    try:
                        columns[name] = fields_by_name[name].to_column(value, self)
                    except (TypeError, ValueError) as error:
                        raise self._invalid(name, value, error) from error
            elif kind in ("computed", "readonly"):
                field = fields_by_name[name]
                if kind == "readonly" or self.env.transaction.computing.get(field) is None:
                    raise ValidationError(f"{self._name}.{name} is computed and cannot be "
                                          "written.")
                columns[name] = field.to_column(value, self)
            elif kind == "magic":
                raise ValidationError(f"{self._name}.{name} is set by the system and "
                                      "cannot be written.")
            else:
                raise ValidationError(f"{self._name} has no field {name!r} "
                                      f"(value {value!r}); check the spelling.")
        if len(self._column_plans) < 256 and all(kinds[name] == "column" for name in vals):
            self._column_plans[tuple(vals)] = [(name, fields_by_name[name].to_column)
                                               for name in vals]
        return columns, x2many, inverse

    def _context_defaults(self) -> dict:
        """{field name: value} of the context's `default_<field>` keys."""
        fields_by_name = self._fields
        return {key[8:]: value for key, value in self.env.context.items()
                if key.startswith("default_") and key[8:] in fields_by_name
                and key[8:] not in MAGIC}

    def _add_defaults(self, vals: dict, context_defaults: dict | None = None) -> dict:
        """`vals` completed with the defaults of the fields it does not give."""
        if not isinstance(vals, dict):
            raise ValidationError(f"{self._name}: values must be a dict, got {vals!r}")
        if context_defaults is None:
            context_defaults = self._context_defaults()
        result = None
        for name, value in context_defaults.items():
            if name not in vals:
                result = result or dict(vals)
                result[name] = value
        for name, field in self._default_fields:
            if name in vals or (result is not None and name in result):
                continue
            value = field.get_default(self)
            if value is not _NO_DEFAULT:
                result = result or dict(vals)
                result[name] = value
        return vals if result is None else result

    def _check_required(self, columns: dict) -> None:
        for field in self._required_fields:
            if columns.get(field.name) is None:
                raise ValidationError(f"{self._name}.{field.name} ({field.string}) is required: "
                                      "give it a value.", field=field.name)

    # -- create --------------------------------------------------------------
    def create(self, vals_list):
        """Create one record from a dict, or several from a list of dicts (one INSERT per
        distinct set of fields). Returns the new records."""
        single = isinstance(vals_list, dict)
        if single:
            vals_list = [vals_list]
        if not vals_list:
            return self.browse(())
        self._check_access("create")
        env = self.env
        policy = self._security()
        context_defaults = self._context_defaults()
        with env.atomic():
            uid = env.uid
            prepared = []
            for vals in vals_list:
                if policy is not None and isinstance(vals, dict):
                    self._check_field_access(
                        [self._fields[n] for n in vals if n in self._fields], "create")
                full = self._add_defaults(vals, context_defaults)
                columns, x2many, inverse = self._split_vals(full)
                self._check_required(columns)
                if self._log_access:
                    columns.update(create_uid=uid, write_uid=uid)  # dates: by the INSERT
                prepared.append((columns, x2many, inverse, full))
            rows = [p[0] for p in prepared]
            try:
                ids = self._insert_rows(rows)
            except ForeignKeyViolation as error:
                error.explain = partial(self._explain_missing_targets, rows)
                raise
            records = self._browse(env, tuple(ids), tuple(ids))
            self._cache_rows(ids, rows)
            has_x2many = any(p[1] for p in prepared)
            has_inverse = any(p[2] for p in prepared)
            for record, (_cols, x2many, inverse, _full) in zip(records, prepared):
                for field, commands in x2many.items():
                    record._apply_x2many(field, commands, creating=True)
                if inverse:
                    record._run_inverse(inverse)
            if not (has_x2many or has_inverse):
                self._mark_empty_x2many(ids)
            written = set()
            for p in prepared:
                written.update(p[3])
            records._check_rules("create")  # the new records must satisfy the rules
            records._after_change(written, created=True)
            records._validate(written)
        return records

    def _cache_rows(self, ids, rows: list[dict]) -> None:
        """Put the column values just inserted into the cache (no need to read them)."""
        cache = self.env.cache
        fields_by_name = self._fields
        first = rows[0]
        if all(row.keys() == first.keys() for row in rows):
            for name in first:
                cache.setdefault(fields_by_name[name], {}).update(
                    zip(ids, [row[name] for row in rows]))
            return
        for rid, row in zip(ids, rows):
            for name, value in row.items():
                cache.setdefault(fields_by_name[name], {})[rid] = value

    def _mark_empty_x2many(self, ids) -> None:
        """New records without x2many values have none: cache that (saves a query)."""
        cache = self.env.cache
        for field in self._x2many_fields:
            values = cache.setdefault(field, {})
            for rid in ids:
                values[rid] = ()

    def _insert_rows(self, rows: list[dict]) -> list[int]:
        registry = self.env.registry
        ids: list[int] = []
        groups: dict[tuple, list[tuple[int, dict]]] = {}
        for position, row in enumerate(rows):
            groups.setdefault(tuple(row), []).append((position, row))
        result = [0] * len(rows)
        sqlite = self.env.dialect == "sqlite"
        for keys, members in groups.items():
            if sqlite:
                new_ids = self._insert_sqlite(keys, [row for _, row in members])
            elif len(members) > 1:
                new_ids = self._insert_postgresql(keys, [row for _, row in members])
            else:
                statement = registry.insert_statement(self._name, keys, dialect="postgresql")
                if len(members) == 1:
                    new_ids = [self.env.execute(statement, members[0][1]).scalar_one()]
                else:
                    new_ids = self.env.execute(
                        statement, [row for _, row in members]).scalars().all()
            for (position, _row), rid in zip(members, new_ids):
                result[position] = rid
        ids.extend(result)
        return ids

    def _insert_sqlite(self, keys: tuple, rows: list[dict]) -> list[int]:
        """INSERT rows on SQLite without RETURNING: within our write transaction, the new
        rowids are consecutive and end at last_insert_rowid() (one executemany, as fast
        as plain SQLAlchemy Core)."""
        statement = self.env.registry.insert_statement(self._name, keys, returning=False,
                                                       dialect="sqlite")
        if len(rows) == 1:
            return [self.env.execute(statement, rows[0]).lastrowid]
        # Many rows: the SQL compiled once, the values as tuples straight to the driver's
        # executemany (SQLAlchemy would build a parameter dict per row).
        sql, order, processors = self.env.registry.driver_insert(
            self._name, keys, self.env.connection.dialect)
        if any(processors):
            params = [tuple(value if process is None or value is None else process(value)
                            for value, process in zip(map(row.__getitem__, order),
                                                      processors))
                      for row in rows]
        else:
            params = [tuple(map(row.__getitem__, order)) for row in rows]
        self.env.execute_driver_sql(sql, params)
        last = self.env.connection.exec_driver_sql("SELECT last_insert_rowid()").scalar()
        return list(range(last - len(rows) + 1, last + 1))

    def _insert_postgresql(self, keys: tuple, rows: list[dict]) -> list[int]:
        """Many rows on PostgreSQL: take their ids from the table's sequence in one query,
        then one executemany of a plain INSERT (a statement psycopg prepares once, where
        INSERT ... RETURNING of a thousand rows would be parsed again every time)."""
        sequence = sa.func.pg_get_serial_sequence(self._sa_table.name, "id")
        ids = self.env.connection.execute(
            sa.select(sa.func.nextval(sequence)).select_from(
                sa.func.generate_series(1, len(rows)))).scalars().all()
        statement = self.env.registry.insert_statement(self._name, ("id", *keys),
                                                       returning=False, dialect="postgresql")
        self.env.execute(statement, [{"id": rid, **row} for rid, row in zip(ids, rows)])
        return list(ids)

    def _chunk_size(self) -> int:
        """Ids per UPDATE/DELETE (passed as one parameter: see core.orm.sql.ids_param)."""
        return 50_000

    # -- write ---------------------------------------------------------------
    def write(self, vals: dict) -> bool:
        """Set the same values on every record of self (one UPDATE)."""
        if not self._ids:
            return True
        self._check_access("write")
        env = self.env
        with env.atomic():
            columns, x2many, inverse = self._split_vals(vals)
            self._check_field_access([self._fields[name] for name in vals], "write")
            self._check_rules("write")
            for field in self._required_fields:
                if field.name in columns and columns[field.name] is None:
                    raise ValidationError(f"{self._name}.{field.name} ({field.string}) is "
                                          "required: it cannot be emptied.", field=field.name)
            relational_change = any(self._fields[n].relational for n in columns) or x2many
            before = self._affected_by(set(vals)) if relational_change else None
            if self._log_access:
                columns.update(write_uid=env.uid)  # write_date: by the UPDATE itself
            ids = list(dict.fromkeys(self._ids))
            if columns:
                single = len(ids) == 1
                statement = env.registry.update_statement(self._name, tuple(columns), single,
                                                          env.dialect)
                params = {f"v_{name}": value for name, value in columns.items()}
                changed = 0
                step = self._chunk_size()
                for start in range(0, len(ids), step):
                    if single:
                        params["tessera_id"] = ids[0]
                    else:
                        params["tessera_ids"] = ids_param(ids[start:start + step], env.dialect)
                    try:
                        changed += env.execute(statement, params).rowcount
                    except ForeignKeyViolation as error:
                        error.explain = partial(self._explain_missing_targets, [columns])
                        raise
                if changed < len(ids):
                    self._raise_missing(ids)
                cache = env.cache
                for name, value in columns.items():
                    cache.setdefault(self._fields[name], {}).update(dict.fromkeys(ids, value))
                if self._log_access:  # the database set it: read it again when asked
                    env.transaction.invalidate([self._fields["write_date"]], ids)
            for field, commands in x2many.items():
                if field.type == "many2many" and len(self._ids) > 1 \
                        and all(command[0] in (3, 4, 5, 6) for command in commands):
                    self._m2m_write_many(field, commands)  # links only: in batch
                    continue
                for record in self:
                    record._apply_x2many(field, commands)
            if inverse:
                self._run_inverse(inverse)
            self._after_change(set(vals), before=before)
            self._validate(set(vals))
        return True

    def _raise_missing(self, ids) -> None:
        existing = set(self.browse(ids).exists()._ids)
        gone = [i for i in ids if i not in existing]
        raise MissingError(f"Records {self._name}{tuple(gone)} do not exist "
                           "(they may have been deleted); nothing was changed.")

    def _run_inverse(self, values: dict) -> None:
        for name, value in values.items():
            field = self._fields[name]
            converted = self._to_cache(field, value)
            cache = self.env.cache.setdefault(field, {})
            for rid in self._ids:
                cache[rid] = converted
            getattr(self, field.inverse)()

    # -- unlink --------------------------------------------------------------
    def unlink(self) -> bool:
        """Delete the records. Many2one links to them follow their `ondelete`:
        set null, cascade, or restrict (refused with a ValidationError)."""
        if not self._ids:
            return True
        self._check_access("unlink")
        env = self.env
        with env.atomic():
            self._check_rules("unlink")
            for name in self._ondelete_methods:
                getattr(self, name)()
            affected = self._affected_by(None)
            ids = list(dict.fromkeys(self._ids))
            step = self._chunk_size()
            for start in range(0, len(ids), step):
                chunk = ids[start:start + step]
                try:
                    env.execute(env.registry.delete_statement(self._name, env.dialect),
                                {"ids": ids_param(chunk, env.dialect)})
                except ForeignKeyViolation as error:
                    error.explain = partial(self._explain_references, ids)
                    raise
            # Cascades and "set null" changed other tables: forget everything cached.
            env.transaction.invalidate()
            if env.transaction.security is not None:
                env.transaction.security.on_change(self._name)
            if affected:
                self._recompute_records(affected)
        return True

    # -- copy ----------------------------------------------------------------
    def copy(self, default: dict | None = None):
        """Duplicate one record: copyable stored fields (many2many links included,
        one2many lines copied), overridden by `default`."""
        self.ensure_one()
        vals = {}
        for name, field in self._fields.items():
            if name in MAGIC or not field.copy or (field.computed and not field.inverse):
                continue
            if not self._may_copy(field):
                continue
            if field.type == "one2many":
                lines = self[name]
                inverse = field.inverse_name
                vals[name] = [(0, 0, {k: v for k, v in line._copy_data().items() if k != inverse})
                              for line in lines]
            elif field.type == "many2many":
                vals[name] = [(6, 0, list(self._get_raw(field)))]
            elif field.stored_column:
                vals[name] = self._get_raw(field)
        rec_name = self._rec_name_field()
        if rec_name and self._fields[rec_name].type == "char" and vals.get(rec_name):
            vals[rec_name] = f"{vals[rec_name]} (copy)"
        vals.update(default or {})
        return self.create(vals)

    def _copy_data(self) -> dict:
        vals = {}
        for name, field in self._fields.items():
            if name in MAGIC or not field.copy or not field.stored_column or field.computed:
                continue
            if self._may_copy(field):
                vals[name] = self._get_raw(field)
        return vals

    def _may_copy(self, field) -> bool:
        """False for a field restricted by `groups=` to other users: a copy made by
        them gets its default."""
        policy = self._security()
        return policy is None or not field.groups or policy.field_allowed(self.env.uid, field)

    # -- constraints ---------------------------------------------------------
    def _validate(self, written: set) -> None:
        for method_name, names in self._constraint_methods:
            if written & names:
                try:
                    getattr(self, method_name)()
                except ValidationError as error:
                    if error.field is None and len(names) == 1:
                        error.field = next(iter(names))  # the field the constraint checks
                    raise
