"""Domains: Odoo's search expressions, validated and compiled to SQLAlchemy.

A domain is a list in prefix notation: leaves `(path, operator, value)` and the
operators "&", "|", "!"; consecutive terms are AND-ed. Paths may follow
relations with dots (`parent_id.name`, `line_ids.amount`, `tag_ids.name`).
Nothing is ever built as an SQL string: every leaf becomes a SQLAlchemy expression.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.exceptions import ValidationError
from core.orm.fields import INT_MAX, INT_MIN

TERM_OPERATORS = (
    "=", "!=", "<", "<=", ">", ">=", "like", "ilike", "not like", "not ilike",
    "=like", "=ilike", "in", "not in", "child_of", "parent_of",
)
_ALIASES = {"<>": "!=", "==": "="}
TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)
_NEGATIVE = {"!=", "not like", "not ilike", "not in"}
# "!" on a leaf gives the opposite term (as in Odoo): its exact complement, NULLs included.
_NEGATION = {"=": "!=", "!=": "=", "in": "not in", "not in": "in", "like": "not like",
             "not like": "like", "ilike": "not ilike", "not ilike": "ilike"}


def _error(model, message: str) -> ValidationError:
    return ValidationError(f"Invalid domain on {model._name}: {message}")


def parse(domain, model) -> tuple:
    """Validate a domain's shape and return it as a tree of
    ("&", a, b) / ("|", a, b) / ("!", a) / ("leaf", path, op, value) / ("true",) / ("false",)."""
    if domain is None:
        return ("true",)
    if not isinstance(domain, (list, tuple)):
        raise _error(model, f"a list is expected, got {domain!r}")
    items = list(domain)
    position = 0

    def parse_one(operator=None):
        nonlocal position
        if position >= len(items):
            raise _error(model, f"operator {operator!r} is missing one of its operands "
                                f"in {list(domain)!r}")
        item = items[position]
        position += 1
        if item in ("&", "|"):
            left = parse_one(item)
            right = parse_one(item)
            return (item, left, right)
        if item == "!":
            return ("!", parse_one(item))
        return _parse_leaf(item, model)

    terms = []
    try:
        while position < len(items):
            terms.append(parse_one())
    except RecursionError:
        raise _error(model, "the domain nests too many operators; combine long lists of "
                            "alternatives with the 'in' operator") from None
    if not terms:
        return ("true",)
    tree = terms[0]
    for term in terms[1:]:
        tree = ("&", tree, term)
    return tree


def _parse_leaf(item, model) -> tuple:
    if isinstance(item, list):
        item = tuple(item)
    if not isinstance(item, tuple) or len(item) != 3:
        raise _error(model, f"term {item!r} is not an operator nor a (field, operator, value)")
    if item == TRUE_LEAF or item == (True, "=", True):
        return ("true",)
    if item == FALSE_LEAF:
        return ("false",)
    path, operator, value = item
    if not isinstance(path, str) or not path:
        raise _error(model, f"term {item!r}: the field name must be a string")
    if not isinstance(operator, str):
        raise _error(model, f"term {item!r}: the operator must be a string")
    operator = _ALIASES.get(operator.lower(), operator.lower())
    if operator not in TERM_OPERATORS:
        raise _error(model, f"term {item!r}: unknown operator {operator!r} "
                            f"(use one of {', '.join(TERM_OPERATORS)})")
    if operator in ("in", "not in") and not isinstance(value, (list, tuple, set, frozenset)):
        if hasattr(value, "_ids"):
            value = list(value._ids)
        else:
            value = [value]
    _check_path(model, path, item)
    return ("leaf", path, operator, value)


def _check_path(model, path: str, item) -> None:
    current = model
    names = path.split(".")
    for index, name in enumerate(names):
        field = current._fields.get(name)
        if field is None:
            raise _error(model, f"term {item!r}: {current._name} has no field {name!r}")
        if index < len(names) - 1:
            if not field.relational:
                raise _error(model, f"term {item!r}: {current._name}.{name} is not a relation")
            current = current.env[field.comodel_name]


class DomainCompiler:
    """Compiles a parsed domain for one model into a SQLAlchemy boolean expression."""

    def __init__(self, model, parametric: bool = False):
        self.model = model
        self.dialect = model.env.dialect
        # parametric: leaf values become named bind parameters, listed in `params` as
        # (name, leaf index, function of the leaf's value), so that the statement can be
        # cached and run again for another domain of the same shape (see search_shape)
        self.params: list | None = [] if parametric else None
        self.leaf_index = -1

    def compile(self, domain) -> sa.ColumnElement:
        """The WHERE expression of `domain` (list or parsed tree) on `self.model`."""
        tree = domain if (isinstance(domain, tuple) and domain and domain[0] in
                          ("&", "|", "!", "leaf", "true", "false")) else parse(domain, self.model)
        return self._node(self.model, tree)

    def _node(self, model, node) -> sa.ColumnElement:
        kind = node[0]
        if kind == "&":
            return sa.and_(self._node(model, node[1]), self._node(model, node[2]))
        if kind == "|":
            return sa.or_(self._node(model, node[1]), self._node(model, node[2]))
        if kind == "!":
            return self._negate(model, node[1])
        if kind == "true":
            return sa.true()
        if kind == "false":
            return sa.false()
        if model is self.model:
            self.leaf_index += 1
        return self._leaf(model, node[1], node[2], node[3])

    def _bind(self, value, transform, expanding: bool = False):
        """`value` for the SQL: itself, or in parametric mode a bind parameter whose value
        `transform(leaf value)` recomputes for another domain of the same shape."""
        if self.params is None:
            return sa.bindparam(None, value, expanding=True) if expanding else value
        name = f"p{len(self.params)}"
        self.params.append((name, self.leaf_index, transform))
        return sa.bindparam(name, value, expanding=expanding)

    def _negate(self, model, node) -> sa.ColumnElement:
        """NOT `node`, pushed down to the leaves as Odoo does: ["!", ("city", "=", "X")]
        means ("city", "!=", "X") and so matches the records without a city (a bare SQL
        NOT would leave them out, NOT NULL being NULL)."""
        kind = node[0]
        if kind == "!":
            return self._node(model, node[1])
        if kind == "&":
            return sa.or_(self._negate(model, node[1]), self._negate(model, node[2]))
        if kind == "|":
            return sa.and_(self._negate(model, node[1]), self._negate(model, node[2]))
        if kind in ("true", "false"):
            return sa.false() if kind == "true" else sa.true()
        _kind, path, op, value = node
        if model is self.model:
            self.leaf_index += 1
        if "." not in path and op in _NEGATION:
            return self._leaf(model, path, _NEGATION[op], value)
        return sa.not_(self._leaf(model, path, op, value))

    # -- leaves ---------------------------------------------------------------
    def _leaf(self, model, path: str, op: str, value) -> sa.ColumnElement:
        table = model._sa_table
        name, _, rest = path.partition(".")
        field = model._fields[name]
        if not field.store and field.related and not rest:
            return self._leaf(model, field.related, op, value)
        if not field.store and field.related:
            return self._leaf(model, f"{field.related}.{rest}", op, value)
        if not field.store:
            search = getattr(model, f"_search_{name}", None)
            if search is None:
                raise _error(model, f"field {name!r} is not stored and has no _search_{name} "
                                    "method, so it cannot be searched")
            return self.compile(parse(search(op, value), model))
        if rest:
            comodel = model.env[field.comodel_name]
            inner = sa.select(comodel._sa_table.c.id).where(self._leaf(comodel, rest, op, value))
            return self._relation_in(model, field, self._visible(comodel, inner))
        if op in ("child_of", "parent_of"):
            return self._hierarchy(model, field, op, value)
        if field.type in ("one2many", "many2many"):
            return self._x2many_leaf(model, field, op, value)
        if field.type == "many2one" and self._is_name_search(op, value):
            comodel = model.env[field.comodel_name]
            inner = sa.select(comodel._sa_table.c.id).where(
                self._name_leaf(comodel, op, value))
            expr = table.c[name].in_(self._visible(comodel, inner))
            if op in _NEGATIVE:
                return sa.or_(sa.not_(expr), table.c[name].is_(None))
            return expr
        column = table.c[name]
        return self._scalar(field, column, op, value)

    @staticmethod
    def _is_name_search(op: str, value) -> bool:
        if op in ("like", "ilike", "not like", "not ilike", "=like", "=ilike"):
            return True
        if isinstance(value, str):
            return True
        return isinstance(value, (list, tuple)) and any(isinstance(v, str) for v in value)

    def _name_leaf(self, comodel, op, value):
        rec_name = comodel._rec_name_field()
        if rec_name is None:
            raise _error(comodel, "this model has no name field to search by name")
        positive = {"!=": "=", "not like": "like", "not ilike": "ilike", "not in": "in"}
        return self._leaf(comodel, rec_name, positive.get(op, op), value)

    def _relation_in(self, model, field, inner_ids) -> sa.ColumnElement:
        """Records of `model` whose relation `field` reaches one of `inner_ids` (a select)."""
        table = model._sa_table
        if field.type == "many2one":
            return table.c[field.name].in_(inner_ids)
        if field.type == "one2many":
            comodel = model.env[field.comodel_name]
            inverse = comodel._sa_table.c[field.inverse_name]
            # never a NULL in the subquery: `id NOT IN (..., NULL)` would match nothing
            return table.c.id.in_(
                sa.select(inverse).where(comodel._sa_table.c.id.in_(inner_ids),
                                         inverse.is_not(None)))
        rel = model.env.registry.relation_table(field)
        return table.c.id.in_(
            sa.select(rel.c[field.column1]).where(rel.c[field.column2].in_(inner_ids)))

    def _x2many_leaf(self, model, field, op, value) -> sa.ColumnElement:
        comodel = model.env[field.comodel_name]
        if value is False or value is None:
            linked = self._relation_in(model, field,
                                       self._visible(comodel, sa.select(comodel._sa_table.c.id)))
            return sa.not_(linked) if op == "=" else linked
        if self._is_name_search(op, value):
            inner = sa.select(comodel._sa_table.c.id).where(self._name_leaf(comodel, op, value))
        else:
            ids = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
            if hasattr(value, "_ids"):
                ids = value._ids
            inner = sa.select(comodel._sa_table.c.id).where(
                comodel._sa_table.c.id.in_([int(i) for i in ids]))
        expr = self._relation_in(model, field, self._visible(comodel, inner))
        return sa.not_(expr) if op in _NEGATIVE else expr

    @staticmethod
    def _visible(comodel, inner: sa.Select) -> sa.Select:
        """`inner` (a select of `comodel` ids) limited to the records the user may read:
        searching through a relation must not match what the record rules hide. Rule
        domains themselves are compiled as superuser (no rules inside rules)."""
        policy = comodel._security()
        if policy is None:
            return inner
        policy.check_model(comodel, "read")
        rule = policy.read_domain(comodel)
        if rule is None:
            return inner
        sudo = comodel.sudo()
        return inner.where(DomainCompiler(sudo).compile(parse(rule, sudo)))

    def _hierarchy(self, model, field, op, value) -> sa.ColumnElement:
        target = model if field.name == "id" else model.env[field.comodel_name]
        parent_name = target._parent_name
        if parent_name not in target._fields:
            raise _error(model, f"{op} needs a hierarchy: {target._name} has no {parent_name!r}")
        if isinstance(value, str) or (isinstance(value, (list, tuple)) and
                                      any(isinstance(v, str) for v in value)):
            start = sa.select(target._sa_table.c.id).where(self._name_leaf(target, "ilike", value))
        else:
            ids = [value] if isinstance(value, int) else list(getattr(value, "_ids", value) or [])
            start = sa.select(target._sa_table.c.id).where(target._sa_table.c.id.in_(ids))
        ttable = target._sa_table
        tree = start.cte(recursive=True, name=f"{op}_{ttable.name}")
        if op == "child_of":
            step = sa.select(ttable.c.id).where(ttable.c[parent_name] == tree.c.id)
        else:
            step = sa.select(ttable.c[parent_name]).where(
                ttable.c.id == tree.c.id, ttable.c[parent_name].is_not(None))
        tree = tree.union(step)
        if field.type in ("one2many", "many2many"):
            return self._relation_in(model, field, sa.select(tree.c.id))
        column = model._sa_table.c[field.name] if field.name != "id" else model._sa_table.c.id
        return column.in_(sa.select(tree.c.id))

    def _scalar(self, field, column, op, value) -> sa.ColumnElement:
        raw = value
        value = self._convert(field, op, value)

        def converted(leaf_value):
            return self._convert(field, op, leaf_value)

        if op in ("=", "!="):
            if value is None or (field.type == "boolean" and value is False):
                expr = column.is_(None)
                if field.type == "boolean":
                    expr = sa.or_(expr, column == sa.false())
                return expr if op == "=" else sa.not_(expr)
            bound = self._bind(value, converted)
            if op == "=":
                return column == bound
            return sa.or_(column != bound, column.is_(None))
        if op in ("<", "<=", ">", ">="):
            if value is None:
                return sa.false()
            bound = self._bind(value, converted)
            return {"<": column < bound, "<=": column <= bound,
                    ">": column > bound, ">=": column >= bound}[op]
        if op in ("in", "not in"):
            values, has_null = self._in_values(field, raw)
            expr = column.in_(self._bind(values, lambda v: self._in_values(field, v)[0],
                                         expanding=True)) if values else sa.false()
            if has_null:
                expr = sa.or_(expr, column.is_(None))
            if op == "in":
                return expr
            return sa.or_(sa.not_(expr), column.is_(None)) if not has_null else sa.not_(expr)
        return self._like(column, op, value)

    def _in_values(self, field, value) -> tuple[list, bool]:
        """The non-empty values of an "in" list, and whether it also asks for empty."""
        values = self._convert(field, "in", value)
        nullable = field.type != "boolean"
        has_null = nullable and any(v is None or v is False for v in values)
        return [v for v in values if not (v is None or (v is False and nullable))], has_null

    def _convert(self, field, op, value):
        if op in ("in", "not in"):
            return [self._convert(field, "=", v) for v in value]
        if value is False and field.type not in ("boolean",):
            return None
        if field.type in ("date", "datetime") and isinstance(value, str):
            try:
                return field.to_column(value)
            except (TypeError, ValueError) as exc:
                raise _error(self.model, f"{field.name}: {value!r} is not a valid {field.type}") \
                    from exc
        if field.type == "many2one" and hasattr(value, "_ids"):
            return value._ids[0] if value._ids else None
        return self._checked(field, value)

    def _checked(self, field, value):
        """`value` when its type suits `field` (numbers become text for text fields);
        otherwise a ValidationError, rather than a database error on PostgreSQL."""
        if value is None:
            return value
        kind = field.type
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind in ("char", "text", "html", "selection") and number:
            return str(value)
        expected = {
            "integer": lambda v: number or isinstance(v, bool),
            "float": lambda v: number, "monetary": lambda v: number,
            "boolean": lambda v: isinstance(v, bool) or v in (0, 1),
            "char": lambda v: isinstance(v, str), "text": lambda v: isinstance(v, str),
            "html": lambda v: isinstance(v, str), "selection": lambda v: isinstance(v, str),
            "many2one": lambda v: isinstance(v, int) and not isinstance(v, bool),
        }.get(kind)
        if kind in ("integer", "many2one") and isinstance(value, int) \
                and not INT_MIN <= value <= INT_MAX:
            raise _error(self.model, f"{field.name}: {value} is out of range")
        if expected is not None and not expected(value):
            raise _error(self.model, f"{field.name} holds {kind} values: {value!r} cannot be "
                                     "compared with it")
        return value

    def _like(self, column, op, value) -> sa.ColumnElement:
        text = _like_text(op, value)
        insensitive = op in ("ilike", "not ilike", "=ilike")
        if self.dialect == "sqlite":
            if insensitive and text.isascii():  # SQLite LIKE ignores ASCII case
                expr = column.like(self._bind(text, lambda v: _like_text(op, v)), escape="\\")
            elif insensitive:  # "Đà Nẵng": SQLite folds ASCII only; Python folds the rest
                expr = sa.func.tessera_lower(column).like(
                    self._bind(text.lower(), lambda v: _like_text(op, v).lower()), escape="\\")
            else:
                expr = sa.func.glob(
                    self._bind(_like_to_glob(text), lambda v: _like_to_glob(_like_text(op, v))),
                    column)
        elif insensitive:
            expr = sa.func.lower(column).like(
                sa.func.lower(self._bind(text, lambda v: _like_text(op, v))), escape="\\")
        else:
            expr = column.like(self._bind(text, lambda v: _like_text(op, v)), escape="\\")
        if op.startswith("not"):
            return sa.or_(sa.not_(expr), column.is_(None))
        return expr


def _like_text(op: str, value) -> str:
    """The LIKE pattern of a like/ilike term (value wrapped in %, its % and _ escaped)
    or of a =like/=ilike term (the value as given)."""
    text = "" if value is None or value is False else str(value)
    if op in ("like", "ilike", "not like", "not ilike"):
        text = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return text


def _like_to_glob(pattern: str) -> str:
    """Translate a LIKE pattern (escape '\\') to a case-sensitive SQLite GLOB pattern."""
    out = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            literal = next(chars, "")
            out.append(f"[{literal}]" if literal in "*?[" else literal)
        elif char == "%":
            out.append("*")
        elif char == "_":
            out.append("?")
        elif char in "*?[":
            out.append(f"[{char}]")
        else:
            out.append(char)
    return "".join(out)
