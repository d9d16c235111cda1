"""The addon lifecycle through the `tessera` command, as an integrator types it (real
subprocesses): uninstall shows its plan and asks, upgrade NAME and --all, scaffold,
and errors that are one line on stderr with exit code 1.

Every test runs on SQLite and on PostgreSQL (`new_database_url`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from core import Database
from tests.lifecycle_support import (
    LIFECYCLE_ADDONS,
    copy_addon,
    snapshot,
    snapshot_diff,
    unique_name,
)

REPO = Path(__file__).resolve().parents[1]


def command(url: str, *args, paths=(LIFECYCLE_ADDONS,)) -> list[str]:
    line = [sys.executable, "-m", "core.cli", "--db", url]
    if paths:
        line += ["--addons-path", ",".join(str(p) for p in paths)]
    return [*line, *[str(a) for a in args]]


def tessera(url: str, *args, paths=(LIFECYCLE_ADDONS,), input=None):
    return subprocess.run(command(url, *args, paths=paths), cwd=REPO, input=input,
                          capture_output=True, text=True, timeout=180, check=False)


def succeeds(result) -> str:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def states(url: str, paths=(LIFECYCLE_ADDONS,)) -> dict[str, tuple[str, str]]:
    """{addon: (state, installed version)} as recorded in the database."""
    database = Database(url, addons_paths=list(paths))
    try:
        with database.env() as env:
            return {m.name: (m.state, m.installed_version)
                    for m in env["ir.module"].search([])}
    finally:
        database.dispose()


def test_uninstall_prints_the_plan_and_asks_before_doing_it(new_database_url):
    url = new_database_url
    assert "created" in succeeds(tessera(url, "init", "--demo"))
    assert "Installed: lc_base, lc_ext." in succeeds(tessera(url, "install", "lc_ext"))
    database = Database(url, addons_paths=[LIFECYCLE_ADDONS])
    try:
        with database.env() as env:  # `init --demo`: the addons come with their demo data
            assert env.ref("lc_base.demo_item").name == "Demo item"
        before = snapshot(database.engine)

        result = tessera(url, "uninstall", "lc_base", input="n\n")
        assert result.returncode == 1
        assert result.stderr.strip() == "Aborted."
        lines = result.stdout.splitlines()
        assert lines[0] == "Uninstall plan (dependents first): lc_ext, lc_base"
        assert "  drop table lc_item (4 rows)" in lines
        assert "  drop table lc_color (1 rows)" in lines
        assert "Proceed? [y/N]: " in result.stdout
        after = snapshot(database.engine)
        assert after == before, snapshot_diff(before, after)
        assert states(url)["lc_ext"][0] == "installed"

        result = tessera(url, "uninstall", "lc_ext", "--yes")
        output = succeeds(result)
        assert "Proceed?" not in output
        assert "  drop column lc_item.color_id" in output.splitlines()
        assert "  delete 1 lc.tag records created by these addons" in output.splitlines()
        assert output.splitlines()[-1] == "Uninstalled: lc_ext."

        output = succeeds(tessera(url, "uninstall", "lc_base", input="y\n"))
        assert output.endswith("Proceed? [y/N]: Uninstalled: lc_base.\n")
        assert {name: state for name, (state, _v) in states(url).items()
                if name.startswith("lc_")} == {"lc_base": "uninstalled", "lc_ext": "uninstalled"}
        assert "lc_item" not in snapshot(database.engine)
    finally:
        database.dispose()


def test_upgrade_by_name_and_all(new_database_url, tmp_path):
    url = new_database_url
    root = tmp_path / "addons"
    name = unique_name("lc_cli_up")
    folder = copy_addon("lc_base", root, name)
    paths = (root, LIFECYCLE_ADDONS)
    succeeds(tessera(url, "install", name, "lc_side", paths=paths))

    def bump(version: str, field: str) -> None:
        manifest = (folder / "__manifest__.py").read_text(encoding="utf-8")
        (folder / "__manifest__.py").write_text(re.sub(
            r'"version": "[^"]*"', f'"version": "{version}"', manifest), encoding="utf-8")
        code = (folder / "__init__.py").read_text(encoding="utf-8")
        (folder / "__init__.py").write_text(code.replace(
            "    done = fields.Boolean()\n",
            f"    done = fields.Boolean()\n    {field} = fields.Float()\n"), encoding="utf-8")

    bump("1.1", "weight")
    assert succeeds(tessera(url, "upgrade", name, paths=paths)) == f"Upgraded: {name}.\n"
    assert states(url, paths)[name] == ("installed", "1.1")
    assert "weight" in {c[0] for c in snapshot_of(url)["lc_item"]["columns"]}

    bump("1.2", "height")
    output = succeeds(tessera(url, "upgrade", "--all", paths=paths))
    assert output.startswith("Upgraded: ")
    assert sorted(output.strip().rstrip(".")[len("Upgraded: "):].split(", ")) == sorted(
        [name, "lc_side"])
    assert states(url, paths) == {name: ("installed", "1.2"), "lc_side": ("installed", "1.0")}
    assert "height" in {c[0] for c in snapshot_of(url)["lc_item"]["columns"]}


def snapshot_of(url: str) -> dict:
    database = Database(url)
    try:
        return snapshot(database.engine)
    finally:
        database.dispose()


def test_scaffold_makes_an_addon_whose_tests_pass_and_which_installs(new_database_url,
                                                                    tmp_path):
    url = new_database_url
    root = tmp_path / "my_addons"
    name = unique_name("lc_scaffolded")
    output = succeeds(tessera(url, "scaffold", name, "--path", root, paths=()))
    assert output == f"Created addon {name!r} in {root / name}\n"
    assert (root / name / "__manifest__.py").is_file()

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error",
         str(root / name)], cwd=root, capture_output=True, text=True, timeout=180, check=False)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout

    # the scaffold depends on base (groups for its access rights)
    assert f"Installed: base, {name}." in succeeds(tessera(url, "install", name,
                                                           paths=(root,)))
    database = Database(url, addons_paths=[root])
    try:
        with database.env() as env:
            assert env.addons.state(name) == "installed"
            record = env[f"{name}.record"].create({"name": "Made in a test"})
            assert (record.quantity, record.active) == (1, True)
            menu = env.ref(f"{name}.{name}_menu_records")
            assert menu.action_id.res_model == f"{name}.record"
    finally:
        database.dispose()



def test_every_error_is_one_line_on_stderr_with_exit_code_1(new_database_url, tmp_path):
    url = new_database_url
    succeeds(tessera(url, "init"))
    before = snapshot_of(url)
    cases = [
        (command(url, "install", "lc_nowhere"),
         "Error: asked to install 'lc_nowhere', which is not in any addons path"),
        (command(url, "install", "lc_broken"),
         "Error: addon 'lc_broken', data/broken.xml:6: lc.item has no field 'no_such_field'"),
        (command(url, "uninstall", "lc_side", "--yes"),
         "Error: cannot uninstall lc_side: not installed"),
        (command(url, "upgrade", "lc_side"),
         "Error: cannot upgrade lc_side: not installed (install it instead)"),
        (command(url, "upgrade"), "Error: name the addons to upgrade, or give --all"),
        (command(url, "addons", paths=(tmp_path / "no_such_folder",)),
         f"Error: addons path {tmp_path / 'no_such_folder'} does not exist"),
    ]
    if url.startswith("sqlite"):  # errors before any database is opened: once is enough
        (tmp_path / "taken").mkdir()
        cases += [
            (command(url, "frobnicate"), "Error: No such command 'frobnicate'"),
            (command(url, "scaffold", "Bad-Name", "--path", tmp_path),
             "Error: addon name 'Bad-Name' must be lowercase letters, digits and underscores"),
            (command(url, "scaffold", "taken", "--path", tmp_path),
             f"Error: {tmp_path / 'taken'} already exists: choose another name or remove it"),
            (command("mysql://somewhere/db", "addons"),
             "Error: unsupported database 'mysql://somewhere/db'"),
            (command("not a url", "addons"), "Error: invalid database URL 'not a url'"),
        ]
    # independent commands: run them side by side to keep the test fast
    running = [(subprocess.Popen(line, cwd=REPO, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
                expected) for line, expected in cases]
    for process, expected in running:
        stdout, stderr = process.communicate(timeout=180)
        assert process.returncode == 1, (process.args, stdout, stderr)
        assert "Traceback" not in stderr, stderr
        assert len(stderr.splitlines()) == 1, stderr
        assert stderr.startswith(expected), (expected, stderr)
        assert stdout == "", stdout
    # an exception in an addon's hook is an error too (not run side by side with the
    # failing install above: both would write the same rows)
    result = tessera(url, "install", "lc_hookfail")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Error: addon 'lc_hookfail': hooks.post_install failed: RuntimeError: lc_hookfail "
        "post_install refuses to finish"]
    after = snapshot_of(url)
    assert after == before, snapshot_diff(before, after)
    assert not [n for n, (state, _v) in states(url).items()
                if n.startswith("lc_") and state == "installed"]


def test_addons_lists_an_installed_addon_whose_code_has_gone(new_database_url, tmp_path):
    import json
    import shutil

    root = tmp_path / "gone_addons"
    name = unique_name("lc_gone")
    copy_addon("lc_base", root, name)
    assert f"Installed: {name}." in succeeds(tessera(new_database_url, "install", name,
                                                     paths=(root,)))
    shutil.rmtree(root / name)
    listed = json.loads(succeeds(tessera(new_database_url, "addons", "--json", paths=(root,))))
    entry = next(row for row in listed if row["name"] == name)
    assert entry["state"] == "installed (code missing)"
    assert entry["version"] == "1.0"
