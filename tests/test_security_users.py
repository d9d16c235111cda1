"""Users: argon2 password hashes (never the clear password), check_password,
authenticate without telling which part was wrong, rehashing of old hashes, the
write-only password field, has_group with implied groups, users reading themselves.

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import argon2
import pytest
import sqlalchemy as sa

from core.exceptions import AccessError, ValidationError
from core.security.passwords import needs_rehash
from tests.conftest import ENGINES
from tests.security_support import rolled_back, security_world

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module", params=ENGINES)
def world(request, tmp_path_factory):
    for world in security_world(request, tmp_path_factory):
        with world.database.env() as env:  # one hash for the module: argon2 is slow
            env["res.users"].browse(world.users["alice"]).write({"password": PASSWORD})
        yield world


@pytest.fixture
def env(world):
    """A superuser environment on the world's database, rolled back after the test."""
    with rolled_back(world.database) as environment:
        yield environment


def user_row(env, uid: int) -> dict:
    return dict(env.connection.execute(
        sa.text("SELECT * FROM res_users WHERE id = :id"), {"id": uid}).mappings().one())


# -- hashes -------------------------------------------------------------------------------
def test_stored_hash_is_argon2_and_the_clear_password_is_nowhere_in_the_row(env, world):
    row = user_row(env, world.users["alice"])
    assert row["password_hash"].startswith("$argon2id$")
    assert "password" not in row  # the password field has no column
    assert not any(PASSWORD in str(value) for value in row.values())
    assert argon2.PasswordHasher().verify(row["password_hash"], PASSWORD)


def test_each_hash_has_its_own_salt(env, world):
    users = env["res.users"].create([{"name": "U1", "login": "u1", "password": PASSWORD},
                                     {"name": "U2", "login": "u2", "password": PASSWORD}])
    hashes = [user_row(env, uid)["password_hash"] for uid in users.ids]
    assert hashes[0] != hashes[1]
    assert hashes[0] != user_row(env, world.users["alice"])["password_hash"]


def test_password_field_reads_false(env, world):
    alice = env["res.users"].browse(world.users["alice"])
    assert alice.password is False
    assert alice.read(["password"]) == [{"id": alice.id, "password": False}]
    # also right after it was written, in the same transaction
    alice.write({"password": "another one"})
    assert alice.password is False
    assert alice.check_password("another one")


def test_an_empty_password_is_refused_or_ignored(env, world):
    alice = env["res.users"].browse(world.users["alice"])
    before = user_row(env, alice.id)["password_hash"]
    alice.write({"password": False})
    alice.write({"password": ""})
    assert user_row(env, alice.id)["password_hash"] == before
    assert alice.check_password(PASSWORD)


def test_password_hash_is_for_settings_users_only(env, world):
    alice = env(user=world.users["alice"])["res.users"].browse(world.users["alice"])
    with pytest.raises(AccessError, match="password_hash"):
        _ = alice.password_hash
    with pytest.raises(AccessError, match="password_hash"):
        alice.read(["password_hash"])
    # nor searched or grouped: the results would tell the hash piece by piece
    with pytest.raises(AccessError, match="password_hash"):
        alice.search([("password_hash", "=like", "$argon2id$%")])
    with pytest.raises(AccessError, match="password_hash"):
        alice.read_group([], ["__count"], ["password_hash"])
    admin = env["res.users"].create({"name": "Admin2", "login": "admin2", "groups_id": [
        (6, 0, [env.ref("base.group_system").id])]})
    as_admin = env(user=admin.id)["res.users"].browse(world.users["alice"])
    assert as_admin.password_hash.startswith("$argon2")
    # Settings users may set passwords, employees may not
    as_admin.write({"password": "set by admin"})
    assert env["res.users"].browse(world.users["alice"]).check_password("set by admin")
    with pytest.raises(AccessError):
        alice.write({"password": "by myself"})


# -- check_password and authenticate -----------------------------------------------------
def test_check_password(env, world):
    alice = env["res.users"].browse(world.users["alice"])
    assert alice.check_password(PASSWORD) is True
    assert alice.check_password(PASSWORD.upper()) is False
    # a user without a password never matches
    assert env["res.users"].browse(world.users["bob"]).check_password("") is False


def test_authenticate(env, world):
    users = env["res.users"]
    assert users.authenticate("alice", PASSWORD).id == world.users["alice"]
    with pytest.raises(AccessError) as wrong_password:
        users.authenticate("alice", "wrong")
    with pytest.raises(AccessError) as wrong_login:
        users.authenticate("nobody", PASSWORD)
    with pytest.raises(AccessError) as no_password:
        users.authenticate("bob", PASSWORD)
    assert str(wrong_password.value) == str(wrong_login.value) == str(no_password.value)
    assert "alice" not in str(wrong_password.value) and "nobody" not in str(wrong_login.value)


def test_authenticate_refuses_archived_users(env, world):
    env["res.users"].browse(world.users["alice"]).write({"active": False})
    with pytest.raises(AccessError, match="Wrong login or password"):
        env["res.users"].authenticate("alice", PASSWORD)


def test_authenticate_from_a_user_environment_upgrades_an_old_hash(env, world):
    # a login form runs as a user with no right on res.users at all
    old = argon2.PasswordHasher(time_cost=1).hash(PASSWORD)
    env["res.users"].browse(world.users["alice"]).write({"password_hash": old})
    dave = env(user=world.users["dave"])
    user = dave["res.users"].authenticate("alice", PASSWORD)
    assert user.id == world.users["alice"] and user.env.uid == world.users["dave"]
    assert not needs_rehash(user_row(env, user.id)["password_hash"])


def test_an_old_hash_is_rehashed_on_a_successful_check(env, world):
    alice = env["res.users"].browse(world.users["alice"])
    old = argon2.PasswordHasher(time_cost=1).hash(PASSWORD)
    alice.write({"password_hash": old})
    assert needs_rehash(old)
    assert alice.check_password("wrong") is False
    assert user_row(env, alice.id)["password_hash"] == old  # not on a failed check
    assert alice.check_password(PASSWORD) is True
    new = user_row(env, alice.id)["password_hash"]
    assert new != old and new.startswith("$argon2id$") and not needs_rehash(new)


def test_a_hash_that_is_not_argon2_never_matches(env, world):
    alice = env["res.users"].browse(world.users["alice"])
    alice.write({"password_hash": PASSWORD})  # e.g. a clear password from an import
    assert alice.check_password(PASSWORD) is False


# -- groups ---------------------------------------------------------------------------
def test_has_group_follows_implied_groups(env, world):
    users = env["res.users"]
    carol = users.browse(world.users["carol"])
    assert carol.has_group("sec_test.group_manager")
    assert carol.has_group("base.group_user")  # implied by manager
    assert not carol.has_group("base.group_system")
    assert not carol.has_group("base.no_such_group")
    assert not users.browse(world.users["dave"]).has_group("base.group_user")
    # a change of groups is seen at once
    carol.write({"groups_id": [(4, env.ref("base.group_system").id)]})
    assert carol.has_group("base.group_system")
    assert env(user=carol.id).user.has_group("base.group_system")


def test_a_group_may_not_imply_itself(env, world):
    user_group, manager = env.ref("base.group_user"), env.ref("sec_test.group_manager")
    with pytest.raises(ValidationError, match="implies itself"):
        user_group.write({"implied_ids": [(4, manager.id)]})


def test_everyone_reads_their_own_user(env, world):
    for login in ("alice", "dave", "pat"):
        user_env = env(user=world.users[login])
        assert user_env.user.login == login
        assert user_env.user.name == login.capitalize()
    # but not the others' without an access line
    with pytest.raises(AccessError, match=r"res\.users"):
        _ = env(user=world.users["dave"])["res.users"].browse(world.users["alice"]).name
    with pytest.raises(AccessError, match=r"res\.users"):
        env(user=world.users["dave"])["res.users"].search([])
