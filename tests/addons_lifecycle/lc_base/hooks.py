def post_install(env):
    env["lc.item"].create({"name": "made by post_install"})
