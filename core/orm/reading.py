"""Reading field values: the per-transaction cache, prefetching, read() and display
names. Part of Model (see core.orm.models)."""

from __future__ import annotations

import sqlalchemy as sa

from core.exceptions import MissingError, ValidationError
from core.orm.domains import DomainCompiler, parse
from core.orm.sql import ids_param, raw_rows

PREFETCH_MAX = 1000  # records loaded together when one of them is read
READ_CHUNK = 20_000  # records per query in read() (ids go as one parameter)


class ReadingMixin:
    """How a recordset gets its values: from the cache, else from the database for
    the records prefetched together."""

    # -- field values --------------------------------------------------------
    def _get_value(self, field):
        if len(self._ids) != 1:
            if not self._ids:
                return field.to_record(field.empty(), self)
            raise ValueError(f"Expected one {self._name} record to read {field.name}, "
                             f"got {len(self._ids)}")
        return field.to_record(self._get_raw(field), self)

    def _set_value(self, field, value) -> None:
        computing = self.env.transaction.computing.get(field)
        if computing is not None and self._ids and set(self._ids) <= computing:
            converted = self._to_cache(field, value)
            values = self.env.cache.setdefault(field, {})
            for rid in self._ids:
                values[rid] = converted
            return
        self.write({field.name: value})

    def _to_cache(self, field, value):
        """The cache form of a value: column value, id for many2one, id tuple for x2many."""
        if field.type in ("one2many", "many2many"):
            if hasattr(value, "_ids"):
                return tuple(value._ids)
            return tuple(value or ())
        try:
            return field.to_column(value, self)
        except (TypeError, ValueError) as error:
            raise ValidationError(f"{self._name}.{field.name}: invalid value {value!r}: {error}",
                                  field=field.name) from error

    def _prefetch_ids(self, field) -> tuple:
        """Ids to load together with self's: uncached ids of the prefetch set."""
        rid = self._ids[0]
        source = self._prefetch() if callable(self._prefetch) else self._prefetch
        cached = self.env.cache.get(field) or {}
        ids = [rid]
        for other in source:
            if other != rid and other not in cached:
                ids.append(other)
                if len(ids) >= PREFETCH_MAX:
                    break
        return tuple(ids)

    def _fetch(self, field, key=None) -> None:
        ids = self._prefetch_ids(field)
        if field.stored_column:
            self._fetch_columns(ids, [field] if field.type == "binary" else None)
        elif field.store and field.type in ("one2many", "many2many"):
            self._fetch_x2many(field, ids, key or field)
        else:
            self._compute_nonstored(field, ids)

    def _fetch_columns(self, ids, only=None, chunk: int = PREFETCH_MAX):
        """Load the prefetchable column fields (or `only` these) of `ids` into the cache,
        one SELECT per `chunk` ids. Returns (ids, {field: values}) as fetched when one
        query fetched them all and none was cached before, else None."""
        fresh = None
        columns = only or self._prefetch_fields
        statement = self.env.registry.select_by_ids(self._name, tuple(f.name for f in columns),
                                                    self.env.dialect)
        policy = self._security()
        rule = policy.read_domain(self) if policy is not None else None
        if rule is not None:  # the record rules are part of the same query
            sudo = self.sudo()  # rule domains are compiled as superuser
            statement = statement.where(DomainCompiler(sudo).compile(parse(rule, sudo)))
        cache = self.env.cache
        dialect = self.env.dialect
        targets = [cache.setdefault(f, {}) for f in columns]
        processors = self.env.registry.result_processors(
            self._name, tuple(f.name for f in columns), self.env.connection.dialect)
        for start in range(0, len(ids), chunk):
            batch = ids[start:start + chunk]
            rows = raw_rows(self.env.execute(statement, {"ids": ids_param(batch, dialect)}))
            if not rows:
                continue
            fetched, *columns_values = zip(*rows)
            converted = {}
            for field, target, values, process in zip(columns, targets, columns_values,
                                                      processors):
                if process is not None:
                    values = [process(value) for value in values]
                if target.keys().isdisjoint(fetched):
                    target.update(zip(fetched, values))
                    converted[field] = values
                else:  # keep cached values: they may be newer (being computed)
                    for rid, value in zip(fetched, values):
                        target.setdefault(rid, value)
            if start == 0 and len(ids) <= chunk and len(converted) == len(columns):
                fresh = (fetched, converted)
            if rule is not None:
                policy.mark_readable(self, fetched)
        return fresh

    def _fetch_x2many(self, field, ids, key) -> None:
        """Load x2many values; under cache key `field` archived targets are left out,
        under `field.all_key` (active_test=False) they are included."""
        comodel = self.env[field.comodel_name]
        ctable = comodel._sa_table
        if field.type == "one2many":
            owner = ctable.c[field.inverse_name]
            query = sa.select(owner, ctable.c.id).where(owner.in_(list(ids)))
        else:
            rel = self.env.registry.relation_table(field)
            owner = rel.c[field.column1]
            query = (sa.select(owner, ctable.c.id)
                     .join_from(rel, ctable, ctable.c.id == rel.c[field.column2])
                     .where(owner.in_(list(ids))))
        if key is field and "active" in comodel._fields:
            query = query.where(ctable.c.active == sa.true())
        query = query.order_by(*comodel._order_by(None))
        result = {rid: [] for rid in ids}
        for owner, target in self.env.execute(query):
            result[owner].append(target)
        values = self.env.cache.setdefault(key, {})
        for rid, targets in result.items():
            values[rid] = tuple(targets)

    # -- display names -----------------------------------------------------------
    def _compute_display_name(self) -> None:
        rec_name = self._rec_name_field()
        for record in self:
            value = record[rec_name] if rec_name else False
            record.display_name = value if value else f"{record._name},{record.id}"

    def _display_names(self) -> dict[int, str]:
        """{id: display name} for these records, computed in batch."""
        rec_name = self._rec_name_field()
        if (rec_name and self._fields[rec_name].stored_column and self._security() is None
                and type(self)._compute_display_name is ReadingMixin._compute_display_name):
            # the default display name is the name column: read it from the cache
            column = self._fields[rec_name]
            missing = [i for i in self._ids if i not in self.env.cache.get(column, ())]
            if missing:
                self._fetch_columns(missing)
            values = self.env.cache.get(column, {})
            return {rid: (values.get(rid) or f"{self._name},{rid}") for rid in self._ids}
        field = self._fields["display_name"]
        names = {}
        for record in self:
            names[record._ids[0]] = record._get_value(field)
        return names

    # -- read ----------------------------------------------------------------
    def _field_list(self, names) -> list:
        if names is None:
            return [f for f in self._fields.values() if f.type != "binary" and f.name != "id"]
        result = []
        for name in names:
            field = self._fields.get(name)
            if field is None:
                raise ValidationError(f"{self._name} has no field {name!r}")
            if name != "id":
                result.append(field)
        return result

    def read(self, fields=None) -> list[dict]:
        """The values of `fields` (default: all but binary) as one dict per record.
        Many2one values are `(id, display name)` pairs, x2many values lists of ids."""
        self._check_access("read")
        field_list = self._field_list(fields)
        policy = self._security()
        if fields is None and policy is not None:  # all fields: those the user may read
            field_list = [f for f in field_list if policy.field_allowed(self.env.uid, f)]
        self._check_field_access(field_list, "read")
        ids = tuple(dict.fromkeys(self._ids))
        cache = self.env.cache
        stored = [f for f in field_list if f.stored_column]
        fresh = None
        if stored:
            wanted = set(ids)
            missing = set()
            for field in stored:
                missing |= wanted - cache.get(field, {}).keys()
            if missing:
                # the fields asked for (all prefetchable ones when none were named)
                columns = stored if fields is not None else [
                    *self._prefetch_fields, *[f for f in stored if f.type == "binary"]]
                # the records were asked for explicitly: one query for all of them
                fresh = self._fetch_columns([i for i in ids if i in missing], columns,
                                            READ_CHUNK)
            gone = [i for i in ids if i not in cache.get(stored[0], ())]
            policy = self._security()
            if policy is not None:
                policy.check_read_many(self, [i for i in ids if i not in gone] or gone)
            if gone:
                if policy is not None:
                    policy.check_read_many(self, gone)
                raise MissingError(f"Records {self._name}{tuple(gone)} do not exist "
                                   "(they may have been deleted).")
        records = self._browse(self.env, ids, ids)
        # the values just fetched, when they came in the records' order (the usual case)
        fetched = fresh[1] if fresh is not None and fresh[0] == ids else {}
        columns = {}
        for field in field_list:
            if field in fetched:
                columns[field.name] = fetched[field]
            elif field.stored_column:
                values = cache.get(field, {})  # nothing cached when there is no record
                columns[field.name] = [values[i] for i in ids]
            else:
                columns[field.name] = [r._get_raw(field) for r in records]
        for field in field_list:
            if field.type == "many2one":
                targets = [v for v in columns[field.name] if v is not None]
                # as in Odoo, the name of a linked record shows even if it cannot be opened
                names = self.env[field.comodel_name].sudo().browse(dict.fromkeys(targets)) \
                    ._display_names() if targets else {}
                columns[field.name] = [(v, names[v]) if v is not None else False
                                       for v in columns[field.name]]
            else:
                columns[field.name] = field.read_values(columns[field.name], self)
        keys = ("id", *columns)
        return [dict(zip(keys, row)) for row in zip(ids, *columns.values())]

    def _get_raw(self, field):
        """The cache form of one record's value, loading it if needed."""
        rid = self._ids[0]
        key = field
        if field.all_key is not None and not self.env.context.get("active_test", True):
            key = field.all_key  # archived targets included: cached apart
        values = self.env.cache.get(key)
        policy = self._security()
        if values is None or rid not in values:
            self._fetch(field, key)
            values = self.env.cache[key]
            if rid not in values:
                if policy is not None:
                    policy.check_read(self, rid)  # AccessError if it exists but is hidden
                raise MissingError(f"Record {self._name}({rid}) does not exist "
                                   "(it may have been deleted).")
        if policy is not None:
            policy.check_read(self, rid, field)
            if field.type in ("one2many", "many2many"):  # without the targets rules hide
                return policy.visible_targets(self, field, key, values[rid])
        return values[rid]
