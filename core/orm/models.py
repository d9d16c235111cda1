"""The Model base class: a recordset, its set operations, environment switches and
helpers (mapped, filtered, sorted...).

Every model is a class deriving from `Model`. An instance is a *recordset*: an
environment plus an ordered tuple of ids. Reading values (cache, prefetch, read) lives
in `core.orm.reading`, searching in `core.orm.searching`, writing in
`core.orm.mutations`, stored-compute bookkeeping in `core.orm.compute`, grouping in
`core.orm.grouping`; `Model` combines them.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.exceptions import ValidationError
from core.orm import fields
from core.orm.commands import RelationsMixin
from core.orm.compute import ComputeMixin
from core.orm.grouping import GroupingMixin
from core.orm.mutations import MutationMixin
from core.orm.reading import ReadingMixin
from core.orm.searching import SearchMixin

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


class Model(SearchMixin, ReadingMixin, MutationMixin, RelationsMixin, ComputeMixin,
            GroupingMixin):
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

    # -- names ---------------------------------------------------------------
    @classmethod
    def _rec_name_field(cls) -> str | None:
        if cls._rec_name:
            return cls._rec_name
        return "name" if "name" in cls._fields else None

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
