"""`_inherit` across addons: test_orm_inherit extends test_compute.pet of test_orm_compute;
the registry composes one class per model and refuses inconsistent definitions."""

from __future__ import annotations

import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from core import Database
from core.exceptions import TesseraError, ValidationError
from core.orm import Model, Registry, RegistryError, api, fields
from core.orm.models import DEFINITIONS

PET = "test_compute.pet"
TEST_ADDONS = Path(__file__).resolve().parent / "addons"


# -- the extension installed in the shared test database ----------------------------

def test_both_addons_are_installed(env):
    assert env.addons.state("test_orm_compute") == "installed"
    assert env.addons.state("test_orm_inherit") == "installed"
    installed = env.addons.installed()
    assert installed.index("test_orm_compute") < installed.index("test_orm_inherit")


def test_composed_class_has_fields_of_both_addons(env):
    model = env[PET]
    assert {"name", "legs", "sound", "nickname", "shout"} <= set(model._fields)
    table = model._sa_table
    assert {"name", "legs", "sound", "nickname", "shout"} <= set(table.c.keys())
    registry = env.registry
    assert registry.model_addons[PET] == "test_orm_compute"
    assert registry.field_addons[(PET, "legs")] == "test_orm_compute"
    assert registry.field_addons[(PET, "nickname")] == "test_orm_inherit"


def test_composed_class_mro(env):
    cls = type(env[PET])
    chain = cls._inherit_chain
    assert [c._addon for c in chain] == ["test_orm_compute", "test_orm_inherit"]
    mro = cls.__mro__
    assert mro.index(chain[1]) < mro.index(chain[0])  # the extension overrides the base
    assert issubclass(cls, Model)


def test_new_field_is_usable(env):
    pet = env[PET].create({"name": "Rex", "nickname": "Rexy"})
    assert pet.nickname == "Rexy"
    assert env[PET].search([("nickname", "=", "Rexy")]) == pet
    assert pet.read(["nickname"]) == [{"id": pet.id, "nickname": "Rexy"}]


def test_redefined_field_keeps_other_attributes(env):
    pet = env[PET].create({"name": "Tweety"})
    assert pet.legs == 2  # the extension's default replaces the base's 4
    assert pet.sound == "..."  # untouched base default
    assert env[PET]._fields["legs"].type == "integer"


def test_overridden_method_calls_super(env):
    pet = env[PET].create({"name": "Rex", "legs": 4})
    assert pet.describe() == "Rex has 4 legs"
    pet.write({"nickname": "Rexy"})
    assert pet.describe() == "Rex has 4 legs, aka Rexy"


def test_base_constraint_still_applies(env):
    with pytest.raises(ValidationError, match="negative number of legs"):
        env[PET].create({"name": "Bad", "legs": -1})
    assert env[PET].search_count([("name", "=", "Bad")]) == 0


def test_constraint_added_by_the_extension(env):
    with pytest.raises(ValidationError, match="nickname must differ"):
        env[PET].create({"name": "Rex", "nickname": "Rex"})
    pet = env[PET].create({"name": "Rex", "nickname": "R"})
    with pytest.raises(ValidationError, match="nickname must differ"):
        pet.write({"nickname": "Rex"})
    assert pet.nickname == "R"
    names = {name for name, _fields in type(pet)._constraint_methods}
    assert {"_check_legs", "_check_nickname"} <= names


def test_base_sql_constraint_still_applies(env):
    env[PET].create({"name": "Unique"})
    with pytest.raises(ValidationError, match=r"Two pets cannot share a name."):
        env[PET].create({"name": "Unique"})
    assert env[PET].search_count([("name", "=", "Unique")]) == 1


def test_sql_constraint_added_by_the_extension(env):
    with pytest.raises(ValidationError, match=r"A pet has at most 100 legs."):
        env[PET].create({"name": "Millipede", "legs": 1000})
    assert env[PET].search_count([("name", "=", "Millipede")]) == 0
    pet = env[PET].create({"name": "Centipede", "legs": 100})
    with pytest.raises(ValidationError, match=r"A pet has at most 100 legs."):
        pet.write({"legs": 101})
    assert env[PET].search([("legs", "=", 100)]) == pet


def test_stored_compute_added_by_the_extension(env):
    pet = env[PET].create({"name": "Rex", "sound": "woof"})
    assert pet.shout == "REX: woof!"
    pet.write({"sound": "grr"})
    assert env[PET].search([("shout", "=", "REX: grr!")]) == pet


# -- Registry composition from small addon packages ---------------------------------

@pytest.fixture
def make_addon():
    """`make_addon()` gives a fresh addon name; classes whose `__module__` is
    `addons.<name>.models` are registered for it. Forgotten after the test."""
    names = []

    def make():
        name = f"tmp_orm_{uuid.uuid4().hex[:10]}"
        names.append(name)
        return name

    yield make
    for name in names:
        DEFINITIONS.pop(name, None)


def define(addon: str, class_name: str, attrs: dict) -> type:
    """A model definition class registered for `addon`."""
    return type(class_name, (Model,), {"__module__": f"addons.{addon}.models", **attrs})


def test_registry_composes_extension(make_addon):
    base, ext = make_addon(), make_addon()
    model = f"{base}.thing"

    def label(self):
        return "thing"

    def label_ext(self):
        return super(composed_ext, self).label() + " (extended)"

    define(base, "Thing", {"_name": model, "name": fields.Char(), "size": fields.Integer(
        default=1), "label": label})
    composed_ext = define(ext, "ThingExt", {
        "_inherit": model, "color": fields.Char(), "size": fields.Integer(required=True),
        "label": label_ext})
    only_base = Registry(["core", base])
    both = Registry(["core", base, ext])
    assert "color" not in only_base[model]._fields
    assert not only_base[model]._fields["size"].required
    assert "color" in both[model]._fields
    size = both[model]._fields["size"]
    assert size.required and size.default == 1  # attributes merged
    assert both[model]._table == f"{base}_thing"
    assert "color" in both[model]._sa_table.c
    assert both.model_addons[model] == base
    assert both.field_addons[(model, "color")] == ext
    assert object.__new__(only_base[model]).label() == "thing"
    assert object.__new__(both[model]).label() == "thing (extended)"


def test_registry_extension_order_follows_addon_order(make_addon):
    base, first, second = make_addon(), make_addon(), make_addon()
    model = f"{base}.thing"
    define(base, "Thing", {"_name": model, "name": fields.Char(string="Base")})
    define(first, "ThingA", {"_inherit": model, "name": fields.Char(string="First")})
    define(second, "ThingB", {"_inherit": model, "name": fields.Char(string="Second")})
    assert Registry(["core", base, first, second])[model]._fields["name"].string == "Second"
    assert Registry(["core", base, second, first])[model]._fields["name"].string == "First"


def test_registry_collects_constraints_of_every_class(make_addon):
    base, ext = make_addon(), make_addon()
    model = f"{base}.thing"

    @api.constrains("name")
    def check_base(self):
        pass

    @api.constrains("size")
    def check_ext(self):
        pass

    define(base, "Thing", {"_name": model, "name": fields.Char(), "_check_base": check_base,
                           "_sql_constraints": [("name_uniq", "unique(name)", "Unique!")]})
    define(ext, "ThingExt", {"_inherit": model, "size": fields.Integer(),
                             "_check_ext": check_ext,
                             "_sql_constraints": [("size_pos", "check(size > 0)", "Pos!")]})
    registry = Registry(["core", base, ext])
    methods = dict(registry[model]._constraint_methods)
    assert methods["_check_base"] == {"name"}
    assert methods["_check_ext"] == {"size"}
    messages = {value[0] for value in registry.constraint_messages.values()}
    assert {"Unique!", "Pos!"} <= messages


def test_model_defined_twice_without_inherit(make_addon):
    first, second = make_addon(), make_addon()
    model = f"{first}.thing"
    define(first, "Thing", {"_name": model, "name": fields.Char()})
    define(second, "ThingAgain", {"_name": model, "name": fields.Char()})
    with pytest.raises(RegistryError, match="defined twice") as info:
        Registry(["core", first, second])
    assert model in str(info.value)
    assert "_inherit" in str(info.value)


def test_extending_an_unknown_model(make_addon):
    ext = make_addon()
    define(ext, "Ghost", {"_inherit": "test_compute.nowhere", "name": fields.Char()})
    with pytest.raises(RegistryError, match="no installed addon defines") as info:
        Registry(["core", ext])
    assert "test_compute.nowhere" in str(info.value)
    assert ext in str(info.value)


def test_extension_without_its_base_addon(make_addon):
    base, ext = make_addon(), make_addon()
    model = f"{base}.thing"
    define(base, "Thing", {"_name": model, "name": fields.Char()})
    define(ext, "ThingExt", {"_inherit": model, "color": fields.Char()})
    assert "color" in Registry(["core", base, ext])[model]._fields
    with pytest.raises(RegistryError, match="depends"):
        Registry(["core", ext])


def test_extension_before_its_base_addon(make_addon):
    base, ext = make_addon(), make_addon()
    model = f"{base}.thing"
    define(base, "Thing", {"_name": model, "name": fields.Char()})
    define(ext, "ThingExt", {"_inherit": model, "color": fields.Char()})
    with pytest.raises(RegistryError):
        Registry(["core", ext, base])


def test_inherit_of_several_models_needs_a_name(make_addon):
    addon = make_addon()
    define(addon, "Mixed", {"_inherit": ["res.users", "ir.module"], "x": fields.Char()})
    with pytest.raises(RegistryError, match="_name"):
        Registry(["core", addon])


def test_prototype_inheritance_copies_fields(make_addon):
    addon = make_addon()
    base_model, copy_model = f"{addon}.base", f"{addon}.copy"
    define(addon, "Base", {"_name": base_model, "name": fields.Char()})
    define(addon, "Copy", {"_name": copy_model, "_inherit": base_model,
                           "extra": fields.Char()})
    registry = Registry(["core", addon])
    assert "name" in registry[copy_model]._fields
    assert "extra" in registry[copy_model]._fields
    assert "extra" not in registry[base_model]._fields
    assert registry[copy_model]._table == f"{addon}_copy"


def test_bad_compute_and_depends_are_refused(make_addon):
    missing_method, bad_depends, bad_comodel = make_addon(), make_addon(), make_addon()
    define(missing_method, "A", {"_name": f"{missing_method}.a",
                                 "x": fields.Char(compute="_compute_nothing")})
    with pytest.raises(RegistryError, match="_compute_nothing"):
        Registry(["core", missing_method])

    def compute(self):
        pass

    define(bad_depends, "B", {"_name": f"{bad_depends}.b", "_compute_x": compute,
                              "x": fields.Char(compute="_compute_x", store=True,
                                               depends=["nope"])})
    with pytest.raises(RegistryError, match="nope"):
        Registry(["core", bad_depends])
    define(bad_comodel, "C", {"_name": f"{bad_comodel}.c",
                              "link": fields.Many2one("test_compute.nowhere")})
    with pytest.raises(RegistryError, match=r"test_compute.nowhere"):
        Registry(["core", bad_comodel])


# -- through install ------------------------------------------------------------------

def write_addon(root, name: str, depends: list[str], models_source: str) -> None:
    folder = root / name
    (folder / "models").mkdir(parents=True)
    (folder / "__manifest__.py").write_text(repr({
        "name": name, "version": "1.0", "summary": "temporary test addon",
        "depends": depends}))
    (folder / "__init__.py").write_text("from . import models  # noqa: F401\n")
    (folder / "models" / "__init__.py").write_text(textwrap.dedent(models_source))


def test_install_of_an_addon_extending_an_unknown_model(new_database_url, tmp_path, make_addon):
    broken = make_addon()
    write_addon(tmp_path, broken, [], """
        from core.orm import Model, fields


        class Ghost(Model):
            _inherit = "test_compute.ghost"

            name = fields.Char()
    """)
    database = Database(new_database_url, addons_paths=[TEST_ADDONS, tmp_path])
    try:
        with database.env() as env:
            env.addons.install(["test_orm_compute"])
        with pytest.raises(TesseraError, match=r"test_compute.ghost"), database.env() as env:
            env.addons.install([broken])
        with database.env() as env:
            assert env.addons.state(broken) == "uninstalled"
            assert env.addons.state("test_orm_compute") == "installed"
            env["test_compute.pet"].create({"name": "still works"})
    finally:
        database.dispose()
        sys.modules.pop(f"addons.{broken}.models", None)
        sys.modules.pop(f"addons.{broken}", None)
