from core.exceptions import UserError
from core.hooks import hookimpl

INSTALLED = "vw_hook.installed"
UNINSTALLING = "vw_hook.uninstalling"
REFUSE = "vw_hook.refuse"  # addons whose uninstall vw_hook refuses (comma-separated)


def _append(env, key, addon):
    params = env["ir.config.parameter"].sudo()
    seen = [a for a in (params.get_param(key) or "").split(",") if a]
    params.set_param(key, ",".join([*seen, addon]))


@hookimpl
def addon_installed(env, addon):
    _append(env, INSTALLED, addon)


@hookimpl
def addon_uninstalling(env, addon):
    refused = (env["ir.config.parameter"].sudo().get_param(REFUSE) or "").split(",")
    if addon in refused:
        raise UserError(f"vw_hook refuses to let {addon} go")
    _append(env, UNINSTALLING, addon)


@hookimpl
def form_buttons(env, record):
    if record._name != "vw.task":
        return None
    return [{"label": "Tags", "count": len(record.tag_ids), "icon": "tag",
             "action": {"model": "vw.tag", "domain": [("id", "in", record.tag_ids.ids)],
                        "context": {}, "view": "list"}, "sequence": 20, "addon": "vw_hook"}]


@hookimpl
def record_actions(env, model):
    if model != "vw.task":
        return None
    return [{"name": "vw_hook_done", "label": "Mark done", "method": "action_done",
             "confirm": "Mark the selected tasks done?", "wizard": None}]
