"""From a posted form to the values of `create`/`write`, with an error per field.

Input names: `<field>` for scalars and many2one ids (`<field>__display` holds the text
typed in a many2one, resolved by name when no id was picked: forms work without
JavaScript); many2many ids repeat `<field>` (with `<field>__m2m` present and
`<field>__add` a name to add); one2many lines use `<field>.<n>.id`, `<field>.<n>.<sub>`
and `<field>.<n>.delete`.
"""

from __future__ import annotations

from core.web import widgets
from core.web.form_view import FieldNode, posted_lines
from core.web.widgets import FieldError


def editable_nodes(builder) -> list[FieldNode]:
    """The fields of the form the user can change (shown and not read-only)."""
    found = []

    def walk(nodes):
        for node in nodes:
            if isinstance(node, FieldNode):
                if not node.readonly:
                    found.append(node)
            elif isinstance(node, dict):
                if node.get("kind") == "notebook":
                    for page in node["pages"]:
                        walk(page["children"])
                else:
                    walk(node.get("children", []))

    walk(builder.build())
    return found


def parse_form(env, builder, form) -> tuple[dict, dict]:
    """(values, errors) of the posted `form`; values hold only changed fields."""
    model = builder.model
    zone = env.tz
    values, errors = {}, {}
    for node in editable_nodes(builder):
        model_field = model._fields[node.name]
        try:
            if model_field.type == "many2one":
                if node.name not in form and f"{node.name}__display" not in form:
                    continue
                value = _many2one(env, model_field, form, node.name, node.label)
            elif model_field.type == "many2many":
                if f"{node.name}__m2m" not in form:
                    continue
                value = _many2many(env, model_field, form, node.name, node.label)
            elif model_field.type == "one2many":
                value = _one2many(env, model_field, form, node, zone)
            elif model_field.type == "boolean":
                if f"{node.name}__bool" not in form:
                    continue
                value = "1" in form.getlist(node.name)
            else:
                if node.name not in form:
                    continue
                value = widgets.parse(model_field, form.get(node.name), label=node.label,
                                      zone=zone)
                if node.required and value in (False, ""):
                    raise FieldError(node.name, f"{node.label} is required: give it a value.")
        except FieldError as error:
            errors[error.field] = error.message
            continue
        if _changed(model_field, builder.values.get(node.name), value):
            values[node.name] = value
    return values, errors


def _changed(model_field, before, after) -> bool:
    if model_field.type in ("one2many",):
        return bool(after)
    if model_field.type == "many2many":
        return sorted(after[0][2]) != sorted(before or [])
    if model_field.type == "many2one":
        return (before[0] if before else False) != after
    if model_field.type in widgets.NUMBER_TYPES:
        return (before or 0) != (after or 0)
    return (before or False) != (after or False)


def _many2one(env, model_field, form, name: str, label: str):
    text = (form.get(f"{name}__display") or "").strip()
    raw = form.get(name, "")
    record_id = widgets.parse_id(name, raw, label)
    comodel = env[model_field.comodel_name]
    if f"{name}__display" not in form:
        return record_id
    if not text:
        if model_field.required:
            raise FieldError(name, f"{label} is required: pick a value.")
        return False
    if record_id and comodel.browse(record_id).exists().display_name == text:
        return record_id
    return _by_name(comodel, text, name, label)


def _by_name(comodel, text: str, name: str, label: str) -> int:
    """The one record named `text` (exactly, else as the only partial match)."""
    exact = comodel.name_search(text, operator="=ilike", limit=2)
    if len(exact) == 1:
        return exact[0][0]
    found = exact or comodel.name_search(text, limit=2)
    if not found:
        raise FieldError(name, f"{label}: nothing is named {text!r}. Pick a value from the "
                               "suggestions.")
    if len(found) > 1:
        raise FieldError(name, f"{label}: several records match {text!r}. Type more of the "
                               "name, or pick one from the suggestions.")
    return found[0][0]


def _many2many(env, model_field, form, name: str, label: str):
    ids = [i for i in map(widgets.as_id, form.getlist(name)) if i is not None]
    added = (form.get(f"{name}__add") or "").strip()
    if added:
        ids.append(_by_name(env[model_field.comodel_name], added, name, label))
    return [(6, 0, list(dict.fromkeys(ids)))]


def _one2many(env, model_field, form, node: FieldNode, zone) -> list:
    """x2many commands from the posted lines: update, create, delete."""
    lines = posted_lines(form, node.name)
    comodel = env[model_field.comodel_name]
    columns = {c["name"]: c for c in node.lines["columns"]} if node.lines else {}
    existing = {row["id"]: row for row in (node.lines or {}).get("rows", [])}
    commands = []
    for index in sorted(lines):
        posted = lines[index]
        line_id = widgets.as_id(posted.get("id"))
        if posted.get("delete") in ("1", "on"):
            if line_id in existing:  # never a line of another record
                commands.append((2, line_id))
            continue
        line_values = {}
        for sub, column in columns.items():
            if column["readonly"] or (sub not in posted and f"{sub}__display" not in posted):
                continue
            sub_field = column["field"]
            label = f"{node.label}, line {index + 1}: {column['label']}"
            try:
                if sub_field.type == "many2one":
                    line_values[sub] = _line_many2one(comodel, sub_field, posted, sub, label)
                elif sub_field.type == "boolean":
                    line_values[sub] = posted.get(sub) in ("1", "on")
                elif sub_field.type not in ("one2many", "many2many", "binary"):
                    line_values[sub] = widgets.parse(sub_field, posted.get(sub), label=label,
                                                     zone=zone)
            except FieldError as error:
                raise FieldError(node.name, error.message) from None
        if line_id and line_id in existing:
            if line_values:
                commands.append((1, line_id, line_values))
        elif not line_id and any(v not in (False, "", 0) for v in line_values.values()):
            # blank cells of a new line take the line's defaults (a quantity of 1...)
            commands.append((0, 0, {sub: value for sub, value in line_values.items()
                                    if value is not False
                                    or columns[sub]["field"].type == "boolean"}))
    return commands


def _line_many2one(comodel, sub_field, posted, sub: str, label: str):
    text = (posted.get(f"{sub}__display") or "").strip()
    record_id = widgets.parse_id(sub, posted.get(sub), label)
    target = comodel.env[sub_field.comodel_name]
    if not text:
        return False
    if record_id and target.browse(record_id).exists().display_name == text:
        return record_id
    return _by_name(target, text, sub, label)
