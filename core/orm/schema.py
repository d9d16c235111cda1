"""Schema synchronisation: make the database's tables match the registry's, with
Alembic's comparison and operations (new tables, columns, indexes, constraints)."""

from __future__ import annotations

import logging
import re
import warnings

import sqlalchemy as sa

from core.exceptions import ValidationError


def sync_schema(connection: sa.Connection, metadata: sa.MetaData,
                check_constraints=(), alter_types: bool = False) -> list[str]:
    """Create what `metadata` has and the database lacks (and, with `alter_types`,
    change the type of columns whose kind changed); returns a description of each
    change. Never drops anything: removing tables and columns is the job of
    uninstall and upgrade, which know which addon owned them."""
    inspector = sa.inspect(connection)
    existing = set(inspector.get_table_names())
    new_tables = [t for t in metadata.sorted_tables if t.name not in existing]
    changes = [f"create table {t.name}" for t in new_tables]
    if new_tables and connection.dialect.name == "sqlite":
        for table in new_tables:
            _create_sqlite_table(connection, table)
    elif new_tables:
        metadata.create_all(connection, tables=new_tables)
    old_tables = [t for t in metadata.sorted_tables if t.name in existing]
    if old_tables:
        changes += _sync_existing(connection, inspector, metadata, old_tables, alter_types)
    changes += sync_check_constraints(connection, metadata, check_constraints)
    return changes


def _create_sqlite_table(connection, table: sa.Table) -> None:
    """Create `table` on SQLite with its foreign key columns added afterwards, each with
    an inline REFERENCES clause: SQLite cannot drop a column named in a table-level
    FOREIGN KEY constraint, and an upgrade removing a many2one field must drop it."""
    later = [c for c in table.columns if c.foreign_keys and not c.primary_key]
    simple = all(isinstance(c, (sa.PrimaryKeyConstraint, sa.ForeignKeyConstraint))
                 for c in table.constraints)
    if not later or not simple or any(c.foreign_keys for c in table.primary_key.columns):
        table.create(connection)
        return
    sa.Table(table.name, sa.MetaData(), *[
        sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable,
                  autoincrement=c.autoincrement)
        for c in table.columns if c not in later]).create(connection)
    for column in later:
        _add_column(connection, None, table.name, column)
    for index in table.indexes:
        if _applies(index, "sqlite"):
            index.create(connection)


def _sync_existing(connection, inspector, metadata, old_tables, alter_types) -> list[str]:
    # Alembic is imported here: the CLI and the web workers start faster without it.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    changes = []
    context = MigrationContext.configure(connection, opts={
        "compare_type": alter_types,
        # Indexes are handled below by name: Alembic cannot compare expression indexes
        # (lower(name) text_pattern_ops, COLLATE NOCASE).
        "include_object": lambda _obj, _name, kind, _reflected, _other: kind != "index",
    })
    operations = Operations(context)
    alembic_log = logging.getLogger("alembic")
    level = alembic_log.level
    alembic_log.setLevel(logging.ERROR)  # it warns about the expression indexes skipped
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="alembic")
            diffs = compare_metadata(context, metadata)
    finally:
        alembic_log.setLevel(level)
    for diff in _flatten(diffs):
        if diff[0] == "add_column":
            table_name, column = diff[2], diff[3]
            _add_column(connection, operations, table_name, column)
            changes.append(f"add column {table_name}.{column.name}")
        elif diff[0] == "modify_type" and _kind(diff[5]) != _kind(diff[6]):
            table_name, column_name, new_type = diff[2], diff[3], diff[6]
            _change_type(connection, operations, metadata.tables[table_name].c[column_name],
                         diff[5], new_type)
            changes.append(f"change type of {table_name}.{column_name} to {new_type}")
            inspector.clear_cache()
    dialect = connection.dialect.name
    for table in old_tables:
        present = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name in present or not _applies(index, dialect):
                continue
            index.create(connection)
            changes.append(f"create index {index.name}")
    return changes


_KINDS = (
    (sa.Boolean, "boolean"), (sa.Integer, "integer"), (sa.Float, "float"),
    (sa.Numeric, "float"), (sa.DateTime, "datetime"), (sa.Date, "date"),
    (sa.LargeBinary, "binary"), (sa.String, "text"),
)


def _kind(type_) -> str:
    """The family of a column type: a change inside a family (VARCHAR to TEXT, FLOAT to
    DOUBLE PRECISION) is not worth rewriting a column."""
    for klass, kind in _KINDS:
        if isinstance(type_, klass):
            return kind
    return type(type_).__name__.lower()


def _change_type(connection, operations, column: sa.Column, old_type, new_type) -> None:
    name, table = column.name, column.table.name
    if connection.dialect.name == "postgresql":
        target = new_type.compile(dialect=connection.dialect)
        try:
            operations.alter_column(table, name, type_=new_type, existing_type=old_type,
                                    postgresql_using=f'"{name}"::{target}')
        except sa.exc.DataError as error:
            reason = str(error.orig).strip().splitlines()[0]
            raise ValidationError(
                f"{table}.{name} cannot become {target}: {reason}. Correct the values (or "
                "convert them in a pre-migration script) and upgrade again.") from error
        return
    # SQLite cannot ALTER a column's type: copy into a new column, drop, rename. No
    # table rebuild, so no foreign key action fires on other tables.
    temporary = f"{name}__tessera_new"
    target = new_type.compile(dialect=connection.dialect)
    if _kind(new_type) in ("integer", "float"):
        # SQLite's CAST turns text that is no number into 0; refuse, as PostgreSQL does
        bad = connection.exec_driver_sql(
            f'SELECT count(*) FROM "{table}" WHERE "{name}" IS NOT NULL '
            f'AND CAST("{name}" AS {target}) != "{name}"').scalar()
        if bad:
            raise ValidationError(
                f"{table}.{name} cannot become {target}: {bad} value(s) are not numbers. "
                "Correct them (or convert them in a pre-migration script) and upgrade again.")
    connection.exec_driver_sql(f'ALTER TABLE "{table}" ADD COLUMN "{temporary}" {target}')
    connection.exec_driver_sql(f'UPDATE "{table}" SET "{temporary}" = CAST("{name}" AS {target})')
    for index in sa.inspect(connection).get_indexes(table):
        if name in (index.get("column_names") or []):
            connection.exec_driver_sql(f'DROP INDEX "{index["name"]}"')
    for trigger in sqlite_triggers_using(connection, table, name):
        # a check trigger blocks DROP COLUMN; sync_check_constraints recreates it
        connection.exec_driver_sql(f'DROP TRIGGER "{trigger}"')
    connection.exec_driver_sql(f'ALTER TABLE "{table}" DROP COLUMN "{name}"')
    connection.exec_driver_sql(f'ALTER TABLE "{table}" RENAME COLUMN "{temporary}" TO "{name}"')


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
    exposes NEW's values under the column names, so the expression is used as written.
    Only the columns the expression names are exposed: a trigger mentioning a column
    keeps SQLite from dropping that column."""
    used = [name for name in columns
            if re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", expression)]
    exposed = ", ".join(f'NEW."{name}" AS "{name}"' for name in used) or "1"
    return f"(SELECT ({expression}) FROM (SELECT {exposed}))"


def sqlite_triggers_using(connection, table: str, column: str) -> list[str]:
    """The check triggers on `table` that read column `column` of the NEW row."""
    found = connection.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": table}).all()
    return [name for name, sql in found if f'NEW."{column}"' in (sql or "")]


def _applies(index: sa.Index, dialect: str) -> bool:
    condition = getattr(index, "_ddl_if", None)
    return condition is None or condition.dialect in (None, dialect)


def _flatten(diffs):
    for diff in diffs:
        if isinstance(diff, list):
            yield from diff
        else:
            yield diff


def _add_column(connection, operations, table_name: str, column: sa.Column) -> None:
    if connection.dialect.name != "sqlite":
        operations.add_column(table_name, _detached(column))
        return
    # SQLite adds a column with an inline REFERENCES clause, never a separate constraint
    # (which Alembic would refuse without rebuilding the table).
    quote = connection.dialect.identifier_preparer.quote
    ddl = f"{quote(column.name)} {column.type.compile(dialect=connection.dialect)}"
    for fk in column.foreign_keys:
        target_table, target_column = fk.target_fullname.split(".")
        ddl += f" REFERENCES {quote(target_table)}({quote(target_column)})"
        if fk.ondelete:
            ddl += f" ON DELETE {fk.ondelete}"
    connection.exec_driver_sql(f"ALTER TABLE {quote(table_name)} ADD COLUMN {ddl}")


def _detached(column: sa.Column) -> sa.Column:
    """A copy of `column` not bound to a table, as Alembic's add_column wants."""
    return sa.Column(column.name, column.type,
                     *[sa.ForeignKey(fk.target_fullname, ondelete=fk.ondelete)
                       for fk in column.foreign_keys],
                     nullable=True)
