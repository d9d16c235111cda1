"""End-to-end tests of the web client in a real browser (Debian's Chromium driven by
Playwright through the pytest-playwright plugin's `page` fixture).

Each pytest session (each xdist worker) starts its own live server: a Werkzeug server in
a thread serving `create_app` on a new SQLite database with base, the test addon
web_shop (tests/addons_web) and crm installed and a small shop created (see `populate`).

Pages are logged in as sally (an Employee) through a storage state saved once per
session; tests about logging in use `@pytest.mark.browser_context_args(storage_state=None)`.
Tests that change data make their own records with `shop.order(...)`, under a unique
name, so that they do not depend on one another. Every test module sets
`pytestmark = pytest.mark.e2e` (`-m "not e2e"` leaves them out).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from core import Database
from core.web import create_app

WEB_ADDONS = Path(__file__).resolve().parents[1] / "addons_web"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOGIN, PASSWORD = "sally", "sally-e2e-secret-1"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright: launch Debian's chromium instead of a downloaded one."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh "
                    "(or set CHROMIUM to a Chromium binary)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@dataclass
class Shop:
    """The live server and its database: ids of what `populate` made, and helpers to
    make more records directly through the ORM."""

    database: Database
    url: str
    actions: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)
    currencies: dict[str, int] = field(default_factory=dict)

    def list_url(self, action: str, **query) -> str:
        """The list page of a window action ("orders", "quotations", "customers")."""
        from urllib.parse import urlencode

        model = "ws.customer" if action == "customers" else "ws.order"
        return f"/web/{model}?" + urlencode({"action": self.actions[action], **query},
                                            doseq=True)

    def order(self, name: str | None = None, customer: str = "agrolait",
              lines: tuple = (), **values) -> tuple[int, str]:
        """Create an order (committed), return (id, name). `lines`: (product, qty,
        price) triples."""
        name = name or unique("SO")
        with self.database.env() as env:
            order = env["ws.order"].create({
                "name": name, "customer_id": self.customers[customer],
                "currency_id": self.currencies["eur"],
                "line_ids": [(0, 0, {"product": p, "quantity": q, "price": price})
                             for p, q, price in lines], **values})
            return order.id, name

    def read(self, model: str, record_id: int, names: list[str]) -> dict:
        """Field values of a record, read by the superuser (what the database holds)."""
        with self.database.env() as env:
            record = env[model].with_context(active_test=False).browse(record_id)
            if not record.exists():
                return {}
            return record.read(names)[0]

    def order_url(self, order_id: int) -> str:
        """The form of an order, opened from the Orders menu."""
        return f"/web/ws.order/{order_id}?action={self.actions['orders']}"

    @staticmethod
    def unique(prefix: str) -> str:
        """A name no other test uses."""
        return unique(prefix)


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:6].upper()}"


def populate(env) -> dict:
    """sally (Employee, CRM salesperson), currencies, tags, customers and three orders."""
    env["res.users"].create({"name": "Sally Seller", "login": LOGIN, "password": PASSWORD,
                             "groups_id": [(6, 0, [env.ref("base.group_user").id,
                                                   env.ref("crm.group_crm_user").id])]})
    currencies = {key: env["ws.currency"].create({"name": name, "symbol": symbol}).id
                  for key, name, symbol in [("eur", "Euro", "€"), ("usd", "US Dollar", "$")]}
    tags = {key: env["ws.tag"].create({"name": name}).id
            for key, name in [("red", "Red"), ("blue", "Blue")]}
    retail = env["ws.category"].create({"name": "Retail"}).id
    customers = {key: env["ws.customer"].create({
        "name": name, "city": city, "email": email, "category_id": retail}).id
        for key, name, city, email in [
            ("agrolait", "Agrolait", "Hanoi", "info@agrolait.example"),
            ("deco", "Deco Addict", "Paris", "deco@example.com"),
            ("gemini", "Gemini Furniture", "Paris", False)]}
    for name, customer, state in [("SO-AGRO-1", "agrolait", "draft"),
                                  ("SO-DECO-1", "deco", "confirmed"),
                                  ("SO-GEM-1", "gemini", "draft")]:
        env["ws.order"].create({
            "name": name, "customer_id": customers[customer], "state": state,
            "currency_id": currencies["eur"], "priority": 1,
            "line_ids": [(0, 0, {"product": "Chair", "quantity": 2, "price": 30.0})]})
    actions = {key: env.ref(f"web_shop.action_{key}").id
               for key in ("orders", "quotations", "customers")}
    return {"actions": actions, "customers": customers, "tags": tags,
            "currencies": currencies}


def _build(path: Path) -> dict:
    """A database at `path` with base and web_shop installed and the shop populated."""
    database = Database(f"sqlite:///{path}", addons_paths=[WEB_ADDONS])
    try:
        with database.env() as env:
            env.addons.install(["base", "web_shop", "crm"])
            return populate(env)
    finally:
        database.dispose()


def _database_file(tmp_path_factory) -> tuple[Path, dict]:
    """This session's database file and the ids of its records. Under xdist the first
    worker builds it once and every worker copies it (installing is the slow part)."""
    path = tmp_path_factory.mktemp("e2e") / "shop.sqlite3"
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return path, _build(path)
    shared = tmp_path_factory.getbasetemp().parent  # this run's, common to its workers
    name = f"e2e-shop-{os.environ.get('PYTEST_XDIST_TESTRUNUID', 'run')}"
    template, ids_file = shared / f"{name}.sqlite3", shared / f"{name}.json"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait for the first one
        if not ids_file.exists():
            ids_file.write_text(json.dumps(_build(template)))
    with sqlite3.connect(template) as source, sqlite3.connect(path) as target:
        source.backup(target)
    source.close()
    target.close()
    return path, json.loads(ids_file.read_text())


@pytest.fixture(scope="session")
def shop(tmp_path_factory):
    """A live server on a database of its own (one per session: one per xdist worker)."""
    path, ids = _database_file(tmp_path_factory)
    database = Database(f"sqlite:///{path}", addons_paths=[WEB_ADDONS])
    server = make_server("127.0.0.1", 0, create_app(database), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield Shop(database, f"http://127.0.0.1:{server.server_port}", **ids)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        database.dispose()


@pytest.fixture(scope="session")
def base_url(shop):
    """pytest-playwright: `page.goto("/web")` goes to the live server."""
    return shop.url


def _log_in(page: Page, login: str = LOGIN, password: str = PASSWORD) -> None:
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture(scope="session")
def log_in():
    """`log_in(page, login="sally", password=...)`: fill in and post the login form of
    the current page (sally's password by default)."""
    return _log_in


@pytest.fixture(scope="session")
def sally_state(browser, base_url):
    """The cookies of a session of sally, logged in once through the login page."""
    context = browser.new_context(base_url=base_url)
    try:
        page = context.new_page()
        page.goto("/web/login")
        _log_in(page)
        expect(page.get_by_role("navigation", name="Apps")).to_be_visible()
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, sally_state, request):
    """pytest-playwright: pages start logged in as sally, with a desktop viewport."""
    _clean_artifacts_folder_when_the_session_ends(request)
    return {**browser_context_args, "storage_state": sally_state,
            "viewport": {"width": 1280, "height": 800}, "accept_downloads": True}


_ARTIFACTS_FOLDER = pytest.StashKey[object]()


def _clean_artifacts_folder_when_the_session_ends(request) -> None:
    """pytest-playwright removes its temporary artifacts folder when pytest unconfigures,
    which an xdist worker does not reach before it exits (a ResourceWarning at exit):
    remove it when the session finishes instead (every artifact is moved out by then)."""
    with contextlib.suppress(pytest.FixtureLookupError):
        request.config.stash[_ARTIFACTS_FOLDER] = request.getfixturevalue(
            "_pw_artifacts_folder")


def pytest_sessionfinish(session):
    folder = session.config.stash.get(_ARTIFACTS_FOLDER, None)
    if folder is not None:
        folder.cleanup()


@pytest.fixture
def page(page: Page) -> Page:
    """The plugin's page, with shorter timeouts: a stuck page fails fast."""
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"
