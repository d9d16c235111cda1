"""CSV import of new records, with a report of every invalid row (`tessera import`, and
the web client's Import page).

The first row names the columns: a field's name (`partner_id`) or its label
(`Customer`, case-insensitive); a relation may take external ids with a `/id` suffix
(`partner_id/id`). Cells are converted with the data loader's rules (core.views.data)
made strict: a number, a date, a boolean (1/0, true/false, yes/no, on/off) or a
selection (its value or its label) that cannot be read is an error, not a silent
False. Dates and times are in the importing user's time zone. A many2one is found by
its exact name (case-insensitive) among the records the user may read, or by external
id; a many2many takes several, comma-separated. Empty cells leave the field to its
default.

Rows are created through the ORM as the environment's user: access rights, record
rules, required fields and constraints apply. All-or-nothing by default: one invalid
row and nothing is imported; with `skip_invalid`, the valid rows are imported (in the
caller's transaction) and the invalid ones reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from core.exceptions import AccessError, RetryableError, TesseraError, UserError, ValidationError
from core.views.data import TRUE_TEXT, text_value

FALSE_TEXT = {"0", "false", "no", "n", "off"}
IMPORTABLE_KINDS = {"column", "x2many", "inverse", "inverse_column"}
CHUNK = 200  # rows created together; a failing chunk is retried row by row


@dataclass
class RowError:
    """One problem: the row (1 is the header; None for the whole file), the column
    (as written in the header, or a field's label), and what is wrong."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"row {self.row}" if self.row is not None else "file"]
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where).capitalize()}: {self.message}"


@dataclass
class ImportReport:
    """What an import did: the rows read, the ids created, the problems found."""

    model: str
    rows: int = 0
    created_ids: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    fatal: bool = False  # a problem of the file itself: nothing could be imported
    skip_invalid: bool = False

    @property
    def ok(self) -> bool:
        """True when every row was valid (and was imported)."""
        return not self.errors

    @property
    def invalid_rows(self) -> int:
        """How many distinct rows are invalid."""
        return len({e.row for e in self.errors if e.row is not None})

    def summary(self) -> str:
        """One sentence saying what was imported, or why nothing was."""
        if self.fatal:
            return "Nothing imported: the file cannot be read as it is (see the errors)."
        invalid = self.invalid_rows
        if not self.errors:
            return f"Imported {len(self.created_ids)} record(s) into {self.model}."
        if self.skip_invalid:
            return (f"Imported {len(self.created_ids)} record(s) into {self.model}; skipped "
                    f"{invalid} invalid row(s).")
        return (f"Nothing imported: {invalid} of {self.rows} row(s) are invalid. Correct "
                f"them, or skip the invalid rows to import the {self.rows - invalid} valid "
                "one(s).")


@dataclass
class _Column:
    header: str
    field: object | None  # None: an ignored empty header
    external_id: bool = False


class _Rollback(Exception):
    """Leaves the import's savepoint so that everything it created is undone."""


def import_csv(model, data: bytes | str, skip_invalid: bool = False) -> ImportReport:
    """Create records of `model` (a recordset, whose environment's user imports) from
    the CSV `data`; returns an ImportReport. Nothing is created unless every row is
    valid, or `skip_invalid` is true (then the valid rows are)."""
    report = ImportReport(model._name, skip_invalid=skip_invalid)
    rows = _read_rows(data, report)
    if rows is None:
        return report
    header, *body = rows
    columns = _columns(model, header, report)
    if report.errors:
        report.fatal = True
        return report
    converter = _Converter(model, columns)
    converted = []
    for number, cells in enumerate(body, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are no rows
        report.rows += 1
        if len(cells) > len(columns):
            report.errors.append(RowError(number, None, f"{len(cells)} cells, but the header "
                                          f"has {len(columns)} columns."))
            continue
        values, errors = converter.row(number, cells)
        report.errors.extend(errors)
        if not errors:
            converted.append((number, values))
    if report.rows == 0:
        report.errors.append(RowError(None, None, "the file has a header but no rows."))
        report.fatal = True
        return report
    env = model.env
    try:
        with env.savepoint():
            report.created_ids = _create(model, converted, report, columns)
            if report.errors and not skip_invalid:
                raise _Rollback
    except _Rollback:
        report.created_ids = []
    report.errors.sort(key=lambda e: (e.row or 0))
    return report


def _read_rows(data: bytes | str, report: ImportReport) -> list[list[str]] | None:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            report.errors.append(RowError(None, None, f"the file is not UTF-8 text (byte "
                                          f"{error.start}): save it as CSV UTF-8."))
            report.fatal = True
            return None
    data = data.removeprefix("\ufeff")
    if not data.strip():
        report.errors.append(RowError(None, None, "the file is empty: the first row must "
                                      "name the columns."))
        report.fatal = True
        return None
    try:
        dialect = csv.Sniffer().sniff(data.partition("\n")[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        return list(csv.reader(io.StringIO(data, newline=""), delimiter=delimiter))
    except csv.Error as error:
        report.errors.append(RowError(None, None, f"the file is not valid CSV: {error}."))
        report.fatal = True
        return None


def _columns(model, header: list[str], report: ImportReport) -> list[_Column]:
    """The header's columns as fields (errors for unknown or unusable ones)."""
    by_label: dict[str, list] = {}
    for name, model_field in model._fields.items():
        by_label.setdefault((model_field.string or name).strip().lower(), []).append(
            model_field)
    columns, seen = [], {}
    policy = model._security()
    for text in header:
        title = text.strip()
        if not title:
            columns.append(_Column(text, None))
            continue
        base, external = title, False
        for suffix in ("/id", ":id"):
            if title.lower().endswith(suffix):
                base, external = title[: -len(suffix)].strip(), True
        problem, found = None, model._fields.get(base)
        if found is None:
            candidates = by_label.get(base.lower(), [])
            if len(candidates) > 1:
                names = ", ".join(sorted(f.name for f in candidates))
                problem = f"several fields are labelled {base!r}: use a field name ({names})."
            elif candidates:
                found = candidates[0]
        if found is None and problem is None:
            if base.lower() == "id":
                problem = ("an import only creates records: remove the id column "
                           "(external ids are not given to imported records).")
            else:
                problem = (f"{model._name} has no field named or labelled {base!r}: check the "
                           "spelling (field names and labels are shown on the import page).")
        elif found is not None:
            problem = _unusable(model, found, external, policy)
            if problem is None and found.name in seen:
                problem = (f"the field {found.name!r} is already given by column "
                           f"{seen[found.name]!r}.")
        if problem:
            report.errors.append(RowError(1, title, problem))
            continue
        seen[found.name] = title
        columns.append(_Column(title, found, external))
    return columns


def importable_fields(model) -> list[dict]:
    """The fields a CSV file may give for `model`, as the current user: {"name",
    "label", "type", "required" (a column is needed: no default), "relation"}, the
    required ones first, then by label (for the import page)."""
    policy = model._security()
    found = []
    for name, model_field in model._fields.items():
        if _unusable(model, model_field, False, policy) is None:
            needed = bool(model_field.required) and name not in model.default_get([name])
            found.append({"name": name, "label": model_field.string or name,
                          "type": model_field.type, "required": needed,
                          "relation": model_field.comodel_name if model_field.relational
                          else None})
    return sorted(found, key=lambda f: (not f["required"], f["label"].lower()))


def _unusable(model, model_field, external: bool, policy) -> str | None:
    """Why a field cannot be imported (None when it can)."""
    kind = model._write_kinds.get(model_field.name)
    if kind == "magic":
        return f"{model_field.name!r} is set by the system."
    if kind not in IMPORTABLE_KINDS or model_field.type in ("one2many", "binary"):
        return f"{model_field.string or model_field.name!r} cannot be imported (it is " \
               f"{'computed' if model_field.computed else 'read-only or a ' + model_field.type})."
    if external and not model_field.relational:
        return f"{model_field.name!r} is not a relation: external ids (/id) do not apply."
    if policy is not None and not policy.field_allowed(model.env.uid, model_field):
        return f"you may not set {model_field.string or model_field.name!r}."
    return None


class _Converter:
    """Turns the cells of a row into `create` values (many2one lookups are cached)."""

    def __init__(self, model, columns: list[_Column]):
        self.model = model
        self.columns = columns
        self.zone = model.env.tz
        self.names: dict[tuple[str, str], list[int]] = {}
        self.xmlids: dict[str, tuple[str, int] | None] = {}

    def row(self, number: int, cells: list[str]) -> tuple[dict, list[RowError]]:
        """(values, errors) of one row."""
        values, errors = {}, []
        for column, text in zip(self.columns, cells):
            if column.field is None or not text.strip():
                continue
            try:
                values[column.field.name] = self.value(column, text)
            except ValidationError as error:
                errors.append(RowError(number, column.header, str(error)))
        return values, errors

    def value(self, column: _Column, text: str):
        """The ORM value of one cell (ValidationError when it cannot be read)."""
        model_field, kind = column.field, column.field.type
        clean = text.strip()
        if kind in ("char", "text", "html"):
            return clean if kind == "char" else text
        if kind == "boolean":
            lowered = clean.lower()
            if lowered not in TRUE_TEXT | FALSE_TEXT:
                raise ValidationError(f"{clean!r} is not a yes/no value: write 1 or 0, "
                                      "true or false, yes or no.")
            return text_value(model_field, lowered)
        if kind in ("integer", "float", "monetary"):
            return _number(model_field, clean)
        if kind == "date":
            try:
                return dt.date.fromisoformat(clean).isoformat()
            except ValueError:
                raise ValidationError(f"{clean!r} is not a date: write YYYY-MM-DD.") from None
        if kind == "datetime":
            return _datetime(clean, self.zone)
        if kind == "selection":
            return _selection(self.model, model_field, clean)
        if kind == "many2one":
            return self.record_id(model_field, clean, column.external_id)
        if kind == "many2many":
            parts = [p.strip() for p in clean.split(",") if p.strip()]
            ids = [self.record_id(model_field, part, column.external_id) for part in parts]
            return [(6, 0, list(dict.fromkeys(ids)))]
        raise ValidationError(f"a {kind} field cannot be imported.")

    def record_id(self, model_field, text: str, external: bool) -> int:
        """The id of the record of the field's comodel named (or with external id)
        `text`, among those the user may read."""
        comodel = self.model.env[model_field.comodel_name]
        label = comodel._description or comodel._name
        if external:
            return self._by_xmlid(comodel, text, label)
        key = (comodel._name, text.lower())
        if key not in self.names:
            found = [rid for rid, name in comodel.name_search(text, operator="=ilike", limit=20)
                     if name.strip().lower() == text.lower()]
            if not found:  # the display name may differ from the name field (contacts)
                found = [rid for rid, name in comodel.name_search(text, limit=20)
                         if name.strip().lower() == text.lower()]
            self.names[key] = found
        found = self.names[key]
        if not found:
            raise ValidationError(f"no {label} is named {text!r} (among those you may see).")
        if len(found) > 1:
            raise ValidationError(f"{len(found)} {label} records are named {text!r}: give an "
                                  f"external id in a column {model_field.name + '/id'!r}.")
        return found[0]

    def _by_xmlid(self, comodel, text: str, label: str) -> int:
        if text not in self.xmlids:
            addon, dot, name = text.partition(".")
            found = None
            if dot:
                # external ids are metadata every importer may resolve; whether the user
                # may use the record is checked below with their own rights
                data = self.model.env["ir.model.data"].sudo().search(
                    [("addon", "=", addon), ("name", "=", name)], limit=1)
                found = (data.model, data.res_id) if data else None
            self.xmlids[text] = found
        found = self.xmlids[text]
        if found is None or found[0] != comodel._name:
            raise ValidationError(f"no {label} has the external id {text!r} (write it as "
                                  "addon.name).")
        if not comodel.search([("id", "=", found[1])], limit=1):
            raise ValidationError(f"the {label} {text!r} does not exist or you may not see it.")
        return found[1]


def _number(model_field, text: str):
    try:
        if model_field.type == "integer":
            return int(text.replace(" ", ""))
        number = float(text.replace(" ", ""))
    except ValueError:
        kind = "a whole number" if model_field.type == "integer" else "a number"
        raise ValidationError(f"{text!r} is not {kind} (write 1234.5, with a dot)."
                              ) from None
    if not math.isfinite(number):
        raise ValidationError(f"{text!r} is not a number.")
    return number


def _datetime(text: str, zone: ZoneInfo) -> str:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not a date and time: write YYYY-MM-DD HH:MM "
                              f"(in your time zone, {zone.key}).") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def _selection(model, model_field, text: str) -> str:
    options = model_field.get_selection(model)
    lowered = text.lower()
    for value, label in options:
        if lowered in (str(value).lower(), str(label).lower()):
            return value
    allowed = ", ".join(f"{label} ({value})" for value, label in options)
    raise ValidationError(f"{text!r} is not one of: {allowed}.")



def _create(model, converted: list[tuple[int, dict]], report: ImportReport,
            columns: list[_Column]) -> list[int]:
    """Create the converted rows, by chunks; a chunk that fails is created again row by
    row to find (and report) the rows at fault."""
    headers = {c.field.name: c.header for c in columns if c.field is not None}
    created = []
    for start in range(0, len(converted), CHUNK):
        chunk = converted[start:start + CHUNK]
        try:
            created.extend(model.create([values for _, values in chunk]).ids)
            continue
        except (ValidationError, UserError, AccessError):
            pass  # create() is atomic: nothing of the chunk is left
        for number, values in chunk:
            try:
                created.extend(model.create(values).ids)
            except (ValidationError, UserError, AccessError) as error:
                name = getattr(error, "field", None)
                column = headers.get(name) or (model._fields[name].string
                                               if name in model._fields else None)
                report.errors.append(RowError(number, column, str(error)))
            except RetryableError:
                raise  # a lost race on PostgreSQL: the whole transaction runs again
            except TesseraError as error:
                report.errors.append(RowError(number, None, str(error)))
    return created
