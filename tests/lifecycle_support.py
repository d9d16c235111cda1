"""Helpers shared by the addon lifecycle tests (tests/test_lifecycle_*.py): schema
snapshots, row dumps, addons written or copied into a temporary folder."""

from __future__ import annotations

import importlib
import shutil
import sys
import uuid
from pathlib import Path

import sqlalchemy as sa

LIFECYCLE_ADDONS = Path(__file__).resolve().parent / "addons_lifecycle"


def snapshot(bind) -> dict:
    """Everything the schema has, as plain data: per table its columns with types,
    indexes with names, unique constraints, foreign keys and check constraints; on
    SQLite also the triggers that implement check constraints."""
    if isinstance(bind, sa.Engine):
        with bind.connect() as connection:
            return snapshot(connection)
    inspector = sa.inspect(bind)
    result: dict = {}
    for table in sorted(inspector.get_table_names()):
        result[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"])
                        for c in inspector.get_columns(table)],
            "primary_key": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
            "indexes": sorted(
                (i["name"], tuple(map(str, i.get("column_names") or ())),
                 tuple(map(str, i.get("expressions") or ())), bool(i["unique"]))
                for i in inspector.get_indexes(table)),
            "uniques": sorted((u["name"] or "", tuple(u["column_names"]))
                              for u in inspector.get_unique_constraints(table)),
            "foreign_keys": _foreign_keys(bind, inspector, table),
            "checks": sorted((c["name"] or "", c["sqltext"])
                             for c in inspector.get_check_constraints(table)),
        }
    if bind.dialect.name == "sqlite":
        result["<sqlite triggers>"] = sorted(tuple(row) for row in bind.execute(sa.text(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")))
    return result


def _foreign_keys(connection, inspector, table: str) -> list[tuple]:
    """(columns, referred table, referred columns, ON DELETE) of each foreign key.
    On SQLite from the pragma: SQLAlchemy does not report the ON DELETE of a
    REFERENCES clause written inline (as ALTER TABLE ADD COLUMN writes it)."""
    if connection.dialect.name == "sqlite":
        found = connection.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")').all()
        return sorted(((row[3],), row[2], (row[4],), row[6].upper()) for row in found)
    return sorted(
        (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]),
         str(f.get("options", {}).get("ondelete", "NO ACTION")).upper())
        for f in inspector.get_foreign_keys(table))


def snapshot_diff(before: dict, after: dict) -> dict:
    """{table: (before, after)} of what differs, for readable assertion messages."""
    return {key: (before.get(key), after.get(key)) for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)}


def rows(bind, table: str, columns=None) -> list[tuple]:
    """The rows of `table` (the given columns, else all), ordered by id."""
    if isinstance(bind, sa.Engine):
        with bind.connect() as connection:
            return rows(connection, table, columns)
    reflected = sa.Table(table, sa.MetaData(), autoload_with=bind)
    selected = [reflected.c[c] for c in columns] if columns else list(reflected.c)
    order = [reflected.c.id] if "id" in reflected.c else selected
    return [tuple(row) for row in bind.execute(sa.select(*selected).order_by(*order))]


def count(bind, table: str, where: str = "", **params) -> int:
    """SELECT count(*) FROM table [WHERE ...]."""
    if isinstance(bind, sa.Engine):
        with bind.connect() as connection:
            return count(connection, table, where, **params)
    sql = f'SELECT count(*) FROM "{table}"' + (f" WHERE {where}" if where else "")
    return bind.execute(sa.text(sql), params).scalar_one()


def unique_name(prefix: str) -> str:
    """An addon name not used before in this process (addons are imported once per
    process as `addons.<name>`, so an addon written by a test needs its own name)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def write_addon(root: Path, name: str, manifest, files: dict[str, str] | None = None) -> Path:
    """Write addon `name` into `root`: `manifest` (a dict, or the manifest's source text)
    and `files` {relative path: text}. Returns the addon folder."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    text = manifest if isinstance(manifest, str) else repr(manifest)
    (folder / "__manifest__.py").write_text(text, encoding="utf-8")
    files = dict(files or {})
    if not (folder / "__init__.py").exists():
        files.setdefault("__init__.py", "")
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    _forget_bytecode(folder)
    return folder


def copy_addon(source: str, root: Path, name: str) -> Path:
    """Copy the lifecycle test addon `source` into `root` under the name `name`."""
    target = root / name
    shutil.copytree(LIFECYCLE_ADDONS / source, target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target


def forget_addon_code(name: str) -> None:
    """Make this process forget addon `name`'s imported code and model classes, as a
    new process would never have imported it."""
    from core.orm.models import DEFINITIONS

    prefix = f"addons.{name}"
    for module in [m for m in sys.modules if m == prefix or m.startswith(prefix + ".")]:
        del sys.modules[module]
    DEFINITIONS.pop(name, None)
    importlib.invalidate_caches()


def _forget_bytecode(folder: Path) -> None:
    """Remove compiled files: a file rewritten within the same second with the same
    size would otherwise be imported from its stale .pyc."""
    for cache in folder.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    importlib.invalidate_caches()
