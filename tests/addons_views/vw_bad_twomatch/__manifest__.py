{
    "name": "vw_bad_twomatch",
    "version": "1.0",
    "summary": "Broken: a locator matching two nodes.",
    "depends": ["vw_base"],
    "data": ["data/views.xml"],
}
