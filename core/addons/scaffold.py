"""`tessera scaffold NAME`: a new addon (a model, its list/form/search views, an action,
a menu, access rights, demo data and tests) that installs and whose tests pass."""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from core.addons.discovery import REPO_ADDONS
from core.exceptions import AddonError

_FILES = {
    "__manifest__.py": '''{{
    "name": "{title}",
    "version": "1.0",
    "summary": "{title}: describe what it does in one line.",
    "depends": ["base"],
    "data": ["security/access.csv", "views/{name}_views.xml"],
    "demo": ["demo/{name}_demo.xml"],
    "license": "LGPL-3",
}}
''',
    "__init__.py": "from . import models  # noqa: F401\n",
    "models/__init__.py": "from . import {name}  # noqa: F401\n",
    "models/{name}.py": '''"""Models of the {title} addon."""

from core.orm import Model, api, fields
from core.exceptions import ValidationError


class {klass}(Model):
    """A {title} record."""

    _name = "{name}.record"
    _description = "{title} record"
    _order = "name, id"

    name = fields.Char(required=True, index=True)
    description = fields.Text()
    quantity = fields.Integer(default=1)
    active = fields.Boolean(default=True)

    @api.constrains("quantity")
    def _check_quantity(self):
        for record in self:
            if record.quantity < 0:
                raise ValidationError(f"{{record.name}}: the quantity cannot be negative.")
''',
    "security/access.csv": '''id,name,model,group_id/id,perm_read,perm_write,perm_create,perm_unlink
access_{name}_record_user,{name} records: employees,{name}.record,base.group_user,1,1,1,1
''',
    "views/{name}_views.xml": '''<?xml version="1.0" encoding="utf-8"?>
<tessera>
    <record model="ir.ui.view" id="{name}_record_view_list">
        <field name="model">{name}.record</field>
        <field name="arch" type="xml">
            <list>
                <field name="name"/>
                <field name="quantity" sum="Total"/>
            </list>
        </field>
    </record>
    <record model="ir.ui.view" id="{name}_record_view_form">
        <field name="model">{name}.record</field>
        <field name="arch" type="xml">
            <form>
                <sheet>
                    <group>
                        <field name="name"/>
                        <field name="quantity"/>
                        <field name="active"/>
                    </group>
                    <notebook>
                        <page name="description" string="Description">
                            <field name="description"/>
                        </page>
                    </notebook>
                </sheet>
            </form>
        </field>
    </record>
    <record model="ir.ui.view" id="{name}_record_view_search">
        <field name="model">{name}.record</field>
        <field name="arch" type="xml">
            <search>
                <field name="name"/>
                <filter name="archived" string="Archived" domain="[('active', '=', False)]"/>
            </search>
        </field>
    </record>
    <record model="ir.actions.window" id="{name}_record_action">
        <field name="name">{title}</field>
        <field name="res_model">{name}.record</field>
        <field name="view_mode">list,form</field>
    </record>
    <menuitem id="{name}_menu_root" name="{title}" sequence="50">
        <menuitem id="{name}_menu_records" action="{name}_record_action" sequence="10"/>
    </menuitem>
</tessera>
''',
    "demo/{name}_demo.xml": '''<?xml version="1.0" encoding="utf-8"?>
<tessera>
    <record model="{name}.record" id="{name}_record_demo">
        <field name="name">First {title} record</field>
        <field name="quantity">3</field>
    </record>
</tessera>
''',
    "tests/__init__.py": "",
    "tests/test_{name}.py": '''"""Tests of the {title} addon: it installs, and its model works."""

from pathlib import Path

import pytest

from core import Database
from core.exceptions import ValidationError

ADDONS_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path):
    database = Database(f"sqlite:///{{tmp_path / 'test.sqlite3'}}", addons_paths=[ADDONS_DIR])
    with database.env() as environment:
        environment.addons.install(["{name}"], demo=True)
        yield environment
    database.dispose()


def test_demo_record_is_loaded(env):
    record = env.ref("{name}.{name}_record_demo")
    assert record.quantity == 3


def test_views_and_menu_are_loaded(env):
    view = env["ir.ui.view"].get_view("{name}.record", "form")
    assert '<field name="quantity"/>' in view["arch"]
    menu = env.ref("{name}.{name}_menu_records")
    assert menu.action_id == env.ref("{name}.{name}_record_action")


def test_employees_may_use_the_model(env):
    user = env["res.users"].create({{"name": "Employee", "login": "employee",
                                    "groups_id": [(6, 0, [env.ref("base.group_user").id])]}})
    record = env["{name}.record"].with_user(user).create({{"name": "Mine"}})
    assert record.name == "Mine"


def test_negative_quantity_is_refused(env):
    with pytest.raises(ValidationError):
        env["{name}.record"].create({{"name": "Wrong", "quantity": -1}})
    assert not env["{name}.record"].search([("name", "=", "Wrong")])
''',
}


def scaffold(name: str, folder: Path | None = None) -> Path:
    """Write the skeleton of addon `name` into `folder` (default: the repo's addons/)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise AddonError(f"addon name {name!r} must be lowercase letters, digits and "
                         "underscores, starting with a letter")
    target = (folder or REPO_ADDONS) / name
    if target.exists():
        raise AddonError(f"{target} already exists: choose another name or remove it")
    title = name.replace("_", " ").title()
    klass = "".join(part.capitalize() for part in name.split("_")) + "Record"
    for relative, template in _FILES.items():
        path = target / relative.format(name=name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(name=name, title=title, klass=klass), encoding="utf-8")
    return target
