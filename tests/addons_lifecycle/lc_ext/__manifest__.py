{
    "name": "Lifecycle extension",
    "version": "1.0",
    "summary": "Extends lc.item from another addon.",
    "depends": ["lc_base"],
    "data": ["data/ext.xml"],
}
