"""Migration scripts: `migrations/<version>/pre_*.py` and `post_*.py` of an addon, each
defining `migrate(env, installed_version)`, run in version order during an upgrade."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from core.addons.discovery import call_addon_code
from core.exceptions import AddonError


def version_key(version: str) -> tuple:
    """A sortable key of a dotted version ("1.10" after "1.9")."""
    return tuple(int(part) if part.isdigit() else part for part in version.split("."))


def scripts(addon_path: Path, stage: str, installed: str | None, target: str) -> list[Path]:
    """The `stage` ("pre" or "post") scripts for versions in (installed, target]."""
    root = addon_path / "migrations"
    if not root.is_dir() or installed is None:
        return []
    found = []
    for folder in root.iterdir():
        if not folder.is_dir():
            continue
        key = version_key(folder.name)
        if version_key(installed) < key <= version_key(target):
            found.extend((key, path) for path in sorted(folder.glob(f"{stage}_*.py")))
    return [path for _key, path in sorted(found)]


def run(env, addon: str, addon_path: Path, stage: str, installed: str | None,
        target: str) -> list[str]:
    """Run the migration scripts of one stage; returns their names."""
    done = []
    for path in scripts(addon_path, stage, installed, target):
        spec = importlib.util.spec_from_file_location(
            f"tessera_migration_{addon}_{path.parent.name}_{path.stem}".replace(".", "_"), path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            raise AddonError(f"addon {addon!r}: migration {path} cannot be loaded: "
                             f"{error}") from error
        migrate = getattr(module, "migrate", None)
        if not callable(migrate):
            raise AddonError(f"addon {addon!r}: migration {path} must define "
                             "migrate(env, installed_version)")
        name = f"{path.parent.name}/{path.name}"
        call_addon_code(addon, f"migration {name}", migrate, env, installed)
        done.append(name)
    return done
