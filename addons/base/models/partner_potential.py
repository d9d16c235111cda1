"""The potential rating of customers: a score from 0 to 100 and 0 to 5 stars.

A customer's score is the sum of the contributions of every installed addon's
`partner_potential_score` hook, capped to 0..100: base gives the potential score of
each (active) customer group the customer is in; sale adds a score for its orders.
The minimum score of each star (1 to 5) is a setting (ir.config.parameter, changed
through the form of `res.partner.potential.settings`).

Both fields are stored and written by the system only, through `_update_potential()`,
which runs when an input changes:

- a customer's groups change (`group_ids` on the customer, or `partner_ids` on a group,
  a group created or deleted);
- a group's potential score, or its archiving, changes (its members);
- the thresholds change (every customer, in batches);
- another addon says its contribution changed: it calls
  `partners._update_potential()` on the customers concerned.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from core.exceptions import ValidationError
from core.orm import Model, api, fields

STARS = [("0", "☆☆☆☆☆ no star"), ("1", "★☆☆☆☆ 1 star"), ("2", "★★☆☆☆ 2 stars"),
         ("3", "★★★☆☆ 3 stars"), ("4", "★★★★☆ 4 stars"), ("5", "★★★★★ 5 stars")]
PARAM = "base.partner_potential.min_score_{}"  # the minimum score of 1..5 stars
DEFAULT_THRESHOLDS = (20, 40, 60, 80, 95)
MAX_SCORE = 100
BATCH = 1000  # customers scored together when everything is recomputed
UPDATING = "potential_update"  # context key: the system writes the rating
RATING_FIELDS = ("potential_score", "potential_stars")


def check_thresholds(thresholds) -> tuple[int, ...]:
    """The five minimum scores (1 to 5 stars) as ints; ValidationError unless each is a
    whole number from 0 to 100 and each is higher than the one before."""
    values = list(thresholds)
    if len(values) != 5:
        raise ValidationError(f"The potential rating needs 5 minimum scores (1 to 5 stars), "
                              f"got {len(values)}.")
    result = []
    for stars, value in enumerate(values, start=1):
        field = f"min_score_{stars}"
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"Minimum score for {stars} star(s): {value!r} is not a "
                                  "whole number.", field=field)
        if not 0 <= value <= MAX_SCORE:
            raise ValidationError(f"Minimum score for {stars} star(s): {value} is out of "
                                  f"range; use 0 to {MAX_SCORE}.", field=field)
        if result and value <= result[-1]:
            raise ValidationError(f"Minimum score for {stars} stars ({value}) must be higher "
                                  f"than for {stars - 1} star(s) ({result[-1]}): each star "
                                  "needs more points than the one before.", field=field)
        result.append(value)
    return tuple(result)


def stars_for(score: int, thresholds) -> str:
    """The stars ("0" to "5") of `score`: how many minimum scores it reaches."""
    return str(sum(1 for minimum in thresholds if score >= minimum))


class PartnerPotential(Model):
    """Potential score and stars of customers."""

    _inherit = "res.partner"

    potential_score = fields.Integer(
        string="Potential score", readonly=True, copy=False, index=True,
        help="0 to 100: the sum of the points of the customer's groups (and of what other "
             "addons add, such as sales). Computed by the system.")
    potential_stars = fields.Selection(
        STARS, string="Potential", default="0", readonly=True, copy=False, index=True,
        help="0 to 5 stars, from the potential score and the minimum scores set in "
             "Contacts > Configuration > Potential rating.")

    # -- triggers ----------------------------------------------------------------------
    @api.model
    def create(self, vals_list):
        single = isinstance(vals_list, dict)
        for vals in [vals_list] if single else vals_list:
            self._refuse_rating_values(vals)
        records = super().create(vals_list)
        # a new customer may already score: its groups, or another addon's points
        records._update_potential()
        return records

    def write(self, vals):
        self._refuse_rating_values(vals)
        result = super().write(vals)
        if "group_ids" in vals:
            self._update_potential()
        return result

    def _refuse_rating_values(self, vals: dict) -> None:
        if self.env.context.get(UPDATING):
            return
        given = [name for name in RATING_FIELDS if name in vals]
        if given:
            raise ValidationError(f"{', '.join(given)} of a contact cannot be set: the "
                                  "system computes the potential rating from the customer "
                                  "groups (and other addons' scores).", field=given[0])

    # -- scoring -----------------------------------------------------------------------
    def _update_potential(self) -> None:
        """Score these partners again (every `partner_potential_score` contribution,
        one hook call for the whole recordset) and store their score and stars.

        Other addons call it when their contribution changes. It runs as superuser:
        the rating is computed by the system from inputs the current user may not
        see (a group's other members, another salesperson's orders), and no user may
        write it (see `_refuse_rating_values`). Writes are grouped by value: a few
        UPDATEs whatever the number of partners."""
        partners = self.sudo().with_context(active_test=False).exists()
        if not partners:
            return
        totals = dict.fromkeys(partners.ids, 0)
        for result in self.env.hooks.partner_potential_score(env=partners.env,
                                                             partner=partners):
            if isinstance(result, dict):
                for partner_id, points in result.items():
                    if partner_id in totals:
                        totals[partner_id] += points or 0
            elif isinstance(result, (int, float)) and not isinstance(result, bool):
                for partner_id in totals:
                    totals[partner_id] += result
        thresholds = self._potential_thresholds()
        changes: dict[tuple[int, str], list[int]] = defaultdict(list)
        for partner in partners:
            score = max(0, min(MAX_SCORE, round(totals[partner.id])))
            stars = stars_for(score, thresholds)
            if (partner.potential_score, partner.potential_stars) != (score, stars):
                changes[(score, stars)].append(partner.id)
        writer = partners.with_context(**{UPDATING: True, "tracking_disable": True})
        for (score, stars), ids in changes.items():
            writer.browse(ids).write({"potential_score": score, "potential_stars": stars})

    def _group_potential_scores(self) -> dict[int, int]:
        """{partner id: sum of the potential scores of its active customer groups}, in
        one query for the whole recordset (base's `partner_potential_score`)."""
        if not self._ids:
            return {}
        rel = self.env.registry.relation_table(self._fields["group_ids"])
        groups = self.env["res.partner.group"]._sa_table
        query = (sa.select(rel.c.partner_id, sa.func.sum(groups.c.potential_score))
                 .join(groups, groups.c.id == rel.c.group_id)
                 .where(rel.c.partner_id.in_(list(self._ids)), groups.c.active.is_(True))
                 .group_by(rel.c.partner_id))
        return {partner_id: int(total or 0)
                for partner_id, total in self.env.execute(query).all()}

    @api.model
    def _update_potential_all(self, batch_size: int = BATCH) -> int:
        """Score every contact again (archived ones too), `batch_size` at a time;
        returns how many were scored."""
        ids = self.sudo().with_context(active_test=False).search([], order="id").ids
        for start in range(0, len(ids), batch_size):
            self.browse(ids[start:start + batch_size])._update_potential()
        return len(ids)

    # -- thresholds --------------------------------------------------------------------
    @api.model
    def _potential_thresholds(self) -> tuple[int, ...]:
        """The minimum scores of 1 to 5 stars (one query): the parameters, the default
        of each missing one, or all the defaults when they are no longer valid (edited
        by hand)."""
        keys = [PARAM.format(stars) for stars in range(1, 6)]
        params = self.env["ir.config.parameter"].sudo().search([("key", "in", keys)])
        stored = {param.key: param.value for param in params}
        try:
            return check_thresholds([int(stored.get(key, default))
                                     for key, default in zip(keys, DEFAULT_THRESHOLDS,
                                                             strict=True)])
        except (TypeError, ValueError, ValidationError):
            return DEFAULT_THRESHOLDS

    @api.model
    def _set_potential_thresholds(self, thresholds) -> tuple[int, ...]:
        """Store new minimum scores (validated by `check_thresholds`) and rate every
        contact again. The parameters are written as superuser: the caller (the
        settings form, whose access lines say who may use it) decides who may."""
        values = check_thresholds(thresholds)
        parameters = self.env["ir.config.parameter"].sudo()
        for stars, value in enumerate(values, start=1):
            parameters.set_param(PARAM.format(stars), value)
        self._update_potential_all()
        return values


class PartnerGroupPotential(Model):
    """A customer group's members are rated again when the group changes."""

    _inherit = "res.partner.group"

    @api.model
    def create(self, vals_list):
        groups = super().create(vals_list)
        groups._members()._update_potential()
        return groups

    def write(self, vals):
        if not {"partner_ids", "potential_score", "active"} & set(vals):
            return super().write(vals)
        before = self._members()
        result = super().write(vals)
        (before | self._members())._update_potential()
        return result

    def unlink(self):
        members = self._members()
        result = super().unlink()
        members._update_potential()
        return result

    def _members(self):
        """Every member of these groups, whoever may see them (the rating is the
        system's business: see `res.partner._update_potential`)."""
        groups = self.sudo().with_context(active_test=False)
        return groups.mapped("partner_ids").with_env(self.env)


class PotentialSettings(Model):
    """The minimum score of each star, as applied by someone: creating one stores them
    (ir.config.parameter) and rates every contact again. The records are the history
    of the changes (who, when); they cannot be changed afterwards."""

    _name = "res.partner.potential.settings"
    _description = "Potential rating thresholds"
    _order = "id desc"
    _rec_name = "summary"

    min_score_1 = fields.Integer(string="1 star from", required=True,
                                 default=lambda self: self._current(1))
    min_score_2 = fields.Integer(string="2 stars from", required=True,
                                 default=lambda self: self._current(2))
    min_score_3 = fields.Integer(string="3 stars from", required=True,
                                 default=lambda self: self._current(3))
    min_score_4 = fields.Integer(string="4 stars from", required=True,
                                 default=lambda self: self._current(4))
    min_score_5 = fields.Integer(string="5 stars from", required=True,
                                 default=lambda self: self._current(5))
    summary = fields.Char(compute="_compute_summary", string="Thresholds")

    def _current(self, stars: int) -> int:
        return self.env["res.partner"]._potential_thresholds()[stars - 1]

    def _values(self) -> list[int]:
        return [self[f"min_score_{stars}"] for stars in range(1, 6)]

    def _compute_summary(self):
        for settings in self:
            settings.summary = " / ".join(map(str, settings._values()))

    @api.constrains("min_score_1", "min_score_2", "min_score_3", "min_score_4",
                    "min_score_5")
    def _check_thresholds(self):
        for settings in self:
            check_thresholds(settings._values())

    @api.model
    def create(self, vals_list):
        records = super().create(vals_list)
        for settings in records:
            self.env["res.partner"]._set_potential_thresholds(settings._values())
        return records

    def write(self, vals):
        changed = [name for name in vals if name.startswith("min_score_")
                   and any(settings[name] != vals[name] for settings in self)]
        if changed:
            raise ValidationError("Thresholds already applied are kept as they were: "
                                  "create new ones (New) to change the rating.",
                                  field=changed[0])
        return super().write(vals)
