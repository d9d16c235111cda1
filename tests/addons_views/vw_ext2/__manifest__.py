{
    "name": "Views test extension 2",
    "version": "1.0",
    "summary": "Extends vw_base's task form again, and vw_ext1's extension.",
    "depends": ["vw_ext1"],
    "data": ["data/views.xml"],
}
