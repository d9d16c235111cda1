"""Addon manifests: `__manifest__.py` holds one dict literal, read with
`ast.literal_eval` and never executed."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from core.exceptions import AddonError

MANIFEST = "__manifest__.py"
KNOWN_KEYS = {
    "name", "version", "summary", "description", "depends", "data", "demo", "auto_install",
    "application", "installable", "license", "author", "external_dependencies", "category",
    "website",
}


@dataclass(frozen=True)
class Manifest:
    """What an addon declares about itself."""

    name: str
    version: str
    path: Path
    summary: str = ""
    description: str = ""
    depends: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    demo: tuple[str, ...] = ()
    auto_install: bool = False
    application: bool = False
    installable: bool = True
    license: str = ""
    author: str = ""
    external_dependencies: dict = field(default_factory=dict)

    @property
    def technical_name(self) -> str:
        """The addon's folder name, used in `depends` and external ids."""
        return self.path.name


def read_manifest(addon_dir: Path) -> Manifest:
    """Read and validate `addon_dir/__manifest__.py`; errors name the addon and file."""
    path = Path(addon_dir) / MANIFEST
    where = f"addon {Path(addon_dir).name!r} ({path})"
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise AddonError(f"{where}: cannot read the manifest: {error.strerror}") from error
    try:
        values = ast.literal_eval(source.strip())
    except (ValueError, SyntaxError) as error:
        raise AddonError(f"{where}: the manifest must be a single dict literal "
                         f"(no code): {error}") from error
    if not isinstance(values, dict):
        raise AddonError(f"{where}: the manifest must be a dict, got {type(values).__name__}")
    unknown = sorted(set(values) - KNOWN_KEYS)
    if unknown:
        raise AddonError(f"{where}: unknown manifest keys {unknown}; "
                         f"allowed are {sorted(KNOWN_KEYS)}")
    for key in ("name", "version"):
        if not isinstance(values.get(key), str) or not values[key].strip():
            raise AddonError(f"{where}: the manifest needs a non-empty {key!r} string")
    for key in ("depends", "data", "demo"):
        value = values.get(key, [])
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise AddonError(f"{where}: {key!r} must be a list of strings")
    for relative in [*values.get("data", []), *values.get("demo", [])]:
        if not (Path(addon_dir) / relative).is_file():
            raise AddonError(f"{where}: data file {relative!r} does not exist")
    external = values.get("external_dependencies", {})
    if not isinstance(external, dict):
        raise AddonError(f"{where}: 'external_dependencies' must be a dict like "
                         "{'python': ['package']}")
    return Manifest(
        name=values["name"], version=values["version"], path=Path(addon_dir),
        summary=values.get("summary", ""), description=values.get("description", ""),
        depends=tuple(values.get("depends", [])), data=tuple(values.get("data", [])),
        demo=tuple(values.get("demo", [])), auto_install=bool(values.get("auto_install")),
        application=bool(values.get("application")),
        installable=bool(values.get("installable", True)), license=values.get("license", ""),
        author=values.get("author", ""), external_dependencies=external,
    )
