"""Working with domains as data: combining them (AND, OR) and describing their shape
for the statement cache (see Model._search_query)."""

from __future__ import annotations

from core.orm.domains import _ALIASES, FALSE_LEAF


def _count_terms(domain) -> int:
    count = expected = 0
    for token in domain:
        if expected == 0:
            count += 1
            expected = 1
        if token in ("&", "|"):
            expected += 1
        elif token != "!":
            expected -= 1
    return count


def normalize(domain) -> list:
    """`domain` as one term (explicit "&" between its top-level terms); [] stays []."""
    domain = list(domain or [])
    terms = _count_terms(domain)
    return ["&"] * (terms - 1) + domain if terms > 1 else domain


def AND(domains) -> list:
    """A domain matching what every one of `domains` matches ([] matches everything)."""
    parts = [normalize(d) for d in domains if d]
    return ["&"] * (len(parts) - 1) + [token for part in parts for token in part]


def OR(domains) -> list:
    """A domain matching what any of `domains` matches."""
    domains = list(domains)
    if not domains:
        return [FALSE_LEAF]
    if any(not d for d in domains):
        return []
    parts = [normalize(d) for d in domains]
    return ["|"] * (len(parts) - 1) + [token for part in parts for token in part]


SIMPLE_OPERATORS = {"=", "!=", "<", "<=", ">", ">=", "like", "ilike", "not like", "not ilike",
                    "=like", "=ilike", "in", "not in"}


def _value_kind(value):
    if value is None or value is False:
        return "F"
    if value is True:
        return "T"
    if isinstance(value, str):
        return "s" if value.isascii() else "u"
    if isinstance(value, (int, float)):
        return "n"
    if hasattr(value, "isoformat"):
        return type(value).__name__
    return None


def search_shape(domain, model) -> tuple | None:
    """What a compiled domain depends on apart from its values: the operators, fields
    and the kind of each value (empty, text, ASCII or not, number, list...). Two domains
    of the same shape compile to the same SQL with other parameters. None for domains
    not worth caching (dotted paths, relations searched by name, x2many, hierarchies)."""
    if not isinstance(domain, (list, tuple)):
        return None
    shape = []
    fields_by_name = model._fields
    for item in domain:
        if item in ("&", "|", "!"):
            shape.append(item)
            continue
        if not isinstance(item, (list, tuple)) or len(item) != 3:
            return None
        path, op, value = item
        if not isinstance(path, str) or not isinstance(op, str):
            return None
        op = _ALIASES.get(op.lower(), op.lower())
        field = fields_by_name.get(path)
        if (field is None or op not in SIMPLE_OPERATORS or not field.stored_column
                or field.type == "binary"):
            return None
        if op in ("in", "not in"):
            if not isinstance(value, (list, tuple)):
                return None
            kinds = tuple(sorted({_value_kind(v) for v in value}, key=str))
            if None in kinds or (field.type == "many2one" and {"s", "u"} & set(kinds)):
                return None
            kind = ("list", kinds)
        else:
            kind = _value_kind(value)
            if kind is None or (field.type == "many2one" and kind in ("s", "u")):
                return None
            if op in ("like", "ilike", "not like", "not ilike", "=like", "=ilike") and \
                    kind not in ("s", "u", "F"):
                return None
        shape.append((path, op, kind))
    return tuple(shape)


def leaf_values(domain) -> list:
    """The values of a domain's terms, in order (for a cached statement's parameters)."""
    return [item[2] for item in domain if item not in ("&", "|", "!")]
