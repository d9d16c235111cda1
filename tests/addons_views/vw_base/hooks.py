from core.hooks import hookimpl


@hookimpl
def form_buttons(env, record):
    if record._name != "vw.task":
        return None
    return [{"label": "Lines", "count": len(record.line_ids), "icon": "list",
             "action": {"model": "vw.task.line", "domain": [("task_id", "=", record.id)],
                        "context": {}, "view": "list"}, "sequence": 10, "addon": "vw_base"}]
