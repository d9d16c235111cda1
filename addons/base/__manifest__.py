{
    "name": "Base",
    "version": "1.0",
    "summary": "Standard groups, access rights, the Settings app, and the chatter, "
               "activities and attachments; every database has it.",
    "description": "The groups every addon builds on (employee, settings, portal, public), "
                   "the access rights of the system models, and mail.thread (messages, "
                   "followers, field tracking), mail.activity and ir.attachment "
                   "(docs/mail.md).",
    "depends": [],
    "data": ["security/groups.xml", "security/access.csv", "security/rules.xml",
             "data/mail_activity_types.xml", "data/mail_templates.xml", "data/res.country.csv",
             "data/res.country.state.csv", "data/partner_data.xml",
             "views/settings.xml", "views/activities.xml", "views/partner_views.xml",
             "views/partner_wizards.xml", "views/partner_potential.xml",
             "views/partner_history.xml", "views/mail_views.xml", "views/sms_views.xml",
             "views/mail_gateway_views.xml"],
    "demo": ["demo/partner_demo.xml"],
    "license": "LGPL-3",
    "author": "Tessera",
}
