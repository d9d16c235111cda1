"""Hooks: how addons extend each other's behaviour without importing each other.

Specifications live in `core.hooks.specs`. An addon implements them in its
`hooks.py` with the `hookimpl` marker; the module is registered on the plugin
manager of every registry in which the addon is installed, so an uninstalled
addon's hooks never fire. Call them through `env.hooks.<name>(...)`.
"""

from __future__ import annotations

import importlib

import pluggy

from core.hooks.markers import PROJECT, hookimpl, hookspec

__all__ = ["PROJECT", "HookManager", "hookimpl", "hookspec"]


class HookManager:
    """One pluggy PluginManager for one set of installed addons. Implementations
    run in dependency order (an addon's before those of the addons depending on it)."""

    def __init__(self, addons: list[str]):
        from core.hooks import specs

        self.manager = pluggy.PluginManager(PROJECT)
        self.manager.add_hookspecs(specs)
        self.plugins: dict[str, object] = {}
        # pluggy calls the last registered implementation first: register dependents
        # first so that results come in dependency order.
        for addon in reversed(addons):
            module = _hooks_module(addon)
            if module is not None:
                self.manager.register(module, name=addon)
                self.plugins[addon] = module
        self.manager.check_pending()

    @property
    def hook(self):
        """The hook relay: `hook.partner_buttons(env=env, partner=partner)`."""
        return self.manager.hook


def _hooks_module(addon: str):
    if addon == "core":
        return None
    name = f"addons.{addon}.hooks"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name in (name, f"addons.{addon}"):
            return None
        raise
