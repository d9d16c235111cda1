"""The chatter below the form of a model with mail.thread (ws.ticket): messages newest
first with author and local date, internal notes (sanitized), field-change tracking
lines, Follow / Unfollow, activities scheduled from the form (or from anywhere, with a
`back` URL kept to /web/ paths) and marked done with feedback, the My activities page
and its filters, CSRF on every POST route, and a constant number of queries for 3 or
30 messages.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.mail_support import use_config
from tests.security_support import count_queries
from tests.web_support import XSS, Shop, doc, texts


@pytest.fixture(autouse=True)
def _cleanup(shop: Shop, monkeypatch, tmp_path):
    use_config(monkeypatch, tmp_path)
    yield
    with shop.database.env() as env:
        env["ws.ticket"].search([]).unlink()
        env["mail.activity"].search([]).unlink()


def new_ticket(shop: Shop, name: str = "Printer jam", **values) -> int:
    """A ticket created by the superuser (no follower), committed."""
    with shop.database.env() as env:
        return env["ws.ticket"].create({"name": name, **values}).id


def chatter_of(html: str):
    return doc(html).xpath("//section[@id='chatter']")[0]


def message_texts(html: str) -> list[str]:
    return texts(chatter_of(html), ".//li[contains(@class, 'message ')]")


def test_ticket_form_has_a_chatter_and_other_forms_none(shop: Shop):
    """A model with mail.thread gets the chatter below its form; ws.customer has none."""
    browser = shop.as_user("manager")
    ticket = new_ticket(shop)
    html = browser.page(f"/web/ws.ticket/{ticket}")
    assert "Ticket created" in message_texts(html)[0]
    assert '<link rel="stylesheet" href="/web/static/chatter.css">' in html
    action = shop.ref("web_shop.action_tickets")
    html = browser.page(f"/web/ws.ticket/{ticket}?action={action}&notice=saved")
    assert doc(html).xpath("//form[@id='note-form']/input[@name='back']/@value") == \
        [f"/web/ws.ticket/{ticket}?action={action}"]
    customer = browser.page(f"/web/ws.customer/{shop.customers['agrolait']}")
    assert not doc(customer).xpath("//section[@id='chatter']")


def test_post_note_appears_first_with_author_and_local_date(shop: Shop):
    """A posted note is shown first, with its author and the date in sally's time zone
    (Asia/Ho_Chi_Minh, UTC+7); the poster becomes a follower."""
    ticket = new_ticket(shop)
    browser = shop.as_user("sally")
    response = browser.post(f"/web/ws.ticket/{ticket}/chatter/note",
                            {"body": "<p>Called the <b>customer</b></p>"})
    assert response.status_code == 303
    assert response.location == f"/web/ws.ticket/{ticket}#chatter"
    html = browser.page(f"/web/ws.ticket/{ticket}")
    first = chatter_of(html).xpath(".//li[contains(@class, 'message ')]")[0]
    assert "Called the customer" in first.text_content()
    assert first.xpath(".//b/text()") == ["customer"]
    assert texts(first, ".//strong[@class='author']") == ["Sally Seller"]
    with shop.database.env() as env:
        date = env["mail.message"].search([("model", "=", "ws.ticket"),
                                           ("res_id", "=", ticket)], limit=1).date
    local = (date + dt.timedelta(hours=7)).strftime("%Y-%m-%d %H:%M")
    assert texts(first, ".//time") == [local]
    assert texts(chatter_of(html), ".//ul[@class='follower-list']/li") == ["Sally Seller"]


def test_note_body_is_sanitized(shop: Shop):
    """Scripts and event handlers of a note never reach the page."""
    ticket = new_ticket(shop)
    browser = shop.as_user("sally")
    for payload in XSS:
        browser.post(f"/web/ws.ticket/{ticket}/chatter/note", {"body": payload})
    html = browser.page(f"/web/ws.ticket/{ticket}")
    section = chatter_of(html)
    assert not section.xpath(".//script") and not section.xpath(".//*[@onerror]")


def test_empty_note_posts_nothing(shop: Shop):
    ticket = new_ticket(shop)
    browser = shop.as_user("sally")
    browser.post(f"/web/ws.ticket/{ticket}/chatter/note", {"body": "   "})
    assert len(message_texts(browser.page(f"/web/ws.ticket/{ticket}"))) == 1


def test_tracking_lines_after_an_edit(shop: Shop):
    """Saving the form with a new status and priority shows old → new lines."""
    ticket = new_ticket(shop)
    browser = shop.as_user("manager")
    response = browser.submit(f"/web/ws.ticket/{ticket}", {"state": "progress",
                                                           "priority": "2"})
    assert response.status_code == 303
    html = browser.page(f"/web/ws.ticket/{ticket}")
    lines = texts(chatter_of(html), ".//ul[@class='tracking']/li")
    assert "New → In progress (Status)" in lines
    assert "Normal → Urgent (Priority)" in lines
    assert texts(chatter_of(html), ".//li[contains(@class, 'message ')][1]//strong"
                 "[@class='author']") == ["Mia Manager"]


def test_follow_and_unfollow(shop: Shop):
    ticket = new_ticket(shop)
    browser = shop.as_user("sam")
    html = browser.page(f"/web/ws.ticket/{ticket}")
    assert texts(doc(html), "//form[@id='follow-form']/button") == ["Follow"]
    response = browser.post(f"/web/ws.ticket/{ticket}/chatter/follow")
    assert response.status_code == 303
    html = browser.page(f"/web/ws.ticket/{ticket}")
    assert texts(doc(html), "//ul[@class='follower-list']/li") == ["Sam Seller"]
    assert texts(doc(html), "//form[@id='follow-form']/button") == ["Unfollow"]
    browser.post(f"/web/ws.ticket/{ticket}/chatter/unfollow")
    html = browser.page(f"/web/ws.ticket/{ticket}")
    assert texts(doc(html), "//ul[@class='follower-list']/li") == []


def test_schedule_and_mark_done_posts_a_message(shop: Shop):
    """An activity scheduled from the form shows with its state badge; done with
    feedback, it goes and the chatter says so."""
    ticket = new_ticket(shop)
    browser = shop.as_user("sally")
    call = shop.ref("base.activity_type_call")
    response = browser.post(f"/web/ws.ticket/{ticket}/activity/schedule", {
        "activity_type_id": str(call), "summary": "Call back", "date_deadline": "2020-01-02",
        "user_id": str(shop.users["sally"]), "note": "Ask about the toner"})
    assert response.status_code == 303
    html = browser.page(f"/web/ws.ticket/{ticket}")
    [activity] = doc(html).xpath("//section[@id='activities']//li[@data-activity-id]")
    assert "Call back" in activity.text_content()
    assert texts(activity, ".//span[contains(@class, 'state-badge')]") == ["Overdue"]
    response = browser.post(f"/web/activity/{activity.get('data-activity-id')}/done",
                            {"feedback": "Done, <b>toner</b> ordered",
                             "back": f"/web/ws.ticket/{ticket}"})
    assert response.status_code == 303
    assert response.location.startswith(f"/web/ws.ticket/{ticket}")
    html = browser.page(f"/web/ws.ticket/{ticket}")
    assert not doc(html).xpath("//section[@id='activities']")
    first = message_texts(html)[0]
    assert "Call done: Call back" in first and "Done, <b>toner</b> ordered" in first


def test_schedule_back_url_stays_on_the_web_client(shop: Shop):
    """`back` is followed for /web/ paths only (kanban cards use it)."""
    ticket = new_ticket(shop)
    browser = shop.as_user("sally")
    url = f"/web/ws.ticket/{ticket}/activity/schedule"
    response = browser.post(url, {"summary": "A", "back": "/web/ws.ticket?view=kanban"})
    assert response.location == "/web/ws.ticket?view=kanban#activities"
    for evil in ("https://evil.example/web/", "//evil.example/web/", "/\\evil.example"):
        response = browser.post(url, {"summary": "B", "back": evil})
        assert response.location == f"/web/ws.ticket/{ticket}#activities"


def test_schedule_needs_write_access(shop: Shop):
    """sam cannot read (nor schedule on) a ticket assigned to sally."""
    ticket = new_ticket(shop, user_id=shop.users["sally"])
    browser = shop.as_user("sam")
    response = browser.post(f"/web/ws.ticket/{ticket}/activity/schedule", {"summary": "X"})
    assert response.status_code == 403
    assert browser.post(f"/web/ws.ticket/{ticket}/chatter/note",
                        {"body": "hi"}).status_code == 403
    with shop.database.env() as env:
        assert not env["mail.activity"].search([("res_id", "=", ticket)])


def test_bad_deadline_is_refused(shop: Shop):
    ticket = new_ticket(shop)
    response = shop.as_user("sally").post(f"/web/ws.ticket/{ticket}/activity/schedule",
                                          {"summary": "X", "date_deadline": "tomorrow"})
    assert response.status_code == 400


def test_my_activities_filters(shop: Shop):
    """/web/activities lists the user's activities by state, linking to the records."""
    ticket = new_ticket(shop, "Overdue one")
    other = new_ticket(shop, "Planned one")
    today = dt.date.today()
    with shop.database.env() as env:
        sally = shop.users["sally"]
        env["ws.ticket"].browse(ticket).activity_schedule(
            summary="Late", date_deadline=today - dt.timedelta(days=3), user_id=sally)
        env["ws.ticket"].browse(other).activity_schedule(
            summary="Later", date_deadline=today + dt.timedelta(days=30), user_id=sally)
        env["ws.ticket"].browse(other).activity_schedule(
            summary="Not mine", date_deadline=today, user_id=shop.users["sam"])
    browser = shop.as_user("sally")
    html = browser.page("/web/activities")
    assert texts(doc(html), "//li[@data-activity-id]//span[@class='summary']") == \
        ["Late", "Later"]
    assert doc(html).xpath("//li[@data-activity-id]//a[@class='activity-record']/@href") == \
        [f"/web/ws.ticket/{ticket}", f"/web/ws.ticket/{other}"]
    overdue = browser.page("/web/activities?state=overdue")
    assert texts(doc(overdue), "//li[@data-activity-id]//span[@class='summary']") == ["Late"]
    planned = browser.page("/web/activities?state=planned")
    assert texts(doc(planned), "//li[@data-activity-id]//span[@class='summary']") == \
        ["Later"]
    assert "No activities today" in browser.page("/web/activities?state=today")
    assert texts(doc(html), "//nav[@class='activity-filters']//span[@class='count']") == \
        ["2", "1", "0", "1"]


def test_my_activities_action_opens_the_page(shop: Shop):
    """The My activities action (base.action_my_activities, on mail.activity) opens the
    My activities page; another action of mail.activity would get the usual list."""
    browser = shop.as_user("sam")
    action = shop.ref("base.action_my_activities")
    response = browser.get(f"/web/action/{action}")
    assert response.location == f"/web/mail.activity?action={action}"
    html = browser.page(response.location)
    assert texts(doc(html), "//h1") == ["My activities"]
    assert doc(html).xpath("//nav[@class='activity-filters']")


@pytest.mark.parametrize("path", ["chatter/note", "chatter/follow", "chatter/unfollow",
                                  "activity/schedule", "attachments"])
def test_csrf_required(shop: Shop, path):
    ticket = new_ticket(shop)
    browser = shop.as_user("manager")
    response = browser.post(f"/web/ws.ticket/{ticket}/{path}", {"body": "x", "summary": "x"},
                            csrf=False)
    assert response.status_code == 403
    with shop.database.env() as env:
        record = env["ws.ticket"].browse(ticket)
        assert len(record.message_ids) == 1 and not record.activity_ids


def test_csrf_required_for_done(shop: Shop):
    ticket = new_ticket(shop)
    with shop.database.env() as env:
        activity = env["ws.ticket"].browse(ticket).activity_schedule(summary="x").id
    browser = shop.as_user("manager")
    assert browser.post(f"/web/activity/{activity}/done", csrf=False).status_code == 403
    with shop.database.env() as env:
        assert env["mail.activity"].browse(activity).exists()


def test_unknown_record_or_model_is_not_found(shop: Shop):
    browser = shop.as_user("manager")
    assert browser.post("/web/ws.ticket/999999/chatter/note", {"body": "x"}).status_code \
        == 404
    assert browser.post("/web/no.model/1/chatter/note", {"body": "x"}).status_code == 404
    customer = shop.customers["agrolait"]
    assert browser.post(f"/web/ws.customer/{customer}/chatter/note",
                        {"body": "x"}).status_code == 404


def test_form_with_chatter_costs_the_same_for_3_and_30_messages(shop: Shop):
    """Messages, tracking lines, followers, activities and attachments are read in a
    constant number of queries."""
    ticket = new_ticket(shop)
    browser = shop.as_user("manager")
    path = f"/web/ws.ticket/{ticket}"

    def add(count: int) -> None:
        with shop.database.env() as env:
            record = env["ws.ticket"].browse(ticket)
            for number in range(count):
                record.message_post(body=f"<p>Note {number}</p>")
                record.write({"priority": str((number + 1) % 3)})
            record.activity_schedule(summary=f"A{count}")
            env["ir.attachment"].create({"name": f"f{count}.txt", "raw": b"x",
                                         "res_model": "ws.ticket", "res_id": ticket})

    add(1)
    browser.page(path)
    with count_queries(shop.database) as few:
        html = browser.page(path)
    assert len(message_texts(html)) >= 3
    add(15)
    browser.page(path)
    with count_queries(shop.database) as many:
        html = browser.page(path)
    assert len(message_texts(html)) >= 30
    assert len(many) == len(few), "\n".join(many)
