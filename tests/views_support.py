"""Helpers shared by the views and hooks tests (tests/test_views_*.py, tests/test_hooks.py):
the test addons of tests/addons_views, databases with some of them installed, and
XML comparison that ignores indentation."""

from __future__ import annotations

import contextlib
from pathlib import Path

from lxml import etree

from core import Database
from tests.conftest import database_url

VIEWS_ADDONS = Path(__file__).resolve().parent / "addons_views"


class _Rollback(Exception):
    pass


def installed_database(request, tmp_path_factory, addons: list[str], extra_paths=()):
    """For a module-scoped fixture parametrized on the engines: a new database with
    `addons` (from tests/addons_views) installed and committed; `extra_paths` are more
    addons folders (for addons a test writes)."""
    with database_url(request.param, tmp_path_factory.mktemp("views"), request) as url:
        database = Database(url, addons_paths=[VIEWS_ADDONS, *extra_paths])
        with database.env() as env:
            env.addons.install(addons)
        yield database
        database.dispose()


@contextlib.contextmanager
def rolled_back(database):
    """A superuser environment whose transaction (installs included) is rolled back."""
    with contextlib.suppress(_Rollback), database.env() as env:
        yield env
        raise _Rollback


def canon(xml: str) -> str:
    """`xml` in canonical form (C14N 2.0, attributes sorted, indentation removed), so
    two architectures compare equal when they hold the same nodes."""
    return etree.canonicalize(xml, strip_text=True)


def view_count(env) -> int:
    return env["ir.ui.view"].search_count([])
