"""Web sessions, API keys and failed-login records, kept in the database so that every
worker (and machine) sees them. Only hashes of session ids and keys are stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from core.exceptions import AccessError
from core.orm import Model, fields

SESSION_LIFETIME = dt.timedelta(days=7)  # since the session was last used
SEEN_PRECISION = dt.timedelta(hours=1)
LOGIN_WINDOW = dt.timedelta(minutes=15)
LOGIN_MAX_FAILURES = 5


def digest(secret: str) -> str:
    """The stored form of a session id or API key (SHA-256: they are long and random,
    so a fast hash is enough and lets the database look them up)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class ResUsersSession(Model):
    """A logged-in browser: the hash of the random id in its cookie, and its CSRF token."""

    _name = "res.users.session"
    _description = "Web session"
    _log_access = False
    _sql_constraints = [("sid_uniq", "unique(sid_hash)", "A session id is unique.")]

    sid_hash = fields.Char(required=True, index=True)
    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True)
    csrf_token = fields.Char(required=True)
    created = fields.Datetime(required=True)
    last_seen = fields.Datetime(required=True)
    ip = fields.Char()

    def open(self, user_id: int, ip: str | None = None) -> tuple[str, str]:
        """Start a session for `user_id`; returns (session id for the cookie, CSRF token)."""
        sid = secrets.token_urlsafe(32)
        token = secrets.token_urlsafe(32)
        now = _now()
        self.sudo().create({"sid_hash": digest(sid), "user_id": user_id, "csrf_token": token,
                            "created": now, "last_seen": now, "ip": ip})
        return sid, token

    def find(self, sid: str | None):
        """The live session of cookie value `sid` (empty when unknown or expired, that is
        unused for SESSION_LIFETIME); using it keeps it alive."""
        if not sid:
            return self.browse(())
        session = self.sudo().search([("sid_hash", "=", digest(sid))], limit=1)
        now = _now()
        if session and session.last_seen < now - SESSION_LIFETIME:
            session.unlink()
            return self.browse(())
        if session and session.last_seen < now - SEEN_PRECISION:
            session.last_seen = now  # sliding expiry, written at most once per interval
        return session

    def close(self) -> None:
        """End these sessions (logout)."""
        self.sudo().unlink()

    def close_for_users(self, user_ids) -> None:
        """End every session of these users (after a password change)."""
        self.sudo().search([("user_id", "in", list(user_ids))]).unlink()


class ResUsersApikey(Model):
    """A key for the JSON API (`Authorization: Bearer <key>`), acting as its user."""

    _name = "res.users.apikey"
    _description = "API key"
    _sql_constraints = [("key_uniq", "unique(key_hash)", "An API key is unique.")]

    name = fields.Char(required=True)
    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True)
    key_hash = fields.Char(required=True, index=True, groups="base.group_system")
    last_used = fields.Datetime()

    def generate(self, user_id: int, name: str) -> str:
        """Create a key for `user_id`; returns it (shown once, only its hash is kept)."""
        key = "tsk_" + secrets.token_urlsafe(32)
        self.sudo().create({"name": name, "user_id": user_id, "key_hash": digest(key)})
        return key

    def user_of(self, key: str | None) -> int | None:
        """The user id of API key `key`, or None."""
        if not key:
            return None
        found = self.sudo().search([("key_hash", "=", digest(key))], limit=1)
        return found.user_id.id if found else None


class ResUsersLoginAttempt(Model):
    """A failed login, to slow down password guessing per login and per address."""

    _name = "res.users.login.attempt"
    _description = "Failed login"
    _log_access = False

    login = fields.Char(required=True, index=True)
    ip = fields.Char(index=True)
    date = fields.Datetime(required=True, index=True)

    def check_allowed(self, login: str, ip: str | None) -> None:
        """AccessError when this login, or this address, failed too often lately."""
        since = _now() - LOGIN_WINDOW
        attempts = self.sudo()
        by_login = attempts.search_count([("login", "=", login), ("date", ">=", since)])
        by_ip = attempts.search_count([("ip", "=", ip), ("date", ">=", since)]) if ip else 0
        if by_login >= LOGIN_MAX_FAILURES or by_ip >= 4 * LOGIN_MAX_FAILURES:
            minutes = int(LOGIN_WINDOW.total_seconds() // 60)
            raise AccessError(f"Too many failed logins: wait {minutes} minutes and try again.")

    def record_failure(self, login: str, ip: str | None) -> None:
        """Remember a failed login (and forget those older than the window)."""
        attempts = self.sudo()
        attempts.search([("date", "<", _now() - LOGIN_WINDOW)]).unlink()
        attempts.create({"login": login, "ip": ip, "date": _now()})
