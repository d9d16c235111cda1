"""Loading data files (XML and CSV) into the database, with external ids.

XML: a `<tessera>` (or `<odoo>`) root holding `<record model id>` elements with
`<field name>` children (text, `ref="xmlid"`, `eval="literal or ref('x')"`, where
`relative_date(n)` and `relative_datetime(n, "HH:MM")` give dates n days from the
load, `type="xml"` for view architectures), `<delete model id|search>`, and `<data
noupdate="1">` sections. CSV: the model comes from the file name
(`res.partner.category.csv`), an `id` column gives external ids, `field/id`
columns reference other records by external id (comma-separated for x2many).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from core.exceptions import AddonError, TesseraError, ValidationError
from core.views.safe_eval import literal_eval
from core.views.validate import allowed_addons

ROOT_TAGS = ("tessera", "odoo")
TRUE_TEXT = {"1", "true", "yes", "y", "on"}


class DataLoader:
    """Loads one addon's data files. `mode` is "install" (create everything) or
    "update" (upgrade: leave `noupdate` records as users changed them). The external
    ids seen are kept in `seen`, so an upgrade can remove records no longer declared."""

    # tag -> method name; the views layer adds menus, actions and templates
    tag_handlers: dict[str, str] = {"record": "_xml_record", "delete": "_xml_delete",
                                    "menuitem": "_xml_menuitem"}

    def __init__(self, env, addon: str, mode: str = "install"):
        self.env = env(su=True)
        self.addon = addon
        self.mode = mode
        self.seen: set[tuple[str, str]] = set()
        self.views: list[int] = []  # ir.ui.view records created or updated
        self._where = ""
        self._allowed: set[str] | None = None

    # -- external ids ------------------------------------------------------------
    def _split(self, xmlid: str) -> tuple[str, str]:
        if "." in xmlid:
            addon, name = xmlid.split(".", 1)
            return addon, name
        return self.addon, xmlid

    def allowed(self) -> set[str]:
        """Addons whose external ids this addon may use: itself and its dependencies."""
        if self._allowed is None:
            self._allowed = allowed_addons(self.env, self.addon)
        return self._allowed

    def ref(self, xmlid: str) -> int:
        """The database id of the record with external id `xmlid` ("addon.name", or
        "name" within the addon being loaded)."""
        addon, name = self._split(xmlid)
        self._check_allowed(addon, f"external id {addon}.{name}")
        found = self.env["ir.model.data"].search([("addon", "=", addon), ("name", "=", name)],
                                                 limit=1)
        if not found:
            raise ValidationError(f"external id {addon}.{name} does not exist (is it defined "
                                  "earlier in the data files, or in an addon in `depends`?)")
        return found.res_id

    def _check_allowed(self, addon: str, what: str) -> None:
        """Refuse `what` (an external id, a model) when it belongs to an addon outside
        `depends`: the data would break when that addon is uninstalled."""
        if addon not in self.allowed():
            raise ValidationError(f"{what} belongs to addon {addon!r}, which {self.addon!r} "
                                  "does not depend on: add it to `depends`")

    def _check_model(self, model: str) -> None:
        owner = self.env.registry.model_addons.get(model)
        if owner:
            self._check_allowed(owner, f"model {model!r}")

    def _check_field(self, model: str, name: str) -> None:
        owners = self.env.registry.field_owners.get((model, name))
        if owners and not owners & self.allowed():
            raise ValidationError(f"field {name!r} of {model} comes from "
                                  f"{', '.join(map(repr, sorted(owners)))}, which "
                                  f"{self.addon!r} does not depend on: add it to `depends`")

    def save(self, model: str, xmlid: str | None, values: dict, noupdate: bool = False):
        """Create or update the record of `xmlid` with `values`; returns the record."""
        records = self.env[model]
        if not xmlid:
            return records.create(values)
        addon, name = self._split(xmlid)
        self._check_allowed(addon, f"external id {addon}.{name}")
        self.seen.add((addon, name))
        data = self.env["ir.model.data"].search([("addon", "=", addon), ("name", "=", name)],
                                                limit=1)
        record = records.browse(data.res_id).exists() if data else records.browse(())
        if data and bool(data.noupdate) != bool(noupdate) and self.mode == "update":
            data.write({"noupdate": noupdate})  # the record moved into or out of noupdate
        if data and data.model != model:
            raise ValidationError(f"external id {addon}.{name} belongs to a {data.model} "
                                  f"record, not a {model} one")
        if record:
            if not (self.mode == "update" and data.noupdate):
                record.write(values)
            return record
        if data and data.noupdate and self.mode == "update":
            return record  # a user deleted this noupdate record: an upgrade respects that
        record = records.create(values)
        if data:
            data.write({"res_id": record.id})
        else:
            self.env["ir.model.data"].create({"addon": addon, "name": name, "model": model,
                                              "res_id": record.id, "noupdate": noupdate})
        return record

    # -- files -------------------------------------------------------------------
    def load_file(self, path: Path, relative: str) -> None:
        """Load one data file; any error names the addon, file and line."""
        loader: Callable = {".xml": self._load_xml, ".csv": self._load_csv}.get(path.suffix)
        if loader is None:
            raise AddonError(f"addon {self.addon!r}: data file {relative!r} must be .xml or .csv")
        self._where = relative
        loader(path, relative)

    def _fail(self, line, error) -> AddonError:
        where = f"{self._where}:{line}" if line else self._where
        return AddonError(f"addon {self.addon!r}, {where}: {error}")

    def _load_xml(self, path: Path, relative: str) -> None:
        try:
            tree = etree.parse(str(path), etree.XMLParser(remove_comments=True,
                                                          resolve_entities=False))
        except etree.XMLSyntaxError as error:
            raise self._fail(error.lineno, f"invalid XML: {error.msg}") from error
        root = tree.getroot()
        if root.tag not in ROOT_TAGS:
            raise self._fail(root.sourceline, f"the root element must be <tessera> (or <odoo>), "
                                              f"not <{root.tag}>")
        noupdate = _truthy(root.get("noupdate"))
        for element in root:
            if element.tag == "data":
                section = _truthy(element.get("noupdate")) or noupdate
                for child in element:
                    self._xml_element(child, section)
            else:
                self._xml_element(element, noupdate)

    def _xml_element(self, element, noupdate: bool) -> None:
        handler = self.tag_handlers.get(element.tag)
        if handler is None:
            raise self._fail(element.sourceline, f"unknown element <{element.tag}> (allowed: "
                                                 f"{', '.join(sorted(self.tag_handlers))})")
        with self._at(element, element.get("id")):
            getattr(self, handler)(element, noupdate)

    @contextlib.contextmanager
    def _at(self, element, record: str | None):
        """Errors raised in the block name the file and line of `element` (and the
        external id `record`)."""
        try:
            yield
        except AddonError:
            raise
        except (TesseraError, ValueError, TypeError) as error:
            what = f"record {record!r}: " if record else ""
            raise self._fail(element.sourceline, f"{what}{error}") from error

    def _xml_record(self, element, noupdate: bool) -> None:
        model = element.get("model")
        if not model or model not in self.env.registry:
            raise ValidationError(f"<record> needs a model attribute naming an installed "
                                  f"model, got {model!r}")
        self._check_model(model)
        values = {}
        for child in element:
            if child.tag != "field":
                raise self._fail(child.sourceline, f"<record> holds <field> elements, not "
                                                   f"<{child.tag}>")
            name = child.get("name")
            field = self.env[model]._fields.get(name)
            if field is None:
                raise self._fail(child.sourceline, f"{model} has no field {name!r}")
            with self._at(child, element.get("id")):
                self._check_field(model, name)
                values[name] = self._xml_value(field, child)
            if model == "ir.ui.view" and name == "arch":
                first = next((c for c in child if isinstance(c.tag, str)), child)
                values["source"] = f"{self._where}:{first.sourceline}"
        if model == "ir.ui.view":
            self._complete_view(values)
        record = self.save(model, element.get("id"), values, noupdate)
        if model == "ir.ui.view" and record:
            self.views.append(record.id)

    def _complete_view(self, values: dict) -> None:
        """Fill what a view record may leave out: addon, type (from the arch's root, or
        the view it extends), mode (extension when it inherits)."""
        values.setdefault("addon", self.addon)
        if values.get("inherit_id"):
            values.setdefault("mode", "extension")
            parent = self.env["ir.ui.view"].browse(values["inherit_id"])
            values.setdefault("model", parent.model)
            values.setdefault("type", parent.type)
        elif "type" not in values and values.get("arch"):
            tag = etree.fromstring(values["arch"].encode()).tag
            values["type"] = "list" if tag == "tree" else tag
        if not values.get("name"):
            values["name"] = f"{values.get('model', 'view')}.{values.get('type', 'view')}"

    def _xml_value(self, field, element):
        if element.get("ref"):
            target = self.ref(element.get("ref"))
            return [(6, 0, [target])] if field.type in ("one2many", "many2many") else target
        if element.get("eval") is not None:
            return literal_eval(element.get("eval"), {"ref": self.ref, **RELATIVE_DATES})
        if element.get("type") == "xml":
            return "".join(etree.tostring(child, encoding="unicode", with_tail=False)
                           for child in element if isinstance(child.tag, str))
        return text_value(field, element.text or "")

    def _xml_menuitem(self, element, noupdate: bool, parent_id: int | None = None) -> None:
        values = {}
        if element.get("action"):
            values["action_id"] = self.ref(element.get("action"))
        name = element.get("name")
        if not name and values.get("action_id"):
            name = self.env["ir.actions.window"].browse(values["action_id"]).name
        if not name:
            raise ValidationError("<menuitem> needs a name (or an action to take it from)")
        values["name"] = name
        if element.get("parent"):
            values["parent_id"] = self.ref(element.get("parent"))
        elif parent_id:
            values["parent_id"] = parent_id
        if element.get("groups"):
            values["groups_id"] = [(6, 0, [self.ref(xmlid.strip())
                                          for xmlid in element.get("groups").split(",")])]
        for attribute in ("sequence", "web_icon"):
            if element.get(attribute) is not None:
                value = element.get(attribute)
                values[attribute] = int(value) if attribute == "sequence" else value
        if not element.get("id"):
            raise ValidationError("<menuitem> needs an id")
        menu = self.save("ir.ui.menu", element.get("id"), values, noupdate)
        for child in element:
            if child.tag != "menuitem":
                raise self._fail(child.sourceline, f"<menuitem> holds <menuitem> elements, "
                                                   f"not <{child.tag}>")
            with self._at(child, child.get("id")):
                self._xml_menuitem(child, noupdate, menu.id)

    def _xml_delete(self, element, _noupdate: bool) -> None:
        model = element.get("model")
        if not model or model not in self.env.registry:
            raise ValidationError(f"<delete> needs a model attribute naming an installed "
                                  f"model, got {model!r}")
        self._check_model(model)
        if element.get("id"):
            addon, name = self._split(element.get("id"))
            self._check_allowed(addon, f"external id {addon}.{name}")
            data = self.env["ir.model.data"].search([("addon", "=", addon),
                                                     ("name", "=", name)], limit=1)
            if data:
                self.env[model].browse(data.res_id).exists().unlink()
                data.unlink()
        elif element.get("search"):
            domain = literal_eval(element.get("search"), {"ref": self.ref})
            self.env[model].search(domain).unlink()
        else:
            raise ValidationError("<delete> needs an id or a search attribute")

    def _load_csv(self, path: Path, relative: str) -> None:
        # security/access.csv holds model access lines; other files are named after a model
        model = "ir.model.access" if path.name == "access.csv" else path.stem
        if model not in self.env.registry:
            raise AddonError(f"addon {self.addon!r}, {relative}: the file name must be the "
                             f"model name; {model!r} is not an installed model")
        fields_by_name = self.env[model]._fields
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            try:
                self._check_model(model)
                for column in reader.fieldnames or []:
                    name = column.split("/")[0].split(":")[0]
                    if column == "id":
                        continue
                    if name not in fields_by_name:
                        raise ValidationError(f"{model} has no field {name!r} (column "
                                              f"{column!r})")
                    self._check_field(model, name)
            except ValidationError as error:
                raise self._fail(1, str(error)) from error
            for line, row in enumerate(reader, start=2):
                try:
                    values = {}
                    for column, text in row.items():
                        if column == "id":
                            continue
                        name = column.split("/")[0].split(":")[0]
                        field = fields_by_name[name]
                        if column.endswith(("/id", ":id")):
                            ids = [self.ref(x.strip()) for x in (text or "").split(",")
                                   if x.strip()]
                            if field.type in ("one2many", "many2many"):
                                values[name] = [(6, 0, ids)]
                            else:
                                values[name] = ids[0] if ids else False
                        else:
                            values[name] = text_value(field, text or "")
                    self.save(model, row.get("id") or None, values)
                except (TesseraError, ValueError, TypeError) as error:
                    if isinstance(error, AddonError):
                        raise
                    raise self._fail(line, f"record {row.get('id')!r}: {error}") from error


def relative_date(days: int) -> str:
    """`eval="relative_date(-3)"`: the date `days` from the day the file is loaded (demo
    data that stays current: overdue activities, meetings this month)."""
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def relative_datetime(days: int, time: str = "09:00") -> str:
    """`eval="relative_datetime(2, '14:30')"`: that UTC time, `days` from the day the file
    is loaded."""
    try:
        clock = dt.time.fromisoformat(time)
    except ValueError as error:
        raise ValidationError(f"relative_datetime: {time!r} is not a time like '14:30'") \
            from error
    moment = dt.datetime.combine(dt.date.today() + dt.timedelta(days=days), clock)
    return moment.isoformat(sep=" ", timespec="seconds")


RELATIVE_DATES = {"relative_date": relative_date, "relative_datetime": relative_datetime}


def text_value(field, text: str):
    """The value of a field written as text in a data file."""
    kind = field.type
    if kind == "boolean":
        return text.strip().lower() in TRUE_TEXT
    if kind == "integer":
        return int(text) if text.strip() else False
    if kind in ("float", "monetary"):
        return float(text) if text.strip() else False
    if kind in ("many2one", "one2many", "many2many"):
        raise ValidationError(f"field {field.name!r} is a relation: give it with ref= or eval=")
    if kind in ("char", "selection", "date", "datetime") and not text.strip():
        return False
    return text


def _truthy(value) -> bool:
    return bool(value) and str(value).strip().lower() in TRUE_TEXT
