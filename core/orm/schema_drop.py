"""Dropping schema objects (for uninstall and upgrade), on SQLite without rebuilding
tables: SQLite >= 3.35 drops columns in place once their indexes are gone, and check
constraints are triggers there (see schema.sync_check_constraints)."""

from __future__ import annotations

import sqlalchemy as sa

from core.orm.schema import sqlite_triggers_using


def _quote(connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def drop_objects(connection: sa.Connection, objects) -> list[str]:
    """Drop `(kind, table, name)` objects: checks, then indexes, then columns, then
    tables (in foreign key order). Objects already gone are skipped."""
    inspector = sa.inspect(connection)
    existing_tables = set(inspector.get_table_names())
    tables = {table for kind, table, _name in objects if kind == "table"}
    changes: list[str] = []

    def q(name: str) -> str:
        return _quote(connection, name)

    sqlite = connection.dialect.name == "sqlite"
    for kind, table, name in objects:
        if kind != "check" or table in tables or table not in existing_tables:
            continue
        if sqlite:
            for event in ("insert", "update"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {q(f'{name}__{event}')}")
        else:
            connection.exec_driver_sql(f"ALTER TABLE {q(table)} DROP CONSTRAINT IF EXISTS "
                                       f"{q(name)}")
        changes.append(f"drop check {name}")
    for kind, table, name in objects:
        if kind == "index" and table not in tables and table in existing_tables:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {q(name)}")
            changes.append(f"drop index {name}")
    for kind, table, name in objects:
        if kind != "column" or table in tables or table not in existing_tables:
            continue
        columns = {c["name"] for c in inspector.get_columns(table)}
        if name not in columns:
            continue
        if sqlite:  # SQLite refuses to drop an indexed column
            for index in inspector.get_indexes(table):
                if name in (index.get("column_names") or []) or _mentions(index, name):
                    connection.exec_driver_sql(f"DROP INDEX IF EXISTS {q(index['name'])}")
            _drop_sqlite_expression_indexes(connection, table, name)
            # as PostgreSQL drops the check constraints involving a dropped column
            for trigger in sqlite_triggers_using(connection, table, name):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {q(trigger)}")
        connection.exec_driver_sql(f"ALTER TABLE {q(table)} DROP COLUMN {q(name)}")
        changes.append(f"drop column {table}.{name}")
    doomed = [t for t in tables if t in existing_tables]
    if doomed:
        for table in _referencing_first(inspector, doomed):
            connection.exec_driver_sql(f"DROP TABLE {q(table)}")
            changes.append(f"drop table {table}")
    return changes


def _referencing_first(inspector, tables: list[str]) -> list[str]:
    """`tables` ordered so that a table is dropped before the tables it references
    (only references among `tables` matter; a cycle keeps the remaining order)."""
    references = {t: {fk["referred_table"] for fk in inspector.get_foreign_keys(t)} & set(tables)
                  for t in tables}
    ordered: list[str] = []
    pending = sorted(tables)
    while pending:
        free = [t for t in pending if not any(t in references[o] for o in pending if o != t)]
        pick = free or pending[:1]
        ordered.extend(pick)
        pending = [t for t in pending if t not in pick]
    return ordered


def _mentions(index: dict, column: str) -> bool:
    expressions = index.get("expressions") or []
    return any(expr and column in expr for expr in expressions)


def _drop_sqlite_expression_indexes(connection, table: str, column: str) -> None:
    rows = connection.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
        "AND sql IS NOT NULL"), {"t": table})
    for name, sql in rows.all():
        if f'"{column}"' in sql or f"({column}" in sql or f" {column} " in sql:
            connection.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')
