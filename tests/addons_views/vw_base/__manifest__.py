{
    "name": "Views test base",
    "version": "1.0",
    "summary": "A model with every kind of view, an action and menus (views tests).",
    "depends": [],
    "data": [
        "data/vw.tag.csv",
        "data/tags.xml",
        "data/vw.task.csv",
        "data/views.xml",
        "data/menus.xml",
    ],
}
