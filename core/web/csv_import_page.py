"""/web/<model>/import: create records from an uploaded CSV file (core.views.csv_import),
with the report of every invalid row.

The Import button shows on a list when the user may create records of its model and
the list arch does not say `import="0"` (or `create="0"`); the page refuses the same
cases. All or nothing, unless "Skip invalid rows" is ticked: then the valid rows are
imported and the invalid ones listed.
"""

from __future__ import annotations

from core.exceptions import AccessError
from core.views.csv_import import import_csv, importable_fields
from core.web.listing import parse_list_arch
from core.web.window import may, resolve

MAX_BYTES = 10_000_000  # an uploaded file bigger than this is refused before reading it


def can_import(window) -> bool:
    """Whether the window's list offers the Import button to the current user."""
    arch = parse_list_arch(window.model, window.arch("list"))
    return arch.importable and arch.create and may(window.model, "create")


def import_page(page, model: str):
    """GET: the upload form and the columns the file may have. POST (multipart,
    `file`, `skip_invalid`, CSRF token): import, then the list with a notice, or the
    report (status 400 when nothing was imported)."""
    try:
        return _import(page, model)
    finally:
        for _name, upload_file in page.request.files.items(multi=True):
            upload_file.close()


def _import(page, model: str):
    window = resolve(page, model)
    if not can_import(window):
        raise AccessError(f"You may not import {window.model._description or model} "
                          f"({model}) records: creating them is not allowed here.")
    values = {"report": None, "error": None}
    status = 200
    if page.request.method == "POST":
        upload = page.request.files.get("file")
        skip = page.request.form.get("skip_invalid") in ("1", "on")
        values["skip_invalid"] = skip
        data = upload.stream.read(MAX_BYTES + 1) if upload and upload.filename else b""
        if not upload or not upload.filename:
            values["error"] = "Choose a CSV file to import."
        elif len(data) > MAX_BYTES:
            values["error"] = (f"{upload.filename} is bigger than {MAX_BYTES // 1_000_000} MB: "
                               "split it into smaller files.")
        else:
            with page.env.atomic():
                report = import_csv(window.model, data, skip_invalid=skip)
            if report.ok:
                return page.redirect(window.list_url, notice="imported",
                                     n=len(report.created_ids))
            values["report"] = report
            values["filename"] = upload.filename
            if not report.created_ids:
                status = 400  # nothing imported: the request's transaction rolls back
        if values["error"]:
            status = 400
    title = f"Import {window.title}"
    return page.render(
        "import.html", status=status, title=title, window=window,
        fields=importable_fields(window.model), **values,
        breadcrumbs=[{"label": window.title, "url": window.list_url},
                     {"label": "Import", "url": None}])
