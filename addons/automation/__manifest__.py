{
    "name": "Automation rules",
    "version": "1.0",
    "summary": "Rules that act on documents when they are created, changed, move to "
               "another stage, or when a date comes: send an email, assign, set values, "
               "schedule an activity.",
    "description": "base.automation: a trigger (on creation, on update of fields, on stage "
                   "change, a time relative to a date field), a domain filter and an "
                   "action, run in the transaction of the change (docs/crm.md, "
                   "\"Automation rules\").",
    "depends": ["base"],
    "data": ["views/automation_views.xml"],
    "license": "LGPL-3",
    "author": "Tessera",
}
