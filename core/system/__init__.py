"""System models that exist in every Tessera database, whatever addons are installed:
the addon state table and the users that own records (create_uid/write_uid)."""

from core.system import models  # noqa: F401
