"""The kanban view: records as cards in columns grouped by a many2one, selection or
boolean field, with counts and sums, cards drawn server-side from the arch's card
template (core.web.kanban_cards), moving a card to another column (JSON for the
drag-and-drop script, a plain form without JavaScript), quick create in a column and
"Load more" for long columns.

A page costs a constant number of queries whatever the number of cards: one read_group
for the counts and sums, one search of the comodel for group_expand columns, one search
for the ids, one read of the group field, one read of the shown cards' fields (names in
one query per comodel, tags in one query per x2many field).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from lxml import etree
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from core.exceptions import AccessError, MissingError, RetryableError, TesseraError
from core.orm.grouping import groupable
from core.web import widgets
from core.web.kanban_cards import card_fields, render_card
from core.web.listing import Column, Table
from core.web.window import may, resolve

COLUMN_LIMIT = 20  # cards a column shows, then "Load more" adds as many
MAX_MORE = 50
GROUP_TYPES = ("many2one", "selection", "boolean", "many2many")
MOVE_TYPES = ("many2one", "selection", "boolean")  # a tag column shows, it does not move


@dataclass
class KanbanArch:
    """What the kanban arch declares."""

    default_group_by: str | None = None
    quick_create: bool = False
    sum_field: str | None = None
    card: object | None = None  # the <t t-name="card"> element
    fields: list[str] = field(default_factory=list)


def parse_kanban_arch(model, arch: str) -> KanbanArch:
    """Options, the card template and the fields the card shows or tests."""
    root = etree.fromstring(arch.encode())
    card = next((t for t in root.iter("t") if t.get("t-name") == "card"), None)
    result = KanbanArch(default_group_by=root.get("default_group_by") or None,
                        quick_create=root.get("quick_create") in ("1", "true", "True"),
                        sum_field=root.get("sum_field") or None, card=card)
    names = [e.get("name") for e in root if e.tag == "field"]
    if card is not None:
        names += card_fields(card)
    policy = model._security()
    result.fields = [n for n in dict.fromkeys(names) if n in model._fields and (
        policy is None or policy.field_allowed(model.env.uid, model._fields[n]))]
    return result


def group_field(model, name: str | None):
    """The field a kanban may group by (and move cards along), or None."""
    found = model._fields.get((name or "").partition(":")[0])
    if found is None or found.type not in GROUP_TYPES or not groupable(found):
        return None
    policy = model._security()
    if policy is not None and not policy.field_allowed(model.env.uid, found):
        return None
    return found


def group_key(value) -> str:
    """A column's key in URLs and forms: an id, a selection value, true/false, none."""
    if isinstance(value, (list, tuple)):
        return str(value[0])
    if value is True:
        return "true"
    if value is False or value is None:
        return "none"
    return str(value)


def parse_key(model, model_field, key: str):
    """The ORM value of a column key (TesseraError when it names no column)."""
    if key == "none":
        return False
    if model_field.type == "boolean":
        if key not in ("true", "false"):
            raise TesseraError(f"{key!r} is not a value of {model_field.string}.")
        return key == "true"
    if model_field.type == "selection":
        if key not in dict(model_field.get_selection(model)):
            raise TesseraError(f"{key!r} is not a value of {model_field.string}.")
        return key
    record_id = widgets.as_id(key)
    if record_id is None or not model.env[model_field.comodel_name].browse(record_id).exists():
        raise MissingError(f"There is no such {model_field.string} (it may have been "
                           "deleted): reload the page.")
    return record_id


def kanban_view(page, window, context):
    """The kanban of the window's records (a view page of core.web.views_page)."""
    model = window.model
    arch = parse_kanban_arch(model, window.arch("kanban"))
    state, problems = context.state, context.problems
    wanted = state.group_by[0] if state.group_by else arch.default_group_by
    grouping = group_field(model, wanted)
    if wanted and grouping is None:
        problems.append(f"A kanban cannot group by {wanted!r}: pick a many2one, selection, "
                        "boolean or many2many field.")
    sum_field = model._fields.get(arch.sum_field or "")
    if sum_field is not None and (sum_field.type not in widgets.NUMBER_TYPES
                                  or not sum_field.store):
        sum_field = None
    more = _more(page.request.args)
    locale = widgets.locale_of(page.env)
    columns = _columns(model, context.domain, grouping, sum_field, locale)
    by_key = {c["key"]: c for c in columns}
    # one search for every id, one read of the group field: cards go to their column
    records = model.search(context.domain)
    if grouping is not None and records:
        for row in records.read([grouping.name]):
            value = row[grouping.name]
            if grouping.type == "many2many":  # a card in the column of each of its tags
                keys = [str(v) for v in value] or ["none"]
            elif grouping.type == "boolean":
                keys = ["true" if value else "false"]
            else:
                keys = [group_key(value)]
            for key in keys:
                column = by_key.get(key)
                if column is not None:
                    column["ids"].append(row["id"])
    elif columns:
        columns[0]["ids"] = list(records.ids)
    shown = []
    for column in columns:
        column["limit"] = COLUMN_LIMIT * (1 + more.get(column["key"], 0))
        column["more"] = max(0, len(column["ids"]) - column["limit"])
        column["ids"] = column["ids"][:column["limit"]]
        shown += column["ids"]
    cards = _cards(page.env, model, arch, window, context.base, shown)
    query_state = state.with_extra({**state.extra, "view": "kanban"})
    query = query_state.query()
    back = f"{context.base}?{query}" + (f"&{urlencode(_more_pairs(more))}" if more else "")
    movable = grouping is not None and grouping.type in MOVE_TYPES \
        and not grouping.readonly and may(model, "write")
    for column in columns:
        column["cards"] = [cards[i] for i in column["ids"] if i in cards]
        column["more_url"] = f"{context.base}?{query}&" + urlencode(
            _more_pairs({**more, column["key"]: more.get(column["key"], 0) + 1}))
    return page.render(
        "kanban.html", **context.template_values(), columns=columns, arch=arch,
        group_name=grouping.name if grouping is not None else "",
        movable=movable, back=back, sum_label=sum_field.string if sum_field else "",
        quick_create=arch.quick_create and grouping is not None
        and grouping.type in MOVE_TYPES and may(model, "create"),
        can_create=may(model, "create"), activity_types=_activity_types(page.env, model))


def _activity_types(env, model) -> list[tuple[int, str]]:
    """(id, name) of the activity types, when the model's records can have activities
    (scheduled from a card with the chatter's route); [] otherwise."""
    if not callable(getattr(model, "activity_schedule", None)) \
            or "mail.activity.type" not in env.registry:
        return []
    types = env["mail.activity.type"].search([])
    return list(types._display_names().items())


def _more(args) -> dict[str, int]:
    """`more=<column key>` (repeated): how many extra pages each column shows."""
    result: dict[str, int] = {}
    for key in args.getlist("more")[:200]:
        result[key] = min(result.get(key, 0) + 1, MAX_MORE)
    return result


def _more_pairs(more: dict[str, int]) -> list[tuple[str, str]]:
    return [("more", key) for key, count in more.items() for _ in range(count)]


def _columns(model, domain, grouping, sum_field, locale) -> list[dict]:
    """The columns in their order with their count and formatted sum (no cards yet)."""
    aggregates = [f"{sum_field.name}:sum"] if sum_field is not None else []

    def column(key, label, count=0, total=0):
        return {"key": key, "label": label, "count": count, "ids": [],
                "sum": widgets.display(sum_field, total or 0, locale=locale)
                if sum_field is not None else None}

    if grouping is None:
        found = model.read_group(domain, aggregates, [])
        row = found[0] if found else {}
        return [column("all", "All", row.get("__count", 0),
                       row.get(sum_field.name) if sum_field is not None else 0)]
    name = grouping.name
    groups = model.read_group(domain, aggregates, [name], lazy=True)
    found = {group_key(g[name]): g for g in groups}
    order: list[tuple[str, str]] = []
    if grouping.type == "many2one" and grouping.extra.get("group_expand"):
        comodel = model.env[grouping.comodel_name]
        order = [(str(i), label) for i, label in comodel.search([])._display_names().items()]
    elif grouping.type == "selection":
        order = [(key, label) for key, label in grouping.get_selection(model)]
    elif grouping.type == "boolean":
        order = [("true", "Yes"), ("false", "No")]
    keys = {key for key, _label in order}
    for group in groups:
        key = group_key(group[name])
        if key not in keys and not (grouping.type == "boolean" and key == "none"):
            order.append((key, "None" if key == "none" else _label(group[name])))
            keys.add(key)
    result = []
    for key, label in order:
        group = found.get(key) or (found.get("none") if key == "false" else None) or {}
        result.append(column(key, label, group.get("__count", 0),
                             group.get(sum_field.name) if sum_field is not None else 0))
    return result


def _label(value) -> str:
    if isinstance(value, (list, tuple)):
        return str(value[1])
    return str(value)


def _cards(env, model, arch: KanbanArch, window, base: str, ids: list[int]) -> dict:
    """id -> the card's HTML, url: one read of the fields (listing's Table)."""
    if not ids:
        return {}
    columns = [Column(n, model._fields[n].string, model._fields[n]) for n in arch.fields]
    table = Table(env, model, columns, base, window)
    rows = table.rows(model.browse(ids))
    name_field = model._rec_name_field()
    result = {}
    for row in rows:
        cells = {c.name: cell for c, cell in zip(columns, row["cells"], strict=True)}
        result[row["id"]] = {"id": row["id"], "url": row["url"],
                             "html": render_card(arch.card, cells, model),
                             "title": cells[name_field]["text"] if name_field in cells
                             else f"#{row['id']}"}
    return result


# -- moving and quick create ------------------------------------------------------------
def _wants_json(request) -> bool:
    return "application/json" in (request.headers.get("Accept") or "")


def _json(payload: dict, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


def _back(request, model_name: str) -> str:
    """Where a plain form returns: its `back` field when it is a page of this site."""
    back = request.form.get("back") or ""
    if back.startswith("/web/") and "\\" not in back and not back.startswith("//"):
        return back
    return f"/web/{model_name}?view=kanban"


def _refused(page, error: Exception) -> Response:
    """A refused change as JSON (the script snaps the card back and shows it), or the
    error page for a plain form; the transaction is rolled back either way."""
    if isinstance(error, RetryableError):
        raise error
    if not _wants_json(page.request):
        raise error
    status = 403 if isinstance(error, AccessError) else 404 \
        if isinstance(error, MissingError) else 400
    return _json({"ok": False, "error": str(error)}, status)


def kanban_move(page, model: str, record_id: int):
    """POST group_by, value: write the card's group field (rules and constraints
    apply); JSON answer or a redirect back."""
    window = resolve(page, model)
    records_model = window.model
    form = page.request.form
    try:
        grouping = group_field(records_model, form.get("group_by"))
        if grouping is None or grouping.readonly or grouping.type not in MOVE_TYPES:
            raise TesseraError("These cards cannot be moved: the kanban is not grouped by "
                               "a field that can be changed.")
        value = parse_key(records_model, grouping, form.get("value") or "")
        record = records_model.browse(record_id)
        if not record.exists():
            raise MissingError("This record does not exist any more: reload the page.")
        record.write({grouping.name: value})
    except TesseraError as error:
        return _refused(page, error)
    if _wants_json(page.request):
        return _json({"ok": True, "id": record_id, "value": form.get("value")})
    return page.redirect(_back(page.request, model), notice="saved")


def kanban_quick_create(page, model: str):
    """POST name, group_by, value: a new record in that column."""
    window = resolve(page, model)
    records_model = window.model
    form = page.request.form
    try:
        name_field = records_model._rec_name_field()
        name = (form.get("name") or "").strip()
        if not name_field or not name:
            raise TesseraError("Type a name for the new record.")
        values = {name_field: name}
        grouping = group_field(records_model, form.get("group_by"))
        if grouping is not None and form.get("value"):
            values[grouping.name] = parse_key(records_model, grouping, form.get("value"))
        record = records_model.create(values)
    except TesseraError as error:
        return _refused(page, error)
    if _wants_json(page.request):
        return _json({"ok": True, "id": record.id, "url": window.record_url(record.id)})
    return page.redirect(_back(page.request, model), notice="created")


ROUTES = [
    Rule("/web/<model>/<id:record_id>/kanban_move", endpoint=kanban_move, methods=["POST"]),
    Rule("/web/<model>/kanban_quick_create", endpoint=kanban_quick_create, methods=["POST"]),
]
