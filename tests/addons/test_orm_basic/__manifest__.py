{
    "name": "ORM basic test models",
    "version": "1.0",
    "summary": "Models exercising every field type, CRUD, recordsets and domains.",
    "depends": [],
    "data": ["security/access.csv"],
}
