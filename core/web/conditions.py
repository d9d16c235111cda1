"""Evaluating an arch's conditions (`invisible`, `readonly`, `required`) on the values a
form shows, saved or not: "1"/"0", a field name (true when the field is set), or a
domain such as "[('state', '=', 'done')]" evaluated in Python (nothing is executed)."""

from __future__ import annotations

from core.exceptions import TesseraError
from core.views.safe_eval import literal_eval

_TRUE, _FALSE = ("1", "True", "true"), ("0", "False", "false", "")


def holds(condition: str | None, values: dict, uid: int | None = None) -> bool:
    """Whether `condition` is true for `values` (a dict as `read()` returns it)."""
    if condition is None:
        return False
    text = condition.strip()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text.isidentifier():
        return _set(values.get(text))
    try:
        domain = literal_eval(text, variables={"uid": uid})
    except TesseraError:
        return False
    return _domain_holds(list(domain), values) if isinstance(domain, list) else bool(domain)


def _set(value) -> bool:
    if isinstance(value, (list, tuple)):
        return bool(value)
    return value not in (False, None, "", 0)


def _domain_holds(domain: list, values: dict) -> bool:
    stack: list[bool] = []
    for item in reversed(domain):
        if item == "!":
            stack.append(not stack.pop())
        elif item in ("&", "|"):
            first, second = stack.pop(), stack.pop()
            stack.append(first and second if item == "&" else first or second)
        else:
            stack.append(_leaf(item, values))
    result = True
    while stack:  # leaves side by side are AND-ed
        result = stack.pop() and result
    return result


def _plain(value):
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], int) \
            and isinstance(value[1], str):
        return value[0]  # a many2one as read() gives it
    return value


def _leaf(leaf, values: dict) -> bool:
    try:
        name, operator, expected = leaf
    except (TypeError, ValueError):
        return False
    value = _plain(values.get(name.split(".")[0], False))
    if isinstance(value, (list, tuple)) and operator in ("in", "not in", "=", "!="):
        found = bool(set(value) & set(expected if isinstance(expected, (list, tuple))
                                      else [expected]))
        return found if operator in ("in", "=") else not found
    try:
        return {
            "=": lambda: value == expected or (not value and expected is False),
            "!=": lambda: not (value == expected or (not value and expected is False)),
            "in": lambda: value in expected,
            "not in": lambda: value not in expected,
            "<": lambda: value < expected, "<=": lambda: value <= expected,
            ">": lambda: value > expected, ">=": lambda: value >= expected,
            "ilike": lambda: str(expected).lower() in str(value or "").lower(),
            "like": lambda: str(expected) in str(value or ""),
        }[operator]()
    except (KeyError, TypeError):
        return False
