"""Automation rules: act on documents when they change or when a date comes
(docs/crm.md, "Automation rules")."""

from . import models  # noqa: F401
