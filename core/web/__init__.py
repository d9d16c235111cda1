"""The web client (HTML pages generated from the views) and the JSON API, as one WSGI
application: `create_app(database)`."""

from core.web.app import WebApp, create_app

__all__ = ["WebApp", "create_app"]
