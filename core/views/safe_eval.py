"""Evaluation of `eval="..."` attributes in data files: Python literals and `ref()`
calls only, checked on the syntax tree; nothing is ever executed."""

from __future__ import annotations

import ast
from collections.abc import Callable

from core.exceptions import ValidationError

_CONSTANTS = {"True": True, "False": False, "None": None}


def literal_eval(source: str, names: dict[str, Callable] | None = None,
                 variables: dict | None = None):
    """The value of `source`: numbers, strings, lists, tuples, dicts, sets, True,
    False, None, negative numbers, the `variables` (such as `uid` in a filter's
    domain), and calls of the functions in `names` (such as `ref`) with literal
    arguments. Anything else is a ValidationError."""
    names = names or {}
    variables = variables or {}
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        raise ValidationError(f"cannot read eval={source!r}: {error.msg}") from error

    def value(node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name) and node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if isinstance(node, ast.Name) and node.id in variables:
            return variables[node.id]
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [value(item) for item in node.elts]
            return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
        if isinstance(node, ast.Dict):
            return {value(k): value(v) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = value(node.operand)
            if isinstance(operand, (int, float)) and not isinstance(operand, bool):
                return -operand if isinstance(node.op, ast.USub) else operand
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in names and not node.keywords):
            return names[node.func.id](*[value(arg) for arg in node.args])
        raise ValidationError(
            f"eval={source!r}: only literals and {', '.join(f'{n}()' for n in names) or 'no'} "
            f"calls are allowed, not {ast.unparse(node)!r}")

    return value(tree.body)
