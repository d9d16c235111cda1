"""The filestore: attachment contents kept as files named by their SHA-1 checksum.

Layout: `<filestore>/<database>/<first 2 hex digits>/<40 hex digits>`, where
`<filestore>` is `[attachments] filestore` of the configuration (see core.config) and
`<database>` the database name (PostgreSQL) or the SQLite file's stem, so databases
sharing a filestore never share (or collect) each other's files.

Safety rules (see docs/mail.md):
- a file is written (to a temporary name, then renamed) before the row referencing
  it is committed; the same content is stored once (deduplication by checksum);
- files are never deleted when an attachment is deleted: `collect()` (called by
  `ir.attachment.gc_filestore()`) deletes the files no row references, only when they
  were not written or reused for a grace period, so that a transaction still running
  (or rolled back) never loses a file a committed row references.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

from core import config

DEFAULT_FILESTORE = "data/filestore"
NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{40}$")
TEMPORARY = re.compile(r"\.(tmp|gc)-")


def checksum(raw: bytes) -> str:
    """The SHA-1 hex digest of `raw` (the attachment's checksum)."""
    return hashlib.sha1(raw).hexdigest()


def relative_name(digest: str) -> str:
    """The file's name relative to the database's filestore: `ab/abcdef...`."""
    return f"{digest[:2]}/{digest}"


def database_folder(env) -> str:
    """The filestore folder of the environment's database: its name (PostgreSQL), or
    the SQLite file's stem."""
    url = env.connection.engine.url
    name = url.database or "memory"
    if url.get_backend_name() == "sqlite":
        name = "memory" if name == ":memory:" else Path(name).stem
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def root(env) -> Path:
    """The folder holding the files of the environment's database."""
    configured = config.get("attachments", "filestore", DEFAULT_FILESTORE)
    return config.resolve_path(configured) / database_folder(env)


def full_path(folder: Path, name: str) -> Path:
    """The path of stored file `name`; refuses names that are not `ab/<sha1>`."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"{name!r} is not the name of a file in the filestore")
    return folder / name


def store(folder: Path, name: str, raw: bytes) -> None:
    """Make sure file `name` holds `raw`: reuse an existing one (its modification time
    is refreshed, which protects it from a concurrent collection), else write it
    atomically (temporary file, then rename)."""
    path = full_path(folder, name)
    if path.exists():
        try:
            os.utime(path)
            return
        except FileNotFoundError:
            pass  # collected just now: write it again
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    with temporary.open("wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def load(folder: Path, name: str) -> bytes | None:
    """The content of stored file `name`, or None when it is missing."""
    try:
        return full_path(folder, name).read_bytes()
    except FileNotFoundError:
        return None


def collect(folder: Path, referenced: set[str], grace_seconds: float) -> list[str]:
    """Delete the files of `folder` not in `referenced` and untouched for
    `grace_seconds` (and leftover temporary files as old); returns their names."""
    if not folder.is_dir():
        return []
    cutoff = time.time() - grace_seconds
    removed = []
    for path in sorted(folder.glob("??/*")):
        name = f"{path.parent.name}/{path.name}"
        if NAME.match(name):
            if name not in referenced and _collect_one(path, cutoff):
                removed.append(name)
        elif TEMPORARY.search(path.name) and _older(path, cutoff):
            path.unlink(missing_ok=True)
    return removed


def _older(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime <= cutoff
    except FileNotFoundError:
        return False


def _collect_one(path: Path, cutoff: float) -> bool:
    """Delete one unreferenced file unless it was written or reused after `cutoff`.
    It is first renamed, so that a transaction reusing it at the same moment either
    touched it before (it is put back) or finds it gone and writes it again."""
    if not _older(path, cutoff):
        return False
    trash = path.with_name(f"{path.name}.gc-{os.getpid()}")
    try:
        os.rename(path, trash)
    except FileNotFoundError:
        return False
    if not _older(trash, cutoff):
        os.replace(trash, path)  # reused meanwhile: keep it (same content either way)
        return False
    trash.unlink(missing_ok=True)
    return True
