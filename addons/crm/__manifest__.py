{
    "name": "CRM",
    "version": "1.0",
    "summary": "Leads and opportunities, meetings, phone calls, customer history, "
               "automation rules and the email gateway.",
    "description": "Track leads until they are qualified and opportunities until they are won "
                   "or lost, through a pipeline of stages; schedule meetings and calls; see "
                   "everything about a customer on its form (docs/crm.md).",
    "depends": ["base", "automation"],
    "data": ["security/groups.xml", "security/access.csv", "security/rules.xml",
             "data/crm_data.xml", "views/crm_lead_views.xml",
             "views/crm_partner_views.xml", "views/automation_views.xml",
             "views/calendar_views.xml", "views/phonecall_views.xml"],
    "demo": ["demo/crm_demo.xml", "demo/crm_calls_demo.xml"],
    "application": True,
    "license": "LGPL-3",
    "author": "Tessera",
}
