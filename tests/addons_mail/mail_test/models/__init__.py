from . import tickets  # noqa: F401
