"""Models of the automation addon: the rules and what triggers them."""

from . import automation_rule, automation_trigger  # noqa: F401
