from core.hooks import hookimpl


@hookimpl
def form_buttons(env, record):
    if record._name != "vw.task":
        return None
    return [{"label": "More", "count": 0, "icon": "plus", "action": None, "sequence": 30,
             "addon": "vw_ahook"}]
