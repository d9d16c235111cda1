{
    "name": "Mail test models",
    "version": "1.0",
    "summary": "Tickets with a chatter, tracked fields and activities, and plain notes, "
               "for the mail, activity and attachment tests.",
    "depends": ["base"],
    "data": ["security/groups.xml", "security/access.csv", "security/rules.xml"],
}
