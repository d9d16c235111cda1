{
    "name": "Views test extension 1",
    "version": "1.0",
    "summary": "Extends vw_base's task form with every position and the field shorthand.",
    "depends": ["vw_base"],
    "data": ["data/views.xml"],
}
