"""Loading XML and CSV data files: <tessera>/<odoo> roots, field values (text, ref, eval,
type="xml"), eval never executing code, noupdate sections, <delete>, <menuitem> trees,
CSV files with field/id columns, external ids of every record, and errors naming the
addon, the file and the line.

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from core.exceptions import AddonError
from tests.conftest import ENGINES
from tests.lifecycle_support import snapshot, snapshot_diff, unique_name, write_addon
from tests.views_support import installed_database, rolled_back


@pytest.fixture(scope="module")
def written_addons(tmp_path_factory):
    """A folder for the addons the tests write (each with a name of its own)."""
    return tmp_path_factory.mktemp("written_addons")


@pytest.fixture(scope="module", params=ENGINES)
def views_db(request, tmp_path_factory, written_addons):
    """A database per engine with vw_base installed (committed once)."""
    yield from installed_database(request, tmp_path_factory, ["vw_base"], [written_addons])


@pytest.fixture
def env(views_db):
    """A superuser environment on views_db, rolled back after the test."""
    with rolled_back(views_db) as environment:
        yield environment


def write_data_addon(root, files: dict[str, str], depends=("vw_base",)) -> str:
    """Write an addon whose data files are `files` (loaded in that order); its name."""
    name = unique_name("vwx")
    write_addon(root, name, {"name": name, "version": "1.0", "depends": list(depends),
                             "data": list(files)}, files)
    return name


def xml(body: str) -> str:
    """A data file: line 1 the declaration, line 2 <tessera>, `body` from line 3."""
    return f'<?xml version="1.0"?>\n<tessera>\n{body}</tessera>\n'


# -- external ids -----------------------------------------------------------------------
BASE_XMLIDS = {
    # vw.tag.csv (tag_obsolete is removed again by <delete> in tags.xml)
    "tag_root": "vw.tag", "tag_child": "vw.tag",
    # tags.xml (an <odoo> root)
    "tag_urgent": "vw.tag", "task_values": "vw.task", "task_one_tag": "vw.task",
    "tag_kept": "vw.tag",
    # vw.task.csv
    "task_csv": "vw.task", "task_csv_plain": "vw.task",
    # views.xml
    "task_view_form": "ir.ui.view", "task_view_list": "ir.ui.view",
    "task_view_search": "ir.ui.view", "task_view_kanban": "ir.ui.view",
    "task_view_calendar": "ir.ui.view", "task_line_view_list": "ir.ui.view",
    # menus.xml
    "action_tasks": "ir.actions.window", "action_tags": "ir.actions.window",
    "menu_root": "ir.ui.menu", "menu_work": "ir.ui.menu", "menu_tasks": "ir.ui.menu",
    "menu_tags": "ir.ui.menu", "menu_config": "ir.ui.menu", "menu_config_tags": "ir.ui.menu",
}


def test_every_record_of_both_roots_and_csv_gets_its_external_id(env):
    entries = env["ir.model.data"].search([("addon", "=", "vw_base")])
    assert {e.name: e.model for e in entries} == BASE_XMLIDS
    for name, model in BASE_XMLIDS.items():
        record = env.ref(f"vw_base.{name}")
        assert record._name == model and len(record) == 1
    noupdate = {e.name for e in entries if e.noupdate}
    assert noupdate == {"tag_kept", "menu_config_tags"}
    # records without an id are created too, without an external id
    assert env["vw.tag"].search_count([]) == 4  # root, child, urgent, kept


# -- field values -----------------------------------------------------------------------
def test_text_values_are_converted_to_the_field_type(env):
    task = env.ref("vw_base.task_values")
    assert task.name == "Typed values"
    assert task.state == "open"
    assert task.priority == 7
    assert task.is_blocked is True  # "yes"
    assert task.estimate == 2.5
    assert task.deadline == dt.date(2024, 5, 1)
    assert task.title is False  # empty text is no value


def test_ref_and_eval_values(env):
    root, child = env.ref("vw_base.tag_root"), env.ref("vw_base.tag_child")
    urgent = env.ref("vw_base.tag_urgent")
    assert urgent.parent_id == root  # ref="tag_root": a name of the same addon
    assert urgent.color == -4  # eval="-4"
    task = env.ref("vw_base.task_values")
    # eval with ref() calls, "name" and "addon.name" forms
    assert set(task.tag_ids.ids) == {urgent.id, root.id}
    assert task.note == "first line\nsecond line"  # eval of a string literal
    # ref= on a many2many sets exactly that record
    assert env.ref("vw_base.task_one_tag").tag_ids == child


def test_type_xml_gives_the_arch_and_view_fields_are_completed(env):
    view = env.ref("vw_base.task_view_form")
    assert view.arch.startswith('<form string="Task">') and view.arch.endswith("</form>")
    assert (view.model, view.type, view.mode, view.addon) == ("vw.task", "form", "primary",
                                                              "vw_base")
    assert view.source == "data/views.xml:6"  # the line of <form>
    assert view.priority == 16 and view.inherit_id.id is False
    types = {name: env.ref(f"vw_base.{name}").type for name in
             ("task_view_list", "task_view_search", "task_view_kanban", "task_view_calendar",
              "task_line_view_list")}
    assert types == {"task_view_list": "list", "task_view_search": "search",
                     "task_view_kanban": "kanban", "task_view_calendar": "calendar",
                     "task_line_view_list": "list"}  # <tree> is a list
    assert env.ref("vw_base.task_view_calendar").priority == 8

    env.addons.install(["vw_ext1"])
    extension = env.ref("vw_ext1.task_form_ext1")
    # an extension takes model and type from the view it extends
    assert (extension.model, extension.type, extension.mode, extension.addon) == (
        "vw.task", "form", "extension", "vw_ext1")
    assert extension.inherit_id == view
    assert extension.source == "data/views.xml:6"


def test_csv_with_id_and_field_id_columns(env):
    root, child = env.ref("vw_base.tag_root"), env.ref("vw_base.tag_child")
    assert (root.name, root.color, root.parent_id.id) == ("Root", 1, False)
    assert (child.name, child.color, child.parent_id) == ("Child", 2, root)
    task = env.ref("vw_base.task_csv")
    assert (task.name, task.priority, task.is_blocked) == ("Imported task", 3, True)
    # a comma-separated many2many column, with and without the addon prefix
    assert set(task.tag_ids.ids) == {root.id, child.id}
    plain = env.ref("vw_base.task_csv_plain")
    assert (plain.priority, plain.is_blocked, plain.tag_ids.ids) == (0, False, [])


def test_delete_by_id_and_by_search(env):
    assert env.ref("vw_base.tag_obsolete", raise_if_not_found=False) is None
    assert not env["ir.model.data"].search([("addon", "=", "vw_base"),
                                            ("name", "=", "tag_obsolete")])
    assert not env["vw.tag"].search([("name", "in", ["Obsolete", "Temporary"])])


# -- noupdate ---------------------------------------------------------------------------
def test_upgrade_resets_records_but_keeps_noupdate_ones_as_users_changed_them(env):
    env.ref("vw_base.tag_urgent").write({"name": "Changed by a user", "color": 9})
    env.ref("vw_base.tag_kept").write({"name": "Renamed by a user", "color": 1})
    env.ref("vw_base.menu_config_tags").write({"name": "Renamed menu", "sequence": 99})
    env.ref("vw_base.menu_tasks").write({"sequence": 50})

    assert env.addons.upgrade(["vw_base"]) == ["vw_base"]

    urgent = env.ref("vw_base.tag_urgent")
    assert (urgent.name, urgent.color) == ("Urgent", -4)
    kept = env.ref("vw_base.tag_kept")
    assert (kept.name, kept.color) == ("Renamed by a user", 1)
    menu = env.ref("vw_base.menu_config_tags")
    assert (menu.name, menu.sequence) == ("Renamed menu", 99)
    assert env.ref("vw_base.menu_tasks").sequence == 2
    # deleted again, and nothing duplicated
    assert not env["vw.tag"].search([("name", "in", ["Obsolete", "Temporary"])])
    assert env["vw.tag"].search_count([]) == 4
    entries = env["ir.model.data"].search([("addon", "=", "vw_base")])
    assert {e.name: e.model for e in entries} == BASE_XMLIDS


# -- actions and menus ------------------------------------------------------------------
def test_window_actions(env):
    action = env.ref("vw_base.action_tasks")
    assert (action.name, action.res_model, action.limit) == ("All tasks", "vw.task", 40)
    assert action.view_types() == ["list", "form", "kanban", "calendar"]
    assert action.view_id == env.ref("vw_base.task_view_list")
    assert action.search_view_id == env.ref("vw_base.task_view_search")
    assert action.domain == "[('state', '!=', 'done')]"
    assert action.context == "{'default_state': 'open'}"
    tags = env.ref("vw_base.action_tags")
    assert (tags.res_model, tags.view_types(), tags.limit) == ("vw.tag", ["list", "form"], 80)


def test_menuitem_tree_by_nesting_and_by_parent(env):
    root = env.ref("vw_base.menu_root")
    work, config = env.ref("vw_base.menu_work"), env.ref("vw_base.menu_config")
    tasks, tags = env.ref("vw_base.menu_tasks"), env.ref("vw_base.menu_tags")
    config_tags = env.ref("vw_base.menu_config_tags")

    assert (root.name, root.parent_id.id, root.sequence, root.web_icon) == (
        "Tasks", False, 30, "vw_base,static/icon.png")
    assert (work.parent_id, work.sequence) == (root, 5)  # by nesting
    assert (config.parent_id, config.sequence) == (root, 90)  # by parent="menu_root"
    assert config_tags.parent_id == config  # parent="vw_base.menu_config"
    assert [m.name for m in root.child_ids] == ["Work", "Configuration"]  # by sequence
    assert list(work.child_ids) == [tags, tasks]  # sequence 1 before 2
    # a menuitem without a name takes its action's
    assert (tasks.name, tasks.action_id) == ("All tasks", env.ref("vw_base.action_tasks"))
    assert (tags.name, tags.action_id) == ("Tag list", env.ref("vw_base.action_tags"))
    assert config_tags.action_id == env.ref("vw_base.action_tags")
    assert config.action_id.id is False
    assert config_tags.complete_name() == "Tasks / Configuration / All tags"
    assert tasks.complete_name() == "Tasks / Work / All tasks"


def test_relative_dates_are_counted_from_the_load(env, written_addons):
    """relative_date(n) and relative_datetime(n, "HH:MM") keep demo data current."""
    name = write_data_addon(written_addons, {"data/dates.xml": xml(
        '    <record model="vw.tag" id="soon">\n'
        '        <field name="name" eval="relative_date(-3)"/>\n'
        '    </record>\n'
        '    <record model="vw.tag" id="later">\n'
        """        <field name="name" eval="relative_datetime(2, '14:30')"/>\n"""
        '    </record>\n')})
    env.addons.install([name])
    today = dt.date.today()
    assert env.ref(f"{name}.soon").name == (today - dt.timedelta(days=3)).isoformat()
    assert env.ref(f"{name}.later").name == \
        f"{(today + dt.timedelta(days=2)).isoformat()} 14:30:00"


# -- eval never executes code -----------------------------------------------------------
EVIL = [
    "__import__('pathlib').Path(MARKER).touch()",
    "open(MARKER, 'w')",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "(lambda: open(MARKER, 'w'))()",
    "ref('vw_base.tag_root').__class__",
    "ref(open(MARKER, 'w'))",
]


@pytest.mark.parametrize("expression", EVIL)
def test_eval_rejects_code_and_runs_nothing(env, written_addons, tmp_path, expression):
    marker = tmp_path / "executed"
    source = expression.replace("MARKER", repr(str(marker)))
    name = write_data_addon(written_addons, {"data/evil.xml": xml(
        '    <record model="vw.tag" id="evil">\n'
        '        <field name="name">Evil</field>\n'
        f'        <field name="color" eval="{source}"/>\n'
        '    </record>\n')})
    before = snapshot(env.connection)
    with pytest.raises(AddonError) as caught:
        env.addons.install([name])
    message = str(caught.value)
    assert f"addon {name!r}" in message
    assert "data/evil.xml:5" in message
    assert "only literals and ref(), relative_date(), relative_datetime() calls are allowed" \
        in message
    assert source in message
    assert not marker.exists()
    assert snapshot(env.connection) == before
    assert env.addons.state(name) == "uninstalled"
    assert not env["vw.tag"].search([("name", "=", "Evil")])


# -- errors name the addon, the file and the line --------------------------------------
LOADER_ERRORS = {
    "unknown field": (
        {"data/bad.xml": xml('    <record model="vw.tag" id="t">\n'
                             '        <field name="name">T</field>\n'
                             '        <field name="no_such_field">x</field>\n'
                             '    </record>\n')},
        "data/bad.xml:5", ["vw.tag has no field 'no_such_field'"]),
    "missing external id": (
        {"data/bad.xml": xml('    <record model="vw.tag" id="t">\n'
                             '        <field name="name">T</field>\n'
                             '        <field name="parent_id" ref="no_such_tag"/>\n'
                             '    </record>\n')},
        "data/bad.xml:5", ["record 't'", "no_such_tag", "does not exist"]),
    "relation given as text": (
        {"data/bad.xml": xml('    <record model="vw.tag" id="t">\n'
                             '        <field name="parent_id">Root</field>\n'
                             '    </record>\n')},
        "data/bad.xml:4", ["'parent_id' is a relation"]),
    "unknown model": (
        {"data/bad.xml": xml('    <record model="vw.nothing" id="t"/>\n')},
        "data/bad.xml:3", ["'vw.nothing'"]),
    "wrong root": (
        {"data/bad.xml": '<?xml version="1.0"?>\n<openerp>\n</openerp>\n'},
        "data/bad.xml:2", ["<tessera> (or <odoo>)", "<openerp>"]),
    "unknown element": (
        {"data/bad.xml": xml('    <template id="t"/>\n')},
        "data/bad.xml:3", ["unknown element <template>"]),
    "menuitem without a name": (
        {"data/bad.xml": xml('    <menuitem id="m_ok" name="Fine">\n'
                             '        <menuitem id="m_nameless"/>\n'
                             '    </menuitem>\n')},
        "data/bad.xml:4", ["record 'm_nameless'", "needs a name"]),
    "menuitem with a missing parent": (
        {"data/bad.xml": xml('    <menuitem id="m" name="M" parent="no_such_menu"/>\n')},
        "data/bad.xml:3", ["no_such_menu", "does not exist"]),
    "csv missing reference": (
        {"data/vw.tag.csv": "id,name,parent_id/id\nfine,Fine,vw_base.tag_root\n"
                            "bad,Bad,no_such_parent\n"},
        "data/vw.tag.csv:3", ["record 'bad'", "no_such_parent"]),
    "csv unknown column": (
        {"data/vw.tag.csv": "id,name,colour\nt,T,1\n"},
        "data/vw.tag.csv:1", ["vw.tag has no field 'colour'"]),
    "csv unknown model": (
        {"data/vw.nothing.csv": "id,name\nt,T\n"},
        "data/vw.nothing.csv", ["'vw.nothing' is not an installed model"]),
    "second file": (
        {"data/good.xml": xml('    <record model="vw.tag" id="good"><field name="name">G'
                              '</field></record>\n'),
         "data/bad.xml": xml('    <record model="vw.tag" id="t">\n'
                             '        <field name="color" eval="[1,"/>\n'
                             '    </record>\n')},
        "data/bad.xml:4", ["cannot read eval="]),
}


@pytest.mark.parametrize("case", LOADER_ERRORS)
def test_data_errors_name_addon_file_and_line_and_leave_nothing(env, written_addons, case):
    files, where, fragments = LOADER_ERRORS[case]
    name = write_data_addon(written_addons, files)
    before = snapshot(env.connection)
    xmlids = env["ir.model.data"].search_count([])
    with pytest.raises(AddonError) as caught:
        env.addons.install([name])
    message = str(caught.value)
    assert message.startswith(f"addon {name!r}, {where}"), message
    for fragment in fragments:
        assert fragment in message
    after = snapshot(env.connection)
    assert after == before, snapshot_diff(before, after)
    assert env["ir.model.data"].search_count([]) == xmlids
    assert env.addons.state(name) == "uninstalled"


# -- references to addons outside `depends` ---------------------------------------------
OUTSIDE_DEPENDS = {
    "ref": (xml('    <record model="ir.ui.menu" id="m">\n'
                '        <field name="name">M</field>\n'
                '        <field name="parent_id" ref="vw_base.menu_root"/>\n'
                '    </record>\n'), "data/bad.xml:5", "vw_base.menu_root"),
    "eval ref": (xml('    <record model="ir.ui.menu" id="m">\n'
                     '        <field name="name">M</field>\n'
                     '        <field name="parent_id" eval="ref(\'vw_base.menu_root\')"/>\n'
                     '    </record>\n'), "data/bad.xml:5", "vw_base.menu_root"),
    "menuitem parent": (xml('    <menuitem id="m" name="M" parent="vw_base.menu_root"/>\n'),
                        "data/bad.xml:3", "vw_base.menu_root"),
    "menuitem action": (xml('    <menuitem id="m" name="M" action="vw_base.action_tasks"/>\n'),
                        "data/bad.xml:3", "vw_base.action_tasks"),
    "record of its model": (xml('    <record model="vw.tag" id="t">\n'
                                '        <field name="name">T</field>\n'
                                '    </record>\n'), "data/bad.xml:3", "'vw.tag'"),
    "overriding its record": (xml('    <record model="ir.ui.menu" id="vw_base.menu_root">\n'
                                  '        <field name="name">Hijacked</field>\n'
                                  '    </record>\n'), "data/bad.xml:3", "vw_base.menu_root"),
    "deleting its record": (xml('    <delete model="ir.ui.menu" id="vw_base.menu_root"/>\n'),
                            "data/bad.xml:3", "vw_base.menu_root"),
}


@pytest.mark.parametrize("case", OUTSIDE_DEPENDS)
def test_references_to_an_addon_outside_depends_are_errors(env, written_addons, case):
    text, where, reference = OUTSIDE_DEPENDS[case]
    name = write_data_addon(written_addons, {"data/bad.xml": text}, depends=())
    root = env.ref("vw_base.menu_root")
    before = snapshot(env.connection)
    with pytest.raises(AddonError) as caught:
        env.addons.install([name])
    message = str(caught.value)
    assert message.startswith(f"addon {name!r}, {where}"), message
    assert reference in message
    assert "'vw_base'" in message and "depend" in message
    assert snapshot(env.connection) == before
    assert env.ref("vw_base.menu_root") == root and root.name == "Tasks"


def test_a_field_of_an_addon_outside_depends_in_a_record_is_an_error(env, written_addons):
    env.addons.install(["vw_ext1"])  # adds vw.task.ext1_code
    name = write_data_addon(written_addons, {"data/bad.xml": xml(
        '    <record model="vw.task" id="t">\n'
        '        <field name="name">T</field>\n'
        '        <field name="ext1_code">X</field>\n'
        '    </record>\n')})
    with pytest.raises(AddonError) as caught:
        env.addons.install([name])
    message = str(caught.value)
    assert message.startswith(f"addon {name!r}, data/bad.xml:5"), message
    assert "'ext1_code'" in message and "'vw_ext1'" in message and "depend" in message
    assert not env["vw.task"].search([("name", "=", "T")])
