"""SQL statements the ORM runs again and again, built once per model and kept by the
registry (Registry inherits StatementsMixin)."""

from __future__ import annotations

import sqlalchemy as sa

from core.exceptions import ValidationError
from core.orm.sql import ids_condition, utc_now_sql


class StatementsMixin:
    """Cached statements: SELECT/INSERT/UPDATE/DELETE by ids, ORDER BY clauses, result
    conversions. Expects `self.models` and `self._statements`."""

    def select_by_ids(self, model_name: str, names: tuple, dialect: str = "sqlite") -> sa.Select:
        """Cached `SELECT id, <names> WHERE id IN :ids` for one model."""
        key = ("select", model_name, names, dialect)
        statement = self._statements.get(key)
        if statement is None:
            table = self.models[model_name]._sa_table
            statement = sa.select(table.c.id, *[table.c[n] for n in names]).where(
                ids_condition(table, dialect))
            self._statements[key] = statement
        return statement

    def insert_statement(self, model_name: str, names: tuple, returning: bool = True,
                         dialect: str = "sqlite"):
        """Cached INSERT of the given columns, returning the new ids in parameter order
        (or not returning them, for SQLite's faster path). create_date and write_date
        are the database's clock, written by the statement itself."""
        key = ("insert", model_name, names, returning, dialect)
        statement = self._statements.get(key)
        if statement is None:
            model_cls = self.models[model_name]
            table = model_cls._sa_table
            statement = sa.insert(table)
            if model_cls._log_access:
                now = utc_now_sql(dialect)
                statement = statement.values({table.c.create_date: now, table.c.write_date: now})
            if returning:
                statement = statement.returning(table.c.id, sort_by_parameter_order=True)
            self._statements[key] = statement
        return statement

    def driver_insert(self, model_name: str, names: tuple, dialect) -> tuple:
        """(SQL text, parameter order, per-parameter value converters) of the INSERT of
        `names`, for the driver's own executemany with positional parameters (SQLite)."""
        key = ("driver insert", model_name, names, dialect.name)
        cached = self._statements.get(key)
        if cached is None:
            model_cls = self.models[model_name]
            table = model_cls._sa_table
            values = {table.c[name]: sa.bindparam(name) for name in names}
            if model_cls._log_access:
                now = utc_now_sql(dialect.name)
                values.update({table.c.create_date: now, table.c.write_date: now})
            compiled = sa.insert(table).values(values).compile(dialect=dialect)
            order = tuple(compiled.positiontup)
            processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                          for name in order]
            cached = (str(compiled), order, processors)
            self._statements[key] = cached
        return cached

    def result_processors(self, model_name: str, names: tuple, dialect) -> list:
        """Per column, the function turning a driver value into Python (None when the
        driver's value is already right: most types on PostgreSQL, text on SQLite)."""
        key = ("processors", model_name, names, dialect.name)
        processors = self._statements.get(key)
        if processors is None:
            table = self.models[model_name]._sa_table
            if dialect.name == "postgresql":  # psycopg returns the Python types we store
                processors = [None] * len(names)
            else:
                processors = [
                    table.c[name].type.dialect_impl(dialect).result_processor(dialect, None)
                    for name in names]
            self._statements[key] = processors
        return processors

    def delete_statement(self, model_name: str, dialect: str = "sqlite"):
        """Cached `DELETE ... WHERE id IN :ids`."""
        key = ("delete", model_name, dialect)
        statement = self._statements.get(key)
        if statement is None:
            table = self.models[model_name]._sa_table
            statement = sa.delete(table).where(ids_condition(table, dialect))
            self._statements[key] = statement
        return statement

    def update_statement(self, model_name: str, names: tuple, single: bool = False,
                         dialect: str = "sqlite"):
        """Cached `UPDATE ... SET <names> WHERE id IN :tessera_ids` (or `id = :tessera_id`
        for one record); values are bound as `v_<name>`."""
        key = ("update", model_name, names, single, dialect)
        statement = self._statements.get(key)
        if statement is None:
            table = self.models[model_name]._sa_table
            condition = (table.c.id == sa.bindparam("tessera_id")) if single else \
                ids_condition(table, dialect, "tessera_ids")
            values = {table.c[n]: sa.bindparam(f"v_{n}") for n in names}
            if self.models[model_name]._log_access:
                values[table.c.write_date] = utc_now_sql(dialect)
            statement = sa.update(table).where(condition).values(values)
            self._statements[key] = statement
        return statement

    def order_by(self, model_name: str, order: str, dialect: str = "postgresql") -> list:
        """SQLAlchemy ORDER BY expressions for an order spec such as "name desc, id".
        Empty values sort as on PostgreSQL on every engine: last ascending, first
        descending (SQLite would put them first)."""
        key = ("order", model_name, order, dialect)
        result = self._statements.get(key)
        if result is None:
            result = self._parse_order(self.models[model_name], order, dialect == "sqlite")
            self._statements[key] = result
        return result

    def _parse_order(self, model_cls, order: str, explicit_nulls: bool) -> list:
        table = model_cls._sa_table
        result = []
        for part in order.split(","):
            words = part.split()
            if not words:
                continue
            name = words[0]
            direction = words[1].lower() if len(words) > 1 else "asc"
            if direction not in ("asc", "desc") or (len(words) > 2 and words[2:] not in (
                    ["nulls", "first"], ["nulls", "last"])):
                raise ValidationError(f"Invalid order {order!r} on {model_cls._name}: "
                                      f"use 'field [asc|desc] [nulls first|last], ...'")
            field = model_cls._fields.get(name)
            if field is None or (name != "id" and not field.stored_column):
                raise ValidationError(f"Invalid order {order!r} on {model_cls._name}: "
                                      f"{name!r} is not a stored field")
            if field.type == "many2one":
                comodel = self.models[field.comodel_name]
                rec_name = comodel._rec_name_field()
                ctable = comodel._sa_table
                by_name = rec_name and comodel._fields[rec_name].stored_column
                target = ctable.c[rec_name] if by_name else ctable.c.id
                expr = (sa.select(target).where(ctable.c.id == table.c[name])
                        .correlate(table).scalar_subquery())
            else:
                expr = table.c[name]
            expr = expr.desc() if direction == "desc" else expr.asc()
            if len(words) > 2:
                expr = expr.nulls_first() if words[3].lower() == "first" else expr.nulls_last()
            elif explicit_nulls and name != "id":
                expr = expr.nulls_first() if direction == "desc" else expr.nulls_last()
            result.append(expr)
        if not any(getattr(e, "element", None) is table.c.id for e in result):
            result.append(table.c.id.asc())  # a stable order for pagination
        return result
