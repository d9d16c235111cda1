"""Relational fields: Many2one, One2many and Many2many, and x2many commands."""

from __future__ import annotations

import sqlalchemy as sa

from core.orm.fields import Field

ONDELETE = ("set null", "cascade", "restrict")


class _Relational(Field):
    """Common part of relational fields: the comodel (target model) name."""

    relational = True

    def __init__(self, comodel_name: str | None = None, string: str | None = None, **kwargs):
        if comodel_name is not None:
            kwargs["comodel_name"] = comodel_name
        super().__init__(string, **kwargs)

    @property
    def comodel_name(self) -> str:
        """Name of the target model."""
        return self.extra["comodel_name"]

    def setup(self, model_cls, name: str) -> None:
        super().setup(model_cls, name)
        if "comodel_name" not in self.extra:
            raise TypeError(f"{model_cls._name}.{name}: relational field needs a comodel name")


class Many2one(_Relational):
    """A link to one record of the comodel; stored as a foreign key column.

    `ondelete` is what happens when the target is deleted: "set null" (default),
    "cascade" (delete this record too) or "restrict" (refuse; default when required).
    """

    type = "many2one"
    extra_args = frozenset({"comodel_name", "ondelete", "domain", "context", "auto_join",
                            "group_expand"})

    @property
    def ondelete(self) -> str:
        """The foreign key's ON DELETE behaviour."""
        return self.extra.get("ondelete") or ("restrict" if self.required else "set null")

    def setup(self, model_cls, name: str) -> None:
        super().setup(model_cls, name)
        if self.ondelete not in ONDELETE:
            raise TypeError(f"{self.model_name}.{name}: ondelete must be one of {ONDELETE}")
        if self.required and self.ondelete == "set null":
            raise TypeError(f"{self.model_name}.{name}: a required many2one cannot be 'set null'")
        if "index" not in self._args and self.store:
            self.index = True  # foreign keys are indexed unless said otherwise

    def sa_column(self, registry=None):
        if not self.stored_column:
            return None
        target = registry[self.comodel_name]._table if registry else None
        # use_alter: PostgreSQL adds the constraint once every table exists, so tables
        # may reference each other (users <-> departments); SQLite keeps it inline.
        own = registry[self.model_name]._table if registry else self.model_name
        fk = [sa.ForeignKey(f"{target}.id", ondelete=self.ondelete.upper(), use_alter=True,
                            name=f"{own}_{self.name}_fkey")] if target else []
        return sa.Column(self.name, sa.Integer(), *fk, nullable=True)

    def to_column(self, value, record=None):
        if value is None or value is False:
            return None
        if hasattr(value, "_ids"):
            if getattr(value, "_name", None) != self.comodel_name:
                raise TypeError(f"a {self.comodel_name} record is expected")
            if len(value._ids) > 1:
                raise ValueError("one record is expected, not several")
            return value._ids[0] if value._ids else None
        if isinstance(value, (tuple, list)) and value:
            value = value[0]
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.isdigit():
                return int(value)
            raise TypeError("a record id is expected")
        return value

    def to_record(self, value, record):
        comodel = record.env[self.comodel_name]
        if value is None:
            return comodel
        return comodel._browse_linked((value,), record, self)

    def to_read(self, value, record):
        if value is None:
            return False
        target = record.env[self.comodel_name]._browse_linked((value,), record, self)
        return (value, target.display_name)

    def empty(self):
        return None


class _X2many(_Relational):
    """Common part of One2many and Many2many: values are tuples of ids."""

    column = False

    def to_record(self, value, record):
        return record.env[self.comodel_name]._browse_linked(value or (), record, self)

    def to_read(self, value, record):
        return list(value or ())

    def empty(self):
        return ()

    def get_default(self, model):
        value = super().get_default(model)
        return value


class One2many(_X2many):
    """The records of the comodel whose many2one `inverse_name` points to this record."""

    type = "one2many"
    extra_args = frozenset({"comodel_name", "inverse_name", "domain", "context", "auto_join"})

    def __init__(self, comodel_name=None, inverse_name=None, string=None, **kwargs):
        if inverse_name is not None:
            kwargs["inverse_name"] = inverse_name
        super().__init__(comodel_name, string, **kwargs)

    @property
    def inverse_name(self) -> str:
        """The many2one field of the comodel that points back."""
        return self.extra["inverse_name"]

    def setup(self, model_cls, name: str) -> None:
        super().setup(model_cls, name)
        if "inverse_name" not in self.extra:
            raise TypeError(f"{self.model_name}.{name}: One2many needs an inverse_name")


class Many2many(_X2many):
    """A set of comodel records, stored in a relation table with two foreign keys.

    The relation table defaults to `<table1>_<table2>_rel` (tables sorted), with
    columns `<table>_id`; both models of the pair see the same rows.
    """

    type = "many2many"
    extra_args = frozenset({"comodel_name", "relation", "column1", "column2", "domain", "context"})

    def __init__(self, comodel_name=None, relation=None, column1=None, column2=None,
                 string=None, **kwargs):
        for key, value in (("relation", relation), ("column1", column1), ("column2", column2)):
            if value is not None:
                kwargs[key] = value
        super().__init__(comodel_name, string, **kwargs)

    def setup_relation(self, registry) -> None:
        """Compute the relation table and column names once both models are known."""
        own = registry[self.model_name]._table
        other = registry[self.comodel_name]._table
        tables = sorted([own, other])
        self.relation = self.extra.get("relation") or f"{tables[0]}_{tables[1]}_rel"
        if own == other:
            default1, default2 = f"{own}_id", f"{own}_related_id"
        else:
            default1, default2 = f"{own}_id", f"{other}_id"
        self.column1 = self.extra.get("column1") or default1
        self.column2 = self.extra.get("column2") or default2

    def relation_table(self, metadata: sa.MetaData, registry) -> sa.Table:
        """The SQLAlchemy Table of the relation (created once per metadata)."""
        if self.relation in metadata.tables:
            return metadata.tables[self.relation]
        own = registry[self.model_name]._table
        other = registry[self.comodel_name]._table
        return sa.Table(
            self.relation, metadata,
            sa.Column(self.column1, sa.Integer(), sa.ForeignKey(f"{own}.id", ondelete="CASCADE"),
                      primary_key=True),
            sa.Column(self.column2, sa.Integer(),
                      sa.ForeignKey(f"{other}.id", ondelete="CASCADE"),
                      primary_key=True, index=True),
        )


def normalize_commands(value) -> list[tuple]:
    """Turn an x2many value into a list of Odoo commands.

    Accepts commands `(0, 0, vals) (1, id, vals) (2, id) (3, id) (4, id) (5,) (6, 0, ids)`,
    a plain list of ids ("set to these"), a recordset, or False/None (clear).
    """
    if value is None or value is False:
        return [(5,)]
    if hasattr(value, "_ids"):
        return [(6, 0, list(value._ids))]
    if not isinstance(value, (list, tuple)):
        raise TypeError("a list of commands or of ids is expected")
    if all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        return [(6, 0, list(value))]
    commands = []
    for item in value:
        if hasattr(item, "_ids"):
            commands.extend((4, rid) for rid in item._ids)
            continue
        if not isinstance(item, (list, tuple)) or not item or item[0] not in range(7):
            raise TypeError(f"invalid x2many command {item!r}")
        code = item[0]
        if code in (0, 1) and (len(item) < 3 or not isinstance(item[2], dict)):
            raise TypeError(f"command {item!r} needs a dict of values")
        if code in (1, 2, 3, 4) and (len(item) < 2 or not isinstance(item[1], int)):
            raise TypeError(f"command {item!r} needs a record id")
        if code == 6 and (len(item) < 3 or not isinstance(item[2], (list, tuple))):
            raise TypeError(f"command {item!r} needs a list of ids")
        commands.append(tuple(item))
    return commands
