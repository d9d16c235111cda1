"""The administrator account that `tessera init` creates."""

from __future__ import annotations

import os
import secrets

ADMIN_LOGIN = "admin"


def ensure_admin(env, password: str | None = None) -> str | None:
    """Create the `admin` user (in the Settings group) if missing. Its password is
    `password`, else $TESSERA_ADMIN_PASSWORD, else a generated one, which is returned
    so that it can be shown once (None when the password was given)."""
    users = env["res.users"].sudo().with_context(active_test=False)
    if users.search([("login", "=", ADMIN_LOGIN)], limit=1):
        return None
    given = password or os.environ.get("TESSERA_ADMIN_PASSWORD")
    chosen = given or secrets.token_urlsafe(12)
    groups = [group.id for group in (env.ref("base.group_system", raise_if_not_found=False),
                                     env.ref("base.group_user", raise_if_not_found=False))
              if group]
    users.create({"name": "Administrator", "login": ADMIN_LOGIN, "password": chosen,
                  "groups_id": [(6, 0, groups)]})
    return None if given else chosen
