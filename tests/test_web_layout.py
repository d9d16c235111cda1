"""The frame of every page: the apps and menus a user may open (filtered by groups and
by read access), the current menu, breadcrumbs, the user menu, the start page, menu and
action links, and the routes addons add with the `web_routes` hook.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import pytest

from tests.web_support import Shop, doc, texts


def apps(html: str) -> list[str]:
    """The apps of the top bar."""
    return texts(doc(html), "//nav[@class='apps']/a")


def side_menu(html: str) -> list[str]:
    """The entries of the side menu (sections and their items)."""
    return texts(doc(html), "//nav[contains(@class, 'side')]//span[@class='section-title'] | "
                            "//nav[contains(@class, 'side')]//a")


def breadcrumbs(html: str) -> list[str]:
    """The labels of the breadcrumbs."""
    return texts(doc(html), "//nav[@class='breadcrumbs']/*[not(@class='sep')]")


def test_manager_sees_the_configuration_menu(shop: Shop):
    """A Settings user gets the Configuration section (group_system) and the Settings app."""
    html = shop.as_user("manager").page("/web/ws.order")
    assert apps(html) == ["Contacts", "Shop", "Sales", "Activities", "Settings"]
    assert side_menu(html) == ["Sales", "Orders", "Quotations", "Customers", "Tickets", "Meetings",
                               "Configuration", "Tags"]


def test_employee_menus_hide_other_groups_and_unreadable_models(shop: Shop):
    """An employee sees neither Configuration (group_system) nor Secrets (no read access
    on ws.secret), nor the Settings app."""
    html = shop.as_user("sally").page("/web/ws.order")
    assert apps(html) == ["Contacts", "Shop", "Sales", "Activities"]
    assert side_menu(html) == ["Sales", "Orders", "Quotations", "Customers", "Tickets", "Meetings"]
    assert "Secrets" not in html and "Configuration" not in html


def test_current_menu_entry_is_marked(shop: Shop):
    """The entry of the action being shown is the current one."""
    action = shop.ref("web_shop.action_quotations")
    html = shop.as_user("sally").page(f"/web/ws.order?action={action}")
    assert texts(doc(html), "//nav[contains(@class, 'side')]//a[@aria-current='page']") == \
        ["Quotations"]
    assert texts(doc(html), "//nav[@class='apps']/a[@aria-current='page']") == ["Shop"]


def test_user_menu_shows_name_language_and_logout(shop: Shop):
    """The top bar names the user and the language, with a logout form carrying the
    CSRF token."""
    browser = shop.as_user("sally")
    document = doc(browser.page("/web/ws.customer"))
    assert texts(document, "//details[@class='usermenu']/summary") == ["Sally Seller en_US"]
    logout = document.xpath("//details[@class='usermenu']//form[@action='/web/logout']")[0]
    assert logout.get("method") == "post"
    assert logout.xpath(".//input[@name='csrf_token']/@value") == [browser.csrf_token]


def test_start_page_opens_the_first_app(shop: Shop):
    """/ leads to /web, which opens the first action the user may see."""
    browser = shop.as_user("sally")
    assert browser.get("/").location == "/web"
    response = browser.get("/web")
    assert response.status_code == 302
    assert response.location == f"/web/action/{shop.ref('base.action_partners')}"
    response = browser.get(response.location)
    assert response.location == f"/web/res.partner?action={shop.ref('base.action_partners')}"


def test_app_without_action_opens_its_first_entry(shop: Shop):
    """/web/menu/<app> opens the app's first action."""
    response = shop.as_user("manager").get(f"/web/menu/{shop.ref('web_shop.menu_shop')}")
    assert response.status_code == 302
    assert response.location == f"/web/action/{shop.ref('web_shop.action_orders')}"


def test_hidden_app_is_not_found(shop: Shop):
    """An employee cannot open the Settings app by its URL."""
    html = shop.as_user("sally").page(f"/web/menu/{shop.ref('base.menu_settings')}", 404)
    assert "Menu not found" in html


def test_unknown_action_is_not_found(shop: Shop):
    """A deleted action's URL is a 404 page with the menus."""
    html = shop.as_user("sally").page("/web/action/999999", 404)
    assert apps(html) == ["Contacts", "Shop", "Sales", "Activities"]


def test_list_breadcrumb_is_the_action(shop: Shop):
    """A list page's breadcrumb is the action's name."""
    action = shop.ref("web_shop.action_quotations")
    html = shop.as_user("sally").page(f"/web/ws.order?action={action}")
    assert breadcrumbs(html) == ["Quotations"]


def test_form_breadcrumbs_lead_back_to_the_list(shop: Shop):
    """A form's breadcrumbs: the action's list (a link keeping the action), the record."""
    action = shop.ref("web_shop.action_quotations")
    html = shop.as_user("sally").page(f"/web/ws.order/{shop.orders['sally']}?action={action}")
    assert breadcrumbs(html) == ["Quotations", "SO-SALLY"]
    assert doc(html).xpath("//nav[@class='breadcrumbs']/a/@href") == \
        [f"/web/ws.order?action={action}"]
    html = shop.as_user("sally").page(f"/web/ws.order/new?action={action}")
    assert breadcrumbs(html) == ["Quotations", "New"]


def test_model_without_action_uses_its_first_action(shop: Shop):
    """/web/<model> without `action` shows the model's first action (title, menus)."""
    html = shop.as_user("sally").page("/web/ws.customer")
    assert texts(doc(html), "//h1") == ["Customers"]
    assert texts(doc(html), "//nav[contains(@class, 'side')]//a[@aria-current='page']") == \
        ["Customers"]


def test_action_of_another_model_is_ignored(shop: Shop):
    """An `action` of another model does not apply (its domain, title, views)."""
    action = shop.ref("web_shop.action_quotations")
    html = shop.as_user("manager").page(f"/web/ws.customer?action={action}")
    assert texts(doc(html), "//h1") == ["Customers"]


@pytest.mark.parametrize("action", ["abc", "99999999999999999999", "\N{SUPERSCRIPT TWO}",
                                    "-1", "0"])
def test_action_parameter_that_is_no_action_is_ignored(shop: Shop, action):
    """An `action` that is no action id falls back to the model's first action."""
    html = shop.as_user("sally").page(f"/web/ws.order?action={action}")
    assert texts(doc(html), "//h1") == ["Orders"]


@pytest.mark.parametrize("path", ["/web/action/99999999999999999999", "/web/action/0",
                                  "/web/menu/99999999999999999999", "/web/menu/abc",
                                  "/web/action/\N{SUPERSCRIPT TWO}"])
def test_action_and_menu_urls_that_are_no_ids_are_404(shop: Shop, path):
    """Menu and action ids out of range are 404 pages."""
    shop.as_user("sally").page(path, 404)


def test_unknown_page_is_a_404_with_the_layout(shop: Shop):
    """An unknown URL of a logged-in user is a 404 page inside the frame."""
    html = shop.as_user("sally").page("/web/ws.order/12/nothing", 404)
    assert "Page not found" in html and apps(html) == ["Contacts", "Shop", "Sales", "Activities"]


def test_addon_routes_are_served(shop: Shop):
    """A route of the web_routes hook answers to logged-in users only."""
    response = shop.as_user("sally").get("/ws/ping")
    assert response.status_code == 200 and response.get_data(as_text=True).startswith("pong")
    assert shop.browser().get("/ws/ping").status_code == 302


def test_addon_route_gets_the_security_headers(shop: Shop):
    """Responses of addon routes carry the same security headers."""
    response = shop.as_user("sally").get("/ws/ping")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
