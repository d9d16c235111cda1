"""Namespace of Tessera addons. Extra addons folders are appended to `__path__` by
core.addons so that every addon is importable as `addons.<name>`."""
