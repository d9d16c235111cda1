"""mail.thread: system events, notes, followers, field tracking, cleanup on delete and
the `_chatter()` protocol, on SQLite and PostgreSQL (docs/mail.md)."""

from __future__ import annotations

import pytest

from core import Database
from core.exceptions import AccessError
from tests.conftest import ENGINES
from tests.mail_support import (
    MAIL_ADDONS,
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
def env(world, tmp_path, monkeypatch):
    use_config(monkeypatch, tmp_path)
    with rolled_back(world.database) as environment:
        yield environment


def as_user(env, world, login):
    return env(user=world.users[login])


def messages_of(record):
    """The record's messages, newest first (as superuser)."""
    return record.env["mail.message"].sudo().search(
        [("model", "=", record._name), ("res_id", "=", record.id)])


def follower_ids(record) -> set[int]:
    return set(record.env["mail.followers"].sudo().search(
        [("res_model", "=", record._name), ("res_id", "=", record.id)]).mapped("user_id").ids)


def test_creating_a_record_posts_a_system_event_and_the_creator_follows(env, world):
    alice = as_user(env, world, "alice")
    ticket = alice[TICKET].create({"name": "Printer on fire"})
    [message] = messages_of(ticket)
    assert message.body == "<p>Ticket created</p>"
    assert (message.message_type, message.subtype) == ("notification", "note")
    assert message.author_id.id == world.users["alice"]
    assert message.model == TICKET and message.res_id == ticket.id
    assert follower_ids(ticket) == {world.users["alice"]}
    assert ticket.message_is_follower and ticket.message_ids == message.with_env(alice)
    # the superuser is no follower; context keys switch the events off
    system = env[TICKET].create({"name": "By the system"})
    assert messages_of(system).author_id.id == env.uid and follower_ids(system) == set()
    quiet = alice[TICKET].with_context(mail_create_nolog=True, mail_create_nosubscribe=True) \
        .create([{"name": "Quiet 1"}, {"name": "Quiet 2"}])
    assert not any(messages_of(t) or follower_ids(t) for t in quiet)


def test_message_post_sanitizes_the_note_and_makes_the_author_follow(env, world):
    ticket = env[TICKET].create({"name": "Broken screen"})
    bob = as_user(env, world, "bob")
    message = bob[TICKET].browse(ticket.id).message_post(
        "<p>Called the customer<script>alert(1)</script></p>")
    assert message._name == "mail.message" and message.env.uid == world.users["bob"]
    assert message.body == "<p>Called the customer</p>"
    assert (message.message_type, message.subtype, message.author_id.name) == \
        ("comment", "note", "Bob")
    assert follower_ids(ticket) == {world.users["bob"]}
    discussion = ticket.message_post("Hello", subtype="discussion", author_id=world.users["alice"])
    assert (discussion.subtype, discussion.author_id.name) == ("discussion", "Alice")
    assert messages_of(ticket)[:2] == discussion | message.sudo()  # newest first
    # a notification (not a comment) does not subscribe its author
    ticket.with_user(world.users["rita"]).sudo().message_post("log", message_type="notification")
    assert world.users["rita"] not in follower_ids(ticket)


def test_posting_needs_write_access_following_oneself_read_access(env, world):
    ticket = env[TICKET].create({"name": "Read only for Rita"})
    rita = as_user(env, world, "rita")[TICKET].browse(ticket.id)
    with pytest.raises(AccessError, match=r"mail_test\.ticket"):
        rita.message_post("I may not write here")
    rita.message_subscribe([world.users["rita"]])
    assert follower_ids(ticket) == {world.users["rita"]}
    assert rita.message_is_follower
    with pytest.raises(AccessError):
        rita.message_subscribe([world.users["bob"]])  # subscribing others: write access
    rita.message_unsubscribe(world.users["rita"])
    assert follower_ids(ticket) == set()
    alice = as_user(env, world, "alice")[TICKET].browse(ticket.id)
    alice.message_subscribe([world.users["bob"], world.users["rita"], world.users["bob"]])
    alice.message_subscribe([world.users["bob"]])  # already following: nothing new
    assert follower_ids(ticket) == {world.users["bob"], world.users["rita"]}
    assert {f["name"] for f in alice._chatter()["followers"]} == {"Bob", "Rita"}
    dave = as_user(env, world, "dave")[TICKET].browse(ticket.id)
    with pytest.raises(AccessError):
        dave.message_subscribe([world.users["dave"]])
    assert alice.search([("message_is_follower", "=", False), ("id", "=", ticket.id)])
    assert not alice.search([("message_is_follower", "=", True), ("id", "=", ticket.id)])


def test_tracked_fields_post_one_message_per_record_with_old_and_new_values(env, world):
    alice = as_user(env, world, "alice")
    ticket = alice[TICKET].create({"name": "Slow network"})
    ticket.write({"state": "progress", "user_id": world.users["bob"], "description": "x"})
    message = messages_of(ticket)[0]
    assert (message.message_type, message.body, message.author_id.name) == \
        ("notification", "", "Alice")
    lines = [(t.field_name, t.field_label, t.old_value, t.new_value)
             for t in message.tracking_value_ids]
    assert lines == [("state", "State", "New", "In progress"),
                     ("user_id", "Assignee", False, "Bob")]
    # untracked fields, or tracked fields written with their current value: no message
    count = len(messages_of(ticket))
    ticket.write({"description": "only the description"})
    ticket.write({"state": "progress", "user_id": world.users["bob"]})
    assert len(messages_of(ticket)) == count
    ticket.write({"user_id": False, "name": "Very slow network"})
    lines = [(t.field_name, t.old_value, t.new_value)
             for t in messages_of(ticket)[0].tracking_value_ids]
    assert lines == [("name", "Slow network", "Very slow network"), ("user_id", "Bob", False)]
    # a batch write: a message only for the records that changed
    others = alice[TICKET].create([{"name": "A", "state": "done"}, {"name": "B"}])
    before = {t.id: len(messages_of(t)) for t in others}
    others.write({"state": "done"})
    assert [len(messages_of(t)) - before[t.id] for t in others] == [0, 1]
    # switched off by the context
    ticket.with_context(mail_notrack=True).write({"state": "done"})
    assert messages_of(ticket)[0].tracking_value_ids.mapped("field_name") == ["name", "user_id"]


def test_tracking_a_batch_write_costs_a_constant_number_of_queries(env, world):
    quiet = env[TICKET].with_context(tracking_disable=True)
    small = quiet.create([{"name": f"Small {i}"} for i in range(5)])
    large = quiet.create([{"name": f"Large {i}"} for i in range(50)])
    counts = []
    for tickets in (small, large):
        env.transaction.invalidate()
        tickets = env[TICKET].browse(tickets.ids)
        with count_queries(world.database) as statements:
            tickets.write({"state": "progress", "user_id": world.users["bob"]})
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert all(len(messages_of(t)) == 1 for t in large)
    assert {len(messages_of(t)[0].tracking_value_ids) for t in large} == {2}


def test_deleting_a_record_deletes_its_messages_followers_activities_attachments(env, world):
    alice = as_user(env, world, "alice")
    ticket = alice[TICKET].create({"name": "To delete"})
    keep = alice[TICKET].create({"name": "To keep"})
    for record in (ticket, keep):
        record.write({"state": "done"})
        record.message_post("note")
        record.activity_schedule("base.activity_type_call", summary="Call back")
        alice["ir.attachment"].create({"name": "a.txt", "raw": b"data",
                                       "res_model": TICKET, "res_id": record.id})
    message_ids = messages_of(ticket).ids
    assert env["mail.tracking.value"].search([("message_id", "in", message_ids)])
    ticket.unlink()
    linked = {"mail.message": "model", "mail.followers": "res_model",
              "mail.activity": "res_model", "ir.attachment": "res_model"}
    for model, model_field in linked.items():
        domain = [(model_field, "=", TICKET)]
        assert not env[model].search([*domain, ("res_id", "=", ticket.id)]), model
        assert env[model].search([*domain, ("res_id", "=", keep.id)]), model
    assert not env["mail.tracking.value"].search([("message_id", "in", message_ids)])


def test_chatter_lists_messages_followers_activities_and_attachments(env, world):
    alice = as_user(env, world, "alice")
    ticket = alice[TICKET].create({"name": "Chatter"})
    ticket.write({"state": "progress"})
    upload = alice["ir.attachment"].create({"name": "photo.png", "raw": b"\x89PNG..."})
    note = ticket.message_post("<p>See the photo</p>", attachment_ids=[upload.id])
    activity = ticket.activity_schedule("base.activity_type_call", summary="Call Bob",
                                        user_id=world.users["bob"])
    chatter = ticket._chatter()
    assert set(chatter) == {"messages", "followers", "is_follower", "activities",
                            "attachment_count"}
    newest, tracking, created = chatter["messages"]
    assert newest == {
        "id": note.id, "date": newest["date"], "author": {"id": world.users["alice"],
                                                          "name": "Alice"},
        "body": "<p>See the photo</p>", "type": "comment", "subtype": "note", "tracking": [],
        "attachments": [{"id": upload.id, "name": "photo.png", "mimetype": "image/png",
                         "size": 7}]}
    assert tracking["tracking"] == [{"field": "state", "label": "State", "old": "New",
                                     "new": "In progress"}]
    assert created["body"] == "<p>Ticket created</p>" and created["type"] == "notification"
    assert chatter["followers"] == [{"id": world.users["alice"], "name": "Alice"}]
    assert chatter["is_follower"] is True
    [row] = chatter["activities"]
    assert row["id"] == activity.id and row["summary"] == "Call Bob"
    assert row["type"]["name"] == "Call" and row["type"]["icon"] == "fa-phone"
    assert row["user"] == {"id": world.users["bob"], "name": "Bob"}
    assert row["state"] == "planned"
    assert chatter["attachment_count"] == 1
    assert upload.res_model == TICKET and upload.res_id == ticket.id
    # reading needs read access to the record
    with pytest.raises(AccessError):
        as_user(env, world, "dave")[TICKET].browse(ticket.id)._chatter()
    assert as_user(env, world, "rita")[TICKET].browse(ticket.id)._chatter()["messages"]


def test_chatter_costs_the_same_queries_whatever_the_number_of_messages(env, world):
    alice = as_user(env, world, "alice")
    warm, few, many = alice[TICKET].create([{"name": "Warm"}, {"name": "Few"},
                                            {"name": "Many"}])
    for ticket, rounds in ((few, 1), (many, 25)):  # the same kinds of rows, more of them
        for index in range(rounds):
            ticket.write({"state": ("progress", "done")[index % 2],
                          "user_id": world.users["bob"] if index % 2 == 0 else False})
            upload = alice["ir.attachment"].create({"name": f"f{index}.txt",
                                                    "raw": f"file {index}".encode()})
            ticket.message_post(f"note {index}", attachment_ids=[upload.id])
        ticket.message_subscribe([world.users["bob"]])
        ticket.activity_schedule("base.activity_type_todo", summary="Check")
        ticket.activity_schedule("base.activity_type_call", summary="Call",
                                 user_id=world.users["bob"])
    warm._chatter()
    counts = {}
    for ticket in (few, many):
        env.transaction.invalidate()  # nothing cached, nothing known of the user's rights
        env.transaction.security.invalidate()
        with count_queries(world.database) as statements:
            chatter = ticket._chatter()
        counts[ticket.name] = len(statements)
    assert len(chatter["messages"]) == 51 and len(chatter["followers"]) == 2
    assert counts["Few"] == counts["Many"], counts


def test_messages_follow_the_access_to_their_record(env, world):
    visible = env[TICKET].create({"name": "Visible"})
    secret = env[TICKET].create({"name": "Secret", "confidential": True})
    for ticket in (visible, secret):
        ticket.write({"state": "done"})
        ticket.message_post("a note")
    alice = as_user(env, world, "alice")
    found = alice["mail.message"].search([("model", "=", TICKET),
                                          ("res_id", "in", [visible.id, secret.id])])
    assert set(found.mapped("res_id")) == {visible.id}
    assert alice["mail.message"].search_count([("res_id", "=", secret.id),
                                               ("model", "=", TICKET)]) == 0
    # a search limited to a model checks that model only; others look at every model
    with count_queries(world.database) as statements:
        alice["mail.message"].search([("model", "=", TICKET), ("res_id", "=", secret.id)])
    assert not any("DISTINCT" in statement for statement in statements)
    with count_queries(world.database) as statements:
        assert set(alice["mail.message"].search([("res_id", "in", [visible.id, secret.id])])
                   .mapped("res_id")) == {visible.id}
    assert any("DISTINCT" in statement for statement in statements)
    hidden = messages_of(secret)
    with pytest.raises(AccessError, match=r"mail_test\.ticket"):
        alice["mail.message"].browse(hidden[0].id).body  # noqa: B018
    with pytest.raises(AccessError):
        alice["mail.message"].browse(hidden.ids).read(["body"])
    with pytest.raises(AccessError):
        alice["mail.message"].browse(hidden[0].id).write({"body": "changed"})
    with pytest.raises(AccessError):
        alice["mail.message"].create({"model": TICKET, "res_id": secret.id, "body": "x"})
    lines = alice["mail.tracking.value"].search([("message_id", "in", hidden.ids +
                                                  messages_of(visible).ids)])
    assert set(lines.mapped("message_id.res_id")) == {visible.id}
    # rita reads the visible messages but may not post (write access on the ticket)
    rita = as_user(env, world, "rita")
    assert rita["mail.message"].search([("res_id", "=", visible.id), ("model", "=", TICKET)])
    with pytest.raises(AccessError, match="write"):
        rita["mail.message"].create({"model": TICKET, "res_id": visible.id, "body": "x"})
    with pytest.raises(AccessError):
        as_user(env, world, "dave")["mail.message"].search([])


def test_posting_attachments_of_someone_else_is_refused(env, world):
    ticket = as_user(env, world, "alice")[TICKET].create({"name": "Uploads"})
    bob_upload = as_user(env, world, "bob")["ir.attachment"].create(
        {"name": "b.txt", "raw": b"bob"})
    with pytest.raises(AccessError, match=r"b\.txt"):
        ticket.message_post("steal", attachment_ids=[bob_upload.id])
    note = as_user(env, world, "alice")[NOTE].create({"name": "A plain note"})
    assert not hasattr(note, "message_post")


@pytest.mark.parametrize("engine", ENGINES)
def test_uninstalling_an_addon_deletes_the_chatter_of_its_models(engine, tmp_path, request,
                                                                   monkeypatch):
    from tests.conftest import database_url

    use_config(monkeypatch, tmp_path)
    with database_url(engine, tmp_path, request) as url:
        database = Database(url, addons_paths=[MAIL_ADDONS])
        try:
            with database.env() as env:
                env.addons.install(["mail_test"])
                user = env["res.users"].create({"name": "Uma", "login": "uma"})
                ticket = env[TICKET].with_user(user).sudo().create({"name": "Gone soon"})
                ticket.message_post("note")
                ticket.activity_schedule("base.activity_type_todo")
                env["ir.attachment"].create({"name": "t.txt", "raw": b"t", "res_model": TICKET,
                                             "res_id": ticket.id})
            with database.env() as env:
                env.addons.uninstall(["mail_test"])
                for model, field in (("mail.message", "model"), ("mail.followers", "res_model"),
                                     ("mail.activity", "res_model"),
                                     ("ir.attachment", "res_model")):
                    assert not env[model].search([(field, "=", TICKET)]), model
                assert env["mail.activity.type"].search_count([]) == 4
        finally:
            database.dispose()
