{
    "name": "Security test models",
    "version": "1.0",
    "summary": "Orders with owners, departments, lines and a restricted field, with "
               "groups, access lines and record rules, for the security tests.",
    "depends": ["base"],
    "data": ["security/groups.xml", "security/access.csv", "security/rules.xml"],
}
