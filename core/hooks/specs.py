"""Every hook specification of Tessera.

Call a hook with keyword arguments: `env.hooks.partner_buttons(env=env, partner=p)`.
Unless a spec says `firstresult`, the call returns the list of the implementations'
results, in addon dependency order, leaving out `None`.

Implement one in an addon's `hooks.py`:

    from core.hooks import hookimpl

    @hookimpl
    def partner_buttons(env, partner):
        ...
"""

from __future__ import annotations

from core.hooks.markers import hookspec

# -- lifecycle ------------------------------------------------------------------------


@hookspec
def addon_installed(env, addon):
    """Called after `addon` was installed (schema, data and its post_install done), on
    every installed addon's hooks, the new one included. Return value ignored."""


@hookspec
def addon_uninstalling(env, addon):
    """Called before `addon` is uninstalled, while its models and data still exist, on
    every installed addon's hooks. Raise UserError to refuse. Return value ignored."""


# -- forms and lists ------------------------------------------------------------------


@hookspec
def form_buttons(env, record):
    """Smart buttons shown on the form of `record` (any model). Return a list of dicts
    {"label": str, "count": int, "icon": str, "action": {"model": str, "domain": list,
    "context": dict, "view": "list"|"kanban"|...}, "sequence": int}, or None."""


@hookspec
def partner_buttons(env, partner):
    """Smart buttons of a customer's form (opportunities, meetings, orders, tickets...).
    Same shape as `form_buttons`; base calls it from its `form_buttons` implementation
    for res.partner."""


@hookspec
def partner_history(env, partner):
    """Entries of a customer's history tab. Return a list of dicts {"date": datetime,
    "kind": str (e.g. "opportunity", "meeting", "call", "order", "ticket"), "title": str,
    "model": str, "res_id": int, "summary": str}, or None. Merged and sorted by date,
    newest first."""


@hookspec
def partner_potential_score(env, partner):
    """A contribution to a customer's potential rating (0 to 100 overall): return a
    number (points this addon awards, e.g. for won opportunities or paid orders) or
    None. The contributions are summed and capped at 100."""


@hookspec
def record_actions(env, model):
    """Entries of the list view's Actions menu for `model` (a model name). Return a list
    of dicts {"name": str (unique key), "label": str, "method": str (a model method taking
    the selected records), "confirm": str or None, "wizard": str or None (a model to open
    with the selection in the context)}, or None."""


# -- calendars, mail, portal, web -------------------------------------------------------


@hookspec
def calendar_events(env, start, stop, user):
    """Events for the unified calendar between `start` and `stop` (datetimes, UTC) for
    `user` (a res.users record or None for everyone). Return a list of dicts {"title",
    "start", "stop", "all_day", "model", "res_id", "color"}, or None."""


@hookspec(firstresult=True)
def mail_gateway_route(env, message):
    """Route an incoming email (`message`: an email.message.EmailMessage) to a record.
    firstresult: the first implementation returning a record (e.g. a new lead or
    ticket, or the existing one the message answers) wins; return None to pass."""


@hookspec
def portal_documents(env, partner):
    """Documents a portal user of `partner` may see. Return a list of dicts {"label":
    str, "model": str, "domain": list, "count": int}, or None."""


@hookspec
def web_routes(env):
    """Extra routes of the web client. Return a list of (rule, endpoint) pairs, where
    rule is a URL rule such as "/crm/ics/<int:event_id>" and endpoint a callable
    (request, env, **values) -> response, or None."""
