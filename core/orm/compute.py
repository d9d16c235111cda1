"""Computed fields: non-stored ones computed on read, stored ones recomputed when
a dependency changes (also through relations: `parent_id.name`, `line_ids.amount`)."""

from __future__ import annotations

import sqlalchemy as sa

from core.exceptions import TesseraError

MAX_RECOMPUTE_ROUNDS = 1000


class ComputeMixin:
    """Methods of Model that evaluate computed fields."""

    def _run_compute(self, field) -> None:
        """Run the compute method (or related path) of `field` on self, with assignments
        to `field` going to the cache."""
        computing = self.env.transaction.computing
        marked = computing.setdefault(field, set())
        added = set(self._ids) - marked
        marked.update(added)
        try:
            if field.related:
                self._compute_related(field)
            else:
                getattr(self, field.compute)()
        finally:
            marked.difference_update(added)
            if not marked:
                computing.pop(field, None)
        if not field.store:
            self.env.transaction.computed_cached.add(field)
        values = self.env.cache.setdefault(field, {})
        empty = self._to_cache(field, field.empty())  # the cache holds column values
        for rid in self._ids:
            values.setdefault(rid, empty)

    def _compute_related(self, field) -> None:
        *path, last = field.related.split(".")
        values = self.env.cache.setdefault(field, {})
        for record in self.sudo():
            target = record
            for name in path:
                target = target[name]
                if len(target) != 1:
                    target = None
                    break
            if target is None:
                values[record._ids[0]] = record._to_cache(field, field.empty())
            else:
                values[record._ids[0]] = target._get_raw(target._fields[last])

    def _compute_nonstored(self, field, ids) -> None:
        records = self._browse(self.env, tuple(ids), self._prefetch)
        records._run_compute(field)

    # -- stored fields ---------------------------------------------------------
    def _affected_by(self, names) -> dict:
        """{stored computed field: ids} to recompute when fields `names` (None: all) of
        self change. Called before a relational change and after every change."""
        registry = self.env.registry
        if not self._ids or (names is not None and self._trigger_fields.isdisjoint(names)):
            return {}
        triggers = registry.triggers_of(self._name, names)
        result: dict = {}
        for target, prefix in triggers:
            if prefix is None:
                ids = set(self._ids)
            else:
                model = self.env[target.model_name].sudo().with_context(active_test=False)
                ids = set(model.search([(prefix, "in", list(self._ids))])._ids)
            if ids:
                result.setdefault(target, set()).update(ids)
        return result

    def _after_change(self, written: set, created: bool = False, before=None) -> None:
        """Recompute what depends on the fields just written, then forget non-stored
        computed values (they may depend on anything)."""
        transaction = self.env.transaction
        transaction.forget_computed()
        if transaction.security is not None:
            transaction.security.on_change(self._name)
        # one2many values listing these records through a many2one just written are stale
        stale = self.env.registry.one2many_of(self._name, written)
        if stale:
            transaction.invalidate(stale)
        affected = self._affected_by(written)
        if created:
            for field in self._stored_computed:
                affected.setdefault(field, set()).update(self._ids)
        for field, ids in (before or {}).items():
            affected.setdefault(field, set()).update(ids)
        if affected:
            self._recompute_records(affected)

    def _recompute_records(self, affected: dict) -> None:
        """Recompute stored computed fields ({field: ids}) and whatever depends on them."""
        env = self.env
        queue = dict(affected)
        rounds = 0
        while queue:
            rounds += 1
            if rounds > MAX_RECOMPUTE_ROUNDS:
                raise TesseraError("Computed fields depend on each other in a cycle: "
                                   f"{', '.join(map(str, queue))}")
            field, ids = queue.popitem()
            model = env[field.model_name].sudo().with_context(active_test=False)
            records = model.browse(sorted(ids)).exists()
            if not records:
                continue
            env.transaction.invalidate([field], records._ids)
            records._run_compute(field)
            self._store_computed(records, field)
            env.transaction.forget_computed()
            for target, more in records._affected_by({field.name}).items():
                if target is field and more <= set(records._ids):
                    continue
                queue.setdefault(target, set()).update(more)

    @staticmethod
    def _store_computed(records, field) -> None:
        values = records.env.cache[field]
        by_value: dict = {}
        for rid in records._ids:
            by_value.setdefault(values[rid], []).append(rid)
        table = records._sa_table
        column = table.c[field.name]
        for value, ids in by_value.items():
            records.env.execute(sa.update(table).where(table.c.id.in_(ids)).values(
                {column: value}))
