"""Schema synchronisation: make the database's tables match the registry's, with
Alembic's comparison and operations (new tables, columns, indexes, constraints)."""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations


def sync_schema(connection: sa.Connection, metadata: sa.MetaData,
                check_constraints=()) -> list[str]:
    """Create what `metadata` has and the database lacks; returns a description of
    each change. Never drops anything: removing tables and columns is the job of
    uninstall, which knows which addon owned them."""
    inspector = sa.inspect(connection)
    existing = set(inspector.get_table_names())
    new_tables = [t for t in metadata.sorted_tables if t.name not in existing]
    changes = [f"create table {t.name}" for t in new_tables]
    if new_tables:
        metadata.create_all(connection, tables=new_tables)
    old_tables = [t for t in metadata.sorted_tables if t.name in existing]
    if old_tables:
        changes += _sync_existing(connection, inspector, metadata, old_tables)
    changes += sync_check_constraints(connection, metadata, check_constraints)
    return changes


def _sync_existing(connection, inspector, metadata, old_tables) -> list[str]:
    changes = []
    context = MigrationContext.configure(connection, opts={
        "compare_type": False,
        # Indexes are handled below by name: Alembic cannot compare expression indexes
        # (lower(name) text_pattern_ops, COLLATE NOCASE).
        "include_object": lambda _obj, _name, kind, _reflected, _other: kind != "index",
    })
    operations = Operations(context)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="alembic")
        diffs = compare_metadata(context, metadata)
    for diff in _flatten(diffs):
        if diff[0] == "add_column":
            table_name, column = diff[2], diff[3]
            operations.add_column(table_name, _detached(column))
            changes.append(f"add column {table_name}.{column.name}")
    dialect = connection.dialect.name
    for table in old_tables:
        present = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name in present or not _applies(index, dialect):
                continue
            index.create(connection)
            changes.append(f"create index {index.name}")
    return changes


def sync_check_constraints(connection, metadata, check_constraints) -> list[str]:
    """Create missing check constraints: real CHECK constraints on PostgreSQL, a pair
    of triggers on SQLite (which cannot add a constraint to an existing table)."""
    changes = []
    if not check_constraints:
        return changes
    if connection.dialect.name == "postgresql":
        existing = {row[0] for row in connection.execute(sa.text(
            "SELECT conname FROM pg_constraint WHERE contype = 'c'"))}
        for table, name, expression in check_constraints:
            if name not in existing:
                connection.exec_driver_sql(
                    f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" CHECK ({expression})')
                changes.append(f"add check {name}")
        return changes
    existing = {row[0] for row in connection.execute(sa.text(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
    for table, name, expression in check_constraints:
        for event in ("insert", "update"):
            trigger = f"{name}__{event}"
            if trigger in existing:
                continue
            connection.exec_driver_sql(
                f'CREATE TRIGGER "{trigger}" BEFORE {event.upper()} ON "{table}" '
                f"WHEN NOT {_new_row(metadata.tables[table].c.keys(), expression)} "
                f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END")
            changes.append(f"add check trigger {trigger}")
    return changes


def _new_row(columns, expression: str) -> str:
    """The check `expression` evaluated on a trigger's NEW row: a one-row subquery
    exposes NEW's values under the column names, so the expression is used as written."""
    exposed = ", ".join(f'NEW."{name}" AS "{name}"' for name in columns)
    return f"(SELECT ({expression}) FROM (SELECT {exposed}))"


def _applies(index: sa.Index, dialect: str) -> bool:
    condition = getattr(index, "_ddl_if", None)
    return condition is None or condition.dialect in (None, dialect)


def _flatten(diffs):
    for diff in diffs:
        if isinstance(diff, list):
            yield from diff
        else:
            yield diff


def _detached(column: sa.Column) -> sa.Column:
    """A copy of `column` not bound to a table, as Alembic's add_column wants."""
    return sa.Column(column.name, column.type,
                     *[sa.ForeignKey(fk.target_fullname, ondelete=fk.ondelete)
                       for fk in column.foreign_keys],
                     nullable=True)
