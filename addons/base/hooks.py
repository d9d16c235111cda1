"""Hook implementations of the base addon."""

from __future__ import annotations

import datetime as dt
import logging

from addons.base.models.mail_thread import delete_linked
from core.hooks import hookimpl

_logger = logging.getLogger(__name__)
GC_PARAMETER = "base.filestore_gc_last"  # when tessera worker last collected the filestore
GC_INTERVAL = dt.timedelta(hours=1)

# The customers' mass actions: each opens a wizard on the selected customers.
PARTNER_WIZARDS = [
    ("change_groups", "Change customer group", "res.partner.group.wizard"),
    ("share", "Share customers", "res.partner.share.wizard"),
    ("transfer_owner", "Transfer owner", "res.partner.owner.wizard"),
    ("send_email", "Send email", "mail.compose.message"),
    ("send_sms", "Send SMS", "sms.composer"),
]


@hookimpl
def addon_uninstalling(env, addon):
    """Before an addon's models go, delete their messages, followers, activities and
    attachments: their tables stay (they are base's), and the ids of a model installed
    again would start over and show the old rows on new records."""
    if addon == "base":
        return
    models = [name for name, owner in env.registry.model_addons.items()
              if owner == addon and not env.registry[name]._abstract]
    delete_linked(env, models)


@hookimpl
def record_actions(env, model):
    """The customers' mass actions (a wizard each, for the selected customers)."""
    if model != "res.partner":
        return None
    return [{"name": name, "label": label, "method": None, "confirm": None, "wizard": wizard}
            for name, label, wizard in PARTNER_WIZARDS if wizard in env.registry]


@hookimpl
def form_buttons(env, record):
    """A customer's smart buttons come from every addon's `partner_buttons`."""
    if record._name != "res.partner":
        return None
    buttons = []
    for found in env.hooks.partner_buttons(env=env, partner=record):
        buttons.extend(found)
    return buttons


@hookimpl
def worker_tick(env, now):
    """Send the queued emails and SMS that are due and, about once an hour, delete the
    filestore's unreferenced files. Each step runs in a savepoint, so that one failing
    does not undo another's work (emails handed to the server stay marked as sent): its
    error is raised when no job was done, else logged."""
    steps = [(model, lambda m=model: env[m].sudo()._process_queue(now))
             for model in ("mail.mail", "sms.sms") if model in env.registry]
    steps.append(("filestore", lambda: _collect_filestore(env, now)))
    done, errors = 0, []
    for name, step in steps:
        try:
            with env.savepoint():
                done += step() or 0
        except Exception as error:  # kept for after the other steps
            errors.append((name, error))
    if errors and not done:
        raise errors[0][1]
    for name, error in errors:
        _logger.error("%s: %s", name, error)
    return done


def _collect_filestore(env, now) -> int:
    """`gc_filestore()` when the last run is an hour old (a parameter shared by every
    worker process); the number of files removed."""
    parameters = env["ir.config.parameter"].sudo()
    last = parameters.get_param(GC_PARAMETER)
    if last and now - dt.datetime.fromisoformat(last) < GC_INTERVAL:
        return 0
    parameters.set_param(GC_PARAMETER, now.isoformat(sep=" "))
    return len(env["ir.attachment"].sudo().gc_filestore())


@hookimpl
def partner_potential_score(env, partner):
    """Base's contribution: the potential scores of the customer groups of each partner."""
    return partner._group_potential_scores()


@hookimpl
def partner_buttons(env, partner):
    """Base's smart buttons on a customer's form (models/partner_history.py)."""
    return partner._base_partner_buttons()


@hookimpl
def partner_history(env, partner):
    """Base's entries of a customer's history: activities, emails and SMS."""
    return partner._base_history_entries()


# -- incoming email gateway: replies (models/mail_gateway.py, core/mailgate.py) ------------
@hookimpl
def mail_gateway_route(env, message):
    """A reply to an email we sent (or to one the gateway received) goes to the chatter
    of its record; None for anything else (other addons' routes are tried next)."""
    return env["mail.message"]._gateway_route_reply(message)
