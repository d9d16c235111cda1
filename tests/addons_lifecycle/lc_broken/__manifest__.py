{
    "name": "Lifecycle broken",
    "version": "1.0",
    "summary": "Its data file names a field that does not exist: install must fail cleanly.",
    "depends": ["lc_base"],
    "data": ["data/broken.xml"],
}
