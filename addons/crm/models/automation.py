"""Automation rules for the CRM (addon automation's `base.automation`): a round robin
rule may name a sales team, whose salespeople then get the new documents in turn (and
the documents join the team); phone calls and meetings run rules too (leads do, as
documents with a chatter)."""

from __future__ import annotations

from core.orm import Model, api, fields

CRM_MODELS = ("crm.lead", "crm.phonecall", "calendar.event")  # CRM > Configuration > Rules


class AutomationRuleCrm(Model):
    """base.automation with sales teams for round robin assignment."""

    _inherit = "base.automation"

    team_id = fields.Many2one("crm.team", ondelete="restrict", string="Sales team",
                              help="Round robin: assign the team's salespeople in turn "
                                   "(instead of the list of users), and put the documents "
                                   "in the team.")

    def _round_robin_pool(self):
        """The team's salespeople when a team is given, else the rule's users."""
        if self.team_id:
            return self.team_id.member_ids.sorted("id")
        return super()._round_robin_pool()

    @api.constrains("team_id")
    def _check_team(self):
        for rule in self:
            rule._check_configuration()

    def _check_configuration(self) -> None:
        super()._check_configuration()
        if self.team_id and "team_id" not in self.env[self.model]._fields:
            self._fail(f"{self.model} has no sales team: leave the team empty.", "team_id")

    def _act_assign(self, records) -> None:
        """Assign, then put the documents in the rule's team (round robin by team)."""
        super()._act_assign(records)
        if self.assign_mode == "round_robin" and self.team_id:
            records.write({"team_id": self.team_id.id})


class PhonecallAutomation(Model):
    """Phone calls run automation rules (e.g. a call not held schedules a new one)."""

    _name = "crm.phonecall"
    _inherit = ["crm.phonecall", "base.automation.mixin"]


class MeetingAutomation(Model):
    """Meetings run automation rules (e.g. a reminder email before the meeting)."""

    _name = "calendar.event"
    _inherit = ["calendar.event", "base.automation.mixin"]
