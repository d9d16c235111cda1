"""The model of the ORM benchmark (workload W): one `bench.partner` model."""

from . import models  # noqa: F401
