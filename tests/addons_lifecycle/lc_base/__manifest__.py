{
    "name": "Lifecycle base",
    "version": "1.0",
    "summary": "A model with data files, used by the lifecycle tests.",
    "depends": [],
    "data": ["data/items.xml", "data/lc.tag.csv"],
    "demo": ["data/demo.xml"],
}
