"""The chatter below a form: messages (notes, emails, tracking lines, system events),
followers, activities and attachments of a record, and the "My activities" page.

The web client knows the mail backend only through its duck-typed protocol: a record
whose model has a `_chatter` method gets a chatter (see docs/mail.md); the base addon's
models are reached through the environment, never imported.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode, urlsplit

from werkzeug.exceptions import NotFound
from werkzeug.routing import Rule

from core.exceptions import MissingError, UserError, ValidationError
from core.web.attachments_web import file_response
from core.web.widgets import as_id
from core.web.window import may

STATES = ("overdue", "today", "planned")
STATE_LABELS = {"overdue": "Overdue", "today": "Today", "planned": "Planned"}


# -- what the form shows -------------------------------------------------------------------
def has_chatter(record) -> bool:
    """Whether the record's model has a chatter (the mail.thread protocol)."""
    return callable(getattr(record, "_chatter", None))


def form_chatter(page, record) -> dict | None:
    """The chatter of a form's record for chatter.html, or None when its model has
    none. A constant number of queries whatever the number of messages."""
    if record is None or not has_chatter(record):
        return None
    env = page.env
    data = record._chatter()
    zone = env.tz
    for message in data["messages"]:
        message["local_date"] = _local(message["date"], zone)
    attachments = env["ir.attachment"].search_read(
        [("res_model", "=", record._name), ("res_id", "=", record.id)],
        ["name", "mimetype", "file_size"], order="id desc") \
        if may(env["ir.attachment"], "read") else []
    types = env["mail.activity.type"].search_read([], ["name"], order="sequence, id") \
        if may(env["mail.activity.type"], "read") else []
    users = env["res.users"].search_read([], ["name"], order="name, id") \
        if may(env["res.users"], "read") else []
    url = f"/web/{record._name}/{record.id}"
    kept = [(key, value) for key, value in page.request.args.items(multi=True)
            if key not in ("notice", "n")]  # come back to the form without its notice
    return {**data, "url": url, "back": url + (f"?{urlencode(kept)}" if kept else ""),
            "attachments": attachments, "activity_types": types, "users": users,
            "uid": env.uid, "state_labels": STATE_LABELS}


def _local(value, zone) -> str:
    """A UTC 'YYYY-MM-DD HH:MM:SS' string in the user's time zone, to the minute."""
    if not value:
        return ""
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return when.replace(tzinfo=dt.UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")


# -- helpers --------------------------------------------------------------------------------
def thread_record(page, model: str, record_id: int, need_chatter: bool = True):
    """The record of a chatter route (404 for an unknown model or record, or a model
    without chatter when `need_chatter`)."""
    if model not in page.env.registry:
        raise NotFound()
    record = page.env[model].browse(record_id).exists()
    if not record:
        raise MissingError(f"{model} {record_id} does not exist (it may have been deleted).")
    if need_chatter and not has_chatter(record):
        raise NotFound()
    return record


def safe_back(page, default: str) -> str:
    """The `back` field of a posted form when it is a path of the web client, else
    `default` (no open redirect)."""
    target = page.request.form.get("back") or page.request.args.get("back") or ""
    parts = urlsplit(target)
    if target.startswith("/web/") and not parts.scheme and not parts.netloc \
            and "\\" not in target and not target.startswith("//"):
        return target
    return default


def _anchor(url: str, anchor: str) -> str:
    return url.split("#")[0] + f"#{anchor}"


# -- messages and followers --------------------------------------------------------------
def post_note(page, model: str, record_id: int):
    """POST /web/<model>/<id>/chatter/note: post the `body` as an internal note (the ORM
    sanitizes the HTML)."""
    record = thread_record(page, model, record_id)
    body = page.request.form.get("body", "").strip()
    back = safe_back(page, f"/web/{model}/{record_id}")
    if not body:
        return page.redirect(_anchor(back, "chatter"))
    record.message_post(body=body, message_type="comment", subtype="note")
    return page.redirect(_anchor(back, "chatter"))


def follow(page, model: str, record_id: int):
    """POST /web/<model>/<id>/chatter/follow: the current user follows the record."""
    record = thread_record(page, model, record_id)
    record.message_subscribe([page.env.uid])
    return page.redirect(_anchor(safe_back(page, f"/web/{model}/{record_id}"), "followers"))


def unfollow(page, model: str, record_id: int):
    """POST /web/<model>/<id>/chatter/unfollow: the current user stops following."""
    record = thread_record(page, model, record_id)
    record.message_unsubscribe([page.env.uid])
    return page.redirect(_anchor(safe_back(page, f"/web/{model}/{record_id}"), "followers"))


# -- activities ---------------------------------------------------------------------------
def schedule_activity(page, model: str, record_id: int):
    """POST /web/<model>/<id>/activity/schedule: schedule an activity (activity_type_id,
    summary, date_deadline, user_id, note) on any record of a model with activities,
    then go `back` (a /web/ path; the record's form by default)."""
    record = thread_record(page, model, record_id, need_chatter=False)
    if not callable(getattr(record, "activity_schedule", None)):
        raise NotFound()
    form = page.request.form
    back = safe_back(page, f"/web/{model}/{record_id}")
    deadline = form.get("date_deadline") or None
    if deadline:
        try:
            dt.date.fromisoformat(deadline)
        except ValueError:
            raise UserError(f"{deadline!r} is not a date: write it as YYYY-MM-DD.") from None
    record.activity_schedule(
        activity_type=as_id(form.get("activity_type_id")), summary=form.get("summary") or None,
        date_deadline=deadline, user_id=as_id(form.get("user_id")),
        note=form.get("note") or None)
    return page.redirect(_anchor(back, "activities"))


def activity_done(page, activity_id: int):
    """POST /web/activity/<id>/done: mark an activity done with the `feedback` (posted
    on the record's chatter), then go `back`."""
    activity = page.env["mail.activity"].browse(activity_id).exists()
    if not activity:
        raise MissingError("This activity no longer exists (it may be done already).")
    target = activity.sudo().read(["res_model", "res_id"])[0]
    activity.action_done(feedback=page.request.form.get("feedback") or None)
    back = safe_back(page, f"/web/{target['res_model']}/{target['res_id']}")
    return page.redirect(_anchor(back, "activities"))


MY_ACTIVITIES = "base.action_my_activities"


def activity_list(page):
    """/web/mail.activity: the My activities menu's action opens the My activities page;
    any other action of mail.activity gets the usual view page."""
    action = page.env.ref(MY_ACTIVITIES, raise_if_not_found=False)
    if action is None or str(action.id) != page.request.args.get("action", str(action.id)):
        from core.web.views_page import view_page  # the generic page (imported late)

        return view_page(page, "mail.activity")
    return my_activities(page)


def my_activities(page):
    """GET /web/activities?state=overdue|today|planned: the current user's activities,
    most urgent first, each linking to its record."""
    page.action = page.env.ref(MY_ACTIVITIES, raise_if_not_found=False)
    state = page.request.args.get("state")
    state = state if state in STATES else None
    activities = page.env["mail.activity"]
    rows = activities.my_activities(state=state, limit=500)._chatter_rows()
    targets = {row["id"]: row for row in activities.browse([r["id"] for r in rows]).read(
        ["res_model", "res_id", "res_name"])} if rows else {}
    for row in rows:
        target = targets.get(row["id"], {})
        row["url"] = f"/web/{target.get('res_model')}/{target.get('res_id')}"
        row["res_name"] = target.get("res_name") or f"{target.get('res_model')} " \
                                                    f"{target.get('res_id')}"
    return page.render("activities.html", title="My activities", rows=rows, state=state,
                       counts=activities.my_activity_counts(), state_labels=STATE_LABELS,
                       breadcrumbs=[{"label": "My activities", "url": None}])


# -- attachments ----------------------------------------------------------------------------
def upload(page, model: str, record_id: int):
    """POST /web/<model>/<id>/attachments (multipart, field `file`, repeatable): attach
    files to any record (access follows the record). A file over the size limit is a
    400 page naming the limit, and nothing is saved."""
    try:
        return _attach(page, model, record_id)
    finally:
        for _name, upload_file in page.request.files.items(multi=True):
            upload_file.close()


def _attach(page, model: str, record_id: int):
    record = thread_record(page, model, record_id, need_chatter=False)
    back = safe_back(page, f"/web/{model}/{record_id}")
    files = [f for f in page.request.files.getlist("file") if f and f.filename]
    if not files:
        raise UserError("Choose a file to attach first.")
    attachments = page.env["ir.attachment"]
    try:
        with page.env.atomic():  # one create: every size is checked before any write
            attachments.create([{
                "name": upload_file.filename, "raw": upload_file.read(),
                "mimetype": upload_file.mimetype or False,
                "res_model": record._name, "res_id": record.id} for upload_file in files])
    except ValidationError as error:
        return page.error(400, "The file was not attached", str(error))
    return page.redirect(_anchor(back, "attachments"))


def _attachment(page, attachment_id: int):
    attachment = page.env["ir.attachment"].browse(attachment_id).exists()
    if not attachment:
        raise MissingError("This attachment does not exist (it may have been deleted).")
    return attachment


def download(page, attachment_id: int):
    """GET /web/attachment/<id>: the file, always as a download (never rendered by the
    browser), for users who may read the record it is attached to."""
    attachment = _attachment(page, attachment_id)
    values = attachment.read(["name", "mimetype"])[0]
    return file_response(attachment.raw or b"", values["name"], values["mimetype"])


def delete_attachment(page, attachment_id: int):
    """POST /web/attachment/<id>/delete: delete it (write access to the record)."""
    attachment = _attachment(page, attachment_id)
    values = attachment.read(["res_model", "res_id"])[0]
    attachment.unlink()
    default = f"/web/{values['res_model']}/{values['res_id']}" if values["res_model"] \
        else "/web"
    return page.redirect(_anchor(safe_back(page, default), "attachments"))


ROUTES = [
    Rule("/web/activities", endpoint=my_activities),
    Rule("/web/mail.activity", endpoint=activity_list),
    Rule("/web/activity/<id:activity_id>/done", endpoint=activity_done, methods=["POST"]),
    Rule("/web/attachment/<id:attachment_id>", endpoint=download),
    Rule("/web/attachment/<id:attachment_id>/delete", endpoint=delete_attachment,
         methods=["POST"]),
    Rule("/web/<model>/<id:record_id>/chatter/note", endpoint=post_note, methods=["POST"]),
    Rule("/web/<model>/<id:record_id>/chatter/follow", endpoint=follow, methods=["POST"]),
    Rule("/web/<model>/<id:record_id>/chatter/unfollow", endpoint=unfollow,
         methods=["POST"]),
    Rule("/web/<model>/<id:record_id>/activity/schedule", endpoint=schedule_activity,
         methods=["POST"]),
    Rule("/web/<model>/<id:record_id>/attachments", endpoint=upload, methods=["POST"]),
]
