"""Upgrading addons whose files changed: schema diff (new, removed and retyped
columns), data reload (noupdate respected, removed records deleted), migration
scripts in order, the new version; a failing upgrade leaves nothing behind.

Every test runs on SQLite and on PostgreSQL (`new_database_url`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core import Database
from core.exceptions import AddonError, ValidationError
from tests.lifecycle_support import (
    LIFECYCLE_ADDONS,
    copy_addon,
    rows,
    snapshot,
    snapshot_diff,
    unique_name,
    write_addon,
)

MODELS_V2 = '''from core.orm import Model, fields


class Item(Model):
    """Version 1.1: qty became text, weight is new, done is gone."""

    _name = "lc.item"
    _description = "Lifecycle item"

    name = fields.Char(required=True, index=True)
    qty = fields.Char()
    weight = fields.Float()
    tag_ids = fields.Many2many("lc.tag")


class Tag(Model):
    """A tag."""

    _name = "lc.tag"

    name = fields.Char(required=True)
    parent_id = fields.Many2one("lc.tag")
'''

ITEMS_V2 = '''<?xml version="1.0"?>
<tessera>
    <record model="lc.item" id="item_one">
        <field name="name">One, version 2</field>
        <field name="qty">1</field>
        <field name="weight">2.5</field>
    </record>
    <data noupdate="1">
        <record model="lc.item" id="item_kept">
            <field name="name">Kept, version 2</field>
            <field name="qty">20</field>
        </record>
    </data>
</tessera>
'''

TAGS_V2 = "id,name,parent_id/id\ntag_root,Root,\n"  # tag_child is no longer declared


def migration(label: str, body: str = "") -> str:
    """A migration script appending `label` to the parameter lc.migrations."""
    return f'''def migrate(env, installed_version):
    assert installed_version == "1.0", installed_version
    parameters = env["ir.config.parameter"]
    log = parameters.get_param("lc.migrations", "")
    parameters.set_param("lc.migrations", (log + ",{label}").lstrip(","))
{body}'''


PRE_REMEMBERS_DONE = '''    done = env.connection.exec_driver_sql(
        "SELECT id FROM lc_item WHERE done ORDER BY id").scalars().all()
    parameters.set_param("lc.done_ids", ",".join(map(str, done)))
'''

POST_USES_NEW_FIELD = '''    ids = [int(i) for i in parameters.get_param("lc.done_ids").split(",")]
    env["lc.item"].browse(ids).write({"weight": 99.0})
'''


def version_2(root, name: str) -> None:
    """Rewrite the copied lc_base `name` in `root` as its version 1.1."""
    write_addon(root, name, {
        "name": "Lifecycle base", "version": "1.1",
        "summary": "Version 1.1 of the copied lc_base.",
        "data": ["data/items.xml", "data/lc.tag.csv"], "demo": ["data/demo.xml"],
    }, {
        "__init__.py": MODELS_V2,
        "data/items.xml": ITEMS_V2,
        "data/lc.tag.csv": TAGS_V2,
        "data/demo.xml": "<tessera/>",
        "migrations/1.0/pre_already_installed.py": migration("never: 1.0 is installed"),
        "migrations/1.0.5/pre_intermediate.py": migration("pre 1.0.5"),
        "migrations/1.0.5/post_intermediate.py": migration("post 1.0.5"),
        "migrations/1.1/pre_1_remember.py": migration("pre 1.1 first", PRE_REMEMBERS_DONE),
        "migrations/1.1/pre_2_second.py": migration("pre 1.1 second"),
        "migrations/1.1/post_weights.py": migration("post 1.1", POST_USES_NEW_FIELD),
        "migrations/1.1/notes.txt": "not a migration",
        "migrations/1.2/pre_future.py": migration("never: 1.2 is not the target"),
    })


def column_types(schema: dict, table: str) -> dict[str, str]:
    return {name: kind for name, kind, _nullable in schema[table]["columns"]}


def test_upgrade_applies_schema_data_and_migrations(new_database_url, tmp_path):
    root = tmp_path / "addons"
    name = unique_name("lc_up")
    copy_addon("lc_base", root, name)
    database = Database(new_database_url, addons_paths=[root])
    try:
        with database.env() as env:
            env.addons.install([name])
            kept = env.ref(f"{name}.item_kept")
            kept.write({"name": "Edited by a user", "qty": 11})
            env["lc.item"].create({"name": "A user's item", "qty": 42})
            one_id = env.ref(f"{name}.item_one").id
            child_id = env.ref(f"{name}.tag_child").id
        before = snapshot(database.engine)
        assert column_types(before, "lc_item")["qty"].upper().startswith("INT")

        version_2(root, name)
        with database.env() as env:
            assert env.addons.upgrade([name]) == [name]
            # in the same transaction, the environment has the new models
            assert "weight" in env["lc.item"]._fields and "done" not in env["lc.item"]._fields

        with database.env() as env:
            schema = snapshot(env.connection)
            types = column_types(schema, "lc_item")
            assert "weight" in types
            assert "done" not in types
            assert "INT" not in types["qty"].upper()
            assert env["lc.item"].search([("name", "=", "A user's item")]).qty == "42"
            one = env.ref(f"{name}.item_one")
            assert one.id == one_id
            assert (one.name, one.qty, one.weight) == ("One, version 2", "1", 99.0)
            kept = env.ref(f"{name}.item_kept")
            assert (kept.name, kept.qty) == ("Edited by a user", "11")  # noupdate: user's
            assert env.ref(f"{name}.tag_child", raise_if_not_found=False) is None
            assert not env["lc.tag"].browse(child_id).exists()
            assert env["lc.tag"].search([]).mapped("name") == ["Root"]
            module = env["ir.module"].search([("name", "=", name)])
            assert (module.installed_version, module.summary) == (
                "1.1", "Version 1.1 of the copied lc_base.")
            parameters = env["ir.config.parameter"]
            assert parameters.get_param("lc.migrations").split(",") == [
                "pre 1.0.5", "pre 1.1 first", "pre 1.1 second", "post 1.0.5", "post 1.1"]
            assert parameters.get_param("lc.done_ids") == str(one_id)

            # ownership follows: the new column is the addon's, the removed one is not
            owned = {(r[0], r[1], r[2]) for r in rows(
                env.connection, "ir_schema_owner", ["kind", "table_name", "name"])}
            assert ("column", "lc_item", "weight") in owned
            assert ("column", "lc_item", "done") not in owned

        # the upgraded schema is the one a fresh install of version 1.1 makes
        fresh_root = tmp_path / "fresh"
        fresh_name = unique_name("lc_fresh")
        copy_addon("lc_base", fresh_root, fresh_name)
        version_2(fresh_root, fresh_name)
        with database.env() as env:
            env.addons.uninstall([name])
        fresh = Database(new_database_url, addons_paths=[fresh_root])
        try:
            with fresh.env() as env:
                env.addons.install([fresh_name])
            installed = snapshot(fresh.engine)
        finally:
            fresh.dispose()
        assert sorted(installed["lc_item"]["columns"]) == sorted(schema["lc_item"]["columns"])
        for table in ("lc_item", "lc_tag", "lc_item_lc_tag_rel"):
            for key in ("indexes", "foreign_keys", "checks", "uniques"):
                assert installed[table][key] == schema[table][key], (table, key)
    finally:
        database.dispose()


def test_upgrade_again_without_changes_changes_nothing(new_database_url, tmp_path):
    root = tmp_path / "addons"
    name = unique_name("lc_up")
    copy_addon("lc_base", root, name)
    database = Database(new_database_url, addons_paths=[root, LIFECYCLE_ADDONS])
    try:
        with database.env() as env:
            env.addons.install([name, "lc_side"])
            env.ref(f"{name}.item_kept").write({"qty": 11})
        version_2(root, name)
        with database.env() as env:
            installed = env.addons.installed()
            assert sorted(installed) == sorted([name, "lc_side"])
            assert env.addons.upgrade() == installed  # all installed addons, in install order
        before = snapshot(database.engine)
        with database.engine.connect() as connection:
            items = rows(connection, "lc_item", ["id", "name", "qty"])
        with database.env() as env:
            assert env.addons.upgrade([name]) == [name]
            # records of data files follow the file again (the post migration had set 99)
            assert env.ref(f"{name}.item_one").weight == 2.5
            assert env.ref(f"{name}.item_kept").qty == "11"
            log = env["ir.config.parameter"].get_param("lc.migrations")
            assert log.count("post 1.1") == 1  # 1.1 is installed: no migration runs again
        after = snapshot(database.engine)
        assert after == before, snapshot_diff(before, after)
        with database.engine.connect() as connection:
            assert rows(connection, "lc_item", ["id", "name", "qty"]) == items

        with database.env() as env, pytest.raises(
                AddonError, match="cannot upgrade lc_base: not installed"):
            env.addons.upgrade(["lc_base"])
    finally:
        database.dispose()


def test_failing_migration_leaves_the_database_as_it_was(new_database_url, tmp_path):
    root = tmp_path / "addons"
    name = unique_name("lc_up")
    copy_addon("lc_base", root, name)
    database = Database(new_database_url, addons_paths=[root])
    try:
        with database.env() as env:
            env.addons.install([name])
        before = snapshot(database.engine)
        with database.engine.connect() as connection:
            items = rows(connection, "lc_item")
        version_2(root, name)
        write_addon(root, name, {
            "name": "Lifecycle base", "version": "1.1",
            "data": ["data/items.xml", "data/lc.tag.csv"],
        }, {"migrations/1.1/post_weights.py": migration("post 1.1", "    raise RuntimeError("
                                                         "'the migration fails')\n")})
        with database.env() as env:
            registry = env.registry
            with pytest.raises(AddonError) as caught:
                env.addons.upgrade([name])
            assert str(caught.value) == (f"addon {name!r}: migration 1.1/post_weights.py "
                                         "failed: RuntimeError: the migration fails")
            assert env.registry is registry
            after = snapshot(env.connection)
            assert after == before, snapshot_diff(before, after)
            assert rows(env.connection, "lc_item") == items
            module = env["ir.module"].search([("name", "=", name)])
            assert module.installed_version == "1.0"
            assert env["ir.config.parameter"].get_param("lc.migrations") is None
            assert env.ref(f"{name}.tag_child").name == "Child"
    finally:
        database.dispose()


def test_another_database_object_sees_an_upgrade(new_database_url, tmp_path):
    root = tmp_path / "addons"
    name = unique_name("lc_up")
    copy_addon("lc_base", root, name)
    first = Database(new_database_url, addons_paths=[root])
    second = Database(new_database_url, addons_paths=[root])
    try:
        with first.env() as env:
            env.addons.install([name])
        with second.env() as env:
            assert "done" in env["lc.item"]._fields
        version_2(root, name)
        with first.env() as env:
            env.addons.upgrade([name])
        with second.env() as env:
            fields = env["lc.item"]._fields
            assert "weight" in fields and "done" not in fields
            assert env.ref(f"{name}.item_one").qty == "1"
            env["lc.item"].create({"name": "Made after the upgrade", "weight": 1.5})
    finally:
        first.dispose()
        second.dispose()


def test_a_running_process_loads_the_code_another_process_upgraded(new_database_url,
                                                                   tmp_path):
    root = tmp_path / "addons"
    name = unique_name("lc_up")
    copy_addon("lc_base", root, name)
    database = Database(new_database_url, addons_paths=[root])
    try:
        with database.env() as env:
            env.addons.install([name])
        with database.env() as env:
            assert "done" in env["lc.item"]._fields  # this process runs version 1.0's code
        version_2(root, name)
        result = subprocess.run(
            [sys.executable, "-m", "core.cli", "--db", new_database_url, "--addons-path",
             str(root), "upgrade", name],
            cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True,
            timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        with database.env() as env:
            fields = env["lc.item"]._fields
            assert "weight" in fields and "done" not in fields
            assert env.ref(f"{name}.item_one").read(["qty", "weight"])[0]["qty"] == "1"
            env["lc.item"].create({"name": "Made after the upgrade", "weight": 1.5})
    finally:
        database.dispose()


SHAPES_V1 = '''from core.orm import Model, fields


class Shape(Model):
    _name = "lc.shape"
    _sql_constraints = [("size_positive", "check(size >= 0)", "A size is positive.")]

    name = fields.Char(required=True, index=True)
    code = fields.Char(index=True)
    size = fields.Integer(index=True)
    label = fields.Char(index=True)
    corner_ids = fields.Many2many("lc.corner")
    old_id = fields.Many2one("lc.old", ondelete="set null")


class Corner(Model):
    _name = "lc.corner"

    name = fields.Char()


class Old(Model):
    _name = "lc.old"

    name = fields.Char()
'''

SHAPES_V2 = '''from core.orm import Model, fields


class Shape(Model):
    _name = "lc.shape"

    name = fields.Char(required=True, index=True)
    code = fields.Integer(index=True)
    size = fields.Integer()
    label = fields.Char()


class Corner(Model):
    _name = "lc.corner"

    name = fields.Char()
'''

SHAPES_DATA_V1 = '''<tessera>
    <record model="lc.old" id="old_one"><field name="name">Old</field></record>
    <record model="lc.shape" id="square">
        <field name="name">Square</field>
        <field name="code">12</field>
        <field name="size">4</field>
        <field name="old_id" ref="old_one"/>
    </record>
</tessera>'''

SHAPES_DATA_V2 = '''<tessera>
    <record model="lc.shape" id="square"><field name="name">Square</field></record>
</tessera>'''


def test_upgrade_drops_what_the_addon_no_longer_declares(new_database_url, tmp_path):
    """A removed many2one (created with its table), many2many, model, check constraint
    and index go; an indexed Char becomes an Integer with its data."""
    root = tmp_path / "addons"
    name = unique_name("lc_shapes")
    write_addon(root, name, {"name": "Shapes", "version": "1.0", "data": ["data/shapes.xml"]},
                {"__init__.py": SHAPES_V1, "data/shapes.xml": SHAPES_DATA_V1})
    database = Database(new_database_url, addons_paths=[root])
    try:
        with database.env() as env:
            env.addons.install([name])
            corner = env["lc.corner"].create({"name": "Corner"})
            env.ref(f"{name}.square").write({"corner_ids": [(6, 0, corner.ids)]})
        write_addon(root, name, {"name": "Shapes", "version": "1.1",
                                 "data": ["data/shapes.xml"]},
                    {"__init__.py": SHAPES_V2, "data/shapes.xml": SHAPES_DATA_V2})
        with database.env() as env:
            env.addons.upgrade([name])
        schema = snapshot(database.engine)
        assert "lc_old" not in schema and "lc_corner_lc_shape_rel" not in schema
        assert "old_id" not in column_types(schema, "lc_shape")
        assert column_types(schema, "lc_shape")["code"].upper() == "INTEGER"
        indexes = {i[0] for i in schema["lc_shape"]["indexes"] if "name" not in i[0]}
        assert indexes == {"lc_shape__code_index"}  # no text index on an Integer
        assert schema["lc_shape"]["foreign_keys"] == [
            (("create_uid",), "res_users", ("id",), "SET NULL"),
            (("write_uid",), "res_users", ("id",), "SET NULL")]
        with database.env() as env:
            square = env.ref(f"{name}.square")
            assert (square.code, square.size) == (12, 4)
            env["lc.shape"].create({"name": "Negative", "size": -1})  # the check is gone
            assert env["lc.corner"].search_count([]) == 1
            assert env.ref(f"{name}.old_one", raise_if_not_found=False) is None
            owned = {(r[0], r[2]) for r in rows(env.connection, "ir_schema_owner",
                                                  ["kind", "table_name", "name"])
                     if r[1].startswith("lc_")}
            assert ("table", "lc_old") not in owned
            assert ("check", "lc_shape_size_positive") not in owned
            assert ("column", "old_id") not in owned
            assert env.addons.uninstall([name]) == [name]
        assert not [t for t in snapshot(database.engine) if t.startswith("lc_")]
    finally:
        database.dispose()


def test_a_type_change_that_would_lose_data_is_refused(new_database_url, tmp_path):
    """Char -> Integer with a value that is no number: the upgrade fails with a clear
    error on both engines (SQLite would silently store 0) and changes nothing."""
    root = tmp_path / "addons"
    name = unique_name("lc_shapes")
    write_addon(root, name, {"name": "Shapes", "version": "1.0", "data": ["data/shapes.xml"]},
                {"__init__.py": SHAPES_V1, "data/shapes.xml": SHAPES_DATA_V1})
    database = Database(new_database_url, addons_paths=[root])
    try:
        with database.env() as env:
            env.addons.install([name])
            env["lc.shape"].create({"name": "Odd", "code": "twelve"})
        before = snapshot(database.engine)
        write_addon(root, name, {"name": "Shapes", "version": "1.1",
                                 "data": ["data/shapes.xml"]},
                    {"__init__.py": SHAPES_V2, "data/shapes.xml": SHAPES_DATA_V2})
        with pytest.raises(ValidationError, match=r"lc_shape\.code cannot become INTEGER"), \
                database.env() as env:
            env.addons.upgrade([name])
        assert snapshot(database.engine) == before
        with database.env() as env:
            assert env.addons.state(name) == "installed"
            assert env["ir.module"].search([("name", "=", name)]).installed_version == "1.0"
    finally:
        database.dispose()


def test_a_record_moved_into_a_noupdate_section_keeps_user_changes_afterwards(
        new_database_url, tmp_path):
    root = tmp_path / "addons"
    name = unique_name("lc_moving")
    model = '''from core.orm import Model, fields


class Note(Model):
    _name = "lc.moving"

    name = fields.Char()
'''
    plain = '<tessera><record model="lc.moving" id="note"><field name="name">v1</field>' \
            '</record></tessera>'
    kept = '<tessera><data noupdate="1"><record model="lc.moving" id="note">' \
           '<field name="name">v2</field></record></data></tessera>'
    write_addon(root, name, {"name": "Moving", "version": "1.0", "data": ["data/notes.xml"]},
                {"__init__.py": model, "data/notes.xml": plain})
    database = Database(new_database_url, addons_paths=[root])
    try:
        with database.env() as env:
            env.addons.install([name])
        write_addon(root, name, {"name": "Moving", "version": "1.1",
                                 "data": ["data/notes.xml"]},
                    {"__init__.py": model, "data/notes.xml": kept})
        with database.env() as env:
            env.addons.upgrade([name])
            data = env["ir.model.data"].search([("addon", "=", name), ("name", "=", "note")])
            assert data.noupdate is True
            env.ref(f"{name}.note").write({"name": "edited by a user"})
        write_addon(root, name, {"name": "Moving", "version": "1.2",
                                 "data": ["data/notes.xml"]},
                    {"__init__.py": model, "data/notes.xml": kept.replace("v2", "v3")})
        with database.env() as env:
            env.addons.upgrade([name])
            assert env.ref(f"{name}.note").name == "edited by a user"
    finally:
        database.dispose()
