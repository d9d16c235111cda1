"""The models of the web client benchmark (bench/web.py): partners, orders and lines."""

from . import models  # noqa: F401
