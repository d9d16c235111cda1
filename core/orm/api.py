"""Decorators for model methods: constraints, compute dependencies, model-level methods."""

from __future__ import annotations


def constrains(*field_names: str):
    """Mark a method as a Python constraint checked after create/write.

    The method runs on the records written when one of `field_names` was written,
    and raises ValidationError to refuse the change (which is then rolled back).
    """

    def decorate(method):
        method._constrains = tuple(field_names)
        return method

    return decorate


def depends(*paths: str):
    """Declare what a compute method reads (`"name"`, `"parent_id.name"`, `"line_ids.amount"`).

    Stored computed fields are recomputed when one of these changes; the field's own
    `depends=` argument, when given, takes precedence.
    """

    def decorate(method):
        method._depends = tuple(paths)
        return method

    return decorate


def model(method):
    """Mark a method that works on the model, not on particular records (documentation only)."""
    method._api_model = True
    return method


def ondelete(method):
    """Mark a method run on records about to be deleted; it raises UserError to refuse."""
    method._ondelete = True
    return method
