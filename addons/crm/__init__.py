"""The CRM addon: leads, opportunities, meetings, phone calls (docs/crm.md)."""

from . import models  # noqa: F401
