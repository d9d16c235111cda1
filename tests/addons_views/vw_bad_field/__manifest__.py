{
    "name": "vw_bad_field",
    "version": "1.0",
    "summary": "Broken: an unknown field in an arch.",
    "depends": ["vw_base"],
    "data": ["data/views.xml"],
}
