{
    "name": "Web client test shop",
    "version": "1.0",
    "summary": "Customers, orders with lines, tags and currencies: every field type, with "
               "list, form and search views, menus, access rights, a record rule and hooks, "
               "for the web client tests.",
    "depends": ["base"],
    "data": ["security/access.csv", "security/rules.xml", "data/views.xml", "data/menus.xml",
             "data/kanban_views.xml",
             "data/calendar_views.xml",
             "data/ticket_views.xml",
             "data/report_views.xml"],
}
