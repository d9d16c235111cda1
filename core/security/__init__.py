"""Security: users, groups, departments, model access lines, record rules and
passwords, enforced by the ORM for every caller (see docs/security.md)."""
