"""Placeholder: being written (issue 8)."""

ROUTES: list = []
