{
    "name": "ORM compute test models",
    "version": "1.0",
    "summary": "Models exercising computed fields, constraints, read_group and prefetch.",
    "depends": [],
    "data": ["security/access.csv"],
}
