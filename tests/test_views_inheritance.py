"""View inheritance: the combined arch of a form extended by two addons (install order,
then priority, extensions of extensions after their parent), every position, the field
shorthand, mode="primary", default archs, uninstalling an extension, and
`tessera views explain`.

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core import Database
from core.exceptions import ValidationError
from tests.conftest import ENGINES
from tests.views_support import VIEWS_ADDONS, canon, installed_database, rolled_back


@pytest.fixture(scope="module", params=ENGINES)
def views_db(request, tmp_path_factory):
    """A database per engine with vw_base installed (committed once)."""
    yield from installed_database(request, tmp_path_factory, ["vw_base"])


@pytest.fixture
def env(views_db):
    """A superuser environment on views_db, rolled back after the test."""
    with rolled_back(views_db) as environment:
        yield environment


def form(env, view_id=None) -> str:
    return env["ir.ui.view"].get_view("vw.task", "form", view_id)["arch"]


LINES = """
<field name="line_ids">
    <list editable="bottom"><field name="name"/><field name="qty" sum="Total"/></list>
</field>"""

BASE_FORM = f"""
<form string="Task">
    <header>
        <button type="object" name="action_open" string="Open"/>
        <field name="state" widget="statusbar"/>
    </header>
    <sheet>
        <div class="oe_button_box" name="button_box"/>
        <group name="main">
            <field name="name"/>
            <field name="title"/>
            <field name="phone"/>
            <field name="website" widget="url" placeholder="https://"/>
        </group>
        <group name="planning"><field name="priority"/><field name="deadline"/></group>
        <notebook>
            <page name="lines" string="Lines">{LINES}</page>
            <page name="notes" string="Notes"><field name="note"/></page>
        </notebook>
    </sheet>
    <div class="oe_chatter"/>
</form>"""

# vw_ext1: inside (xpath and default), after (field shorthand, two nodes), before (any
# element as locator), attributes (one added, one removed), replace (with nothing and
# with a node)
EXT1_FORM = f"""
<form string="Task">
    <header>
        <button type="object" name="action_open" string="Open"/>
        <field name="state" widget="statusbar"/>
    </header>
    <sheet>
        <div class="oe_button_box" name="button_box">
            <button type="object" name="action_ext1" string="Ext1"/>
        </div>
        <group name="main">
            <field name="name"/>
            <field name="phone"/>
            <field name="ext1_code"/>
            <field name="qty"/>
            <field name="website" widget="url" invisible="1"/>
        </group>
        <group name="planning">
            <field name="priority"/>
            <field name="deadline" required="1"/>
            <field name="estimate"/>
        </group>
        <notebook>
            <page name="lines" string="Lines">{LINES}</page>
            <page name="ext1" string="Ext1"><field name="ext1_count"/></page>
            <page name="notes" string="Notes"><field name="note"/></page>
        </notebook>
    </sheet>
    <div class="oe_chatter"/>
</form>"""

# vw_ext2 after vw_ext1 (install order before priority); its own views by priority
# (task_form_ext2_early, priority 1, before task_form_ext2_late, priority 20, although
# declared after it); its extension of vw_ext1's extension right after that one
EXT2_FORM = EXT1_FORM.replace(
    '<field name="ext1_code"/>',
    '<field name="ext1_code"/><field name="ext2_b"/><field name="ext2_a"/>').replace(
    '<field name="ext1_count"/>',
    '<field name="ext1_count"/><field name="ext2_c"/><field name="ext2_d"/>')


def test_form_without_extensions_is_the_view_itself(env):
    result = env["ir.ui.view"].get_view("vw.task", "form")
    assert result["id"] == env.ref("vw_base.task_view_form").id
    assert (result["model"], result["type"]) == ("vw.task", "form")
    assert canon(result["arch"]) == canon(BASE_FORM)
    assert "t-addon" not in result["arch"]


def test_an_extension_with_every_position_and_the_field_shorthand(env):
    env.addons.install(["vw_ext1"])
    result = env["ir.ui.view"].get_view("vw.task", "form")
    assert result["id"] == env.ref("vw_base.task_view_form").id
    assert canon(result["arch"]) == canon(EXT1_FORM)


def test_two_addons_extend_the_form_in_install_order_then_priority(env):
    env.addons.install(["vw_ext2"])  # with vw_ext1
    late, early = env.ref("vw_ext2.task_form_ext2_late"), env.ref("vw_ext2.task_form_ext2_early")
    ext1 = env.ref("vw_ext1.task_form_ext1")
    # the order is not the order of ids, nor of priorities across addons
    assert late.id < early.id and early.priority < ext1.priority < late.priority
    assert env.ref("vw_ext2.task_form_ext2_on_ext1").inherit_id == ext1
    assert canon(form(env)) == canon(EXT2_FORM)


def test_uninstalling_an_extending_addon_restores_the_arch(env):
    original = form(env)
    env.addons.install(["vw_ext1"])
    with_ext1 = form(env)
    env.addons.install(["vw_ext2"])
    assert canon(form(env)) == canon(EXT2_FORM)

    assert env.addons.uninstall(["vw_ext2"]) == ["vw_ext2"]
    assert form(env) == with_ext1
    assert not env["ir.ui.view"].search([("addon", "=", "vw_ext2")])

    assert env.addons.uninstall(["vw_ext1"]) == ["vw_ext1"]
    assert form(env) == original
    assert not env["ir.ui.view"].search([("addon", "=", "vw_ext1")])
    assert not env["ir.model.data"].search([("addon", "in", ["vw_ext1", "vw_ext2"])])


def test_uninstalling_the_first_extension_takes_its_dependent_along(env):
    original = form(env)
    env.addons.install(["vw_ext2"])
    assert env.addons.uninstall(["vw_ext1"]) == ["vw_ext2", "vw_ext1"]
    assert form(env) == original


# -- mode="primary" ---------------------------------------------------------------------
PRIMARY_FORM = BASE_FORM.replace('<form string="Task">', '<form string="Quick task">').replace(
    '<field name="name"/>', '<field name="name" string="Subject"/>', 1)
PRIMARY_FORM = PRIMARY_FORM[:PRIMARY_FORM.index("<notebook>")] + \
    PRIMARY_FORM[PRIMARY_FORM.index("</notebook>") + len("</notebook>"):]


def test_primary_view_starts_from_the_combined_parent(env):
    env.addons.install(["vw_primary"])
    quick = env.ref("vw_primary.task_form_quick")
    assert (quick.mode, quick.type, quick.model) == ("primary", "form", "vw.task")
    assert quick.inherit_id == env.ref("vw_base.task_view_form")
    assert "Quick task" in PRIMARY_FORM and "<notebook>" not in PRIMARY_FORM

    # the model's form is still the base one, untouched by the primary view
    result = env["ir.ui.view"].get_view("vw.task", "form")
    assert result["id"] == env.ref("vw_base.task_view_form").id
    assert canon(result["arch"]) == canon(BASE_FORM)
    assert canon(form(env, quick.id)) == canon(PRIMARY_FORM)

    # extensions of the parent show in the primary view too
    env.addons.install(["vw_ext1"])
    expected = EXT1_FORM.replace('<form string="Task">', '<form string="Quick task">').replace(
        '<field name="name"/>', '<field name="name" string="Subject"/>', 1)
    expected = expected[:expected.index("<notebook>")] + \
        expected[expected.index("</notebook>") + len("</notebook>"):]
    assert canon(form(env, quick.id)) == canon(expected)
    assert canon(form(env)) == canon(EXT1_FORM)


# -- default archs ----------------------------------------------------------------------
def test_a_model_without_a_view_of_a_type_gets_a_default_one(env):
    views = env["ir.ui.view"]
    tag_fields = '<field name="name"/><field name="color"/><field name="parent_id"/>'
    expected = {
        "form": f"<form><sheet><group>{tag_fields}</group></sheet></form>",
        "list": f"<list>{tag_fields}</list>",
        "tree": f"<list>{tag_fields}</list>",
        "search": '<search><field name="name"/></search>',
        "kanban": '<kanban><templates><t t-name="card"><field name="name"/></t>'
                  "</templates></kanban>",
        "graph": "<graph/>",
        "pivot": "<pivot/>",
    }
    for view_type, arch in expected.items():
        result = views.get_view("vw.tag", view_type)
        assert result["id"] is None
        assert result["type"] == ("list" if view_type == "tree" else view_type)
        assert canon(result["arch"]) == canon(arch), view_type
    with pytest.raises(ValidationError, match=r"vw\.tag has no calendar view"):
        views.get_view("vw.tag", "calendar")
    # a model with views of other types: the missing ones are generated too
    assert views.get_view("vw.task", "pivot") == {"id": None, "model": "vw.task",
                                                  "type": "pivot", "arch": "<pivot/>"}
    # and the ones it has are used ("tree" is "list")
    listed = views.get_view("vw.task", "tree")
    assert listed["id"] == env.ref("vw_base.task_view_list").id
    assert listed["arch"].startswith('<list decoration-danger="is_blocked">')
    assert views.get_view("vw.task.line", "list")["id"] == \
        env.ref("vw_base.task_line_view_list").id


# -- each position, on a small view -----------------------------------------------------
SMALL = """
<form string="Small">
    <group name="g"><field name="name"/><field name="phone" placeholder="+1"/></group>
    <notebook><page name="p" string="P"><field name="note"/></page></notebook>
</form>"""


def small(group: str = '<field name="name"/><field name="phone" placeholder="+1"/>',
          notebook: str = '<page name="p" string="P"><field name="note"/></page>',
          root: str = '<form string="Small">') -> str:
    return f'{root}<group name="g">{group}</group><notebook>{notebook}</notebook></form>'


POSITIONS = {
    "inside by xpath": (
        """<xpath expr="//group[@name='g']" position="inside"><field name="title"/></xpath>""",
        small(group='<field name="name"/><field name="phone" placeholder="+1"/>'
                    '<field name="title"/>')),
    "inside is the default": (
        '<group name="g"><field name="title"/></group>',
        small(group='<field name="name"/><field name="phone" placeholder="+1"/>'
                    '<field name="title"/>')),
    "after, field shorthand, two nodes in order": (
        '<field name="name" position="after"><field name="title"/><field name="website"/>'
        '</field>',
        small(group='<field name="name"/><field name="title"/><field name="website"/>'
                    '<field name="phone" placeholder="+1"/>')),
    "before, any element as locator": (
        '<page name="p" position="before"><page name="q" string="Q"><field name="title"/>'
        '</page></page>',
        small(notebook='<page name="q" string="Q"><field name="title"/></page>'
                       '<page name="p" string="P"><field name="note"/></page>')),
    "before, two nodes in order": (
        '<field name="phone" position="before"><field name="title"/><field name="website"/>'
        '</field>',
        small(group='<field name="name"/><field name="title"/><field name="website"/>'
                    '<field name="phone" placeholder="+1"/>')),
    "replace with a node": (
        '<field name="phone" position="replace"><field name="website" widget="url"/></field>',
        small(group='<field name="name"/><field name="website" widget="url"/>')),
    "replace with nothing removes": (
        '<field name="phone" position="replace"/>',
        small(group='<field name="name"/>')),
    "attributes: added and changed": (
        '<field name="phone" position="attributes"><attribute name="placeholder">+33'
        '</attribute><attribute name="required">1</attribute></field>',
        small(group='<field name="name"/><field name="phone" placeholder="+33" required="1"/>')),
    "attributes: an empty value removes": (
        '<field name="phone" position="attributes"><attribute name="placeholder"/></field>',
        small(group='<field name="name"/><field name="phone"/>')),
    "attributes of the root": (
        '<form position="attributes"><attribute name="string">Renamed</attribute></form>',
        small(root='<form string="Renamed">')),
    "absolute xpath": (
        """<xpath expr="/form/notebook/page[@name='p']/field[@name='note']" position="after">"""
        '<field name="website"/></xpath>',
        small(notebook='<page name="p" string="P"><field name="note"/><field name="website"/>'
                       '</page>')),
    "a locator with several attributes": (
        '<field name="phone" placeholder="+1" position="after"><field name="title"/></field>',
        small(group='<field name="name"/><field name="phone" placeholder="+1"/>'
                    '<field name="title"/>')),
    "several locators in <data>": (
        '<data><field name="name" position="before"><field name="title"/></field>'
        '<page name="p" position="attributes"><attribute name="string">Notes</attribute>'
        '</page><xpath expr="//notebook" position="after"><div class="oe_chatter"/></xpath>'
        '</data>',
        small(group='<field name="title"/><field name="name"/>'
                    '<field name="phone" placeholder="+1"/>',
              notebook='<page name="p" string="Notes"><field name="note"/></page>'
              ).replace("</notebook></form>", '</notebook><div class="oe_chatter"/></form>')),
    "replace the root": (
        '<form position="replace"><form string="New"><field name="name"/></form></form>',
        '<form string="New"><field name="name"/></form>'),
}


def make_view(env, name, arch, inherit=None, **values):
    return env["ir.ui.view"].create({
        "name": name, "model": "vw.task", "type": "form", "arch": arch,
        "inherit_id": inherit.id if inherit else False,
        "mode": "extension" if inherit else "primary", **values})


@pytest.mark.parametrize("case", POSITIONS)
def test_each_position_gives_exactly_the_expected_arch(env, case):
    spec, expected = POSITIONS[case]
    base = make_view(env, "small_form", SMALL, priority=90)
    assert canon(form(env, base.id)) == canon(SMALL)
    make_view(env, "small_form_ext", spec, base)
    assert canon(form(env, base.id)) == canon(expected)
    # the model's own form is not affected
    assert canon(form(env)) == canon(BASE_FORM)


@pytest.mark.parametrize("spec, fragments", [
    ('<field name="phone" position="around"/>', ["position 'around'", "inside, after"]),
    ('<xpath expr="//field[" position="after"/>', ["//field[", "invalid xpath"]),
    ('<field name="nothing" position="after"/>', ['<field name="nothing">', "matches nothing"]),
    ('<field position="after"/>', ["<field >", "matches 3 nodes"]),
])
def test_a_bad_locator_names_the_extension(env, spec, fragments):
    base = make_view(env, "small_form", SMALL, priority=90)
    make_view(env, "bad_small_ext", spec, base)
    with pytest.raises(ValidationError) as caught:
        form(env, base.id)
    message = str(caught.value)
    assert "view 'bad_small_ext'" in message
    for fragment in fragments:
        assert fragment in message


# -- tessera views explain --------------------------------------------------------------
EXPLAINED = """\
<form string="Task">    [vw_base]
  <header>    [vw_base]
    <button type="object" name="action_open" string="Open"/>    [vw_base]
    <field name="state" widget="statusbar"/>    [vw_base]
  </header>
  <sheet>    [vw_base]
    <div class="oe_button_box" name="button_box">    [vw_base]
      <button type="object" name="action_ext1" string="Ext1"/>    [vw_ext1]
    </div>
    <group name="main">    [vw_base]
      <field name="name"/>    [vw_base]
      <field name="phone"/>    [vw_base]
      <field name="ext1_code"/>    [vw_ext1]
      <field name="ext2_b"/>    [vw_ext2]
      <field name="ext2_a"/>    [vw_ext2]
      <field name="qty"/>    [vw_ext1]
      <field name="website" widget="url" invisible="1"/>    [vw_base+vw_ext1]
    </group>
    <group name="planning">    [vw_base]
      <field name="priority"/>    [vw_base]
      <field name="deadline" required="1"/>    [vw_ext1]
      <field name="estimate"/>    [vw_ext1]
    </group>
    <notebook>    [vw_base]
      <page name="lines" string="Lines">    [vw_base]
        <field name="line_ids">    [vw_base]
          <list editable="bottom">    [vw_base]
            <field name="name"/>    [vw_base]
            <field name="qty" sum="Total"/>    [vw_base]
          </list>
        </field>
      </page>
      <page name="ext1" string="Ext1">    [vw_ext1]
        <field name="ext1_count"/>    [vw_ext1]
        <field name="ext2_c"/>    [vw_ext2]
        <field name="ext2_d"/>    [vw_ext2]
      </page>
      <page name="notes" string="Notes">    [vw_base]
        <field name="note"/>    [vw_base]
      </page>
    </notebook>
  </sheet>
  <div class="oe_chatter"/>    [vw_base]
</form>
"""


def tessera(url, *args):
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "--db", url, "--addons-path", str(VIEWS_ADDONS),
         *args], capture_output=True, text=True, timeout=120, check=False)


def test_views_explain_shows_each_node_with_its_addon(new_database_url):
    database = Database(new_database_url, addons_paths=[VIEWS_ADDONS])
    with database.env() as env:
        env.addons.install(["vw_ext2"])
    database.dispose()

    result = tessera(new_database_url, "views", "explain", "vw.task", "form")
    assert result.returncode == 0, result.stderr
    assert result.stdout == EXPLAINED

    result = tessera(new_database_url, "views", "explain", "vw.task", "tree")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == \
        '<list decoration-danger="is_blocked">    [vw_base]'

    result = tessera(new_database_url, "views", "explain", "vw.tag", "form")
    assert result.returncode == 1
    assert "vw.tag has no form view" in result.stderr and "Traceback" not in result.stderr

    result = tessera(new_database_url, "views", "explain", "vw.nothing", "form")
    assert result.returncode == 1
    assert "model 'vw.nothing' is not installed" in result.stderr
