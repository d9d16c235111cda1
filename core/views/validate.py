"""Validating views against the registry, all errors of an install reported at once.

A view is checked twice: its own arch against the addons its addon depends on (a
reference to a model or field of an addon outside `depends` would break when that
addon is uninstalled), and the combined arch of every primary view it belongs to
against the models (fields exist, object buttons name methods, locators match, and
each node's fields come from addons its own addon depends on, x2many sub-views
checked against their comodel). Errors name the view, file and line a node came from.
"""

from __future__ import annotations

import ast

from lxml import etree

from core.exceptions import TesseraError
from core.orm.domains import parse
from core.views.arch import (
    ADDON_ATTR,
    LINE_ATTR,
    META_ATTRS,
    VIEW_ATTR,
    combined_arch,
    describe,
    parse_arch,
)
from core.views.safe_eval import literal_eval

SUBVIEW_TAGS = ("list", "tree", "form", "kanban")
# attributes holding a condition on the record: "1"/"0", or a domain (never code)
CONDITION_ATTRIBUTES = ("invisible", "readonly", "required", "column_invisible")
CALENDAR_FIELDS = ("date_start", "date_stop", "color", "all_day", "date_delay")


def allowed_addons(env, addon: str) -> set[str]:
    """`addon`, everything it depends on (transitively) and the system ("core")."""
    depends = {m.name: set(filter(None, (m.depends or "").split(",")))
               for m in env["ir.module"].sudo().search([])}
    allowed, pending = {"core"}, [addon]
    while pending:
        name = pending.pop()
        if name in allowed:
            continue
        allowed.add(name)
        pending.extend(depends.get(name, ()))
    return allowed


def validate_views(env, views) -> list[str]:
    """Every problem of `views` (and of the combined views they take part in)."""
    errors: list[str] = []
    roots = {}
    allowed = _memoized_allowed(env)
    for view in views:
        try:
            own = parse_arch(view)
        except TesseraError as error:
            errors.append(str(error))
            continue
        errors.extend(_check_depends(env, view, own, allowed))
        root = view
        while root.inherit_id and root.mode == "extension":
            root = root.inherit_id
        roots[root.id] = root
        for child in env["ir.ui.view"].sudo().search([("inherit_id", "=", root.id),
                                                      ("mode", "=", "primary")]):
            roots[child.id] = child
    for root in roots.values():
        if root.model not in env.registry:
            errors.append(f"{describe(root)}: model {root.model!r} is not installed")
            continue
        try:
            _text, arch = combined_arch(root, annotate=True, errors=errors)
        except TesseraError as error:
            errors.append(str(error))
            continue
        expected = {"list": ("list", "tree")}.get(root.type, (root.type,))
        if arch.tag not in expected:
            errors.append(f"{describe(root)}: a {root.type} view's root must be "
                          f"<{expected[0]}>, not <{arch.tag}>")
        errors.extend(_check_node(env, root, env[root.model], arch, allowed))
    return list(dict.fromkeys(errors))


def _memoized_allowed(env):
    """allowed_addons(env, addon), computed once per addon."""
    cache: dict[str, set[str]] = {}

    def allowed(addon: str) -> set[str]:
        if addon not in cache:
            cache[addon] = allowed_addons(env, addon)
        return cache[addon]

    return allowed


def _check_depends(env, view, own, allowed) -> list[str]:
    """The view's model, and the fields its locators name, must come from addons its
    addon depends on (the fields of its nodes are checked in the combined arch, where
    the model of x2many sub-views is known)."""
    errors = []
    if not view.addon:
        return errors
    allowed = allowed(view.addon)
    registry = env.registry
    model_addon = registry.model_addons.get(view.model)
    if model_addon and model_addon not in allowed:
        errors.append(f"{describe(view)}: model {view.model!r} comes from addon "
                      f"{model_addon!r}, which {view.addon!r} does not depend on")
    locators = (list(own) if own.tag == "data" else [own]) if view.inherit_id else []
    for node in locators:
        if node.tag != "field":
            continue
        name = node.get("name")
        owners = registry.field_owners.get((view.model, name))
        if owners and not owners & allowed:
            errors.append(f"{describe(view, node.sourceline)}: locator field {name!r} of "
                          f"{view.model} comes from {', '.join(sorted(owners))}, which "
                          f"{view.addon!r} does not depend on")
    return errors


def _origin(env, view, element):
    """The view a node of a combined arch comes from, and its line in that view's arch."""
    origin = view
    view_id = element.get(VIEW_ATTR) or ""
    if view_id.isdigit() and int(view_id) != view.id:
        origin = env["ir.ui.view"].sudo().browse(int(view_id)).exists() or view
    line = element.get(LINE_ATTR) or ""
    return origin, int(line) if line.isdigit() else None


def _check_node(env, view, model, node, allowed) -> list[str]:
    errors = []

    def where(element):
        origin, line = _origin(env, view, element)
        return describe(origin, line)

    if node.tag == "calendar":
        for attribute in CALENDAR_FIELDS:
            name = node.get(attribute)
            if name and name not in model._fields:
                errors.append(f"{where(node)}: calendar {attribute}={name!r}: {model._name} "
                              "has no such field")
        if not node.get("date_start"):
            errors.append(f"{where(node)}: a calendar view needs date_start=\"field\"")
    for element in node:
        if not isinstance(element.tag, str):
            continue
        for attribute, value in element.attrib.items():
            if attribute in CONDITION_ATTRIBUTES or attribute.startswith("decoration-"):
                problem = condition_error(model, value)
                if problem:
                    errors.append(f"{where(element)}: {attribute}={value!r}: {problem}")
        if element.tag == "field":
            name = element.get("name")
            field = model._fields.get(name)
            if field is None:
                errors.append(f"{where(element)}: {model._name} has no field {name!r}")
                continue
            origin = (element.get(ADDON_ATTR) or "").split("+")[0]
            owners = env.registry.field_owners.get((model._name, name))
            if origin and owners and not owners & allowed(origin):
                errors.append(f"{where(element)}: field {name!r} of {model._name} comes from "
                              f"{', '.join(sorted(owners))}, which {origin!r} does not "
                              "depend on")
            for sub in element:
                if sub.tag in SUBVIEW_TAGS:
                    if not field.relational or field.type == "many2one":
                        errors.append(f"{where(element)}: field {name!r} is not an x2many and "
                                      f"cannot hold a <{sub.tag}>")
                        continue
                    errors.extend(_check_node(env, view, env[field.comodel_name], sub,
                                              allowed))
            continue
        if element.tag == "button" and element.get("type") == "object":
            method = element.get("name") or ""
            if method.startswith("_") or not callable(getattr(model, method, None)):
                errors.append(f"{where(element)}: button calls {method!r}, which is not a "
                              f"public method of {model._name}")
        if element.tag == "templates":
            errors.extend(f"{where(bad)}: {message}"
                          for bad, message in template_errors(element, model))
            continue
        if element.tag == "filter":
            for attribute in ("domain", "context"):
                text = element.get(attribute)
                if text:
                    try:
                        ast.parse(text, mode="eval")
                    except SyntaxError as error:
                        errors.append(f"{where(element)}: filter {element.get('name')!r}: "
                                      f"{attribute} is not a valid expression: {error.msg}")
        errors.extend(_check_node(env, view, model, element, allowed))
    return errors


# The kanban card template language: HTML from a short list, <field name> to show a
# value, and two directives that test a field (no expressions, nothing executed).
TEMPLATE_TAGS = {"t", "field", "div", "span", "strong", "em", "b", "i", "small", "p", "ul",
                 "li", "br", "hr", "h3", "h4", "a"}
TEMPLATE_DIRECTIVES = {"t-name", "t-if", "t-if-not"}
TEMPLATE_ATTRIBUTES = {"class", "name", "widget", "title", "string", "type", "href",
                       *META_ATTRS}


def template_errors(templates, model) -> list:
    """(element, message) for what a kanban `<templates>` block may not contain."""
    errors = []
    cards = [t for t in templates if t.tag == "t" and t.get("t-name") == "card"]
    if len(cards) != 1:
        errors.append((templates, 'a kanban <templates> holds exactly one <t t-name="card">'))
    for element in templates.iter(etree.Element):
        if element is templates:
            continue
        if element.tag not in TEMPLATE_TAGS:
            errors.append((element, f"<{element.tag}> is not allowed in a card template "
                                    f"(allowed: {', '.join(sorted(TEMPLATE_TAGS))})"))
        for attribute, value in element.attrib.items():
            if attribute.startswith("t-") and attribute not in TEMPLATE_DIRECTIVES \
                    and attribute not in TEMPLATE_ATTRIBUTES:
                errors.append((element, f"unknown directive {attribute}=... (the card "
                                        f"language has {', '.join(sorted(TEMPLATE_DIRECTIVES))})"))
            elif attribute in ("t-if", "t-if-not") and value not in model._fields:
                errors.append((element, f"{attribute}={value!r}: {model._name} has no such "
                                        "field (t-if tests one field, not an expression)"))
            elif attribute.lower().startswith("on") or (
                    attribute == "href" and not value.startswith(("/", "#", "mailto:", "tel:"))):
                errors.append((element, f"attribute {attribute}={value!r} is not allowed in a "
                                        "card template"))
        if element.tag == "field" and element.get("name") not in model._fields:
            errors.append((element, f"{model._name} has no field {element.get('name')!r}"))
    return errors


def condition_error(model, value: str) -> str | None:
    """Why `value` is not a valid condition of `model` (None when it is): "1", "0",
    "True", "False", a field name (true when the field is set), or a domain evaluated
    on the record, such as "[('state', '=', 'done')]"."""
    if value.strip() in ("1", "0", "True", "False", "true", "false"):
        return None
    if value.strip().isidentifier():  # a field name: "when the field is set"
        return None if value.strip() in model._fields else \
            f"{model._name} has no field {value.strip()!r}"
    try:
        domain = literal_eval(value)
    except TesseraError as error:
        return str(error)
    if not isinstance(domain, list):
        return "a condition is 1, 0 or a domain such as [('state', '=', 'done')]"
    try:
        parse(domain, model)
    except TesseraError as error:
        return str(error)
    return None
