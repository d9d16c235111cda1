"""Email templates (`mail.template`): a subject, an HTML body and optional recipients
written with Jinja2, rendered for a record (`object`) and the current user (`user`).

Rendering runs in Jinja2's sandbox (`jinja2.sandbox.SandboxedEnvironment`) with
stricter rules for records: a template reads the *fields* of a record (and `id`,
`display_name`) through the current user's access rights, and nothing else: no
method (`write`, `sudo`, `unlink`), no `env`, no private attribute, no field
reserved to a group (password hashes). The body is autoescaped: a customer named
`<script>` shows as text. An undefined name or a refused attribute is an error (never
silently empty), reported as a ValidationError naming the template, the part and the
line. See docs/mail.md, "Templates".
"""

from __future__ import annotations

import traceback

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from core.exceptions import AccessError, TesseraError, ValidationError
from core.orm import Model, api, fields

RECORD_ATTRIBUTES = frozenset({"id", "ids", "display_name"})
HIDDEN_FIELDS = frozenset({"password", "password_hash"})
PARTS = {"subject": "subject", "body_html": "body", "email_to": "recipients"}


def _record_attribute(record, name) -> str | None:
    """Why a template may not read `name` on `record`: "unsafe" (a method, `env`, a
    private or hidden attribute), "missing" (nothing of that name), or None (it may)."""
    if not isinstance(name, str) or name.startswith("_") or name in HIDDEN_FIELDS:
        return "unsafe"
    if name in RECORD_ATTRIBUTES:
        return None
    model_field = record._fields.get(name)
    if model_field is None:
        return "unsafe" if hasattr(record, name) else "missing"
    return "unsafe" if model_field.groups else None


class RecordSandbox(SandboxedEnvironment):
    """Jinja2's sandbox, where a record (any recordset) exposes its fields only."""

    def is_safe_attribute(self, obj, attr, value):
        """Records: fields, id, ids and display_name; others: the sandbox's rules."""
        if isinstance(obj, Model):
            return _record_attribute(obj, attr) is None
        return super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj, attribute):
        """`object.name`: checked before the attribute is even looked up."""
        if isinstance(obj, Model):
            return self._record_value(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        """`object["name"]` as `object.name`; `object.child_ids[0]` stays allowed."""
        if isinstance(obj, Model) and isinstance(argument, str):
            return self._record_value(obj, argument)
        return super().getitem(obj, argument)

    def _record_value(self, record, name):
        refused = _record_attribute(record, name)
        if refused == "missing":
            return self.undefined(f"{record._name} has no field {name!r}", obj=record,
                                  name=name)
        if refused:
            raise SecurityError(f"access to {name!r} of {record._name} records is unsafe: "
                                "a template reads their fields only")
        return getattr(record, name)


SUBJECT_JINJA = RecordSandbox(undefined=StrictUndefined, autoescape=False)
BODY_JINJA = RecordSandbox(undefined=StrictUndefined, autoescape=True)


def _template_line(error: BaseException) -> int | None:
    """The template line an error happened on (Jinja2 puts it in the traceback)."""
    line = getattr(error, "lineno", None)
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == "<template>":
            line = frame.lineno
    return line


class MailTemplate(Model):
    """A reusable email: subject, body and optional recipients for records of `model`."""

    _name = "mail.template"
    _description = "Email template"
    _order = "name, id"

    name = fields.Char(required=True, index=True)
    model = fields.Char("Applies to", required=True, default="res.partner", index=True,
                        help="The model of the records it is written for (`object`).")
    subject = fields.Char(help="Jinja2, e.g. Hello {{ object.name }}")
    body_html = fields.Text(
        "Body (HTML)",
        help="HTML with Jinja2: {{ object.name }}, {% if object.city %}...{% endif %}. "
             "Values are escaped; the result is sanitized when the email is queued.")
    email_to = fields.Char(
        "To", help="Optional, Jinja2: the recipients (default: the record's customer).")
    active = fields.Boolean(default=True)

    @api.constrains("model", "subject", "body_html", "email_to")
    def _check_template(self):
        for template in self:
            if template.model not in self.env.registry:
                raise ValidationError(f"Email template {template.name!r}: there is no model "
                                      f"{template.model!r} (is its addon installed?).",
                                      field="model")
            for name in PARTS:
                template._compile(name)

    def _label(self, name: str, line) -> str:
        where = f"{PARTS[name]}, line {line}" if line else PARTS[name]
        return f"Email template {self.name!r} ({where})"

    def _compile(self, name: str):
        """The compiled Jinja2 template of field `name` (None when it is empty)."""
        source = self[name]
        if not source:
            return None
        jinja = BODY_JINJA if name == "body_html" else SUBJECT_JINJA
        try:
            return jinja.from_string(source)
        except TemplateSyntaxError as error:
            raise ValidationError(f"{self._label(name, error.lineno)}: {error.message}",
                                  field=name) from None

    def render(self, records, names=("subject", "body_html", "email_to")) -> dict:
        """{record id: {part name: text}} for each record of `records` (rendered with the
        records' environment, so with its user's access rights); an empty part renders
        as "". Raises ValidationError (AccessError for a refused read) naming the
        template, the part and the line."""
        self.ensure_one()
        if records._name != self.model:
            raise ValidationError(f"Email template {self.name!r} is for {self.model} "
                                  f"records, not {records._name}.")
        user = records.env["res.users"].browse(records.env.uid)
        result = {rid: {} for rid in records._ids}
        for name in names:
            compiled = self._compile(name)
            for record in records:
                result[record.id][name] = self._render_one(compiled, name, record, user)
        return result

    def _render_one(self, compiled, name, record, user) -> str:
        if compiled is None:
            return ""
        try:
            text = compiled.render(object=record, user=user)
        except AccessError as error:
            raise AccessError(f"{self._label(name, _template_line(error))}: {error}") \
                from None
        except TesseraError as error:
            raise ValidationError(f"{self._label(name, _template_line(error))}: {error}",
                                  field=name) from None
        except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError,
                AttributeError) as error:
            raise ValidationError(
                f"{self._label(name, _template_line(error))} cannot be rendered for "
                f"{record._name} {record.id}: {error}", field=name) from None
        return " ".join(text.split()) if name != "body_html" else text
