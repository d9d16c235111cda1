"""The pivot view: measures of the window's records by row and column group-bys, with
row, column and grand totals.

`<pivot><field name="customer_id" type="row"/><field name="state" type="col"/>
<field name="amount" type="measure"/></pivot>`. The URL holds `rows=` and `cols=`
(repeated, one per level; without `rows=`, the search bar's group-bys are the rows) and
`measures=` (repeated). A header at the deepest level has a menu to expand the table by
one more field (a new level for every header of that level); a header with sub-headers
collapses them; "Swap axes" exchanges rows and columns; `format=csv` exports the table.

Queries do not depend on the number of records: one read_group per row level (the
totals of every prefix of the rows) by the full columns, and one more per row level for
the row totals when there are columns — (rows + 1) x 2 read_groups at most.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from werkzeug.wrappers import Response

from core.exceptions import ValidationError
from core.web import widgets
from core.web.actions import _cell
from core.web.graph import (
    COUNT,
    aggregate_fields,
    check_group_by,
    formatter,
    group_by_options,
    group_key,
    group_label,
    measure_options,
    measure_value,
    page_url,
    parse_report_arch,
    selection_order,
    spec_label,
)

ROUTES: list = []
MAX_LEVELS = 4  # per axis


@dataclass
class Header:
    """A row header, or a column header of one level."""

    key: tuple
    label: str
    level: int  # 0 for the "Total" root
    span: int = 1
    expand: bool = False  # deepest level: offers the expand menu
    collapse_url: str | None = None


@dataclass
class PivotRow:
    """A row: its header and its cells (per column leaf and measure, then the totals)."""

    header: Header
    cells: list[str] = field(default_factory=list)
    numbers: list[float | None] = field(default_factory=list)


@dataclass
class PivotTable:
    """What pivot.html and the CSV export read."""

    rows: list[str]
    cols: list[str]
    measures: list[str]
    col_levels: list[list[Header]] = field(default_factory=list)  # levels 1..len(cols)
    leaves: list[tuple] = field(default_factory=list)  # column keys (full length)
    leaf_labels: list[str] = field(default_factory=list)
    body: list[PivotRow] = field(default_factory=list)
    empty: bool = True


def pivot_view(page, window, context):
    """The pivot table of the window's records (a view page of core.web.views_page)."""
    model = window.model
    arch = parse_report_arch(model, window.arch("pivot"))
    args = page.request.args
    problems = context.problems
    measure_labels = dict(measure_options(model))
    measures = []
    for name in [n for n in args.getlist("measures") if n] or arch.measures or [COUNT]:
        if name not in measure_labels:
            problems.append(f"{name!r} cannot be measured: choose among "
                            f"{', '.join(measure_labels.values())}.")
        elif name not in measures:
            measures.append(name)
    measures = measures or arch.measures or [COUNT]
    if "rows" in args:
        row_specs = [s for s in args.getlist("rows") if s]
    else:
        row_specs = context.state.group_by or arch.rows
    col_specs = [s for s in args.getlist("cols") if s] if "cols" in args else arch.cols
    rows = _checked(model, row_specs, problems, "rows")
    cols = _checked(model, col_specs, problems, "columns")

    def url(**changes) -> str:
        values = {"rows": rows, "cols": cols, "measures": measures, **changes}
        params = [(key, v) for key in ("rows", "cols", "measures") for v in values[key]]
        params += [(key, "") for key in ("rows", "cols") if not values[key]]
        if changes.get("format"):
            params.append(("format", changes["format"]))
        return page_url(context, "pivot", params)

    table = build_table(model, context.domain, rows, cols, measures,
                        formatters={m: formatter(model, m, widgets.locale_of(page.env))
                                    for m in measures}, url=url)
    if args.get("format") == "csv":
        return export_csv(model, table, measure_labels)
    options = group_by_options(model)
    return page.render(
        "pivot.html", **context.template_values(), table=table,
        measure_labels=measure_labels,
        row_options=[(spec, label, url(rows=[*rows, spec])) for spec, label in options
                     if spec not in rows and spec.partition(":")[0] not in
                     {r.partition(":")[0] for r in rows}] if len(rows) < MAX_LEVELS else [],
        col_options=[(spec, label, url(cols=[*cols, spec])) for spec, label in options
                     if spec.partition(":")[0] not in {c.partition(":")[0] for c in cols}]
        if len(cols) < MAX_LEVELS else [],
        measure_links=[(name, label, name in measures,
                        url(measures=[m for m in measures if m != name] if name in measures
                            else [*measures, name]))
                       for name, label in measure_labels.items()],
        swap_url=url(rows=cols, cols=rows), csv_url=url(format="csv"),
        col_collapse_url=url(cols=[]),
        row_title=" / ".join(spec_label(model, s) for s in rows),
        col_title=" / ".join(spec_label(model, s) for s in cols))


def _checked(model, specs: list[str], problems: list[str], axis: str) -> list[str]:
    result = []
    for spec in specs:
        try:
            spec = check_group_by(model, spec)
        except ValidationError as error:
            problems.append(str(error))
            continue
        if spec.partition(":")[0] not in {s.partition(":")[0] for s in result}:
            result.append(spec)
    if len(result) > MAX_LEVELS:
        problems.append(f"The {axis} have {MAX_LEVELS} levels at most.")
        result = result[:MAX_LEVELS]
    return result


def build_table(model, domain, rows, cols, measures, formatters, url) -> PivotTable:
    """Query the groups (a constant number of read_groups) and lay out the table."""
    fields = aggregate_fields(measures)
    cells: dict[tuple, dict] = {}
    row_keys: list[list[tuple]] = [[] for _ in range(len(rows) + 1)]
    labels: dict[tuple, str] = {(): "Total"}
    col_labels: dict[tuple, str] = {}
    leaves: list[tuple] = []
    for level in range(len(rows) + 1):
        specs = rows[:level]
        queries = [specs + cols, specs] if cols else [specs]
        for group_by in queries:
            for group in model.read_group(domain, fields, group_by):
                row_key = tuple(group_key(group[s]) for s in specs)
                col_key = tuple(group_key(group[s]) for s in group_by[level:])
                if row_key not in row_keys[level]:
                    row_keys[level].append(row_key)
                if specs:
                    labels[row_key] = group_label(model, specs[-1], group[specs[-1]])
                if level == 0 and len(col_key) == len(cols) and cols and col_key not in leaves:
                    leaves.append(col_key)
                    for depth in range(1, len(cols) + 1):
                        col_labels[col_key[:depth]] = group_label(
                            model, cols[depth - 1], group[cols[depth - 1]])
                cells[(row_key, col_key)] = group
    leaves = _tree_order(model, cols, leaves)
    row_keys = [_tree_order(model, rows[:level], keys) for level, keys in enumerate(row_keys)]
    table = PivotTable(rows, cols, measures, leaves=leaves)
    table.empty = not (cells.get(((), ())) or {}).get("__count")
    columns = [*leaves, ()] if cols else [()]
    # column headers: consecutive leaves sharing a prefix make one header
    for depth in range(1, len(cols) + 1):
        headers: list[Header] = []
        for leaf in leaves:
            prefix = leaf[:depth]
            if headers and headers[-1].key == prefix:
                headers[-1].span += len(measures)
                continue
            headers.append(Header(prefix, col_labels[prefix], depth, len(measures),
                                  expand=depth == len(cols),
                                  collapse_url=url(cols=cols[:depth]) if depth < len(cols)
                                  else None))
        table.col_levels.append(headers)
    table.leaf_labels = [" / ".join(col_labels[leaf[:d]] for d in range(1, len(leaf) + 1))
                         for leaf in leaves]

    def add(row_key: tuple) -> None:
        level = len(row_key)
        header = Header(row_key, labels.get(row_key, ""), level, expand=level == len(rows),
                        collapse_url=url(rows=rows[:level]) if level < len(rows) else None)
        row = PivotRow(header)
        for col_key in columns:
            group = cells.get((row_key, col_key))
            for measure in measures:
                number = measure_value(group, measure) if group else None
                row.numbers.append(number)
                row.cells.append(formatters[measure](number) if group else "")
        table.body.append(row)
        if level < len(rows):
            for child in row_keys[level + 1]:
                if child[:level] == row_key:
                    add(child)

    add(())
    return table


def _tree_order(model, specs: list[str], keys: list[tuple]) -> list[tuple]:
    """Group keys (tuples, one value per spec, in read_group's order) with the values of
    selection fields in their declared order among their siblings."""
    ranks = []
    for depth, spec in enumerate(specs):
        values = list(dict.fromkeys(key[depth] for key in keys))
        ordered = selection_order(model, spec, values)
        ranks.append({v: i for i, v in enumerate(ordered)} if ordered is not values else None)
    first: dict[tuple, int] = {}
    for key in keys:
        for depth in range(1, len(key) + 1):
            first.setdefault(key[:depth], len(first))
    return sorted(keys, key=lambda key: tuple(
        ranks[d][key[d]] if ranks[d] is not None else first[key[:d + 1]]
        for d in range(len(key))))


def export_csv(model, table: PivotTable, measure_labels: dict) -> Response:
    """The table as CSV: a label column (the row's path), then one column per column
    header and measure; text cells that spreadsheets would run as formulas are
    neutralized as in the list's export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    column_names = [*table.leaf_labels, "Total"] if table.cols else ["Total"]
    header = [_cell(" / ".join(spec_label(model, s) for s in table.rows), "char")]
    for name in column_names:
        for measure in table.measures:
            label = measure_labels[measure]
            header.append(_cell(f"{name} / {label}" if table.cols else label, "char"))
    writer.writerow(header)
    paths: dict[tuple, str] = {}
    for row in table.body:
        key = row.header.key
        path = row.header.label if len(key) <= 1 else \
            f"{paths[key[:-1]]} / {row.header.label}"
        paths[key] = path
        writer.writerow([_cell(path, "char"),
                         *["" if n is None else _number(n) for n in row.numbers]])
    filename = model._name.replace(".", "_") + "_pivot.csv"
    return Response(buffer.getvalue(), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)
