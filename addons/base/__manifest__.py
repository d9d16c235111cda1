{
    "name": "Base",
    "version": "1.0",
    "summary": "Standard groups, access rights and the Settings app; every database has it.",
    "description": "The groups every addon builds on (employee, settings, portal, public) "
                   "and the access rights of the system models.",
    "depends": [],
    "data": ["security/groups.xml", "security/access.csv", "views/settings.xml"],
    "license": "LGPL-3",
    "author": "Tessera",
}
