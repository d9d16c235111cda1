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
    """A contribution to the potential score of customers. `partner` is a res.partner
    recordset of one or many customers (a whole list is scored at once: compute the
    contribution for all of them in a fixed number of queries, not one per customer).
    Return a dict {partner id: points} (missing ids score nothing), a number (the same
    points for every partner of `partner`), or None. base contributes the score of
    each customer group a partner is in; the contributions are summed, and the
    settings' thresholds turn the sum into 0 to 5 stars. Call
    `partners._update_potential()` when an input of your contribution changes."""


@hookspec
def partner_share(env, partners, users, departments, mode):
    """Share the documents related to customers (`partners`, a res.partner recordset,
    their contacts included) as their sharing just changed: crm its opportunities, sale
    its quotations and orders, helpdesk its tickets. `users` (res.users) and
    `departments` (res.department) are the targets; `mode` is "add" (share with them
    too), "replace" (share with them only) or "remove" (stop sharing with them). Runs in
    the same transaction as the customers' change, as superuser. Return the number of
    documents changed, or None."""


@hookspec
def partner_owner_transfer(env, partners, owner, previous):
    """Give the open documents related to customers (`partners`, a res.partner
    recordset) to their new `owner` (a res.users record): crm its open opportunities,
    sale its quotations, helpdesk its open tickets. `previous` maps each partner id to
    its previous owner's user id (or None). Runs in the same transaction as the
    transfer, as superuser. Return the number of documents transferred, or None."""


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
    (request, env, **values) -> response, or None. `env` is the logged-in user's; a
    visitor who is not logged in is sent to the login page, unless the endpoint has a
    true `public` attribute (e.g. a feed with a secret token in its URL): then `env` is
    the superuser's, and the endpoint authenticates the caller itself."""


# -- background work ------------------------------------------------------------------


@hookspec
def worker_tick(env, now):
    """One round of `tessera worker` (also run by `tessera worker --once`): send what is
    queued (emails, SMS), run due scheduled rules, collect garbage. `now` is the
    current UTC datetime (naive). Runs in its own transaction as superuser; an
    implementation commits nothing itself and should bound its work per round (the
    worker calls again). Return the number of jobs done, or None."""
