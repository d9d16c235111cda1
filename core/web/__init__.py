"""The web client. For now one page listing the installed addons; the generated
views (list, form, search, kanban, ...) come with the web client issues."""

from __future__ import annotations

from jinja2 import Environment as Jinja
from jinja2 import select_autoescape
from werkzeug.wrappers import Request, Response

_PAGE = Jinja(autoescape=select_autoescape(default=True)).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tessera</title></head>
<body><h1>Tessera</h1>
<p>The database is ready. Installed addons:</p>
<ul>{% for name in addons %}<li>{{ name }}</li>{% else %}<li>none yet</li>{% endfor %}</ul>
</body></html>""")


def create_app(database):
    """The WSGI application serving `database`."""

    @Request.application
    def application(request: Request) -> Response:
        if request.path != "/":
            return Response("Not found", status=404)
        with database.env() as env:
            addons = env.addons.installed()
        return Response(_PAGE.render(addons=addons), content_type="text/html; charset=utf-8",
                        headers={"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"})

    return application
