from . import partner  # noqa: F401
