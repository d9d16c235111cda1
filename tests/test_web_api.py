"""The JSON API at /api/v1 (core.web.api): authentication (API key, session cookie with
CSRF), list/read/create/update/delete, access rights, record rules and field groups as
the ORM enforces them, JSON errors, one transaction per request, the OpenAPI document and
query counts that do not grow with the records.

Every test runs on SQLite and on PostgreSQL. The world (tests/security_support.py) is
shared by the module: tests change only records they create, and `cleanup` deletes them.
"""

from __future__ import annotations

import json
import logging

import pytest
from werkzeug.test import Client

from core.exceptions import RetryableError, ValidationError
from core.web import api, openapi
from core.web.api import api_app
from tests.conftest import ENGINES
from tests.security_support import (
    LINE,
    ORDER,
    ORDER_NAMES,
    VISIBLE,
    World,
    count_queries,
    security_world,
)

BASE = "/api/v1"


@pytest.fixture(scope="module", params=ENGINES)
def world(request, tmp_path_factory):
    yield from security_world(request, tmp_path_factory)


@pytest.fixture(scope="module")
def keys(world: World) -> dict[str, str]:
    """An API key per user of the world."""
    with world.database.env() as env:
        return {login: env["res.users.apikey"].generate(uid, f"{login} test key")
                for login, uid in world.users.items()}


@pytest.fixture(scope="module")
def client(world: World) -> Client:
    return Client(api_app(world.database))


@pytest.fixture(autouse=True)
def cleanup(world: World):
    """Delete the orders and tags a test created (lines go with their orders)."""
    yield
    with world.database.env() as env:
        env[ORDER].search([("id", "not in", list(world.orders.values()))]).unlink()
        env["sec_test.tag"].search([("id", "not in", list(world.tags.values()))]).unlink()


def call(client, method, path, key=None, **kwargs):
    """Send a request, with `Authorization: Bearer <key>` when a key is given."""
    headers = dict(kwargs.pop("headers", {}))
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return client.open(path, method=method, headers=headers, **kwargs)


def error_of(response, status: int) -> dict:
    """The error object of a JSON error answer, after checking its status and shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message"} and error["message"]
    assert "Traceback" not in error["message"]
    return error


def names(response) -> list[str]:
    return [record["name"] for record in response.get_json()["records"]]


def stored(world: World, domain) -> list[dict]:
    """Orders matching `domain`, read as superuser in a fresh transaction."""
    with world.database.env() as env:
        found = env[ORDER].search(domain)
        return found.read(["name", "amount", "margin"]) if found else []


# -- authentication ------------------------------------------------------------------------
def test_anonymous_callers_and_bad_keys_get_401(client, keys):
    for key in (None, "tsk_not-a-key", keys["alice"] + "x"):
        response = call(client, "GET", f"{BASE}/{ORDER}", key)
        assert error_of(response, 401)["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_of(call(client, "GET", f"{BASE}/openapi.json"), 401)
    assert error_of(call(client, "POST", f"{BASE}/{ORDER}", json={"name": "x"}), 401)
    # an unknown model says nothing more to an anonymous caller
    assert error_of(call(client, "GET", f"{BASE}/no.such.model"), 401)


def test_answers_are_json_never_cached_nor_sniffed(client, keys):
    for response in (call(client, "GET", f"{BASE}/{ORDER}", keys["alice"]),
                     call(client, "GET", f"{BASE}/{ORDER}")):
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        json.loads(response.get_data())


def test_session_cookie_needs_the_csrf_token_to_change_data(world, keys):
    with world.database.env() as env:
        sid, csrf = env["res.users.session"].open(world.users["alice"])
    browser = Client(api_app(world.database))
    browser.set_cookie("tessera_session", sid)
    listed = browser.get(f"{BASE}/{ORDER}")
    assert listed.status_code == 200 and set(names(listed)) == {
        ORDER_NAMES[k] for k in VISIBLE["alice"]}
    values = {"name": "Cookie order", "user_id": world.users["alice"]}
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        refused = browser.post(f"{BASE}/{ORDER}", json=values, headers=headers)
        assert error_of(refused, 403)["code"] == "csrf_failed"
    own = world.orders["alice_own"]
    assert error_of(browser.patch(f"{BASE}/{ORDER}/{own}", json={"amount": 99}), 403)
    assert error_of(browser.delete(f"{BASE}/{ORDER}/{own}"), 403)
    assert not stored(world, [("name", "=", "Cookie order")])
    assert stored(world, [("id", "=", own)])[0]["amount"] == 10
    created = browser.post(f"{BASE}/{ORDER}", json=values, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    assert created.get_json()["create_uid"]["id"] == world.users["alice"]
    # an API key needs no CSRF token, and wins over a cookie
    with_key = call(browser, "POST", f"{BASE}/{ORDER}", keys["eve"],
                    json={"name": "Key order", "user_id": world.users["eve"]})
    assert with_key.status_code == 201
    assert with_key.get_json()["create_uid"]["id"] == world.users["eve"]
    with world.database.env() as env:
        env["res.users.session"].find(sid).close()
    assert error_of(browser.get(f"{BASE}/{ORDER}"), 401)


# -- listing -----------------------------------------------------------------------------
def test_each_user_lists_exactly_what_the_record_rules_allow(client, keys):
    for login, visible in VISIBLE.items():
        response = call(client, "GET", f"{BASE}/{ORDER}", keys[login])
        assert response.status_code == 200
        assert set(names(response)) == {ORDER_NAMES[k] for k in visible}, login
        assert response.get_json()["count"] == len(visible)


def test_list_with_domain_fields_limit_offset_and_order(client, keys):
    key = keys["carol"]  # sees six orders
    everything = call(client, "GET", f"{BASE}/{ORDER}", key,
                      query_string={"order": "name desc", "fields": "name"})
    expected = sorted((ORDER_NAMES[k] for k in VISIBLE["carol"]), reverse=True)
    assert names(everything) == expected
    page = call(client, "GET", f"{BASE}/{ORDER}", key, query_string={
        "order": "name desc", "limit": "2", "offset": "1", "fields": "name,amount"})
    body = page.get_json()
    assert body["count"] == 6 and names(page) == expected[1:3]
    assert all(set(record) == {"id", "name", "amount"} for record in body["records"])
    filtered = call(client, "GET", f"{BASE}/{ORDER}", key, query_string={
        "domain": json.dumps(["|", ["name", "ilike", "OWN"], ["amount", ">=", 60]]),
        "fields": json.dumps(["name"]), "order": "amount desc, id", "limit": "3"})
    assert filtered.get_json()["count"] == 4
    assert names(filtered) == ["Published order", "Completed shipment", "Bob own order"]
    narrow = call(client, "GET", f"{BASE}/{ORDER}", key, query_string={
        "domain": '[["amount", "<", 25], ["state", "=", "draft"]]'})
    assert narrow.get_json()["count"] == 2
    assert set(names(narrow)) == {"Alice own order", "Bob own order"}
    counted = call(client, "GET", f"{BASE}/{ORDER}", key, query_string={"limit": "0"})
    assert counted.get_json() == {"records": [], "count": 6}


def test_default_fields_are_stored_readable_and_shaped_for_json(client, keys, world):
    response = call(client, "GET", f"{BASE}/{ORDER}/{world.orders['alice_own']}", keys["alice"])
    record = response.get_json()
    assert {"id", "name", "user_id", "department_id", "state", "amount", "line_ids",
            "tag_id", "create_date", "write_uid"} <= set(record)
    assert "margin" not in record and "display_name" not in record  # other group; computed
    assert record["user_id"] == {"id": world.users["alice"], "display_name": "Alice"}
    assert record["tag_id"] == {"id": world.tags["urgent"], "display_name": "Urgent"}
    assert record["department_id"] is None and record["confidential"] is False
    # the hidden line is left out of the one2many
    assert record["line_ids"] == [world.lines["alice_line"]]
    assert record["create_date"].endswith("Z") and "T" in record["create_date"]
    shown = call(client, "GET", f"{BASE}/{ORDER}/{world.orders['alice_own']}", keys["alice"],
                 query_string={"fields": "display_name,state"}).get_json()
    assert shown == {"id": world.orders["alice_own"], "display_name": "Alice own order",
                     "state": "draft"}


def test_bad_list_parameters_are_400(client, keys):
    key = keys["alice"]
    cases = {
        "invalid_json": [{"domain": "[[name, =, 1]"}, {"domain": '[["amount", "=", NaN]]'},
                         {"domain": '[["id", "=", 1' + "0" * 30 + "]]"},
                         {"fields": "[name"}],
        "invalid_domain": [{"domain": '{"name": "x"}'}, {"domain": '[["nope", "=", 1]]'},
                           {"domain": '[["name", "~", "x"]]'}, {"domain": '["&"]'},
                           {"domain": '[["amount", "=", "abc"]]'},
                           {"domain": '[["name", "=", {"a": 1}]]'},
                           {"domain": '[["amount", "like", 3]]'},
                           {"domain": '[["state", "in", [1]]]'},
                           {"domain": '[["create_date", ">", "yesterday"]]'}],
        "invalid_parameter": [{"limit": "1001"}, {"limit": "-1"}, {"limit": "ten"},
                              {"offset": "-5"}, {"order": "name sideways"},
                              {"order": "nope"}],
        "unknown_field": [{"fields": "name,nope"}, {"fields": '["name", "nope"]'}],
    }
    for code, queries in cases.items():
        for query in queries:
            response = call(client, "GET", f"{BASE}/{ORDER}", key, query_string=query)
            assert error_of(response, 400)["code"] == code, query


def test_sql_looking_values_are_plain_values(client, keys, world):
    key = keys["carol"]
    for value in ("x' OR '1'='1", "'); DROP TABLE sec_test_order; --", "%", "_"):
        response = call(client, "GET", f"{BASE}/{ORDER}", key, query_string={
            "domain": json.dumps([["name", "=", value]])})
        assert response.get_json() == {"records": [], "count": 0}
        by_name = call(client, "GET", f"{BASE}/{ORDER}", key, query_string={
            "domain": json.dumps([["user_id", "=", value]])})
        assert by_name.get_json()["count"] == 0
    sneaky = "Robert'); DROP TABLE sec_test_order; --"
    created = call(client, "POST", f"{BASE}/{ORDER}", key, json={"name": sneaky})
    assert created.get_json()["name"] == sneaky
    assert call(client, "GET", f"{BASE}/{ORDER}", key).get_json()["count"] == 7
    assert error_of(call(client, "GET", f"{BASE}/sec_test.order;DROP", key), 404)
    assert error_of(call(client, "GET", f"{BASE}/{ORDER}", key,
                         query_string={"order": "name; DROP TABLE x"}), 400)


# -- one record ----------------------------------------------------------------------------
def test_records_outside_the_rules_are_404_like_missing_ones(client, keys, world):
    key = keys["alice"]
    for key_name in ("bob_own", "secret", "cancelled", "published"):
        rid = world.orders[key_name]
        for method, kwargs in (("GET", {}), ("PATCH", {"json": {"amount": 1}}),
                               ("DELETE", {})):
            response = call(client, method, f"{BASE}/{ORDER}/{rid}", key, **kwargs)
            assert error_of(response, 404)["code"] == "not_found"
    missing = call(client, "GET", f"{BASE}/{ORDER}/999999", key)
    hidden = call(client, "GET", f"{BASE}/{ORDER}/{world.orders['bob_own']}", key)
    assert error_of(missing, 404)["message"].replace("999999", "N") == \
        error_of(hidden, 404)["message"].replace(str(world.orders["bob_own"]), "N")
    assert stored(world, [("id", "=", world.orders["bob_own"])])[0]["amount"] == 20


def test_readable_but_not_writable_or_deletable_is_403(client, keys, world):
    done = world.orders["done"]  # alice reads it, the "done orders are frozen" rule
    assert call(client, "GET", f"{BASE}/{ORDER}/{done}", keys["alice"]).status_code == 200
    error = error_of(call(client, "PATCH", f"{BASE}/{ORDER}/{done}", keys["alice"],
                          json={"amount": 1}), 403)
    assert error["code"] == "forbidden" and "Done orders are frozen" in error["message"]
    # employees have no delete right on orders at all
    own = world.orders["alice_own"]
    assert error_of(call(client, "DELETE", f"{BASE}/{ORDER}/{own}", keys["alice"]), 403)
    assert stored(world, [("id", "in", [done, own])])[0]["amount"] in (10, 60)
    assert len(stored(world, [("id", "in", [done, own])])) == 2


def test_users_without_access_get_403(client, keys, world):
    key = keys["dave"]
    assert error_of(call(client, "GET", f"{BASE}/{ORDER}", key), 403)["code"] == "forbidden"
    assert error_of(call(client, "GET", f"{BASE}/{ORDER}/{world.orders['sales']}", key), 403)
    assert error_of(call(client, "POST", f"{BASE}/{ORDER}", key, json={"name": "x"}), 403)
    assert error_of(call(client, "GET", f"{BASE}/sec_test.vault", keys["carol"]), 403)
    assert not stored(world, [("name", "=", "x")])


def test_create_read_update_delete_round_trip(client, keys, world):
    key = keys["carol"]
    created = call(client, "POST", f"{BASE}/{ORDER}", key, json={
        "name": "Round trip", "amount": 5, "margin": 2, "state": "draft",
        "user_id": world.users["bob"], "tag_id": {"id": world.tags["urgent"]},
        "line_ids": [[0, 0, {"name": "First", "sequence": 2}],
                     [0, 0, {"name": "Second", "sequence": 1}]]})
    assert created.status_code == 201
    record = created.get_json()
    rid = record["id"]
    assert created.headers["Location"] == f"{BASE}/{ORDER}/{rid}"
    assert record["margin"] == 2 and record["user_id"]["display_name"] == "Bob"
    assert record["tag_id"] == {"id": world.tags["urgent"], "display_name": "Urgent"}
    assert len(record["line_ids"]) == 2
    fetched = call(client, "GET", f"{BASE}/{ORDER}/{rid}", key).get_json()
    assert fetched == record
    first, second = record["line_ids"]
    updated = call(client, "PATCH", f"{BASE}/{ORDER}/{rid}", key,
                   query_string={"fields": "name,amount,user_id,tag_id,line_ids"},
                   json={"name": "Renamed", "amount": 7, "user_id": None, "tag_id": None,
                         "line_ids": [first]})
    assert updated.status_code == 200
    assert updated.get_json() == {"id": rid, "name": "Renamed", "amount": 7, "user_id": None,
                                  "tag_id": None, "line_ids": [first]}
    with world.database.env() as env:
        assert not env[LINE].browse(second).exists()  # replaced: the line was unlinked
    commands = call(client, "PATCH", f"{BASE}/{ORDER}/{rid}", key, query_string={
        "fields": "line_ids"}, json={"line_ids": [[0, 0, {"name": "Third"}]]})
    assert len(commands.get_json()["line_ids"]) == 2
    deleted = call(client, "DELETE", f"{BASE}/{ORDER}/{rid}", key)
    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert error_of(call(client, "GET", f"{BASE}/{ORDER}/{rid}", key), 404)
    assert not stored(world, [("id", "=", rid)])


def test_field_groups_hide_the_margin_from_employees(client, keys, world):
    own = world.orders["alice_own"]
    alice, carol = keys["alice"], keys["carol"]
    for query in ({"fields": "name,margin"}, {"domain": '[["margin", ">", 0]]'},
                  {"order": "margin desc"}):
        response = call(client, "GET", f"{BASE}/{ORDER}", alice, query_string=query)
        assert error_of(response, 403)["code"] == "forbidden", query
    assert error_of(call(client, "GET", f"{BASE}/{ORDER}/{own}", alice,
                         query_string={"fields": "margin"}), 403)
    assert call(client, "GET", f"{BASE}/{ORDER}/{own}", carol,
                query_string={"fields": "margin"}).get_json() == {"id": own, "margin": 3}
    response = call(client, "POST", f"{BASE}/{ORDER}", alice, json={
        "name": "Margin try", "user_id": world.users["alice"], "margin": 50})
    assert error_of(response, 403)["code"] == "forbidden"
    assert error_of(call(client, "PATCH", f"{BASE}/{ORDER}/{own}", alice,
                         json={"name": "Changed", "margin": 99}), 403)
    assert stored(world, [("id", "=", own)])[0]["margin"] == 3
    assert stored(world, [("id", "=", own)])[0]["name"] == "Alice own order"
    assert not stored(world, [("name", "=", "Margin try")])


# -- errors and transactions ------------------------------------------------------------------
def test_invalid_values_are_400_and_nothing_is_written(client, keys, world):
    key, own = keys["alice"], world.orders["alice_own"]
    bad_bodies = [
        {"name": "Half done", "user_id": world.users["alice"],
         "line_ids": [[0, 0, {"name": "ok"}], [0, 0, {"sequence": 1}]]},  # a line lacks name
        {"name": None, "user_id": world.users["alice"]},
        {"name": "Bad amount", "user_id": world.users["alice"], "amount": "lots"},
        {"name": "Bad state", "user_id": world.users["alice"], "state": "shipped"},
        {"name": "Bad field", "user_id": world.users["alice"], "colour": "red"},
        {"name": "Bad link", "user_id": world.users["alice"], "tag_id": 987654},
    ]
    for body in bad_bodies:
        response = call(client, "POST", f"{BASE}/{ORDER}", key, json=body)
        assert error_of(response, 400)["code"] == "validation_error", body
    error = error_of(call(client, "PATCH", f"{BASE}/{ORDER}/{own}", key,
                          json={"name": "Changed", "amount": "lots"}), 400)
    assert "amount" in error["message"]
    with world.database.env() as env:
        assert env[ORDER].search_count([]) == len(world.orders)
        assert env[LINE].search_count([]) == len(world.lines)
    assert stored(world, [("id", "=", own)])[0]["name"] == "Alice own order"


def test_bad_bodies_are_400(client, keys):
    key = keys["carol"]
    for data in (b"{not json", b"[1, 2]", b'"name"', b"", b'{"amount": NaN}',
                 b'{"amount": 1' + b"0" * 40 + b"}", b"\xff\xfe", b"[" * 100_000):
        response = call(client, "POST", f"{BASE}/{ORDER}", key, data=data,
                        content_type="application/json")
        assert error_of(response, 400)["code"] in ("invalid_json", "invalid_body"), data[:20]
    huge = call(client, "POST", f"{BASE}/{ORDER}", key, data=b" " * (api.MAX_BODY + 1),
                content_type="application/json")
    assert error_of(huge, 413)["code"] == "too_large"


def test_a_failing_request_is_rolled_back_as_a_whole(client, keys, world, monkeypatch):
    def failing_answer(records, names):
        raise ValidationError("answer failed")

    monkeypatch.setattr(openapi, "to_json", failing_answer)
    response = call(client, "POST", f"{BASE}/{ORDER}", keys["carol"], json={"name": "Ghost"})
    assert error_of(response, 400)["message"] == "answer failed"
    assert not stored(world, [("name", "=", "Ghost")])  # created, then rolled back


def test_unknown_models_routes_and_methods(client, keys, world):
    key = keys["alice"]
    assert error_of(call(client, "GET", f"{BASE}/no.such.model", key), 404)["code"] == \
        "unknown_model"
    assert error_of(call(client, "POST", f"{BASE}/no.such.model", key, json={}), 404)
    for path in ("/api/v2/x", f"{BASE}/{ORDER}/abc", f"{BASE}/{ORDER}/1/extra", "/api/"):
        assert error_of(call(client, "GET", path, key), 404)["code"] == "not_found"
    response = call(client, "PUT", f"{BASE}/{ORDER}/{world.orders['alice_own']}", key)
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PATCH", "DELETE"}
    assert error_of(call(client, "DELETE", f"{BASE}/{ORDER}", key), 405)


def test_lost_races_are_retried_then_503(client, keys, monkeypatch):
    attempts = []
    real = api._ENDPOINTS["list"]

    def flaky(env, request, model):
        attempts.append(model)
        if len(attempts) < 3:
            raise RetryableError("lost a race")
        return real(env, request, model)

    monkeypatch.setitem(api._ENDPOINTS, "list", flaky)
    assert call(client, "GET", f"{BASE}/{ORDER}", keys["alice"]).status_code == 200
    assert len(attempts) == 3

    def always_losing(env, request, model):
        attempts.append(model)
        raise RetryableError("lost a race")

    attempts.clear()
    monkeypatch.setitem(api._ENDPOINTS, "list", always_losing)
    response = call(client, "GET", f"{BASE}/{ORDER}", keys["alice"])
    assert error_of(response, 503)["code"] == "busy"
    assert len(attempts) == api.RETRIES + 1


def test_unexpected_errors_are_a_500_without_details(client, keys, monkeypatch, caplog):
    def broken(env, request, model):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(api._ENDPOINTS, "list", broken)
    with caplog.at_level(logging.ERROR, logger="core.web.api"):
        response = call(client, "GET", f"{BASE}/{ORDER}", keys["alice"])
    error = error_of(response, 500)
    assert error["code"] == "internal_error" and "secret" not in error["message"]
    assert "secret internals" in caplog.text


# -- values ---------------------------------------------------------------------------------
def test_dates_binary_and_relations_convert_both_ways(world):
    with world.database.env() as env:
        key = env["res.users.apikey"].sudo().create({
            "name": "conversion", "user_id": world.users["alice"], "key_hash": "x" * 64})
        values = openapi.from_json(key, {"last_used": "2024-05-01T10:00:00+02:00",
                                         "user_id": {"id": world.users["bob"]}})
        key.write(values)
        row = openapi.to_json(key, ["last_used", "user_id", "key_hash"])[0]
        assert row["last_used"] == "2024-05-01T08:00:00Z"
        assert row["user_id"] == {"id": world.users["bob"], "display_name": "Bob"}
        key.unlink()
    assert openapi._value_to_json("binary", b"\x00\xff") == "AP8="
    assert openapi._value_to_json("date", "2024-05-01") == "2024-05-01"
    assert openapi._value_to_json("char", False) is None
    assert openapi._value_to_json("integer", 0) == 0


# -- OpenAPI ------------------------------------------------------------------------------
def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def openapi_of(client, key) -> dict:
    response = call(client, "GET", f"{BASE}/openapi.json", key)
    assert response.status_code == 200
    return json.loads(response.get_data())


def test_openapi_describes_what_the_caller_may_read(client, keys):
    document = openapi_of(client, keys["alice"])
    assert document["openapi"].startswith("3.1")
    paths, schemas = document["paths"], document["components"]["schemas"]
    collection, item = paths[f"{BASE}/{ORDER}"], paths[f"{BASE}/{ORDER}/{{id}}"]
    assert {"get", "post"} <= set(collection) and {"get", "patch"} <= set(item)
    assert "delete" not in item  # employees may not delete orders
    params = {p["name"] for p in collection["get"]["parameters"]}
    assert params == {"domain", "fields", "limit", "offset", "order"}
    props = schemas[ORDER]["properties"]
    assert {"id", "name", "amount", "state", "user_id", "line_ids"} <= set(props)
    assert "margin" not in props and "margin" not in schemas[f"{ORDER}.input"]["properties"]
    assert props["state"]["enum"] == ["draft", "done", "cancel", None]
    assert props["amount"]["type"] == "integer"
    assert props["create_date"]["format"] == "date-time" and props["id"]["readOnly"]
    assert props["display_name"]["readOnly"] and "display_name" not in \
        schemas[f"{ORDER}.input"]["properties"]
    assert props["user_id"]["x-relation"] == "res.users"
    assert props["line_ids"]["items"] == {"type": "integer"}
    assert "name" in schemas[f"{ORDER}.input"]["required"]
    assert f"{BASE}/sec_test.vault" not in paths and "sec_test.vault" not in schemas
    assert set(document["components"]["securitySchemes"]) == {"apiKey", "session"}
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    for ref in set(_refs(document)):
        section, name = ref.removeprefix("#/components/").split("/", 1)
        assert name in document["components"][section], ref


def test_openapi_follows_each_callers_rights(client, keys):
    carol = openapi_of(client, keys["carol"])
    assert "margin" in carol["components"]["schemas"][ORDER]["properties"]
    assert "delete" in carol["paths"][f"{BASE}/{ORDER}/{{id}}"]
    dave = openapi_of(client, keys["dave"])
    assert f"{BASE}/{ORDER}" not in dave["paths"] and ORDER not in dave["components"]["schemas"]
    # everyone may read tags, only employees change them
    assert "post" in carol["paths"][f"{BASE}/sec_test.tag"]
    assert "post" not in dave["paths"][f"{BASE}/sec_test.tag"]


# -- performance -----------------------------------------------------------------------------
def test_listing_costs_the_same_queries_for_5_or_50_records(client, keys, world):
    with world.database.env() as env:
        env[ORDER].create([{"name": f"Bulk {i:02d}", "user_id": world.users["alice"],
                            "tag_id": world.tags["urgent"]} for i in range(50)])
    counts = {}
    for limit in (5, 50):
        query = {"domain": '[["name", "=like", "Bulk %"]]', "limit": str(limit),
                 "fields": "name,user_id,tag_id,department_id,line_ids"}
        with count_queries(world.database) as statements:
            response = call(client, "GET", f"{BASE}/{ORDER}", keys["alice"],
                            query_string=query)
        assert len(response.get_json()["records"]) == limit
        assert response.get_json()["count"] == 50
        counts[limit] = len(statements)
    assert counts[5] == counts[50], counts
