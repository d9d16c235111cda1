"""The registry: each model's final class composed from every installed addon, and
one SQLAlchemy Core Table per model."""

from __future__ import annotations

import re

import sqlalchemy as sa

from core.exceptions import TesseraError
from core.hooks import HookManager
from core.orm import fields
from core.orm.models import DEFINITIONS, Model
from core.orm.statements import StatementsMixin

_CONSTRAINT = re.compile(r"^\s*(unique|check)\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)


class RegistryError(TesseraError):
    """Models cannot be composed: an extension of an unknown model, a bad field, a cycle."""


def _magic_fields(has_users: bool) -> dict:
    user_field = (lambda: fields.Many2one("res.users", ondelete="set null", index=False)) \
        if has_users else (lambda: fields.Integer())
    return {
        "id": fields.Integer("ID", readonly=True),
        "display_name": fields.Char("Display name", compute="_compute_display_name"),
        "create_date": fields.Datetime("Created on", readonly=True),
        "write_date": fields.Datetime("Last updated on", readonly=True),
        "create_uid": user_field(),
        "write_uid": user_field(),
    }


_MAGIC = ("id", "create_date", "write_date", "create_uid", "write_uid")


def _write_kind(field) -> str:
    """How create/write treat a value of `field` (see MutationMixin._split_vals)."""
    if field.name in _MAGIC:
        return "magic"
    if field.computed and not field.inverse:
        return "computed" if field.stored_column else "readonly"
    if field.computed:
        return "inverse_column" if field.stored_column else "inverse"
    if field.type in ("one2many", "many2many") and field.store:
        return "x2many"
    if field.stored_column:
        return "column"
    return "readonly"


def _atomic(composed, name: str):
    """`name` of `composed` run inside one savepoint, overrides included: an override
    failing after `super().write()` leaves nothing behind either."""

    def method(self, *args, **kwargs):
        with self.env.atomic():
            return getattr(super(composed, self), name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = getattr(Model, name).__doc__
    return method


def _is_extension(cls) -> bool:
    """True for `_inherit = "x"` without a new `_name` (or with `_name` equal to it)."""
    inherit = cls.__dict__.get("_inherit") or []
    inherit = [inherit] if isinstance(inherit, str) else list(inherit)
    name = cls.__dict__.get("_name")
    return (not name and len(inherit) == 1) or (name in inherit)


class Registry(StatementsMixin):
    """All models of one set of installed addons (given in dependency order)."""

    def __init__(self, addons: list[str]):
        self.addons = list(addons)
        self.models: dict[str, type] = {}
        self.metadata = sa.MetaData()
        # (table, name as the database reports it) -> (message, constraint name)
        self.constraint_messages: dict[tuple[str, str], tuple[str, str]] = {}
        self.model_addons: dict[str, str] = {}  # model name -> addon that defined it
        self.field_addons: dict[tuple[str, str], str] = {}  # (model, field) -> first addon
        # (model, field) -> every addon declaring the field (defining or redefining it)
        self.field_owners: dict[tuple[str, str], set[str]] = {}
        self.check_constraints: list[tuple[str, str, str]] = []  # (table, name, expression)
        self._triggers: dict[tuple[str, str], list] = {}
        self._statements: dict = {}
        self.search_cache: dict = {}  # search statements by domain shape (Model._search_query)
        self._m2m_by_relation: dict[str, list] = {}
        self._o2m_by_inverse: dict[tuple[str, str], list] = {}  # (comodel, many2one) -> o2m
        self._build()
        self.hooks = HookManager(self.addons)

    # -- mapping protocol ------------------------------------------------------
    def __getitem__(self, name: str) -> type:
        try:
            return self.models[name]
        except KeyError:
            raise KeyError(f"Unknown model {name!r}: no installed addon defines it") from None

    def __contains__(self, name: str) -> bool:
        return name in self.models

    def __iter__(self):
        return iter(self.models)

    # -- composition -----------------------------------------------------------
    def _build(self) -> None:
        chains: dict[str, list[type]] = {}
        parents: dict[str, list[str]] = {}
        for addon in self.addons:
            # An addon's new models first, then its extensions, whatever the order in
            # which its modules were imported.
            classes = DEFINITIONS.get(addon, [])
            for cls in sorted(classes, key=lambda c: _is_extension(c)):
                self._collect(cls, chains, parents)
        built: dict[str, type] = {}
        for name in chains:
            self._compose(name, chains, parents, built, ())
        self.models = built
        has_users = "res.users" in built
        for model_cls in built.values():
            self._setup_fields(model_cls, has_users)
        for model_cls in built.values():
            if not model_cls._abstract:
                self._make_table(model_cls)
        for model_cls in built.values():
            self._setup_computes(model_cls)
        for model_cls in built.values():
            model_cls._trigger_fields = frozenset(
                name for (model, name), targets in self._triggers.items()
                if model == model_cls._name and any(t.store for t, _p in targets))

    def _collect(self, cls, chains, parents) -> None:
        inherit = cls.__dict__.get("_inherit") or []
        if isinstance(inherit, str):
            inherit = [inherit]
        name = cls.__dict__.get("_name")
        if not name:
            if len(inherit) != 1:
                raise RegistryError(f"{cls.__module__}.{cls.__qualname__}: give `_name`, or "
                                    "exactly one model in `_inherit` to extend it")
            name = inherit[0]
        if name in chains:
            if name not in inherit:
                raise RegistryError(
                    f"Model {name!r} is defined twice (again in addon {cls._addon!r}); "
                    f"to extend it, write `_inherit = {name!r}`")
            chains[name].append(cls)
            parents[name].extend(p for p in inherit if p != name and p not in parents[name])
        else:
            if name in inherit:
                raise RegistryError(
                    f"Addon {cls._addon!r} extends model {name!r}, which no installed addon "
                    "defines: add the addon that defines it to `depends`")
            chains[name] = [cls]
            parents[name] = list(inherit)
            self.model_addons[name] = cls._addon

    def _compose(self, name, chains, parents, built, stack) -> type:
        if name in built:
            return built[name]
        if name in stack:
            raise RegistryError(f"Models inherit from each other in a cycle: "
                                f"{' -> '.join((*stack, name))}")
        for parent in parents[name]:
            if parent not in chains:
                raise RegistryError(f"Model {name!r} inherits from {parent!r}, which no "
                                    "installed addon defines")
            self._compose(parent, chains, parents, built, (*stack, name))
        bases = tuple(reversed(chains[name])) + tuple(built[p] for p in parents[name])
        own = chains[name][0]
        attrs = {
            "_composed": True,
            "_name": name,
            "__module__": own.__module__,
            "_registry": self,
            "_inherit_chain": tuple(chains[name]),
            # a mixin's own flag: models built from it with `_inherit` get a table
            "_abstract": any(k.__dict__.get("_abstract", False) for k in chains[name]),
        }
        composed = type(name.replace(".", "_"), bases, attrs)
        for method in ("create", "write", "unlink"):
            if any(method in klass.__dict__ for klass in composed.__mro__[1:]
                   if klass is not Model and "_addon" in klass.__dict__):
                setattr(composed, method, _atomic(composed, method))
        built[name] = composed
        return composed

    def _setup_fields(self, model_cls, has_users: bool) -> None:
        collected: dict[str, fields.Field] = dict(_magic_fields(has_users))
        if not model_cls._log_access:
            for name in ("create_date", "write_date", "create_uid", "write_uid"):
                del collected[name]
        for klass in reversed(model_cls.__mro__[1:]):
            addon = klass.__dict__.get("_addon") if not klass.__dict__.get("_composed") else None
            for attr, value in klass.__dict__.items():
                if isinstance(value, fields.Field):
                    previous = collected.get(attr)
                    collected[attr] = previous.merged(value) if previous else value
                    if addon:
                        self.field_addons.setdefault((model_cls._name, attr), addon)
                        self.field_owners.setdefault((model_cls._name, attr), set()).add(addon)
        model_cls._fields = {}
        for attr, field in collected.items():
            fresh = field.fresh()
            if attr != "id":  # records keep Model.id (False when empty)
                setattr(model_cls, attr, fresh)
            fresh.setup(model_cls, attr)
            model_cls._fields[attr] = fresh
        if not model_cls.__dict__.get("_table"):
            model_cls._table = model_cls._name.replace(".", "_")
        all_fields = model_cls._fields.values()
        model_cls._prefetch_fields = [f for f in all_fields if f.stored_column
                                      and f.type != "binary" and f.name != "id"]
        model_cls._required_fields = [f for f in all_fields
                                      if f.required and f.stored_column and not f.computed]
        model_cls._x2many_fields = [f for f in all_fields
                                    if f.store and f.type in ("one2many", "many2many")]
        model_cls._stored_computed = [f for f in all_fields if f.computed and f.store]
        model_cls._default_fields = [
            (f.name, f) for f in all_fields
            if f.default is not fields._NO_DEFAULT and f.name not in _MAGIC
            and not (f.computed and not f.inverse)]
        model_cls._write_kinds = {f.name: _write_kind(f) for f in all_fields}
        model_cls._column_plans = {}  # keys of vals -> converters (MutationMixin._split_vals)
        constraint_methods, ondelete_methods = [], []
        for attr in dir(model_cls):
            if attr.startswith("__") or attr in model_cls._fields:
                continue
            value = getattr(model_cls, attr, None)
            if callable(value) and getattr(value, "_constrains", None):
                constraint_methods.append((attr, set(value._constrains)))
            if callable(value) and getattr(value, "_ondelete", False):
                ondelete_methods.append(attr)
        model_cls._constraint_methods = constraint_methods
        model_cls._ondelete_methods = ondelete_methods

    def _make_table(self, model_cls) -> None:
        table_name = model_cls._table
        columns = [sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True)]
        extras = []
        for field in model_cls._fields.values():
            if field.type in ("one2many", "many2many") and field.store:
                field_owner = field.comodel_name
                if field_owner not in self.models:
                    raise RegistryError(f"{model_cls._name}.{field.name}: comodel "
                                        f"{field_owner!r} is not defined by any installed addon")
            if field.name == "id" or not field.stored_column:
                continue
            if field.relational and field.comodel_name not in self.models:
                raise RegistryError(f"{model_cls._name}.{field.name}: comodel "
                                    f"{field.comodel_name!r} is not defined by any installed "
                                    "addon")
            column = field.sa_column(self) if field.relational else field.sa_column()
            columns.append(column)
            if field.index:
                extras.append(sa.Index(f"{table_name}__{field.name}_index", field.name))
                if field.type == "char":
                    extras.extend(self._text_indexes(table_name, field.name))
        for key, definition, message in self._sql_constraints_of(model_cls):
            match = _CONSTRAINT.match(definition)
            if not match:
                raise RegistryError(f"{model_cls._name}: constraint {key!r} must be "
                                    f"'unique(...)' or 'check(...)', got {definition!r}")
            kind, body = match.group(1).lower(), match.group(2)
            name = f"{table_name}_{key}"
            if kind == "unique":
                # A unique index, not a table constraint: it can be added to and dropped
                # from an existing table on every engine (SQLite cannot ALTER constraints).
                unique_columns = [c.strip() for c in body.split(",")]
                extras.append(sa.Index(name, *unique_columns, unique=True))
                # SQLite names the columns, not the index, when a unique index is violated
                self.constraint_messages[(table_name, ", ".join(
                    f"{table_name}.{c}" for c in unique_columns))] = (message, name)
            else:
                self.check_constraints.append((table_name, name, body))
            self.constraint_messages[(table_name, name)] = (message, name)
        model_cls._sa_table = sa.Table(table_name, self.metadata, *columns, *extras)

    @staticmethod
    def _sql_constraints_of(model_cls) -> list[tuple[str, str, str]]:
        """SQL constraints declared by every class of the model (a later one with the
        same key replaces an earlier one)."""
        merged: dict[str, tuple[str, str, str]] = {}
        for klass in reversed(model_cls.__mro__):
            for constraint in klass.__dict__.get("_sql_constraints", ()):
                merged[constraint[0]] = tuple(constraint)
        return list(merged.values())

    @staticmethod
    def _text_indexes(table_name: str, column: str) -> list:
        """Indexes serving case-insensitive prefix searches (`ilike 'abc%'`)."""
        return [
            sa.Index(f"{table_name}__{column}_nocase", sa.text(f'"{column}" COLLATE NOCASE'))
            .ddl_if(dialect="sqlite"),
            sa.Index(f"{table_name}__{column}_lower", sa.text(f'lower("{column}") '
                                                              "text_pattern_ops"))
            .ddl_if(dialect="postgresql"),
        ]

    def _setup_computes(self, model_cls) -> None:
        for field in model_cls._fields.values():
            if field.type in ("one2many", "many2many") and "active" in \
                    self.models[field.comodel_name]._fields:
                field.all_key = (field, "all")
            if field.type == "many2many":
                field.setup_relation(self)
                field.relation_table(self.metadata, self)
                self._m2m_by_relation.setdefault(field.relation, []).append(field)
            if field.type == "one2many":
                self._o2m_by_inverse.setdefault((field.comodel_name, field.inverse_name),
                                                []).append(field)
            if not field.computed:
                continue
            if field.compute and not callable(getattr(model_cls, field.compute, None)):
                raise RegistryError(f"{model_cls._name}.{field.name}: compute method "
                                    f"{field.compute!r} does not exist")
            depends = field.depends
            if not depends and field.compute:
                depends = getattr(getattr(model_cls, field.compute), "_depends", ())
            for path in depends:
                self._add_triggers(model_cls, field, path)

    def _add_triggers(self, model_cls, target, path: str) -> None:
        names = path.split(".")
        current = model_cls
        for index, name in enumerate(names):
            field = current._fields.get(name)
            if field is None:
                raise RegistryError(f"{model_cls._name}.{target.name} depends on {path!r}: "
                                    f"{current._name} has no field {name!r}")
            prefix = ".".join(names[:index]) or None
            self._triggers.setdefault((current._name, name), []).append((target, prefix))
            if field.relational:
                comodel = self.models[field.comodel_name]
                if field.type == "one2many":
                    self._triggers.setdefault((comodel._name, field.inverse_name), []).append(
                        (target, ".".join(names[:index + 1])))
                current = comodel
            elif index < len(names) - 1:
                raise RegistryError(f"{model_cls._name}.{target.name} depends on {path!r}: "
                                    f"{current._name}.{name} is not a relation")

    # -- lookups used by the ORM ---------------------------------------------------
    def triggers_of(self, model_name: str, names) -> list:
        """Unique (stored computed field, path prefix) pairs to recompute when fields
        `names` (None: any) of `model_name` change."""
        if names is None:
            keys = [k for k in self._triggers if k[0] == model_name]
        else:
            keys = [(model_name, n) for n in names]
        pairs: dict = {}
        for key in keys:
            for target, prefix in self._triggers.get(key, ()):
                if target.store:
                    pairs[(id(target), prefix)] = (target, prefix)
        return list(pairs.values())

    def relation_table(self, field) -> sa.Table:
        """The many2many relation table of `field`."""
        return self.metadata.tables[field.relation]

    def m2m_fields_on(self, relation: str) -> list:
        """Every many2many field stored in relation table `relation`."""
        return self._m2m_by_relation.get(relation, [])

    def one2many_of(self, model_name: str, names) -> list:
        """The one2many fields whose inverse is one of the many2one fields `names` of
        `model_name` (their cached values are stale when those many2one change)."""
        return [field for name in names
                for field in self._o2m_by_inverse.get((model_name, name), ())]


__all__ = ["Model", "Registry", "RegistryError"]
