"""Helpers shared by the web client tests (tests/test_web_*.py): a database with base and
the test addon web_shop (tests/addons_web) and a small shop, committed once per test
module and engine, and a `Browser` driving the WSGI application with Werkzeug's test
client (cookies, CSRF token, forms posted back as a browser would).

The shop (see `populate`):

- users: manager (Settings, so every order), sally and sam (Employee: the record rule
  shows them their own orders and unassigned ones); sally works in Asia/Ho_Chi_Minh;
- currencies eur (€) and usd ($), categories retail and wholesale, tags red and blue;
- customers agrolait (retail, Hanoi), deco (wholesale, Paris), gemini (retail, Paris),
  and the archived oldshop;
- orders: sally (sally's quotation with two lines), sam (sam's, confirmed), open
  (unassigned quotation, urgent), done (unassigned, done, one line);
- one ws.secret, which only the superuser may read.

Tests that change data create their own records (or delete what they add): the
database is shared by every test of a module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import lxml.html
from werkzeug.datastructures import MultiDict
from werkzeug.test import Client, TestResponse

from core import Database
from core.web import create_app
from tests.conftest import database_url

WEB_ADDONS = Path(__file__).resolve().parent / "addons_web"
PASSWORDS = {"manager": "manager-secret-1", "sally": "sally-secret-1", "sam": "sam-secret-12"}
XSS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
SQL = "'; DROP TABLE ws_order; --"


@dataclass
class Shop:
    """The committed database, its application and the ids of what `populate` made."""

    database: Database
    app: object
    users: dict[str, int] = field(default_factory=dict)
    currencies: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    secret: int = 0
    _browsers: dict = field(default_factory=dict, repr=False)

    def browser(self, login: str | None = None, ip: str = "127.0.0.1") -> Browser:
        """A new browser (from address `ip`), logged in as `login` when given."""
        browser = Browser(self.app, ip)
        if login:
            browser.login(login)
        return browser

    def as_user(self, login: str) -> Browser:
        """The module's logged-in browser of `login` (one login per module: argon2 is
        slow on purpose)."""
        if login not in self._browsers:
            self._browsers[login] = self.browser(login)
        return self._browsers[login]

    def ref(self, xmlid: str) -> int:
        """The id of a record of the database by its external id."""
        with self.database.env() as env:
            return env.ref(xmlid).id


def populate(env) -> dict:
    """Create the users and the shop; their ids by key."""
    employee, system = env.ref("base.group_user").id, env.ref("base.group_system").id
    users = {}
    for login, name, groups, tz in [("manager", "Mia Manager", [system], "UTC"),
                                    ("sally", "Sally Seller", [employee], "Asia/Ho_Chi_Minh"),
                                    ("sam", "Sam Seller", [employee], "UTC")]:
        users[login] = env["res.users"].create({
            "name": name, "login": login, "password": PASSWORDS[login], "tz": tz,
            "groups_id": [(6, 0, groups)]}).id
    currencies = {key: env["ws.currency"].create({"name": name, "symbol": symbol}).id
                  for key, name, symbol in [("eur", "Euro", "€"), ("usd", "US Dollar", "$")]}
    categories = {key: env["ws.category"].create({"name": name}).id
                  for key, name in [("retail", "Retail"), ("wholesale", "Wholesale")]}
    tags = {key: env["ws.tag"].create({"name": name}).id
            for key, name in [("red", "Red"), ("blue", "Blue")]}
    customers = {}
    for key, name, category, city, email in [
            ("agrolait", "Agrolait", "retail", "Hanoi", "info@agrolait.example"),
            ("deco", "Deco Addict", "wholesale", "Paris", "deco@example.com"),
            ("gemini", "Gemini Furniture", "retail", "Paris", False),
            ("oldshop", "Old Shop", "retail", "Lyon", False)]:
        customers[key] = env["ws.customer"].create({
            "name": name, "category_id": categories[category], "city": city,
            "email": email}).id
    env["ws.customer"].browse(customers["oldshop"]).write({"active": False})
    order_values = {
        "sally": {"name": "SO-SALLY", "customer_id": customers["agrolait"],
                  "user_id": users["sally"], "currency_id": currencies["eur"],
                  "date_order": "2026-01-15", "deadline": "2026-01-20 10:30:00",
                  "priority": 3, "discount": 5.0, "tag_ids": [(6, 0, [tags["red"]])],
                  "note": "Deliver in the morning", "description": "<p>Oak <b>chairs</b></p>"},
        "sam": {"name": "SO-SAM", "customer_id": customers["deco"], "user_id": users["sam"],
                "currency_id": currencies["usd"], "date_order": "2026-02-10",
                "state": "confirmed", "priority": 5, "tag_ids": [(6, 0, [tags["blue"]])]},
        "open": {"name": "SO-OPEN", "customer_id": customers["gemini"],
                 "currency_id": currencies["eur"], "date_order": "2026-02-20",
                 "priority": 1, "is_urgent": True},
        "done": {"name": "SO-DONE", "customer_id": customers["agrolait"],
                 "currency_id": currencies["eur"], "date_order": "2026-03-05",
                 "state": "done", "priority": 2},
    }
    orders = {key: env["ws.order"].create(values).id for key, values in order_values.items()}
    lines = {}
    for key, order, product, quantity, price in [
            ("chair", "sally", "Chair", 4, 25.0), ("table", "sally", "Table", 1, 300.0),
            ("lamp", "done", "Lamp", 2, 40.0)]:
        lines[key] = env["ws.order.line"].create({
            "order_id": orders[order], "product": product, "quantity": quantity,
            "price": price}).id
    secret = env["ws.secret"].create({"name": "The recipe"}).id
    return {"users": users, "currencies": currencies, "categories": categories,
            "tags": tags, "customers": customers, "orders": orders, "lines": lines,
            "secret": secret}


def shop_world(request, tmp_path_factory):
    """For a module-scoped fixture parametrized on the engines: a new database with base
    and web_shop installed and the shop created and committed."""
    with database_url(request.param, tmp_path_factory.mktemp("web"), request) as url:
        database = Database(url, addons_paths=[WEB_ADDONS])
        with database.env() as env:
            env.addons.install(["base", "web_shop"])
            ids = populate(env)
        yield Shop(database, create_app(database), **ids)
        database.dispose()


# -- the browser ---------------------------------------------------------------------------
class Browser:
    """A browser on the web client: keeps cookies, knows the session's CSRF token and
    posts it with every form unless told not to."""

    def __init__(self, app, ip: str = "127.0.0.1"):
        self.client = Client(app)
        self.environ = {"REMOTE_ADDR": ip}
        self.csrf_token = ""

    def get(self, path: str, **kwargs) -> TestResponse:
        """GET `path` (remembers the page's CSRF token)."""
        response = self.client.get(path, environ_base=self.environ, **kwargs)
        self._remember_token(response)
        return response

    def post(self, path: str, data=None, csrf: bool = True, **kwargs) -> TestResponse:
        """POST `data` (a dict or a list of pairs) with the CSRF token unless `csrf` is
        False."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf and not any(name == "csrf_token" for name, _ in pairs):
            pairs.append(("csrf_token", self.csrf_token))
        response = self.client.post(path, data=MultiDict(pairs), environ_base=self.environ,
                                    **kwargs)
        self._remember_token(response)
        return response

    def page(self, path: str, status: int = 200) -> str:
        """The HTML of `path`, after checking the status."""
        response = self.get(path)
        assert response.status_code == status, (response.status_code, response.location,
                                                main_text(response))
        return response.get_data(as_text=True)

    def login(self, login: str, password: str | None = None) -> TestResponse:
        """Log in through the login form (its hidden CSRF token), then read the
        session's token from a page's meta tag."""
        form = lxml.html.fromstring(self.page("/web/login"))
        token = form.xpath("//input[@name='csrf_token']/@value")[0]
        response = self.post("/web/login", {
            "login": login, "password": PASSWORDS.get(login, "") if password is None
            else password, "csrf_token": token})
        if response.status_code == 303:
            self.page("/web/preferences")
        return response

    def form(self, path: str, form_id: str = "record-form") -> list[tuple[str, str]]:
        """The values a browser would submit with the form `form_id` of page `path`."""
        document = lxml.html.fromstring(self.page(path))
        return list(document.get_element_by_id(form_id).form_values())

    def submit(self, path: str, changes: dict | None = None, form_id: str = "record-form",
               action: str | None = None, drop: tuple = ()) -> TestResponse:
        """Load the form of `path`, change some values (a list value repeats the name),
        drop names, and post it to `action` (else the form's own URL)."""
        document = lxml.html.fromstring(self.page(path))
        form = document.get_element_by_id(form_id)
        changes = dict(changes or {})
        pairs = [(k, v) for k, v in form.form_values() if k not in changes and k not in drop]
        for name, value in changes.items():
            values = value if isinstance(value, list) else [value]
            pairs += [(name, v) for v in values if v is not None]
        return self.post(action or form.get("action"), pairs)

    def _remember_token(self, response: TestResponse) -> None:
        if not response.content_type.startswith("text/html"):
            return
        found = re.search(rb'<meta name="csrf-token" content="([^"]*)">', response.data)
        if found and found.group(1):
            self.csrf_token = found.group(1).decode()


# -- reading pages ------------------------------------------------------------------------
def doc(response_or_html) -> lxml.html.HtmlElement:
    """The parsed HTML of a response (or of a string)."""
    text = response_or_html if isinstance(response_or_html, str) else \
        response_or_html.get_data(as_text=True)
    return lxml.html.fromstring(text)


def main_text(response) -> str:
    """The text of a page's main part (for assertion messages)."""
    found = doc(response).xpath("//main") if response.data else []
    return " ".join(found[0].text_content().split())[:1000] if found else \
        response.get_data(as_text=True)[:1000]


def texts(document, xpath: str) -> list[str]:
    """The stripped text of every element matching `xpath`."""
    return [" ".join(element.text_content().split()) for element in document.xpath(xpath)]


def list_names(html: str) -> list[str]:
    """The first cell (the record's name) of every row of a list page."""
    return texts(doc(html), "//tr[contains(@class, 'record')]/td[2]")


def field_error(html: str, name: str) -> str:
    """The error shown next to field `name` of a form ('' when none)."""
    found = texts(doc(html), f"//p[@id='error-{name}']")
    return found[0] if found else ""


def input_value(html: str, name: str) -> str | None:
    """The value of the input (or the text of the textarea) named `name`."""
    document = doc(html)
    found = document.xpath(f"//input[@name='{name}']/@value")
    if found:
        return found[0]
    areas = document.xpath(f"//textarea[@name='{name}']")
    return areas[0].text or "" if areas else None


def notice(response) -> str:
    """The notice a redirect carries to its target (`notice=` in the URL)."""
    return parse_qs(urlsplit(response.location).query).get("notice", [""])[0]


def cleanup(shop: Shop) -> None:
    """Delete what a test added to the shop: orders, customers, tags and currencies
    (lines go with their orders)."""
    with shop.database.env() as env:
        for model, kept in [("ws.order", shop.orders), ("ws.customer", shop.customers),
                            ("ws.tag", shop.tags), ("ws.currency", shop.currencies)]:
            env[model].with_context(active_test=False).search(
                [("id", "not in", list(kept.values()))]).unlink()


def add_orders(shop: Shop, count: int, **values) -> list[int]:
    """Create `count` orders (named NEW-1...) for gemini unless told otherwise."""
    with shop.database.env() as env:
        orders = env["ws.order"].create([
            {"name": f"NEW-{number}", "customer_id": shop.customers["gemini"], **values}
            for number in range(1, count + 1)])
        return orders.ids


def order_with_lines(shop: Shop) -> int:
    """A new quotation of sally's with two lines (Desk 2 x 50, Lamp 1 x 20)."""
    [order_id] = add_orders(shop, 1, user_id=shop.users["sally"], line_ids=[
        (0, 0, {"product": "Desk", "quantity": 2, "price": 50}),
        (0, 0, {"product": "Lamp", "quantity": 1, "price": 20})])
    return order_id


def lines_of(shop: Shop, order_id: int) -> list[tuple]:
    """(product, quantity, price, tag name) of an order's lines, in order."""
    with shop.database.env() as env:
        return [(line.product, line.quantity, line.price, line.tag_id.name or None)
                for line in env["ws.order"].browse(order_id).line_ids]
