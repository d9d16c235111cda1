"""Tessera's ORM: models and fields on SQLAlchemy Core, recordsets, domains, registry.

    from core.orm import Model, fields, api
"""

from core.orm import api, fields
from core.orm.environment import SUPERUSER_ID, Environment, Transaction, time_zone
from core.orm.models import Model
from core.orm.registry import Registry, RegistryError

__all__ = ["SUPERUSER_ID", "Environment", "Model", "Registry", "RegistryError", "Transaction",
           "api", "fields", "time_zone"]
