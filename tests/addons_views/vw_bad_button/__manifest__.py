{
    "name": "vw_bad_button",
    "version": "1.0",
    "summary": "Broken: an object button naming no method.",
    "depends": ["vw_base"],
    "data": ["data/views.xml"],
}
