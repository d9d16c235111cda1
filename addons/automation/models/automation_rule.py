"""Automation rules (`base.automation`): when a document of a model with a chatter
(`mail.thread`, or any model inheriting `base.automation.mixin`) is created, changed,
moves to another stage, or when a date of it comes, and it matches the rule's domain,
do one action: queue an email from a template, assign a user (a fixed one, or each
member of a list in turn), set field values, or schedule an activity.

Rules act as superuser (they are written by administrators and managers, and a
salesperson's change must trigger an assignment to someone else, which that
salesperson may not do); emails and activities are still authored by the user whose
change triggered them. An action runs in the transaction of the change: when it
fails, the change fails too, with an error naming the rule. See docs/crm.md,
"Automation rules".
"""

from __future__ import annotations

import datetime as dt
import logging

from core.exceptions import RetryableError, TesseraError, UserError, ValidationError
from core.orm import Model, api, fields
from core.views.safe_eval import literal_eval

_logger = logging.getLogger(__name__)

TRIGGERS = [("on_create", "On creation"), ("on_write", "On update of fields"),
            ("on_stage", "On stage change"), ("on_time", "Time condition")]
ACTIONS = [("email", "Send an email"), ("assign", "Assign a user"),
           ("set_values", "Set field values"), ("activity", "Schedule an activity")]
ASSIGN_MODES = [("user", "A fixed user"), ("round_robin", "Round robin")]
UNITS = [("minutes", "Minutes"), ("hours", "Hours"), ("days", "Days")]
DIRECTIONS = [("after", "After the date"), ("before", "Before the date")]
STAGE_FIELD = "stage_id"
BOOKKEEPING = {"last_user_id", "last_run"}  # written by the rules themselves
MAGIC_FIELDS = {"id", "create_date", "create_uid", "write_date", "write_uid", "display_name"}


# -- the rules of a transaction ---------------------------------------------------------
class RuleInfo:
    """What the triggers need of an active rule, cached for the transaction."""

    __slots__ = ("fields", "id", "model", "trigger")

    def __init__(self, rule_id: int, model: str, trigger: str, watched):
        self.id, self.model, self.trigger, self.fields = rule_id, model, trigger, watched

    def watched_in(self, vals) -> set[str]:
        """The fields this rule watches among those written (`vals`)."""
        return set(vals) if self.fields is None else self.fields & set(vals)


def rules_for(env, model: str, triggers) -> list[RuleInfo]:
    """The active rules of `model` with one of `triggers`, in sequence order. All the
    rules are read once per transaction (one query), then kept until a rule changes."""
    transaction = env.transaction
    cache = getattr(transaction, "automation_rules", None)
    if cache is None:
        cache = {}
        rules = env["base.automation"].sudo().search([("trigger", "!=", "on_time")])
        for rule in rules:
            cache.setdefault(rule.model, []).append(
                RuleInfo(rule.id, rule.model, rule.trigger, rule._watched_fields()))
        transaction.automation_rules = cache
    return [info for info in cache.get(model, ()) if info.trigger in triggers]


def forget_rules(env) -> None:
    """Forget the transaction's cached rules (after a rule changed)."""
    env.transaction.automation_rules = None


class AutomationRule(Model):
    """A trigger, a filter and an action on the documents of one model."""

    _name = "base.automation"
    _description = "Automation rule"
    _order = "sequence, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10, help="Rules of the same trigger run in this order.")
    model = fields.Char("Applies to", required=True, index=True, default="crm.lead",
                        help="The model of the documents (one with a chatter), e.g. crm.lead.")
    trigger = fields.Selection(TRIGGERS, required=True, default="on_create")
    trigger_fields = fields.Char(
        "Fields watched", help="On update: field names separated by commas; the rule runs "
                               "when one of them changes (empty: any field written).")
    filter_domain = fields.Char(
        "Apply to", help="A domain the documents must match after the change, e.g. "
                         "[('type', '=', 'opportunity'), ('user_id', '=', False)]. Empty: all.")
    date_field = fields.Char("Date field", help="Time condition: a date or date-time field "
                                                "of the documents, e.g. date_deadline.")
    delay = fields.Integer(default=0, help="Time condition: how long before or after the date.")
    delay_unit = fields.Selection(UNITS, default="days", string="Unit")
    delay_direction = fields.Selection(DIRECTIONS, default="after", string="When")
    action = fields.Selection(ACTIONS, required=True, default="assign")
    template_id = fields.Many2one("mail.template", ondelete="restrict",
                                  string="Email template")
    assign_mode = fields.Selection(ASSIGN_MODES, default="user", string="Assign to")
    assign_field = fields.Char("Field to assign", default="user_id",
                               help="The document's user field set by the assignment (and "
                                    "whose user gets the activity, when no user is given).")
    user_id = fields.Many2one("res.users", ondelete="restrict", string="User",
                              help="Assign: the user; activity: the assignee.")
    assign_user_ids = fields.Many2many("res.users", relation="base_automation_user_rel",
                                       column1="rule_id", column2="user_id",
                                       string="Round robin among")
    last_user_id = fields.Many2one("res.users", ondelete="set null", readonly=True,
                                   string="Last assigned",
                                   help="Round robin: the next document goes to the user "
                                        "after this one.")
    values = fields.Text("Values", help="Set values: a dictionary of field names and values, "
                                        "e.g. {'priority': '2', 'tag_ids': [(4, 3)]}.")
    activity_type_id = fields.Many2one("mail.activity.type", ondelete="restrict",
                                       string="Activity type")
    activity_summary = fields.Char("Activity summary")
    activity_note = fields.Text("Activity note")
    activity_days = fields.Integer("Due in (days)", default=0,
                                   help="Days after the trigger (0: the type's default).")
    last_run = fields.Datetime("Last time check", readonly=True)

    _sql_constraints = [
        ("delay_positive", "CHECK (delay >= 0)", "The delay of a rule must be 0 or more."),
    ]

    # -- the transaction's cache follows the rules ---------------------------------------
    def create(self, vals_list):
        """Create rules (the triggers of the transaction see them at once)."""
        forget_rules(self.env)
        return super().create(vals_list)

    def write(self, vals):
        """Change rules (the triggers of the transaction see the change at once)."""
        if set(vals) - BOOKKEEPING:
            forget_rules(self.env)
        return super().write(vals)

    def unlink(self):
        """Delete rules."""
        forget_rules(self.env)
        return super().unlink()

    # -- reading the configuration --------------------------------------------------------
    def _watched_fields(self):
        """Fields whose change triggers the rule: a set, or None for any field."""
        if self.trigger == "on_stage":
            return frozenset({STAGE_FIELD})
        names = [n.strip() for n in (self.trigger_fields or "").split(",") if n.strip()]
        return frozenset(names) if names else None

    def _domain(self) -> list:
        """The filter domain as a list (literals only, never executed)."""
        source = (self.filter_domain or "").strip()
        value = literal_eval(source, variables={"uid": self.env.uid}) if source else []
        if not isinstance(value, list):
            raise ValidationError(f"Automation rule {self.name!r}: the filter must be a list "
                                  f"of conditions, not {source!r}.", field="filter_domain")
        return value

    def _values(self) -> dict:
        """The values of a "set values" rule."""
        value = literal_eval(self.values or "{}")
        if not isinstance(value, dict) or not value:
            raise ValidationError(f"Automation rule {self.name!r}: the values must be a "
                                  "dictionary such as {'priority': '2'}.", field="values")
        return value

    def _round_robin_pool(self):
        """The users a round robin rule assigns in turn (sorted by id)."""
        return self.assign_user_ids.sorted("id")

    # -- validation ------------------------------------------------------------------------
    @api.constrains("model", "trigger", "trigger_fields", "filter_domain", "date_field",
                    "action", "template_id", "assign_mode", "assign_field", "user_id",
                    "assign_user_ids", "values")
    def _check_rule(self):
        for rule in self:
            rule._check_configuration()

    def _fail(self, message: str, field: str):
        raise ValidationError(f"Automation rule {self.name!r}: {message}", field=field)

    def _check_configuration(self) -> None:
        """Every setting the trigger and action use is valid for the model."""
        if self.model not in self.env.registry or not getattr(self.env[self.model],
                                                              "_automation", False):
            self._fail(f"{self.model!r} is not an installed model with automation rules "
                       "(documents with a chatter, such as crm.lead, have them).", "model")
        model = self.env[self.model]
        for name in self._watched_fields() or ():
            if name not in model._fields:
                self._fail(f"{self.model} has no field {name!r} to watch.",
                           "trigger" if self.trigger == "on_stage" else "trigger_fields")
        if self.trigger == "on_time":
            date_field = model._fields.get(self.date_field or "")
            if date_field is None or date_field.type not in ("date", "datetime"):
                self._fail(f"the time condition needs a date field of {self.model}, not "
                           f"{self.date_field or 'nothing'!r}.", "date_field")
        try:
            model.sudo().search(self._domain(), limit=1)
        except ValidationError as error:
            self._fail(f"the filter cannot be used: {error}", "filter_domain")
        getattr(self, f"_check_{self.action}")(model)

    def _check_email(self, model) -> None:
        if not self.template_id:
            self._fail("choose the email template to send.", "template_id")
        if self.template_id.model != self.model:
            self._fail(f"template {self.template_id.name!r} is for {self.template_id.model} "
                       f"records, not {self.model}.", "template_id")

    def _check_assign(self, model) -> None:
        target = model._fields.get(self.assign_field or "")
        if target is None or target.type != "many2one" or target.comodel_name != "res.users":
            self._fail(f"{self.model} has no user field {self.assign_field!r} to assign.",
                       "assign_field")
        if self.assign_mode == "round_robin" and not self._round_robin_pool():
            self._fail("give the users to assign in turn.", "assign_user_ids")
        if self.assign_mode != "round_robin" and not self.user_id:
            self._fail("choose the user to assign.", "user_id")

    def _check_set_values(self, model) -> None:
        for name in self._values():
            if name not in model._fields or name in MAGIC_FIELDS:
                self._fail(f"{self.model} has no field {name!r} to set.", "values")

    def _check_activity(self, model) -> None:
        if not hasattr(model, "activity_schedule"):
            self._fail(f"{self.model} has no activities.", "action")

    # -- running ---------------------------------------------------------------------------
    def _run(self, records) -> None:
        """Run the rule on `records` (superuser) that match its filter and are not
        already being processed by it (a rule's own change never triggers it again).
        An error names the rule and makes the triggering change fail."""
        self.ensure_one()
        running = getattr(self.env.transaction, "automation_running", None)
        if running is None:
            running = self.env.transaction.automation_running = set()
        records = records.sudo().with_context(active_test=False)
        records = records.browse([rid for rid in records._ids if (self.id, rid) not in running])
        if not records:
            return
        try:
            targets = records.filtered_domain(self._domain())
        except TesseraError as error:
            raise UserError(f"Automation rule {self.name!r}: its filter cannot be used: "
                            f"{error}") from error
        if not targets:
            return
        keys = {(self.id, rid) for rid in targets._ids}
        running.update(keys)
        try:
            getattr(self, f"_act_{self.action}")(targets.with_context(active_test=True))
        except RetryableError:
            raise
        except Exception as error:  # any failure: the change fails, naming the rule
            names = ", ".join(targets.mapped("display_name")[:3])
            raise UserError(f"Automation rule {self.name!r} failed on {targets._description} "
                            f"{names}: {error}") from error
        finally:
            running.difference_update(keys)

    def _act_email(self, records) -> None:
        """Queue one email per document (sent by the queue after the commit, never in
        this transaction)."""
        rendered = self.template_id.sudo().render(records)
        values = {}
        for record in records:
            parts = rendered[record.id]
            email_to, partner = parts.get("email_to"), _partner_of(record)
            email_to = email_to or partner.email or _field(record, "email_from") \
                or _field(record, "email")
            if not email_to:
                _logger.info("automation rule %r: %s %s has no email address, no email "
                             "queued", self.name, record._name, record.id)
                continue
            values[record.id] = {"subject": parts.get("subject"), "email_to": email_to,
                                 "body_html": parts.get("body_html"),
                                 "partner_id": partner.id or False}
        if values:
            self.env["mail.mail"]._queue_emails(records.browse(list(values)), values)

    def _act_assign(self, records) -> None:
        """Set the user field: the fixed user, or the pool's users in turn after the last
        one assigned (remembered on the rule)."""
        field = self.assign_field or "user_id"
        if self.assign_mode != "round_robin":
            records.write({field: self.user_id.id})
            return
        pool = self._round_robin_pool().ids
        if not pool:
            raise UserError("there is nobody to assign in turn.")
        last = self.last_user_id.id
        start = pool.index(last) + 1 if last in pool else 0
        chosen: dict[int, list[int]] = {}
        for position, rid in enumerate(records._ids):
            chosen.setdefault(pool[(start + position) % len(pool)], []).append(rid)
        for user_id, ids in chosen.items():
            records.browse(ids).write({field: user_id})
        self.sudo().write({"last_user_id": pool[(start + len(records) - 1) % len(pool)]})

    def _act_set_values(self, records) -> None:
        records.write(self._values())

    def _act_activity(self, records) -> None:
        """Schedule an activity on each document, for the rule's user, else the
        document's user (assign_field), else the user whose change triggered it."""
        deadline = (fields.Date.today() + dt.timedelta(days=self.activity_days)
                    if self.activity_days else None)
        by_user: dict[int, list[int]] = {}
        for record in records:
            user = self.user_id or _field(record, self.assign_field or "user_id")
            by_user.setdefault(getattr(user, "id", None) or self.env.uid, []).append(record.id)
        for user_id, ids in by_user.items():
            records.browse(ids).activity_schedule(
                activity_type=self.activity_type_id.id or None,
                summary=self.activity_summary or None, date_deadline=deadline,
                user_id=user_id, note=self.activity_note or None)


def _field(record, name: str):
    """The value of `name` on `record`, or False when the model has no such field."""
    return record[name] if name in record._fields else False


def _partner_of(record):
    """The customer of a document (its partner_id), or an empty res.partner."""
    partner = _field(record, "partner_id")
    if partner is False or partner._name != "res.partner":
        return record.env["res.partner"]
    return partner
