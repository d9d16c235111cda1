"""Hook implementations of the crm addon.

The first part is the leads' (crm core): the list's Actions menu, sharing and owner
transfer of customers followed by their opportunities, and opportunity deadlines on the
unified calendar. Other parts follow, each in its own delimited section.
"""

from __future__ import annotations

import datetime as dt

from core.hooks import hookimpl

# The leads' mass actions: (name, label, method, wizard, confirm).
LEAD_ACTIONS = [
    ("convert", "Convert to opportunity", None, "crm.lead.convert", None),
    ("mark_won", "Mark as won", "action_set_won", None, "Mark the selected opportunities won?"),
    ("mark_lost", "Mark as lost", None, "crm.lead.lost", None),
    ("restore", "Restore", "action_restore", None, None),
]


@hookimpl
def record_actions(env, model):
    """Convert to opportunity, mark won or lost, restore: on the selected leads."""
    if model != "crm.lead":
        return None
    return [{"name": name, "label": label, "method": method, "confirm": confirm,
             "wizard": wizard} for name, label, method, wizard, confirm in LEAD_ACTIONS
            if wizard is None or wizard in env.registry]


def _customer_leads(env, partners, domain=()):
    """The leads and opportunities (archived ones too) of the customers `partners`
    matching `domain`, as superuser (the hooks run as superuser: core/hooks/specs.py)."""
    return env["crm.lead"].sudo().with_context(active_test=False).search(
        [("partner_id", "in", list(partners.ids)), *domain])


def _commands(ids, mode: str) -> list:
    if mode == "add":
        return [(4, i) for i in ids]
    if mode == "remove":
        return [(3, i) for i in ids]
    return [(6, 0, list(ids))]


@hookimpl
def partner_share(env, partners, users, departments, mode):
    """The opportunities of shared customers (and of their contacts) are shared the same
    way: users and departments added, replacing the previous ones, or removed."""
    leads = _customer_leads(env, partners)
    if not leads:
        return 0
    values = {"share_user_ids": _commands(users.ids, mode),
              "share_department_ids": _commands(departments.ids, mode)}
    if mode != "replace":
        values = {key: value for key, value in values.items() if value}
    if values:
        leads.with_context(mail_notrack=True).write(values)
    return len(leads)


@hookimpl
def partner_owner_transfer(env, partners, owner, previous):
    """The open leads and opportunities of the customers go to their new owner."""
    leads = _customer_leads(env, partners, [("won_status", "=", "pending")]).filtered(
        lambda lead: lead.user_id != owner)
    if leads:
        leads.write({"user_id": owner.id})
    return len(leads)


@hookimpl
def calendar_events(env, start, stop, user):
    """Expected closing dates of the open opportunities between `start` and `stop` (of
    `user` when given) as all-day entries: one search and one read whatever their
    number, the user's record rules applying."""
    domain = [("type", "=", "opportunity"), ("won_status", "=", "pending"),
              ("date_deadline", ">=", start.date().isoformat()),
              ("date_deadline", "<", (stop.date() + dt.timedelta(days=1)).isoformat()
               if stop.time() != dt.time(0) else stop.date().isoformat())]
    if user is not None:
        domain.append(("user_id", "=", user.id))
    leads = env["crm.lead"].search(domain, order="date_deadline, id")
    entries = []
    for lead in leads:  # the first read loads every lead's columns at once
        day = lead.date_deadline
        entries.append({"title": f"Closing: {lead.name}", "start": day,
                        "stop": day + dt.timedelta(days=1), "all_day": True,
                        "model": "crm.lead", "res_id": lead.id,
                        "color": lead.user_id.id or None})
    return entries


# -- customer history (models/res_partner.py) ------------------------------------------
from core.hooks import hookimpl as _history_hookimpl  # noqa: E402


@_history_hookimpl
def partner_buttons(env, partner):
    """Opportunities, Meetings and Calls of the customer (models/res_partner.py)."""
    return partner._crm_partner_buttons()


@_history_hookimpl
def partner_history(env, partner):
    """The customer's opportunities, stage changes, won/lost, emails, meetings and calls."""
    return partner._crm_history_entries()


# -- meetings: iCalendar (models/ics.py) -----------------------------------------------
# GET /crm/meeting/<id>.ics: one meeting, for the logged-in user (rights and rules apply).
# GET /crm/calendar/<token>.ics: the feed of a calendar.feed link, without a session.
from urllib.parse import quote as _ics_quote  # noqa: E402

from werkzeug.wrappers import Response as _IcsResponse  # noqa: E402

from core.hooks import hookimpl as _ics_hookimpl  # noqa: E402


def _ics_response(data: bytes, filename: str, disposition: str) -> _IcsResponse:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    response = _IcsResponse(data, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{_ics_quote(filename)}")
    return response


def _ics_domain(request) -> str:
    return (request.host or "tessera").split(":")[0] or "tessera"


def _meeting_ics(request, env, event_id):
    """One meeting as an .ics download (MissingError/AccessError: 404/403 pages)."""
    data, filename = env["calendar.event"]._ics_download(event_id, _ics_domain(request))
    return _ics_response(data, filename, "attachment")


def _feed_ics(request, env, token):
    """The meetings of the feed link's owner (404 for an unknown or revoked token)."""
    data = env["calendar.feed"]._feed_ics(token, _ics_domain(request))
    if data is None:
        return _IcsResponse("No calendar has this link (it may have been revoked).\n",
                            status=404, content_type="text/plain; charset=utf-8")
    return _ics_response(data, "calendar.ics", "inline")


_feed_ics.public = True  # no session: the secret token is the authentication


@_ics_hookimpl(specname="web_routes")
def ics_web_routes(env):
    """The iCalendar routes of meetings."""
    return [("/crm/meeting/<int:event_id>.ics", _meeting_ics),
            ("/crm/calendar/<token>.ics", _feed_ics)]


# -- incoming email gateway: new leads (models/mail_gateway.py) -------------------------
@_history_hookimpl
def mail_gateway_route(env, message):
    """A message to the crm alias ([crm] alias) becomes a new lead; None otherwise."""
    return env["crm.lead"]._gateway_new_lead(message)
