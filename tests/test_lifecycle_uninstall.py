"""Uninstalling addons: the plan, exactly what is dropped (and what is kept), columns
shared by two addons, and addons whose code has gone from the addons path.

Every test runs on SQLite and on PostgreSQL (`new_database_url`)."""

from __future__ import annotations

import shutil

import pytest

from core import Database
from core.exceptions import AddonError, ValidationError
from tests.lifecycle_support import (
    LIFECYCLE_ADDONS,
    copy_addon,
    count,
    forget_addon_code,
    rows,
    snapshot,
    snapshot_diff,
    unique_name,
)


@pytest.fixture
def db(new_database_url):
    """A new database whose addons path holds the lifecycle test addons."""
    database = Database(new_database_url, addons_paths=[LIFECYCLE_ADDONS])
    yield database
    database.dispose()


def columns_of(schema: dict, table: str) -> set[str]:
    return {c[0] for c in schema[table]["columns"]}


def index_names(schema: dict, table: str) -> set[str]:
    return {i[0] for i in schema[table]["indexes"]}


def check_names(schema: dict) -> set[str]:
    """Check constraints: real ones on PostgreSQL, trigger pairs on SQLite."""
    names = {c[0] for table, entry in schema.items() if not table.startswith("<")
             for c in entry["checks"]}
    names |= {t[0].rsplit("__", 1)[0] for t in schema.get("<sqlite triggers>", [])}
    return names


def test_plan_lists_dependents_first_with_tables_rows_and_columns(db):
    with db.env() as env:
        env.addons.install(["lc_ext", "lc_twin"])
        env["lc.color"].create([{"name": "Blue"}, {"name": "Green"}])
    before = snapshot(db.engine)
    with db.env() as env:
        plan = env.addons.uninstall_plan(["lc_ext"])
        assert plan.addons == ["lc_ext"]
        assert plan.tables == {"lc_color": 3, "lc_color_lc_item_rel": 0}
        # note is declared by lc_twin too: it stays
        assert sorted(plan.columns) == ["lc_item.color_id"]
        assert plan.records == {"lc.tag": 1}  # ext_tag; red goes with its table

        plan = env.addons.uninstall_plan("lc_base")
        installed_last_first = list(reversed(env.addons.installed()))
        assert plan.addons == installed_last_first
        assert plan.addons[-1] == "lc_base"
        assert set(plan.addons) == {"lc_base", "lc_ext", "lc_twin"}
        assert plan.tables == {"lc_item": 3, "lc_tag": 3, "lc_item_lc_tag_rel": 0,
                               "lc_color": 3, "lc_color_lc_item_rel": 0}
        assert plan.columns == []  # their tables go entirely
        with pytest.raises(AddonError, match="cannot uninstall lc_side: not installed"):
            env.addons.uninstall_plan(["lc_side"])
    assert snapshot(db.engine) == before  # a plan changes nothing
    with db.env() as env:
        assert env.addons.installed() == ["lc_base", "lc_ext", "lc_twin"]


def test_uninstall_drops_the_addons_objects_and_nothing_else(db):
    with db.env() as env:
        env.addons.install(["lc_base"])
        env["lc.item"].create({"name": "A user's item", "qty": 3})
    base = snapshot(db.engine)
    with db.engine.connect() as connection:
        items = rows(connection, "lc_item", ["id", "name", "qty", "done"])
        tags = rows(connection, "lc_tag")
        base_xmlids = rows(connection, "ir_model_data")
        base_owners = rows(connection, "ir_schema_owner", ["kind", "table_name", "name", "addon"])

    with db.env() as env:
        env.addons.install(["lc_ext"])
        with pytest.raises(ValidationError):
            env["lc.item"].create({"name": "Too many", "qty": 5000})
        doomed = env["lc.color"].create({"name": "Doomed"})
        item = env["lc.item"].create({"name": "Coloured", "color_id": doomed.id})
        doomed.unlink()
        assert not item.color_id  # ondelete="set null" on both engines
        item.unlink()
    ext = snapshot(db.engine)
    assert {"note", "color_id"} <= columns_of(ext, "lc_item")
    assert "lc_item__note_index" in index_names(ext, "lc_item")
    assert {"lc_color", "lc_color_lc_item_rel"} <= set(ext)
    assert (("color_id",), "lc_color", ("id",), "SET NULL") in ext["lc_item"]["foreign_keys"]
    assert "lc_item_qty_small" in check_names(ext)
    with db.engine.connect() as connection:
        assert count(connection, "ir_schema_owner", "addon = 'lc_ext'") > 0
        assert count(connection, "ir_model_data", "addon = 'lc_ext'") == 2

    with db.env() as env:
        assert env.addons.uninstall(["lc_ext"]) == ["lc_ext"]
    after = snapshot(db.engine)
    assert after == base, snapshot_diff(base, after)
    assert "note" not in columns_of(after, "lc_item")
    assert not {i for i in index_names(after, "lc_item") if "note" in i}
    assert "lc_item_qty_small" not in check_names(after)
    assert not {"lc_color", "lc_color_lc_item_rel"} & set(after)
    with db.engine.connect() as connection:
        assert rows(connection, "lc_item", ["id", "name", "qty", "done"]) == items
        assert rows(connection, "lc_tag") == tags  # ext_tag, created by lc_ext, is gone
        assert rows(connection, "ir_model_data") == base_xmlids
        assert rows(connection, "ir_schema_owner",
                    ["kind", "table_name", "name", "addon"]) == base_owners
    with db.env() as env:
        assert env.addons.state("lc_ext") == "uninstalled"
        env["lc.item"].create({"name": "Allowed again", "qty": 5000})  # the check went too


def test_column_declared_by_two_addons_goes_with_the_last_of_them(db):
    with db.env() as env:
        env.addons.install(["lc_base"])
    base = snapshot(db.engine)
    with db.env() as env:
        env.addons.install(["lc_ext", "lc_twin"])
        env.ref("lc_base.item_one").write({"twin_flag": True})
    with db.env() as env:
        plan = env.addons.uninstall_plan(["lc_ext"])
        assert "lc_item.note" not in plan.columns
        env.addons.uninstall(["lc_ext"])
    schema = snapshot(db.engine)
    assert {"note", "twin_flag"} <= columns_of(schema, "lc_item")
    assert "color_id" not in columns_of(schema, "lc_item")
    assert "lc_item__note_index" in index_names(schema, "lc_item")
    with db.env() as env:
        item = env.ref("lc_base.item_one")
        assert (item.note, item.twin_flag) == ("noted by ext", True)  # the data stays too
        plan = env.addons.uninstall_plan(["lc_twin"])
        assert sorted(plan.columns) == ["lc_item.note", "lc_item.twin_flag"]
        env.addons.uninstall(["lc_twin"])
    after = snapshot(db.engine)
    assert after == base, snapshot_diff(base, after)

    # the other order: the twin comes first and goes first, lc_ext keeps the column
    # (lc_ext's check constraint on lc.item must not keep twin_flag from being dropped)
    with db.env() as env:
        env.addons.install(["lc_twin"])
        env.addons.install(["lc_ext"])
        env.addons.uninstall(["lc_twin"])
        assert "twin_flag" not in columns_of(snapshot(env.connection), "lc_item")
        assert "note" in columns_of(snapshot(env.connection), "lc_item")
        assert env.ref("lc_base.item_one").note == "noted by ext"
        env.addons.uninstall(["lc_ext"])
    after = snapshot(db.engine)
    assert after == base, snapshot_diff(base, after)


def test_uninstall_works_when_the_addon_code_has_gone(new_database_url, tmp_path):
    extra = tmp_path / "extra_addons"
    extra.mkdir()
    name = unique_name("lc_gone")
    copy_addon("lc_ext", extra, name)
    paths = [LIFECYCLE_ADDONS, extra]
    first = Database(new_database_url, addons_paths=paths)
    with first.env() as env:
        env.addons.install(["lc_base"])
    base = snapshot(first.engine)
    with first.env() as env:
        env.addons.install([name])
        assert env.ref("lc_base.item_one").color_id.name == "Red"
    first.dispose()

    shutil.rmtree(extra / name)
    forget_addon_code(name)  # as a new process, which never imported it
    database = Database(new_database_url, addons_paths=paths)
    try:
        with database.env() as env:
            assert env.addons.state(name) == "installed"
            assert name in database.broken_addons
            assert "lc.color" not in env
            env["lc.item"].create({"name": "Still usable"})  # lc_base works meanwhile
            with pytest.raises(AddonError, match="its code is in no addons path"):
                env.addons.upgrade([name])
        with database.env() as env:
            plan = env.addons.uninstall_plan([name])
            assert plan.addons == [name]
            assert plan.tables == {"lc_color": 1, "lc_color_lc_item_rel": 0}
            assert sorted(plan.columns) == ["lc_item.color_id", "lc_item.note"]
            assert env.addons.uninstall([name]) == [name]
            assert env.addons.state(name) == "uninstalled"
            assert count(env.connection, "ir_model_data", "addon = :a", a=name) == 0
            assert count(env.connection, "ir_schema_owner", "addon = :a", a=name) == 0
            assert env["lc.tag"].search_count([("name", "=", "Tag made by ext")]) == 0
        after = snapshot(database.engine)
        assert after == base, snapshot_diff(base, after)
        with database.env() as env:
            assert database.broken_addons == set()
            assert env["lc.item"].search_count([("name", "=", "Still usable")]) == 1
    finally:
        database.dispose()
