"""Hook implementations of the base addon."""

from __future__ import annotations

from addons.base.models.mail_thread import delete_linked
from core.hooks import hookimpl

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
    """Send the queued emails and SMS that are due."""
    done = 0
    for model in ("mail.mail", "sms.sms"):
        if model in env.registry:
            done += env[model].sudo()._process_queue(now) or 0
    return done


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
