"""View architectures: combining a primary view with its extensions.

An extension's arch is one locator, or a `<data>` holding several. A locator is
`<xpath expr="..." position="...">`, the `<field name="x" position="...">`
shorthand, or any element whose tag and attributes identify the target (`<page
name="notes" position="after">`). Positions: inside (default), after, before,
replace, attributes (with `<attribute name="x">value</attribute>` children). Each
locator must match exactly one node, so an extension never lands somewhere by luck.
"""

from __future__ import annotations

import copy

from lxml import etree

from core.exceptions import ValidationError

ADDON_ATTR = "t-addon"  # marks which addon contributed a node (stripped from output)
VIEW_ATTR = "t-view-id"  # ... and which view, at which line of its arch (for errors)
LINE_ATTR = "t-line"
META_ATTRS = (ADDON_ATTR, VIEW_ATTR, LINE_ATTR)
POSITIONS = ("inside", "after", "before", "replace", "attributes")


class ArchError(ValidationError):
    """An arch that cannot be parsed or combined; the message names the view, the
    addon, the file and line and the locator."""


def parse_arch(view) -> etree._Element:
    """The arch of one view record as an element tree, each node marked with its addon,
    its view and its line in the view's arch."""
    try:
        root = etree.fromstring(view.arch.strip().encode("utf-8"),
                                etree.XMLParser(remove_comments=True, resolve_entities=False))
    except etree.XMLSyntaxError as error:
        raise ArchError(f"{describe(view)}: invalid XML: {error}") from error
    for node in root.iter(etree.Element):
        node.set(ADDON_ATTR, view.addon or "")
        node.set(VIEW_ATTR, str(view.id))
        node.set(LINE_ATTR, str(node.sourceline or ""))
    return root


def describe(view, line: int | None = None) -> str:
    """`view 'crm.partner_form' (addon crm, views/partner.xml:12)` for error messages."""
    source = view.source or "?"
    if line and ":" in source:
        path, _, start = source.rpartition(":")
        if start.isdigit():
            source = f"{path}:{int(start) + line - 1}"
    xmlid = view.env["ir.model.data"].sudo().search(
        [("model", "=", "ir.ui.view"), ("res_id", "=", view.id)], limit=1)
    name = f"{xmlid.addon}.{xmlid.name}" if xmlid else view.name
    return f"view {name!r} (addon {view.addon or '?'}, {source})"


def combined_arch(view, annotate: bool = False, errors: list[str] | None = None):
    """(XML string, root element) of `view` with its extensions applied. With
    `annotate`, every node keeps a `t-addon` attribute naming its addon (and `t-view-id`,
    `t-line`). A locator that cannot be applied raises ArchError, or, when `errors` is a
    list, is recorded there and skipped (to report every problem at once)."""
    root = _resolve(view, errors)
    text = etree.tostring(root if annotate else _stripped(root), encoding="unicode")
    return text, root


def _resolve(view, errors=None) -> etree._Element:
    if view.inherit_id and view.mode == "primary":
        root = copy.deepcopy(_resolve(view.inherit_id, errors))
        apply_extension(root, view, errors)
    else:
        root = parse_arch(view)
    for extension in _extensions(view):
        _apply_tree(root, extension, errors)
    return root


def _apply_tree(root, extension, errors=None) -> None:
    apply_extension(root, extension, errors)
    for child in _extensions(extension):
        _apply_tree(root, child, errors)


def _extensions(view) -> list:
    """The active extension views of `view`, in addon install order then priority."""
    children = view.env["ir.ui.view"].sudo().search(
        [("inherit_id", "=", view.id), ("mode", "=", "extension")])
    rank = {addon: index for index, addon in enumerate(view.env.registry.addons)}
    return sorted(children, key=lambda v: (rank.get(v.addon, len(rank)), v.priority, v.id))


def apply_extension(root, view, errors: list[str] | None = None) -> None:
    """Apply the locators of extension `view` to `root` in place. A failing locator
    raises ArchError, or with `errors` (a list) is recorded there and skipped."""
    try:
        spec_root = parse_arch(view)
    except ArchError as error:
        if errors is None:
            raise
        errors.append(str(error))
        return
    specs = list(spec_root) if spec_root.tag == "data" else [spec_root]
    for spec in specs:
        try:
            _apply_spec(root, spec, view)
        except ArchError as error:
            if errors is None:
                raise
            errors.append(str(error))


def _apply_spec(root, spec, view) -> None:
    expression = locator_text(spec)
    try:
        targets = locate(root, spec)
    except ValidationError as error:
        raise ArchError(f"{describe(view, spec.sourceline)}: locator {expression}: "
                        f"{error}") from error
    if len(targets) != 1:
        found = "nothing" if not targets else f"{len(targets)} nodes"
        raise ArchError(f"{describe(view, spec.sourceline)}: locator {expression} matches "
                        f"{found} in the view it extends; it must match exactly one "
                        "(make the xpath more precise)")
    position = spec.get("position", "inside")
    if position not in POSITIONS:
        raise ArchError(f"{describe(view, spec.sourceline)}: position {position!r} of "
                        f"{expression} must be one of {', '.join(POSITIONS)}")
    _place(targets[0], spec, position, view)


def locator_text(spec) -> str:
    """How a locator is written, for error messages."""
    if spec.tag == "xpath":
        return f"<xpath expr={spec.get('expr')!r}>"
    attrs = " ".join(f'{k}="{v}"' for k, v in spec.attrib.items()
                     if k != "position" and k not in META_ATTRS)
    return f"<{spec.tag} {attrs}>"


def locate(root, spec) -> list:
    """The nodes of `root` a locator designates."""
    if spec.tag == "xpath":
        expression = spec.get("expr") or ""
        try:
            found = root.xpath(expression) if expression.startswith("/") is False \
                else etree.ElementTree(root).xpath(expression)
        except etree.XPathError as error:
            raise ValidationError(f"invalid xpath {expression!r}: {error}") from error
        return [node for node in found if isinstance(node, etree._Element)]
    wanted = {k: v for k, v in spec.attrib.items()
              if k != "position" and k not in META_ATTRS}
    return [node for node in root.iter(spec.tag)
            if all(node.get(k) == v for k, v in wanted.items())]


def _place(target, spec, position: str, view) -> None:
    children = [copy.deepcopy(child) for child in spec]
    for child in children:
        for node in child.iter(etree.Element):
            node.set(ADDON_ATTR, view.addon or "")
    if position == "inside":
        target.extend(children)
    elif position == "after":
        anchor = target
        for child in children:
            anchor.addnext(child)
            anchor = child
    elif position == "before":
        for child in children:
            target.addprevious(child)
    elif position == "replace":
        parent = target.getparent()
        if parent is None:
            if len(children) != 1:
                raise ArchError(f"{describe(view, spec.sourceline)}: replacing the root needs "
                                "exactly one new root element")
            target.clear()
            target.tag = children[0].tag
            target.attrib.update(children[0].attrib)
            target.extend(list(children[0]))
            return
        for child in children:
            target.addprevious(child)
        parent.remove(target)
    else:  # attributes
        for attribute in spec:
            if attribute.tag != "attribute" or not attribute.get("name"):
                raise ArchError(f"{describe(view, attribute.sourceline)}: position="
                                "\"attributes\" holds <attribute name=\"...\"> elements")
            value = (attribute.text or "").strip()
            if value:
                target.set(attribute.get("name"), value)
            else:
                target.attrib.pop(attribute.get("name"), None)
        target.set(ADDON_ATTR, f"{target.get(ADDON_ATTR, '')}+{view.addon or ''}".strip("+"))


def _stripped(root):
    clean = copy.deepcopy(root)
    for node in clean.iter(etree.Element):
        for attribute in META_ATTRS:
            node.attrib.pop(attribute, None)
    return clean


def explain(view) -> str:
    """The combined arch, indented, each line ending with the addon(s) that gave it."""
    _text, root = combined_arch(view, annotate=True)
    lines: list[str] = []

    def walk(node, depth):
        addon = node.get(ADDON_ATTR, "")
        attrs = " ".join(f'{k}="{v}"' for k, v in node.attrib.items()
                         if k not in META_ATTRS)
        opening = f"<{node.tag}{' ' + attrs if attrs else ''}"
        children = list(node)
        text = (node.text or "").strip()
        if not children and not text:
            lines.append(f"{'  ' * depth}{opening}/>    [{addon}]")
            return
        lines.append(f"{'  ' * depth}{opening}>{text}    [{addon}]")
        for child in children:
            if isinstance(child, etree._Element):
                walk(child, depth + 1)
        lines.append(f"{'  ' * depth}</{node.tag}>")

    walk(root, 0)
    return "\n".join(lines)


def default_arch(model, view_type: str) -> str:
    """A usable arch when a model has no view of a type: every stored, non-magic field."""
    names = [name for name, field in model._fields.items()
             if name not in ("id", "display_name", "create_date", "write_date", "create_uid",
                             "write_uid") and field.type != "binary"]
    rec_name = model._rec_name_field() or "display_name"
    if view_type == "form":
        fields_xml = "".join(f'<field name="{n}"/>' for n in names)
        return f"<form><sheet><group>{fields_xml}</group></sheet></form>"
    if view_type == "search":
        return f'<search><field name="{rec_name}"/></search>'
    if view_type == "kanban":
        return (f'<kanban><templates><t t-name="card"><field name="{rec_name}"/></t>'
                "</templates></kanban>")
    if view_type in ("graph", "pivot"):
        return f"<{view_type}/>"
    if view_type == "calendar":
        raise ValidationError(f"{model._name} has no calendar view: a calendar needs "
                              "date_start, which cannot be guessed")
    columns = [n for n in names if model._fields[n].type not in ("one2many", "many2many",
                                                                 "text", "html")][:6]
    return "<list>" + "".join(f'<field name="{n}"/>' for n in columns) + "</list>"
