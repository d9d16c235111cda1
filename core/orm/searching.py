"""Searching: domains to SQL (with cached statements for simple shapes), search,
search_count, exists. Part of Model (see core.orm.models)."""

from __future__ import annotations

import sqlalchemy as sa

from core.orm.domain_ops import leaf_values, search_shape
from core.orm.domains import DomainCompiler, parse
from core.orm.sql import ids_param, raw_rows


class SearchMixin:
    """Finding records."""

    # -- search --------------------------------------------------------------
    def _active_filter_needed(self, tree) -> bool:
        if "active" not in self._fields or not self.env.context.get("active_test", True):
            return False
        return not _mentions(tree, "active")

    def _where(self, domain, compiler=None) -> sa.ColumnElement:
        tree = parse(domain, self)
        policy = self._security()
        if policy is not None:  # no searching on fields restricted to other groups
            policy.check_domain(self, tree)
        expr = (compiler or DomainCompiler(self)).compile(tree)
        if self._active_filter_needed(tree):
            expr = sa.and_(self._sa_table.c.active == sa.true(), expr)
        rule = policy.read_domain(self) if policy is not None else None
        if rule is not None:
            sudo = self.sudo()  # rule domains are compiled as superuser
            expr = sa.and_(expr, DomainCompiler(sudo).compile(parse(rule, sudo)))
        return expr

    def _order_by(self, order: str | None) -> list:
        policy = self._security()
        if policy is not None and order:  # sorting by a restricted field reveals its values
            names = [part.split()[0] for part in order.split(",") if part.split()]
            policy.check_fields(self, [self._fields[n] for n in names if n in self._fields],
                                "read")
        return self.env.registry.order_by(self._name, order or self._order, self.env.dialect)

    def _search_query(self, domain, offset=0, limit=None, order=None, count=False):
        """(statement, parameters) of a search (or count). Domains of a simple shape reuse
        a statement cached with bind parameters: building and compiling the SQL again
        would cost more than running it."""
        shape = search_shape(domain, self) if domain else ()
        if shape is None:
            return self._build_search(domain, offset, limit, order, count, None), None
        policy = self._security()
        if policy is not None:  # the domain is checked (restricted fields) on every call
            policy.check_domain(self, parse(domain, self))
        rule = policy.read_domain(self) if policy is not None else None
        active = self._active_filter_needed(("leaf", "active", "=", True) if any(
            leaf[0] == "active" for leaf in shape if isinstance(leaf, tuple)) else None)
        key = ("search", self._name, shape, order or self._order, offset or 0, limit or 0,
               count, active, repr(rule), self.env.dialect)
        registry = self.env.registry
        cached = registry.search_cache.get(key)
        if cached is None:
            compiler = DomainCompiler(self, parametric=True)
            statement = self._build_search(domain, offset, limit, order, count, compiler)
            cached = (statement, compiler.params)
            if len(registry.search_cache) >= 2000:
                registry.search_cache.clear()
            registry.search_cache[key] = cached
        statement, params = cached
        values = leaf_values(domain or [])
        return statement, {name: transform(values[index]) for name, index, transform in params}

    def _build_search(self, domain, offset, limit, order, count, compiler):
        where = self._where(domain, compiler)
        if count and limit:
            matching = sa.select(self._sa_table.c.id).where(where).limit(limit).subquery()
            return sa.select(sa.func.count()).select_from(matching)
        if count:
            return sa.select(sa.func.count()).select_from(self._sa_table).where(where)
        query = sa.select(self._sa_table.c.id).where(where).order_by(*self._order_by(order))
        if offset:
            query = query.offset(offset)
        if limit:
            query = query.limit(limit)
        return query

    def search(self, domain=None, offset: int = 0, limit: int | None = None,
               order: str | None = None):
        """Records matching `domain`, sorted by `order` (default: the model's `_order`).
        Archived records are left out unless the domain names `active` or the context
        has `active_test=False`."""
        self._check_access("read")
        statement, params = self._search_query(domain, offset, limit, order)
        ids = tuple(row[0] for row in raw_rows(self.env.execute(statement, params)))
        return self._browse(self.env, ids, ids)

    def search_count(self, domain=None, limit: int | None = None) -> int:
        """How many records match `domain`; with `limit`, stop counting there (the
        database reads at most `limit` rows: a pager's "10,000+" costs what a page does)."""
        self._check_access("read")
        statement, params = self._search_query(domain, limit=limit, count=True)
        return self.env.execute(statement, params).scalar_one()

    def search_read(self, domain=None, fields=None, offset=0, limit=None, order=None):
        """search() then read(): a list of dicts."""
        return self.search(domain, offset, limit, order).read(fields)

    def filtered_domain(self, domain):
        """The records of self that match `domain` (evaluated by the database)."""
        if not self._ids:
            return self
        matching = set(self.search(["&", ("id", "in", list(self._ids)), *(domain or [])]).ids) \
            if domain else set(self._ids)
        return self.browse([i for i in self._ids if i in matching])

    def exists(self):
        """The records of self that still exist in the database."""
        if not self._ids:
            return self
        dialect = self.env.dialect
        statement = self.env.registry.select_by_ids(self._name, (), dialect)
        rows = raw_rows(self.env.execute(
            statement, {"ids": ids_param(dict.fromkeys(self._ids), dialect)}))
        found = {row[0] for row in rows}
        return self._browse(self.env, tuple(i for i in self._ids if i in found), self._prefetch)


def _mentions(tree, name: str) -> bool:
    if tree is None:
        return False
    kind = tree[0]
    if kind == "leaf":
        return tree[1] == name
    if kind in ("&", "|"):
        return _mentions(tree[1], name) or _mentions(tree[2], name)
    if kind == "!":
        return _mentions(tree[1], name)
    return False
