"""Hook implementations of the base addon."""

from __future__ import annotations

from addons.base.models.mail_thread import delete_linked
from core.hooks import hookimpl


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
