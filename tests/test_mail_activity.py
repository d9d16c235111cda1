"""Activities: types, scheduling, states relative to the user's today, done with
feedback, my activities, access; on SQLite and PostgreSQL (docs/mail.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from addons.base.models import mail_activity
from core.exceptions import AccessError, ValidationError
from tests.conftest import ENGINES
from tests.mail_support import NOTE, TICKET, mail_world, rolled_back, use_config

DAY = dt.timedelta(days=1)


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
    return record.env["mail.message"].sudo().search(
        [("model", "=", record._name), ("res_id", "=", record.id)])


def test_activity_types_are_data_of_base(env):
    names = {xmlid: env.ref(f"base.activity_type_{xmlid}").name
             for xmlid in ("call", "meeting", "email", "todo")}
    assert names == {"call": "Call", "meeting": "Meeting", "email": "Email", "todo": "To-Do"}
    call = env.ref("base.activity_type_call")
    assert (call.icon, call.default_days) == ("fa-phone", 2)


def test_schedule_fills_deadline_assignee_and_record_name(env, world):
    alice = as_user(env, world, "alice")
    tickets = alice[TICKET].create([{"name": "Call the customer"}, {"name": "Second"}])
    activities = tickets.activity_schedule("base.activity_type_call", summary="Ask for logs")
    today = mail_activity.user_today(alice)
    assert [(a.res_model, a.res_id, a.res_name) for a in activities] == \
        [(TICKET, t.id, t.name) for t in tickets]
    first = activities[0]
    assert first.date_deadline == today + 2 * DAY  # the type's default days
    assert first.user_id.id == world.users["alice"] and first.summary == "Ask for logs"
    assert first.activity_type_id == env.ref("base.activity_type_call").with_env(alice)
    meeting = tickets[0].activity_schedule(env.ref("base.activity_type_meeting"),
                                           date_deadline="2030-01-31", note="<p>Agenda</p>",
                                           user_id=world.users["bob"])
    assert (meeting.date_deadline, meeting.note, meeting.user_id.name) == \
        (dt.date(2030, 1, 31), "<p>Agenda</p>", "Bob")
    plain = tickets[0].activity_schedule(summary="No type")
    assert not plain.activity_type_id and plain.date_deadline == today
    assert tickets[0].activity_ids == (first | meeting | plain).sorted("date_deadline")
    # scheduling needs write access to the record
    rita = as_user(env, world, "rita")[TICKET].browse(tickets[0].id)
    with pytest.raises(AccessError, match="write"):
        rita.activity_schedule("base.activity_type_todo")


def test_state_is_relative_to_today_and_searchable(env, world):
    alice = as_user(env, world, "alice")
    today = mail_activity.user_today(alice)
    late, due, later, idle = alice[TICKET].create(
        [{"name": "Late"}, {"name": "Due"}, {"name": "Later"}, {"name": "Idle"}])
    late.activity_schedule(date_deadline=today - DAY, summary="late")
    late.activity_schedule(date_deadline=today + DAY, summary="also planned")
    due.activity_schedule(date_deadline=today, summary="due")
    due.activity_schedule(date_deadline=today + 3 * DAY, summary="planned too")
    later.activity_schedule(date_deadline=today + 5 * DAY, summary="later")
    tickets = late | due | later | idle
    assert tickets.mapped("activity_state") == ["overdue", "today", "planned", False]
    assert tickets.mapped("activity_date_deadline") == [today - DAY, today, today + 5 * DAY,
                                                        False]
    Activity = alice["mail.activity"]
    mine = [("res_id", "in", tickets.ids), ("res_model", "=", TICKET)]
    for state, summaries in (("overdue", {"late"}), ("today", {"due"}),
                             ("planned", {"also planned", "planned too", "later"})):
        assert set(Activity.search([*mine, ("state", "=", state)]).mapped("summary")) == \
            summaries
        assert {a.state for a in Activity.search([*mine, ("state", "=", state)])} == {state}
    assert set(Activity.search([*mine, ("state", "!=", "planned")]).mapped("summary")) == \
        {"late", "due"}
    assert set(Activity.search([*mine, ("state", "in", ["overdue", "planned"])])
               .mapped("summary")) == {"late", "also planned", "planned too", "later"}
    assert not Activity.search([*mine, ("state", "not in", ["overdue", "today", "planned"])])
    with pytest.raises(ValidationError, match="state"):
        Activity.search([("state", "ilike", "over")])
    Ticket = alice[TICKET]
    scope = [("id", "in", tickets.ids)]
    assert Ticket.search([*scope, ("activity_state", "=", "overdue")]) == late
    assert Ticket.search([*scope, ("activity_state", "in", ["today", "planned"])]) == due | later
    assert Ticket.search([*scope, ("activity_state", "=", False)]) == idle
    assert Ticket.search([*scope, ("activity_state", "!=", "overdue")]) == due | later | idle


def test_today_is_the_users_own_in_their_time_zone(env, world, monkeypatch):
    # 23:00 UTC on 1 January is already 2 January in Kiribati (UTC+14)
    monkeypatch.setattr(mail_activity, "utcnow",
                        lambda: dt.datetime(2024, 1, 1, 23, 0, tzinfo=dt.UTC))
    env["res.users"].browse(world.users["bob"]).write({"tz": "Pacific/Kiritimati"})
    env["res.users"].browse(world.users["alice"]).write({"tz": "Not/AZone"})
    ticket = env[TICKET].create({"name": "Time zones"})
    activity = ticket.activity_schedule(date_deadline=dt.date(2024, 1, 1))
    assert as_user(env, world, "alice")["mail.activity"].browse(activity.id).state == "today"
    env.transaction.invalidate()
    assert as_user(env, world, "bob")["mail.activity"].browse(activity.id).state == "overdue"
    assert mail_activity.user_today(as_user(env, world, "bob")) == dt.date(2024, 1, 2)


def test_done_posts_a_message_with_the_feedback_and_removes_the_activity(env, world):
    alice = as_user(env, world, "alice")
    ticket = alice[TICKET].create({"name": "Follow up"})
    call = ticket.activity_schedule("base.activity_type_call", summary="Discuss the quote")
    message = call.action_done(feedback="Customer agrees <b>today</b>")
    assert not call.sudo().exists()
    assert message == messages_of(ticket)[0].with_env(alice)
    assert message.body == ("<p>Call done: Discuss the quote</p>"
                            "<p>Customer agrees &lt;b&gt;today&lt;/b&gt;</p>")
    assert (message.message_type, message.author_id.name) == ("notification", "Alice")
    todo = ticket.activity_schedule("base.activity_type_todo")
    assert todo.action_done().body == "<p>To-Do done</p>"
    # a record without chatter: the activity just goes
    note = alice[NOTE].create({"name": "Plain"})
    activity = alice["mail.activity"].create({"res_model": NOTE, "res_id": note.id,
                                              "date_deadline": "2030-01-01", "summary": "x"})
    assert activity.res_name == "Plain"
    assert not activity.action_done("ok") and not activity.sudo().exists()


def test_the_assignee_may_mark_done_with_read_access_others_need_write(env, world):
    ticket = env[TICKET].create({"name": "Read only"})
    for_rita = ticket.activity_schedule(summary="for Rita", user_id=world.users["rita"])
    for_bob = ticket.activity_schedule(summary="for Bob", user_id=world.users["bob"])
    rita = as_user(env, world, "rita")["mail.activity"]
    with pytest.raises(AccessError, match="write"):
        rita.browse(for_bob.id).action_done()
    message = rita.browse(for_rita.id).action_done("done by Rita")
    assert message.author_id.name == "Rita" and not for_rita.exists()
    with pytest.raises(AccessError):
        as_user(env, world, "dave")["mail.activity"].browse(for_bob.id).action_done()


def test_my_activities_lists_the_current_users_by_state(env, world):
    alice = as_user(env, world, "alice")
    today = mail_activity.user_today(alice)
    tickets = alice[TICKET].create([{"name": f"T{i}"} for i in range(3)])
    visible = {}
    for ticket, deadline, summary in zip(tickets, (today - DAY, today, today + DAY),
                                         ("late", "now", "soon")):
        visible[summary] = ticket.activity_schedule(date_deadline=deadline, summary=summary)
    tickets[0].activity_schedule(summary="Bob's", user_id=world.users["bob"])
    secret = env[TICKET].create({"name": "Secret", "confidential": True})
    secret.activity_schedule(summary="hidden", user_id=world.users["alice"])
    Activity = alice["mail.activity"]
    mine = Activity.my_activities()
    assert mine.mapped("summary") == ["late", "now", "soon"]  # most urgent first
    assert Activity.my_activities("overdue").mapped("summary") == ["late"]
    assert Activity.my_activities(["today", "planned"]).mapped("summary") == ["now", "soon"]
    assert Activity.my_activity_counts() == {"overdue": 1, "today": 1, "planned": 1,
                                             "total": 3}
    assert as_user(env, world, "bob")["mail.activity"].my_activities().mapped("summary") == \
        ["Bob's"]
