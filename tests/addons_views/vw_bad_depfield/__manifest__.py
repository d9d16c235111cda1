{
    "name": "vw_bad_depfield",
    "version": "1.0",
    "summary": "Broken: a field of an addon outside depends.",
    "depends": ["vw_base"],
    "data": ["data/views.xml"],
}
