"""The `tessera` command as an integrator types it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import TEST_ADDONS


def tessera(*args, url):
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "--db", url, "--addons-path", str(TEST_ADDONS), *args],
        capture_output=True, text=True, timeout=120, check=False)


def test_init_install_and_list(new_database_url):
    result = tessera("init", url=new_database_url)
    assert result.returncode == 0, result.stderr
    assert "created" in result.stdout

    result = tessera("install", "test_orm_smoke", url=new_database_url)
    assert result.returncode == 0, result.stderr
    assert "test_orm_smoke" in result.stdout

    result = tessera("addons", "--json", url=new_database_url)
    assert result.returncode == 0, result.stderr
    states = {row["name"]: row["state"] for row in json.loads(result.stdout)}
    assert states["test_orm_smoke"] == "installed"


def test_unknown_addon_is_one_clear_line(new_database_url):
    result = tessera("install", "no_such_addon", url=new_database_url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: asked to install 'no_such_addon', which is not in any addons path"]


def test_init_if_missing_keeps_existing_database(new_database_url):
    assert tessera("init", url=new_database_url).returncode == 0
    assert tessera("install", "test_orm_smoke", url=new_database_url).returncode == 0
    result = tessera("init", "--if-missing", url=new_database_url)
    assert result.returncode == 0
    assert "is ready (2 addons installed)" in result.stdout  # base and test_orm_smoke
