"""Field tracking for `mail.thread`: the values of fields declared `tracking=True`
before and after a write, turned into one notification message per changed record
with its `mail.tracking.value` lines. Everything is computed in batch: reading the old
values costs one query per 1000 records, display names one query per related model."""

from __future__ import annotations

import datetime as dt


def tracked_fields(model, names) -> list:
    """The fields among `names` declared with `tracking=True` (or a number: their
    order in the message), in tracking order, then declaration order."""
    found = [model._fields[name] for name in model._fields
             if name in names and model._fields[name].tracking]
    return sorted(found, key=lambda f: f.tracking if isinstance(f.tracking, int)
                  and not isinstance(f.tracking, bool) else 100)


def snapshot(records, tracked) -> dict[int, dict[str, object]]:
    """{record id: {field name: raw value}} of the tracked fields (cache form: ids for
    relations). Read as superuser; the records are prefetched together."""
    sudo = records.sudo().with_context(active_test=False)
    return {record._ids[0]: {field.name: record._get_raw(field) for field in tracked}
            for record in sudo}


def display_values(records, field, raw_values) -> dict:
    """{raw value: display text} for `raw_values` of `field`: record names for
    relations (one query per field), selection labels, Yes/No, ISO dates."""
    values = set()
    for value in raw_values:
        values.add(value)
    if field.type in ("many2one", "one2many", "many2many"):
        ids = set()
        for value in values:
            if field.type == "many2one":
                if value:
                    ids.add(value)
            else:
                ids.update(value or ())
        comodel = records.env[field.comodel_name].sudo().with_context(active_test=False)
        names = comodel.browse(sorted(ids))._display_names() if ids else {}
        if field.type == "many2one":
            return {value: names.get(value, "") if value else "" for value in values}
        return {value: ", ".join(names.get(i, "") for i in (value or ())) for value in values}
    if field.type == "selection":
        labels = dict(field.get_selection(records))
        return {value: labels.get(value, value or "") if value else "" for value in values}
    return {value: _text(field, value) for value in values}


def _text(field, value) -> str:
    if field.type == "boolean":
        return "Yes" if value else "No"
    if value is None or value is False:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def changes(records, tracked, before: dict) -> dict[int, list]:
    """{record id: [(field, old display, new display)]} of the records whose tracked
    values differ from `before` (records without a change are left out)."""
    after = snapshot(records, tracked)
    changed: dict[int, list] = {}
    for rid, old_values in before.items():
        new_values = after.get(rid)
        if new_values is None:
            continue
        fields_changed = [f for f in tracked if _normal(old_values[f.name]) !=
                          _normal(new_values[f.name])]
        if fields_changed:
            changed[rid] = fields_changed
    texts = {}
    for field in tracked:
        raw = [values[field.name] for rid, values in before.items() if rid in changed]
        raw += [after[rid][field.name] for rid in changed]
        texts[field.name] = display_values(records, field, raw) if raw else {}
    return {rid: [(field, texts[field.name][before[rid][field.name]],
                   texts[field.name][after[rid][field.name]]) for field in fields_changed]
            for rid, fields_changed in changed.items()}


def _normal(value):
    """Empty values compare equal (None, False, "", empty tuple)."""
    if value is None or value is False or value == "" or value == ():
        return None
    if isinstance(value, tuple):
        return frozenset(value)
    return value


def post_changes(records, tracked, before: dict):
    """Post one notification message per record whose tracked fields changed, with a
    tracking value per field; returns the messages (superuser environment)."""
    found = changes(records, tracked, before)
    if not found:
        return records.env["mail.message"].sudo()
    order = [rid for rid in before if rid in found]
    messages = records._message_create_sudo([
        {"res_id": rid, "body": "", "message_type": "notification", "subtype": "note"}
        for rid in order])
    lines = []
    for message_id, rid in zip(messages.ids, order):
        for field, old, new in found[rid]:
            lines.append({"message_id": message_id, "field_name": field.name,
                          "field_label": field.string, "field_type": field.type,
                          "old_value": old or False, "new_value": new or False})
    records.env["mail.tracking.value"].sudo().create(lines)
    return messages
