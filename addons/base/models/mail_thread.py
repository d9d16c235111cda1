"""The chatter of a record: `mail.thread`, a mixin (`_abstract`) that a model
inherits with `_inherit = ["mail.thread"]`.

It gives messages (notes, discussions, system events), followers, field tracking
(`tracking=True` on a field) and the `_chatter()` protocol of the web client; see
docs/mail.md. Context keys: `tracking_disable` (no messages nor followers at all),
`mail_create_nolog` (no "created" message), `mail_create_nosubscribe` (the creator
does not follow), `mail_notrack` (no tracking messages).
"""

from __future__ import annotations

from html import escape

import sqlalchemy as sa

from addons.base.models import mail_tracking
from core.exceptions import AccessError, MissingError
from core.orm import SUPERUSER_ID, Model, fields

LINKED_MODELS = (  # (model, field naming the record's model) deleted with the record
    ("mail.message", "model"), ("mail.followers", "res_model"),
    ("mail.activity", "res_model"), ("ir.attachment", "res_model"))


def delete_linked(env, model_names, ids=None) -> None:
    """Delete the messages, followers, activities and attachments of records `ids` of
    `model_names` (all their records when `ids` is None), as superuser. Files stay in
    the filestore until `ir.attachment.gc_filestore()` finds them unreferenced."""
    for linked, model_field in LINKED_MODELS:
        if linked not in env.registry or not model_names:
            continue
        domain = [(model_field, "in", list(model_names))]
        if ids is not None:
            domain.append(("res_id", "in", list(ids)))
        env[linked].sudo().with_context(active_test=False).search(domain).unlink()


def user_ids_of(users) -> list[int]:
    """A list of user ids from ids, a recordset or a single id."""
    if hasattr(users, "_ids"):
        return list(users._ids)
    if isinstance(users, int):
        return [users]
    return [int(user) for user in users or ()]


class MailThread(Model):
    """Mixin: messages, followers and field tracking for a model's records."""

    _name = "mail.thread"
    _description = "Discussion thread"
    _abstract = True
    _mail_post_access = "write"  # the access to the record needed to post on it

    message_ids = fields.One2many("mail.message", "res_id", compute="_compute_message_ids",
                                  string="Messages")
    message_follower_ids = fields.One2many("mail.followers", "res_id",
                                           compute="_compute_message_follower_ids",
                                           string="Followers")
    message_is_follower = fields.Boolean(compute="_compute_message_is_follower",
                                         string="Followed by me")
    message_attachment_count = fields.Integer(compute="_compute_message_attachment_count",
                                              string="Attachments")

    # -- computed fields (one query for the records prefetched together) --------------
    def _linked_rows(self, model_name: str, model_field: str, *columns, where=None,
                     order=()):
        """Rows (res_id, *columns) of `model_name` linked to self, in one query."""
        table = self.env[model_name]._sa_table
        query = sa.select(table.c.res_id, *(table.c[c] for c in columns)).where(
            table.c[model_field] == self._name, table.c.res_id.in_(list(self._ids)))
        if where is not None:
            query = query.where(where(table))
        return self.env.execute(query.order_by(*order)).all() if self._ids else []

    def _group_linked(self, rows) -> dict[int, list]:
        grouped: dict[int, list] = {}
        for res_id, value in rows:
            grouped.setdefault(res_id, []).append(value)
        return grouped

    def _compute_message_ids(self):
        table = self.env["mail.message"]._sa_table
        grouped = self._group_linked(self._linked_rows(
            "mail.message", "model", "id", order=(table.c.date.desc(), table.c.id.desc())))
        for record in self:
            record.message_ids = grouped.get(record.id, [])

    def _compute_message_follower_ids(self):
        grouped = self._group_linked(self._linked_rows("mail.followers", "res_model", "id"))
        for record in self:
            record.message_follower_ids = grouped.get(record.id, [])

    def _compute_message_is_follower(self):
        uid = self.env.uid
        followed = {row[0] for row in self._linked_rows(
            "mail.followers", "res_model", where=lambda t: t.c.user_id == uid)}
        for record in self:
            record.message_is_follower = record.id in followed

    def _search_message_is_follower(self, operator, value):
        table = self.env["mail.followers"]._sa_table
        ids = [row[0] for row in self.env.execute(sa.select(table.c.res_id).where(
            table.c.res_model == self._name, table.c.user_id == self.env.uid))]
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", ids)]

    def _compute_message_attachment_count(self):
        table = self.env["ir.attachment"]._sa_table
        counts = dict(self.env.execute(
            sa.select(table.c.res_id, sa.func.count()).where(
                table.c.res_model == self._name, table.c.res_id.in_(list(self._ids)))
            .group_by(table.c.res_id)).all()) if self._ids else {}
        for record in self:
            record.message_attachment_count = counts.get(record.id, 0)

    # -- access -----------------------------------------------------------------------------
    def _mail_check_access(self, operation: str) -> None:
        """AccessError unless the current user may `operation` these records (access
        lines and record rules); the chatter's operations then run as superuser."""
        policy = self._security()
        if policy is None or not self._ids:
            return
        self._check_access(operation)
        if operation == "read":
            policy.check_read_many(self, list(self._ids))
        else:
            self._check_rules(operation)

    # -- ORM overrides --------------------------------------------------------------------
    def create(self, vals_list):
        """Create records; each gets a "<Model> created" message and its creator (a
        real user, not the superuser) as follower."""
        records = super().create(vals_list)
        context = self.env.context
        if records and not context.get("tracking_disable"):
            if not context.get("mail_create_nosubscribe"):
                records._message_subscribe_sudo([self.env.uid], new=True)
            if not context.get("mail_create_nolog"):
                body = f"<p>{escape(self._description or self._name)} created</p>"
                records._message_create_sudo([
                    {"res_id": rid, "body": body, "message_type": "notification",
                     "subtype": "note"} for rid in records._ids])
        return records

    def write(self, vals):
        """Write; a change of fields declared `tracking=True` posts one message per
        record listing the old and new values."""
        context = self.env.context
        tracked = [] if context.get("tracking_disable") or context.get("mail_notrack") \
            else mail_tracking.tracked_fields(self, vals)
        if not tracked or not self._ids:
            return super().write(vals)
        before = mail_tracking.snapshot(self, tracked)
        result = super().write(vals)
        mail_tracking.post_changes(self, tracked, before)
        return result

    def unlink(self):
        """Delete the records with their messages, followers, activities and
        attachments."""
        ids = list(self._ids)
        result = super().unlink()
        if ids:
            delete_linked(self.env, [self._name], ids)
        return result

    # -- messages ---------------------------------------------------------------------------
    def _message_create_sudo(self, vals_list):
        """Create messages on records of this model (each vals gives `res_id`) as
        superuser, authored by the current user unless vals say otherwise."""
        uid = self.env.uid
        return self.env["mail.message"].sudo().create([
            {"model": self._name, "author_id": uid, **vals} for vals in vals_list])

    def message_post(self, body="", message_type="comment", subtype="note", author_id=None,
                     attachment_ids=None):
        """Post a message on the record and return it (a mail.message). Needs the
        model's `_mail_post_access` (write by default) on the record. `attachment_ids`
        are attachments the current user uploaded (attached to nothing yet) or of
        this record; they are attached to the record and listed in the message. The
        author of a comment follows the record."""
        self.ensure_one()
        self._mail_check_access(self._mail_post_access)
        if not self.sudo().exists():
            raise MissingError(f"{self._name} record {self.id} does not exist: nothing "
                               "was posted.")
        attachments = self._message_attachments(attachment_ids)
        author = author_id.id if hasattr(author_id, "_ids") else author_id
        message = self._message_create_sudo([{
            "res_id": self.id, "body": body or "", "message_type": message_type,
            "subtype": subtype, "author_id": author or self.env.uid,
            "attachment_ids": [(6, 0, attachments.ids)]}])
        if attachments:
            attachments.write({"res_model": self._name, "res_id": self.id})
        if message_type == "comment":
            self._message_subscribe_sudo([message.author_id.id])
        return message.with_env(self.env)

    def _message_attachments(self, attachment_ids):
        """The attachments to post (superuser recordset), checked: uploaded by the
        current user and attached to nothing, or already attached to this record."""
        ids = user_ids_of(attachment_ids)
        attachments = self.env["ir.attachment"].sudo().browse(ids)
        if not ids or self.env.su:
            return attachments
        for attachment in attachments:
            own = not attachment.res_model and attachment.create_uid.id == self.env.uid
            here = attachment.res_model == self._name and attachment.res_id == self.id
            if not (own or here):
                raise AccessError(f"Attachment {attachment.id} ({attachment.name}) cannot "
                                  "be posted here: it is not yours, or it belongs to "
                                  "another record.")
        return attachments

    # -- followers --------------------------------------------------------------------------
    def message_subscribe(self, user_ids) -> bool:
        """Make users follow the records. Following oneself needs read access to the
        records; subscribing others needs write access."""
        ids = user_ids_of(user_ids)
        self._mail_check_access("read" if set(ids) <= {self.env.uid} else "write")
        self._message_subscribe_sudo(ids)
        return True

    def message_unsubscribe(self, user_ids) -> bool:
        """Stop users following the records (same access as `message_subscribe`)."""
        ids = user_ids_of(user_ids)
        self._mail_check_access("read" if set(ids) <= {self.env.uid} else "write")
        if ids and self._ids:
            self.env["mail.followers"].sudo().search([
                ("res_model", "=", self._name), ("res_id", "in", list(self._ids)),
                ("user_id", "in", ids)]).unlink()
        return True

    def _message_subscribe_sudo(self, user_ids, new: bool = False) -> None:
        """Add followers without access checks (the superuser never follows). `new`:
        the records were just created, so they have no follower yet."""
        ids = [uid for uid in dict.fromkeys(user_ids) if uid and uid != SUPERUSER_ID]
        if not ids or not self._ids:
            return
        existing = set() if new else {(row[0], row[1]) for row in self._linked_rows(
            "mail.followers", "res_model", "user_id")}
        self.env["mail.followers"].sudo().create([
            {"res_model": self._name, "res_id": rid, "user_id": uid}
            for rid in dict.fromkeys(self._ids) for uid in ids
            if (rid, uid) not in existing])

    # -- the web client's chatter -------------------------------------------------------------
    def _chatter(self) -> dict:
        """Everything the chatter of one record shows, in a constant number of
        queries (see docs/mail.md for the shape). Needs read access to the record."""
        self.ensure_one()
        self._mail_check_access("read")
        env = self.env
        domain = [("model", "=", self._name), ("res_id", "=", self.id)]
        messages = env["mail.message"].sudo().search(domain)
        rows = messages.read(["date", "author_id", "body", "message_type", "subtype",
                              "attachment_ids"])
        tracking: dict[int, list] = {}
        for line in env["mail.tracking.value"].sudo().search(
                [("message_id", "in", messages.ids)]).read(
                ["message_id", "field_name", "field_label", "old_value", "new_value"]):
            tracking.setdefault(line["message_id"][0], []).append({
                "field": line["field_name"], "label": line["field_label"] or "",
                "old": line["old_value"] or "", "new": line["new_value"] or ""})
        attachment_ids = sorted({i for row in rows for i in row["attachment_ids"]})
        files = {row["id"]: {"id": row["id"], "name": row["name"],
                             "mimetype": row["mimetype"] or "", "size": row["file_size"]}
                 for row in env["ir.attachment"].sudo().browse(attachment_ids).read(
                     ["name", "mimetype", "file_size"])} if attachment_ids else {}
        followers = env["mail.followers"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "=", self.id)]).read(["user_id"])
        return {
            "messages": [{
                "id": row["id"], "date": row["date"],
                "author": {"id": row["author_id"][0], "name": row["author_id"][1]}
                if row["author_id"] else None,
                "body": row["body"] or "", "type": row["message_type"],
                "subtype": row["subtype"], "tracking": tracking.get(row["id"], []),
                "attachments": [files[i] for i in row["attachment_ids"] if i in files],
            } for row in rows],
            "followers": [{"id": row["user_id"][0], "name": row["user_id"][1]}
                          for row in followers],
            "is_follower": any(row["user_id"][0] == env.uid for row in followers),
            "activities": self._chatter_activities(),
            "attachment_count": env["ir.attachment"].sudo().search_count(
                [("res_model", "=", self._name), ("res_id", "=", self.id)]),
        }

    def _chatter_activities(self) -> list[dict]:
        """The activities of the record for the chatter (see mail.activity)."""
        return self.env["mail.activity"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "=", self.id)])._chatter_rows()
