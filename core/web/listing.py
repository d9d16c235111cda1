"""The list view: columns from the arch, sorting, pagination with the total, column sums,
grouped display with counts, and the selection for the Actions menu.

A page costs a constant number of queries whatever the number of rows: one search, one
count (capped: past COUNT_LIMIT rows beyond the page the pager says "10,000+", and its
link `count=exact` counts them all), one read of the columns (many2one names in one
query per comodel), one query per x2many column for the tag names, one per monetary
column for currency symbols, one read_group for the sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from core.exceptions import ValidationError
from core.orm.grouping import groupable
from core.web import widgets
from core.web.actions import available_actions
from core.web.window import may

COUNT_LIMIT = 10_000  # rows counted past the page's offset before the pager says "+"


@dataclass
class Column:
    """A `<field>` of the list arch."""

    name: str
    label: str
    field: object
    sum_label: str | None = None
    widget: str | None = None

    @property
    def sortable(self) -> bool:
        """Stored columns can sort the list."""
        return bool(self.field.stored_column) and self.field.type not in (
            "one2many", "many2many", "binary")

    @property
    def numeric(self) -> bool:
        """Numbers align right."""
        return self.field.type in widgets.NUMBER_TYPES


@dataclass
class ListArch:
    """What the list arch declares."""

    columns: list[Column] = field(default_factory=list)
    default_order: str | None = None
    create: bool = True
    delete: bool = True
    importable: bool = True  # import="0" hides the Import button (core/web/csv_import_page.py)


def parse_list_arch(model, arch: str) -> ListArch:
    """Columns (leaving out hidden ones and fields the user may not read) and options."""
    root = etree.fromstring(arch.encode())
    policy = model._security()
    result = ListArch(default_order=root.get("default_order") or None,
                      create=root.get("create") not in ("0", "false"),
                      delete=root.get("delete") not in ("0", "false"),
                      importable=root.get("import") not in ("0", "false"))
    for element in root.iter("field"):
        if element.getparent() is not root:
            continue
        name = element.get("name")
        model_field = model._fields.get(name)
        if model_field is None or element.get("column_invisible") in ("1", "True", "true") \
                or element.get("invisible") in ("1", "True", "true") \
                or element.get("optional") == "hide":
            continue
        if policy is not None and not policy.field_allowed(model.env.uid, model_field):
            continue
        result.columns.append(Column(name, element.get("string") or model_field.string,
                                     model_field, element.get("sum"), element.get("widget")))
    return result


def list_view(page, window, context):
    """The list of the window's records, searched, sorted and grouped (a view page of
    core.web.views_page)."""
    records_model = window.model
    arch = parse_list_arch(records_model, window.arch("list"))
    arch.create = arch.create and may(records_model, "create")
    state, domain, problems = context.state, context.domain, context.problems
    order = _order(state.order, arch) or arch.default_order
    base = context.base
    table = Table(page.env, records_model, arch.columns, base, window)
    limit = window.limit
    groups, rows, total, capped = [], [], 0, False
    if state.group_by:
        try:
            groups = table.groups(domain, state.group_by, 0, state, order, "")
        except ValidationError as error:  # an ungroupable field typed in the URL
            problems.append(str(error))
            state.group_by = []
    if not state.group_by:
        offset = (state.page - 1) * limit
        # one more row than shown tells whether the page is the last: then the total is
        # known without counting (a full page of exactly `limit` rows included)
        found = records_model.search(domain, offset=offset, limit=limit + 1, order=order)
        records = found[:limit]
        if len(found) <= limit and (found or offset == 0):
            total = offset + len(found)
        elif page.request.args.get("count") == "exact":
            total = records_model.search_count(domain)
        else:
            cap = offset + limit + COUNT_LIMIT
            total = records_model.search_count(domain, limit=cap + 1)
            capped, total = total > cap, min(total, cap)
        rows = table.rows(records)
    sums = table.sums(domain)
    return page.render(
        "list.html", **context.template_values(), arch=arch, rows=rows, groups=groups,
        sums=sums, total=total, total_capped=capped, limit=limit, order=order or "",
        actions=available_actions(page.env, records_model))


def _order(requested: str | None, arch: ListArch) -> str | None:
    """The sort asked for in the URL, if it names a sortable column."""
    if not requested:
        return None
    name, _, direction = requested.partition(" ")
    column = next((c for c in arch.columns if c.name == name and c.sortable), None)
    if column is None:
        return None
    return f"{name} desc" if direction.lower() == "desc" else name


def custom_groups(model) -> list[tuple[str, str]]:
    """Fields a user may pick as a custom group-by (stored, groupable, readable)."""
    policy = model._security()
    return sorted(((name, f.string) for name, f in model._fields.items()
                   if groupable(f) and f.type != "integer"
                   and name not in ("create_uid", "write_uid", "id")
                   and (policy is None or policy.field_allowed(model.env.uid, f))),
                  key=lambda pair: pair[1].lower())


class Table:
    """Rows and groups of a list, formatted for the template."""

    def __init__(self, env, model, columns: list[Column], base: str, window):
        self.env = env
        self.model = model
        self.columns = columns
        self.base = base
        self.window = window
        self.locale = widgets.locale_of(env)
        self.zone = env.tz

    def rows(self, records) -> list[dict]:
        """One dict per record: id, url and formatted cells."""
        if not records:
            return []
        names = [c.name for c in self.columns]
        currency_fields = self._currency_fields()
        values = records.read(list(dict.fromkeys(names + list(currency_fields.values()))))
        tag_names = self._x2many_names(values)
        symbols = self._currency_symbols(values, currency_fields)
        rows = []
        for row in values:
            cells = []
            for column in self.columns:
                value = row[column.name]
                currency = None
                if column.name in currency_fields:
                    currency_value = row.get(currency_fields[column.name])
                    currency = symbols.get(currency_value[0]) if currency_value else None
                cells.append({
                    "text": widgets.display(column.field, value, model=self.model,
                                            locale=self.locale, zone=self.zone,
                                            currency=currency,
                                            names=tag_names.get(column.name)),
                    "tags": [tag_names[column.name].get(i, "") for i in value]
                    if column.name in tag_names and column.field.type == "many2many" else None,
                    "type": column.field.type, "numeric": column.numeric,
                    "value": value})
            rows.append({"id": row["id"], "url": self.window.record_url(row["id"]),
                         "cells": cells})
        return rows

    def _currency_fields(self) -> dict[str, str]:
        """monetary column -> the field holding its currency (when the model has it)."""
        result = {}
        for column in self.columns:
            if column.field.type == "monetary":
                name = column.field.extra.get("currency_field") or "currency_id"
                if name in self.model._fields:
                    result[column.name] = name
        return result

    def _currency_symbols(self, values, currency_fields) -> dict[int, str]:
        if not currency_fields:
            return {}
        comodel_name = self.model._fields[next(iter(currency_fields.values()))].comodel_name
        ids = {row[f][0] for row in values for f in currency_fields.values() if row[f]}
        currencies = self.env[comodel_name].sudo().browse(sorted(ids))
        if "symbol" in currencies._fields:
            return {c["id"]: c["symbol"] or c["display_name"]
                    for c in currencies.read(["symbol", "display_name"])}
        return currencies._display_names()

    def _x2many_names(self, values) -> dict[str, dict[int, str]]:
        """Display names of the x2many columns' records, one query per column."""
        result = {}
        for column in self.columns:
            if column.field.type in ("many2many", "one2many"):
                ids = sorted({i for row in values for i in row[column.name]})
                comodel = self.env[column.field.comodel_name]
                result[column.name] = comodel.browse(ids)._display_names() if ids else {}
        return result

    def sums(self, domain) -> dict[str, str]:
        """Formatted totals of the columns whose arch asks for a sum."""
        wanted = [c for c in self.columns if c.sum_label and c.numeric and c.field.store]
        if not wanted:
            return {}
        totals = self.model.read_group(domain, [f"{c.name}:sum" for c in wanted], [])
        row = totals[0] if totals else {}
        return {c.name: widgets.display(c.field, row.get(c.name) or 0, locale=self.locale)
                for c in wanted}

    def groups(self, domain, group_by: list[str], level: int, state, order, prefix: str):
        """The groups of one level (count, sums, label); open groups hold their
        sub-groups or their first rows."""
        wanted = [c for c in self.columns if c.sum_label and c.numeric and c.field.store]
        spec = group_by[level]
        found = self.model.read_group(domain, [f"{c.name}:sum" for c in wanted], [spec],
                                      lazy=True)
        name = spec.partition(":")[0]
        model_field = self.model._fields[name]
        result = []
        for group in found:
            value = group[spec]
            key = f"{prefix}/{_key(value)}"
            opened = key in state.open_groups
            label = _group_value_label(model_field, value, self.model)
            # closing a group closes its sub-groups ("/1/draft"), not "/12"
            open_groups = [k for k in state.open_groups
                           if k != key and not k.startswith(key + "/")] if opened \
                else [*state.open_groups, key]
            entry = {"key": key, "label": label, "count": group["__count"], "level": level,
                     "open": opened, "toggle_url": f"{self.base}?"
                     f"{state.query(open_groups=open_groups)}",
                     "sums": {c.name: widgets.display(c.field, group.get(c.name) or 0,
                                                      locale=self.locale) for c in wanted},
                     "children": [], "rows": [], "more": 0}
            if opened:
                if level + 1 < len(group_by):
                    entry["children"] = self.groups(group["__domain"], group_by, level + 1,
                                                    state, order, key)
                else:
                    limit = self.window.limit
                    records = self.model.search(group["__domain"], limit=limit, order=order)
                    entry["rows"] = self.rows(records)
                    entry["more"] = max(0, group["__count"] - limit)
            result.append(entry)
        return result


def _key(value) -> str:
    if isinstance(value, (list, tuple)):
        return str(value[0])
    return "none" if value is False or value is None else str(value)


def _group_value_label(model_field, value, model) -> str:
    if value is False or value is None:
        return "None" if model_field.type != "boolean" else "No"
    if model_field.type in ("many2one", "many2many"):
        return value[1]
    if model_field.type == "selection":
        return dict(model_field.get_selection(model)).get(value, str(value))
    if model_field.type == "boolean":
        return "Yes"
    return str(value)

