"""Who is asking: the session cookie, the API key, and the CSRF checks.

Sessions live in the database (`res.users.session`): the cookie holds a random id, the
table its SHA-256. A browser without a session gets a random `tessera_csrf` cookie whose
value the login form must echo (double submit), so that even login is CSRF-protected.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

SESSION_COOKIE = "tessera_session"
ANON_CSRF_COOKIE = "tessera_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass
class Visitor:
    """The caller of a request: a user id (None when anonymous), its session, and the
    CSRF token its state-changing requests must carry."""

    uid: int | None
    session_id: int | None
    csrf_token: str
    via_api_key: bool = False

    @property
    def anonymous(self) -> bool:
        """True before login."""
        return self.uid is None


def visitor_of(env, request: Request) -> Visitor:
    """The visitor of `request`: an API key (Authorization: Bearer) wins, then the
    session cookie; otherwise anonymous with the double-submit CSRF cookie."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        uid = env["res.users.apikey"].user_of(header[7:].strip())
        if uid and _active(env, uid):
            return Visitor(uid, None, "", via_api_key=True)
        return Visitor(None, None, "")
    session = env["res.users.session"].find(request.cookies.get(SESSION_COOKIE))
    if session and _active(env, session.user_id.id):
        return Visitor(session.user_id.id, session.id, session.csrf_token)
    return Visitor(None, None, request.cookies.get(ANON_CSRF_COOKIE) or "")


def _active(env, uid: int) -> bool:
    return bool(env["res.users"].sudo().search_count([("id", "=", uid)]))


def csrf_ok(visitor: Visitor, request: Request) -> bool:
    """Whether a state-changing request carries the visitor's token (form field or
    header). API-key requests need none: no browser sends that header by itself."""
    if request.method in SAFE_METHODS or visitor.via_api_key:
        return True
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return bool(visitor.csrf_token) and hmac.compare_digest(sent, visitor.csrf_token)


def new_anonymous_token(visitor: Visitor) -> bool:
    """Give an anonymous visitor without one a fresh CSRF token (before the page is
    rendered); True when a cookie must carry it back."""
    if visitor.anonymous and not visitor.csrf_token and not visitor.via_api_key:
        visitor.csrf_token = secrets.token_urlsafe(32)
        return True
    return False


def set_anonymous_token(visitor: Visitor, response: Response, secure: bool) -> None:
    """Store an anonymous visitor's CSRF token in its cookie (the login form echoes it)."""
    response.set_cookie(ANON_CSRF_COOKIE, visitor.csrf_token, httponly=True,
                        samesite="Lax", secure=secure, path="/")


def set_session_cookie(response: Response, sid: str, secure: bool) -> None:
    """Store the session id in the browser (HttpOnly, SameSite=Lax)."""
    response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Lax", secure=secure,
                        path="/")
    response.delete_cookie(ANON_CSRF_COOKIE, path="/")


def clear_session_cookie(response: Response) -> None:
    """Forget the session in the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/")
