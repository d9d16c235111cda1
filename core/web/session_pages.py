"""Login, logout, the home page, and the change of one's own password."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.utils import redirect

from core.exceptions import AccessError, ValidationError
from core.web import auth


def root(page):
    """/ leads to the web client."""
    return redirect("/web")


def home(page):
    """/web: the first app the user may open, or a page saying there is none."""
    apps = page.env["ir.ui.menu"].visible_tree()
    action_id = _first_action(apps)
    if action_id:
        return redirect(f"/web/action/{action_id}")
    return page.render("home.html", title="Welcome")


def _first_action(menus):
    for menu in menus:
        if menu["action_id"]:
            return menu["action_id"]
        found = _first_action(menu["children"])
        if found:
            return found
    return None


def login(page):
    """GET: the login form. POST: check the password (failed attempts are limited per
    login and per address), open a session, and go where the user was heading."""
    request = page.request
    target = _safe_target(request.values.get("redirect"))
    if request.method in ("GET", "HEAD"):
        if not page.visitor.anonymous:
            return redirect(target)
        return page.render("login.html", title="Log in", login="", error=None,
                           target=target)
    login_name = (request.form.get("login") or "").strip()
    password = request.form.get("password") or ""
    env = page.env
    ip = request.remote_addr
    attempts = env["res.users.login.attempt"]
    try:
        attempts.check_allowed(login_name, ip)
        user = env["res.users"].authenticate(login_name, password)
    except AccessError as error:
        if "Too many" not in str(error):
            attempts.record_failure(login_name, ip)
        response = page.render("login.html", status=401, title="Log in", login=login_name,
                               error=str(error), target=target)
        response.commit = True  # keep the failed attempt, though the status is an error
        return response
    sid, _token = env["res.users.session"].open(user.id, ip)
    response = redirect(target, code=303)
    auth.set_session_cookie(response, sid, page.app.secure_cookies)
    return response


def logout(page):
    """GET: a page with the logout button. POST (with the CSRF token): end the session."""
    if page.request.method in ("GET", "HEAD"):
        return page.render("logout.html", title="Log out")
    if page.visitor.session_id:
        page.env["res.users.session"].browse(page.visitor.session_id).close()
    response = redirect("/web/login", code=303)
    auth.clear_session_cookie(response)
    return response


def preferences(page):
    """The user's own settings: change the password (which ends the other sessions)."""
    user = page.env.user
    error = None
    if page.request.method == "POST":
        form = page.request.form
        new, confirm = form.get("new_password") or "", form.get("confirm_password") or ""
        try:
            if new != confirm:
                raise ValidationError("The two new passwords differ: type the same twice.")
            with page.env.atomic():
                user.change_password(form.get("old_password") or "", new)
        except (AccessError, ValidationError) as failure:
            error = str(failure)
        else:
            sid, _token = page.env["res.users.session"].open(user.id, page.request.remote_addr)
            response = page.redirect("/web/preferences", notice="password")
            auth.set_session_cookie(response, sid, page.app.secure_cookies)
            return response
    return page.render("preferences.html", status=400 if error else 200,
                       title="Preferences", error=error,
                       breadcrumbs=[{"label": "Preferences", "url": None}])


def open_action(page, action_id: int):
    """/web/action/<id>: the action's model in its first view."""
    action = page.env["ir.actions.window"].sudo().browse(action_id).exists()
    if not action:
        return page.error(404, "Menu entry not found", "This menu entry no longer exists.")
    return redirect(f"/web/{action.res_model}?action={action.id}")


def open_menu(page, menu_id: int):
    """/web/menu/<id>: an app without an action of its own opens its first entry."""
    menus = page.env["ir.ui.menu"].visible_tree()
    app = next((m for m in menus if m["id"] == menu_id), None)
    action_id = _first_action([app]) if app else None
    if not action_id:
        return page.error(404, "Menu not found", "This menu does not exist or is not "
                          "available to you.")
    return redirect(f"/web/action/{action_id}")


def _safe_target(target: str | None) -> str:
    """Only paths of this site (no open redirect to another host)."""
    if not target:
        return "/web"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/web"
    return target
