"""The customers' mass actions (the list's Actions menu, see hooks.py): change customer
groups, share customers, transfer their owner. Each is a wizard opened on the selected
customers (`active_model` "res.partner" and `active_ids` in the context, in the order
the list showed them); its "Apply" button runs `action_apply`.

Rules every wizard follows (docs/partners.md, "Mass actions"):

- the selection is read as the current user: a customer she cannot see (or that was
  deleted meanwhile) refuses the whole action and nothing changes; the write itself
  needs write access (record rules apply);
- all the changes are one transaction: a failure changes nothing;
- each customer that changed gets one chatter notification listing what changed, the
  messages of a run being created together;
- owner and sharing are commercial fields: they are set on the company of a selected
  contact (its "commercial entity") and its contacts follow it (`partner.write`).
"""

from __future__ import annotations

from html import escape

from core.exceptions import UserError, ValidationError
from core.orm import Model, fields

SHARE_MODES = [("add", "Add share"), ("replace", "Transfer share (replace)"),
               ("remove", "Remove share")]


def name_list(records) -> str:
    """The display names of `records`, in order, separated by commas."""
    names = records._display_names()
    return ", ".join(names[i] for i in records._ids)


def by_name(records):
    """`records` sorted by display name, then id (a stable, documented order)."""
    names = records._display_names()
    return records.browse(sorted(records._ids, key=lambda i: (names[i].casefold(), i)))


def apply_mode(before: set, chosen: set, mode: str) -> set:
    """The set of ids after `mode` (add / move or replace / remove) with `chosen`."""
    if mode == "add":
        return before | chosen
    if mode == "remove":
        return before - chosen
    return set(chosen)


def x2many_commands(chosen_ids, mode: str) -> list:
    """The same change as `apply_mode`, as x2many commands for one `write` on many
    records."""
    if mode == "add":
        return [(4, i) for i in chosen_ids]
    if mode == "remove":
        return [(3, i) for i in chosen_ids]
    return [(6, 0, list(chosen_ids))]


class PartnerMassAction(Model):
    """Mixin of the customers' wizards: the selection, the chatter messages, the way
    back to the list."""

    _name = "res.partner.mass.action"
    _description = "Customers' mass action"
    _abstract = True

    # -- the selection ----------------------------------------------------------------
    def _selected_customers(self, commercial: bool = False):
        """The selected customers as the current user sees them, in list order (an
        archived one included). With `commercial`, each selected contact stands for its
        company (duplicates removed, first place kept). UserError when the wizard was
        not opened on customers, nothing is selected, or some of them are not visible."""
        context = self.env.context
        if context.get("active_model") != "res.partner":
            raise UserError("This action works on customers: open it from the customers "
                            "list (tick the customers, then Actions).")
        try:
            ids = list(dict.fromkeys(int(i) for i in context.get("active_ids") or ()))
        except (TypeError, ValueError):
            raise UserError(f"The selection {context.get('active_ids')!r} is not a list of "
                            "customer ids: select the customers in the list again.") from None
        if not ids:
            raise UserError("No customer is selected: tick at least one customer in the "
                            "list, then choose the action again.")
        partners = self.env["res.partner"].with_context(active_test=False)
        visible = set(partners.search([("id", "in", ids)]).ids)
        missing = [i for i in ids if i not in visible]
        if missing:
            raise UserError(
                f"{len(missing)} of the {len(ids)} selected customers (id "
                f"{', '.join(map(str, missing))}) were deleted or are not visible to you: "
                "nothing was changed. Reload the list and select again.")
        customers = partners.browse(ids)
        if commercial:
            commercial_ids = {p.id: p.commercial_partner_id.id for p in customers}
            customers = partners.browse(dict.fromkeys(commercial_ids[i] for i in ids))
        return customers

    def _with_contacts(self, customers):
        """The customers and every contact of theirs, as superuser: contacts follow
        their company whoever may see them, and the hooks run as superuser
        (core/hooks/specs.py)."""
        sudo = customers.sudo().with_context(active_test=False)
        contacts = sudo.search([("commercial_partner_id", "in", list(customers._ids)),
                                ("id", "not in", list(customers._ids))])
        return sudo | contacts

    # -- results ----------------------------------------------------------------------
    def _post_notes(self, customers, bodies: dict[int, str]) -> None:
        """One chatter notification per customer in `bodies` ({id: HTML}), created in
        one go. Created as superuser on purpose: the user's write on these customers
        (checked by the ORM) was just accepted, and after a transfer she may no longer
        see them; the message is still hers (author: the current user)."""
        if bodies:
            customers._message_create_sudo([
                {"res_id": rid, "body": body, "message_type": "notification",
                 "subtype": "note"} for rid, body in bodies.items()])

    def _back_to_customers(self) -> dict:
        """Where the web client goes after the action: the customers list."""
        action = self.env.ref("base.action_customers", raise_if_not_found=False)
        query = f"action={action.id}&" if action else ""
        return {"url": f"/web/res.partner?{query}view=list&notice=done"}

    def _done(self) -> dict:
        """Forget the wizard (it served its purpose) and go back to the list."""
        back = self._back_to_customers()
        self.unlink()
        return back


class PartnerGroupWizard(Model):
    """Mass action "Change customer group": move the selected customers to the chosen
    groups (replacing all theirs), add them to the groups, or remove them from them."""

    _name = "res.partner.group.wizard"
    _inherit = ["res.partner.mass.action"]
    _description = "Change customer group"

    mode = fields.Selection([("move", "Move to (replace all groups)"), ("add", "Add to"),
                             ("remove", "Remove from")], required=True, default="add",
                            string="Action")
    group_ids = fields.Many2many("res.partner.group", relation="res_partner_group_wizard_rel",
                                 column1="wizard_id", column2="group_id",
                                 string="Customer groups")

    def action_apply(self) -> dict:
        """Change the groups of the selected customers; each customer that changed gets
        a note listing the groups it joined and left."""
        self.ensure_one()
        with self.env.atomic():
            customers = self._selected_customers()
            groups = self.group_ids
            if not groups:
                raise ValidationError("Choose at least one customer group (to take "
                                      "customers out of every group, use Remove from with "
                                      "those groups).", field="group_ids")
            chosen = set(groups.ids)
            befores = {row["id"]: set(row["group_ids"])
                       for row in customers.read(["group_ids"])}
            afters = {rid: apply_mode(before, chosen, self.mode)
                      for rid, before in befores.items()}
            changed = customers.browse([i for i in customers._ids if afters[i] != befores[i]])
            if changed:
                changed.write({"group_ids": x2many_commands(groups.ids, self.mode)})
            names = self.env["res.partner.group"].with_context(active_test=False).browse(
                set().union(*befores.values(), chosen))._display_names()
            bodies = {}
            for rid in changed._ids:
                added = sorted(names[i] for i in afters[rid] - befores[rid])
                removed = sorted(names[i] for i in befores[rid] - afters[rid])
                parts = [f"added to {', '.join(added)}" if added else "",
                         f"removed from {', '.join(removed)}" if removed else ""]
                bodies[rid] = ("<p>Customer groups changed: "
                               f"{escape('; '.join(p for p in parts if p))}.</p>")
            self._post_notes(changed, bodies)
            return self._done()


class PartnerShareWizard(Model):
    """Mass action "Share customers": share the selected customers with users and/or
    departments (add), share them with those only (replace), or stop sharing them with
    those (remove); optionally their related documents too (the `partner_share` hook)."""

    _name = "res.partner.share.wizard"
    _inherit = ["res.partner.mass.action"]
    _description = "Share customers"

    mode = fields.Selection(SHARE_MODES, required=True, default="add", string="Action")
    user_ids = fields.Many2many("res.users", relation="res_partner_share_wizard_user_rel",
                                column1="wizard_id", column2="user_id", string="Users")
    department_ids = fields.Many2many("res.department",
                                      relation="res_partner_share_wizard_department_rel",
                                      column1="wizard_id", column2="department_id",
                                      string="Departments")
    share_related = fields.Boolean(
        string="Also their related documents",
        help="Share the customers' opportunities, quotations, orders and tickets the same "
             "way (each installed addon shares its own documents).")

    def action_apply(self) -> dict:
        """Change the sharing of the selected customers (their contacts follow); each
        customer that changed gets a note naming who it is now shared with and who no
        longer."""
        self.ensure_one()
        with self.env.atomic():
            customers = self._selected_customers(commercial=True)
            users, departments = self.user_ids, self.department_ids
            if not users and not departments:
                raise ValidationError("Choose at least one user or department to share "
                                      "with.", field="user_ids")
            befores = {row["id"]: (set(row["share_user_ids"]), set(row["share_department_ids"]))
                       for row in customers.read(["share_user_ids", "share_department_ids"])}
            afters = {rid: (apply_mode(u, set(users.ids), self.mode),
                            apply_mode(d, set(departments.ids), self.mode))
                      for rid, (u, d) in befores.items()}
            changed = customers.browse([i for i in customers._ids if afters[i] != befores[i]])
            if changed:
                values = {"share_user_ids": x2many_commands(users.ids, self.mode),
                          "share_department_ids": x2many_commands(departments.ids, self.mode)}
                if self.mode != "replace":  # adding or removing no department: no-op
                    values = {k: v for k, v in values.items() if v}
                changed.write(values)
            self._post_notes(changed, self._bodies(changed, befores, afters))
            if self.share_related:
                self.env.hooks.partner_share(
                    env=self.sudo().env, partners=self._with_contacts(customers),
                    users=users.sudo(), departments=departments.sudo(), mode=self.mode)
            return self._done()

    def _bodies(self, changed, befores, afters) -> dict[int, str]:
        """{customer id: note} of the customers whose sharing changed."""
        user_ids, department_ids = set(), set()
        for users_set, departments_set in (*befores.values(), *afters.values()):
            user_ids |= users_set
            department_ids |= departments_set
        user_names = self.env["res.users"].with_context(active_test=False).browse(
            user_ids)._display_names()
        department_names = self.env["res.department"].browse(department_ids)._display_names()

        def label(users: set, departments: set) -> str:
            names = sorted(user_names[i] for i in users)
            names += sorted(f"{department_names[i]} (department)" for i in departments)
            return ", ".join(names)

        bodies = {}
        for rid in changed._ids:
            (users_before, departments_before), (users_after, departments_after) = \
                befores[rid], afters[rid]
            added = label(users_after - users_before, departments_after - departments_before)
            removed = label(users_before - users_after, departments_before - departments_after)
            parts = [f"shared with {added}" if added else "",
                     f"no longer shared with {removed}" if removed else ""]
            bodies[rid] = f"<p>Sharing changed: {escape('; '.join(p for p in parts if p))}.</p>"
        return bodies


class PartnerOwnerWizard(Model):
    """Mass action "Transfer owner": give the selected customers to one user, or split
    them evenly (in list order) among several users and the members of departments;
    optionally their open documents too (the `partner_owner_transfer` hook). The
    previous owner keeps access only where the customer is shared with her."""

    _name = "res.partner.owner.wizard"
    _inherit = ["res.partner.mass.action"]
    _description = "Transfer owner"

    user_ids = fields.Many2many("res.users", relation="res_partner_owner_wizard_user_rel",
                                column1="wizard_id", column2="user_id", string="New owners")
    department_ids = fields.Many2many(
        "res.department", relation="res_partner_owner_wizard_department_rel",
        column1="wizard_id", column2="department_id", string="Departments",
        help="Each active member of these departments is a new owner.")
    transfer_related = fields.Boolean(
        string="Also their open documents",
        help="Give the customers' open opportunities, quotations and tickets to the new "
             "owner too (each installed addon transfers its own documents).")

    def _targets(self):
        """The new owners, in split order: the chosen users by name, then the active
        members of each chosen department who are employees (departments by name,
        members by name), each user once. ValidationError when there is none, or a
        chosen user is no employee."""
        if not self.user_ids and not self.department_ids:
            raise ValidationError("Choose at least one new owner: a user or a department.",
                                  field="user_ids")
        users = self.env["res.users"]
        outsiders = self.user_ids.filtered(lambda u: not u.has_group("base.group_user"))
        if outsiders:
            raise ValidationError(f"{name_list(outsiders)}: only employees can own "
                                  "customers. Choose other users.", field="user_ids")
        ordered = list(by_name(self.user_ids)._ids)
        members = users.search([("department_id", "in", self.department_ids.ids),
                                ("active", "=", True)]) if self.department_ids else users
        members = members.filtered(lambda u: u.has_group("base.group_user"))
        for department in by_name(self.department_ids):
            found = by_name(members.filtered(lambda u, d=department: u.department_id == d))
            if not found:
                raise ValidationError(f"Department {department.display_name!r} has no active "
                                      "member to own customers: choose users, or another "
                                      "department.", field="department_ids")
            ordered += found._ids
        return users.browse(dict.fromkeys(ordered))

    def action_apply(self) -> dict:
        """Give the selected customers to the targets (split evenly in list order, the
        first targets taking one more when it does not divide); each customer whose
        owner changed gets a note "Owner changed from X to Y"."""
        self.ensure_one()
        with self.env.atomic():
            customers = self._selected_customers(commercial=True)
            targets = self._targets()
            shares = split_evenly(list(customers._ids), len(targets))
            previous = {row["id"]: row["owner_id"][0] if row["owner_id"] else None
                        for row in customers.read(["owner_id"])}
            # the documents' hook wants every partner's previous owner: read them first
            everyone = self._with_contacts(customers) if self.transfer_related else None
            owned_before = {p.id: p.owner_id.id or None for p in everyone or ()}
            owners = self.env["res.users"].with_context(active_test=False).browse(
                {*filter(None, previous.values()), *targets.ids})._display_names()
            bodies = {}
            for target, ids in zip(targets, shares):
                moving = [i for i in ids if previous[i] != target.id]
                for rid in moving:
                    old = owners[previous[rid]] if previous[rid] else "nobody"
                    bodies[rid] = (f"<p>Owner changed from {escape(old)} to "
                                   f"{escape(owners[target.id])}.</p>")
                if moving:
                    customers.browse(moving).with_context(mail_notrack=True).write(
                        {"owner_id": target.id})
            self._post_notes(customers, bodies)
            if everyone is not None:
                self._transfer_related(everyone, targets, shares, owned_before)
            return self._done()

    def _transfer_related(self, everyone, targets, shares, owned_before: dict) -> None:
        """Call `partner_owner_transfer` once per target with its customers and their
        contacts (`everyone`, as superuser), and the owner each had before."""
        commercial = {p.id: p.commercial_partner_id.id for p in everyone}
        for target, ids in zip(targets, shares):
            if not ids:
                continue
            mine = set(ids)
            partners = everyone.filtered(lambda p, mine=mine: commercial[p.id] in mine)
            self.env.hooks.partner_owner_transfer(
                env=self.sudo().env, partners=partners, owner=target.sudo(),
                previous={p.id: owned_before[p.id] for p in partners})


def split_evenly(ids: list, count: int) -> list[list]:
    """`ids` cut in `count` consecutive slices whose sizes differ by at most one, the
    first slices taking the extra ones: 7 over 3 gives 3, 2, 2."""
    size, extra = divmod(len(ids), count)
    slices, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        slices.append(ids[start:end])
        start = end
    return slices
