"""Kanban cards drawn on the server from the arch's card template (the language that
core.views.validate checks: a short list of HTML tags, `<field name [widget]>`,
`t-if` / `t-if-not` on a field). Every text is escaped; only `class`, `title` and safe
`href` attributes are written out.

Widgets: `priority` (stars, for a selection or an integer), `tags` (many2many chips),
`avatar` (initials of a many2one, such as a user), `activity` (a clock showing
overdue / today / planned when the model has `activity_state`; else nothing).
"""

from __future__ import annotations

from markupsafe import Markup, escape

from core.views.validate import TEMPLATE_TAGS

OUTPUT_ATTRIBUTES = ("class", "title", "href")
SAFE_HREF = ("/", "#", "mailto:", "tel:")
INTEGER_STARS = 3
ACTIVITY_LABELS = {"overdue": "Overdue", "today": "Today", "planned": "Planned"}


def card_fields(card) -> list[str]:
    """The fields a card template shows or tests (and what its widgets need)."""
    names = []
    for element in card.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "field" and element.get("name"):
            names.append(element.get("name"))
            if element.get("widget") == "activity":
                names.append("activity_state")
        for directive in ("t-if", "t-if-not"):
            if element.get(directive):
                names.append(element.get(directive))
    return names


def render_card(card, cells: dict, model) -> Markup:
    """The HTML of one card: `cells` maps field names to listing.Table cells (text,
    value, tags)."""
    if card is None:
        return Markup()
    parts: list[str] = []
    _children(card, cells, model, parts)
    return Markup("".join(parts))


def _children(element, cells, model, parts) -> None:
    if element.text:
        parts.append(str(escape(element.text)))
    for child in element:
        if isinstance(child.tag, str):
            _element(child, cells, model, parts)
        if child.tail:
            parts.append(str(escape(child.tail)))


def _set(cells, name) -> bool:
    cell = cells.get(name)
    if cell is None:
        return False
    value = cell["value"]
    return bool(value) and value != [] and value is not None


def _element(element, cells, model, parts) -> None:
    if element.get("t-if") and not _set(cells, element.get("t-if")):
        return
    if element.get("t-if-not") and _set(cells, element.get("t-if-not")):
        return
    tag = element.tag
    if tag == "t":
        _children(element, cells, model, parts)
        return
    if tag == "field":
        parts.append(str(_field(element, cells, model)))
        return
    if tag not in TEMPLATE_TAGS:
        return
    attributes = []
    for name in OUTPUT_ATTRIBUTES:
        value = element.get(name)
        if value is None or (name == "href" and not value.startswith(SAFE_HREF)) or (
                name == "href" and value.startswith("//")):
            continue
        attributes.append(f' {name}="{escape(value)}"')
    if tag in ("br", "hr"):
        parts.append(f"<{tag}{''.join(attributes)}>")
        return
    parts.append(f"<{tag}{''.join(attributes)}>")
    _children(element, cells, model, parts)
    parts.append(f"</{tag}>")


def _field(element, cells, model) -> Markup:
    name = element.get("name")
    widget = element.get("widget")
    if widget == "activity":
        return _activity(cells.get("activity_state"))
    cell = cells.get(name)
    if cell is None:
        return Markup()
    css = f"kb-field kb-field-{escape(name)}"
    if widget == "priority":
        return _priority(model._fields[name], cell["value"], model)
    if widget == "tags":
        chips = "".join(f'<span class="kb-tag">{escape(tag)}</span>'
                        for tag in cell.get("tags") or [])
        return Markup(f'<span class="kb-tags">{chips}</span>')
    if widget == "avatar":
        value = cell["value"]
        if not value:
            return Markup()
        label = value[1] if isinstance(value, (list, tuple)) else str(value)
        return Markup(f'<span class="kb-avatar" title="{escape(label)}" '
                      f'aria-label="{escape(label)}">{escape(initials(label))}</span>')
    return Markup(f'<span class="{css}">{escape(cell["text"])}</span>')


def initials(name: str) -> str:
    """"Sally Seller" -> "SS" (two letters at most)."""
    words = [w for w in name.split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _priority(model_field, value, model) -> Markup:
    if model_field.type == "selection":
        keys = [key for key, _label in model_field.get_selection(model)]
        count = max(len(keys) - 1, 1)
        filled = keys.index(value) if value in keys else 0
    else:
        count = INTEGER_STARS
        filled = max(0, min(int(value or 0), count))
    stars = "".join('<span class="kb-star on">★</span>' if i < filled
                    else '<span class="kb-star">☆</span>' for i in range(count))
    label = f"Priority {filled} of {count}"
    return Markup(f'<span class="kb-priority" title="{label}" role="img" '
                  f'aria-label="{label}">{stars}</span>')


def _activity(cell) -> Markup:
    if cell is None or not cell["value"]:
        return Markup()
    state = str(cell["value"])
    label = ACTIVITY_LABELS.get(state, state)
    return Markup(f'<span class="kb-activity kb-activity-{escape(state)}" '
                  f'title="{escape(label)}" aria-label="Activity: {escape(label)}">'
                  "&#9200;</span>")
