"""Installing addons: all-or-nothing installs, entry points, dependency and manifest
errors, auto-installed bridges, demo data, and other processes noticing installs.

Every test runs on SQLite and on PostgreSQL (`new_database_url`)."""

from __future__ import annotations

import pytest

from core import Database
from core.exceptions import AddonError, ValidationError
from tests.lifecycle_support import (
    LIFECYCLE_ADDONS,
    count,
    rows,
    snapshot,
    snapshot_diff,
    unique_name,
    write_addon,
)

BOOKKEEPING = ("ir_module", "ir_model_data", "ir_schema_owner")


@pytest.fixture
def db(new_database_url):
    """A new database whose addons path holds the lifecycle test addons."""
    database = Database(new_database_url, addons_paths=[LIFECYCLE_ADDONS])
    with database.env():
        pass  # create the system tables
    yield database
    database.dispose()


def base_rows(connection) -> dict:
    """What lc_base owns, in the columns lc_base declares."""
    return {
        "lc_item": rows(connection, "lc_item", ["id", "name", "qty", "done"]),
        "lc_tag": rows(connection, "lc_tag", ["id", "name", "parent_id"]),
        "lc_item_lc_tag_rel": sorted(rows(connection, "lc_item_lc_tag_rel")),
        "xmlids": [r for r in rows(connection, "ir_model_data",
                                   ["addon", "name", "model", "res_id", "noupdate"])
                   if r[0] == "lc_base"],
    }


def bookkeeping_counts(connection) -> dict:
    return {table: count(connection, table) for table in BOOKKEEPING}


# -- install, uninstall, install again ------------------------------------------------
def test_install_uninstall_cycles_restore_the_schema_and_keep_other_data(db):
    empty = snapshot(db.engine)
    with db.env() as env:
        assert env.addons.install(["lc_base"]) == ["lc_base"]
        tags = env["lc.tag"].search([])
        env["lc.item"].create({"name": "Made by a user", "qty": 7, "done": True,
                               "tag_ids": [(6, 0, tags.ids)]})
    with_base = snapshot(db.engine)
    with db.engine.connect() as connection:
        data_of_base = base_rows(connection)
    assert len(data_of_base["lc_item"]) == 4  # 2 from items.xml, 1 from the hook, 1 user's
    assert len(data_of_base["lc_item_lc_tag_rel"]) == 2

    for _cycle in range(2):
        with db.env() as env:
            assert env.addons.install(["lc_ext"]) == ["lc_ext"]
            item = env.ref("lc_base.item_one")
            assert (item.note, item.color_id.name) == ("noted by ext", "Red")
            user_item = env["lc.item"].search([("name", "=", "Made by a user")])
            user_item.write({"note": "a user's note", "color_ids": [(6, 0, item.color_id.ids)]})
        with_ext = snapshot(db.engine)
        assert {"lc_color", "lc_color_lc_item_rel"} <= set(with_ext)
        assert {"note", "color_id"} <= {c[0] for c in with_ext["lc_item"]["columns"]}

        with db.env() as env:
            assert env.addons.uninstall(["lc_ext"]) == ["lc_ext"]
            assert env.addons.state("lc_ext") == "uninstalled"
            assert env.addons.state("lc_base") == "installed"
        after = snapshot(db.engine)
        assert after == with_base, snapshot_diff(with_base, after)
        with db.engine.connect() as connection:
            assert base_rows(connection) == data_of_base
        if _cycle == 0:
            first_ext = with_ext
        else:
            assert with_ext == first_ext, snapshot_diff(first_ext, with_ext)

    with db.env() as env:
        assert env.addons.install(["lc_ext"]) == ["lc_ext"]
    with db.env() as env:
        assert env.addons.uninstall(["lc_base"]) == ["lc_ext", "lc_base"]
    after = snapshot(db.engine)
    assert after == empty, snapshot_diff(empty, after)
    with db.engine.connect() as connection:
        assert count(connection, "ir_model_data") == 0
        assert count(connection, "ir_schema_owner") == 0
        assert count(connection, "ir_module", "state = 'installed'") == 0

    with db.env() as env:
        assert env.addons.install(["lc_base"]) == ["lc_base"]
        assert env.ref("lc_base.item_one").qty == 1
    again = snapshot(db.engine)
    assert again == with_base, snapshot_diff(with_base, again)


# -- failures leave no trace ----------------------------------------------------------
def test_broken_data_file_names_addon_file_and_line_and_leaves_no_trace(db):
    with db.env() as env:
        before, counts, registry = snapshot(env.connection), bookkeeping_counts(env.connection), \
            env.registry
        with pytest.raises(AddonError) as caught:
            env.addons.install(["lc_broken"])  # installs lc_base first, then fails
        message = str(caught.value)
        assert "'lc_broken'" in message
        assert "data/broken.xml:6" in message  # the line of <field name="no_such_field">
        assert "no_such_field" in message
        after = snapshot(env.connection)
        assert after == before, snapshot_diff(before, after)
        assert bookkeeping_counts(env.connection) == counts
        assert env.registry is registry
        assert "lc.item" not in env and "lc.broken" not in env
        assert env.addons.state("lc_base") == "uninstalled"
        assert env.addons.installed() == []
        # the same environment keeps working
        assert env.addons.install(["lc_base"]) == ["lc_base"]
        env["lc.item"].create({"name": "After the failure"})

    with db.env() as env:
        before, registry = snapshot(env.connection), env.registry
        data = base_rows(env.connection)
        owners = rows(env.connection, "ir_schema_owner")
        with pytest.raises(AddonError, match=r"'lc_broken', data/broken\.xml:6: .*no_such_field"):
            env.addons.install("lc_broken")
        after = snapshot(env.connection)
        assert after == before, snapshot_diff(before, after)
        assert base_rows(env.connection) == data
        assert rows(env.connection, "ir_schema_owner") == owners
        assert count(env.connection, "ir_model_data", "addon = 'lc_broken'") == 0
        assert count(env.connection, "ir_module", "name = 'lc_broken'") == 0
        assert env.registry is registry
        assert "lc.broken" not in env
        assert env["lc.item"].search_count([("name", "=", "After the failure")]) == 1
        env["lc.item"].create({"name": "Still working"})
    with db.env() as env:
        assert env.addons.installed() == ["lc_base"]
        assert env["lc.item"].search_count([("name", "=", "Still working")]) == 1


def test_row_refused_by_the_database_fails_the_install_and_the_transaction_goes_on(
        new_database_url, tmp_path):
    """A data row violating a check constraint: the database itself refuses it (on
    PostgreSQL the transaction is aborted until the savepoint is rolled back)."""
    root = tmp_path / "addons"
    name = unique_name("lc_badrow")
    write_addon(root, name, {"name": "Bad row", "version": "1.0", "depends": ["lc_ext"],
                             "data": ["data/rows.xml"]}, {
        "__init__.py": "from core.orm import Model, fields\n\n\n"
                       "class Row(Model):\n    _name = 'lc.badrow'\n\n"
                       "    name = fields.Char()\n",
        "data/rows.xml": '<tessera>\n<record model="lc.badrow" id="fine"/>\n'
                         '<record model="lc.item" id="too_many">\n'
                         '    <field name="name">Too many</field>\n'
                         '    <field name="qty">5000</field>\n</record>\n</tessera>\n',
    })
    database = Database(new_database_url, addons_paths=[LIFECYCLE_ADDONS, root])
    try:
        with database.env() as env:
            env.addons.install(["lc_ext"])
            before, registry = snapshot(env.connection), env.registry
            items = rows(env.connection, "lc_item")
            with pytest.raises(AddonError) as caught:
                env.addons.install([name])
            assert f"addon {name!r}, data/rows.xml:3: record 'too_many'" in str(caught.value)
            assert "lc_item_qty_small" in str(caught.value) or "1000" in str(caught.value)
            after = snapshot(env.connection)
            assert after == before, snapshot_diff(before, after)
            assert rows(env.connection, "lc_item") == items
            assert env.registry is registry
            env["lc.item"].create({"name": "Fine", "qty": 999})
        with database.env() as env:
            assert env.addons.installed() == ["lc_base", "lc_ext"]
            assert env["lc.item"].search_count([("name", "=", "Fine")]) == 1
    finally:
        database.dispose()


def test_exception_in_post_install_hook_rolls_back_the_whole_install(db):
    with db.env() as env:
        before, counts, registry = snapshot(env.connection), bookkeeping_counts(env.connection), \
            env.registry
        with pytest.raises(AddonError) as caught:
            env.addons.install(["lc_hookfail"])  # lc_base, installed with it, goes too
        assert str(caught.value) == (
            "addon 'lc_hookfail': hooks.post_install failed: RuntimeError: lc_hookfail "
            "post_install refuses to finish")
        assert isinstance(caught.value.__cause__, RuntimeError)
        after = snapshot(env.connection)
        assert after == before, snapshot_diff(before, after)
        assert bookkeeping_counts(env.connection) == counts
        assert env.registry is registry
        assert env.addons.installed() == []

        env.addons.install(["lc_base"])
        before, registry = snapshot(env.connection), env.registry
        items = rows(env.connection, "lc_item")
        with pytest.raises(AddonError, match="post_install refuses to finish"):
            env.addons.install(["lc_hookfail"])
        after = snapshot(env.connection)
        assert after == before, snapshot_diff(before, after)
        assert rows(env.connection, "lc_item") == items  # neither data file nor hook rows
        assert env.registry is registry
        assert env.addons.state("lc_hookfail") == "uninstalled"
        assert count(env.connection, "ir_model_data", "addon = 'lc_hookfail'") == 0
        assert count(env.connection, "ir_schema_owner", "addon = 'lc_hookfail'") == 0
        assert "lc.hookfail" not in env
        assert not hasattr(env.ref("lc_base.item_one"), "hook_note")
    with db.env() as env:
        assert env.addons.installed() == ["lc_base"]
        assert env["lc.item"].search_count([("name", "=", "made by the failing hook")]) == 0


# -- entry points -------------------------------------------------------------------------
def test_addon_of_an_installed_distribution_is_found_through_its_entry_point(
        new_database_url, tmp_path, monkeypatch):
    name = unique_name("lc_dist")
    site = tmp_path / "site-packages"
    write_addon(site, name, {"name": "Distributed addon", "version": "1.0",
                             "data": ["data/gadgets.xml"]}, {
        "__init__.py": "from core.orm import Model, fields\n\n\n"
                       "class Gadget(Model):\n    _name = 'lc.gadget'\n\n"
                       "    name = fields.Char(required=True)\n",
        "data/gadgets.xml": '<tessera><record model="lc.gadget" id="gadget_one">'
                            '<field name="name">First gadget</field></record></tessera>',
    })
    dist_info = site / f"{name}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
    (dist_info / "entry_points.txt").write_text(
        f"[tessera.addons]\n{name} = {name}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))

    database = Database(new_database_url)  # no addons path: found through the entry point
    other = Database(new_database_url)
    try:
        with database.env() as env:
            manifests = env.addons.manifests()
            assert manifests[name].path.resolve() == (site / name).resolve()
            assert env.addons.state(name) == "uninstalled"
            assert env.addons.install([name]) == [name]
            assert env.ref(f"{name}.gadget_one").name == "First gadget"
        with other.env() as env:
            assert env.addons.state(name) == "installed"
            assert env["lc.gadget"].search([]).mapped("name") == ["First gadget"]
        with database.env() as env:
            assert env.addons.uninstall([name]) == [name]
        assert "lc_gadget" not in snapshot(database.engine)
    finally:
        database.dispose()
        other.dispose()


# -- dependency and manifest errors --------------------------------------------------------
def test_dependency_cycle_and_missing_dependency_are_named(new_database_url, tmp_path):
    root = tmp_path / "addons"
    for name, depends in [("lc_cyc_a", ["lc_cyc_b"]), ("lc_cyc_b", ["lc_cyc_c"]),
                          ("lc_cyc_c", ["lc_cyc_a"]), ("lc_needy", ["lc_base", "lc_nowhere"]),
                          ("lc_above_needy", ["lc_needy"])]:
        write_addon(root, name, {"name": name, "version": "1.0", "depends": depends})
    database = Database(new_database_url, addons_paths=[LIFECYCLE_ADDONS, root])
    try:
        with database.env() as env:
            with pytest.raises(AddonError) as caught:
                env.addons.install(["lc_cyc_a"])
            assert str(caught.value) == ("addons depend on each other in a cycle: "
                                         "lc_cyc_a -> lc_cyc_b -> lc_cyc_c -> lc_cyc_a")
            with pytest.raises(AddonError) as caught:
                env.addons.install(["lc_above_needy"])
            assert str(caught.value) == ("addon 'lc_needy' depends on 'lc_nowhere', which is "
                                         "not in any addons path")
            with pytest.raises(AddonError) as caught:
                env.addons.install(["lc_nowhere"])
            assert "'lc_nowhere'" in str(caught.value)
            assert env.addons.installed() == []
            assert "lc.item" not in env
    finally:
        database.dispose()


def test_manifest_errors_name_the_addon_and_the_file(new_database_url, tmp_path):
    valid = {"name": "Fine", "version": "1.0"}
    cases = [
        ("lc_unknown_key", {**valid, "colour": "red"}, "unknown manifest keys ['colour']"),
        ("lc_malformed", "{'name': 'Broken', 'version': '1.0',", "single dict literal"),
        ("lc_code", "{'name': 'Code'.upper(), 'version': '1.0'}", "single dict literal"),
        ("lc_not_dict", "['name', 'version']", "must be a dict"),
        ("lc_no_version", {"name": "No version"}, "'version'"),
        ("lc_bad_depends", {**valid, "depends": "lc_base"}, "'depends' must be a list"),
        ("lc_missing_file", {**valid, "data": ["data/missing.xml"]},
         "data file 'data/missing.xml' does not exist"),
    ]
    for index, (name, manifest, expected) in enumerate(cases):
        root = tmp_path / f"path{index}"
        folder = write_addon(root, name, manifest)
        database = Database(new_database_url, addons_paths=[root])
        try:
            with database.env() as env:
                with pytest.raises(AddonError) as caught:
                    env.addons.install([name])
                message = str(caught.value)
                assert f"addon {name!r}" in message, message
                assert str(folder / "__manifest__.py") in message, message
                assert expected in message, message
                assert "\n" not in message
                assert env.addons.installed() == []
        finally:
            database.dispose()


def test_missing_external_python_dependency_names_addon_and_package(new_database_url, tmp_path):
    root = tmp_path / "addons"
    write_addon(root, "lc_needs_lib", {
        "name": "Needs a library", "version": "1.0", "depends": ["lc_base"],
        "external_dependencies": {"python": ["tessera_no_such_library"]}})
    database = Database(new_database_url, addons_paths=[LIFECYCLE_ADDONS, root])
    try:
        with database.env() as env:
            before = snapshot(env.connection)
            with pytest.raises(AddonError) as caught:
                env.addons.install(["lc_needs_lib"])
            message = str(caught.value)
            assert "addon 'lc_needs_lib'" in message
            assert "'tessera_no_such_library'" in message
            assert "pip install tessera_no_such_library" in message
            assert snapshot(env.connection) == before  # lc_base, installed first, rolled back
            assert env.addons.installed() == []
    finally:
        database.dispose()


def test_same_addon_name_in_two_addons_paths_is_an_error_naming_both(new_database_url,
                                                                     tmp_path):
    first = write_addon(tmp_path / "one", "lc_twice", {"name": "Twice", "version": "1.0"})
    second = write_addon(tmp_path / "two", "lc_twice", {"name": "Twice", "version": "2.0"})
    database = Database(new_database_url, addons_paths=[tmp_path / "one", tmp_path / "two"])
    try:
        with database.env() as env:
            with pytest.raises(AddonError) as caught:
                env.addons.install(["lc_twice"])
            message = str(caught.value)
            assert "'lc_twice'" in message
            assert str(first) in message and str(second) in message
            assert env.addons.installed() == []
    finally:
        database.dispose()


# -- auto_install bridges ------------------------------------------------------------------
def columns_of(connection, table: str) -> set[str]:
    return {c[0] for c in snapshot(connection)[table]["columns"]}


def test_bridge_is_installed_with_its_last_dependency_and_removed_with_the_first(db):
    with db.env() as env:
        assert env.addons.install(["lc_base"]) == ["lc_base"]
        assert env.addons.state("lc_bridge") == "uninstalled"
        base = snapshot(env.connection)
        assert env.addons.install(["lc_side"]) == ["lc_side", "lc_bridge"]
        assert env.addons.installed() == ["lc_base", "lc_side", "lc_bridge"]
        assert "side_id" in columns_of(env.connection, "lc_item")
        item = env.ref("lc_bridge.bridge_item")
        assert item.side_id == env.ref("lc_bridge.bridge_side")

    with db.env() as env:
        plan = env.addons.uninstall_plan(["lc_side"])
        assert plan.addons == ["lc_bridge", "lc_side"]
        assert "lc_item.side_id" in plan.columns
        assert env.addons.uninstall(["lc_side"]) == ["lc_bridge", "lc_side"]
        assert env.addons.installed() == ["lc_base"]
        assert env.addons.state("lc_bridge") == "uninstalled"
        after = snapshot(env.connection)
        assert after == base, snapshot_diff(base, after)
        assert env["lc.item"].search_count([("name", "=", "Bridged item")]) == 0
        assert env.ref("lc_base.item_one").qty == 1

    with db.env() as env:
        env.addons.uninstall(["lc_base"])
        # asked together, the bridge comes after both of its dependencies
        assert env.addons.install(["lc_side", "lc_base"]) == ["lc_base", "lc_side", "lc_bridge"]
        assert env.addons.uninstall(["lc_base"]) == ["lc_bridge", "lc_base"]
        assert env.addons.installed() == ["lc_side"]
        assert env.ref("lc_bridge.bridge_side", raise_if_not_found=False) is None
        # installing a bridge by name pulls the dependency that is missing
        assert env.addons.install(["lc_bridge"]) == ["lc_base", "lc_bridge"]


# -- demo data -------------------------------------------------------------------------------
def test_demo_data_is_loaded_only_in_a_database_with_demo_data(db):
    with db.env() as env:
        env.addons.install(["lc_base"])
        assert env.ref("lc_base.demo_item", raise_if_not_found=False) is None
        env.addons.uninstall(["lc_base"])

        env["ir.config.parameter"].set_param("database.demo", "1")  # tessera init --demo
        env.addons.install(["lc_base"])
        demo = env.ref("lc_base.demo_item")
        assert sorted(demo.tag_ids.mapped("name")) == ["Child", "Root"]
        env.addons.uninstall(["lc_base"])
        assert env.addons.install(["lc_base"], demo=False) == ["lc_base"]
        assert env.ref("lc_base.demo_item", raise_if_not_found=False) is None
        env.addons.uninstall(["lc_base"])

        env["ir.config.parameter"].set_param("database.demo", "0")
        env.addons.install(["lc_base"], demo=True)
        assert env.ref("lc_base.demo_item").name == "Demo item"


# -- another process -----------------------------------------------------------------------
def test_another_database_object_sees_installs_at_its_next_transaction(new_database_url):
    first = Database(new_database_url, addons_paths=[LIFECYCLE_ADDONS])
    second = Database(new_database_url, addons_paths=[LIFECYCLE_ADDONS])
    try:
        with second.env() as env:
            assert "lc.item" not in env
        with second.env() as other:
            other["ir.module"].search_count([])  # its transaction has started reading
            with first.env() as env:
                env.addons.install(["lc_ext"])
            assert "lc.item" not in other  # a transaction keeps its registry
        with second.env() as other:
            assert "lc.color" in other
            assert other.ref("lc_base.item_one").color_id.name == "Red"
            other["lc.item"].create({"name": "From the second process", "note": "hello"})
        with first.env() as env:
            assert env["lc.item"].search([("note", "=", "hello")]).name == \
                "From the second process"
            env.addons.uninstall(["lc_ext"])
        with second.env() as other:
            assert "lc.color" not in other
            assert "note" not in other["lc.item"]._fields
            with pytest.raises(ValidationError):
                other["lc.item"].create({"name": "x", "note": "no such field any more"})
            assert other["lc.item"].search_count([("name", "=", "From the second process")]) == 1
    finally:
        first.dispose()
        second.dispose()
