"""System models of the views layer: views, window actions and menus."""

from __future__ import annotations

from core.exceptions import MissingError
from core.orm import Model, fields

VIEW_TYPES = [
    ("form", "Form"), ("list", "List"), ("kanban", "Kanban"), ("search", "Search"),
    ("calendar", "Calendar"), ("graph", "Graph"), ("pivot", "Pivot"),
]


class IrUiView(Model):
    """A view architecture (XML) of one model, or an extension of another view."""

    _name = "ir.ui.view"
    _description = "View"
    _order = "model, type, priority, id"

    name = fields.Char(required=True)
    model = fields.Char(required=True, index=True)
    type = fields.Selection(VIEW_TYPES, required=True)
    arch = fields.Text(required=True)
    inherit_id = fields.Many2one("ir.ui.view", ondelete="cascade", index=True)
    inherit_children_ids = fields.One2many("ir.ui.view", "inherit_id")
    mode = fields.Selection([("primary", "Primary"), ("extension", "Extension")],
                            default="primary", required=True)
    priority = fields.Integer(default=16)
    addon = fields.Char(index=True, help="The addon whose data file declared the view.")
    source = fields.Char(help="File and line the view was loaded from.")
    active = fields.Boolean(default=True)

    def get_view(self, model: str, view_type: str, view_id: int | None = None) -> dict:
        """The combined view: {"id", "model", "type", "arch"} where arch is the XML of
        the primary view with every extension applied (addon dependency order, then
        priority). Without a view of that type, a default one is generated."""
        from core.views.arch import combined_arch, default_arch

        view_type = "list" if view_type == "tree" else view_type
        view = self._primary_view(model, view_type, view_id)
        if view is None:
            return {"id": None, "model": model, "type": view_type,
                    "arch": default_arch(self.env[model], view_type)}
        arch, _sources = combined_arch(view)
        return {"id": view.id, "model": model, "type": view_type, "arch": arch}

    def _primary_view(self, model: str, view_type: str, view_id: int | None):
        view_type = "list" if view_type == "tree" else view_type
        views = self.sudo()
        if view_id:
            view = views.browse(view_id).exists()
            if not view:
                raise MissingError(f"View {view_id} does not exist")
            return view
        found = views.search([("model", "=", model), ("type", "=", view_type),
                              ("mode", "=", "primary")], limit=1, order="priority, id")
        return found or None


class IrActionsWindow(Model):
    """What a menu opens: a model's records in some views, filtered by a domain."""

    _name = "ir.actions.window"
    _description = "Window action"
    _order = "name, id"

    name = fields.Char(required=True)
    res_model = fields.Char(required=True)
    view_mode = fields.Char(default="list,form", help="Comma-separated view types, first "
                                                      "is the default.")
    view_id = fields.Many2one("ir.ui.view", ondelete="set null")
    search_view_id = fields.Many2one("ir.ui.view", ondelete="set null")
    domain = fields.Text(help="A domain (Python literal) restricting the records.")
    context = fields.Text(help="A context (Python literal dict), e.g. default values.")
    limit = fields.Integer(default=80)
    help = fields.Html()

    def view_types(self) -> list[str]:
        """The view types of the action, the default first."""
        return [t.strip() for t in (self.view_mode or "list").split(",") if t.strip()]


class IrUiMenu(Model):
    """An entry of the menu tree; leaves open an action."""

    _name = "ir.ui.menu"
    _description = "Menu"
    _order = "sequence, id"
    _parent_name = "parent_id"

    name = fields.Char(required=True)
    parent_id = fields.Many2one("ir.ui.menu", ondelete="cascade", index=True)
    child_ids = fields.One2many("ir.ui.menu", "parent_id")
    sequence = fields.Integer(default=10)
    action_id = fields.Many2one("ir.actions.window", ondelete="set null")
    web_icon = fields.Char()
    groups_id = fields.Many2many("res.groups", relation="ir_ui_menu_group_rel",
                                 column1="menu_id", column2="gid", string="Groups",
                                 help="Shown only to these groups (to everyone when empty).")
    active = fields.Boolean(default=True)

    def visible_tree(self) -> list[dict]:
        """The menu tree the current user may see: [{"id", "name", "action_id",
        "web_icon", "children": [...]}], leaving out menus of other groups, menus whose
        action's model the user may not read, and menus that open nothing."""
        menus = self.sudo().search([])
        user_groups = self.env.user.all_group_ids() if self.env.user else set()
        superuser = self.env.su
        policy = None if superuser else self.env.transaction.security
        by_parent: dict = {}
        for menu in menus:
            if superuser or not menu.groups_id or set(menu.groups_id.ids) & user_groups:
                by_parent.setdefault(menu.parent_id.id or None, []).append(menu)

        def opens_something(menu) -> bool:
            """A menu whose action's model the user may read (or is installed at all)."""
            if not menu.action_id:
                return False
            model = menu.action_id.res_model
            if model not in self.env.registry:
                return False
            return policy is None or policy.model_allowed(self.env.uid, model, "read")

        def build(parent_id):
            items = []
            for menu in by_parent.get(parent_id, []):
                children = build(menu.id)
                if children or opens_something(menu):
                    items.append({"id": menu.id, "name": menu.name,
                                  "action_id": menu.action_id.id or None,
                                  "web_icon": menu.web_icon or None, "children": children})
            return items

        return build(None)

    def complete_name(self) -> str:
        """The path of the menu: "Sales / Customers"."""
        names, menu = [], self
        while menu:
            names.append(menu.name)
            menu = menu.parent_id
        return " / ".join(reversed(names))
