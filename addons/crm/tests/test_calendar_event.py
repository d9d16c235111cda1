"""Meetings (calendar.event): start, stop and duration, validation, defaults, record
rules, the calendar view and its menu, and scheduling a meeting from an opportunity or
a customer (the new meeting's form opens pre-filled)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from addons.base.tests.partner_support import unique
from core.exceptions import AccessError, ValidationError
from tests.web_support import doc, input_value, main_text, texts


def meeting(env, **values):
    return env["calendar.event"].create({"name": unique("Meeting"),
                                         "start": "2026-03-02 09:00:00", **values})


# -- start, stop, duration ---------------------------------------------------------------
def test_the_end_follows_the_duration_and_the_duration_the_end(env):
    event = meeting(env, duration=2.5)
    assert event.stop == dt.datetime(2026, 3, 2, 11, 30) and event.duration == 2.5
    assert meeting(env).duration == 1.0  # one hour by default
    event.write({"stop": "2026-03-02 10:00:00"})
    assert event.duration == 1.0
    event.write({"duration": 0.5})
    assert event.stop == dt.datetime(2026, 3, 2, 9, 30)
    event.write({"start": "2026-03-03 14:00:00"})  # moving the start keeps the length
    assert (event.start, event.stop) == (dt.datetime(2026, 3, 3, 14), dt.datetime(2026, 3, 3,
                                                                                  14, 30))
    event.write({"stop": "2026-03-03 16:00:00", "duration": 9})  # given both: the end wins
    assert event.duration == 2.0


def test_an_end_before_the_start_is_refused_with_a_clear_error(env):
    with pytest.raises(ValidationError) as error:
        meeting(env, stop="2026-03-02 08:00:00")
    assert error.value.field == "stop"
    assert "ends (2026-03-02 08:00 UTC) before it starts (2026-03-02 09:00 UTC)" in \
        str(error.value)
    event = meeting(env)
    with pytest.raises(ValidationError):
        event.write({"stop": "2026-03-01 09:00:00"})
    assert event.stop == dt.datetime(2026, 3, 2, 10)  # nothing changed
    with pytest.raises(ValidationError, match="must not be negative"):
        meeting(env, duration=-1)
    with pytest.raises(ValidationError, match="must not be negative"):
        event.write({"duration": -2})
    with pytest.raises(ValidationError, match="required"):
        env["calendar.event"].create({"name": "No start"})


def test_defaults_organizer_attendee_and_the_customer(as_user):
    sally = as_user("sally")
    partner = sally["res.partner"].create({"name": unique("Customer")})
    event = sally["calendar.event"].with_context(default_partner_id=partner.id).create(
        {"name": "Visit", "start": "2026-03-02 09:00:00"})
    assert event.user_id == sally.user and event.attendee_ids == sally.user
    assert event.partner_id == partner and event.partner_ids == partner


# -- record rules ------------------------------------------------------------------------
def test_salespeople_see_public_meetings_and_their_private_ones(env, as_user, crm):
    sam, sally = crm.users["sam"], crm.users["sally"]
    public = meeting(env, user_id=sam, attendee_ids=[sam])
    private = meeting(env, user_id=sam, attendee_ids=[sam], privacy="private")
    invited = meeting(env, user_id=sam, attendee_ids=[sam, sally], privacy="private")
    seen = as_user("sally")["calendar.event"].search([("id", "in", [public.id, private.id,
                                                                     invited.id])])
    assert seen.ids == sorted([public.id, invited.id], reverse=True)
    everything = as_user("mia")["calendar.event"].search([("id", "in", [public.id,
                                                                         private.id])])
    assert len(everything) == 2
    as_user("sally")["calendar.event"].browse(invited.id).write({"location": "Hanoi"})
    with pytest.raises(AccessError):  # sam's, and sally does not attend
        as_user("sally")["calendar.event"].browse(public.id).write({"location": "Paris"})
    with pytest.raises(AccessError):
        as_user("sally")["calendar.event"].create({"name": "For sam", "user_id": sam,
                                                   "attendee_ids": [sam],
                                                   "start": "2026-03-02 09:00:00"})
    with pytest.raises(AccessError):  # no CRM group
        as_user("paula")["calendar.event"].search([])


# -- the calendar view -----------------------------------------------------------------------
def test_all_meetings_menu_opens_the_week_calendar_coloured_by_organizer(crm, browsers):
    name_sally, name_sam = unique("Sally demo"), unique("Sam demo")
    with crm.env() as env:
        for name, login, start in [(name_sally, "sally", "2026-03-03 02:00:00"),
                                   (name_sam, "sam", "2026-03-04 03:00:00")]:
            env["calendar.event"].create({"name": name, "start": start,
                                          "user_id": crm.users[login]})
        action = env.ref("crm.action_meetings").id
        menu = env.ref("crm.menu_crm_meetings")
        assert menu.parent_id == env.ref("crm.menu_crm_calendar")
        assert menu.parent_id.parent_id == env.ref("crm.menu_crm_root")
    browser = browsers("sally")
    response = browser.get(f"/web/action/{action}")
    assert response.location == f"/web/calendar.event?action={action}"
    html = browser.page(f"/web/calendar.event?action={action}&date=2026-03-03")
    page = doc(html)
    assert "All meetings" in texts(page, "//nav[@class='side']//a")
    events = page.xpath("//*[contains(@class, 'event')][.//text()[contains(., 'demo')]]")
    shown = " ".join(" ".join(e.text_content().split()) for e in events)
    assert name_sally in shown and name_sam in shown
    colours = {" ".join(e.text_content().split()): e.get("class") for e in events}
    sally_colour = next(c for t, c in colours.items() if name_sally in t)
    sam_colour = next(c for t, c in colours.items() if name_sam in t)
    assert sally_colour != sam_colour
    legend = " ".join(texts(page, "//*[contains(@class, 'legend') or contains(@class, 'colors')]"))
    assert "Sally Seller" in legend and "Sam Seller" in legend
    for mode in ("day", "month"):
        assert name_sally in browser.page(f"/web/calendar.event?action={action}"
                                          f"&mode={mode}&date=2026-03-03")
    mine = browser.page(f"/web/calendar.event?action={action}&date=2026-03-03&f=organized")
    assert name_sally in mine and name_sam not in mine


def test_a_meeting_created_from_a_calendar_slot(crm, browsers):
    browser = browsers("sally")
    with crm.env() as env:
        action = env.ref("crm.action_meetings").id
    url = f"/web/calendar.event/new?action={action}&default_start=2026-03-05T10:00" \
          "&default_stop=2026-03-05T11:00"
    assert input_value(browser.page(url), "start") == "2026-03-05T10:00"
    name = unique("Slot meeting")
    response = browser.submit(url, {"name": name})
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    with crm.env() as env:
        event = env["calendar.event"].search([("name", "=", name)])
        assert (event.start, event.stop, event.duration) == (
            dt.datetime(2026, 3, 5, 10), dt.datetime(2026, 3, 5, 11), 1.0)
        assert event.user_id.login == "sally"
    moved = unique("Moved meeting")  # a new start only: the slot's length follows
    assert browser.submit(url, {"name": moved, "start": "2026-03-05T14:00"}).status_code == 303
    with crm.env() as env:
        event = env["calendar.event"].search([("name", "=", moved)])
        assert (event.start, event.stop) == (dt.datetime(2026, 3, 5, 14),
                                             dt.datetime(2026, 3, 5, 15))
    bad = browser.submit(url, {"name": unique("Backwards"), "stop": "2026-03-05T09:00"})
    assert bad.status_code == 400
    assert "before it starts" in " ".join(texts(doc(bad), "//p[@id='error-stop']"))


# -- scheduling from an opportunity or a customer ---------------------------------------------
def _defaults(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_schedule_a_meeting_from_an_opportunity(crm, browsers):
    name = unique("Big deal")
    with crm.env() as env:
        partner = env["res.partner"].create({"name": unique("Agrolait"), "is_company": True,
                                             "owner_id": False})
        lead = env["crm.lead"].create({"name": name, "type": "opportunity",
                                       "partner_id": partner.id,
                                       "user_id": crm.users["sally"]})
        assert lead.action_schedule_meeting()["url"].startswith("/web/calendar.event/new?")
    browser = browsers("sally")
    page = doc(browser.page(f"/web/crm.lead/{lead.id}"))
    assert "Schedule meeting" in texts(page, "//div[@class='header-buttons']//button")
    response = browser.submit(f"/web/crm.lead/{lead.id}", action=f"/web/crm.lead/{lead.id}"
                              "/call/action_schedule_meeting")
    assert response.status_code == 303
    defaults = _defaults(response.location)
    assert defaults["default_opportunity_id"] == str(lead.id)
    assert defaults["default_partner_id"] == str(partner.id)
    form = browser.page(response.location)
    assert input_value(form, "name") == name
    assert input_value(form, "opportunity_id") == str(lead.id)
    assert doc(form).xpath(f"//input[@name='partner_ids'][@value='{partner.id}']")
    created = browser.submit(response.location, {"start": "2026-03-06T09:00"})
    assert created.status_code == 303, main_text(created)
    with crm.env() as env:
        event = env["calendar.event"].search([("opportunity_id", "=", lead.id)])
        assert event.name == name and event.partner_id == partner
        assert event.partner_ids == partner and env["crm.lead"].browse(lead.id).meeting_count == 1


def test_schedule_a_meeting_from_a_customer(crm, browsers):
    with crm.env() as env:
        partner = env["res.partner"].create({"name": unique("Deco"), "is_company": True,
                                             "owner_id": False})
    browser = browsers("sally")
    page = doc(browser.page(f"/web/res.partner/{partner.id}"))
    assert page.xpath("//button[contains(@formaction, '/call/action_schedule_meeting')]")
    response = browser.submit(f"/web/res.partner/{partner.id}",
                              action=f"/web/res.partner/{partner.id}/call/"
                                     "action_schedule_meeting")
    assert response.status_code == 303
    assert _defaults(response.location)["default_partner_id"] == str(partner.id)
    assert input_value(browser.page(response.location), "name") == \
        f"Meeting with {partner.name}"
    paula = crm.browser("paula")  # no CRM rights: a clear refusal, nothing opens
    refused = paula.submit(f"/web/res.partner/{partner.id}",
                           action=f"/web/res.partner/{partner.id}/call/action_schedule_meeting")
    assert refused.status_code == 403
