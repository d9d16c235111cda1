"""What triggers the automation rules.

- Creation, update and stage change: the create and write of `base.automation.mixin`
  (inherited by `mail.thread`, so by every model with a chatter, and by any model that
  adds it) run the active rules of their model, in the transaction (and the savepoint)
  of the change: a failing rule makes the change fail.
- Time conditions: `tessera worker` (the `worker_tick` hook) calls
  `base.automation._process_time_rules(now)`, which runs each time rule on the
  documents whose moment (the date field plus or minus the delay) has come. Each
  (rule, document, date value) is remembered in `base.automation.done`, so a rule never
  fires twice for the same document and date, and fires again when the date changes.
"""

from __future__ import annotations

import datetime as dt
import logging

from addons.automation.models.automation_rule import forget_rules, rules_for
from core.exceptions import MissingError, RetryableError
from core.orm import Model, api, fields

_logger = logging.getLogger(__name__)

BATCH = 200  # documents per time rule and worker round (the worker calls again)


def _key(value):
    """A comparable form of a field value (records by their ids)."""
    if hasattr(value, "_ids"):
        return tuple(sorted(value._ids))
    return value


def _snapshot(records, names) -> dict[str, dict[int, object]]:
    """{field: {id: value}} of `records` for the fields `names` (superuser, archived
    records included: the prefetch reads them together)."""
    records = records.sudo().with_context(active_test=False)
    return {name: {record.id: _key(record[name]) for record in records} for name in names}


def _run_rule(env, info, records) -> None:
    """Run the cached rule `info` on `records`, unless it is gone (created in a
    savepoint that was rolled back since the rules were read)."""
    rule = env["base.automation"].sudo().browse(info.id)
    try:
        rule.name  # noqa: B018  (loads the rule: MissingError when it is gone)
    except MissingError:
        forget_rules(env)
        return
    rule._run(records)


class AutomationMixin(Model):
    """Mixin: the documents of a model inheriting it run the automation rules of their
    model when they are created or written. Every model with a chatter has it (below);
    another model opts in with `_name = "x"`, `_inherit = ["x", "base.automation.mixin"]`."""

    _name = "base.automation.mixin"
    _description = "Documents with automation rules"
    _abstract = True
    _automation = True  # what base.automation checks

    def create(self, vals_list):
        """Create records, then run the model's "on creation" rules on them."""
        records = super().create(vals_list)
        if records:
            for info in rules_for(self.env, self._name, ("on_create",)):
                _run_rule(self.env, info, records)
        return records

    def write(self, vals):
        """Write, then run the "on update" and "on stage change" rules on the records
        whose watched fields actually changed."""
        rules = [info for info in rules_for(self.env, self._name, ("on_write", "on_stage"))
                 if info.watched_in(vals)]
        if not rules or not self._ids:
            return super().write(vals)
        names = set().union(*(info.watched_in(vals) for info in rules)) & set(self._fields)
        before = _snapshot(self, names)
        result = super().write(vals)
        after = _snapshot(self, names)
        for info in rules:
            watched = info.watched_in(vals) & names
            changed = [rid for rid in dict.fromkeys(self._ids)
                       if any(before[n].get(rid) != after[n].get(rid) for n in watched)]
            if changed:
                _run_rule(self.env, info, self.browse(changed))
        return result


class AutomationThread(Model):
    """Documents with a chatter run the automation rules of their model."""

    _name = "mail.thread"
    _inherit = ["mail.thread", "base.automation.mixin"]


class AutomationDone(Model):
    """A document a time rule acted on, for one value of its date field."""

    _name = "base.automation.done"
    _description = "Automation rule: documents done"
    _order = "id"

    rule_id = fields.Many2one("base.automation", required=True, ondelete="cascade",
                              index=True)
    res_id = fields.Integer("Document", required=True, index=True)
    date_value = fields.Char("Date", required=True,
                             help="The value of the date field the rule fired for.")

    _sql_constraints = [
        ("once", "UNIQUE (rule_id, res_id, date_value)",
         "An automation rule fires once per document and date."),
    ]


class AutomationTime(Model):
    """Time conditions of the automation rules, run by the worker."""

    _inherit = "base.automation"

    @api.model
    def _process_time_rules(self, now=None, limit: int = BATCH) -> int:
        """Run every active time rule on the documents that are due at `now` (naive
        UTC) and were not done yet, at most `limit` per rule. A failing rule is logged
        and rolled back alone (its documents are tried again next round). Returns the
        number of documents acted on."""
        now = now or fields.Datetime.now()
        total = 0
        for rule in self.sudo().search([("trigger", "=", "on_time")]):
            if rule.model not in self.env.registry:  # its addon was uninstalled
                continue
            try:
                with self.env.savepoint():
                    total += rule._run_time(now, limit)
            except RetryableError:
                raise
            except Exception:  # one broken rule must not stop the others
                _logger.exception("automation rule %r (time condition) failed; its "
                                  "documents are tried again at the next round", rule.name)
        return total

    def _time_window(self, field, now: dt.datetime) -> list:
        """The domain of documents whose moment has come: after the date, from
        date + delay on; before the date, from date - delay until the date."""
        delta = dt.timedelta(**{self.delay_unit or "days": self.delay or 0})
        name = field.name
        if field.type == "date":
            if self.delay_direction == "before":
                return [(name, "<=", (now + delta).date()), (name, ">=", now.date())]
            return [(name, "<=", (now - delta).date())]
        if self.delay_direction == "before":
            return [(name, "<=", now + delta), (name, ">=", now)]
        return [(name, "<=", now - delta)]

    def _run_time(self, now: dt.datetime, limit: int) -> int:
        """Run this time rule on its due documents not done yet; remember them."""
        self.ensure_one()
        model = self.env[self.model].sudo()
        field = model._fields[self.date_field]
        candidates = model.search([*self._domain(), (field.name, "!=", False),
                                   *self._time_window(field, now)],
                                  order=f"{field.name}, id")
        dates = {record.id: record[field.name].isoformat() for record in candidates}
        done_model = self.env["base.automation.done"].sudo()
        done = {(row.res_id, row.date_value) for row in done_model.search(
            [("rule_id", "=", self.id), ("res_id", "in", candidates.ids)])}
        pending = [rid for rid in candidates.ids if (rid, dates[rid]) not in done][:limit]
        if pending:
            # remembered first: a second worker running the same rule fails on the
            # unique index and rolls its own round back, so nothing fires twice
            done_model.create([{"rule_id": self.id, "res_id": rid, "date_value": dates[rid]}
                               for rid in pending])
            self._run(model.browse(pending))
        self.write({"last_run": now})
        return len(pending)
