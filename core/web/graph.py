"""The graph view: a bar, line or pie chart of read_group results, drawn on the server as
accessible inline SVG (see core.web.svg_charts), with the same numbers in a visually
hidden table.

`<graph type="bar"><field name="customer_id" type="row"/><field name="date_order"
interval="month" type="col"/><field name="amount" type="measure"/></graph>`. The URL
chooses `measure=` (a stored numeric field or `__count`) and `chart=` (bar, line, pie);
the search bar's group-bys replace the arch's rows and cols (two levels at most: the
second makes series, stacked bars). A page costs one read_group (plus one query per
many2one group-by for the names), whatever the number of records.

The helpers shared with the pivot view (arch, measures, group-bys, labels) live here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from babel.numbers import format_decimal
from lxml import etree

from core.exceptions import ValidationError
from core.orm.grouping import PERIODS, groupable
from core.web import svg_charts, widgets

ROUTES: list = []
CHARTS = {"bar": "Bar", "line": "Line", "pie": "Pie"}
COUNT = "__count"
MAX_GRAPH_LEVELS = 2


# -- shared with the pivot view ---------------------------------------------------------
@dataclass
class ReportArch:
    """What a graph or pivot arch declares."""

    kind: str = "bar"
    rows: list[str] = field(default_factory=list)
    cols: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)


def parse_report_arch(model, arch: str) -> ReportArch:
    """Rows, cols and measures of a `<graph>` or `<pivot>` arch (fields the user may not
    read, or that cannot be grouped or measured, are left out)."""
    root = etree.fromstring(arch.encode())
    result = ReportArch(kind=root.get("type") if root.get("type") in CHARTS else "bar")
    measures = dict(measure_options(model))
    for element in root.iter("field"):
        name, kind = element.get("name") or "", element.get("type") or "row"
        if kind == "measure":
            if name in measures:
                result.measures.append(name)
            continue
        spec = f"{name}:{element.get('interval')}" if element.get("interval") else name
        try:
            spec = check_group_by(model, spec)
        except ValidationError:
            continue
        (result.cols if kind == "col" else result.rows).append(spec)
    return result


def measure_options(model) -> list[tuple[str, str]]:
    """(name, label) of what may be measured: the count, then the stored numeric fields
    the user may read."""
    policy = model._security()
    found = sorted(((name, f.string or name) for name, f in model._fields.items()
                    if f.type in widgets.NUMBER_TYPES and f.stored_column and name != "id"
                    and (policy is None or policy.field_allowed(model.env.uid, f))),
                   key=lambda pair: pair[1].lower())
    return [(COUNT, "Count"), *found]


def check_group_by(model, spec: str) -> str:
    """`spec` ("field" or "field:period") when the user may group by it; else a
    ValidationError saying why. A date without a period is grouped by month."""
    name, _, period = spec.partition(":")
    model_field = model._fields.get(name)
    policy = model._security()
    label = model._description or model._name
    if model_field is None or (policy is not None
                               and not policy.field_allowed(model.env.uid, model_field)):
        raise ValidationError(f"{label} has no field {name!r} to group by.")
    if not groupable(model_field) or name in ("id", "create_uid", "write_uid"):
        raise ValidationError(f"{model_field.string} cannot be used to group {label} "
                              "records.")
    if model_field.type in ("date", "datetime"):
        period = period or "month"
        if period not in PERIODS:
            raise ValidationError(f"{model_field.string}: {period!r} is not a period (use "
                                  f"one of {', '.join(PERIODS)}).")
        return f"{name}:{period}"
    if period:
        raise ValidationError(f"{model_field.string} is not a date: it has no {period!r}.")
    return name


def group_by_options(model) -> list[tuple[str, str]]:
    """(spec, label) of the group-bys a header menu offers: stored groupable fields the
    user may read; dates by year, month and day."""
    policy = model._security()
    result = []
    for name, f in sorted(model._fields.items(), key=lambda item: (item[1].string or
                                                                   item[0]).lower()):
        if not groupable(f) or f.type == "integer" \
                or name in ("id", "create_uid", "write_uid") \
                or (policy is not None and not policy.field_allowed(model.env.uid, f)):
            continue
        if f.type in ("date", "datetime"):
            result += [(f"{name}:{p}", f"{f.string}: {p}") for p in ("year", "month", "day")]
        else:
            result.append((name, f.string or name))
    return result


def spec_label(model, spec: str) -> str:
    """How a group-by is named: the field's label (with its period)."""
    name, _, period = spec.partition(":")
    label = model._fields[name].string or name
    return f"{label}: {period}" if period else label


def group_key(value):
    """A hashable key of a read_group value (a many2one's id)."""
    if isinstance(value, (list, tuple)):
        return value[0]
    return False if value is None else value


def group_label(model, spec: str, value) -> str:
    """The text of a read_group value of group-by `spec`."""
    model_field = model._fields[spec.partition(":")[0]]
    if model_field.type == "boolean":
        return "Yes" if value else "No"
    if value is False or value is None:
        return "None"
    if model_field.type in ("many2one", "many2many"):
        return str(value[1])
    if model_field.type == "selection":
        return str(dict(model_field.get_selection(model)).get(value, value))
    return str(value)


def selection_order(model, spec: str, keys: list) -> list:
    """`keys` (group values of `spec`, in read_group's order) with selection values in
    the order the field declares them rather than alphabetically."""
    model_field = model._fields[spec.partition(":")[0]]
    if model_field.type != "selection":
        return keys
    rank = {value: index for index, (value, _label) in
            enumerate(model_field.get_selection(model))}
    return sorted(keys, key=lambda key: rank.get(key, len(rank)))


def aggregate_fields(measures: list[str]) -> list[str]:
    """read_group's `fields` for the measures (sums; the count comes anyway)."""
    return [f"{name}:sum" for name in measures if name != COUNT]


def measure_value(group: dict, measure: str) -> float:
    """The number of `measure` in a read_group group."""
    return group.get(COUNT if measure == COUNT else measure) or 0


def formatter(model, measure: str, locale: str):
    """A function showing numbers of `measure` as the list does."""
    if measure == COUNT:
        return lambda value: format_decimal(value, format="#,##0", locale=locale)
    model_field = model._fields[measure]
    return lambda value: widgets.display(model_field, value, locale=locale)


def page_url(context, view: str, params: list[tuple[str, str]]) -> str:
    """The URL of this view with the page's search and the view's own parameters."""
    state = context.state.with_extra({**context.state.extra, "view": view})
    query = state.query()
    own = urlencode(params)
    return f"{context.base}?{query}&{own}" if own else f"{context.base}?{query}"


# -- the graph page ---------------------------------------------------------------------
def graph_view(page, window, context):
    """The chart of the window's records (a view page of core.web.views_page)."""
    model = window.model
    arch = parse_report_arch(model, window.arch("graph"))
    args = page.request.args
    problems = context.problems
    measures = dict(measure_options(model))
    default_measure = arch.measures[0] if arch.measures else COUNT
    measure = args.get("measure") or default_measure
    if measure not in measures:
        problems.append(f"{measure!r} cannot be measured: choose one of "
                        f"{', '.join(measures.values())}.")
        measure = default_measure
    chart_kind = args.get("chart") or arch.kind
    if chart_kind not in CHARTS:
        problems.append(f"{chart_kind!r} is not a chart type: choose bar, line or pie.")
        chart_kind = arch.kind
    group_by = []
    for spec in context.state.group_by or (arch.rows + arch.cols):
        try:
            group_by.append(check_group_by(model, spec))
        except ValidationError as error:
            problems.append(str(error))
    if len(group_by) > MAX_GRAPH_LEVELS:
        problems.append("A graph groups by two fields at most: the first makes the "
                        "categories, the second the series.")
        group_by = group_by[:MAX_GRAPH_LEVELS]
    groups = model.read_group(context.domain, aggregate_fields([measure]), group_by)
    locale = widgets.locale_of(page.env)
    data = chart_data(model, groups, group_by, measure, measures[measure],
                      formatter(model, measure, locale))
    data.tick_format = lambda value: format_decimal(value, locale=locale)
    empty = not any(g["__count"] for g in groups)
    x_title = spec_label(model, group_by[0]) if group_by else ""
    chart = None if empty else svg_charts.draw(chart_kind, data, x_title, measures[measure])

    def url(**changes) -> str:
        params = {"chart": chart_kind, "measure": measure, **changes}
        return page_url(context, "graph", list(params.items()))

    title = f"{measures[measure]}" + (f" by {' and '.join(spec_label(model, s) for s in group_by)}"
                                      if group_by else "")
    return page.render(
        "graph.html", **context.template_values(), chart=chart, data=data, empty=empty,
        chart_kind=chart_kind, measure=measure, chart_title=title,
        description=_description(data, chart_kind, title),
        chart_links=[(kind, label, url(chart=kind)) for kind, label in CHARTS.items()],
        measure_links=[(name, label, url(measure=name)) for name, label in measures.items()],
        series_title=spec_label(model, group_by[1]) if len(group_by) > 1 else "",
        category_title=x_title or "Group")


def chart_data(model, groups, group_by, measure, measure_label, fmt) -> svg_charts.ChartData:
    """Categories (first group-by), series (second, else the measure) and the numbers."""
    categories: dict = {}
    series: dict = {}
    cells: dict = {}
    for group in groups:
        first = group_key(group[group_by[0]]) if group_by else None
        second = group_key(group[group_by[1]]) if len(group_by) > 1 else None
        if first not in categories:
            categories[first] = group_label(model, group_by[0], group[group_by[0]]) \
                if group_by else "Total"
        if second not in series:
            series[second] = group_label(model, group_by[1], group[group_by[1]]) \
                if len(group_by) > 1 else measure_label
        cells[(first, second)] = measure_value(group, measure)
    if group_by:
        categories = {k: categories[k] for k in selection_order(model, group_by[0],
                                                                 list(categories))}
    if len(group_by) > 1:
        series = {k: series[k] for k in selection_order(model, group_by[1], list(series))}
    values = [[cells.get((c, s), 0) for c in categories] for s in series]
    return svg_charts.ChartData(list(categories.values()), list(series.values()) or
                                [measure_label], values or [[]], fmt)


def _description(data: svg_charts.ChartData, kind: str, title: str) -> str:
    count = len(data.categories)
    if kind == "pie":
        return f"Pie chart of {title}: {count} slice(s). The table below gives the numbers."
    series = f", {len(data.series)} series" if len(data.series) > 1 else ""
    return (f"{CHARTS[kind]} chart of {title}: {count} categor{'y' if count == 1 else 'ies'}"
            f"{series}. The table below gives the numbers.")
