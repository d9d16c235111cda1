"""Evaluating record rule domains: literals, lists, tuples, and attribute access on
`user` (the current user, read as superuser), e.g.
`[("user_id", "=", user.id)]` or `[("department_id", "child_of", user.department_id.ids)]`."""

from __future__ import annotations

import ast

from core.exceptions import ValidationError

_CONSTANTS = {"True": True, "False": False, "None": None}


def eval_domain(source: str, user) -> list:
    """The domain `source` evaluated with `user` available; anything else is refused."""
    try:
        tree = ast.parse((source or "[]").strip(), mode="eval")
    except SyntaxError as error:
        raise ValidationError(f"record rule domain {source!r} is not valid: {error.msg}") \
            from error

    def value(node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id == "user":
                return user
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [value(item) for item in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Attribute) and not node.attr.startswith("_"):
            return getattr(value(node.value), node.attr)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        raise ValidationError(f"record rule domain {source!r}: only literals and `user.<field>` "
                              f"are allowed, not {ast.unparse(node)!r}")

    result = value(tree.body)
    if not isinstance(result, list):
        raise ValidationError(f"record rule domain {source!r} must be a list")
    return result
