"""Views and data files: loading XML/CSV data with external ids (views, menus,
actions and view inheritance come with the views issue)."""

from core.views.data import DataLoader

__all__ = ["DataLoader"]
