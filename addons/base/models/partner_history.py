"""A customer's smart buttons and History tab.

Both are filled by hooks, so that every addon adds its own: `partner_buttons` (the
buttons above the form) and `partner_history` (the entries of the History tab, merged
and sorted newest first). Base contributes its buttons (contacts, my activities) and
the entries it knows: activities planned and done, emails and SMS on the customer and
its contacts. The tab is a computed Html field drawn here, every text escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import nh3
from markupsafe import Markup, escape

from core.orm import Model, fields

LIMIT = 50  # entries of each kind base puts in the tab (the newest)
SUMMARY_LENGTH = 240
MODEL_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
KIND_LABELS = {"activity": "Activity", "activity_done": "Activity done", "email": "Email",
               "sms": "SMS", "opportunity": "Opportunity", "meeting": "Meeting",
               "call": "Call", "order": "Order", "ticket": "Ticket"}


def html_to_text(body) -> str:
    """The plain text of an HTML fragment (tags dropped, entities decoded, spaces
    squeezed)."""
    if not body:
        return ""
    text = nh3.clean(re.sub(r"<(br|/p|/div|/li)\b[^>]*>", " ", str(body)), tags=set())
    return " ".join(html.unescape(text).split())


def split_body(body) -> tuple[str, str]:
    """(the text of the first paragraph or line, the text of the rest) of an HTML body."""
    parts = re.split(r"</p>|<br\s*/?>|\n", str(body or ""), maxsplit=1)
    return html_to_text(parts[0]), html_to_text(parts[1] if len(parts) > 1 else "")


def shorten(text: str, length: int = SUMMARY_LENGTH) -> str:
    """`text` cut to `length` characters at a word, with an ellipsis when cut."""
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0] + "…"


def entry_moment(value) -> dt.datetime | None:
    """The (naive UTC) datetime of an entry's date: a datetime, a date (midnight) or an
    ISO string; None when it is none of them."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.min)
    if isinstance(value, str) and value:
        try:
            return entry_moment(dt.datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def render_history(entries, zone: ZoneInfo) -> str:
    """The History tab: `entries` (dicts of the `partner_history` hook) newest first,
    as an HTML list. Every text is escaped; links go to /web/<model>/<id> only."""
    rows = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        moment = entry_moment(entry.get("date"))
        if moment is None or not entry.get("title"):
            continue
        rows.append((moment, entry))
    if not rows:
        return str(Markup('<p class="history-empty">Nothing yet: activities, emails, SMS '
                          "and the documents of other apps will show here.</p>"))
    rows.sort(key=lambda row: row[0], reverse=True)
    items = [_render_entry(moment, entry, zone) for moment, entry in rows]
    return str(Markup('<ul class="partner-history">{}</ul>').format(Markup("").join(items)))


def _render_entry(moment: dt.datetime, entry: dict, zone: ZoneInfo) -> Markup:
    kind = str(entry.get("kind") or "other")
    label = KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())
    date_only = isinstance(entry.get("date"), dt.date) and \
        not isinstance(entry.get("date"), dt.datetime)
    if date_only:
        shown, iso = moment.strftime("%Y-%m-%d"), moment.date().isoformat()
    else:
        local = moment.replace(tzinfo=dt.UTC).astimezone(zone)
        shown, iso = local.strftime("%Y-%m-%d %H:%M"), local.isoformat()
    title = escape(str(entry["title"]))
    model, res_id = entry.get("model"), entry.get("res_id")
    if isinstance(model, str) and MODEL_NAME.match(model) and isinstance(res_id, int) \
            and not isinstance(res_id, bool) and res_id > 0:
        title = Markup('<a href="/web/{}/{}">{}</a>').format(model, res_id, title)
    summary = shorten(str(entry.get("summary") or ""))
    css = re.sub(r"[^a-z0-9_-]", "", kind.lower()) or "other"
    return Markup('<li class="history-entry history-{css}"><time datetime="{iso}">{shown}'
                  '</time> <strong class="history-kind">{label}</strong> {title}{summary}'
                  "</li>").format(
        css=css, iso=iso, shown=shown, label=label, title=title,
        summary=Markup('<br><span class="history-summary">{}</span>').format(summary)
        if summary else "")



class PartnerHistory(Model):
    """The History tab and base's smart buttons of a customer."""

    _inherit = "res.partner"

    history_html = fields.Html(
        compute="_compute_history_html", string="History", sanitize=False,
        help="Activities, emails, SMS and the documents of other apps (orders, "
             "opportunities, tickets...), newest first.")
    # sanitize=False: the value is never written; it is drawn by render_history, which
    # escapes every text it is given (nh3 would also drop the classes and <time>).

    def _compute_history_html(self):
        zone = self.env.tz
        for partner in self:
            if not isinstance(partner.id, int):  # a new record has no history
                partner.history_html = ""
                continue
            entries = []
            for found in self.env.hooks.partner_history(env=self.env, partner=partner):
                entries.extend(found or [])
            partner.history_html = render_history(entries, zone)

    def _family(self):
        """The partner and its contacts (at any depth) that the current user may see."""
        self.ensure_one()
        return self.search([("id", "child_of", self.id)])

    # -- base's hook contributions -------------------------------------------------------
    def _base_partner_buttons(self) -> list[dict]:
        """Contacts (for a company or a partner with contacts) and the current user's
        activities on the partner and its contacts."""
        self.ensure_one()
        buttons = []
        family = self._family()
        contacts = self.search_count([("parent_id", "=", self.id)])
        if self.is_company or contacts:
            buttons.append({"label": "Contacts", "count": contacts, "icon": "fa-users",
                            "sequence": 1,
                            "action": {"model": "res.partner", "context": {}, "view": "list",
                                       "domain": [("parent_id", "=", self.id)]}})
        # the activities list shows the user's own (its action's domain): count those
        domain = [("res_model", "=", self._name), ("res_id", "in", family.ids),
                  ("user_id", "=", self.env.uid)]
        buttons.append({"label": "My activities", "icon": "fa-clock-o", "sequence": 2,
                        "count": self.env["mail.activity"].search_count(domain),
                        "action": {"model": "mail.activity", "domain": domain,
                                   "context": {}, "view": "list"}})
        return buttons

    def _base_history_entries(self) -> list[dict]:
        """Activities planned and done, emails and SMS of the partner and its contacts
        (the newest LIMIT of each source), as the current user may read them."""
        self.ensure_one()
        family = self._family()
        names = dict(zip(family.ids, family.mapped("complete_name"), strict=True))
        return [*self._activity_entries(family, names), *self._message_entries(family, names)]

    def _activity_entries(self, family, names) -> list[dict]:
        activities = self.env["mail.activity"].search(
            [("res_model", "=", self._name), ("res_id", "in", family.ids)],
            order="date_deadline desc, id desc", limit=LIMIT)
        entries = []
        for activity in activities:
            kind = activity.activity_type_id.name or "Activity"
            title = f"{kind}: {activity.summary}" if activity.summary else kind
            parts = [f"Due {activity.date_deadline}", f"for {activity.user_id.name}"
                     if activity.user_id else "", f"on {names.get(activity.res_id, '')}"
                     if activity.res_id != self.id else "", html_to_text(activity.note)]
            entries.append({"date": activity.date_deadline, "kind": "activity",
                            "title": title, "model": self._name, "res_id": activity.res_id,
                            "summary": " ".join(p for p in parts if p)})
        return entries

    def _message_entries(self, family, names) -> list[dict]:
        """Emails, SMS and "<Type> done" notifications (what an activity marked done
        posts: see mail.activity.action_done)."""
        types = self.env["mail.activity.type"].sudo().with_context(active_test=False).search([])
        done = tuple({f"<p>{escape(name)} done" for name in [*types.mapped("name"),
                                                             "Activity"]})
        messages = self.env["mail.message"].search(
            [("model", "=", self._name), ("res_id", "in", family.ids),
             "|", ("message_type", "in", ["email", "sms"]),
             "&", ("message_type", "=", "notification"), ("body", "ilike", " done")],
            order="date desc, id desc", limit=3 * LIMIT)
        entries, counts = [], {"email": 0, "sms": 0, "activity_done": 0}
        subject = "subject" in messages._fields
        for message in messages:
            kind = message.message_type
            if kind == "notification":
                if not (message.body or "").startswith(done):
                    continue
                kind = "activity_done"
            if counts[kind] >= LIMIT:
                continue
            counts[kind] += 1
            first, rest = split_body(message.body)
            if subject and message.subject:
                title, rest = message.subject, html_to_text(message.body)
            else:
                title = shorten(first, 80) or KIND_LABELS[kind]
                rest = f"{first} {rest}".strip() if title != first else rest
            where = names.get(message.res_id, "") if message.res_id != self.id else ""
            parts = [f"by {message.author_id.name}" if message.author_id else "",
                     f"on {where}:" if where else ("—" if rest else ""), rest]
            entries.append({"date": message.date, "kind": kind, "title": title,
                            "model": self._name, "res_id": message.res_id,
                            "summary": " ".join(p for p in parts if p)})
        return entries
