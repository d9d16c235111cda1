from . import note  # noqa: F401
