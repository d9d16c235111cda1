"""Hooks of the web client test shop."""

import os

from werkzeug.wrappers import Response

from core.hooks import hookimpl


@hookimpl
def record_actions(env, model):
    if model != "ws.order":
        return None
    return [{"name": "mark_urgent", "label": "Mark as urgent", "method": "action_mark_urgent",
             "confirm": None, "wizard": None}]


@hookimpl
def form_buttons(env, record):
    if record._name != "ws.customer":
        return None
    count = env["ws.order"].search_count([("customer_id", "=", record.id)])
    return [{"label": "Orders", "count": count, "icon": "list", "sequence": 5,
             "action": {"model": "ws.order", "domain": [("customer_id", "=", record.id)],
                        "context": {}, "view": "list"}}]


def ping(request, env):
    """GET /ws/ping: which worker answered, and that the shop addon is installed."""
    return Response(f"pong {os.getpid()}", content_type="text/plain")


@hookimpl
def web_routes(env):
    return [("/ws/ping", ping)]


@hookimpl
def calendar_events(env, start, stop, user):
    """Order deadlines on the unified calendar (one search and one read)."""
    domain = [("deadline", ">=", start.isoformat(sep=" ")),
              ("deadline", "<", stop.isoformat(sep=" "))]
    if user is not None:
        domain.append(("user_id", "=", user.id))
    orders = env["ws.order"].search(domain, order="deadline")
    return [{"title": f"Deadline {row['name']}", "start": row["deadline"],
             "stop": row["deadline"], "all_day": False, "model": "ws.order",
             "res_id": row["id"], "color": None}
            for row in orders.read(["name", "deadline"])]
