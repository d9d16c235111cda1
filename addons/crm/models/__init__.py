"""Models of the crm addon."""

from . import (  # noqa: F401
    automation,  # automation rules: round robin by sales team, calls and meetings
    calendar_event,  # meetings
    crm_lead,
    crm_lead_wizards,
    crm_phonecall,  # phone calls
    crm_team,
    ics,  # meetings as iCalendar
    mail_gateway,  # new leads from the email gateway's alias
    res_partner,  # customer history: counters, buttons, entries
)
