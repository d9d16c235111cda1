{
    "name": "vw_bad_xml",
    "version": "1.0",
    "summary": "Broken: a malformed XML file.",
    "depends": ["vw_base"],
    "data": ["data/thing.xml", "data/views.xml"],
}
