"""Access that follows a linked document: `document.access.mixin`.

Messages, followers, activities and attachments belong to a record of another model
(`res_model`/`res_id`, or `model`/`res_id` for messages). Their own access lines only
say that employees may use them at all; which rows a user may see or change is decided
by the linked record, as the current user (access lines and record rules):

- read (search, search_count, read_group, read, attribute access) needs read access
  to the record; searches leave the other rows out, in SQL (one subquery per model);
- create, write and unlink need write access to the record (`_document_operation`
  maps each operation to the access needed on the record; models may adjust it);
- rows linked to no record are for their creator only.

Checks are made in batch (one query per linked model, never per row) and bypassed by
the superuser and `sudo()`. What a user may read is remembered in the transaction's
security policy until the next change of data, as the ORM does for record rules.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.exceptions import AccessError, ValidationError
from core.orm import Model

_VERBS = {"read": "read", "write": "modify", "create": "create", "unlink": "delete"}


def _as_id(value) -> int:
    """A record id from a value given for an Integer field (0 when it is none)."""
    if isinstance(value, bool) or value is None:
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class DocumentAccessMixin(Model):
    """Rows linked to a document (a record of any model) whose access follows it."""

    _name = "document.access.mixin"
    _description = "Access follows the linked record"
    _abstract = True
    _document_model_field = "res_model"  # the Char field naming the record's model
    _document_id_field = "res_id"  # the Integer field holding the record's id

    # -- what the rows are linked to --------------------------------------------------
    def _document_operation(self, operation: str, model: str) -> str:
        """The access needed on a record of `model` to `operation` rows linked to it."""
        return "read" if operation == "read" else "write"

    def _document_refs(self) -> dict[int, tuple]:
        """{row id: (model or False, record id, creator id)} of the existing rows of
        self (one query per 1000 rows, bypassing access checks)."""
        table = self._sa_table
        columns = (table.c.id, table.c[self._document_model_field],
                   table.c[self._document_id_field], table.c.create_uid)
        ids = list(dict.fromkeys(self._ids))
        refs = {}
        for start in range(0, len(ids), 1000):
            query = sa.select(*columns).where(table.c.id.in_(ids[start:start + 1000]))
            for rid, model, res_id, creator in self.env.execute(query):
                refs[rid] = (model or False, res_id or 0, creator)
        return refs

    def _document_refs_from_vals(self, vals_list) -> list[tuple]:
        """(model, record id) of the rows `vals_list` would create or link to."""
        model_field, id_field = self._document_model_field, self._document_id_field
        context = self.env.context
        return [(vals.get(model_field, context.get(f"default_{model_field}")) or False,
                 _as_id(vals.get(id_field, context.get(f"default_{id_field}"))))
                for vals in vals_list]

    # -- checks -------------------------------------------------------------------------
    def _document_query(self, model: str, operation: str):
        """A SELECT of the ids of `model` the current user may `operation`, or None when
        no access line allows it (or the model is not installed)."""
        policy = self.env.transaction.security
        if model not in self.env.registry or self.env.registry[model]._abstract:
            return None
        if not policy.model_allowed(self.env.uid, model, operation):
            return None
        target = self.env[model].sudo().with_context(active_test=False)
        query = sa.select(target._sa_table.c.id)
        domain = policy.rule_domain(self.env, model, operation)
        if domain:
            query = query.where(target._where(domain))
        return query

    def _documents_allowed(self, pairs, operation: str) -> set[tuple]:
        """The (model, record id) pairs of `pairs` the current user may `operation`:
        existing records allowed by the access lines and rules (one query per model)."""
        by_model: dict[str, set[int]] = {}
        for model, res_id in pairs:
            if model:
                by_model.setdefault(model, set()).add(res_id)
        allowed = set()
        for model, ids in by_model.items():
            query = self._document_query(model, self._document_operation(operation, model))
            if query is None:
                continue
            table = self.env[model]._sa_table
            rows = self.env.execute(query.where(table.c.id.in_(sorted(ids))))
            allowed.update((model, row[0]) for row in rows)
        return allowed

    def _document_denied(self, refs: dict[int, tuple], operation: str) -> list[int]:
        """The row ids of `refs` the current user may not `operation`."""
        allowed = self._documents_allowed([(m, r) for m, r, _u in refs.values()], operation)
        uid = self.env.uid
        return [rid for rid, (model, res_id, creator) in refs.items()
                if ((model, res_id) not in allowed if model else creator != uid)]

    def _document_raise(self, operation: str, denied, refs) -> None:
        linked = sorted({refs[rid][0] for rid in denied if refs.get(rid, (False,))[0]})
        reasons = []
        if linked:
            needed = sorted({self._document_operation(operation, m) for m in linked})
            reasons.append(f"they belong to {', '.join(linked)} records on which you lack "
                           f"{' or '.join(needed)} access")
        if any(not refs.get(rid, (False,))[0] for rid in denied):
            reasons.append("some are attached to no record and belong to another user")
        raise AccessError(
            f"You are not allowed to {_VERBS[operation]} some {self._description} "
            f"({self._name}) records (ids {sorted(denied)[:5]}): {'; '.join(reasons)}.")

    def _document_check(self, operation: str) -> None:
        """AccessError unless the current user may `operation` every row of self."""
        if self._security() is None or not self._ids:
            return
        if operation == "read":
            self._document_check_read(self._ids, self._ids)
            return
        refs = self._document_refs()
        denied = self._document_denied(refs, operation)
        if denied:
            self._document_raise(operation, denied, refs)

    def _document_check_vals(self, vals_list, operation: str) -> None:
        """AccessError unless the current user may link rows to the records named in
        `vals_list`; ValidationError when a record does not exist."""
        if self._security() is None:
            return
        pairs = self._document_refs_from_vals(vals_list)
        wanted = [(m, r) for m, r in pairs if m]
        allowed = self._documents_allowed(wanted, operation)
        refused = [pair for pair in wanted if pair not in allowed]
        if not refused:
            return
        model, res_id = refused[0]
        if model not in self.env.registry or not self.env[model].sudo().browse(res_id).exists():
            raise ValidationError(f"{self._description} ({self._name}): there is no {model} "
                                  f"record {res_id} to link to.")
        raise AccessError(
            f"You are not allowed to {_VERBS[operation]} {self._description} ({self._name}) "
            f"records on {model} record {res_id}: you lack "
            f"{self._document_operation(operation, model)} access to it.")

    # -- remembered read checks -------------------------------------------------------------
    def _document_known(self) -> tuple[set, set]:
        """(ids known readable, ids known hidden) for the current user, kept by the
        transaction's security policy and forgotten with its own knowledge, after any
        change of data (see AccessPolicy.on_change)."""
        known = self.env.transaction.security._readable  # cleared on every change
        uid = self.env.uid
        return (known.setdefault((uid, self._name, "document: readable"), set()),
                known.setdefault((uid, self._name, "document: hidden"), set()))

    def _document_check_read(self, ids, batch) -> None:
        """AccessError when one of `ids` is hidden; rows of `batch` (the prefetch set)
        not known yet are checked together, in one query per linked model."""
        readable, hidden = self._document_known()
        if all(rid in readable for rid in ids):
            return
        wanted = set(ids)
        unknown = [rid for rid in wanted if rid not in readable and rid not in hidden]
        unknown += [rid for rid in batch if rid not in wanted and rid not in readable
                    and rid not in hidden][:1000]
        if unknown:
            refs = self.browse(unknown)._document_refs()
            denied = set(self._document_denied(refs, "read"))
            hidden.update(denied)
            readable.update(rid for rid in refs if rid not in denied)
        denied_asked = [rid for rid in dict.fromkeys(ids) if rid in hidden]
        if denied_asked:
            self._document_raise("read", denied_asked,
                                 self.browse(denied_asked)._document_refs())

    def _document_filter(self, models=None) -> sa.ColumnElement:
        """The rows whose record the current user may read, as a WHERE expression: one
        subquery per model, for `models` (the models a search is limited to) or else
        every model present in the table."""
        table = self._sa_table
        model_column = table.c[self._document_model_field]
        id_column = table.c[self._document_id_field]
        if models is None:
            models = [row[0] for row in self.env.execute(
                sa.select(model_column).distinct().where(model_column.is_not(None)))]
        parts = [sa.and_(model_column.is_(None), table.c.create_uid == self.env.uid)]
        for model in sorted(models):
            query = self._document_query(model, self._document_operation("read", model))
            if query is not None:
                parts.append(sa.and_(model_column == model, id_column.in_(query)))
        return sa.or_(*parts)

    def _document_models_in(self, domain) -> set[str] | None:
        """The models a domain limits the rows to, when it is a plain conjunction with
        a `(model field, "=" or "in", names)` term (as a chatter's search is); None
        when it may match rows of any model."""
        if not isinstance(domain, (list, tuple)) or any(
                item in ("|", "!") for item in domain):
            return None
        for item in domain:
            if isinstance(item, (list, tuple)) and len(item) == 3 and \
                    item[0] == self._document_model_field:
                if item[1] == "=" and isinstance(item[2], str):
                    return {item[2]}
                if item[1] == "in" and isinstance(item[2], (list, tuple)) and \
                        all(isinstance(v, str) for v in item[2]):
                    return set(item[2])
        return None

    # -- ORM overrides --------------------------------------------------------------------
    def _where(self, domain, compiler=None):
        expr = super()._where(domain, compiler)
        if self._security() is None:
            return expr
        return sa.and_(expr, self._document_filter(self._document_models_in(domain)))

    def _search_query(self, domain, offset=0, limit=None, order=None, count=False):
        if self._security() is None:
            return super()._search_query(domain, offset, limit, order, count)
        # the filter depends on the user and the data: never a cached statement
        return self._build_search(domain, offset, limit, order, count, None), None

    def _get_raw(self, field):
        if self._security() is not None:
            source = self._prefetch() if callable(self._prefetch) else self._prefetch
            self._document_check_read(self._ids, source)
        return super()._get_raw(field)

    def read(self, fields=None):
        """Values as `Model.read`, after checking access to the linked records."""
        self._document_check("read")
        return super().read(fields)

    def create(self, vals_list):
        """Create rows after checking access to the records they link to."""
        if self._security() is not None:
            many = [vals_list] if isinstance(vals_list, dict) else list(vals_list)
            self._check_access("create")
            self._document_check_vals([v for v in many if isinstance(v, dict)], "create")
        return super().create(vals_list)

    def write(self, vals):
        """Write after checking access to the linked records (old and new ones)."""
        if self._security() is not None and self._ids:
            self._check_access("write")
            self._document_check("write")
            if self._document_model_field in vals or self._document_id_field in vals:
                refs = self._document_refs()
                moved = [{self._document_model_field: vals.get(self._document_model_field,
                                                               model),
                          self._document_id_field: vals.get(self._document_id_field, res_id)}
                         for model, res_id, _uid in refs.values()]
                self._document_check_vals(moved, "write")
        return super().write(vals)

    def unlink(self):
        """Delete after checking access to the linked records."""
        if self._security() is not None and self._ids:
            self._check_access("unlink")
            self._document_check("unlink")
        return super().unlink()
