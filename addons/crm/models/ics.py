"""iCalendar (RFC 5545) export of meetings, with the `icalendar` package: one meeting
as a .ics file, and a user's calendar feed (the meetings they organize or attend) that
a calendar application subscribes to by a secret link (`calendar.feed`).

Times are written in UTC (`DTSTART:20260301T090000Z`); an all-day meeting is written
as dates (`DTSTART;VALUE=DATE`) of its organizer's time zone. The web routes that serve
these files are in hooks.py (section "meetings: iCalendar").
"""

from __future__ import annotations

import datetime as dt
import secrets

from icalendar import Calendar, Event, vCalAddress, vText

from core.exceptions import AccessError, MissingError
from core.orm import Model, fields, time_zone

PRODID = "-//Tessera//CRM meetings//EN"
FEED_PAST_DAYS = 365  # a feed holds the meetings that ended less than a year ago, and later
FEED_LIMIT = 5000


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC)



def _address(email: str, name: str, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    if role:
        address.params["ROLE"] = vText(role)
    return address


class CalendarEventIcs(Model):
    """Meetings as iCalendar events."""

    _inherit = "calendar.event"

    def _ics_calendar(self, title: str, domain: str = "tessera") -> bytes:
        """A VCALENDAR holding these meetings (as the current user may read them);
        `domain` makes the events' UIDs unique to this site."""
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", title)
        # Names and emails of the organizers and attending users, in one query: a
        # meeting's attendees are part of it, whoever may read it (hence sudo).
        users = (self.mapped("user_id") | self.mapped("attendee_ids")).sudo()
        people = {row["id"]: row for row in users.read(["name", "email", "tz"])}
        partner_ids = self.mapped("partner_ids").ids
        # Contacts: only those the reader may see (record rules of res.partner).
        partners = self.env["res.partner"].search([("id", "in", partner_ids)]) \
            if partner_ids else self.env["res.partner"]
        contacts = {row["id"]: row for row in partners.read(["name", "email"])}
        for event in self:
            calendar.add_component(event._ics_event(people, contacts, domain))
        return calendar.to_ical()

    def _ics_event(self, people: dict, contacts: dict, domain: str) -> Event:
        event = Event()
        event.add("uid", f"calendar-event-{self.id}@{domain}")
        event.add("dtstamp", _utc(self.write_date or dt.datetime.now(dt.UTC).replace(
            tzinfo=None)))
        if self.write_date:
            event.add("last-modified", _utc(self.write_date))
        organizer = people.get(self.user_id.id) if self.user_id else None
        if self.allday:
            zone = time_zone(organizer and organizer["tz"])
            first = _utc(self.start).astimezone(zone).date()
            last = _utc(self.stop).astimezone(zone).date()
            event.add("dtstart", first)
            event.add("dtend", max(last, first) + dt.timedelta(days=1))
        else:
            event.add("dtstart", _utc(self.start))
            event.add("dtend", _utc(self.stop))
        event.add("summary", self.name)
        if self.location:
            event.add("location", self.location)
        notes = [self.description or ""]
        if self.opportunity_id:
            notes.append(f"Opportunity: {self.opportunity_id.sudo().name}")
        if any(notes):
            event.add("description", "\n\n".join(n for n in notes if n))
        event.add("class", "PRIVATE" if self.privacy == "private" else "PUBLIC")
        if organizer and organizer["email"]:
            event.add("organizer", _address(organizer["email"], organizer["name"]))
        for user_id in self.attendee_ids.ids:
            person = people.get(user_id)
            if person and person["email"]:  # an attendee is a mail address (RFC 5545)
                event.add("attendee", _address(person["email"], person["name"],
                                               "REQ-PARTICIPANT"), encode=0)
        for partner_id in self.partner_ids.ids:
            contact = contacts.get(partner_id)
            if contact and contact["email"]:
                event.add("attendee", _address(contact["email"], contact["name"],
                                               "REQ-PARTICIPANT"), encode=0)
        return event

    def _ics_download(self, event_id: int, domain: str = "tessera") -> tuple[bytes, str]:
        """(the .ics of meeting `event_id`, a file name), as the current user: a
        MissingError when it does not exist, an AccessError when they may not read it."""
        event = self.browse(event_id).exists()
        if not event:
            raise MissingError(f"Meeting {event_id} does not exist (it may have been "
                               "deleted).")
        event._check_access("read")
        event._check_rules("read")
        slug = "".join(c if c.isalnum() else "-" for c in event.name).strip("-")[:60]
        return event._ics_calendar(event.name, domain), f"{slug or 'meeting'}.ics"

    def _meetings_of(self, user_id: int, now: dt.datetime | None = None):
        """The meetings `user_id` organizes or attends, from FEED_PAST_DAYS ago on, as
        the current user may read them."""
        now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return self.search(["|", ("user_id", "=", user_id), ("attendee_ids", "in", [user_id]),
                            ("stop", ">=", now - dt.timedelta(days=FEED_PAST_DAYS))],
                           order="start, id", limit=FEED_LIMIT)


class CalendarFeed(Model):
    """A secret link to a user's meetings, for a calendar application to subscribe to
    (no login: whoever has the link reads that user's meetings, as that user).

    Revoke a link by deleting it, or replace its token with "New link". Only its owner
    may see or manage a link (a global record rule)."""

    _name = "calendar.feed"
    _description = "Calendar feed link"
    _order = "id desc"

    name = fields.Char(required=True, string="Used by", default="My calendar",
                       help="Where the link is used, e.g. 'Phone' or 'Thunderbird'.")
    user_id = fields.Many2one("res.users", required=True, readonly=True, index=True,
                              ondelete="cascade", default=lambda self: self.env.uid,
                              string="Owner")
    token = fields.Char(readonly=True, index=True, copy=False,
                        default=lambda self: secrets.token_urlsafe(32))
    url = fields.Char(compute="_compute_url", string="Link",
                      help="Subscribe to this address in your calendar application.")
    last_used = fields.Datetime(readonly=True, string="Last read")

    _sql_constraints = [("token_unique", "UNIQUE(token)", "A feed token must be unique.")]

    def _compute_url(self):
        base = (self.env["ir.config.parameter"].sudo().get_param("web.base.url") or "") \
            if "ir.config.parameter" in self.env.registry else ""
        for feed in self:
            feed.url = f"{base.rstrip('/')}/crm/calendar/{feed.token}.ics" if feed.token \
                else False

    def action_new_token(self):
        """Replace the link's token: the old link stops working."""
        for feed in self:
            # readonly for the form; the owner changes it only through this button
            feed.sudo().write({"token": secrets.token_urlsafe(32)})

    def _feed_ics(self, token: str, domain: str = "tessera") -> bytes | None:
        """The .ics of the feed with this token (None when no feed has it), read as the
        feed's owner: their access rights and record rules apply."""
        if not token or len(token) > 128:
            return None
        feed = self.sudo().search([("token", "=", token)], limit=1)
        if not feed or not secrets.compare_digest(feed.token, token):
            return None
        owner = feed.user_id
        if not owner.active:
            return None
        feed.write({"last_used": dt.datetime.now(dt.UTC).replace(tzinfo=None)})
        meetings = self.env(user=owner.id, su=False)["calendar.event"]
        try:
            found = meetings._meetings_of(owner.id)
        except AccessError:  # the owner lost the CRM rights: an empty feed
            found = meetings.browse(())
        return found._ics_calendar(f"{owner.name}: meetings", domain)
