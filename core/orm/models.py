"""The Model base class: recordsets, field access with prefetch and cache, search and read.

Every model is a class deriving from `Model`. An instance is a *recordset*: an
environment plus an ordered tuple of ids. Writing methods live in
`core.orm.mutations`, stored-compute bookkeeping in `core.orm.compute`,
grouping in `core.orm.grouping`; `Model` combines them.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.exceptions import MissingError, ValidationError
from core.orm import fields
from core.orm.compute import ComputeMixin
from core.orm.domains import DomainCompiler, leaf_values, parse, search_shape
from core.orm.grouping import GroupingMixin
from core.orm.mutations import MutationMixin
from core.orm.sql import ids_param, raw_rows

PREFETCH_MAX = 1000  # records loaded together when one of them is read
READ_CHUNK = 20_000  # records per query in read() (ids go as one parameter)

# addon name -> model definition classes, in declaration order (filled on class creation)
DEFINITIONS: dict[str, list[type]] = {}


def addon_of_module(module: str) -> str:
    """The addon a Python module belongs to: `addons.crm.models.lead` -> `crm`,
    core's system models -> `core`."""
    parts = module.split(".")
    if parts[0] == "addons" and len(parts) > 1:
        return parts[1]
    if parts[0] == "core":
        return "core"
    return parts[0]  # not registered: see Model.__init_subclass__


class Model(MutationMixin, ComputeMixin, GroupingMixin):
    """Base class of all models. Subclass it with `_name` to define a model, or with
    `_inherit` (and no new `_name`) to extend one defined by another addon."""

    _name: str | None = None
    _inherit: str | list[str] | None = None
    _description: str | None = None
    _order: str = "id"
    _rec_name: str | None = None
    _parent_name: str = "parent_id"
    _sql_constraints: list[tuple[str, str, str]] = []
    _abstract = False  # True: no table (mixins such as a mail thread)
    _log_access = True  # magic create/write date and uid columns
    _trigger_fields: frozenset = frozenset()  # fields whose change triggers a recompute

    # Set by the registry on composed classes.
    _fields: dict[str, fields.Field] = {}
    _sa_table: sa.Table | None = None
    _table: str = ""
    _addon: str = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_composed"):
            return
        if "_name" not in cls.__dict__ and "_inherit" not in cls.__dict__:
            return  # an intermediate Python base class, not a model definition
        cls._addon = addon_of_module(cls.__module__)
        if cls.__module__.split(".")[0] in ("addons", "core"):
            # Addon code imported under another name (a test runner importing the
            # addon folder as a top-level package) must not define its models twice.
            DEFINITIONS.setdefault(cls._addon, []).append(cls)

    # -- recordset basics ----------------------------------------------------
    @classmethod
    def _browse(cls, env, ids: tuple, prefetch=None):
        records = object.__new__(cls)
        records.env = env
        records._ids = ids
        records._prefetch = ids if prefetch is None else prefetch
        return records

    def browse(self, ids=None):
        """Records of this model with the given id(s) (not checked to exist; see exists())."""
        if ids is None or ids is False:
            ids = ()
        elif isinstance(ids, int):
            ids = (ids,)
        else:
            ids = tuple(int(i) for i in ids)
        return self._browse(self.env, ids, ids)

    def _browse_linked(self, ids: tuple, origin, field):
        """Records reached through `field` of `origin`: they prefetch together with the
        records reached through the same field from `origin`'s prefetch set."""
        cache = origin.env.cache.get(field)
        if cache is None:
            return self._browse(self.env, ids)
        prefetch_source = origin._prefetch

        def linked():
            source = prefetch_source() if callable(prefetch_source) else prefetch_source
            seen = dict.fromkeys(ids)
            for rid in source:
                value = cache.get(rid)
                if value is None:
                    continue
                if isinstance(value, tuple):
                    seen.update(dict.fromkeys(value))
                else:
                    seen[value] = None
            return tuple(seen)

        return self._browse(self.env, ids, linked)

    @property
    def ids(self) -> list[int]:
        """The ids of the records, in order."""
        return list(self._ids)

    @property
    def id(self):
        """The id of a single record, or False on an empty recordset."""
        if not self._ids:
            return False
        if len(self._ids) > 1:
            raise ValueError(f"Expected one {self._name} record, got {len(self._ids)}")
        return self._ids[0]

    def __iter__(self):
        env, prefetch, browse = self.env, self._prefetch, self._browse
        for rid in self._ids:
            yield browse(env, (rid,), prefetch)

    def __len__(self) -> int:
        return len(self._ids)

    def __bool__(self) -> bool:
        return bool(self._ids)

    def __contains__(self, item) -> bool:
        if isinstance(item, Model):
            return item._name == self._name and set(item._ids) <= set(self._ids)
        return item in self._ids

    def __eq__(self, other) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return self._name == other._name and set(self._ids) == set(other._ids)

    def __hash__(self) -> int:
        return hash((self._name, frozenset(self._ids)))

    def _check_same(self, other) -> None:
        if not isinstance(other, Model) or other._name != self._name:
            raise TypeError(f"cannot combine {self._name} records with {other!r}")

    def __or__(self, other):
        self._check_same(other)
        return self.browse(dict.fromkeys(self._ids + other._ids))

    def __add__(self, other):
        self._check_same(other)
        return self.browse(self._ids + other._ids)

    def __and__(self, other):
        self._check_same(other)
        keep = set(other._ids)
        return self.browse([i for i in self._ids if i in keep])

    def __sub__(self, other):
        self._check_same(other)
        drop = set(other._ids)
        return self.browse([i for i in self._ids if i not in drop])

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self._fields:
                raise KeyError(f"{self._name} has no field {key!r}")
            return getattr(self, key)
        if isinstance(key, slice):
            return self._browse(self.env, self._ids[key], self._prefetch)
        return self._browse(self.env, (self._ids[key],), self._prefetch)

    def __repr__(self) -> str:
        return f"{self._name}{self._ids!r}"

    def ensure_one(self):
        """Return self if it holds exactly one record, else raise ValueError."""
        if len(self._ids) != 1:
            raise ValueError(f"Expected one {self._name} record, got {len(self._ids)}")
        return self

    # -- environment switches ------------------------------------------------
    def with_env(self, env):
        """The same records in another environment."""
        return self._browse(env, self._ids, self._prefetch)

    def with_context(self, *args, **kwargs):
        """The same records with a context updated by a dict and/or keywords."""
        context = dict(args[0]) if args else dict(self.env.context)
        context.update(kwargs)
        return self.with_env(self.env(context=context))

    def sudo(self, flag: bool = True):
        """The same records in superuser mode: access rights and rules are bypassed."""
        return self.with_env(self.env(su=flag))

    def with_user(self, user):
        """The same records as seen by another user (a record of res.users or an id)."""
        return self.with_env(self.env(user=user))

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
            raise ValidationError(f"{self._name}.{field.name}: invalid value {value!r}: {error}") \
                from error

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

    def _fetch_columns(self, ids, only=None, chunk: int = PREFETCH_MAX) -> None:
        """Load the prefetchable column fields (or `only` these) of `ids` into the cache,
        one SELECT per `chunk` ids."""
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
            for target, values, process in zip(targets, columns_values, processors):
                if process is not None:
                    values = [process(value) for value in values]
                if target.keys().isdisjoint(fetched):
                    target.update(zip(fetched, values))
                else:  # keep cached values: they may be newer (being computed)
                    for rid, value in zip(fetched, values):
                        target.setdefault(rid, value)
            if rule is not None:
                policy.mark_readable(self, fetched)

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

    # -- names ---------------------------------------------------------------
    @classmethod
    def _rec_name_field(cls) -> str | None:
        if cls._rec_name:
            return cls._rec_name
        return "name" if "name" in cls._fields else None

    def _compute_display_name(self) -> None:
        rec_name = self._rec_name_field()
        for record in self:
            value = record[rec_name] if rec_name else False
            record.display_name = value if value else f"{record._name},{record.id}"

    def _display_names(self) -> dict[int, str]:
        """{id: display name} for these records, computed in batch."""
        rec_name = self._rec_name_field()
        if (rec_name and self._fields[rec_name].stored_column and self._security() is None
                and type(self)._compute_display_name is Model._compute_display_name):
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

    def name_search(self, name: str = "", domain=None, operator: str = "ilike",
                    limit: int = 8) -> list[tuple[int, str]]:
        """(id, display name) of records whose name matches, for autocompletion."""
        rec_name = self._rec_name_field()
        domain = list(domain or [])
        if name and rec_name:
            domain = ["&", (rec_name, operator, name), *domain] if domain else \
                [(rec_name, operator, name)]
        records = self.search(domain, limit=limit)
        names = records._display_names()
        return [(rid, names[rid]) for rid in records._ids]

    # -- search --------------------------------------------------------------
    def _active_filter_needed(self, tree) -> bool:
        if "active" not in self._fields or not self.env.context.get("active_test", True):
            return False
        return not _mentions(tree, "active")

    def _where(self, domain, compiler=None) -> sa.ColumnElement:
        tree = parse(domain, self)
        policy = self._security()
        if policy is not None:  # no searching on fields restricted to other groups
            policy.check_domain(self, tree)
        expr = (compiler or DomainCompiler(self)).compile(tree)
        if self._active_filter_needed(tree):
            expr = sa.and_(self._sa_table.c.active == sa.true(), expr)
        rule = policy.read_domain(self) if policy is not None else None
        if rule is not None:
            sudo = self.sudo()  # rule domains are compiled as superuser
            expr = sa.and_(expr, DomainCompiler(sudo).compile(parse(rule, sudo)))
        return expr

    def _order_by(self, order: str | None) -> list:
        policy = self._security()
        if policy is not None and order:  # sorting by a restricted field reveals its values
            names = [part.split()[0] for part in order.split(",") if part.split()]
            policy.check_fields(self, [self._fields[n] for n in names if n in self._fields],
                                "read")
        return self.env.registry.order_by(self._name, order or self._order, self.env.dialect)

    def _search_query(self, domain, offset=0, limit=None, order=None, count=False):
        """(statement, parameters) of a search (or count). Domains of a simple shape reuse
        a statement cached with bind parameters: building and compiling the SQL again
        would cost more than running it."""
        shape = search_shape(domain, self) if domain else ()
        if shape is None:
            return self._build_search(domain, offset, limit, order, count, None), None
        policy = self._security()
        if policy is not None:  # the domain is checked (restricted fields) on every call
            policy.check_domain(self, parse(domain, self))
        rule = policy.read_domain(self) if policy is not None else None
        active = self._active_filter_needed(("leaf", "active", "=", True) if any(
            leaf[0] == "active" for leaf in shape if isinstance(leaf, tuple)) else None)
        key = ("search", self._name, shape, order or self._order, offset or 0, limit or 0,
               count, active, repr(rule), self.env.dialect)
        registry = self.env.registry
        cached = registry.search_cache.get(key)
        if cached is None:
            compiler = DomainCompiler(self, parametric=True)
            statement = self._build_search(domain, offset, limit, order, count, compiler)
            cached = (statement, compiler.params)
            if len(registry.search_cache) >= 2000:
                registry.search_cache.clear()
            registry.search_cache[key] = cached
        statement, params = cached
        values = leaf_values(domain or [])
        return statement, {name: transform(values[index]) for name, index, transform in params}

    def _build_search(self, domain, offset, limit, order, count, compiler):
        where = self._where(domain, compiler)
        if count:
            return sa.select(sa.func.count()).select_from(self._sa_table).where(where)
        query = sa.select(self._sa_table.c.id).where(where).order_by(*self._order_by(order))
        if offset:
            query = query.offset(offset)
        if limit:
            query = query.limit(limit)
        return query

    def search(self, domain=None, offset: int = 0, limit: int | None = None,
               order: str | None = None):
        """Records matching `domain`, sorted by `order` (default: the model's `_order`).
        Archived records are left out unless the domain names `active` or the context
        has `active_test=False`."""
        self._check_access("read")
        statement, params = self._search_query(domain, offset, limit, order)
        ids = tuple(row[0] for row in raw_rows(self.env.execute(statement, params)))
        return self._browse(self.env, ids, ids)

    def search_count(self, domain=None) -> int:
        """How many records match `domain`."""
        self._check_access("read")
        statement, params = self._search_query(domain, count=True)
        return self.env.execute(statement, params).scalar_one()

    def search_read(self, domain=None, fields=None, offset=0, limit=None, order=None):
        """search() then read(): a list of dicts."""
        return self.search(domain, offset, limit, order).read(fields)

    def filtered_domain(self, domain):
        """The records of self that match `domain` (evaluated by the database)."""
        if not self._ids:
            return self
        matching = set(self.search(["&", ("id", "in", list(self._ids)), *(domain or [])]).ids) \
            if domain else set(self._ids)
        return self.browse([i for i in self._ids if i in matching])

    def exists(self):
        """The records of self that still exist in the database."""
        if not self._ids:
            return self
        table = self._sa_table
        found = set()
        ids = list(dict.fromkeys(self._ids))
        for start in range(0, len(ids), PREFETCH_MAX):
            query = sa.select(table.c.id).where(table.c.id.in_(ids[start:start + PREFETCH_MAX]))
            found.update(row[0] for row in self.env.execute(query))
        return self._browse(self.env, tuple(i for i in self._ids if i in found), self._prefetch)

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
                self._fetch_columns([i for i in ids if i in missing], columns, READ_CHUNK)
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
        columns = {}
        for field in field_list:
            if field.stored_column:
                values = cache[field]
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

    # -- access checks (by the transaction's security policy, if any) ---------------
    def _security(self):
        """The security policy to apply, or None (superuser, sudo, or no policy)."""
        if self.env.su:
            return None
        return self.env.transaction.security

    def _check_access(self, operation: str) -> None:
        """Raise AccessError when the current user may not `operation` this model."""
        policy = self._security()
        if policy is not None:
            policy.check_model(self, operation)

    def _check_field_access(self, field_list, operation: str) -> None:
        """Raise AccessError when a field is restricted by `groups=` to other users."""
        policy = self._security()
        if policy is not None:
            policy.check_fields(self, field_list, operation)

    def _check_rules(self, operation: str) -> None:
        """Raise AccessError unless every record of self passes the record rules."""
        policy = self._security()
        if policy is not None:
            policy.check_records(self, operation)

    # -- recordset helpers ---------------------------------------------------
    def mapped(self, func):
        """Values of a field path (`"parent_id.name"`) or function over the records.
        Relational paths return a recordset (deduplicated), others a list."""
        if callable(func):
            values = [func(record) for record in self]
            if values and all(isinstance(v, Model) for v in values):
                first = values[0]
                ids = []
                for value in values:
                    ids.extend(value._ids)
                return first.browse(dict.fromkeys(ids))
            return values
        records = self
        names = func.split(".")
        for index, name in enumerate(names):
            field = records._fields.get(name)
            if field is None:
                raise ValidationError(f"{records._name} has no field {name!r} (in {func!r})")
            if field.relational:
                ids: dict = {}
                for record in records:
                    ids.update(dict.fromkeys(record._get_raw(field) if field.type != "many2one"
                                             else [v for v in [record._get_raw(field)] if v]))
                comodel = records.env[field.comodel_name]
                records = comodel._browse(comodel.env, tuple(ids), tuple(ids))
            else:
                values = [record[name] for record in records]
                if index != len(names) - 1:
                    raise ValidationError(f"{records._name}.{name} is not a relation "
                                          f"(in {func!r})")
                return values
        return records

    def filtered(self, func):
        """The records for which `func(record)` (or the field path's value) is truthy."""
        if isinstance(func, str):
            path = func
            return self.browse([r.id for r in self if any(_as_list(r.mapped(path)))])
        return self.browse([r.id for r in self if func(r)])

    def sorted(self, key=None, reverse: bool = False):
        """The records sorted by `key` (a function or field name); by default in the
        model's `_order`, as search() would return them."""
        if key is None:
            if not self._ids:
                return self
            ordered = self.with_context(active_test=False).search(
                [("id", "in", list(self._ids))])
            ids = list(ordered._ids)
            return self.browse(ids[::-1] if reverse else ids)
        if isinstance(key, str):
            name = key
            records = sorted(self, key=lambda r: _sort_key(r[name]), reverse=reverse)
        else:
            records = sorted(self, key=key, reverse=reverse)
        return self.browse([r.id for r in records])

    def grouped(self, key) -> dict:
        """{key value: records} for a field name or function."""
        groups: dict = {}
        for record in self:
            value = record[key] if isinstance(key, str) else key(record)
            groups.setdefault(value, []).append(record.id)
        return {value: self.browse(ids) for value, ids in groups.items()}

    def default_get(self, field_names) -> dict:
        """Default values of the given fields for a new record."""
        result = {}
        for name in field_names:
            field = self._fields[name]
            context_key = f"default_{name}"
            if context_key in self.env.context:
                result[name] = self.env.context[context_key]
                continue
            value = field.get_default(self)
            if value is not fields._NO_DEFAULT:
                result[name] = value
        return result

    def fields_get(self) -> dict:
        """Description of every field the user may read: type, string, help, required,
        readonly, relation, selection."""
        result = {}
        policy = self._security()
        for name, field in self._fields.items():
            if policy is not None and not policy.field_allowed(self.env.uid, field):
                continue  # fields restricted to other groups are not advertised
            info = {"type": field.type, "string": field.string, "help": field.help,
                    "required": field.required, "readonly": field.readonly,
                    "store": field.store}
            if field.relational:
                info["relation"] = field.comodel_name
            if field.type == "selection":
                info["selection"] = field.get_selection(self)
            result[name] = info
        return result


def _mentions(tree, name: str) -> bool:
    if tree is None:
        return False
    kind = tree[0]
    if kind == "leaf":
        return tree[1] == name
    if kind in ("&", "|"):
        return _mentions(tree[1], name) or _mentions(tree[2], name)
    if kind == "!":
        return _mentions(tree[1], name)
    return False


def _as_list(value):
    if isinstance(value, Model):
        return value._ids
    return value


def _sort_key(value):
    if isinstance(value, Model):
        return (value.display_name or "") if value else ""
    if value is False or value is None:
        return (0, "")
    return (1, value)
