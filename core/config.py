"""Tessera's configuration file: small, read-only settings shared by every process.

The file is TOML, `config/tessera.toml` in the repository, or the file named by
`$TESSERA_CONFIG`. It is optional: every key has a default in the code that reads it.

    [database]
    url = "postgresql://tessera@db/tessera"

    [attachments]
    storage = "file"              # "file" (the filestore) or "db" (in the database)
    max_size = 25_000_000         # bytes per attachment
    filestore = "data/filestore"  # relative to the data root, or absolute

Relative paths are resolved against the data root: `$TESSERA_DATA_DIR` when set, else
the repository root (`resolve_path`).

    from core import config
    config.get("attachments", "storage", "file")

The file is read again when it changes (its path, size or modification time), so a
test may point `$TESSERA_CONFIG` at a file of its own; `reload()` forgets what was read.
This module imports nothing else of Tessera (it sits at the bottom of the layers).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = REPO_ROOT / "config" / "tessera.toml"
CONFIG_VARIABLE = "TESSERA_CONFIG"
DATA_DIR_VARIABLE = "TESSERA_DATA_DIR"

_cache: dict = {"key": None, "values": {}}


class ConfigError(ValueError):
    """The configuration file cannot be read, or a value has the wrong type."""


def config_path() -> Path:
    """The configuration file in use: `$TESSERA_CONFIG`, else config/tessera.toml."""
    named = os.environ.get(CONFIG_VARIABLE)
    return Path(named).expanduser() if named else DEFAULT_FILE


def load() -> dict:
    """The whole configuration as a dict of sections ({} when there is no file).
    An explicitly named file ($TESSERA_CONFIG) must exist."""
    path = config_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        if os.environ.get(CONFIG_VARIABLE):
            raise ConfigError(f"configuration file {path} (from ${CONFIG_VARIABLE}) does not "
                              "exist: create it or unset the variable") from None
        return {}
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if _cache["key"] != key:
        try:
            with path.open("rb") as handle:
                values = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"configuration file {path} is not valid TOML: {error}") from error
        _cache.update(key=key, values=values)
    return _cache["values"]


def get(section: str, key: str, default=None):
    """The value of `key` in `[section]`, or `default` when either is absent."""
    values = load().get(section)
    if values is None:
        return default
    if not isinstance(values, dict):
        raise ConfigError(f"[{section}] in {config_path()} must be a table of keys")
    return values.get(key, default)


def data_root() -> Path:
    """Where relative data paths start: `$TESSERA_DATA_DIR`, else the repository root."""
    named = os.environ.get(DATA_DIR_VARIABLE)
    return Path(named).expanduser() if named else REPO_ROOT


def resolve_path(value) -> Path:
    """`value` (a configured path) as an absolute path: relative paths are taken from
    `data_root()`."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else data_root() / path


def reload() -> None:
    """Forget the values read; the next `get()` reads the file again."""
    _cache.update(key=None, values={})
