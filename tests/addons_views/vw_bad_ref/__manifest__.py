{
    "name": "vw_bad_ref",
    "version": "1.0",
    "summary": "Broken: a ref to an addon outside depends.",
    "depends": ["vw_base"],
    "data": ["data/views.xml"],
}
