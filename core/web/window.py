"""Which action a page shows and the views it uses: the `action` URL parameter, else
the model's first window action, else the model alone with generated views."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.exceptions import NotFound

from core.exceptions import TesseraError
from core.views.safe_eval import literal_eval
from core.web.search import FUNCTIONS, domain_variables
from core.web.widgets import as_id


@dataclass
class Window:
    """A model as one action shows it."""

    model: object
    action: object | None
    title: str
    domain: list = field(default_factory=list)
    context: dict = field(default_factory=dict)
    limit: int = 80
    view_types: list[str] = field(default_factory=lambda: ["list", "form"])

    def arch(self, view_type: str) -> str:
        """The combined arch of this model's view of `view_type`."""
        action = self.action
        view_id = None
        if action is not None:
            if view_type == "search" and action.search_view_id:
                view_id = action.search_view_id.id
            elif action.view_id and action.view_id.type == view_type:
                view_id = action.view_id.id
        views = self.model.env["ir.ui.view"].sudo()
        return views.get_view(self.model._name, view_type, view_id)["arch"]

    @property
    def list_url(self) -> str:
        """The list of this window, without any search."""
        suffix = f"?action={self.action.id}" if self.action is not None else ""
        return f"/web/{self.model._name}{suffix}"

    def record_url(self, record_id) -> str:
        """The form of one record, keeping the action (menus and breadcrumbs)."""
        suffix = f"?action={self.action.id}" if self.action is not None else ""
        return f"/web/{self.model._name}/{record_id}{suffix}"


def resolve(page, model_name: str) -> Window:
    """The window of `model_name` for this request (NotFound for an unknown model)."""
    env = page.env
    if model_name not in env.registry:
        raise NotFound()
    model = env[model_name]
    actions = env["ir.actions.window"].sudo()
    action = None
    action_id = as_id(page.request.args.get("action"))
    if action_id is not None:
        action = actions.browse(action_id).exists()
        if action and action.res_model != model_name:
            action = None
    if not action:
        action = actions.search([("res_model", "=", model_name)], limit=1, order="id")
    page.action = action or None
    if not action:
        return Window(model, None, model._description or model_name)
    variables = {**domain_variables(env), "active_id": None}
    context = _evaluate(action.context, {}, variables)
    if not isinstance(context, dict):
        context = {}
    domain = _evaluate(action.domain, [], variables)
    if context:
        model = model.with_context(**{k: v for k, v in context.items()
                                      if k.startswith("default_")})
    return Window(model, action, action.name, list(domain or []), context,
                  action.limit or 80, action.view_types())


def may(model, operation: str) -> bool:
    """Whether the current user's access rights allow `operation` ("read", "write",
    "create", "unlink") on `model` (record rules aside)."""
    policy = model._security()
    return policy is None or policy.model_allowed(model.env.uid, model._name, operation)


def _evaluate(text, default, variables):
    if not text:
        return default
    try:
        return literal_eval(text, FUNCTIONS, variables)
    except TesseraError:
        return default
