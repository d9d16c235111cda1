"""ir.attachment: filestore and database storage (chosen by configuration),
deduplication, size limit, access following the attached record, filestore garbage
collection and rollback safety; on SQLite and PostgreSQL (docs/mail.md)."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from addons.base.models import filestore
from core import config
from core.exceptions import AccessError, UserError, ValidationError
from tests.conftest import ENGINES
from tests.mail_support import (
    NOTE,
    TICKET,
    count_queries,
    mail_world,
    rolled_back,
    use_config,
)


@pytest.fixture(scope="module", params=ENGINES)
def world(request, tmp_path_factory):
    yield from mail_world(request, tmp_path_factory)


@pytest.fixture
def store(tmp_path, monkeypatch):
    """The configuration: file storage in a temporary filestore (its root folder)."""
    return use_config(monkeypatch, tmp_path)


@pytest.fixture
def env(world, store):
    with rolled_back(world.database) as environment:
        yield environment


def as_user(env, world, login):
    return env(user=world.users[login])


def files_in(env) -> set[str]:
    """The names of the files in the database's filestore."""
    folder = filestore.root(env)
    return {f"{p.parent.name}/{p.name}" for p in folder.glob("??/*")} if folder.is_dir() \
        else set()


def test_file_storage_writes_the_content_under_its_checksum(env, world, store):
    alice = as_user(env, world, "alice")
    ticket = alice[TICKET].create({"name": "With files"})
    content = b"%PDF-1.4 quote"
    attachment = alice["ir.attachment"].create({
        "name": "quote.pdf", "raw": content, "res_model": TICKET, "res_id": ticket.id})
    digest = hashlib.sha1(content).hexdigest()
    assert (attachment.mimetype, attachment.file_size, attachment.checksum) == \
        ("application/pdf", len(content), digest)
    assert attachment.store_fname == f"{digest[:2]}/{digest}"
    assert attachment.db_datas is False
    path = store / filestore.database_folder(env) / attachment.store_fname
    assert path.read_bytes() == content
    assert attachment.raw == content
    env.transaction.invalidate()
    assert alice["ir.attachment"].browse(attachment.id).raw == content
    assert alice["ir.attachment"].create({"name": "data", "raw": b"x",
                                          "mimetype": "text/csv"}).mimetype == "text/csv"
    assert alice["ir.attachment"].create({"name": "noext", "raw": b"x"}).mimetype == \
        "application/octet-stream"
    empty = alice["ir.attachment"].create({"name": "empty.txt"})
    assert (empty.raw, empty.file_size, empty.store_fname) == (b"", 0, False)


def test_database_storage_keeps_the_content_in_the_row(env, world, tmp_path, monkeypatch):
    use_config(monkeypatch, tmp_path, storage="db")
    attachment = as_user(env, world, "alice")["ir.attachment"].create(
        {"name": "notes.txt", "raw": b"in the database"})
    assert attachment.store_fname is False
    assert attachment.sudo().db_datas == b"in the database"
    env.transaction.invalidate()
    assert env["ir.attachment"].browse(attachment.id).raw == b"in the database"
    assert files_in(env) == set()
    # contents stored either way are read alike after the configuration changes
    use_config(monkeypatch, tmp_path, storage="file")
    attachment.write({"raw": b"now a file"})
    assert attachment.store_fname and attachment.sudo().db_datas is False
    assert attachment.raw == b"now a file"


def test_same_content_is_one_file(env, world):
    alice = as_user(env, world, "alice")
    first, second = alice["ir.attachment"].create([
        {"name": "a.txt", "raw": b"same bytes"}, {"name": "b.txt", "raw": b"same bytes"}])
    third = alice["ir.attachment"].create({"name": "c.txt", "raw": b"same bytes"})
    assert first.store_fname == second.store_fname == third.store_fname
    assert files_in(env) == {first.store_fname}
    copy = third.copy({"name": "copy.txt"})
    assert (copy.raw, copy.store_fname, copy.name) == (b"same bytes", first.store_fname,
                                                        "copy.txt")


def test_too_big_a_file_is_refused_and_nothing_is_written(env, world, tmp_path, monkeypatch):
    use_config(monkeypatch, tmp_path, max_size=10)
    Attachment = as_user(env, world, "alice")["ir.attachment"]
    count = env["ir.attachment"].search_count([])
    with pytest.raises(ValidationError) as error:
        Attachment.create([{"name": "ok.txt", "raw": b"small"},
                           {"name": "huge.bin", "raw": b"x" * 11}])
    message = str(error.value)
    assert "'huge.bin'" in message and "11 bytes" in message and "10 bytes" in message
    assert env["ir.attachment"].search_count([]) == count
    assert files_in(env) == set()
    small = Attachment.create({"name": "ok.txt", "raw": b"small"})
    with pytest.raises(ValidationError, match=r"'ok\.txt' is 0\.0 MB \(12 bytes\)"):
        small.write({"raw": b"much too big"})
    assert small.raw == b"small" and files_in(env) == {small.store_fname}


def test_a_wrong_storage_setting_is_a_clear_error(env, world, tmp_path, monkeypatch):
    use_config(monkeypatch, tmp_path, storage="cloud")
    with pytest.raises(UserError, match=r'storage = .cloud.*use "file" or "db"'):
        env["ir.attachment"].create({"name": "a.txt", "raw": b"a"})
    monkeypatch.setenv(config.CONFIG_VARIABLE, str(tmp_path / "missing.toml"))
    with pytest.raises(config.ConfigError, match=r"missing\.toml"):
        env["ir.attachment"].create({"name": "a.txt", "raw": b"a"})


def test_users_may_not_set_the_storage_fields(env, world):
    Attachment = as_user(env, world, "alice")["ir.attachment"]
    with pytest.raises(ValidationError, match="store_fname is set by the system"):
        Attachment.create({"name": "evil", "store_fname": "aa/" + "a" * 40})
    attachment = Attachment.create({"name": "fine.txt", "raw": b"fine"})
    with pytest.raises(ValidationError, match="checksum"):
        attachment.write({"checksum": "0" * 40})


def test_access_follows_the_attached_record(env, world):
    ticket = env[TICKET].create({"name": "Open"})
    secret = env[TICKET].create({"name": "Secret", "confidential": True})
    alice = as_user(env, world, "alice")["ir.attachment"]
    rita = as_user(env, world, "rita")["ir.attachment"]
    mine = alice.create({"name": "open.txt", "raw": b"open", "res_model": TICKET,
                         "res_id": ticket.id})
    hidden = env["ir.attachment"].create({"name": "secret.txt", "raw": b"secret",
                                          "res_model": TICKET, "res_id": secret.id})
    loose = alice.create({"name": "loose.txt", "raw": b"loose"})
    # alice: the attachment of the open ticket and her own loose one, not the secret one
    scope = [("id", "in", [mine.id, hidden.id, loose.id])]
    assert set(alice.search(scope).ids) == {mine.id, loose.id}
    assert alice.search_count(scope) == 2
    with pytest.raises(AccessError, match=r"mail_test\.ticket"):
        alice.browse(hidden.id).raw  # noqa: B018
    with pytest.raises(AccessError):
        alice.browse([mine.id, hidden.id]).read(["name"])
    with pytest.raises(AccessError):
        alice.create({"name": "x.txt", "raw": b"x", "res_model": TICKET, "res_id": secret.id})
    with pytest.raises(ValidationError, match=r"no mail_test\.ticket record 999999"):
        alice.create({"name": "x.txt", "raw": b"x", "res_model": TICKET, "res_id": 999999})
    with pytest.raises(AccessError):
        alice.browse(mine.id).write({"res_id": secret.id})  # moving it there: no
    # rita reads the open ticket's attachment (read access) but may not add or delete
    assert rita.browse(mine.id).raw == b"open"
    assert set(rita.search(scope).ids) == {mine.id}  # not alice's loose one
    with pytest.raises(AccessError, match="write"):
        rita.create({"name": "r.txt", "raw": b"r", "res_model": TICKET, "res_id": ticket.id})
    with pytest.raises(AccessError, match="write"):
        rita.browse(mine.id).unlink()
    with pytest.raises(AccessError):
        rita.browse(loose.id).name  # noqa: B018
    # dave has no access line on attachments at all; sudo bypasses everything
    with pytest.raises(AccessError):
        as_user(env, world, "dave")["ir.attachment"].search([])
    assert alice.sudo().browse(hidden.id).raw == b"secret"
    alice.browse(mine.id).unlink()
    assert not mine.exists()


def test_search_checks_access_per_model_in_batch(env, world):
    alice = as_user(env, world, "alice")
    counts = []
    for size in (3, 30):
        tickets = env[TICKET].with_context(tracking_disable=True).create(
            [{"name": f"T{i}", "confidential": i % 3 == 0} for i in range(size)])
        notes = env[NOTE].create([{"name": f"N{i}"} for i in range(size)])
        attachments = env["ir.attachment"].create(
            [{"name": f"t{r.id}.txt", "raw": b"t", "res_model": TICKET, "res_id": r.id}
             for r in tickets] + [{"name": f"n{r.id}.txt", "raw": b"n", "res_model": NOTE,
                                   "res_id": r.id} for r in notes])
        env.transaction.invalidate()
        env.transaction.security.invalidate()
        with count_queries(world.database) as statements:
            found = alice["ir.attachment"].search([("id", "in", attachments.ids)])
            names = found.mapped("name")
        counts.append(len(statements))
        assert len(found) == size + size - len(range(0, size, 3)) and len(names) == len(found)
    assert counts[0] == counts[1], counts


def test_gc_filestore_removes_only_unreferenced_files(world, store):
    database = world.database
    with database.env() as env:
        Attachment = env["ir.attachment"]
        kept, shared_a, shared_b, gone = Attachment.create([
            {"name": "kept.txt", "raw": b"kept"}, {"name": "a.txt", "raw": b"shared"},
            {"name": "b.txt", "raw": b"shared"}, {"name": "gone.txt", "raw": b"gone"}])
        names = {a.id: a.store_fname for a in (kept, shared_a, gone)}
        ids = (kept.id, shared_a.id, shared_b.id, gone.id)
    with database.env() as env:
        env["ir.attachment"].browse([ids[1], ids[3]]).unlink()  # one shared, one alone
    with database.env() as env:
        assert files_in(env) >= set(names.values())  # deleting rows deletes no file
        assert env["ir.attachment"].gc_filestore() == []  # too young (one day of grace)
        with pytest.raises(AccessError):
            as_user(env, world, "alice")["ir.attachment"].gc_filestore()
        removed = env["ir.attachment"].gc_filestore(grace_seconds=0)
        assert removed == [names[ids[3]]]
        assert files_in(env) == {names[ids[0]], names[ids[1]]}
        assert env["ir.attachment"].browse(ids[2]).raw == b"shared"
        env["ir.attachment"].browse([ids[0], ids[2]]).unlink()


def test_a_rolled_back_transaction_loses_no_committed_file(world, store):
    database = world.database
    with database.env() as env:
        committed = env["ir.attachment"].create({"name": "c.txt", "raw": b"committed"})
        committed_id, committed_name = committed.id, committed.store_fname
    with pytest.raises(RuntimeError), database.env() as env:
        env["ir.attachment"].browse(committed_id).unlink()
        orphan = env["ir.attachment"].create({"name": "o.txt", "raw": b"rolled back"})
        orphan_name = orphan.store_fname
        raise RuntimeError("rollback")
    with database.env() as env:
        assert not env["ir.attachment"].search([("store_fname", "=", orphan_name)])
        assert orphan_name in files_in(env)  # written, then left by the rollback
        assert env["ir.attachment"].gc_filestore(grace_seconds=0) == [orphan_name]
        assert env["ir.attachment"].browse(committed_id).raw == b"committed"
        assert files_in(env) == {committed_name}
        env["ir.attachment"].browse(committed_id).unlink()


def test_collecting_keeps_a_file_reused_meanwhile(tmp_path):
    folder = tmp_path / "fs"
    name = filestore.relative_name(filestore.checksum(b"reused"))
    filestore.store(folder, name, b"reused")
    old = time.time() - 3600
    os.utime(folder / name, (old, old))
    filestore.store(folder, name, b"reused")  # a transaction reuses it: refreshed
    assert filestore.collect(folder, set(), grace_seconds=60) == []
    os.utime(folder / name, (old, old))
    (folder / name[:2] / "leftover.tmp-1-2").write_bytes(b"partial")
    os.utime(folder / name[:2] / "leftover.tmp-1-2", (old, old))
    assert filestore.collect(folder, set(), grace_seconds=60) == [name]
    assert list(folder.glob("??/*")) == []
    with pytest.raises(ValueError):
        filestore.full_path(folder, "../../etc/passwd")


def test_config_reads_the_file_named_by_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "custom.toml"
    path.write_text('[attachments]\nstorage = "db"\nfilestore = "files"\n')
    monkeypatch.setenv(config.CONFIG_VARIABLE, str(path))
    monkeypatch.setenv(config.DATA_DIR_VARIABLE, str(tmp_path / "data"))
    assert config.get("attachments", "storage", "file") == "db"
    assert config.get("attachments", "max_size", 42) == 42
    assert config.get("nothing", "here", "default") == "default"
    assert config.resolve_path(config.get("attachments", "filestore")) == \
        tmp_path / "data" / "files"
    assert config.resolve_path(tmp_path / "abs") == tmp_path / "abs"
    path.write_text("[attachments\n")
    config.reload()
    with pytest.raises(config.ConfigError, match="not valid TOML"):
        config.get("attachments", "storage")
    monkeypatch.delenv(config.CONFIG_VARIABLE)
    monkeypatch.delenv(config.DATA_DIR_VARIABLE)
    assert config.config_path() == config.DEFAULT_FILE
    assert config.data_root() == config.REPO_ROOT
