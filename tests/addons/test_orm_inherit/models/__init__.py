from . import pet  # noqa: F401
