"""What a page handler works with: the request, the user's environment, rendering with
the layout (menus, breadcrumbs, user), redirects and error pages."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment as Jinja
from jinja2 import FileSystemLoader, select_autoescape
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from core.web.auth import CSRF_FIELD

TEMPLATES = Path(__file__).resolve().parent / "templates"

NOTICES = {
    "saved": "Saved.",
    "created": "Created.",
    "deleted": "Deleted {n} record(s).",
    "archived": "Archived {n} record(s).",
    "unarchived": "Restored {n} record(s).",
    "duplicated": "This is a copy: change what differs and save.",
    "done": "Done.",
    "imported": "Imported {n} record(s).",
    "password": "Your password was changed.",
}


def _jinja() -> Jinja:
    jinja = Jinja(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(
        default=True, default_for_string=True), trim_blocks=True, lstrip_blocks=True)
    jinja.globals["urlencode"] = urlencode
    return jinja


JINJA = _jinja()


def html_response(body: str, status: int = 200) -> Response:
    """An HTML response."""
    return Response(body, status=status, content_type="text/html; charset=utf-8")


def render_error(request: Request, status: int, title: str, message: str) -> Response:
    """An error page without the layout (when there is no usable environment)."""
    body = JINJA.get_template("error.html").render(
        status=status, title=title, message=message, layout=None, csrf_token="",
        csrf_field=CSRF_FIELD, breadcrumbs=[], notice=None)
    return html_response(body, status)


class Page:
    """One request being served: `request`, `env` (as the visitor), `visitor`."""

    def __init__(self, app, request: Request, env, visitor):
        self.app = app
        self.request = request
        self.env = env
        self.visitor = visitor
        self.action = None  # the window action being shown, for the menus

    # -- responses --------------------------------------------------------------------
    def render(self, template: str, status: int = 200, **context) -> Response:
        """Render `template` inside the layout (`status` is the HTTP status, also given
        to the template)."""
        notice = NOTICES.get(self.request.args.get("notice", ""))
        if notice:
            notice = notice.format(n=_int(self.request.args.get("n"), 0))
        context.setdefault("breadcrumbs", [])
        body = JINJA.get_template(template).render(
            layout=None if self.visitor.anonymous else self.layout(),
            csrf_token=self.visitor.csrf_token, csrf_field=CSRF_FIELD, notice=notice,
            request=self.request, status=status, **context)
        return html_response(body, status)

    def error(self, status: int, title: str, message: str) -> Response:
        """An error page (403, 404, ...) that still shows the menus."""
        return self.render("error.html", status=status, title=title, message=message)

    @staticmethod
    def redirect(url: str, **notice) -> Response:
        """A 303 redirect (after a POST), with an optional notice: notice="saved"."""
        if notice:
            url += ("&" if "?" in url else "?") + urlencode(notice)
        return redirect(url, code=303)

    # -- the layout -------------------------------------------------------------------
    def layout(self) -> dict:
        """Menus, the current app and the user, for the page frame."""
        env = self.env
        apps = env["ir.ui.menu"].visible_tree()
        action_id = self.action.id if self.action else None
        current = next((app for app in apps if _contains_action(app, action_id)),
                       apps[0] if apps and action_id is None and not self.request.path
                       .startswith("/web/") else None)
        user = env.user.sudo()
        return {"apps": apps, "current_app": current, "action_id": action_id,
                "user_name": user.name, "user_lang": user.lang or "en_US"}


def _contains_action(menu: dict, action_id) -> bool:
    if action_id is None:
        return False
    if menu.get("action_id") == action_id:
        return True
    return any(_contains_action(child, action_id) for child in menu["children"])


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
