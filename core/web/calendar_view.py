"""The calendar view: day, week and month pages of the records' events (from the arch's
date_start, date_stop, all_day, date_delay and color fields), with the entries of the
`calendar_events` hook (the unified calendar), a filter by colour, and links to create
an event on an empty slot.

URL state (with the shared search): `mode=day|week|month`, `date=YYYY-MM-DD` (a day of
the period shown; today in the user's time zone by default), `hide=<key>,<key>` (colour
values left out). Times are shown in the user's time zone.

A page costs a constant number of queries whatever the number of events: one search of
the period, one read (one query per many2one comodel for the names), and the hook's
own queries.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from lxml import etree

from core.orm.domain_ops import AND
from core.web import widgets
from core.web.calendar_layout import (
    BAND_LANES,
    MONTH_LANES,
    Event,
    band,
    day_column,
)
from core.web.window import may

ROUTES: list = []
MODES = ("day", "week", "month")
COLORS = 12
MAX_EVENTS = 2000  # events of one page; more are left out with a warning
FIRST_YEAR, LAST_YEAR = 1900, 2999


class CalendarError(ValueError):
    """A URL parameter the calendar cannot use (shown as a 400 page)."""


@dataclass
class CalendarArch:
    """What the calendar arch declares."""

    date_start: str
    date_stop: str | None = None
    all_day: str | None = None
    color: str | None = None
    date_delay: str | None = None
    mode: str = "week"
    create: bool = True
    fields: list[str] = field(default_factory=list)


def parse_calendar_arch(model, arch: str) -> CalendarArch:
    """The calendar's fields (leaving out unknown ones and those the user may not
    read) and options."""
    root = etree.fromstring(arch.encode())
    policy = model._security()
    result = CalendarArch(root.get("date_start"),
                          **{key: root.get(key) if root.get(key) in model._fields else None
                             for key in ("date_stop", "all_day", "color", "date_delay")},
                          mode=root.get("mode") if root.get("mode") in MODES else "week",
                          create=root.get("create") not in ("0", "false"))
    for element in root.iter("field"):
        name = element.get("name")
        model_field = model._fields.get(name)
        if model_field is None or element.get("invisible") in ("1", "true", "True"):
            continue
        if policy is not None and not policy.field_allowed(model.env.uid, model_field):
            continue
        result.fields.append(name)
    if not result.fields:
        result.fields.append(model._rec_name if model._rec_name in model._fields
                             else "display_name")
    return result


def period(mode: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day shown: the day, its week (Monday first), or the weeks
    that hold its month."""
    if mode == "day":
        return day, day
    if mode == "week":
        first = day - dt.timedelta(days=day.weekday())
        return first, first + dt.timedelta(days=6)
    month_first = day.replace(day=1)
    next_month = (month_first + dt.timedelta(days=32)).replace(day=1)
    month_last = next_month - dt.timedelta(days=1)
    return (month_first - dt.timedelta(days=month_first.weekday()),
            month_last + dt.timedelta(days=6 - month_last.weekday()))


def shift(mode: str, day: dt.date, steps: int) -> dt.date:
    """The day of the previous (-1) or next (+1) period."""
    if mode == "day":
        return day + dt.timedelta(days=steps)
    if mode == "week":
        return day + dt.timedelta(days=7 * steps)
    month = day.year * 12 + day.month - 1 + steps
    return dt.date(month // 12, month % 12 + 1, 1)


def read_args(args, arch: CalendarArch, today: dt.date) -> tuple[str, dt.date, list[str]]:
    """mode, day and hidden colour keys of the URL (CalendarError when unusable)."""
    mode = args.get("mode") or arch.mode
    if mode not in MODES:
        raise CalendarError(f"The calendar cannot show {mode!r}: choose day, week or "
                            "month.")
    text = (args.get("date") or "").strip()
    try:
        day = dt.date.fromisoformat(text) if text else today
    except ValueError:
        raise CalendarError(f"{text!r} is not a date: write it as {today.isoformat()}."
                            ) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CalendarError(f"The calendar shows the years {FIRST_YEAR} to {LAST_YEAR}, "
                            f"not {day.year}.")
    hidden = [key for key in (args.get("hide") or "").split(",") if key]
    return mode, day, hidden


def calendar_view(page, window, context):
    """The calendar page of the window's records (a view page of core.web.views_page)."""
    model = window.model
    arch = parse_calendar_arch(model, window.arch("calendar"))
    zone = page.env.tz
    today = dt.datetime.now(zone).date()
    try:
        mode, day, hidden = read_args(page.request.args, arch, today)
    except CalendarError as error:
        return page.error(400, "Calendar", str(error))
    first, last = period(mode, day)
    cal = Calendar(page, window, context, arch, zone, mode, day, hidden)
    events, problems = cal.events(first, last)
    colors = cal.color_filter(events)
    shown = [e for e in events if e.color_key not in hidden]
    if mode == "month":
        weeks = [band([first + dt.timedelta(days=w * 7 + i) for i in range(7)], shown,
                      MONTH_LANES, fixed=True)
                 for w in range(((last - first).days + 1) // 7)]
        columns, all_day = [], None
    else:
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        weeks = []
        all_day = band(days, [e for e in shown if e.spans_days], BAND_LANES)
        columns = [day_column(d, shown) for d in days]
    values = replace(context, state=cal.state).template_values()
    values["problems"] = [*values["problems"], *problems]
    return page.render(
        "calendar.html", **values, cal=cal, mode=mode, day=day, today=today,
        first=first, last=last, heading=heading(mode, day, first, last), weeks=weeks,
        all_day=all_day, columns=columns, colors=colors,
        color_label=model._fields[arch.color].string if arch.color else None,
        modes=[(m, cal.url(mode=m)) for m in MODES],
        navigation={"previous": cal.url(date=shift(mode, day, -1).isoformat()),
                    "today": cal.url(date=None), "next": cal.url(date=shift(mode, day, 1)
                                                                 .isoformat())})


def heading(mode: str, day: dt.date, first: dt.date, last: dt.date) -> str:
    """The period's title: "Wednesday 25 November 2026", "23 - 29 November 2026",
    "November 2026"."""
    if mode == "day":
        return f"{day:%A} {day.day} {day:%B %Y}"
    if mode == "month":
        return f"{day:%B %Y}"
    if first.month == last.month:
        return f"{first.day} - {last.day} {last:%B %Y}"
    return f"{first.day} {first:%b} - {last.day} {last:%b %Y}"


class Calendar:
    """The records of one calendar page and its URLs."""

    def __init__(self, page, window, context, arch: CalendarArch, zone, mode, day, hidden):
        self.page, self.window, self.arch, self.zone = page, window, arch, zone
        self.mode, self.day, self.hidden = mode, day, hidden
        self.model = window.model
        self.base = context.base
        extra = {**context.state.extra, "view": "calendar", "mode": mode,
                 "date": day.isoformat()}
        if hidden:
            extra["hide"] = ",".join(hidden)
        self.state = context.state.with_extra(extra)
        self.domain = context.domain
        self.locale = widgets.locale_of(page.env)
        self.can_create = arch.create and may(self.model, "create")

    # -- URLs -------------------------------------------------------------------------
    def url(self, **changes) -> str:
        """This page with other mode, date (None: today) or hide."""
        extra = {**self.state.extra, **changes}
        extra = {k: v for k, v in extra.items() if v}
        return f"{self.base}?{self.state.with_extra(extra).query()}"

    def day_url(self, day: dt.date) -> str:
        """The day view of `day`."""
        return self.url(mode="day", date=day.isoformat())

    def new_url(self, day: dt.date, hour: int | None = None) -> str | None:
        """The form of a new event on `day` (all day, or at `hour`), or None when the
        user may not create one."""
        if not self.can_create:
            return None
        arch, fields = self.arch, self.model._fields
        if hour is None and arch.all_day:
            start, stop = dt.datetime.combine(day, dt.time(0)), \
                dt.datetime.combine(day, dt.time(23, 59))
        else:
            start = dt.datetime.combine(day, dt.time(9 if hour is None else hour))
            stop = start + dt.timedelta(hours=1)
        params = {} if self.window.action is None else {"action": self.window.action.id}
        params[f"default_{arch.date_start}"] = _local_text(fields[arch.date_start], start)
        if arch.date_stop:
            params[f"default_{arch.date_stop}"] = _local_text(fields[arch.date_stop], stop)
        if arch.all_day and hour is None:
            params[f"default_{arch.all_day}"] = "1"
        elif arch.date_delay and not arch.date_stop:
            params[f"default_{arch.date_delay}"] = "1"
        return f"/web/{self.model._name}/new?{urlencode(params)}"

    # -- events -----------------------------------------------------------------------
    def events(self, first: dt.date, last: dt.date) -> tuple[list[Event], list[str]]:
        """The records' events and the hook's between the first and the last day."""
        arch, model = self.arch, self.model
        end = last + dt.timedelta(days=1)
        start_field = model._fields[arch.date_start]
        ds = arch.date_start
        if arch.date_stop:
            de = arch.date_stop
            stop_field = model._fields[de]
            window_domain = [(ds, "<", self._bound(start_field.type, end)), "|",
                             (de, ">=", self._bound(stop_field.type, first)), "&",
                             (de, "=", False), (ds, ">=", self._bound(start_field.type, first))]
        else:
            window_domain = [(ds, ">=", self._bound(start_field.type, first)),
                             (ds, "<", self._bound(start_field.type, end))]
        problems = []
        records = model.search(AND([self.domain, window_domain]), limit=MAX_EVENTS + 1,
                               order=f"{ds}, id")
        if len(records) > MAX_EVENTS:
            problems.append(f"More than {MAX_EVENTS} events: only the first {MAX_EVENTS} "
                            "are shown. Search to narrow them down.")
            records = records[:MAX_EVENTS]
        names = [n for n in dict.fromkeys([ds, arch.date_stop, arch.all_day, arch.color,
                                           arch.date_delay, *arch.fields]) if n]
        events = [self._event(row) for row in records.read(names)] if records else []
        events += self._hook_events(first, end)
        return events, problems

    def _bound(self, field_type: str, day: dt.date) -> str:
        """The start of a local day in a field's terms (UTC for datetimes)."""
        if field_type == "date":
            return day.isoformat()
        moment = dt.datetime.combine(day, dt.time(0), tzinfo=self.zone)
        return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")

    def _local(self, value, model_field=None) -> dt.datetime | None:
        """A stored value (UTC datetime, or a date) as a local naive datetime."""
        if value is None or value is False or value == "":
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value) if (model_field is None or
                                                         model_field.type != "date") \
                else dt.date.fromisoformat(value)
        if not isinstance(value, dt.datetime):  # a date: a day wherever one is
            return dt.datetime.combine(value, dt.time(0))
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(self.zone).replace(tzinfo=None)

    def _event(self, row: dict) -> Event:
        arch, fields = self.arch, self.model._fields
        start = self._local(row[arch.date_start], fields[arch.date_start])
        stop = self._local(row[arch.date_stop], fields[arch.date_stop]) \
            if arch.date_stop else None
        if stop is None and arch.date_delay and row[arch.date_delay]:
            stop = start + dt.timedelta(hours=float(row[arch.date_delay]))
        all_day = bool(row[arch.all_day]) if arch.all_day else \
            fields[arch.date_start].type == "date"
        if all_day and fields[arch.date_start].type == "date" and stop is not None:
            stop = stop + dt.timedelta(days=1)  # a date's stop is the whole day
        texts = [widgets.display(fields[n], row[n], model=self.model, locale=self.locale,
                                 zone=self.zone) for n in arch.fields]
        texts = [t for t in texts if t]
        color_class, color_key = self._color(row)
        return Event(texts[0] if texts else f"#{row['id']}", start,
                     stop if stop is not None and stop >= start else start, all_day,
                     self.window.record_url(row["id"]), color_class, color_key, texts[1:],
                     color_label=self._color_label(row[self.arch.color])
                     if self.arch.color else "")

    def _color(self, row: dict) -> tuple[str, str]:
        """The CSS class and the filter key of the row's colour value."""
        if not self.arch.color:
            return "color-none", ""
        value = row[self.arch.color]
        if value is False or value is None:
            return "color-none", "none"
        if isinstance(value, (list, tuple)):
            return f"color-{value[0] % COLORS}", str(value[0])
        digest = zlib.crc32(str(value).encode())
        return f"color-{digest % COLORS}", f"v{digest:x}"

    def _color_label(self, row_value) -> str:
        model_field = self.model._fields[self.arch.color]
        if row_value is False or row_value is None:
            return "None" if model_field.type != "boolean" else "No"
        return widgets.display(model_field, row_value, model=self.model, locale=self.locale,
                               zone=self.zone)

    def _hook_events(self, first: dt.date, end: dt.date) -> list[Event]:
        """Entries of the `calendar_events` hook (other models than this one)."""
        env = self.page.env
        start = dt.datetime.fromisoformat(self._bound("datetime", first))
        stop = dt.datetime.fromisoformat(self._bound("datetime", end))
        events = []
        for found in env.hooks.calendar_events(env=env, start=start, stop=stop, user=None):
            for entry in found or []:
                if not isinstance(entry, dict) or entry.get("model") == self.model._name:
                    continue
                source = str(entry.get("model") or "")
                try:
                    begin = self._local(entry["start"])
                    finish = self._local(entry.get("stop")) or begin
                    res_id = int(entry.get("res_id") or 0)
                except (KeyError, TypeError, ValueError):
                    continue  # an entry without a usable start
                if begin is None:
                    continue
                known = source in env.registry
                label = (env[source]._description or source) if known else source
                url = f"/web/{source}/{res_id}" if known and res_id > 0 else ""
                events.append(Event(str(entry.get("title") or label), begin,
                                    max(finish, begin), bool(entry.get("all_day")), url,
                                    "color-external", f"@{source}", source=label))
        return events

    def color_filter(self, events: list[Event]) -> list[dict]:
        """The colour values of the period's events: label, CSS class, whether shown,
        and the URL that toggles them."""
        seen: dict[str, dict] = {}
        for event in events:
            if event.color_key in seen or not (self.arch.color or event.source):
                continue
            label = event.source if event.source else event.color_label
            shown = event.color_key not in self.hidden
            hidden = [k for k in self.hidden if k != event.color_key] if not shown \
                else [*self.hidden, event.color_key]
            seen[event.color_key] = {"label": label, "color": event.color, "shown": shown,
                                     "url": self.url(hide=",".join(hidden) or None)}
        return sorted(seen.values(), key=lambda c: (c["color"] == "color-external",
                                                    c["label"].lower()))


def _local_text(model_field, moment: dt.datetime) -> str:
    """A default_ URL value: the local date, or date and time (the form reads it in the
    user's time zone)."""
    if model_field.type == "date":
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M")
