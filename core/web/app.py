"""The WSGI application: one transaction per request, routing, error pages and the
security headers every response carries."""

from __future__ import annotations

import logging
from pathlib import Path

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.routing import IntegerConverter, Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from core.exceptions import AccessError, MissingError, RetryableError, TesseraError
from core.web import (
    actions,
    auth,
    calendar_view,
    chatter,
    csv_import_page,
    forms,
    graph,
    kanban,
    pivot,
    session_pages,
    views_page,
)
from core.web.page import Page, render_error
from core.web.widgets import MAX_INTEGER

_logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
STATIC_MAX_AGE = 3600
RETRIES = 3
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class IdConverter(IntegerConverter):
    """A record id in a path: 1 to 2**31 - 1 (the id columns), else the page is a 404."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_INTEGER)


ROUTES = Map([
    Rule("/", endpoint=session_pages.root),
    Rule("/web", endpoint=session_pages.home),
    Rule("/web/login", endpoint=session_pages.login, methods=["GET", "POST"]),
    Rule("/web/logout", endpoint=session_pages.logout, methods=["GET", "POST"]),
    Rule("/web/preferences", endpoint=session_pages.preferences, methods=["GET", "POST"]),
    Rule("/web/action/<id:action_id>", endpoint=session_pages.open_action),
    Rule("/web/menu/<id:menu_id>", endpoint=session_pages.open_menu),
    Rule("/web/<model>", endpoint=views_page.view_page),
    Rule("/web/<model>/actions", endpoint=actions.run_action, methods=["POST"]),
    Rule("/web/<model>/autocomplete", endpoint=forms.autocomplete),
    Rule("/web/<model>/import", endpoint=csv_import_page.import_page, methods=["GET", "POST"]),
    Rule("/web/<model>/new", endpoint=forms.new_page, methods=["GET", "POST"]),
    Rule("/web/<model>/new/call/<method>", endpoint=forms.call_button,
         defaults={"record_id": 0}, methods=["POST"]),
    Rule("/web/<model>/<id:record_id>", endpoint=forms.form_page, methods=["GET", "POST"]),
    Rule("/web/<model>/<id:record_id>/delete", endpoint=forms.delete, methods=["POST"]),
    Rule("/web/<model>/<id:record_id>/duplicate", endpoint=forms.duplicate,
         methods=["POST"]),
    Rule("/web/<model>/<id:record_id>/call/<method>", endpoint=forms.call_button,
         methods=["POST"]),
    # each view module declares its own routes
    *kanban.ROUTES, *calendar_view.ROUTES, *graph.ROUTES, *pivot.ROUTES, *chatter.ROUTES,
], strict_slashes=False, converters={"id": IdConverter})

# endpoints a visitor may reach before logging in
PUBLIC = {session_pages.root, session_pages.login}


class _Rollback(Exception):
    """Carries a response out of the transaction, so that it is rolled back."""

    def __init__(self, response: Response):
        super().__init__()
        self.response = response


class WebApp:
    """The web client of one database (see `create_app`)."""

    def __init__(self, database, secure_cookies: bool = False):
        from core.web.api import api_app

        self.database = database
        self.secure_cookies = secure_cookies
        self.api = api_app(database)
        self._hook_routes: tuple[object, Map] | None = None
        self.static = SharedDataMiddleware(NotFound(), {"/web/static": str(STATIC)},
                                           cache_timeout=STATIC_MAX_AGE)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/api/"):
            return self.api(environ, start_response)
        if path.startswith("/web/static/"):
            return self.static(environ, _with_headers(start_response, static=True))
        request = Request(environ)
        try:
            response = self.handle(request)
        finally:
            request.close()  # uploaded files, also when the request was refused (CSRF)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Run the request in one transaction (retried when it loses a race on
        PostgreSQL); an error response rolls everything back."""
        for attempt in range(RETRIES):
            try:
                with self.database.env() as env:
                    response = self._dispatch(request, env)
                    if response.status_code >= 400 and not getattr(response, "commit", False):
                        raise _Rollback(response)
                return self._finish(response)
            except _Rollback as rollback:
                return self._finish(rollback.response)
            except RetryableError:
                if attempt == RETRIES - 1:
                    return self._finish(render_error(
                        request, 503, "The server is busy",
                        "Another change got in the way. Nothing was saved: try again."))
            except Exception:
                _logger.exception("error while serving %s %s", request.method, request.path)
                return self._finish(render_error(
                    request, 500, "Something went wrong",
                    "The error was logged. Nothing was saved: try again, and tell your "
                    "administrator if it happens again."))
        raise AssertionError("unreachable")

    def _dispatch(self, request: Request, env) -> Response:
        visitor = auth.visitor_of(env, request)
        if not visitor.anonymous:
            env = env(user=visitor.uid)
        fresh_token = auth.new_anonymous_token(visitor)
        page = Page(self, request, env, visitor)
        try:
            endpoint, values = self._match(request, env)
            if visitor.anonymous and endpoint not in PUBLIC \
                    and not getattr(endpoint, "public", False):
                if request.method == "GET":
                    return redirect(f"/web/login?redirect={_quote(request.full_path)}")
                return page.error(401, "Please log in", "Your session has ended: log in "
                                  "again, then repeat what you were doing.")
            if not auth.csrf_ok(visitor, request):
                return page.error(403, "This form has expired",
                                  "The page was open too long or came from another site. "
                                  "Reload the page and try again.")
            response = endpoint(page, **values)
        except NotFound:
            response = page.error(404, "Page not found", "There is no such page.")
        except MethodNotAllowed:
            response = page.error(405, "Not allowed", "This page does not accept that "
                                  "kind of request.")
        except HTTPException as error:
            response = page.error(error.code or 400, error.name, error.description or "")
        except MissingError as error:
            response = page.error(404, "Record not found", str(error))
        except AccessError as error:
            response = page.error(403, "Access denied", str(error))
        except RetryableError:
            raise  # a lost race: `handle` runs the whole request again
        except TesseraError as error:
            response = page.error(400, "This cannot be done", str(error))
        if fresh_token and not response.headers.getlist("Set-Cookie"):
            auth.set_anonymous_token(visitor, response, self.secure_cookies)
        return response

    def _match(self, request: Request, env):
        adapter = ROUTES.bind_to_environ(request.environ)
        try:
            return adapter.match()
        except NotFound:
            hook_map = self._hook_map(env)
            endpoint, values = hook_map.bind_to_environ(request.environ).match()
            wrapper = lambda page, **kw: endpoint(page.request, page.env, **kw)  # noqa: E731
            wrapper.public = getattr(endpoint, "public", False)  # served without login
            return wrapper, values

    def _hook_map(self, env) -> Map:
        """Routes of the installed addons (`web_routes` hook), rebuilt when the
        registry changes (an addon was installed or removed)."""
        if self._hook_routes is None or self._hook_routes[0] is not env.registry:
            rules = []
            for routes in env.hooks.web_routes(env=env):
                rules.extend(Rule(rule, endpoint=endpoint) for rule, endpoint in routes)
            self._hook_routes = (env.registry, Map(rules, strict_slashes=False))
        return self._hook_routes[1]

    @staticmethod
    def _finish(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def _with_headers(start_response, static: bool):
    """start_response adding the security headers (static files keep their cache)."""

    def start(status, headers, exc_info=None):
        present = {name.lower() for name, _ in headers}
        headers = list(headers) + [(k, v) for k, v in SECURITY_HEADERS.items()
                                   if k.lower() not in present]
        if static and "cache-control" not in present:
            headers.append(("Cache-Control", f"public, max-age={STATIC_MAX_AGE}"))
        return start_response(status, headers, exc_info)

    return start


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path.rstrip("?"), safe="")


def create_app(database, secure_cookies: bool = False) -> WebApp:
    """The WSGI application serving `database` (a core.Database): web client at /web,
    JSON API at /api/v1. `secure_cookies` marks cookies Secure (behind HTTPS)."""
    return WebApp(database, secure_cookies=secure_cookies)
