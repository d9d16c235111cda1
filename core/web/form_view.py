"""The form view: the arch turned into a tree of nodes the template draws (header with
buttons and status bar, sheet, groups, notebook pages, fields with their widget), and
the values the fields show.

Values come from `read()` for a saved record (one query, plus one per comodel for names
and one per one2many for its lines), from the defaults for a new one, and from what was
posted when a save failed (nothing typed is lost).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from core.views.arch import default_arch
from core.web import widgets
from core.web.conditions import holds

LINE_KEY = re.compile(r"^(?P<field>\w+)\.(?P<index>\d+)\.(?P<sub>\w+)$")
LAYOUT_TAGS = ("sheet", "group", "notebook", "page", "div", "span", "h1", "h2", "h3", "p",
               "separator", "label", "newline", "footer", "header")

TITLE_TAGS = ("h1", "h2", "h3", "span", "p")  # a field there shows no label


@dataclass
class FieldNode:
    """A field of the form, ready to draw."""

    name: str
    label: str
    type: str
    widget: str | None
    required: bool
    readonly: bool
    invisible: bool
    nolabel: bool
    help: str | None
    input: str = ""  # the value of the input
    text: str = ""  # the value as read-only text
    options: list = field(default_factory=list)  # selection (value, label)
    relation: str | None = None
    tags: list = field(default_factory=list)  # many2many [{"id", "name"}]
    lines: dict | None = None  # one2many {"columns", "rows", "template"}
    error: str | None = None
    placeholder: str | None = None
    kind: str = "field"


def read_values(model, record, names: list[str]) -> dict:
    """Values of `names` as `read()` gives them: the record's, or defaults for a new one."""
    if record:
        return record.read(names)[0]
    defaults = model.default_get(names)
    values = {}
    for name in names:
        model_field = model._fields[name]
        value = defaults.get(name, False)
        if model_field.type == "many2one" and value:
            value_id = value.id if hasattr(value, "id") else int(value)
            target = model.env[model_field.comodel_name].browse(value_id).exists()
            value = (value_id, target.display_name) if target else False
        elif model_field.type in ("one2many", "many2many"):
            value = _ids_of(value)
        elif model_field.type == "boolean":
            value = bool(value)
        elif value is not False and model_field.type in ("date", "datetime"):
            value = str(value)
        values[name] = value
    return values


def _ids_of(value) -> list[int]:
    if not value:
        return []
    if hasattr(value, "ids"):
        return list(value.ids)
    ids = []
    for item in value:
        if isinstance(item, int):
            ids.append(item)
        elif isinstance(item, (list, tuple)) and item and item[0] == 6:
            ids = list(item[2])
        elif isinstance(item, (list, tuple)) and item and item[0] == 4:
            ids.append(item[1])
    return ids


class FormBuilder:
    """Builds the node tree of one form for one record (or a new one)."""

    def __init__(self, env, model, arch: str, values: dict, *, posted=None, errors=None):
        self.env = env
        self.model = model
        self.root = etree.fromstring(arch.encode())
        self.values = values
        self.posted = posted  # the submitted form, when a save failed
        self.errors = errors or {}
        self.locale = widgets.locale_of(env)
        self.zone = env.tz
        self.policy = model._security()

    def field_names(self) -> list[str]:
        """Fields the arch shows (outside x2many sub-views), that the user may read."""
        names = []
        for element in self.root.iter("field"):
            if _inside_subview(element, self.root):
                continue
            name = element.get("name")
            model_field = self.model._fields.get(name)
            if model_field is not None and self._allowed(model_field) and name not in names:
                names.append(name)
                currency = _currency_field(self.model, model_field)
                if currency and currency not in names:
                    names.append(currency)
        return names

    def _allowed(self, model_field) -> bool:
        return self.policy is None or self.policy.field_allowed(self.env.uid, model_field)

    def build(self) -> list:
        """The nodes of the form's root."""
        return self._children(self.root)

    def header(self) -> dict | None:
        """The header's buttons and status bar."""
        header = self.root.find("header")
        if header is None:
            return None
        buttons, statusbar = [], None
        for element in header:
            if element.tag == "button" and not self._invisible(element):
                buttons.append(self._button(element))
            elif element.tag == "field" and element.get("widget") == "statusbar" \
                    and not self._invisible(element):
                statusbar = self._statusbar(element)
        return {"buttons": buttons, "statusbar": statusbar}

    def callable_buttons(self) -> set[str]:
        """Names of the object buttons the form shows for these values (neither their
        `invisible` condition nor a parent's holds): the only methods it may call."""
        names = set()
        for element in self.root.iter("button"):
            if element.get("type") != "object" or _inside_subview(element, self.root):
                continue
            if not any(self._invisible(e) for e in (element, *element.iterancestors())):
                names.add(element.get("name"))
        return names

    def _children(self, element) -> list:
        nodes = []
        for child in element:
            if not isinstance(child.tag, str) or child.tag == "header":
                continue
            node = self._node(child)
            if node is not None:
                nodes.append(node)
        return nodes

    def _node(self, element):
        if self._invisible(element):
            return None
        tag = element.tag
        if tag == "field":
            return self._field(element)
        if tag == "button":
            return self._button(element)
        if tag == "notebook":
            pages = [{"label": page.get("string") or "Page", "name": page.get("name") or
                      f"page{index}", "children": self._children(page)}
                     for index, page in enumerate(element.findall("page"))
                     if not self._invisible(page)]
            # a page left empty (its fields are for other groups) is no page
            return {"kind": "notebook", "pages": [p for p in pages if p["children"]]}
        if tag == "group":
            children = self._children(element)
            columns = bool(children) and all(
                isinstance(c, dict) and c.get("kind") == "group" for c in children)
            return {"kind": "group", "label": element.get("string"), "children": children,
                    "columns": columns}
        if tag in LAYOUT_TAGS:
            return {"kind": "block", "tag": tag, "text": (element.text or "").strip(),
                    "string": element.get("string"), "class": element.get("class") or "",
                    "children": self._children(element)}
        return None

    def _invisible(self, element) -> bool:
        return holds(element.get("invisible"), self.values, self.env.uid)

    def _button(self, element) -> dict:
        return {"kind": "button", "name": element.get("name"), "type": element.get("type"),
                "label": element.get("string") or element.get("name"),
                "primary": "oe_highlight" in (element.get("class") or "")
                or "btn-primary" in (element.get("class") or ""),
                "confirm": element.get("confirm")}

    def _statusbar(self, element) -> dict:
        name = element.get("name")
        model_field = self.model._fields[name]
        visible = [v for v in (element.get("statusbar_visible") or "").split(",") if v]
        current = self.values.get(name)
        options = model_field.get_selection(self.model) if model_field.type == "selection" \
            else []
        if model_field.type == "many2one":  # the comodel's records, in its order
            current = current[0] if current else False
            options = self.env[model_field.comodel_name].name_search("", limit=20)
            visible = [int(v) for v in visible if v.isdigit()]
        steps = [{"value": v, "label": label, "current": v == current}
                 for v, label in options if not visible or v in visible or v == current]
        return {"name": name, "steps": steps}

    def _field(self, element):
        name = element.get("name")
        model_field = self.model._fields.get(name)
        if model_field is None or not self._allowed(model_field):
            return None
        readonly = bool(model_field.readonly or (model_field.compute and not
                                                  model_field.inverse)) or \
            holds(element.get("readonly"), self.values, self.env.uid)
        node = FieldNode(
            name=name, label=element.get("string") or model_field.string,
            type=model_field.type, widget=element.get("widget"),
            required=bool(model_field.required) or holds(element.get("required"),
                                                         self.values, self.env.uid),
            readonly=readonly, invisible=False,
            nolabel=element.get("nolabel") == "1" or element.getparent().tag in TITLE_TAGS,
            help=model_field.help, error=self.errors.get(name),
            placeholder=element.get("placeholder"))
        value = self.values.get(name, False)
        if model_field.type == "selection":
            node.options = model_field.get_selection(self.model)
        if model_field.relational:
            node.relation = model_field.comodel_name
        if model_field.type == "many2one":
            node.input = str(value[0]) if value else ""
            node.text = value[1] if value else ""
        elif model_field.type == "many2many":
            ids = value or []
            names = self.env[model_field.comodel_name].browse(ids)._display_names() \
                if ids else {}
            node.tags = [{"id": i, "name": names.get(i, "")} for i in ids]
        elif model_field.type == "one2many":
            node.lines = self._lines(element, model_field, value or [])
        else:
            node.input = widgets.input_value(model_field, value, self.zone)
            node.text = widgets.display(model_field, value, model=self.model,
                                        locale=self.locale, zone=self.zone,
                                        currency=self._currency_symbol(model_field))
        if self.posted is not None and not readonly:
            self._keep_posted(node, model_field)
        return node

    def _currency_symbol(self, model_field) -> str | None:
        """The symbol (else the name) of a monetary field's currency."""
        name = _currency_field(self.model, model_field)
        value = self.values.get(name) if name else None
        if not value:
            return None
        currency = self.env[self.model._fields[name].comodel_name].sudo().browse(value[0])
        return currency.symbol if "symbol" in currency._fields and currency.symbol \
            else value[1]

    def _keep_posted(self, node: FieldNode, model_field) -> None:
        """Show what the user typed, not the saved value, after a failed save."""
        posted = self.posted
        if model_field.type == "many2one":
            node.input = posted.get(node.name, node.input)
            node.text = posted.get(f"{node.name}__display", node.text)
        elif model_field.type == "many2many":
            if f"{node.name}__m2m" in posted:
                ids = [i for i in map(widgets.as_id, posted.getlist(node.name))
                       if i is not None]
                names = self.env[model_field.comodel_name].browse(ids)._display_names() \
                    if ids else {}
                node.tags = [{"id": i, "name": names.get(i, "")} for i in ids]
        elif model_field.type == "boolean":
            node.input = "True" if "1" in posted.getlist(node.name) else ""
        elif model_field.type == "one2many":
            if node.lines is not None:
                node.lines["rows"] = self._posted_rows(node)
        elif node.name in posted:
            node.input = posted.get(node.name, "")

    def _posted_rows(self, node: FieldNode) -> list[dict]:
        """The one2many rows as posted: typed cells, lines added (the blank new line
        left out), lines of other records left out."""
        saved = {row["id"]: row for row in node.lines["rows"]}
        rows = []
        for posted in posted_lines(self.posted, node.name).values():
            line_id = widgets.as_id(posted.get("id"))
            typed = any(value.strip() for key, value in posted.items() if key != "id")
            if (line_id and line_id not in saved) or (not line_id and not typed):
                continue
            before = saved[line_id]["cells"] if line_id else node.lines["template"]
            cells = []
            for column, cell in zip(node.lines["columns"], before):
                name = column["name"]
                if column["readonly"]:
                    cells.append(cell)
                elif column["type"] == "many2one":
                    cells.append({"input": posted.get(name, ""),
                                  "text": posted.get(f"{name}__display", "")})
                elif column["type"] == "boolean":
                    cells.append({"input": "True" if posted.get(name) in ("1", "on") else "",
                                  "text": ""})
                else:
                    cells.append({"input": posted.get(name, cell["input"]),
                                  "text": cell["text"]})
            rows.append({"id": line_id or "", "cells": cells,
                         "delete": posted.get("delete") in ("1", "on")})
        return rows

    def _lines(self, element, model_field, ids: list[int]) -> dict:
        """An editable inline list of one2many lines: columns from the sub-view."""
        comodel = self.env[model_field.comodel_name]
        sub = element.find("list") if element.find("list") is not None else element.find("tree")
        arch = etree.tostring(sub).decode() if sub is not None else \
            default_arch(comodel, "list")
        root = etree.fromstring(arch.encode())
        inverse = model_field.extra.get("inverse_name")
        columns = []
        for column in root.iter("field"):
            sub_field = comodel._fields.get(column.get("name"))
            if sub_field is None or sub_field.name == inverse or \
                    column.get("column_invisible") in ("1", "True"):
                continue
            columns.append({"name": sub_field.name, "label": column.get("string") or
                            sub_field.string, "type": sub_field.type,
                            "relation": sub_field.comodel_name if sub_field.relational
                            else None,
                            "options": sub_field.get_selection(comodel)
                            if sub_field.type == "selection" else [],
                            "readonly": bool(sub_field.readonly or (sub_field.compute and
                                                                    not sub_field.inverse)),
                            "field": sub_field})
        rows = []
        if ids:
            for line in comodel.browse(ids).read([c["name"] for c in columns]):
                rows.append({"id": line["id"], "cells": [self._line_cell(c, line[c["name"]])
                                                         for c in columns]})
        return {"columns": columns, "rows": rows,
                "template": [{"input": "", "text": ""} for _c in columns],
                "sums": {}}

    def _line_cell(self, column: dict, value) -> dict:
        sub_field = column["field"]
        if sub_field.type == "many2one":
            return {"input": str(value[0]) if value else "", "text": value[1] if value else ""}
        return {"input": widgets.input_value(sub_field, value, self.zone),
                "text": widgets.display(sub_field, value, locale=self.locale, zone=self.zone)}


def posted_lines(form, name: str) -> dict[int, dict[str, str]]:
    """The posted lines of one2many `name`, by index: {sub-field: text} from the inputs
    `<name>.<index>.<sub>` (`id`, `delete` and `<many2one>__display` included)."""
    lines: dict[int, dict[str, str]] = {}
    for key in form:
        match = LINE_KEY.match(key)
        if match and match["field"] == name:
            lines.setdefault(int(match["index"]), {})[match["sub"]] = form.get(key)
    return dict(sorted(lines.items()))


def _currency_field(model, model_field) -> str | None:
    """The many2one holding a monetary field's currency, when the model has it."""
    if model_field.type != "monetary":
        return None
    name = model_field.extra.get("currency_field") or "currency_id"
    return name if name in model._fields else None


def _inside_subview(element, root) -> bool:
    parent = element.getparent()
    while parent is not None and parent is not root:
        if parent.tag in ("list", "tree", "form", "kanban"):
            return True
        parent = parent.getparent()
    return False
