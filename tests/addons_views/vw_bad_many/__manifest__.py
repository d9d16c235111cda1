{
    "name": "vw_bad_many",
    "version": "1.0",
    "summary": "Broken: several broken views in one install.",
    "depends": ["vw_base"],
    "data": ["data/views.xml"],
}
