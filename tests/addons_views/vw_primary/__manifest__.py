{
    "name": "Views test primary inheritance",
    "version": "1.0",
    "summary": "A mode=primary view starting from vw_base's task form.",
    "depends": ["vw_base"],
    "data": ["data/views.xml"],
}
