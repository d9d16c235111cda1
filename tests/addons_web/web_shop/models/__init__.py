from . import shop  # noqa: F401
