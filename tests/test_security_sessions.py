"""Web sessions, API keys, failed-login limits, menus by group, and the `tessera user`
commands; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from core import Database
from core.exceptions import AccessError
from core.security.sessions import LOGIN_MAX_FAILURES, SESSION_LIFETIME, digest
from tests.conftest import ENGINES, database_url
from tests.views_support import rolled_back


@pytest.fixture(scope="module", params=ENGINES)
def base_db(request, tmp_path_factory):
    """A database per engine with base installed and one employee, `emma`."""
    with database_url(request.param, tmp_path_factory.mktemp("sessions"), request) as url:
        database = Database(url)
        with database.env() as env:
            env.addons.install(["base"])
            env["res.users"].create({"name": "Emma", "login": "emma", "password": "emma-pass-1",
                                     "groups_id": [(6, 0, [env.ref("base.group_user").id])]})
        yield database
        database.dispose()


@pytest.fixture
def env(base_db):
    with rolled_back(base_db) as environment:
        yield environment


def emma(env):
    return env["res.users"].search([("login", "=", "emma")])


def test_a_session_is_found_by_its_id_and_only_its_hash_is_stored(env):
    sid, token = env["res.users.session"].open(emma(env).id, "127.0.0.1")
    session = env["res.users.session"].find(sid)
    assert session.user_id == emma(env)
    assert session.csrf_token == token
    assert session.sid_hash == digest(sid) != sid
    assert not env["res.users.session"].find("forged")
    session.close()
    assert not env["res.users.session"].find(sid)


def test_a_used_session_stays_alive_and_an_unused_one_expires(env):
    sessions = env["res.users.session"]
    sid, _token = sessions.open(emma(env).id)
    session = sessions.find(sid)
    now = session.last_seen
    session.last_seen = now - SESSION_LIFETIME + dt.timedelta(hours=2)
    assert sessions.find(sid) == session  # used again: its expiry slides
    assert session.last_seen >= now
    session.last_seen = now - SESSION_LIFETIME - dt.timedelta(minutes=1)
    assert not sessions.find(sid)
    assert not sessions.sudo().search([("id", "=", session.id)])


def test_a_new_password_closes_the_sessions_of_the_user(env):
    sid, _token = env["res.users.session"].open(emma(env).id)
    emma(env).write({"password": "another-pass-2"})
    assert not env["res.users.session"].find(sid)


def test_changing_ones_own_password_needs_the_old_one(env):
    me = emma(env).with_user(emma(env))
    with pytest.raises(AccessError, match="current password is wrong"):
        me.change_password("wrong", "brand-new-pass")
    me.change_password("emma-pass-1", "brand-new-pass")
    assert env["res.users"].authenticate("emma", "brand-new-pass") == emma(env)


def test_api_keys_identify_their_user_and_are_stored_hashed(env):
    key = env["res.users.apikey"].generate(emma(env).id, "sync script")
    assert key.startswith("tsk_")
    assert env["res.users.apikey"].user_of(key) == emma(env).id
    assert env["res.users.apikey"].user_of("tsk_forged") is None
    stored = env["res.users.apikey"].search([("user_id", "=", emma(env).id)])
    assert stored.key_hash == digest(key)


def test_repeated_failed_logins_are_refused_for_a_while(env):
    attempts = env["res.users.login.attempt"]
    for _ in range(LOGIN_MAX_FAILURES - 1):
        attempts.record_failure("emma", "10.0.0.7")
    attempts.check_allowed("emma", "10.0.0.7")  # still allowed
    attempts.record_failure("emma", "10.0.0.7")
    with pytest.raises(AccessError, match="Too many failed logins"):
        attempts.check_allowed("emma", "10.0.0.8")  # per login, whatever the address
    attempts.check_allowed("someone", "10.0.0.9")


def test_menus_are_filtered_by_groups_and_readable_models(env):
    action = env["ir.actions.window"].create({"name": "Users", "res_model": "res.users"})
    parameters = env["ir.actions.window"].create({"name": "Parameters",
                                                  "res_model": "ir.config.parameter"})
    settings = env["ir.ui.menu"].create({
        "name": "Admin", "groups_id": [(6, 0, [env.ref("base.group_system").id])]})
    env["ir.ui.menu"].create({"name": "Users", "parent_id": settings.id, "action_id": action.id})
    everyone = env["ir.ui.menu"].create({"name": "Discuss"})
    env["ir.ui.menu"].create({"name": "Inbox", "parent_id": everyone.id,
                              "action_id": action.id})
    env["ir.ui.menu"].create({"name": "Parameters", "parent_id": everyone.id,
                              "action_id": parameters.id})  # employees may not read them
    env["ir.ui.menu"].create({"name": "Empty"})  # opens nothing: never shown
    mine = {"Admin", "Discuss", "Empty"}

    def tree(menus):
        return [m for m in menus.visible_tree() if m["name"] in mine]

    emma_tree = tree(env["ir.ui.menu"].with_user(emma(env)))
    assert [m["name"] for m in emma_tree] == ["Discuss"]
    assert [c["name"] for c in emma_tree[0]["children"]] == ["Inbox"]
    admin_tree = tree(env["ir.ui.menu"])
    assert [m["name"] for m in admin_tree] == ["Admin", "Discuss"]
    assert admin_tree[0]["children"][0]["action_id"] == action.id
    assert [c["name"] for c in admin_tree[1]["children"]] == ["Inbox", "Parameters"]


def tessera(url, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "core.cli", "--db", url, *args],
                          input=stdin, capture_output=True, text=True, timeout=120, check=False)


def test_user_commands_set_a_password_and_print_an_api_key(base_db):
    url = base_db.url
    result = tessera(url, "user", "password", "emma", "--stdin", stdin="cli-password-9\n")
    assert result.returncode == 0, result.stderr
    result = tessera(url, "user", "api-key", "emma", "--name", "tests")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    with base_db.env() as env:
        assert env["res.users"].authenticate("emma", "cli-password-9") == emma(env)
        assert env["res.users.apikey"].user_of(key) == emma(env).id
        emma(env).write({"password": "emma-pass-1"})
        env["res.users.apikey"].search([]).unlink()
    short = tessera(url, "user", "password", "emma", "--stdin", stdin="short\n")
    assert short.returncode == 1
    assert short.stderr.strip() == "Error: the password must have at least 8 characters"
    unknown = tessera(url, "user", "api-key", "nobody")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "Error: no user with login 'nobody'"
