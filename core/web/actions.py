"""The Actions menu of a list: delete (confirmed), archive and unarchive, export as CSV,
and the entries addons add through the `record_actions` hook."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from core.exceptions import UserError
from core.web import widgets
from core.web.window import may, resolve


@dataclass
class ListAction:
    """An entry of the Actions menu."""

    name: str
    label: str
    method: str | None = None
    confirm: str | None = None
    wizard: str | None = None


def available_actions(env, model) -> list[ListAction]:
    """The entries of `model`'s Actions menu: the built-in ones the user's access rights
    allow, then the hooks'."""
    entries = [ListAction("export", "Export as CSV")]
    if "active" in model._fields and may(model, "write"):
        entries += [ListAction("archive", "Archive"), ListAction("unarchive", "Unarchive")]
    if may(model, "unlink"):
        entries.append(ListAction("delete", "Delete", confirm="Delete the selected records? "
                                                              "This cannot be undone."))
    for found in env.hooks.record_actions(env=env, model=model._name):
        for entry in found:
            entries.append(ListAction(entry["name"], entry["label"], entry.get("method"),
                                      entry.get("confirm"), entry.get("wizard")))
    return entries


def run_action(page, model: str):
    """POST /web/<model>/actions: run the chosen entry on the selected records."""
    window = resolve(page, model)
    records_model = window.model
    form = page.request.form
    back = _safe_back(form.get("back"), window.list_url)
    name = form.get("action") or ""
    entry = next((a for a in available_actions(page.env, records_model) if a.name == name),
                 None)
    if entry is None:
        raise NotFound()
    # in the order the list showed them (a wizard may split them in that order)
    ids = list(dict.fromkeys(i for i in map(widgets.as_id, form.getlist("ids")) if i is not None))
    if not ids:
        raise UserError("Select at least one record (tick its box), then choose the action.")
    records = records_model.browse(ids).exists()
    if len(records) != len(ids):
        raise UserError("Some of the selected records were deleted meanwhile: reload the "
                        "list and select again.")
    if entry.confirm and form.get("confirmed") != "1":
        names = records._display_names()
        return page.render("confirm.html", title=entry.label, entry=entry, ids=ids,
                           names=[names[i] for i in ids], back=back, model=model,
                           action_id=window.action.id if window.action else None,
                           breadcrumbs=[{"label": window.title, "url": back},
                                        {"label": entry.label, "url": None}])
    if entry.name == "export":
        return export_csv(page, window, records)
    if entry.wizard:
        query = urlencode({"active_model": model, "active_ids": ",".join(map(str, ids))})
        return page.redirect(f"/web/{entry.wizard}/new?{query}")
    count = len(records)
    with page.env.atomic():
        if entry.name == "delete":
            records.unlink()
            return page.redirect(back, notice="deleted", n=count)
        if entry.name in ("archive", "unarchive"):
            records.write({"active": entry.name == "unarchive"})
            return page.redirect(back, notice=f"{entry.name}d", n=count)
        method = entry.method or ""
        if method.startswith("_") or not callable(getattr(records, method, None)):
            raise UserError(f"The action {entry.label!r} calls {method!r}, which "
                            f"{model} does not have.")
        result = getattr(records, method)()
    if isinstance(result, dict) and result.get("url", "").startswith("/web/"):
        return page.redirect(result["url"])
    return page.redirect(back, notice="done")


def export_csv(page, window, records) -> Response:
    """The selected records as CSV, one column per list column (as shown)."""
    from core.web.listing import parse_list_arch

    model = window.model
    columns = parse_list_arch(model, window.arch("list")).columns
    locale, zone = widgets.locale_of(page.env), page.env.tz
    values = records.read([c.name for c in columns])
    x2many = {}
    for column in columns:
        if column.field.type in ("one2many", "many2many"):
            ids = sorted({i for row in values for i in row[column.name]})
            x2many[column.name] = page.env[column.field.comodel_name].browse(ids) \
                ._display_names()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", *[c.label for c in columns]])
    for row in values:
        writer.writerow([row["id"], *[
            _cell(widgets.display(c.field, row[c.name], model=model, locale=locale,
                                  zone=zone, names=x2many.get(c.name)), c.field.type)
            for c in columns]])
    filename = model._name.replace(".", "_") + ".csv"
    return Response(buffer.getvalue(), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def _cell(text: str, kind: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: neutralize them."""
    if text and text[0] in "=+-@\t\r" and kind not in widgets.NUMBER_TYPES:
        return "'" + text
    return text


def _safe_back(url: str | None, default: str) -> str:
    """Where to go after the action: a page of the web client only."""
    if url and url.startswith("/web/") and not url.startswith("//"):
        return url
    return default
