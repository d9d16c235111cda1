{
    "name": "ORM inheritance test models",
    "version": "1.0",
    "summary": "Extends a model of test_orm_compute through _inherit.",
    "depends": ["test_orm_compute"],
}
