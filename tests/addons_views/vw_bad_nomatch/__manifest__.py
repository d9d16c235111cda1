{
    "name": "vw_bad_nomatch",
    "version": "1.0",
    "summary": "Broken: a locator matching nothing.",
    "depends": ["vw_base"],
    "data": ["data/views.xml"],
}
