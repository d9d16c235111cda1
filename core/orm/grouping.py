"""read_group: aggregates (count, sum, avg, min, max) grouped by fields and date periods."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.exceptions import ValidationError

AGGREGATES = {
    "sum": sa.func.sum,
    # PostgreSQL averages integers as NUMERIC (Decimal): always return a float
    "avg": lambda column: sa.cast(sa.func.avg(column), sa.Float),
    "min": sa.func.min,
    "max": sa.func.max,
    "count": sa.func.count,
}
PERIODS = ("day", "week", "month", "quarter", "year")
GROUPABLE = ("many2one", "selection", "boolean", "char", "integer", "date", "datetime",
             "many2many")


def groupable(field) -> bool:
    """Whether read_group can group by `field` (a stored column of a groupable type, or
    a stored many2many)."""
    if field.type == "many2many":
        return bool(field.store)
    return bool(field.stored_column) and field.type in GROUPABLE


class GroupingMixin:
    """read_group for Model."""

    def read_group(self, domain, fields, groupby, offset: int = 0, limit: int | None = None,
                   orderby: str | None = None, lazy: bool = False) -> list[dict]:
        """One dict per group of the records matching `domain`.

        `fields`: aggregates as "field:agg" (sum, avg, min, max, count), "alias:agg(field)",
        or a plain numeric field name (its default aggregate, sum). `groupby`: field
        names, with ":day", ":week", ":month", ":quarter" or ":year" for dates. Each dict
        holds the group-by values (many2one as (id, name), dates as period labels), the
        aggregates, `__count`, `__domain` (to open the group's records) and, for date
        groups, `__range`. `lazy=True` groups by the first group-by only, as Odoo does.
        A many2many group-by (tags) puts a record in the group of each of its values, or
        in the empty group when it has none: the counts may add up to more than the
        records.
        """
        self._check_access("read")
        if isinstance(groupby, str):
            groupby = [groupby]
        groupby = list(groupby or [])
        if lazy and groupby:
            groupby = groupby[:1]
        table = self._sa_table
        group_specs = [self._group_spec(spec) for spec in groupby]
        aggregates = self._aggregate_specs(fields, {s[0] for s in group_specs})
        aggregated = (self._parse_aggregate(spec)[2] for spec in fields or [])
        self._check_field_access(  # no grouping on fields restricted by groups= to others
            [spec[1] for spec in group_specs] + [self._fields[n] for n in aggregated
                                                 if n in self._fields], "read")
        columns = [expr.label(f"g{i}") for i, (_n, _f, _p, expr) in enumerate(group_specs)]
        columns.append(sa.func.count().label("__count"))
        columns.extend(expr.label(f"a{i}") for i, (_alias, expr) in enumerate(aggregates))
        source = table
        for _spec, field, _period, expr in group_specs:
            if field.type == "many2many":  # one joined row per value (or one without)
                relation = expr.table
                source = source.outerjoin(relation, relation.c[field.column1] == table.c.id)
        query = sa.select(*columns).select_from(source).where(self._where(domain))
        group_exprs = [spec[3] for spec in group_specs]
        if group_exprs:
            query = query.group_by(*group_exprs)
        query = query.order_by(*self._group_order(orderby, group_specs, aggregates))
        if offset:
            query = query.offset(offset)
        if limit:
            query = query.limit(limit)
        rows = self.env.execute(query).all()
        return self._group_rows(rows, group_specs, aggregates, domain)

    def _group_spec(self, spec: str):
        name, _, period = spec.partition(":")
        field = self._fields.get(name)
        if field is None:
            raise ValidationError(f"read_group on {self._name}: no field {name!r} to group by")
        if field.type == "many2many" and field.store and not period:
            relation = self.env.registry.metadata.tables[field.relation].alias(
                f"grouped_{name}")
            return (spec, field, None, relation.c[field.column2])
        if not field.stored_column or field.type not in GROUPABLE:
            raise ValidationError(f"read_group on {self._name}: cannot group by {name!r} "
                                  f"({field.type}{'' if field.store else ', not stored'})")
        column = self._sa_table.c[name]
        if field.type in ("date", "datetime"):
            period = period or "month"
            if period not in PERIODS:
                raise ValidationError(f"read_group on {self._name}: unknown period {period!r} "
                                      f"in {spec!r} (use one of {', '.join(PERIODS)})")
            return (spec, field, period, self._truncate(column, period))
        if period:
            raise ValidationError(f"read_group on {self._name}: {name!r} is not a date, "
                                  f"{spec!r} has no meaning")
        if field.type == "boolean":  # unset (NULL) and False are one group
            column = sa.func.coalesce(column, sa.false())
        return (spec, field, None, column)

    def _truncate(self, column, period: str):
        if self.env.dialect == "postgresql":
            return sa.cast(sa.func.date_trunc(period, column), sa.Date)
        day = sa.func.date(column)
        if period == "day":
            return day
        if period == "week":  # Monday of the week
            return sa.func.date(column, "weekday 0", "-6 days")
        if period == "month":
            return sa.func.strftime("%Y-%m-01", column)
        if period == "year":
            return sa.func.strftime("%Y-01-01", column)
        month = sa.cast(sa.func.strftime("%m", column), sa.Integer)
        quarter_month = sa.func.printf("%02d", ((month - 1) // 3) * 3 + 1)  # integer division
        return sa.func.strftime("%Y-", column).op("||")(quarter_month).op("||")("-01")

    def _aggregate_specs(self, fields, grouped: set) -> list:
        result = []
        for spec in fields or []:
            if spec in ("__count", "id") or spec in grouped:
                continue
            alias, func, name = self._parse_aggregate(spec)
            if name == "id" and func == "count":
                result.append((alias, sa.func.count(self._sa_table.c.id)))
                continue
            field = self._fields.get(name)
            if field is None:
                raise ValidationError(f"read_group on {self._name}: no field {name!r} "
                                      f"(in {spec!r})")
            if not field.stored_column:
                raise ValidationError(f"read_group on {self._name}: {name!r} is not stored "
                                      "and cannot be aggregated")
            if func is None:
                func = field.aggregator
                if func is None:
                    continue  # a plain non-numeric field asked for: nothing to aggregate
            if func not in AGGREGATES and func != "count_distinct":
                raise ValidationError(f"read_group on {self._name}: unknown aggregate {func!r} "
                                      f"(use sum, avg, min, max, count or count_distinct)")
            column = self._sa_table.c[name]
            expr = (sa.func.count(sa.distinct(column)) if func == "count_distinct"
                    else AGGREGATES[func](column))
            result.append((alias, expr))
        return result

    @staticmethod
    def _parse_aggregate(spec: str):
        if ":" not in spec:
            return spec, None, spec
        alias, _, func = spec.partition(":")
        if "(" in func and func.endswith(")"):
            func, _, name = func[:-1].partition("(")
            return alias, func, name
        return alias, func, alias

    def _group_order(self, orderby, group_specs, aggregates) -> list:
        if orderby:
            result = []
            names = {spec[0]: spec[3] for spec in group_specs}
            names.update({"__count": sa.func.count()})
            names.update(dict(aggregates))
            for part in orderby.split(","):
                words = part.split()
                if not words:
                    continue
                expr = names.get(words[0])
                if expr is None:
                    raise ValidationError(f"read_group on {self._name}: cannot order by "
                                          f"{words[0]!r}: it is neither grouped nor aggregated")
                desc = len(words) > 1 and words[1].lower() == "desc"
                result.append(expr.desc() if desc else expr.asc())
            return result
        return [spec[3] for spec in group_specs]

    def _group_rows(self, rows, group_specs, aggregates, domain) -> list[dict]:
        names_by_field = {}
        for index, (_spec, field, _period, _expr) in enumerate(group_specs):
            if field.type in ("many2one", "many2many"):
                ids = {row[index] for row in rows if row[index] is not None}
                comodel = self.env[field.comodel_name].sudo()
                names_by_field[index] = comodel.browse(sorted(ids))._display_names()
        count_at = len(group_specs)
        result = []
        for row in rows:
            group = {}
            group_domain = list(domain or [])
            for index, (spec, field, period, _expr) in enumerate(group_specs):
                value = row[index]
                if field.type == "many2one":
                    group[spec] = (value, names_by_field[index][value]) if value else False
                    group_domain.append((field.name, "=", value or False))
                elif field.type == "many2many":
                    group[spec] = (value, names_by_field[index][value]) if value else False
                    group_domain.append((field.name, "in", [value]) if value
                                        else (field.name, "=", False))
                elif period:
                    start = _as_date(value)
                    end = _period_end(start, period) if start else None
                    group[spec] = _period_label(start, period) if start else False
                    if start:
                        group.setdefault("__range", {})[spec] = {
                            "from": start.isoformat(), "to": end.isoformat()}
                        group_domain += [(field.name, ">=", start.isoformat()),
                                         (field.name, "<", end.isoformat())]
                    else:
                        group_domain.append((field.name, "=", False))
                else:
                    if field.type == "boolean":
                        value = bool(value)
                    group[spec] = value if value is not None else False
                    group_domain.append((field.name, "=", group[spec]))
            group["__count"] = row[count_at]
            for offset, (alias, _expr) in enumerate(aggregates, start=count_at + 1):
                value = row[offset]
                group[alias] = value if value is not None else 0
            group["__domain"] = group_domain
            result.append(group)
        return result


def _as_date(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _period_end(start: dt.date, period: str) -> dt.date:
    if period == "day":
        return start + dt.timedelta(days=1)
    if period == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def _period_label(start: dt.date, period: str) -> str:
    if period == "day":
        return start.strftime("%d %b %Y")
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"W{week:02d} {year}"
    if period == "month":
        return start.strftime("%B %Y")
    if period == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)
