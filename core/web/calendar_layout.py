"""Where the events of a calendar page go: bands of days (a month's week rows, the
all-day row of a week or a day) where events span columns in lanes, and the half-hour
rows of a day column where timed events sit side by side when they overlap.

Everything here is plain data (local datetimes); calendar_view reads the records and
the template draws the result with CSS grid classes (no inline styles: the CSP forbids
them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MONTH_LANES = 4  # event rows of a month's day cell; more give "+n more"
BAND_LANES = 6  # at most, in the all-day row of a week or a day
HOUR_LANES = 6  # overlapping events side by side in a day column
HALF_HOURS = 48


@dataclass
class Event:
    """One event, in the user's time zone."""

    title: str
    start: dt.datetime
    stop: dt.datetime
    all_day: bool
    url: str
    color: str  # the CSS class: color-0..color-11, color-none or color-external
    color_key: str
    lines: list[str] = field(default_factory=list)
    source: str | None = None  # the label of a hook event's model
    color_label: str = ""

    @property
    def first_day(self) -> dt.date:
        return self.start.date()

    @property
    def last_day(self) -> dt.date:
        """The last day the event covers (an end at midnight ends the day before)."""
        if self.stop <= self.start:
            return self.start.date()
        if self.all_day and self.stop.time() != dt.time.min:
            return self.stop.date()
        return (self.stop - dt.timedelta(microseconds=1)).date()

    @property
    def spans_days(self) -> bool:
        """All-day and multi-day events are bars across days."""
        return self.all_day or self.last_day > self.first_day

    @property
    def time_text(self) -> str:
        if self.all_day:
            return "All day"
        if self.stop > self.start:
            end = self.stop.strftime("%H:%M") if self.last_day == self.first_day \
                else self.stop.strftime("%d %b %H:%M")
            return f"{self.start:%H:%M} - {end}"
        return f"{self.start:%H:%M}"


@dataclass
class Placed:
    """An event in a band: its first column (1-based), the columns it spans, its lane,
    and whether it goes on before or after the band."""

    event: Event
    col: int
    span: int
    lane: int
    before: bool
    after: bool


@dataclass
class Band:
    """A row of days (a week of a month, or the days of a week or a day view)."""

    days: list[dt.date]
    items: list[Placed]
    more: list[tuple[int, int, dt.date]]  # (column, hidden events, day)
    lanes: int


def band(days: list[dt.date], events: list[Event], max_lanes: int,
         fixed: bool = False) -> Band:
    """Place `events` (those touching the days) in lanes: each takes the lowest lane
    free on all its columns; the ones beyond `max_lanes` count as "+n more". `fixed`:
    the band keeps max_lanes rows (a month's week rows are all the same height)."""
    first, last = days[0], days[-1]
    touching = [e for e in events if e.last_day >= first and e.first_day <= last]
    touching.sort(key=lambda e: (max(e.first_day, first), not e.spans_days,
                                 -(min(e.last_day, last) - max(e.first_day, first)).days,
                                 e.start, e.title))
    taken: list[set[int]] = []
    hidden = [0] * len(days)
    items = []
    for event in touching:
        start_col = (max(event.first_day, first) - first).days
        end_col = (min(event.last_day, last) - first).days
        columns = set(range(start_col, end_col + 1))
        lane = next((i for i, used in enumerate(taken) if not used & columns), len(taken))
        if lane >= max_lanes:
            for column in columns:
                hidden[column] += 1
            continue
        if lane == len(taken):
            taken.append(set())
        taken[lane] |= columns
        items.append(Placed(event, start_col + 1, end_col - start_col + 1, lane + 1,
                            event.first_day < first, event.last_day > last))
    more = [(i + 1, count, days[i]) for i, count in enumerate(hidden) if count]
    lanes = max_lanes if fixed else max(1, min(len(taken), max_lanes))
    return Band(days, items, more, lanes)


@dataclass
class Timed:
    """A timed event in a day column: its first half-hour row (1-based), the rows it
    spans and its lane among the events it overlaps."""

    event: Event
    row: int
    span: int
    lane: int


@dataclass
class DayColumn:
    """A day of the week or day view: its timed events and how many lanes they need."""

    day: dt.date
    events: list[Timed]
    lanes: int


def day_column(day: dt.date, events: list[Event]) -> DayColumn:
    """The timed events (not all-day, within the day) of `day` in half-hour rows."""
    mine = sorted((e for e in events if not e.spans_days and e.first_day == day),
                  key=lambda e: (e.start, e.stop, e.title))
    placed: list[Timed] = []
    ends: list[int] = []  # last row taken by each lane
    for event in mine:
        row = event.start.hour * 2 + event.start.minute // 30 + 1
        if event.stop > event.start:
            minutes = event.stop.hour * 60 + event.stop.minute if \
                event.stop.date() == day else 24 * 60
            end_row = max(row, -(-minutes // 30))
        else:
            end_row = row
        end_row = min(end_row, HALF_HOURS)
        lane = next((i for i, end in enumerate(ends) if end < row), len(ends))
        if lane >= HOUR_LANES:
            lane = HOUR_LANES - 1
        elif lane == len(ends):
            ends.append(0)
        ends[lane] = max(ends[lane], end_row)
        placed.append(Timed(event, row, end_row - row + 1, lane + 1))
    return DayColumn(day, placed, max(1, len(ends)))
