{
    "name": "ORM smoke test models",
    "version": "1.0",
    "summary": "A tiny model used by the smoke tests of the test fixtures.",
    "depends": [],
    "data": ["security/access.csv"],
}
