"""Meetings (`calendar.event`): a subject, a start and a stop (or a duration), the
organizer, the attendees (users and contacts), a place, and the opportunity and
customer they are about. Scheduled from the calendar, an opportunity or a customer
(the new meeting's form opens pre-filled). Exported as iCalendar by models/ics.py.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from core.exceptions import ValidationError
from core.orm import Model, api, fields, time_zone

PRIVACY = [("public", "Everyone"), ("private", "Only its attendees")]
DEFAULT_HOURS = 1.0


def as_datetime(value) -> dt.datetime | None:
    """A naive UTC datetime from what create/write take (datetime, date or ISO text)."""
    if not value:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).replace("T", " ").rstrip("Z"))
        except ValueError:
            return None  # the ORM reports the bad value, naming the field
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment



def _hours(value) -> float | None:
    try:
        return float(value) if value not in (None, False, "") else None
    except (TypeError, ValueError):
        return None


class CalendarEvent(Model):
    """A meeting."""

    _name = "calendar.event"
    _description = "Meeting"
    _order = "start desc, id desc"

    name = fields.Char(required=True, string="Subject", index=True)
    start = fields.Datetime(required=True, index=True)
    stop = fields.Datetime(index=True, string="End",
                           help="Left empty, the meeting lasts its duration (an hour by default).")
    allday = fields.Boolean(string="All day")
    duration = fields.Float(compute="_compute_duration", inverse="_inverse_duration",
                            store=True, depends=["start", "stop"], string="Duration (hours)",
                            help="Set it to move the end; moving the end recomputes it.")
    user_id = fields.Many2one("res.users", string="Organizer", index=True, ondelete="set null",
                              default=lambda self: self.env.uid)
    attendee_ids = fields.Many2many("res.users", relation="calendar_event_user_rel",
                                    column1="event_id", column2="user_id",
                                    string="Attendees (users)",
                                    default=lambda self: [self.env.uid])
    partner_ids = fields.Many2many("res.partner", relation="calendar_event_partner_rel",
                                   column1="event_id", column2="partner_id",
                                   string="Attendees (contacts)",
                                   default=lambda self: self._default_partners())
    location = fields.Char()
    description = fields.Text()
    privacy = fields.Selection(PRIVACY, default="public", required=True, string="Visible to")
    opportunity_id = fields.Many2one("crm.lead", string="Opportunity", index=True,
                                     ondelete="set null")
    partner_id = fields.Many2one("res.partner", string="Customer", index=True,
                                 ondelete="set null")
    ics_link = fields.Html(compute="_compute_ics_link", string="iCalendar")

    def _compute_ics_link(self):
        for event in self:
            event.ics_link = f'<p><a href="/crm/meeting/{event.id}.ics">Download as iCalendar ' \
                             '(.ics)</a></p>' if isinstance(event.id, int) else False

    def _default_partners(self) -> list[int]:
        """The customer the meeting is scheduled with (`default_partner_id`) attends."""
        partner_id = self.env.context.get("default_partner_id")
        return [partner_id] if isinstance(partner_id, int) and partner_id else []

    # -- start, stop and duration ------------------------------------------------------
    def _compute_duration(self):
        for event in self:
            if event.start and event.stop:
                seconds = (event.stop - event.start).total_seconds()
                event.duration = round(seconds / 3600, 2)
            else:
                event.duration = 0.0

    def _inverse_duration(self):
        for event in self:
            if event.start and event.duration is not None:
                event.write({"stop": event.start + dt.timedelta(hours=event.duration)})

    @api.constrains("start", "stop", "duration")
    def _check_dates(self):
        for event in self:
            if not event.stop:
                raise ValidationError(f"Meeting {event.name!r} needs an end (or a duration).",
                                      field="stop")
            if event.start and event.stop < event.start:
                raise ValidationError(
                    f"Meeting {event.name!r}: it ends ({event.stop:%Y-%m-%d %H:%M} UTC) before "
                    f"it starts ({event.start:%Y-%m-%d %H:%M} UTC). Set an end after the "
                    "start, or a positive duration.", field="stop")

    def create(self, vals_list):
        """A meeting without an end lasts its `duration` (one hour by default); given
        both, the end wins."""
        single = isinstance(vals_list, dict)
        prepared = [self._with_stop(dict(vals)) if isinstance(vals, dict) else vals
                    for vals in ([vals_list] if single else vals_list)]
        return super().create(prepared[0] if single else prepared)

    def _with_stop(self, vals: dict) -> dict:
        context = self.env.context
        hours = _hours(vals.pop("duration", None))
        if vals.get("stop"):
            return vals
        if hours is not None and hours < 0:
            raise ValidationError(f"Meeting {vals.get('name')!r}: the duration must not be "
                                  f"negative (got {hours:g} hours).", field="duration")
        start = as_datetime(vals.get("start") or context.get("default_start"))
        if not start:
            return vals
        if hours is None:  # the length the defaults give (a calendar slot), else an hour
            first = as_datetime(context.get("default_start"))
            last = as_datetime(context.get("default_stop"))
            if last and "start" not in vals:
                return vals  # the default end applies as it is
            hours = (last - first).total_seconds() / 3600 if first and last and last >= first \
                else DEFAULT_HOURS
        vals["stop"] = start + dt.timedelta(hours=hours)
        return vals

    def write(self, vals):
        """Given a new end, the duration follows; given only a duration, the end moves
        (from the new start, if any); given only a new start, the meeting keeps its
        length."""
        vals = dict(vals)
        if "stop" in vals:
            vals.pop("duration", None)
        elif "duration" in vals:
            hours = _hours(vals["duration"])
            if hours is not None and hours < 0:
                raise ValidationError(f"The duration must not be negative (got {hours:g} "
                                      "hours).", field="duration")
            if "start" in vals and hours is not None and as_datetime(vals["start"]):
                vals["stop"] = as_datetime(vals["start"]) + dt.timedelta(hours=hours)
                vals.pop("duration")
        elif "start" in vals and as_datetime(vals["start"]) and len(self) == 1 \
                and self.start and self.stop:
            vals["stop"] = as_datetime(vals["start"]) + (self.stop - self.start)
        return super().write(vals)


def new_meeting_url(env, **defaults) -> dict:
    """{"url": the form of a new meeting pre-filled with `defaults`} (default_* URL
    parameters, read by core/web/forms.py); AccessError when the user may not create
    meetings."""
    env["calendar.event"]._check_access("create")
    zone = time_zone(env.user.sudo().tz)  # the form reads default_ times in the user's zone
    start = (dt.datetime.now(zone) + dt.timedelta(hours=1)).replace(minute=0, second=0,
                                                                    microsecond=0)
    defaults = {"start": start.strftime("%Y-%m-%dT%H:%M"),
                "stop": (start + dt.timedelta(hours=DEFAULT_HOURS)).strftime("%Y-%m-%dT%H:%M"),
                **defaults}
    params = {f"default_{key}": value for key, value in defaults.items() if value}
    return {"url": f"/web/calendar.event/new?{urlencode(params)}"}


class LeadMeetings(Model):
    """Meetings of an opportunity, and scheduling one from its form."""

    _inherit = "crm.lead"

    meeting_ids = fields.One2many("calendar.event", "opportunity_id", string="Meetings")
    meeting_count = fields.Integer(compute="_compute_meeting_count", string="Meetings")

    def _compute_meeting_count(self):
        counts = {}
        if self.ids:
            groups = self.env["calendar.event"].read_group(
                [("opportunity_id", "in", self.ids)], ["opportunity_id"], ["opportunity_id"])
            counts = {g["opportunity_id"][0]: g["__count"] for g in groups
                      if g["opportunity_id"]}
        for lead in self:
            lead.meeting_count = counts.get(lead.id, 0)

    def action_schedule_meeting(self):
        """Open a new meeting about this opportunity, with its customer."""
        self.ensure_one()
        return new_meeting_url(self.env, opportunity_id=self.id, partner_id=self.partner_id.id,
                               name=self.name, user_id=self.env.uid)


class PartnerMeetings(Model):
    """Scheduling a meeting from a customer's form."""

    _inherit = "res.partner"

    def action_schedule_meeting(self):
        """Open a new meeting with this customer."""
        self.ensure_one()
        return new_meeting_url(self.env, partner_id=self.id, name=f"Meeting with {self.name}",
                               user_id=self.env.uid)
