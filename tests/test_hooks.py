"""Hooks: implementations of installed addons fire, in dependency order, and stop when
their addon is uninstalled; the lifecycle hooks; docs/hooks.md is generated from the
specifications.

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from core.exceptions import AddonError, UserError
from core.hooks import doc, specs
from tests.conftest import ENGINES
from tests.views_support import installed_database, rolled_back

DOCS = Path(__file__).resolve().parents[1] / "docs" / "hooks.md"


@pytest.fixture(scope="module", params=ENGINES)
def views_db(request, tmp_path_factory):
    """A database per engine with vw_base installed (committed once)."""
    yield from installed_database(request, tmp_path_factory, ["vw_base"])


@pytest.fixture
def env(views_db):
    """A superuser environment on views_db, rolled back after the test."""
    with rolled_back(views_db) as environment:
        yield environment


def button_addons(env, record) -> list[list[str]]:
    """Which addon gave each result of form_buttons (one list per implementation)."""
    return [[button["addon"] for button in result]
            for result in env.hooks.form_buttons(env=env, record=record)]


def param(env, key):
    return env["ir.config.parameter"].get_param(key)


def test_a_hook_fires_while_its_addon_is_installed_and_not_after(env):
    task = env.ref("vw_base.task_values")
    assert button_addons(env, task) == [["vw_base"]]

    env.addons.install(["vw_hook"])
    results = env.hooks.form_buttons(env=env, record=task)
    assert [r[0]["addon"] for r in results] == ["vw_base", "vw_hook"]
    assert results[1] == [{"label": "Tags", "count": 2, "icon": "tag", "sequence": 20,
                           "addon": "vw_hook",
                           "action": {"model": "vw.tag", "context": {}, "view": "list",
                                      "domain": [("id", "in", task.tag_ids.ids)]}}]
    assert env.hooks.record_actions(env=env, model="vw.task") == [[{
        "name": "vw_hook_done", "label": "Mark done", "method": "action_done",
        "confirm": "Mark the selected tasks done?", "wizard": None}]]

    assert env.addons.uninstall(["vw_hook"]) == ["vw_hook"]
    assert button_addons(env, task) == [["vw_base"]]
    assert env.hooks.record_actions(env=env, model="vw.task") == []


def test_results_come_in_dependency_order_without_none(env):
    # vw_ahook depends on vw_hook, which depends on vw_base; by name it would come first
    assert env.addons.install(["vw_ahook"]) == ["vw_hook", "vw_ahook"]
    task = env.ref("vw_base.task_csv")
    assert button_addons(env, task) == [["vw_base"], ["vw_hook"], ["vw_ahook"]]
    # implementations returning None are left out
    assert env.hooks.form_buttons(env=env, record=env.ref("vw_base.tag_root")) == []
    assert env.hooks.record_actions(env=env, model="vw.tag") == []

    # uninstalling vw_hook takes vw_ahook along: only vw_base's implementation is left
    assert env.addons.uninstall(["vw_hook"]) == ["vw_ahook", "vw_hook"]
    assert button_addons(env, task) == [["vw_base"]]


def test_hooks_follow_the_registry_of_each_transaction(views_db):
    with rolled_back(views_db) as env:
        env.addons.install(["vw_hook"])
        assert button_addons(env, env.ref("vw_base.task_csv")) == [["vw_base"], ["vw_hook"]]
    # rolled back: vw_hook is not installed any more, and its hooks do not fire
    with rolled_back(views_db) as env:
        assert env.addons.state("vw_hook") == "uninstalled"
        assert button_addons(env, env.ref("vw_base.task_csv")) == [["vw_base"]]


def test_addon_installed_fires_on_install_the_new_addon_included(env):
    assert param(env, "vw_hook.installed") is None
    env.addons.install(["vw_hook"])
    assert param(env, "vw_hook.installed") == "vw_hook"
    env.addons.install(["vw_ext2"])  # vw_ext1 first, then vw_ext2
    assert param(env, "vw_hook.installed") == "vw_hook,vw_ext1,vw_ext2"

    env.addons.uninstall(["vw_ext1"])  # with vw_ext2
    assert param(env, "vw_hook.uninstalling") == "vw_ext2,vw_ext1"
    env.addons.uninstall(["vw_hook"])
    assert param(env, "vw_hook.uninstalling") == "vw_ext2,vw_ext1,vw_hook"
    env.addons.install(["vw_primary"])  # vw_hook is gone: nothing recorded
    assert param(env, "vw_hook.installed") == "vw_hook,vw_ext1,vw_ext2"
    assert param(env, "vw_hook.uninstalling") == "vw_ext2,vw_ext1,vw_hook"


def test_a_failed_install_rolls_back_what_its_hooks_did(env):
    env.addons.install(["vw_hook"])
    with pytest.raises(AddonError, match="vw_bad_field"):
        env.addons.install(["vw_bad_field"])
    assert param(env, "vw_hook.installed") == "vw_hook"


def test_addon_uninstalling_may_refuse(env):
    env.addons.install(["vw_hook", "vw_ext1"])
    env["ir.config.parameter"].set_param("vw_hook.refuse", "vw_ext1")
    with pytest.raises(UserError, match="vw_hook refuses to let vw_ext1 go"):
        env.addons.uninstall(["vw_ext1"])
    assert env.addons.state("vw_ext1") == "installed"
    assert env.ref("vw_ext1.task_form_ext1").addon == "vw_ext1"
    assert 'name="ext1_code"' in env["ir.ui.view"].get_view("vw.task", "form")["arch"]


def test_every_spec_is_callable_and_unimplemented_ones_return_nothing(env):
    names = [name for name, function in inspect.getmembers(specs, inspect.isfunction)
             if function.__module__ == specs.__name__]
    assert {"form_buttons", "record_actions", "addon_installed", "addon_uninstalling",
            "mail_gateway_route"} <= set(names)
    for name in names:
        assert callable(getattr(env.hooks, name))
    assert env.hooks.partner_buttons(env=env, partner=None) == []
    assert env.hooks.mail_gateway_route(env=env, message=None) is None  # firstresult


def test_hooks_md_is_generated_from_the_specs():
    """Regenerate with `python -m core.hooks.doc > docs/hooks.md`."""
    rendered = doc.render()
    assert DOCS.read_text(encoding="utf-8") == rendered
    for name, function in inspect.getmembers(specs, inspect.isfunction):
        if function.__module__ == specs.__name__:
            signature = f"{name}({', '.join(inspect.signature(function).parameters)})"
            assert f"## `{signature}`" in rendered
