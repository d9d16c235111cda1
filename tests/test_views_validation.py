"""Validating views on install and upgrade: each broken test addon fails with an
AddonError naming the addon, the file, the line, the view and the expression or field,
leaves nothing behind, and all the errors of one install come in one message.

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from core import Database
from core.exceptions import AddonError
from tests.conftest import ENGINES
from tests.lifecycle_support import snapshot, snapshot_diff, unique_name, write_addon
from tests.views_support import VIEWS_ADDONS, installed_database, rolled_back


@pytest.fixture(scope="module")
def written_addons(tmp_path_factory):
    """A folder for the addons the tests write (each with a name of its own)."""
    return tmp_path_factory.mktemp("written_addons")


@pytest.fixture(scope="module", params=ENGINES)
def views_db(request, tmp_path_factory, written_addons):
    """A database per engine with vw_base, vw_ext1 and vw_primary installed: the broken
    addons extend a form that two addons already take part in."""
    yield from installed_database(request, tmp_path_factory,
                                  ["vw_base", "vw_ext1", "vw_primary"], [written_addons])


@pytest.fixture
def env(views_db):
    """A superuser environment on views_db, rolled back after the test."""
    with rolled_back(views_db) as environment:
        yield environment


def state_of(env) -> dict:
    """What a failed install must leave as it was."""
    views = env["ir.ui.view"]
    return {
        "schema": snapshot(env.connection),
        "views": sorted((v.addon, v.name, v.arch) for v in views.search([])),
        "xmlids": sorted((d.addon, d.name, d.res_id) for d in env["ir.model.data"].search([])),
        "modules": sorted((m.name, m.state) for m in env["ir.module"].search([])),
        "form": views.get_view("vw.task", "form")["arch"],
        "quick": views.get_view("vw.task", "form",
                                env.ref("vw_primary.task_form_quick").id)["arch"],
    }


def assert_nothing_left(env, before: dict, addons) -> None:
    after = state_of(env)
    assert after["schema"] == before["schema"], snapshot_diff(before["schema"],
                                                              after["schema"])
    assert after == before
    for addon in addons:
        assert env.addons.state(addon) == "uninstalled"
        assert addon not in env.registry.addons
        assert not env["ir.ui.view"].search([("addon", "=", addon)])
        assert not env["ir.model.data"].search([("addon", "=", addon)])
        # each broken test addon defines a model: vw_bad_x defines vw.bad.x
        assert addon not in after["schema"]
        assert addon.replace("_", ".") not in env.registry


# addon: (file:line, the view's external id, fragments naming the expression or field)
BROKEN = {
    "vw_bad_nomatch": ("data/views.xml:10", "vw_bad_nomatch.task_form_nomatch",
                       ["locator <xpath expr=\"//field[@name='no_such_anchor']\">",
                        "matches nothing"]),
    "vw_bad_twomatch": ("data/views.xml:6", "vw_bad_twomatch.task_form_twomatch",
                        ['locator <field name="name">', "matches 2 nodes"]),
    "vw_bad_field": ("data/views.xml:11", "vw_bad_field.task_form_badfield",
                     ["vw.task has no field 'no_such_field'"]),
    "vw_bad_button": ("data/views.xml:7", "vw_bad_button.task_form_badbutton",
                      ["button calls 'action_missing'", "not a public method of vw.task"]),
    "vw_bad_ref": ("data/views.xml:5", "'task_form_badref'",
                   ["external id vw_ext1.task_form_ext1 belongs to addon 'vw_ext1'",
                    "'vw_bad_ref' does not depend on"]),
    "vw_bad_depfield": ("data/views.xml:9", "vw_bad_depfield.task_list_depfield",
                        ["field 'ext1_code' of vw.task comes from vw_ext1",
                         "'vw_bad_depfield' does not depend on"]),
    "vw_bad_xml": ("data/views.xml:9", None,
                   ["invalid XML: Opening and ending tag mismatch: group line 7 and form"]),
}


@pytest.mark.parametrize("addon", BROKEN)
def test_a_broken_addon_fails_naming_addon_file_line_view_and_expression(env, addon):
    where, view, fragments = BROKEN[addon]
    before = state_of(env)
    with pytest.raises(AddonError) as caught:
        env.addons.install([addon])
    message = str(caught.value)
    assert addon in message
    assert where in message
    if view:
        assert view in message
    for fragment in fragments:
        assert fragment in message, message
    if view and view.startswith(f"{addon}."):  # a view error: one line per problem
        assert message.startswith("1 invalid view(s):\n- "), message
        assert f"view {view!r} (addon {addon}, {where})" in message
    else:  # a data file error
        assert message.startswith(f"addon {addon!r}, {where}: "), message
    assert_nothing_left(env, before, [addon])


MANY = [  # vw_bad_many: every problem of its views, each once
    ("task_form_many", 8, "vw.task has no field 'ghost_one'"),
    ("task_form_many", 11, "vw.task.line has no field 'ghost_line'"),
    ("task_form_many", 13, 'locator <page name="no_such_page"> matches nothing'),
    ("task_list_many", 26, "button calls '_private_helper', which is not a public method"),
    ("task_calendar_many", 35, 'a calendar view needs date_start="field"'),
    ("task_search_nomatch", 44, 'locator <filter name="no_such_filter"> matches nothing'),
    ("task_search_many", 55, "filter 'broken': domain is not a valid expression"),
    ("task_kanban_badxpath", 63, "locator <xpath expr='//field[@name='>: invalid xpath"),
]


def test_all_errors_of_an_install_come_in_one_message(env):
    before = state_of(env)
    with pytest.raises(AddonError) as caught:
        env.addons.install(["vw_bad_many"])
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{len(MANY)} invalid view(s):"
    assert len(lines) == len(MANY) + 1  # once each, although the form is in two views
    for view, line, problem in MANY:
        prefix = f"- view 'vw_bad_many.{view}' (addon vw_bad_many, data/views.xml:{line}): "
        assert [text for text in lines if text.startswith(prefix) and problem in text], \
            (prefix, problem, lines)
    assert_nothing_left(env, before, ["vw_bad_many"])


def test_broken_addons_installed_together_are_all_reported(env):
    before = state_of(env)
    addons = ["vw_bad_nomatch", "vw_bad_field", "vw_bad_button", "vw_bad_twomatch",
              "vw_ext2"]
    with pytest.raises(AddonError) as caught:
        env.addons.install(addons)
    message = str(caught.value)
    assert message.startswith("4 invalid view(s):\n")
    for addon in ("vw_bad_nomatch", "vw_bad_field", "vw_bad_button", "vw_bad_twomatch"):
        where, view, fragments = BROKEN[addon]
        assert f"view {view!r} (addon {addon}, {where})" in message
        for fragment in fragments:
            assert fragment in message
    assert_nothing_left(env, before, addons)  # vw_ext2, valid, is not installed either


def test_the_valid_addons_install_after_a_failure(env):
    with pytest.raises(AddonError):
        env.addons.install(["vw_bad_field"])
    assert env.addons.install(["vw_ext2"]) == ["vw_ext2"]
    assert 'name="ext2_a"' in env["ir.ui.view"].get_view("vw.task", "form")["arch"]


# -- dependencies -----------------------------------------------------------------------
def test_upgrading_a_base_addon_under_its_extensions(env):
    # vw_ext1 adds vw.task.qty; vw_base's form shows the qty of vw.task.line in a sub-list:
    # that is not a field of an addon outside vw_base's depends
    form = env["ir.ui.view"].get_view("vw.task", "form")["arch"]
    assert env.addons.upgrade(["vw_base"]) == ["vw_base"]
    assert env["ir.ui.view"].get_view("vw.task", "form")["arch"] == form
    assert env.addons.upgrade() == ["vw_base", "vw_ext1", "vw_primary"]


def test_installing_an_addon_with_its_extensions_in_one_go(new_database_url):
    database = Database(new_database_url, addons_paths=[VIEWS_ADDONS])
    try:
        with database.env() as env:
            assert env.addons.install(["vw_ext2", "vw_primary"]) == [
                "vw_base", "vw_ext1", "vw_ext2", "vw_primary"]
        with database.env() as env:
            arch = env["ir.ui.view"].get_view("vw.task", "form")["arch"]
            assert 'name="ext2_a"' in arch and 'name="qty"' in arch
    finally:
        database.dispose()


def test_a_locator_naming_a_field_of_an_addon_outside_depends(env, written_addons):
    name = unique_name("vwv")
    write_addon(written_addons, name, {"name": name, "version": "1.0", "depends": ["vw_base"],
                                       "data": ["data/views.xml"]},
                {"data/views.xml": """<?xml version="1.0"?>
<tessera>
    <record model="ir.ui.view" id="after_ext1">
        <field name="inherit_id" ref="vw_base.task_view_form"/>
        <field name="arch" type="xml">
            <field name="ext1_code" position="after">
                <field name="estimate"/>
            </field>
        </field>
    </record>
</tessera>
"""})
    before = state_of(env)
    with pytest.raises(AddonError) as caught:
        env.addons.install([name])
    message = str(caught.value)
    assert f"view '{name}.after_ext1' (addon {name}, data/views.xml:6)" in message
    assert f"locator field 'ext1_code' of vw.task comes from vw_ext1, which {name!r}" in message
    assert_nothing_left(env, before, [name])


def test_an_upgrade_breaking_a_view_fails_and_keeps_the_installed_one(env, written_addons):
    name = unique_name("vwu")
    manifest = {"name": name, "version": "1.0", "depends": ["vw_base"],
                "data": ["data/views.xml"]}

    def views_xml(field):
        return f"""<?xml version="1.0"?>
<tessera>
    <record model="ir.ui.view" id="ext">
        <field name="inherit_id" ref="vw_base.task_view_form"/>
        <field name="arch" type="xml">
            <field name="phone" position="after">
                <field name="{field}"/>
            </field>
        </field>
    </record>
</tessera>
"""

    write_addon(written_addons, name, manifest, {"data/views.xml": views_xml("estimate")})
    env.addons.install([name])
    before = state_of(env)
    assert 'name="estimate"' in before["form"]

    write_addon(written_addons, name, {**manifest, "version": "1.1"},
                {"data/views.xml": views_xml("ghost")})
    with pytest.raises(AddonError) as caught:
        env.addons.upgrade([name])
    assert str(caught.value) == (
        f"1 invalid view(s):\n- view '{name}.ext' (addon {name}, data/views.xml:7): "
        "vw.task has no field 'ghost'")
    after = state_of(env)
    assert after == before


def test_kanban_card_templates_allow_only_the_card_language(env, written_addons):
    name = unique_name("vw_card")
    write_addon(written_addons, name, {"name": name, "version": "1.0", "depends": ["vw_base"],
                                       "data": ["data/views.xml"]},
                {"data/views.xml": """<?xml version="1.0"?>
<tessera>
    <record model="ir.ui.view" id="card">
        <field name="model">vw.task</field>
        <field name="priority" eval="1"/>
        <field name="arch" type="xml">
            <kanban>
                <templates>
                    <t t-name="card">
                        <div t-if="name" class="title"><field name="name"/></div>
                        <span t-esc="record.name.raw_value"/>
                        <script>alert(1)</script>
                        <div onclick="steal()" t-if-not="no_such_field"/>
                        <a href="javascript:alert(1)">x</a>
                    </t>
                </templates>
            </kanban>
        </field>
    </record>
</tessera>
"""})
    before = state_of(env)
    with pytest.raises(AddonError) as caught:
        env.addons.install([name])
    message = str(caught.value)
    assert message.startswith("5 invalid view(s):")
    assert "unknown directive t-esc=..." in message
    assert "<script> is not allowed in a card template" in message
    assert "attribute onclick='steal()' is not allowed" in message
    assert "t-if-not='no_such_field': vw.task has no such field" in message
    assert "attribute href='javascript:alert(1)' is not allowed" in message
    assert_nothing_left(env, before, [name])


def test_conditions_are_constants_field_names_or_domains(env, written_addons):
    name = unique_name("vw_cond")
    write_addon(written_addons, name, {"name": name, "version": "1.0", "depends": ["vw_base"],
                                       "data": ["data/views.xml"]},
                {"data/views.xml": """<?xml version="1.0"?>
<tessera>
    <record model="ir.ui.view" id="list">
        <field name="model">vw.task</field>
        <field name="priority" eval="1"/>
        <field name="arch" type="xml">
            <list decoration-danger="[('is_blocked', '=', True)]" decoration-muted="is_blocked">
                <field name="name" readonly="1"/>
                <field name="priority" invisible="[('state', '=', 'done')]"/>
                <field name="state" required="__import__('os').system('x')"/>
                <field name="deadline" invisible="[('ghost', '=', 1)]"/>
                <field name="date_start" readonly="nobody"/>
            </list>
        </field>
    </record>
</tessera>
"""})
    before = state_of(env)
    with pytest.raises(AddonError) as caught:
        env.addons.install([name])
    message = str(caught.value)
    assert message.startswith("3 invalid view(s):")
    assert "required=\"__import__('os').system('x')\": eval=" in message
    assert "only literals" in message
    assert "has no field 'ghost'" in message
    assert "readonly='nobody': vw.task has no field 'nobody'" in message
    assert_nothing_left(env, before, [name])
