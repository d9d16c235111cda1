"""Activities: things to do on a record by a date (`mail.activity`), their types
(`mail.activity.type`: call, meeting, email, to-do) and the `mail.activity.mixin` a
model inherits to get `activity_ids`, `activity_state` and `activity_schedule()`.

An activity's `state` (overdue / today / planned) is relative to today in the current
user's time zone (UTC when unset or unknown). It is not stored: a stored state would
go stale every midnight (and differ between time zones), needing a daily job to
rewrite it. It is computed on read and searchable through `_search_state`, which turns
a state into a condition on the indexed `date_deadline`, right at any time.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import sqlalchemy as sa

from core.exceptions import ValidationError
from core.orm import Model, fields

ACTIVITY_STATES = [("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned")]
STATE_ORDER = [state for state, _label in ACTIVITY_STATES]  # most urgent first
# the deadlines of a set of states, relative to today
_STATE_CONDITIONS = {
    frozenset(): [(0, "=", 1)],
    frozenset({"overdue"}): [("date_deadline", "<", "TODAY")],
    frozenset({"today"}): [("date_deadline", "=", "TODAY")],
    frozenset({"planned"}): [("date_deadline", ">", "TODAY")],
    frozenset({"overdue", "today"}): [("date_deadline", "<=", "TODAY")],
    frozenset({"today", "planned"}): [("date_deadline", ">=", "TODAY")],
    frozenset({"overdue", "planned"}): [("date_deadline", "!=", "TODAY")],
    frozenset(STATE_ORDER): [(1, "=", 1)],
}


def utcnow() -> dt.datetime:
    """The current time (aware, UTC); tests replace it to fix "today"."""
    return dt.datetime.now(dt.UTC)


def user_today(env) -> dt.date:
    """Today in the current user's time zone (UTC when unset or unknown)."""
    return utcnow().astimezone(env.tz).date()


def deadline_state(deadline, today: dt.date):
    """"overdue", "today" or "planned" for a deadline (False without one)."""
    if not deadline:
        return False
    if deadline < today:
        return "overdue"
    return "today" if deadline == today else "planned"


def selected_states(operator: str, value) -> frozenset:
    """The states a domain term on a state field selects (= != in not in)."""
    if operator in ("=", "!="):
        values = {value}
    elif operator in ("in", "not in"):
        values = set(value)
    else:
        raise ValidationError(f"activity states are searched with =, !=, in or not in, not "
                              f"{operator!r}")
    states = frozenset(values) & frozenset(STATE_ORDER)
    return frozenset(STATE_ORDER) - states if operator in ("!=", "not in") else states


class MailActivityType(Model):
    """A kind of activity (call, meeting, email, to-do) with its icon and the number
    of days between scheduling and the default deadline."""

    _name = "mail.activity.type"
    _description = "Activity type"
    _order = "sequence, id"

    name = fields.Char(required=True)
    icon = fields.Char(default="fa-tasks", help="A Font Awesome icon name, e.g. fa-phone.")
    default_days = fields.Integer("Default days",
                                  help="Days from scheduling to the default deadline.")
    summary = fields.Char("Default summary")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)


class MailActivity(Model):
    """Something a user has to do on a record by a date."""

    _name = "mail.activity"
    _inherit = ["document.access.mixin"]
    _description = "Activity"
    _order = "date_deadline, id"
    _rec_name = "summary"

    res_model = fields.Char("Related model", required=True, index=True)
    res_id = fields.Integer("Related record", required=True, index=True)
    res_name = fields.Char("Record name", help="The record's name when it was scheduled.")
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity type",
                                       ondelete="restrict")
    summary = fields.Char()
    note = fields.Html()
    date_deadline = fields.Date("Due date", required=True, index=True)
    user_id = fields.Many2one("res.users", string="Assigned to", required=True, index=True,
                              default=lambda records: records.env.uid)
    state = fields.Selection(ACTIVITY_STATES, compute="_compute_state")

    def _compute_state(self):
        today = user_today(self.env)
        for activity in self:
            activity.state = deadline_state(activity.date_deadline, today)

    def _search_state(self, operator, value):
        today = user_today(self.env)
        return [term if isinstance(term[0], int) else (term[0], term[1], today)
                for term in _STATE_CONDITIONS[selected_states(operator, value)]]

    def create(self, vals_list):
        """Create activities; `res_name` is filled with the record's name."""
        single = isinstance(vals_list, dict)
        vals_list = [vals_list] if single else list(vals_list)
        by_model: dict[str, set[int]] = {}
        for vals in vals_list:
            if isinstance(vals, dict) and not vals.get("res_name") and vals.get("res_model") \
                    in self.env.registry and vals.get("res_id"):
                by_model.setdefault(vals["res_model"], set()).add(vals["res_id"])
        names = {model: self.env[model].sudo().browse(sorted(ids)).exists()._display_names()
                 for model, ids in by_model.items()}
        vals_list = [{**vals, "res_name": names[vals["res_model"]].get(vals["res_id"], False)}
                     if isinstance(vals, dict) and vals.get("res_model") in names else vals
                     for vals in vals_list]
        return super().create(vals_list[0] if single else vals_list)

    # -- done ---------------------------------------------------------------------------
    def action_done(self, feedback=None):
        """Mark the activities done: each posts "<Type> done: <summary>" (and the
        feedback) on its record when the record has a chatter, then is deleted. The
        assignee may do it with read access to the record, others need write access.
        Returns the messages posted."""
        self._document_check("read")
        if self._security() is not None:
            self.filtered(lambda a: a.user_id.id != self.env.uid)._document_check("write")
        activities = self.sudo()
        posts: dict[str, list[dict]] = {}
        for activity in activities:
            kind = activity.activity_type_id.name or "Activity"
            title = f"{kind} done" + (f": {activity.summary}" if activity.summary else "")
            body = f"<p>{escape(title)}</p>"
            if feedback:
                body += f"<p>{escape(feedback)}</p>"
            posts.setdefault(activity.res_model, []).append(
                {"res_id": activity.res_id, "body": body, "message_type": "notification",
                 "subtype": "note"})
        messages = self.env["mail.message"].sudo()
        for model, vals_list in posts.items():
            thread = self.env[model] if model in self.env.registry else None
            if thread is not None and hasattr(thread, "_message_create_sudo"):
                messages |= thread._message_create_sudo(vals_list)
        activities.unlink()
        return messages.with_env(self.env)

    # -- my activities ---------------------------------------------------------------------
    def my_activities(self, state=None, limit=None):
        """The current user's activities, most urgent first; `state` ("overdue",
        "today", "planned" or a list of them) filters them."""
        domain = [("user_id", "=", self.env.uid)]
        if state:
            domain.append(("state", "in", [state] if isinstance(state, str) else list(state)))
        return self.search(domain, limit=limit)

    def my_activity_counts(self) -> dict[str, int]:
        """{"overdue": n, "today": n, "planned": n, "total": n} for the current user."""
        today = user_today(self.env)
        counts = dict.fromkeys(STATE_ORDER, 0)
        for row in self.search_read([("user_id", "=", self.env.uid)], ["date_deadline"]):
            state = deadline_state(dt.date.fromisoformat(row["date_deadline"]), today)
            counts[state] += 1
        return {**counts, "total": sum(counts.values())}

    def _chatter_rows(self) -> list[dict]:
        """The activities as the chatter lists them (see docs/mail.md)."""
        rows = self.read(["activity_type_id", "summary", "note", "date_deadline", "user_id",
                          "state", "res_name"])
        type_ids = sorted({row["activity_type_id"][0] for row in rows
                           if row["activity_type_id"]})
        icons = {row["id"]: row["icon"] for row in self.env["mail.activity.type"].sudo()
                 .browse(type_ids).read(["icon"])} if type_ids else {}
        return [{
            "id": row["id"], "summary": row["summary"] or "", "note": row["note"] or "",
            "type": {"id": row["activity_type_id"][0], "name": row["activity_type_id"][1],
                     "icon": icons.get(row["activity_type_id"][0]) or ""}
            if row["activity_type_id"] else None,
            "date_deadline": row["date_deadline"], "state": row["state"],
            "user": {"id": row["user_id"][0], "name": row["user_id"][1]}
            if row["user_id"] else None,
        } for row in rows]


class MailActivityMixin(Model):
    """Mixin: activities on a model's records."""

    _name = "mail.activity.mixin"
    _description = "Activities"
    _abstract = True

    activity_ids = fields.One2many("mail.activity", "res_id", compute="_compute_activity_ids",
                                   string="Activities")
    activity_state = fields.Selection(ACTIVITY_STATES, compute="_compute_activity_state",
                                      string="Activity state",
                                      help="The state of the most urgent activity.")
    activity_date_deadline = fields.Date(compute="_compute_activity_date_deadline",
                                         string="Next deadline")

    def _activity_deadlines(self) -> dict[int, dt.date]:
        """{record id: earliest activity deadline} for self, in one query."""
        table = self.env["mail.activity"]._sa_table
        if not self._ids:
            return {}
        query = (sa.select(table.c.res_id, sa.func.min(table.c.date_deadline))
                 .where(table.c.res_model == self._name, table.c.res_id.in_(list(self._ids)))
                 .group_by(table.c.res_id))
        return {res_id: _as_date(deadline) for res_id, deadline in self.env.execute(query)}

    def _compute_activity_ids(self):
        table = self.env["mail.activity"]._sa_table
        grouped: dict[int, list[int]] = {}
        if self._ids:
            query = (sa.select(table.c.res_id, table.c.id)
                     .where(table.c.res_model == self._name,
                            table.c.res_id.in_(list(self._ids)))
                     .order_by(table.c.date_deadline, table.c.id))
            for res_id, activity_id in self.env.execute(query):
                grouped.setdefault(res_id, []).append(activity_id)
        for record in self:
            record.activity_ids = grouped.get(record.id, [])

    def _compute_activity_state(self):
        deadlines = self._activity_deadlines()
        today = user_today(self.env)
        for record in self:
            record.activity_state = deadline_state(deadlines.get(record.id), today)

    def _compute_activity_date_deadline(self):
        deadlines = self._activity_deadlines()
        for record in self:
            record.activity_date_deadline = deadlines.get(record.id, False)

    def _search_activity_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise ValidationError(f"activity_state is searched with =, !=, in or not in, "
                                  f"not {operator!r}")
        values = set(value) if operator in ("in", "not in") else {value}
        every = {*STATE_ORDER, False}
        wanted = every - values if operator in ("!=", "not in") else values & every
        table = self.env["mail.activity"]._sa_table
        today = user_today(self.env)
        rows = self.env.execute(sa.select(table.c.res_id, sa.func.min(table.c.date_deadline))
                                .where(table.c.res_model == self._name)
                                .group_by(table.c.res_id)).all()
        found = [res_id for res_id, deadline in rows
                 if deadline_state(_as_date(deadline), today) in wanted]
        if False in wanted:  # also the records without any activity
            return ["|", ("id", "in", found), ("id", "not in", [row[0] for row in rows])]
        return [("id", "in", found)]

    def activity_schedule(self, activity_type=None, summary=None, date_deadline=None,
                          user_id=None, note=None):
        """Schedule an activity on each record and return them (mail.activity).
        `activity_type`: an external id ("base.activity_type_call"), a record or an id;
        `date_deadline`: a date or "YYYY-MM-DD", by default today (in the user's time
        zone) plus the type's default days; `user_id`: the assignee (default: the
        current user). Needs write access to the records."""
        kind = self.env["mail.activity.type"]
        if isinstance(activity_type, str):
            kind = self.env.ref(activity_type)
        elif isinstance(activity_type, int):
            kind = kind.browse(activity_type)
        elif activity_type:
            kind = activity_type
        if not date_deadline:
            days = kind.sudo().default_days if kind else 0
            date_deadline = user_today(self.env) + dt.timedelta(days=days)
        user = user_id.id if hasattr(user_id, "_ids") else user_id
        return self.env["mail.activity"].create([{
            "res_model": self._name, "res_id": record_id, "activity_type_id": kind.id,
            "summary": summary or (kind.sudo().summary if kind else False),
            "note": note or False, "date_deadline": date_deadline,
            "user_id": user or self.env.uid,
        } for record_id in self._ids])

    def unlink(self):
        """Delete the records with their activities."""
        ids = list(self._ids)
        result = super().unlink()
        if ids:
            self.env["mail.activity"].sudo().search(
                [("res_model", "=", self._name), ("res_id", "in", ids)]).unlink()
        return result


def _as_date(value):
    """A date from what the database returns for MIN(date) (a string on SQLite)."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value
