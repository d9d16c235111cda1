"""Finding addons: the repository's addons/ folder, extra addons paths, and
distributions exposing the `tessera.addons` entry point group."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
from pathlib import Path

from core.addons.manifest import MANIFEST, Manifest, read_manifest
from core.exceptions import AddonError

REPO_ADDONS = Path(__file__).resolve().parents[2] / "addons"
ENTRY_POINT_GROUP = "tessera.addons"


def addon_dirs(paths) -> list[Path]:
    """Every folder holding a manifest, in search order: repo addons/, `paths`, entry points."""
    found = []
    for root in [REPO_ADDONS, *[Path(p) for p in paths]]:
        if not root.is_dir():
            raise AddonError(f"addons path {root} does not exist or is not a folder")
        found.extend(sorted(d for d in root.iterdir() if (d / MANIFEST).is_file()))
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        spec = importlib.util.find_spec(entry.value)
        if spec and spec.submodule_search_locations:
            found.append(Path(next(iter(spec.submodule_search_locations))))
    return found


def discover(paths=()) -> dict[str, Manifest]:
    """{addon name: manifest} of every addon found; the same name twice is an error."""
    manifests: dict[str, Manifest] = {}
    for directory in addon_dirs(paths):
        name = directory.name
        if name in manifests and manifests[name].path.resolve() != directory.resolve():
            raise AddonError(f"addon {name!r} is found twice: in {manifests[name].path} and in "
                             f"{directory}; remove one or take its folder out of the path")
        manifests[name] = read_manifest(directory)
    return manifests


def make_importable(paths) -> None:
    """Let every addon be imported as `addons.<name>`, wherever its folder is."""
    package = importlib.import_module("addons")
    for folder in [*[Path(p) for p in paths]]:
        location = str(folder.resolve())
        if location not in package.__path__:
            package.__path__.append(location)
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        spec = importlib.util.find_spec(entry.value)
        if spec and spec.submodule_search_locations:
            parent = str(Path(next(iter(spec.submodule_search_locations))).parent)
            if parent not in package.__path__:
                package.__path__.append(parent)


def import_addon(name: str) -> None:
    """Import `addons.<name>` (which registers its model classes)."""
    module_name = f"addons.{name}"
    if module_name in sys.modules:
        return
    try:
        importlib.import_module(module_name)
    except ImportError as error:
        raise AddonError(f"addon {name!r} cannot be imported: {error}") from error


def reload_addon(name: str) -> None:
    """Forget an addon's imported code and model definitions, then import it again
    (upgrade after its files changed)."""
    from core.orm.models import DEFINITIONS

    prefix = f"addons.{name}"
    for module_name in [m for m in sys.modules if m == prefix or m.startswith(prefix + ".")]:
        del sys.modules[module_name]
    DEFINITIONS.pop(name, None)
    importlib.invalidate_caches()
    import_addon(name)


def call_addon_code(addon: str, what: str, function, *args):
    """Call an addon's hook or migration script: an exception it raises becomes an
    AddonError naming the addon and the code (the original error is its __cause__)."""
    try:
        return function(*args)
    except AddonError:
        raise
    except Exception as error:
        raise AddonError(f"addon {addon!r}: {what} failed: {type(error).__name__}: "
                         f"{error}") from error


def addon_module(name: str, submodule: str):
    """`addons.<name>.<submodule>` if the addon has it, else None (e.g. hooks, migrations)."""
    module_name = f"addons.{name}.{submodule}"
    if importlib.util.find_spec(f"addons.{name}") is None:
        return None
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None
        raise
