{
    "name": "Lifecycle bridge",
    "version": "1.0",
    "summary": "Installed by itself once lc_base and lc_side are both installed.",
    "depends": ["lc_base", "lc_side"],
    "data": ["data/bridge.xml"],
    "auto_install": True,
}
