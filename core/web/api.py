"""The JSON API at /api/v1 (docs/api.md): list, read, create, update and delete records of
any installed model, and an OpenAPI document of what the caller may use.

Every request runs in one transaction as its caller (API key or session cookie), so access
rights, record rules and field groups apply as everywhere else; an error rolls the whole
request back. Values travel as described in `core.web.openapi` (`to_json`, `from_json`).
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from core.exceptions import (
    AccessError,
    MissingError,
    RetryableError,
    UserError,
    ValidationError,
)
from core.web import openapi
from core.web.auth import csrf_ok, visitor_of

_logger = logging.getLogger(__name__)

PREFIX = "/api/v1"
DEFAULT_LIMIT = 80
MAX_LIMIT = 1000
RETRIES = 3  # a request that lost a race (PostgreSQL) runs again up to 3 more times
MAX_BODY = 16 * 1024 * 1024
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class ApiError(Exception):
    """An error answered as `{"error": {"code", "message"}}` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


class ApiRequest(Request):
    """A request whose body may not exceed MAX_BODY bytes."""

    max_content_length = MAX_BODY


_ROUTES = Map([
    Rule(f"{PREFIX}/openapi.json", endpoint="openapi", methods=["GET"]),
    Rule(f"{PREFIX}/<model>", endpoint="list", methods=["GET"]),
    Rule(f"{PREFIX}/<model>", endpoint="create", methods=["POST"]),
    Rule(f"{PREFIX}/<model>/<int:rid>", endpoint="read", methods=["GET"]),
    Rule(f"{PREFIX}/<model>/<int:rid>", endpoint="update", methods=["PATCH"]),
    Rule(f"{PREFIX}/<model>/<int:rid>", endpoint="delete", methods=["DELETE"]),
], merge_slashes=False, strict_slashes=False)


def api_app(database):
    """The WSGI application of the JSON API of `database` (a `core.Database`), to be
    mounted for the paths starting with /api/."""

    def application(environ, start_response):
        request = ApiRequest(environ)
        try:
            endpoint, args = _ROUTES.bind_to_environ(environ).match()
            response = _run(database, request, _ENDPOINTS[endpoint], args)
        except ApiError as error:
            response = error_response(error)
        except MethodNotAllowed as error:
            allowed = ", ".join(sorted(error.valid_methods or ()))
            response = error_response(ApiError(
                405, "method_not_allowed", f"{request.method} is not allowed on "
                f"{request.path}; use {allowed}.", {"Allow": allowed}))
        except HTTPException as error:
            code = {404: "not_found", 413: "too_large"}.get(error.code, "bad_request")
            response = error_response(ApiError(error.code or 400, code,
                                               _http_message(error, request)))
        return response(environ, start_response)

    return application


def _http_message(error: HTTPException, request: Request) -> str:
    if error.code == 404:
        return (f"No API route {request.path}: use {PREFIX}/<model>, {PREFIX}/<model>/<id> "
                f"or {PREFIX}/openapi.json.")
    return error.description or error.name


def _run(database, request: Request, endpoint, args) -> Response:
    """Run `endpoint` in one transaction as the caller, again when it lost a race; map
    errors to JSON answers (the transaction is rolled back before)."""
    request.get_data(cache=True)  # read once: a retry and the CSRF check reuse it
    for _attempt in range(RETRIES + 1):
        try:
            return _in_transaction(database, request, endpoint, args)
        except RetryableError:
            continue
        except ApiError:
            raise
        except (ValidationError, sa_exc.DataError) as error:
            raise ApiError(400, _invalid_code(error), _message(error)) from error
        except AccessError as error:
            raise ApiError(403, "forbidden", str(error)) from error
        except MissingError as error:
            raise ApiError(404, "not_found", str(error)) from error
        except UserError as error:
            raise ApiError(409, "user_error", str(error)) from error
        except HTTPException:
            raise
        except Exception as error:
            _logger.exception("JSON API: %s %s failed", request.method, request.path)
            raise ApiError(500, "internal_error", "An unexpected error occurred; nothing was "
                           "saved. The server log has the details.") from error
    raise ApiError(503, "busy", f"The request lost a race with other transactions "
                   f"{RETRIES + 1} times; nothing was saved. Try again later.",
                   {"Retry-After": "1"})


def _invalid_code(error: Exception) -> str:
    text = str(error)
    if text.startswith("Invalid domain"):
        return "invalid_domain"
    if text.startswith("Invalid order"):
        return "invalid_parameter"
    return "validation_error"


def _message(error: Exception) -> str:
    if isinstance(error, sa_exc.DataError):  # e.g. text compared with a number column
        detail = str(error.orig).strip().splitlines()[0] if error.orig else ""
        return f"The database refused a value of the request: {detail}. Check its types."
    return str(error)


def _in_transaction(database, request: Request, endpoint, args) -> Response:
    with database.env() as root:
        visitor = visitor_of(root, request)
        if visitor.anonymous:
            raise ApiError(401, "unauthorized", "Authentication required: send "
                           "'Authorization: Bearer <API key>' (tessera user api-key LOGIN) "
                           "or log in to get a session cookie.",
                           {"WWW-Authenticate": 'Bearer realm="tessera"'})
        if not csrf_ok(visitor, request):
            raise ApiError(403, "csrf_failed", "With a session cookie, POST, PATCH and DELETE "
                           "must send the session's CSRF token in the X-CSRF-Token header.")
        env = root(user=visitor.uid)
        # answered only once the transaction is committed (the `with` ends normally)
        return endpoint(env, request, **args)


# -- endpoints --------------------------------------------------------------------------
def list_records(env, request: Request, model: str) -> Response:
    """GET /api/v1/<model>: {"records": [...], "count": total matching}."""
    records = _model(env, model)
    domain = _domain(request, records)
    names = _field_names(records, request)
    limit = _int_param(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    offset = _int_param(request, "offset", 0, 2**53)
    order = request.args.get("order") or None
    count = records.search_count(domain)
    found = records.search(domain, offset=offset, limit=limit, order=order) if limit \
        else records.browse(())
    return json_response({"records": openapi.to_json(found, names), "count": count})


def read_record(env, request: Request, model: str, rid: int) -> Response:
    """GET /api/v1/<model>/<id>: one record."""
    record = _record(env, model, rid)
    return json_response(openapi.to_json(record, _field_names(record, request))[0])


def create_record(env, request: Request, model: str) -> Response:
    """POST /api/v1/<model>: create from a JSON object; 201 with the new record."""
    records = _model(env, model)
    names = _field_names(records, request)
    record = records.create(openapi.from_json(records, _json_object(request)))
    try:
        body = openapi.to_json(record, names)[0]
    except AccessError:  # created, but the read rules hide it from its creator
        body = {"id": record.id}
    return json_response(body, 201, {"Location": f"{PREFIX}/{model}/{record.id}"})


def update_record(env, request: Request, model: str, rid: int) -> Response:
    """PATCH /api/v1/<model>/<id>: write the JSON object; 200 with the record."""
    record = _record(env, model, rid)
    names = _field_names(record, request)
    record.write(openapi.from_json(record, _json_object(request)))
    return json_response(openapi.to_json(record, names)[0])


def delete_record(env, request: Request, model: str, rid: int) -> Response:
    """DELETE /api/v1/<model>/<id>: unlink; 204."""
    _record(env, model, rid).unlink()
    return json_response(None, 204)


def openapi_document(env, request: Request) -> Response:
    """GET /api/v1/openapi.json: the OpenAPI 3.1 document of what the caller may read."""
    return json_response(openapi.build_document(env, PREFIX))


_ENDPOINTS = {"list": list_records, "read": read_record, "create": create_record,
              "update": update_record, "delete": delete_record, "openapi": openapi_document}


# -- request parsing ----------------------------------------------------------------------
def _model(env, name: str):
    if name not in env.registry or env.registry[name]._abstract:
        raise ApiError(404, "unknown_model", f"No model {name!r} is installed: check the "
                       f"name, or list the models you may use in {PREFIX}/openapi.json.")
    return env[name]


def _record(env, model: str, rid: int):
    """The record `rid`, or 404 when it does not exist or the caller's read rules hide it
    (the API does not tell which: a hidden record's existence is not revealed)."""
    records = _model(env, model).with_context(active_test=False)
    record = records.search([("id", "=", rid)]) if rid < 2**63 else records.browse(())
    if not record:
        raise ApiError(404, "not_found", f"No {model} record with id {rid}: it does not "
                       "exist, or your access rules do not let you see it.")
    return record.with_context(active_test=True)


def _field_names(records, request: Request) -> list[str]:
    described = records.fields_get()  # the fields the caller may read
    raw = request.args.get("fields", "").strip()
    if not raw:
        return openapi.default_fields(described)
    if raw.startswith("["):
        names = _parse_json(raw, "the fields parameter")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ApiError(400, "invalid_parameter", "fields must be a comma-separated list "
                           'or a JSON list of field names, e.g. fields=name,amount.')
    else:
        names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in records._fields]
    if unknown:
        raise ApiError(400, "unknown_field", f"{records._name} has no field "
                       f"{', '.join(map(repr, unknown))}: see its schema in "
                       f"{PREFIX}/openapi.json.")
    hidden = [name for name in names if name not in described]
    if hidden:
        raise ApiError(403, "forbidden", f"You may not read the field(s) "
                       f"{', '.join(map(repr, hidden))} of {records._name}: they are reserved "
                       "to other groups.")
    return [name for name in dict.fromkeys(names) if name != "id"]


def _int_param(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > maximum:
        raise ApiError(400, "invalid_parameter", f"{name} must be a whole number from 0 to "
                       f"{maximum}, got {raw[:40]!r}.")
    return int(raw)


def _domain(request: Request, records) -> list:
    raw = request.args.get("domain", "").strip()
    if not raw:
        return []
    domain = _parse_json(raw, "the domain parameter")
    problem = openapi.domain_problem(domain, records)
    if problem:
        raise ApiError(400, "invalid_domain", f"Invalid domain on {records._name}: {problem}. "
                       'Example: domain=[["name","ilike","a"]]')
    return domain


def _json_object(request: Request) -> dict:
    body = _parse_json(request.get_data(cache=True), "the request body")
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "The request body must be a JSON object of field "
                       'values, e.g. {"name": "New"}.')
    return body


def _parse_json(raw, what: str):
    def refuse(constant):
        raise ValueError(f"{constant} is not allowed")

    try:
        value = json.loads(raw, parse_constant=refuse)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, "invalid_json", f"{what.capitalize()} is not valid JSON "
                       f"({str(error)[:120]}).") from error
    problem = openapi.json_problem(value)
    if problem:
        raise ApiError(400, "invalid_json", f"{what.capitalize()}: {problem}.")
    return value


# -- responses ------------------------------------------------------------------------------
def json_response(payload, status: int = 200, headers=None) -> Response:
    """A JSON response with the API's headers (no caching, no content sniffing)."""
    body = b"" if status == 204 else json.dumps(payload, ensure_ascii=False).encode()
    response = Response(body, status=status, content_type="application/json")
    response.headers.update({**HEADERS, **(headers or {})})
    return response


def error_response(error: ApiError) -> Response:
    """The JSON answer of an ApiError."""
    return json_response({"error": {"code": error.code, "message": error.message}},
                         error.status, error.headers)
