"""Form pages: show, create, save, duplicate and delete a record, call its header
buttons, and the many2one autocompletion.

Forms are always editable (as in Odoo 17): Save posts the form, Discard reloads it. A
failed save rolls back and shows the form again with what was typed and each error next
to its field.
"""

from __future__ import annotations

import contextlib
import json

from werkzeug.wrappers import Response

from core.exceptions import AccessError, MissingError, UserError, ValidationError
from core.web import chatter
from core.web.form_parse import parse_form
from core.web.form_view import FormBuilder, read_values
from core.web.widgets import NUMBER_TYPES, FieldError, as_id, parse
from core.web.window import may, resolve

WIZARD_KEYS = ("active_model", "active_ids", "active_id")
WIZARD_NAMES = 10  # selected records a wizard names (it counts them all)


def new_page(page, model: str):
    """/web/<model>/new: the form of a new record (defaults from the action's context,
    `default_<field>` URL parameters, and `active_model`/`active_ids` for wizards)."""
    window = resolve(page, model)
    records_model = window.model.with_context(**_url_context(page, window.model))
    if page.request.method == "POST":
        return _save(page, window, records_model, None)
    records_model._check_access("create")  # no form for what cannot be saved
    return _render(page, window, records_model, None)


def form_page(page, model: str, record_id: int):
    """/web/<model>/<id>: the record's form; POST saves it."""
    window = resolve(page, model)
    record = _record(window.model, record_id)
    if page.request.method == "POST":
        return _save(page, window, window.model, record)
    return _render(page, window, window.model, record)


def _record(model, record_id: int):
    record = model.browse(record_id).exists()
    if not record:
        raise MissingError(f"{model._description or model._name} {record_id} does not exist "
                           "(it may have been deleted).")
    return record


def _url_context(page, model) -> dict:
    """Context keys a new form takes from its URL."""
    context = {}
    args = page.request.args
    for key, value in args.items():
        if key.startswith("default_") and key[8:] in model._fields:
            model_field = model._fields[key[8:]]
            if model_field.type == "many2one":
                if as_id(value) is not None:
                    context[key] = as_id(value)
            elif model_field.type in (*NUMBER_TYPES, "date", "datetime", "boolean"):
                with contextlib.suppress(FieldError):  # not a value of the type: no default
                    context[key] = parse(model_field, value, label=key,
                                         zone=page.env.tz)
            elif model_field.type not in ("one2many", "many2many", "binary"):
                context[key] = value
    if args.get("active_model") in page.env.registry:
        context["active_model"] = args["active_model"]
        context["active_ids"] = [i for i in map(as_id, args.get("active_ids", "").split(","))
                                 if i is not None]
        if context["active_ids"]:
            context["active_id"] = context["active_ids"][0]
    return context


def _builder(page, window, model, record, posted=None, errors=None) -> FormBuilder:
    arch = window.arch("form")
    probe = FormBuilder(page.env, model, arch, {})
    values = read_values(model, record, probe.field_names())
    return FormBuilder(page.env, model, arch, values, posted=posted, errors=errors)


def _render(page, window, model, record, posted=None, errors=None, status=200):
    builder = _builder(page, window, model, record, posted, errors)
    title = record.display_name if record else "New"
    buttons = []
    if record:
        for found in page.env.hooks.form_buttons(env=page.env, record=record):
            buttons.extend(found)
        buttons.sort(key=lambda b: b.get("sequence", 10))
    form_url = f"/web/{model._name}/{record.id}" if record else f"/web/{model._name}/new"
    query = page.request.query_string.decode()
    wizard = None if record else _wizard_selection(page, model)
    return page.render(
        "form.html", status=status, title=title, window=window, record=record,
        header=builder.header(), nodes=builder.build(), errors=errors or {},
        general_error=(errors or {}).get("__all__"), smart_buttons=buttons,
        form_url=form_url + (f"?{query}" if query else ""), model=model,
        can={op: may(model, op) for op in ("create", "unlink")},
        chatter=chatter.form_chatter(page, record), wizard=wizard,
        breadcrumbs=[{"label": window.title, "url": window.list_url},
                     {"label": title or "New", "url": None}])


def _wizard_selection(page, model) -> dict | None:
    """For a wizard opened on selected records (`active_model`, `active_ids`): what it
    applies to ({"count", "names" (the first ones the user may read), "back"}), else
    None. The form then offers its buttons and Cancel instead of Save."""
    context = model.env.context
    active_model, ids = context.get("active_model"), context.get("active_ids") or []
    if not active_model or not ids or active_model == model._name:
        return None
    records = page.env[active_model].browse(ids[:WIZARD_NAMES]).exists()
    try:
        names = list(records._display_names().values())
    except AccessError:
        names = []
    return {"count": len(ids), "names": names, "back": f"/web/{active_model}?view=list"}


def _save(page, window, model, record, then=None):
    """Validate and write the posted form; on failure show it again with the errors."""
    builder = _builder(page, window, model, record)
    form = page.request.form
    values, errors = parse_form(page.env, builder, form)
    if not errors:
        try:
            with page.env.atomic():
                if record:
                    if values:
                        record.write(values)
                else:
                    record = model.create(values)
                if then is not None:
                    return then(record)
        except (ValidationError, UserError) as error:
            key = getattr(error, "field", None)
            errors = {key: str(error)} if key in builder.values else {"__all__": str(error)}
    if errors:
        errors.setdefault("__all__", "The record was not saved: correct the fields marked "
                                     "in red.")
        saved = record if record is not None and record.exists() else None
        return _render(page, window, model, saved, posted=form, errors=errors, status=400)
    notice = "saved" if builder.values.get("id") else "created"
    return page.redirect(window.record_url(record.id), notice=notice)


def delete(page, model: str, record_id: int):
    """POST /web/<model>/<id>/delete: delete the record, back to the list."""
    window = resolve(page, model)
    record = _record(window.model, record_id)
    with page.env.atomic():
        record.unlink()
    return page.redirect(window.list_url, notice="deleted", n=1)


def duplicate(page, model: str, record_id: int):
    """POST /web/<model>/<id>/duplicate: copy the record and open the copy."""
    window = resolve(page, model)
    record = _record(window.model, record_id)
    with page.env.atomic():
        copy = record.copy()
    return page.redirect(window.record_url(copy.id), notice="duplicated")


def call_button(page, model: str, record_id: int, method: str):
    """POST /web/<model>/<id>/call/<method>: save the form, then run the header button's
    method (only methods the form's arch shows as object buttons)."""
    window = resolve(page, model)
    record = _record(window.model, record_id) if record_id else None
    _check_button(page, window, record, method)

    def run(saved):
        result = getattr(saved, method)()
        if isinstance(result, dict) and str(result.get("url", "")).startswith("/web/"):
            return page.redirect(result["url"])
        return page.redirect(window.record_url(saved.id), notice="done")

    return _save(page, window, window.model.with_context(**_url_context(page, window.model)),
                 record, then=run)


def _check_button(page, window, record, method: str) -> None:
    """Refuse a method that is no object button the form shows for the saved record
    (a hidden button stays hidden when its URL is posted by hand)."""
    builder = _builder(page, window, window.model, record)
    if method.startswith("_") or method not in builder.callable_buttons():
        raise UserError(f"The form of {window.model._name} has no button {method!r} "
                        "here.")


def autocomplete(page, model: str):
    """GET /web/<model>/autocomplete?field=<many2one or many2many>&q=<text>: matching
    records of the field's comodel as JSON [{"id", "name"}] (the user's rules apply)."""
    window = resolve(page, model)
    args = page.request.args
    name = args.get("field", "")
    model_field = window.model._fields.get(name)
    if model_field is None or model_field.type not in ("many2one", "many2many"):
        if name.count(".") != 1:
            return _json({"error": f"{model} has no many2one or many2many {name!r}"}, 400)
    else:
        comodel_name = model_field.comodel_name
    if name.count(".") == 1:  # a one2many line's field: "line_ids.product_id"
        parent, _, child = name.partition(".")
        parent_field = window.model._fields.get(parent)
        if parent_field is None or parent_field.type != "one2many":
            return _json({"error": f"{model} has no one2many {parent!r}"}, 400)
        sub = page.env[parent_field.comodel_name]._fields.get(child)
        if sub is None or sub.type not in ("many2one", "many2many"):
            return _json({"error": f"no many2one {name!r}"}, 400)
        comodel_name = sub.comodel_name
    results = page.env[comodel_name].name_search(args.get("q", ""), limit=8)
    return _json([{"id": rid, "name": label} for rid, label in results])


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")
