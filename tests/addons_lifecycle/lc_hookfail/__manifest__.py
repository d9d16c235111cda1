{
    "name": "Lifecycle failing hook",
    "version": "1.0",
    "summary": "Its post_install hook raises: the whole install must be rolled back.",
    "depends": ["lc_base"],
    "data": ["data/hookfail.xml"],
}
