"""Attachments (`ir.attachment`): files linked to a record, stored in the filestore or
in the database, deduplicated by SHA-1 checksum; access follows the linked record."""

from __future__ import annotations

import logging
import mimetypes

import sqlalchemy as sa

from addons.base.models import filestore
from core import config
from core.exceptions import AccessError, UserError, ValidationError
from core.orm import Model, api, fields

_logger = logging.getLogger(__name__)

STORAGES = ("file", "db")
DEFAULT_MAX_SIZE = 25_000_000
DEFAULT_GC_GRACE = 86_400  # seconds a file stays after it was last written or reused
SYSTEM_FIELDS = ("file_size", "checksum", "store_fname", "db_datas")


def storage_settings() -> tuple[str, int]:
    """(storage, max_size) from `[attachments]` of the configuration, checked."""
    storage = config.get("attachments", "storage", "file")
    max_size = config.get("attachments", "max_size", DEFAULT_MAX_SIZE)
    if storage not in STORAGES:
        raise UserError(f"[attachments] storage = {storage!r} in {config.config_path()}: "
                        "use \"file\" or \"db\"")
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0:
        raise UserError(f"[attachments] max_size = {max_size!r} in {config.config_path()}: "
                        "give a number of bytes")
    return storage, max_size


def guess_mimetype(name: str) -> str:
    """The MIME type of a file name (standard library `mimetypes`), or
    application/octet-stream."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB ({size} bytes)"


class IrAttachment(Model):
    """A file attached to a record (`res_model`, `res_id`), or to nobody (then only its
    creator sees it). Give the content as `raw` (bytes) on create or write; read it
    back with `attachment.raw`."""

    _name = "ir.attachment"
    _inherit = ["document.access.mixin"]
    _description = "Attachment"
    _order = "id desc"

    name = fields.Char(required=True)
    res_model = fields.Char("Attached to model", index=True)
    res_id = fields.Integer("Attached to record", index=True)
    mimetype = fields.Char("MIME type")
    file_size = fields.Integer(readonly=True, copy=False, help="Size in bytes.")
    checksum = fields.Char(size=40, readonly=True, copy=False, help="SHA-1 of the content.")
    store_fname = fields.Char("Stored file name", readonly=True, copy=False,
                              help="Path in the filestore (`ab/abcdef...`), when stored "
                                   "as a file.")
    db_datas = fields.Binary("Database data", readonly=True, copy=False,
                             help="The content, when stored in the database.")
    raw = fields.Binary("Content", compute="_compute_raw",
                        help="The content as bytes, from the filestore or the database; "
                             "write it to replace the content.")

    # -- content -------------------------------------------------------------------------
    def _compute_raw(self):
        folder = None
        for attachment in self:
            content = None
            if attachment.store_fname:
                folder = folder or filestore.root(self.env)
                content = filestore.load(folder, attachment.store_fname)
                if content is None:
                    _logger.warning("file %s of attachment %s (%s) is missing from %s",
                                    attachment.store_fname, attachment.id, attachment.name,
                                    folder)
            else:
                content = attachment.db_datas or b""
            attachment.raw = content if content is not None else False

    def _prefetch_ids(self, field):
        # contents are big: load only the one asked for, never the whole prefetch set
        if field.name in ("raw", "db_datas"):
            return (self._ids[0],)
        return super()._prefetch_ids(field)

    def _content_values(self, raw, name: str, storage: str, max_size: int) -> dict:
        """The columns storing `raw` (size, checksum, file name or database data);
        ValidationError when it is not bytes or exceeds `max_size`."""
        if raw is None or raw is False:
            return {"file_size": 0, "checksum": False, "store_fname": False,
                    "db_datas": False}
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            raise ValidationError(f"Attachment {name!r}: the content (raw) must be bytes, "
                                  f"not {type(raw).__name__}.", field="raw")
        raw = bytes(raw)
        if len(raw) > max_size:
            raise ValidationError(f"File {name!r} is {_megabytes(len(raw))}, more than the "
                                  f"{_megabytes(max_size)} allowed ([attachments] max_size); "
                                  "nothing was saved.", field="raw")
        digest = filestore.checksum(raw)
        values = {"file_size": len(raw), "checksum": digest}
        if storage == "file":
            values.update(store_fname=filestore.relative_name(digest), db_datas=False)
        else:
            values.update(store_fname=False, db_datas=raw)
        return values

    def _prepare(self, vals: dict, name: str, settings) -> tuple[dict, tuple | None]:
        """`vals` with `raw` turned into storage columns, and the (file name, content)
        to write to the filestore, if any."""
        vals = dict(vals)
        given = [key for key in SYSTEM_FIELDS if key in vals]
        if "raw" not in vals:
            if given and not self.env.su:
                raise ValidationError(f"ir.attachment.{given[0]} is set by the system: give "
                                      "the content as `raw`.", field=given[0])
            return vals, None
        raw = vals.pop("raw")
        vals.update(self._content_values(raw, name, *settings))
        if vals.get("store_fname"):
            return vals, (vals["store_fname"], bytes(raw))
        return vals, None

    def _store_files(self, files) -> None:
        """Write the filestore files of contents just saved (deduplicated)."""
        if files:
            folder = filestore.root(self.env)
            for name, raw in dict(files).items():
                filestore.store(folder, name, raw)

    # -- ORM overrides ----------------------------------------------------------------------
    def create(self, vals_list):
        """Create attachments; `raw` (bytes) is the content, stored as configured."""
        single = isinstance(vals_list, dict)
        settings = storage_settings()
        prepared, files = [], []
        for vals in [vals_list] if single else vals_list:
            if not isinstance(vals, dict):
                prepared.append(vals)  # the ORM names the mistake
                continue
            if not vals.get("mimetype") and vals.get("name"):
                vals = {**vals, "mimetype": guess_mimetype(vals["name"])}
            new_vals, file = self._prepare(vals, vals.get("name") or "", settings)
            prepared.append(new_vals)
            if file:
                files.append(file)
        records = super().create(prepared[0] if single else prepared)
        self._store_files(files)
        return records

    def write(self, vals):
        """Write attachments; writing `raw` replaces the content (the old file stays
        until `gc_filestore()` finds it unreferenced). The MIME type is kept unless
        given, or guessed again when both `raw` and `name` are written."""
        file = None
        if "raw" in vals and vals.get("name") and "mimetype" not in vals:
            vals = {**vals, "mimetype": guess_mimetype(vals["name"])}
        if "raw" in vals or any(key in vals for key in SYSTEM_FIELDS):
            name = vals.get("name") or ", ".join(self.sudo().mapped("name"))
            vals, file = self._prepare(vals, name, storage_settings())
        result = super().write(vals)
        self._store_files([file] if file else [])
        return result

    def copy(self, default=None):
        """A copy with the same content (the file itself is shared)."""
        self.ensure_one()
        return super().copy({"raw": self.raw, **(default or {})})

    # -- maintenance -------------------------------------------------------------------------
    @api.model
    def gc_filestore(self, grace_seconds: float | None = None) -> list[str]:
        """Delete the files of this database's filestore that no attachment references
        and that were not written or reused for `grace_seconds` (default `[attachments]
        gc_grace_seconds`, one day). Returns the names removed. Settings users and the
        superuser only; `tessera worker` calls it."""
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError("Only Settings users may clean the filestore.")
        if grace_seconds is None:
            grace_seconds = config.get("attachments", "gc_grace_seconds", DEFAULT_GC_GRACE)
        column = self._sa_table.c.store_fname
        referenced = {row[0] for row in self.env.execute(
            sa.select(column).distinct().where(column.is_not(None)))}
        return filestore.collect(filestore.root(self.env), referenced, float(grace_seconds))
