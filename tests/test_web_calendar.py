"""The calendar view (core/web/calendar_view.py) on ws.meeting of the test shop: day,
week and month modes with their navigation, events placed in the user's time zone
(sally works in Asia/Ho_Chi_Minh, UTC+7), multi-day bars, the colour filter, links of
empty slots to a pre-filled new form, order deadlines from the `calendar_events` hook,
the search, escaping, a constant query count and clear pages for bad parameters.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.security_support import count_queries
from tests.web_support import XSS, Shop, doc, input_value, main_text, texts

CAL = "/web/ws.meeting?view=calendar&"



@pytest.fixture(autouse=True)
def _cleanup(shop: Shop):
    yield
    with shop.database.env() as env:
        env["ws.meeting"].search([]).unlink()
        env["ws.order"].with_context(active_test=False).search([]).write({"deadline": False})
        env["ws.order"].browse(shop.orders["sally"]).write(
            {"deadline": "2026-01-20 10:30:00"})


def meetings(shop: Shop, *rows: dict) -> list[int]:
    """Create meetings (start and stop in UTC)."""
    with shop.database.env() as env:
        return env["ws.meeting"].create(list(rows)).ids


def cal(browser, **query):
    """The parsed calendar page of `query` (mode, date, hide, s, f...)."""
    return doc(browser.page(CAL + urlencode(query, doseq=True)))


def events(document, xpath: str = "//a[@data-event]") -> list[str]:
    return texts(document, xpath + "//span[@class='cal-title']")


def day_of(document, title: str) -> str:
    """The day column (week or day mode) holding the timed event `title`."""
    [column] = document.xpath(f"//div[@data-day][.//span[@class='cal-title' and "
                              f"normalize-space()='{title}']]")
    return column.get("data-day")


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# -- modes and navigation ---------------------------------------------------------------
def test_the_action_opens_the_week_and_the_menu_shows_meetings(shop: Shop):
    browser = shop.as_user("sally")
    document = doc(browser.page("/web/ws.meeting"))
    assert document.xpath("//div[@data-calendar]/@data-mode") == ["week"]
    assert len(document.xpath("//div[@data-day]")) == 7
    assert "Meetings" in texts(document, "//nav[@class='side']//a")
    assert texts(document, "//nav[@class='view-switcher']/a") == ["Calendar", "List"]


def test_week_day_and_month_with_previous_today_next(shop: Shop):
    browser = shop.as_user("sally")
    week = cal(browser, mode="week", date="2026-11-25")
    assert texts(week, "//h2[@class='cal-heading']") == ["23 - 29 November 2026"]
    assert week.xpath("//div[@data-day]/@data-day") == [
        f"2026-11-{d}" for d in range(23, 30)]
    nav = {a.get("rel") or a.text_content().strip(): query_of(a.get("href"))
           for a in week.xpath("//nav[@class='cal-nav']/a")}
    assert nav["prev"]["date"] == "2026-11-18" and nav["next"]["date"] == "2026-12-02"
    assert "date" not in nav["Today"] and nav["Today"]["mode"] == "week"

    day = cal(browser, mode="day", date="2026-11-25")
    assert texts(day, "//h2[@class='cal-heading']") == ["Wednesday 25 November 2026"]
    assert day.xpath("//div[@data-day]/@data-day") == ["2026-11-25"]
    prev = day.xpath("//nav[@class='cal-nav']/a[@rel='prev']/@href")[0]
    assert query_of(prev)["date"] == "2026-11-24"

    month = cal(browser, mode="month", date="2026-11-25")
    assert texts(month, "//h2[@class='cal-heading']") == ["November 2026"]
    assert month.xpath("//div[@data-calendar]/@data-first") == ["2026-10-26"]
    assert month.xpath("//div[@data-calendar]/@data-last") == ["2026-12-06"]
    assert len(month.xpath("//div[contains(@class, 'cal-month-week')]")) == 6
    links = month.xpath("//nav[@class='cal-nav']/a/@href")
    assert query_of(links[0])["date"] == "2026-10-01"
    assert query_of(links[2])["date"] == "2026-12-01"
    modes = {a.text_content(): query_of(a.get("href"))
             for a in month.xpath("//nav[@class='cal-modes']/a")}
    assert modes["Day"] == {**modes["Day"], "mode": "day", "date": "2026-11-25"}
    # a day number opens that day
    link = month.xpath("//a[contains(@class, 'cal-daynum')][normalize-space()='30']/@href")[-1]
    assert query_of(link)["date"] == "2026-11-30" and query_of(link)["mode"] == "day"


def test_bad_mode_and_dates_give_a_clear_page(shop: Shop):
    browser = shop.as_user("sally")
    for query, message in [({"mode": "year"}, "choose day, week or month"),
                           ({"date": "2026-13-40"}, "is not a date"),
                           ({"date": "yesterday"}, "is not a date"),
                           ({"date": "0001-01-01"}, "shows the years"),
                           ({"date": "9999-12-31", "mode": "month"}, "shows the years")]:
        response = browser.get(CAL + urlencode(query))
        assert response.status_code == 400, query
        assert message in main_text(response)
    # a model without a calendar view
    response = browser.get("/web/ws.order?view=calendar")
    assert response.status_code == 400
    assert "no calendar view" in main_text(response)
    # a hide value that names nothing hides nothing
    meetings(shop, {"name": "Kept", "start": "2026-11-25 03:00:00",
                    "stop": "2026-11-25 04:00:00"})
    assert events(cal(browser, date="2026-11-25", hide="x,,@nothing")) == ["Kept"]


# -- placing events ---------------------------------------------------------------------
def test_events_are_placed_in_the_users_time_zone(shop: Shop):
    meetings(shop, {"name": "Late call", "start": "2026-11-25 20:00:00",
                    "stop": "2026-11-25 21:30:00", "user_id": shop.users["sam"]})
    sally = cal(shop.as_user("sally"), date="2026-11-25")  # UTC+7: the 26th, 03:00
    assert day_of(sally, "Late call") == "2026-11-26"
    assert texts(sally, "//a[@data-event]//span[@class='cal-time']") == ["03:00 - 04:30"]
    [event] = sally.xpath("//a[@data-event]")
    assert "row-7" in event.get("class") and "rspan-3" in event.get("class")
    manager = cal(shop.as_user("manager"), date="2026-11-25")  # UTC
    assert day_of(manager, "Late call") == "2026-11-25"
    assert texts(manager, "//a[@data-event]//span[@class='cal-time']") == ["20:00 - 21:30"]
    # the month of sally: in the cell of the 26th, with its time
    month = cal(shop.as_user("sally"), mode="month", date="2026-11-25")
    [event] = month.xpath("//a[@data-event]")
    assert "col-4" in event.get("class")  # Thursday
    assert texts(month, "//a[@data-event]//span[@class='cal-time']") == ["03:00"]
    # the event opens its form
    assert urlsplit(event.get("href")).path.startswith("/web/ws.meeting/")
    # at the edge of a period: in sally's week of 30 November, not in the one before
    meetings(shop, {"name": "Edge", "start": "2026-11-29 18:00:00",
                    "stop": "2026-11-29 19:00:00"})
    assert "Edge" not in events(cal(shop.as_user("sally"), date="2026-11-25"))
    assert day_of(cal(shop.as_user("sally"), date="2026-11-30"), "Edge") == "2026-11-30"


def test_multi_day_and_all_day_events_are_bars(shop: Shop):
    meetings(shop,
             {"name": "Trade fair", "start": "2026-11-23 02:00:00",
              "stop": "2026-11-27 10:00:00"},
             {"name": "Holiday", "start": "2026-11-26 00:00:00",
              "stop": "2026-11-26 01:00:00", "allday": True},
             {"name": "Across", "start": "2026-11-28 03:00:00",
              "stop": "2026-12-02 03:00:00"})
    browser = shop.as_user("manager")
    month = cal(browser, mode="month", date="2026-11-25")
    bars = {e.xpath("string(.//span[@class='cal-title'])"): e.get("class").split()
            for e in month.xpath("//a[@data-event]")}
    assert {"bar", "col-1", "span-5"} <= set(bars["Trade fair"])
    assert {"bar", "col-4", "span-1"} <= set(bars["Holiday"])
    # across two weeks: a piece in each week row
    pieces = month.xpath("//a[@data-event][.//span[normalize-space()='Across']]")
    assert [p.get("class").split()[-5:] for p in pieces] == [
        ["col-6", "span-2", "lane-1", "after", "bar"],
        ["col-1", "span-3", "lane-1", "before", "bar"]]
    week = cal(browser, mode="week", date="2026-11-25")
    all_day = week.xpath("//div[@class='cal-allday-row']")[0]
    assert sorted(events(all_day, ".//a[@data-event]")) == ["Across", "Holiday", "Trade fair"]
    assert not week.xpath("//div[@data-day]//a[@data-event]")  # no timed event


def test_many_events_of_a_day_show_more(shop: Shop):
    meetings(shop, *[{"name": f"Busy {n}", "start": f"2026-11-25 0{n}:00:00",
                      "stop": f"2026-11-25 0{n}:30:00"} for n in range(6)])
    month = cal(shop.as_user("manager"), mode="month", date="2026-11-25")
    assert len(month.xpath("//a[@data-event]")) == 4
    [more] = month.xpath("//a[contains(@class, 'cal-more')]")
    assert more.text_content().strip() == "+2 more"
    assert query_of(more.get("href"))["mode"] == "day"
    day = cal(shop.as_user("manager"), mode="day", date="2026-11-25")
    assert len(day.xpath("//a[@data-event]")) == 6


def test_overlapping_events_sit_side_by_side(shop: Shop):
    meetings(shop, {"name": "One", "start": "2026-11-25 09:00:00",
                    "stop": "2026-11-25 11:00:00"},
             {"name": "Two", "start": "2026-11-25 10:00:00", "stop": "2026-11-25 10:30:00"},
             {"name": "Three", "start": "2026-11-25 12:00:00",
              "stop": "2026-11-25 13:00:00"})
    day = cal(shop.as_user("manager"), mode="day", date="2026-11-25")
    lanes = {e.xpath("string(.//span[@class='cal-title'])"): e.get("class").split()[-1]
             for e in day.xpath("//a[@data-event]")}
    assert lanes == {"One": "lc-1", "Two": "lc-2", "Three": "lc-1"}
    assert "cols-2" in day.xpath("//div[@data-day]/@class")[0]


# -- colours, search and the hook -------------------------------------------------------
def test_colours_by_attendee_and_their_filter(shop: Shop):
    meetings(shop, {"name": "Of sally", "start": "2026-11-24 03:00:00",
                    "stop": "2026-11-24 04:00:00", "user_id": shop.users["sally"]},
             {"name": "Of sam", "start": "2026-11-25 03:00:00",
              "stop": "2026-11-25 04:00:00", "user_id": shop.users["sam"]},
             {"name": "Nobody's", "start": "2026-11-26 03:00:00",
              "stop": "2026-11-26 04:00:00"})
    browser = shop.as_user("manager")
    week = cal(browser, date="2026-11-25")
    classes = {e.xpath("string(.//span[@class='cal-title'])"): e.get("class").split()[1]
               for e in week.xpath("//a[@data-event]")}
    assert classes == {"Of sally": f"color-{shop.users['sally'] % 12}",
                       "Of sam": f"color-{shop.users['sam'] % 12}",
                       "Nobody's": "color-none"}
    filters = week.xpath("//a[@data-color-filter]")
    assert [f.text_content().strip() for f in filters] == ["None", "Sally Seller",
                                                           "Sam Seller"]
    assert all(f.get("aria-checked") == "true" for f in filters)
    hide_sam = filters[2].get("href")
    assert query_of(hide_sam)["hide"] == str(shop.users["sam"])
    hidden = doc(browser.page(hide_sam))
    assert sorted(events(hidden)) == ["Nobody's", "Of sally"]
    sam = hidden.xpath("//a[@data-color-filter]")[2]
    assert sam.get("aria-checked") == "false"
    # the state stays in the navigation links, and the box ticks it back
    assert all(query_of(a.get("href")).get("hide") == str(shop.users["sam"])
               for a in hidden.xpath("//nav[@class='cal-nav']/a"))
    assert "hide" not in query_of(sam.get("href"))
    assert len(events(doc(browser.page(sam.get("href"))))) == 3


def test_the_search_applies_to_the_events(shop: Shop):
    meetings(shop, {"name": "Standup", "start": "2026-11-25 03:00:00",
                    "stop": "2026-11-25 03:15:00", "user_id": shop.users["sally"]},
             {"name": "Review", "start": "2026-11-25 05:00:00",
              "stop": "2026-11-25 06:00:00", "user_id": shop.users["sam"]})
    browser = shop.as_user("sally")
    assert events(cal(browser, date="2026-11-25", s="name:stand")) == ["Standup"]
    mine = cal(browser, date="2026-11-25", f="mine")
    assert events(mine) == ["Standup"]
    assert texts(mine, "//span[contains(@class, 'facet-filter')]//span[@class="
                       "'facet-values']") == ["My meetings"]
    # the facets keep the calendar's mode and date
    [remove] = mine.xpath("//a[@class='facet-remove']/@href")
    assert query_of(remove)["mode"] == "week" and query_of(remove)["date"] == "2026-11-25"


def test_hook_events_link_to_their_record_and_follow_the_rules(shop: Shop):
    with shop.database.env() as env:
        env["ws.order"].browse(shop.orders["open"]).write({"deadline": "2026-11-24 05:00:00"})
        env["ws.order"].browse(shop.orders["sam"]).write({"deadline": "2026-11-24 06:00:00"})
    sally = cal(shop.as_user("sally"), date="2026-11-25")
    [event] = sally.xpath("//a[@data-event]")
    assert "cal-external" in event.get("class")
    assert event.get("href") == f"/web/ws.order/{shop.orders['open']}"
    assert texts(sally, "//a[@data-event]//span[@class='cal-title']") == ["Deadline SO-OPEN"]
    assert texts(sally, "//a[@data-event]//span[@class='cal-source']") == ["Order"]
    assert day_of(sally, "Deadline SO-OPEN") == "2026-11-24"  # 12:00 in Ho Chi Minh
    assert "Order" in texts(sally, "//a[@data-color-filter]")
    manager = cal(shop.as_user("manager"), date="2026-11-25")
    assert sorted(events(manager)) == ["Deadline SO-OPEN", "Deadline SO-SAM"]
    # hidden like a colour
    hidden = cal(shop.as_user("manager"), date="2026-11-25", hide="@ws.order")
    assert events(hidden) == []


# -- creating ---------------------------------------------------------------------------
def test_empty_slots_link_to_a_prefilled_form_in_the_users_time_zone(shop: Shop):
    browser = shop.as_user("sally")
    week = cal(browser, date="2026-11-25")
    [slot] = week.xpath("//a[@data-slot='2026-11-25T14:00']/@href")
    query = query_of(slot)
    assert urlsplit(slot).path == "/web/ws.meeting/new"
    assert query["default_start"] == "2026-11-25T14:00"
    assert query["default_stop"] == "2026-11-25T15:00"
    assert query["action"] == str(shop.ref("web_shop.action_meetings"))
    form = browser.page(slot)
    assert input_value(form, "start") == "2026-11-25T14:00"
    assert input_value(form, "stop") == "2026-11-25T15:00"
    response = browser.submit(slot, {"name": "Created from a slot"})
    assert response.status_code == 303, main_text(response)
    with shop.database.env() as env:
        [meeting] = env["ws.meeting"].search([("name", "=", "Created from a slot")]).read(
            ["start", "stop"])
    assert str(meeting["start"]) == "2026-11-25 07:00:00"  # UTC
    assert day_of(cal(browser, date="2026-11-25"), "Created from a slot") == "2026-11-25"
    # a day of the month (or of the all-day row) makes an all-day event
    month = cal(browser, mode="month", date="2026-11-25")
    [day_slot] = month.xpath("//a[@data-slot='2026-11-30']/@href")
    assert {k: v for k, v in query_of(day_slot).items() if k.startswith("default_")} == {
        "default_start": "2026-11-30T00:00", "default_stop": "2026-11-30T23:59",
        "default_allday": "1"}


# -- escaping and cost ------------------------------------------------------------------
def test_event_titles_are_escaped(shop: Shop):
    meetings(shop, {"name": XSS[0], "start": "2026-11-25 03:00:00",
                    "stop": "2026-11-25 04:00:00"},
             {"name": XSS[1], "start": "2026-11-24 03:00:00",
              "stop": "2026-11-26 04:00:00"})
    for mode in ("day", "week", "month"):
        html = shop.as_user("manager").page(CAL + urlencode({"mode": mode,
                                                             "date": "2026-11-25"}))
        assert XSS[0] not in html and XSS[1] not in html
        assert XSS[0] in events(doc(html))


def month_statements(shop: Shop, browser) -> list[str]:
    path = CAL + urlencode({"mode": "month", "date": "2026-11-15"})
    browser.page(path)
    with count_queries(shop.database) as statements:
        browser.page(path)
    return statements


def add_month_meetings(shop: Shop, start: int, count: int) -> None:
    users = [shop.users["sally"], shop.users["sam"], False]
    customers = list(shop.customers.values())[:3]
    meetings(shop, *[{"name": f"M-{n}", "start": f"2026-11-{n % 28 + 1:02d} "
                      f"{n % 20:02d}:00:00", "stop": f"2026-11-{(n + n % 3) % 28 + 1:02d} "
                      f"{n % 20 + 1:02d}:00:00", "allday": n % 7 == 0,
                      "user_id": users[n % 3], "customer_id": customers[n % 3]}
                     for n in range(start, start + count)])


@pytest.mark.parametrize("login", ["manager", "sally"])
def test_a_month_costs_the_same_for_30_and_300_events(shop: Shop, login):
    browser = shop.as_user(login)
    with shop.database.env() as env:
        env["ws.order"].browse(shop.orders["open"]).write({"deadline": "2026-11-10 05:00:00"})
    add_month_meetings(shop, 0, 30)
    few = month_statements(shop, browser)
    add_month_meetings(shop, 30, 270)
    many = month_statements(shop, browser)
    assert len(many) == len(few), "\n".join(many)
    document = cal(browser, mode="month", date="2026-11-15")
    assert document.xpath("//a[contains(@class, 'cal-more')]")
