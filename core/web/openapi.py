"""How records look in the JSON API: field values to and from JSON, checks of JSON input,
and the OpenAPI 3.1 document describing the models a caller may read (docs/api.md).

JSON shapes by field type: many2one `{"id": 3, "display_name": "..."}` or null (written as
an id or null); one2many/many2many a list of ids (written as ids, "set to these", or ORM
commands); date "YYYY-MM-DD"; datetime "YYYY-MM-DDTHH:MM:SSZ" (UTC); binary base64; an
empty value of any other non-boolean, non-numeric field is null.
"""

from __future__ import annotations

import base64
import binascii
import math

from core.exceptions import ValidationError
from core.web.window import may as model_may

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
_DOMAIN_OPERATORS = ("&", "|", "!")
_LIST_OPERATORS = ("in", "not in", "child_of", "parent_of")
_SCALARS = (str, int, float, bool, type(None))
_LIKE_OPERATORS = ("like", "ilike", "not like", "not ilike", "=like", "=ilike")
_TEXT_TYPES = ("char", "text", "html", "selection")
_RELATIONAL_TYPES = ("many2one", "one2many", "many2many")
_EXPECTED = {"integer": (int, float), "float": (int, float), "monetary": (int, float),
             "boolean": (bool,), "binary": (), "date": (str,), "datetime": (str,),
             **dict.fromkeys(_TEXT_TYPES, (str,)), **dict.fromkeys(_RELATIONAL_TYPES, (int, str))}
_EXPECTED_TEXT = {(int, float): "a number", (bool,): "true or false", (): "null only",
                  (str,): "a string", (int, str): "an id or a name"}
_SYSTEM_FIELDS = ("id", "create_date", "write_date", "create_uid", "write_uid")


# -- values -------------------------------------------------------------------------------
def default_fields(described: dict) -> list[str]:
    """The fields answered when none are asked for: stored, readable (in `described`, the
    model's fields_get()), not binary."""
    return [name for name, info in described.items()
            if info["store"] and info["type"] != "binary" and name != "id"]


def to_json(records, names) -> list[dict]:
    """`records` as JSON-ready dicts with `id` and the fields `names` (one read())."""
    if not records:
        return []
    rows = records.read(list(names))
    kinds = {name: records._fields[name].type for name in names}
    for row in rows:
        for name, kind in kinds.items():
            row[name] = _value_to_json(kind, row[name])
    return rows


def _value_to_json(kind: str, value):
    if kind in ("boolean", "integer", "float", "monetary", "one2many", "many2many"):
        return value
    if value is False or value is None:
        return None
    if kind == "many2one":
        return {"id": value[0], "display_name": value[1]}
    if kind == "datetime":
        return value.replace(" ", "T") + "Z"
    if kind == "binary":
        return base64.b64encode(value).decode("ascii")
    return value


def from_json(records, body: dict) -> dict:
    """ORM values from a JSON object: many2one `{"id": ..}` objects become ids and binary
    values are base64-decoded; the ORM validates everything else (unknown fields too)."""
    values = {}
    for name, value in body.items():
        field = records._fields.get(name)
        kind = field.type if field is not None else None
        if kind == "many2one" and isinstance(value, dict) and "id" in value:
            value = value["id"]
        elif kind == "binary" and isinstance(value, str):
            try:
                value = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError) as error:
                raise ValidationError(f"{records._name}.{name}: binary values are sent as "
                                      "base64 text.") from error
        values[name] = value
    return values


def json_problem(value) -> str | None:
    """What makes decoded JSON unusable (numbers out of range), or None."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int) and not INT_MIN <= item <= INT_MAX:
            return f"the number {str(item)[:30]} is out of range (64-bit integers)"
        elif isinstance(item, float) and not math.isfinite(item):
            return "numbers must be finite"
    return None


def domain_problem(domain, records) -> str | None:
    """What is wrong with a JSON domain on `records`' model, or None: a list of "&", "|",
    "!" and [field, operator, value] terms whose value suits the field's type (a string
    for text, dates and names, a number for numbers and ids...), or a list of such values
    for in, not in, child_of, parent_of. The ORM checks the fields and the operators."""
    if not isinstance(domain, list):
        return "a JSON list is expected"
    for term in domain:
        if term in _DOMAIN_OPERATORS:
            continue
        if not isinstance(term, list) or len(term) != 3:
            return f"{_short(term)} is neither '&', '|', '!' nor [field, operator, value]"
        path, operator, value = term
        if not isinstance(path, (str, int)) or not isinstance(operator, str):
            return f"{_short(term)}: the field and the operator must be strings"
        if isinstance(value, list) and operator.lower() not in _LIST_OPERATORS:
            return f"{_short(term)}: a list value needs one of the operators " \
                   f"{', '.join(_LIST_OPERATORS)}"
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(item, _SCALARS) for item in values):
            return f"{_short(term)}: the value must be a string, number, boolean, null " \
                   "or a list of these"
        field = _searched_field(records, path) if isinstance(path, str) else None
        problem = _value_problem(field, operator.lower(), values) if field else None
        if problem:
            return f"{_short(term)}: {problem}"
    return None


def _searched_field(records, path: str, depth: int = 0):
    """The stored field a domain path ends on (related fields followed), or None when
    the ORM decides (unknown names, fields searched by a method)."""
    names = path.split(".")
    for index, name in enumerate(names):
        field = records._fields.get(name)
        if field is None or depth > 5:
            return None
        rest = ".".join(names[index + 1:])
        if not field.store:
            return _searched_field(records, ".".join(filter(None, (field.related, rest))),
                                   depth + 1) if field.related else None
        if not rest:
            return field
        if not field.relational:
            return None
        records = records.env[field.comodel_name]
    return None


def _value_problem(field, operator: str, values: list) -> str | None:
    kind = field.type
    if operator in ("child_of", "parent_of"):
        return None
    if operator in _LIKE_OPERATORS and kind not in _TEXT_TYPES + _RELATIONAL_TYPES:
        return f"{operator} compares text, and {field.name} is of type {kind}"
    expected = _EXPECTED[kind] if operator not in _LIKE_OPERATORS else (str,)
    for item in values:
        if item is None or item is False:
            continue
        if (isinstance(item, bool) and kind != "boolean") or not isinstance(item, expected):
            return f"{field.name} is of type {kind}: compare it with " \
                   f"{_EXPECTED_TEXT[expected]} (or null)"
    return None


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# -- the OpenAPI document -------------------------------------------------------------------
def may(env, model: str, operation: str) -> bool:
    """Whether the caller's access lines allow `operation` on `model`."""
    return model_may(env[model], operation)


def build_document(env, prefix: str) -> dict:
    """The OpenAPI 3.1 document of the models the caller may read: one list/create path
    and one read/update/delete path per model (the operations allowed to the caller), and
    a record and an input schema per model (fields of other groups left out)."""
    paths, schemas = {}, dict(_COMMON_SCHEMAS)
    for name in sorted(env.registry):
        if env.registry[name]._abstract or not may(env, name, "read"):
            continue
        model = env[name]
        record, write = _model_schemas(model)
        schemas[name], schemas[f"{name}.input"] = record, write
        paths.update(_model_paths(env, model, prefix))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tessera JSON API", "version": "1",
                 "description": "Records of the installed models, with the caller's access "
                                "rights, record rules and field groups."},
        "paths": paths,
        "components": {"schemas": schemas, "responses": {"Error": _ERROR_RESPONSE},
                       "securitySchemes": _SECURITY_SCHEMES},
        "security": [{"apiKey": []}, {"session": []}],
    }


def _model_schemas(model) -> tuple[dict, dict]:
    """(record schema, input schema) of a model from fields_get()."""
    described = model.fields_get()
    required = [n for n, info in described.items() if info["required"]
                and not model._fields[n].computed]
    defaults = model.default_get(required)
    props, inputs = {}, {}
    for name, info in described.items():
        field = model._fields[name]
        schema = _field_schema(info)
        read_only = (info["readonly"] or name in _SYSTEM_FIELDS
                     or (field.computed and not field.inverse))
        if info.get("string"):
            schema["title"] = info["string"]
        if info.get("help"):
            schema["description"] = info["help"]
        if read_only:
            schema["readOnly"] = True
        else:
            inputs[name] = {**schema, **_input_override(info)}
        props[name] = schema
    record = {"type": "object", "title": model._description or model._name,
              "properties": props, "required": ["id"]}
    write = {"type": "object", "properties": inputs, "additionalProperties": False,
             "required": [n for n in required if n not in defaults and n in inputs]}
    return record, write


def _field_schema(info: dict) -> dict:
    kind = info["type"]
    if kind == "selection":
        return {"type": ["string", "null"], "enum": [v for v, _l in info["selection"]] + [None]}
    if kind == "many2one":
        return {"anyOf": [{"$ref": "#/components/schemas/Many2one"}, {"type": "null"}],
                "x-relation": info["relation"]}
    if kind in ("one2many", "many2many"):
        return {"type": "array", "items": {"type": "integer"}, "x-relation": info["relation"]}
    return dict(_PLAIN_SCHEMAS.get(kind, {}))


def _input_override(info: dict) -> dict:
    """How an input value differs from the value read (relations are written by id)."""
    if info["type"] == "many2one":
        return {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    if info["type"] in ("one2many", "many2many"):
        return {"type": "array", "items": {"anyOf": [
            {"type": "integer"}, {"$ref": "#/components/schemas/X2manyCommand"}]}}
    return {}


def _model_paths(env, model, prefix: str) -> dict:
    name = model._name
    ref = {"$ref": f"#/components/schemas/{name}"}
    page = {"type": "object", "required": ["records", "count"], "properties": {
        "records": {"type": "array", "items": ref}, "count": {"type": "integer"}}}
    collection = {"get": _operation(name, "list", f"Search {name} records", {
        "200": _json(page, "The records of the page and the total count")}, _LIST_PARAMETERS)}
    if may(env, name, "create"):
        collection["post"] = _operation(name, "create", f"Create a {name} record",
                                        {"201": _json(ref, "The new record")}, body=True)
    item = {"parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "get": _operation(name, "read", f"Read a {name}", {"200": _json(ref, "The record")})}
    if may(env, name, "write"):
        item["patch"] = _operation(name, "update", f"Update a {name}",
                                   {"200": _json(ref, "The record")}, body=True)
    if may(env, name, "unlink"):
        item["delete"] = _operation(name, "delete", f"Delete a {name}",
                                    {"204": {"description": "Deleted"}}, fields=False)
    return {f"{prefix}/{name}": collection, f"{prefix}/{name}/{{id}}": item}


def _operation(model: str, verb: str, summary: str, responses: dict, parameters=(),
               body: bool = False, fields: bool = True) -> dict:
    errors = {code: {"$ref": "#/components/responses/Error"}
              for code in ("400", "401", "403", "404", "409", "503")}
    operation = {"operationId": f"{model}.{verb}", "tags": [model], "summary": summary,
                 "parameters": [*parameters, *([_FIELDS_PARAMETER] if fields else [])],
                 "responses": {**responses, **errors}}
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{model}.input"}}}}
    return operation


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


_FIELDS_PARAMETER = _query("fields", "Comma-separated field names (or a JSON list); default: "
                           "the stored, readable, non-binary fields", {"type": "string"})
_LIST_PARAMETERS = [
    _query("domain", 'A JSON domain, e.g. [["name","ilike","a"]]', {"type": "string"}),
    _query("limit", "Records per page", {"type": "integer", "minimum": 0, "maximum": 1000,
                                         "default": 80}),
    _query("offset", "Records to skip", {"type": "integer", "minimum": 0, "default": 0}),
    _query("order", "e.g. 'name desc, id'", {"type": "string"}),
]
_NULLABLE_TEXT = {"type": ["string", "null"]}
_PLAIN_SCHEMAS = {
    "char": _NULLABLE_TEXT, "text": _NULLABLE_TEXT, "html": _NULLABLE_TEXT,
    "date": {**_NULLABLE_TEXT, "format": "date"},
    "datetime": {**_NULLABLE_TEXT, "format": "date-time"},
    "integer": {"type": "integer"}, "float": {"type": "number"},
    "monetary": {"type": "number"}, "boolean": {"type": "boolean"},
    "binary": {**_NULLABLE_TEXT, "contentEncoding": "base64"},
}
_ERROR_RESPONSE = _json({"$ref": "#/components/schemas/Error"}, "An error")
_COMMON_SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
    "Many2one": {"type": "object", "required": ["id", "display_name"],
                 "properties": {"id": {"type": "integer"}, "display_name": {"type": "string"}}},
    "X2manyCommand": {"type": "array", "minItems": 1, "maxItems": 3,
                      "description": "An ORM command: [0, 0, {values}], [1, id, {values}], "
                                     "[2, id], [3, id], [4, id], [5], [6, 0, [ids]]"},
}
_SECURITY_SCHEMES = {
    "apiKey": {"type": "http", "scheme": "bearer",
               "description": "An API key (tsk_...) from `tessera user api-key LOGIN`"},
    "session": {"type": "apiKey", "in": "cookie", "name": "tessera_session",
                "description": "The web client's session; POST, PATCH and DELETE also need "
                               "the X-CSRF-Token header"},
}
