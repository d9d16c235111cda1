"""Which addon declares which schema object, computed from a registry.

Objects are `(kind, table, name)` with kind "table", "column", "index" or "check".
Several addons may declare the same object (an extension redefining a field, both
sides of a many2many); it is dropped only when the last of them is uninstalled.
"""

from __future__ import annotations

from core.orm.fields import Field

MAGIC_COLUMNS = {"id", "create_date", "write_date", "create_uid", "write_uid"}


def schema_objects(registry) -> dict[tuple[str, str, str], dict]:
    """{(kind, table, name): {"addons": set of addon names, "model": model name}}."""
    objects: dict[tuple[str, str, str], dict] = {}

    def own(kind, table, name, addon, model):
        entry = objects.setdefault((kind, table, name), {"addons": set(), "model": model})
        entry["addons"].add(addon)

    for model_name, model_cls in registry.models.items():
        if model_cls._abstract:
            continue
        table = model_cls._table
        own("table", table, table, model_cls._inherit_chain[0]._addon, model_name)
        column_owners: dict[str, set[str]] = {}
        for klass in _definition_classes(model_cls):
            for attr, value in klass.__dict__.items():
                if not isinstance(value, Field) or attr in MAGIC_COLUMNS:
                    continue
                field = model_cls._fields[attr]
                if field.stored_column:
                    column_owners.setdefault(attr, set()).add(klass._addon)
                elif field.type == "many2many" and field.store:
                    own("table", field.relation, field.relation, klass._addon, model_name)
            for constraint in klass.__dict__.get("_sql_constraints", ()):
                key, definition = constraint[0], constraint[1]
                kind = "check" if definition.strip().lower().startswith("check") else "index"
                own(kind, table, f"{table}_{key}", klass._addon, model_name)
        for column, addons in column_owners.items():
            for addon in addons:
                own("column", table, column, addon, model_name)
        for index in model_cls._sa_table.indexes:
            prefix = f"{table}__"
            if not index.name.startswith(prefix):
                continue  # unique constraints, owned above
            column = index.name[len(prefix):].rsplit("_", 1)[0]
            for addon in column_owners.get(column, ()):
                own("index", table, index.name, addon, model_name)
    return objects


def _definition_classes(model_cls) -> list[type]:
    """The addon definition classes of a composed model (its own and its prototype
    parents'), base-most first."""
    return [klass for klass in reversed(model_cls.__mro__)
            if klass.__dict__.get("_addon") and not klass.__dict__.get("_composed")]
