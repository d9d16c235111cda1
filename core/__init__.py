"""Tessera: an Odoo-style business application framework.

`from core import Database` is the entry point: a database URL plus the addons
installed in it, and `db.env()` for one transaction with an environment.
"""

from core.database import Database

__all__ = ["Database"]
