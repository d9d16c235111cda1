"""Models of the crm addon."""

from . import crm_lead, crm_team  # noqa: F401
