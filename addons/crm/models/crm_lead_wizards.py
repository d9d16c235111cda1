"""Converting leads to opportunities, and marking them lost with a reason.

Both wizards work on the leads of their context (`active_model` "crm.lead",
`active_ids`): the lead form's header buttons and the list's Actions menu (hooks.py)
open them. The selection is read as the current user: a lead she cannot see (or that was
deleted meanwhile) refuses the whole action and nothing changes. Everything a wizard
does is one transaction.
"""

from __future__ import annotations

from core.exceptions import UserError, ValidationError
from core.orm import Model, fields

CONVERT_ACTIONS = [("exist", "Link to an existing customer"),
                   ("create", "Create a new customer"),
                   ("nothing", "Do not link to a customer")]


class CrmLeadConversion(Model):
    """Conversion of leads: the opportunity and its customer."""

    _inherit = "crm.lead"

    def _convert_opportunity(self, partner_id=False, user_id=None, team_id=None) -> None:
        """Turn the leads into opportunities linked to customer `partner_id` (False:
        none), given to salesperson `user_id` and team `team_id` when given (a given
        salesperson without a team brings their own team). A stage of another team is
        replaced by the first stage of the new team."""
        now = fields.Datetime.now()
        for lead in self:
            vals = {"type": "opportunity", "date_conversion": now, "partner_id": partner_id}
            if user_id is not None:
                vals["user_id"] = user_id or False
            if team_id:
                vals["team_id"] = team_id
            elif user_id:
                vals["team_id"] = self._user_team(user_id).id or lead.team_id.id or False
            team = vals.get("team_id", lead.team_id.id)
            if not lead.stage_id or (lead.stage_id.team_id and lead.stage_id.team_id.id != team):
                vals["stage_id"] = self._default_stage(team).id or False
            lead.write(vals)

    def _create_customer(self, owner_id: int):
        """A new customer from the lead's contact data, for salesperson `owner_id`: a
        company (`partner_name`) with a contact person (`contact_name`) when both are
        given (the person is returned and holds the email and phone), else the one of
        them given. UserError when the lead names neither. The current user owns it
        (see `_give_customer`)."""
        self.ensure_one()
        if not (self.partner_name or self.contact_name):
            raise UserError(f"Lead {self.name!r} has no contact name and no company name to "
                            "create a customer from: fill one in on the lead, or link an "
                            "existing customer.")
        try:
            return self._create_partners(owner_id)
        except ValidationError as error:
            raise ValidationError(f"Lead {self.name!r}: its customer cannot be created: "
                                  f"{error} Correct the lead, then convert it again.",
                                  field=None) from error

    def _create_partners(self, owner_id: int):
        partners = self.env["res.partner"]
        contact = {"email": self.email_from or False, "phone": self.phone or False}
        company = person = partners
        # Created as the current user, who owns them (the record rules let her create
        # what she owns); the owner changes afterwards (contacts follow their company).
        if self.partner_name:
            company = partners.create({"name": self.partner_name, "is_company": True,
                                       "user_id": owner_id,
                                       **({} if self.contact_name else contact)})
        if self.contact_name:
            person = partners.create({"name": self.contact_name, "parent_id": company.id,
                                      "user_id": owner_id, **contact} if company else
                                     {"name": self.contact_name, "user_id": owner_id,
                                      **contact})
        return person or company


    @staticmethod
    def _give_customer(partner, owner_id: int) -> None:
        """Make `owner_id` the owner of the customer (its company: contacts follow).
        Done last: the current user may no longer see it afterwards."""
        commercial = partner.commercial_partner_id
        if commercial.owner_id.id != owner_id:
            commercial.write({"owner_id": owner_id})


class CrmLeadWizard(Model):
    """Mixin of the leads' wizards: the selection and the way back."""

    _name = "crm.lead.wizard"
    _description = "Leads' wizard"
    _abstract = True

    def _selected_leads(self):
        """The leads of the context as the current user sees them (archived ones
        included). UserError when the wizard was not opened on leads, nothing is
        selected, or some of them are not visible."""
        context = self.env.context
        if context.get("active_model") != "crm.lead":
            raise UserError("This action works on leads and opportunities: open it from "
                            "their form or list (tick them, then Actions).")
        ids = list(dict.fromkeys(int(i) for i in context.get("active_ids") or ()))
        if not ids:
            raise UserError("No lead is selected: tick at least one in the list, then "
                            "choose the action again.")
        leads = self.env["crm.lead"].with_context(active_test=False)
        visible = set(leads.search([("id", "in", ids)]).ids)
        missing = [i for i in ids if i not in visible]
        if missing:
            raise UserError(f"{len(missing)} of the {len(ids)} selected leads (id "
                            f"{', '.join(map(str, missing))}) were deleted or are not "
                            "visible to you: nothing was changed. Reload the list and "
                            "select again.")
        return leads.browse(ids)

    def _context_leads(self):
        """The leads of the context for defaults (no error: the form shows anyway)."""
        context = self.env.context
        if context.get("active_model") != "crm.lead":
            return self.env["crm.lead"]
        ids = [int(i) for i in context.get("active_ids") or () if str(i).isdigit()]
        return self.env["crm.lead"].with_context(active_test=False).search(
            [("id", "in", ids)])

    def _done(self, leads) -> dict:
        """Forget the wizard and go to the lead (one, still visible) or the pipeline."""
        self.unlink()
        action = self.env.ref("crm.action_opportunities", raise_if_not_found=False)
        query = f"?action={action.id}" if action else ""
        visible = leads.with_context(active_test=False).search([("id", "in", leads.ids)])
        if len(leads) == 1 and visible:
            return {"url": f"/web/crm.lead/{leads.id}{query}"}
        return {"url": f"/web/crm.lead{query}"}


class CrmLeadConvert(Model):
    """Convert leads to opportunities: link an existing customer, create one from each
    lead's contact data, or none; optionally give them to a salesperson and team."""

    _name = "crm.lead.convert"
    _inherit = ["crm.lead.wizard"]
    _description = "Convert to opportunity"

    action = fields.Selection(CONVERT_ACTIONS, required=True, string="Customer",
                              default=lambda self: self._default_action())
    partner_id = fields.Many2one("res.partner", ondelete="cascade", string="Existing customer",
                                 default=lambda self: self._default_partner().id or False,
                                 help="The customer to link, with \"Link to an existing "
                                      "customer\".")
    user_id = fields.Many2one("res.users", ondelete="cascade", string="Salesperson",
                              default=lambda self: self._default_user())
    team_id = fields.Many2one("crm.team", ondelete="cascade", string="Sales team",
                              help="Empty: the salesperson's team.")

    def _default_partner(self):
        """The customer of the lead, else one whose email is the lead's (one lead)."""
        leads = self._context_leads()
        if len(leads) != 1:
            return self.env["res.partner"]
        if leads.partner_id:
            return leads.partner_id
        if leads.email_from:
            return self.env["res.partner"].search(
                [("email", "=ilike", leads.email_from.strip())], limit=1)
        return self.env["res.partner"]

    def _default_action(self) -> str:
        leads = self._context_leads()
        if self._default_partner():
            return "exist"
        if leads and not any(lead.partner_name or lead.contact_name for lead in leads):
            return "nothing"
        return "create"

    def _default_user(self):
        leads = self._context_leads()
        users = leads.mapped("user_id")
        return users.id if len(users) == 1 else self.env.uid

    def action_apply(self) -> dict:
        """Convert the selected leads (see the class); refused, with nothing changed,
        for an opportunity among them, a missing customer, or a lead without a name to
        create a customer from."""
        self.ensure_one()
        with self.env.atomic():
            leads = self._selected_leads()
            already = [lead.name for lead in leads if lead.type == "opportunity"]
            if already:
                raise UserError(f"Already opportunities: {', '.join(already)}. Only leads "
                                "can be converted; untick these and try again.")
            if self.action == "exist" and not self.partner_id:
                raise ValidationError("Choose the existing customer to link the "
                                      "opportunities to.", field="partner_id")
            user_id = self.user_id.id or None
            team_id = self.team_id.id or None
            created = []
            for lead in leads:
                partner = self.env["res.partner"]
                if self.action == "exist":
                    partner = self.partner_id
                elif self.action == "create":
                    owner = self.user_id.id or lead.user_id.id or self.env.uid
                    partner = lead._create_customer(owner)
                    created.append((partner, owner))
                lead._convert_opportunity(partner.id or False, user_id, team_id)
            for partner, owner in created:
                leads._give_customer(partner, owner)
            return self._done(leads)


class CrmLeadLost(Model):
    """Mark leads or opportunities lost, with a reason."""

    _name = "crm.lead.lost"
    _inherit = ["crm.lead.wizard"]
    _description = "Mark as lost"

    lost_reason_id = fields.Many2one("crm.lost.reason", ondelete="cascade",
                                     string="Lost reason")

    def action_apply(self) -> dict:
        """Mark the selected leads lost with the chosen reason (none is allowed)."""
        self.ensure_one()
        with self.env.atomic():
            leads = self._selected_leads()
            leads.action_set_lost(self.lost_reason_id)
            return self._done(leads)
