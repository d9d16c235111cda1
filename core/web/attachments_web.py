"""Serving an attachment's file safely: always as a download, with a Content-Disposition
that no file name can break, and a sandbox policy in case a browser renders it anyway."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from werkzeug.wrappers import Response

# what a downloaded file may do if a browser opens it in place anyway: nothing
DOWNLOAD_CSP = "default-src 'none'; sandbox"
_UNSAFE_ASCII = re.compile(r'[^A-Za-z0-9 !#$%&\'()*+,.\-;=@\[\]^_`{}~]')


def content_disposition(name: str) -> str:
    """`attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`
    (RFC 6266): quotes, backslashes, control characters and line breaks cannot escape
    the header."""
    name = (name or "file").replace("/", "_").replace("\\", "_")
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = _UNSAFE_ASCII.sub("_", ascii_name).strip() or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(raw: bytes, name: str, mimetype: str | None) -> Response:
    """The response of a download: the file's own Content-Type, `attachment`
    disposition, nosniff and a sandboxing Content-Security-Policy."""
    mimetype = (mimetype or "").strip()
    if not re.fullmatch(r"[\w.+-]+/[\w.+-]+", mimetype):
        mimetype = "application/octet-stream"
    response = Response(raw, status=200, mimetype=mimetype)
    if mimetype.startswith("text/"):
        response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response
