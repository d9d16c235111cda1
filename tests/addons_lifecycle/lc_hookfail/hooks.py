def post_install(env):
    env["lc.item"].create({"name": "made by the failing hook", "hook_note": "x"})
    env["lc.hookfail"].create({"name": "made by the failing hook"})
    raise RuntimeError("lc_hookfail post_install refuses to finish")
