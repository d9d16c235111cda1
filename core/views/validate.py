"""Validating views against the registry, all errors of an install reported at once.

A view is checked twice: its own arch against the addons its addon depends on (a
reference to a model or field of an addon outside `depends` would break when that
addon is uninstalled), and the combined arch of every primary view it belongs to
against the models (fields exist, object buttons name methods, locators match).
"""

from __future__ import annotations

import ast

from core.exceptions import TesseraError
from core.views.arch import ADDON_ATTR, combined_arch, describe, parse_arch

SUBVIEW_TAGS = ("list", "tree", "form", "kanban")
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
    for view in views:
        try:
            own = parse_arch(view)
        except TesseraError as error:
            errors.append(str(error))
            continue
        errors.extend(_check_depends(env, view, own))
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
            _text, arch = combined_arch(root, annotate=True)
        except TesseraError as error:
            errors.append(str(error))
            continue
        expected = {"list": ("list", "tree")}.get(root.type, (root.type,))
        if arch.tag not in expected:
            errors.append(f"{describe(root)}: a {root.type} view's root must be "
                          f"<{expected[0]}>, not <{arch.tag}>")
        errors.extend(_check_node(env, root, env[root.model], arch))
    return list(dict.fromkeys(errors))


def _check_depends(env, view, own) -> list[str]:
    errors = []
    if not view.addon:
        return errors
    allowed = allowed_addons(env, view.addon)
    registry = env.registry
    model_addon = registry.model_addons.get(view.model)
    if model_addon and model_addon not in allowed:
        errors.append(f"{describe(view)}: model {view.model!r} comes from addon "
                      f"{model_addon!r}, which {view.addon!r} does not depend on")
    for node in own.iter("field"):
        name = node.get("name")
        owners = registry.field_owners.get((view.model, name))
        if owners and not owners & allowed:
            errors.append(f"{describe(view, node.sourceline)}: field {name!r} of {view.model} "
                          f"comes from {', '.join(sorted(owners))}, which {view.addon!r} does "
                          "not depend on")
    return errors


def _check_node(env, view, model, node) -> list[str]:
    errors = []

    def where(element):
        return f"{describe(view)} (node from addon {element.get(ADDON_ATTR) or '?'})"

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
        if element.tag == "field":
            name = element.get("name")
            field = model._fields.get(name)
            if field is None:
                errors.append(f"{where(element)}: {model._name} has no field {name!r}")
                continue
            for sub in element:
                if sub.tag in SUBVIEW_TAGS:
                    if not field.relational or field.type == "many2one":
                        errors.append(f"{where(element)}: field {name!r} is not an x2many and "
                                      f"cannot hold a <{sub.tag}>")
                        continue
                    errors.extend(_check_node(env, view, env[field.comodel_name], sub))
            continue
        if element.tag == "button" and element.get("type") == "object":
            method = element.get("name") or ""
            if method.startswith("_") or not callable(getattr(model, method, None)):
                errors.append(f"{where(element)}: button calls {method!r}, which is not a "
                              f"public method of {model._name}")
        if element.tag == "filter":
            for attribute in ("domain", "context"):
                text = element.get(attribute)
                if text:
                    try:
                        ast.parse(text, mode="eval")
                    except SyntaxError as error:
                        errors.append(f"{where(element)}: filter {element.get('name')!r}: "
                                      f"{attribute} is not a valid expression: {error.msg}")
        errors.extend(_check_node(env, view, model, element))
    return errors
