"""Hook implementations of the automation addon."""

from __future__ import annotations

from core.hooks import hookimpl


@hookimpl
def worker_tick(env, now):
    """Run the time conditions of the automation rules that are due at `now`."""
    return env["base.automation"].sudo()._process_time_rules(now)
