"""iCalendar export of meetings, parsed back with the `icalendar` package: one meeting
(/crm/meeting/<id>.ics, logged in, record rules apply) and a user's feed
(/crm/calendar/<token>.ics, no session: the secret token of a calendar.feed link)."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from addons.base.tests.partner_support import unique
from core.exceptions import AccessError


def parse(data: bytes) -> list:
    return Calendar.from_ical(data).walk("VEVENT")


def emails(component, name: str) -> list[str]:
    value = component.get(name)
    values = value if isinstance(value, list) else [value] if value else []
    return sorted(str(v).removeprefix("mailto:") for v in values)


def test_a_meeting_parsed_back(env, crm):
    partner = env["res.partner"].create({"name": "Agrolait", "email": "info@agrolait.example",
                                         "owner_id": False})
    lead = env["crm.lead"].create({"name": "Office chairs", "type": "opportunity"})
    event = env["calendar.event"].create({
        "name": "Demo; chairs, tables", "start": "2026-03-02 09:00:00", "duration": 1.5,
        "user_id": crm.users["sally"], "attendee_ids": [crm.users["sally"], crm.users["sam"]],
        "partner_ids": [partner.id], "location": "Hanoi office",
        "description": "Bring the catalogue", "opportunity_id": lead.id})
    [component] = parse(event._ics_calendar("Test", "crm.example"))
    assert str(component["summary"]) == "Demo; chairs, tables"
    assert component.decoded("dtstart") == dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    assert component.decoded("dtend") == dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
    assert component["dtstart"].to_ical() == b"20260302T090000Z"  # UTC, not floating
    assert str(component["uid"]) == f"calendar-event-{event.id}@crm.example"
    assert str(component["location"]) == "Hanoi office"
    assert "Bring the catalogue" in str(component["description"])
    assert "Opportunity: Office chairs" in str(component["description"])
    assert emails(component, "organizer") == ["sally@tessera.example"]
    assert str(component["organizer"].params["CN"]) == "Sally Seller"
    assert emails(component, "attendee") == ["info@agrolait.example", "sally@tessera.example",
                                             "sam@tessera.example"]
    names = sorted(str(a.params["CN"]) for a in component["attendee"])
    assert names == ["Agrolait", "Sally Seller", "Sam Seller"]
    assert str(component["class"]) == "PUBLIC"


def test_a_feed_costs_the_same_queries_for_3_or_12_meetings(env, crm):
    from sqlalchemy import event as sa_event

    def queries(count: int) -> int:
        partners = env["res.partner"].create([{"name": f"P{i}", "email": f"p{i}@x.example",
                                               "owner_id": False} for i in range(count)])
        meetings = env["calendar.event"].create([{
            "name": f"M{i}", "start": "2026-03-02 09:00:00", "user_id": crm.users["sally"],
            "attendee_ids": [crm.users["sally"], crm.users["sam"]],
            "partner_ids": [partners[i].id]} for i in range(count)])
        env.transaction.invalidate()  # nothing cached: what a request would run
        statements = []
        engine = env.connection.engine

        def count_statement(*_args):
            statements.append(1)

        sa_event.listen(engine, "before_cursor_execute", count_statement)
        try:
            found = env(user=crm.users["sally"])["calendar.event"].browse(meetings.ids)
            assert len(parse(found._ics_calendar("x"))) == count
        finally:
            sa_event.remove(engine, "before_cursor_execute", count_statement)
        return len(statements)

    queries(1)  # the first one also loads the user's groups and rules
    assert queries(3) == queries(12) <= 8


def test_all_day_meetings_are_dates_of_the_organizers_zone(env, crm):
    env["res.users"].browse(crm.users["sally"]).write({"tz": "Asia/Ho_Chi_Minh"})
    # 2026-03-05 00:00 to 23:59 in Hanoi (UTC+7)
    event = env["calendar.event"].create({
        "name": "Trade fair", "allday": True, "user_id": crm.users["sally"],
        "start": "2026-03-04 17:00:00", "stop": "2026-03-05 16:59:00", "privacy": "private"})
    [component] = parse(event._ics_calendar("Test"))
    assert component.decoded("dtstart") == dt.date(2026, 3, 5)
    assert component.decoded("dtend") == dt.date(2026, 3, 6)
    assert str(component["class"]) == "PRIVATE"


def test_download_route_for_a_logged_in_user(crm, browsers):
    with crm.env() as env:
        public = env["calendar.event"].create({
            "name": unique("Visit é"), "start": "2026-03-02 09:00:00",
            "user_id": crm.users["sam"], "attendee_ids": [crm.users["sam"]]})
        private = env["calendar.event"].create({
            "name": unique("Private"), "start": "2026-03-02 09:00:00", "privacy": "private",
            "user_id": crm.users["sam"], "attendee_ids": [crm.users["sam"]]})
        form_link = public.ics_link
    assert f'href="/crm/meeting/{public.id}.ics"' in form_link
    browser = browsers("sally")
    response = browser.get(f"/crm/meeting/{public.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Visit-')
    assert "filename*=UTF-8''Visit-%C3%A9-" in disposition and disposition.endswith(".ics")
    [component] = parse(response.data)
    assert str(component["summary"]) == public.name
    assert browser.get(f"/crm/meeting/{private.id}.ics").status_code == 403  # rules apply
    assert browser.get("/crm/meeting/999999.ics").status_code == 404
    assert browsers("sam").get(f"/crm/meeting/{private.id}.ics").status_code == 200
    assert crm.browser().get(f"/crm/meeting/{public.id}.ics").status_code == 302  # login


def test_feed_holds_the_users_meetings_without_a_session(crm, browsers):
    sally, sam = crm.users["sally"], crm.users["sam"]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    names = {key: unique(key) for key in ("organized", "attended", "others", "old")}
    with crm.env() as env:
        events = env["calendar.event"]
        for key, organizer, attendees, start in [
                ("organized", sally, [sally], now + dt.timedelta(days=2)),
                ("attended", sam, [sam, sally], now + dt.timedelta(days=3)),
                ("others", sam, [sam], now + dt.timedelta(days=4)),
                ("old", sally, [sally], now - dt.timedelta(days=400))]:
            events.create({"name": names[key], "start": start, "user_id": organizer,
                           "attendee_ids": attendees,
                           "privacy": "private" if key == "attended" else "public"})
    with crm.env("sally") as env:
        feed = env["calendar.feed"].create({"name": "Phone"})
        token, url = feed.token, feed.url
    assert len(token) >= 40 and url == f"/crm/calendar/{token}.ics"
    anonymous = crm.browser()
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("inline;")
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["x-wr-calname"]) == "Sally Seller: meetings"
    summaries = {str(c["summary"]) for c in calendar.walk("VEVENT")}
    assert {names["organized"], names["attended"]} <= summaries
    assert names["others"] not in summaries and names["old"] not in summaries
    with crm.env() as env:
        assert env["calendar.feed"].browse(feed.id).last_used


def test_feed_tokens_are_secret_and_revocable(crm, as_user):
    with crm.env("sally") as env:
        feed = env["calendar.feed"].create({"name": "Laptop"})
        old_token = feed.token
    anonymous = crm.browser()
    assert anonymous.get(f"/crm/calendar/{old_token[:-1]}x.ics").status_code == 404
    assert anonymous.get("/crm/calendar/.ics").status_code in (404, 302)
    with crm.env("sam") as env:  # another user cannot see (or steal) sally's link
        assert not env["calendar.feed"].search([("id", "=", feed.id)])
        with pytest.raises(AccessError):
            env["calendar.feed"].browse(feed.id).token  # noqa: B018
    with crm.env("sally") as env:
        env["calendar.feed"].browse(feed.id).action_new_token()
        new_token = env["calendar.feed"].browse(feed.id).token
    assert new_token != old_token
    assert anonymous.get(f"/crm/calendar/{old_token}.ics").status_code == 404
    assert anonymous.get(f"/crm/calendar/{new_token}.ics").status_code == 200
    with crm.env("sally") as env:
        env["calendar.feed"].browse(feed.id).unlink()
    assert anonymous.get(f"/crm/calendar/{new_token}.ics").status_code == 404


def test_feed_of_a_user_who_lost_access(crm):
    with crm.env() as env:
        user = env["res.users"].create({
            "name": "Temp Seller", "login": unique("temp").replace(" ", "-"),
            "groups_id": [(6, 0, [env.ref("crm.group_crm_user").id])]})
        env["calendar.event"].create({"name": "Temp meeting", "user_id": user.id,
                                      "start": dt.datetime.now(dt.UTC).replace(tzinfo=None)})
        token = env["calendar.feed"].create({"name": "x", "user_id": user.id}).token
    anonymous = crm.browser()
    assert b"Temp meeting" in anonymous.get(f"/crm/calendar/{token}.ics").data
    with crm.env() as env:
        env["res.users"].browse(user.id).write(
            {"groups_id": [(6, 0, [env.ref("base.group_user").id])]})
    response = anonymous.get(f"/crm/calendar/{token}.ics")
    assert response.status_code == 200 and b"Temp meeting" not in response.data
    with crm.env() as env:
        env["res.users"].browse(user.id).write({"active": False})
    assert anonymous.get(f"/crm/calendar/{token}.ics").status_code == 404
