"""SQL helpers shared by the ORM's modules."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def ids_condition(table: sa.Table, dialect: str, name: str = "ids"):
    """`id IN :name` for a list of ids passed as ONE parameter, so the statement text
    stays the same whatever the number of ids (nothing to render or parse again): an
    array literal on PostgreSQL, a JSON array read by json_each on SQLite (ids_param)."""
    if dialect == "postgresql":
        array = sa.cast(sa.bindparam(name, type_=sa.String), postgresql.ARRAY(sa.Integer))
        return table.c.id == sa.any_(array)
    values = sa.func.json_each(sa.bindparam(name, type_=sa.String)).table_valued("value")
    return table.c.id.in_(sa.select(values.c.value))


def ids_param(ids, dialect: str):
    """The value of an ids_condition parameter for `ids`."""
    if dialect == "postgresql":
        # an array literal: psycopg's list adaptation checks every element, and costs
        # more than the query for thousands of ids
        return "{" + ",".join(map(str, map(int, ids))) + "}"
    return json.dumps(list(ids))


def raw_rows(result) -> list[tuple]:
    """All rows of a result as the driver returns them, without SQLAlchemy's per-row
    processing (twice as fast for large results). Callers convert the columns that
    need it (see Registry.result_processors)."""
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def utc_now_sql(dialect: str):
    """The current UTC time to the second, computed by the database (the transaction's
    start on PostgreSQL, as Odoo does): create_date and write_date need no Python
    conversion per row."""
    if dialect == "postgresql":
        return sa.func.date_trunc("second", sa.func.timezone("UTC", sa.func.now()))
    # literal text, not bound parameters: the INSERT's parameters stay the columns' own
    return sa.func.strftime(sa.literal_column("'%Y-%m-%d %H:%M:%S'"),
                            sa.literal_column("'now'"))
