"""The list view: columns from the arch, cells of each type, the record rule, sorting by a
header, pagination with the total, column sums, rows opening the form, and the grouped
display (one and two levels, counts, sums, opening a group).

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import pytest

from core.web import listing
from tests.web_support import Shop, add_orders, doc, list_names, texts

pytestmark = pytest.mark.usefixtures("clean_shop")  # what a test adds is deleted after it


@pytest.fixture
def small_pages(shop: Shop):
    """An action on orders showing 2 records a page."""
    with shop.database.env() as env:
        action = env["ir.actions.window"].create({"name": "Few orders",
                                                  "res_model": "ws.order", "limit": 2})
        action_id = action.id
    yield action_id
    with shop.database.env() as env:
        env["ir.actions.window"].browse(action_id).unlink()


def headers(html: str) -> list[str]:
    """The column titles of a list."""
    return texts(doc(html), "//table[@class='list']/thead//th[not(@class='select')]")


def row_cells(html: str, name: str) -> list[str]:
    """The cells of the row whose first cell is `name`."""
    row = doc(html).xpath(f"//tr[contains(@class, 'record')][td[2]//a[text()='{name}']]")[0]
    return [" ".join(td.text_content().split()) for td in row.xpath("td")[1:]]


def group_rows(html: str) -> list[str]:
    """The group rows: "+ label (count)" when closed, "- label (count)" when open."""
    return [("- " if link.get("aria-expanded") == "true" else "+ ") +
            " ".join(link.text_content().split())
            for link in doc(html).xpath("//tr[contains(@class, 'group-row')]"
                                        "//a[@class='group-toggle']")]


def sums(html: str) -> list[str]:
    """The totals of the footer."""
    return texts(doc(html), "//tfoot//span[@class='sum']")


def test_columns_come_from_the_arch(shop: Shop):
    """The list shows the arch's columns, without column_invisible ones."""
    html = shop.as_user("manager").page("/web/ws.order")
    assert headers(html) == ["Reference", "Customer", "Order date", "Status", "Tags",
                             "Urgent", "Priority", "Total"]


def test_cells_show_each_type(shop: Shop):
    """many2one name, date, selection label, tags, boolean, integer, monetary symbol."""
    html = shop.as_user("manager").page("/web/ws.order")
    assert row_cells(html, "SO-SALLY") == ["SO-SALLY", "Agrolait", "2026-01-15", "Quotation",
                                           "Red", "", "3", "400.00 €"]
    row = doc(html).xpath("//tr[contains(@class, 'record')][td[2]//a[text()='SO-OPEN']]")[0]
    assert row.xpath("td[@class='boolean']/input/@checked") == ["checked"]
    assert row_cells(html, "SO-SAM")[-1] == "0.00 $"


def test_record_rule_filters_the_rows(shop: Shop):
    """An employee sees own and unassigned orders; a manager sees them all."""
    assert sorted(list_names(shop.as_user("sally").page("/web/ws.order"))) == \
        ["SO-DONE", "SO-OPEN", "SO-SALLY"]
    assert sorted(list_names(shop.as_user("manager").page("/web/ws.order"))) == \
        ["SO-DONE", "SO-OPEN", "SO-SALLY", "SO-SAM"]


def test_rows_open_the_form_of_the_action(shop: Shop):
    """Each row links to the record's form, keeping the action."""
    action = shop.ref("web_shop.action_orders")
    html = shop.as_user("manager").page(f"/web/ws.order?action={action}")
    row = doc(html).xpath("//tr[contains(@class, 'record')][td[2]//a[text()='SO-SAM']]")[0]
    url = f"/web/ws.order/{shop.orders['sam']}?action={action}"
    assert row.get("data-href") == url and row.xpath("td[2]/a/@href") == [url]
    assert shop.as_user("manager").get(url).status_code == 200


def test_default_order_of_the_arch(shop: Shop):
    """Without a sort asked for, the arch's default_order (id desc) applies."""
    assert list_names(shop.as_user("manager").page("/web/ws.order")) == \
        ["SO-DONE", "SO-OPEN", "SO-SAM", "SO-SALLY"]


def test_sort_by_a_header_and_back(shop: Shop):
    """A header sorts ascending, then its link sorts descending; the header shows it."""
    browser = shop.as_user("manager")
    html = browser.page("/web/ws.order")
    link = doc(html).xpath("//thead//th/a[starts-with(text(), 'Reference')]/@href")[0]
    html = browser.page(link)
    assert list_names(html) == ["SO-DONE", "SO-OPEN", "SO-SALLY", "SO-SAM"]
    header = doc(html).xpath("//thead//th[@aria-sort]")[0]
    assert header.get("aria-sort") == "ascending"
    html = browser.page(header.xpath("a/@href")[0])
    assert list_names(html) == ["SO-SAM", "SO-SALLY", "SO-OPEN", "SO-DONE"]
    assert doc(html).xpath("//thead//th[@aria-sort]/@aria-sort") == ["descending"]


def test_sort_by_a_many2one_column(shop: Shop):
    """Sorting by the customer column orders by the customers' order (their name)."""
    html = shop.as_user("manager").page("/web/ws.order?o=customer_id")
    assert [row[1] for row in map(lambda n: row_cells(html, n), list_names(html))] == \
        ["Agrolait", "Agrolait", "Deco Addict", "Gemini Furniture"]


def test_tag_column_cannot_sort(shop: Shop):
    """A many2many column has no sort link."""
    html = shop.as_user("manager").page("/web/ws.order")
    assert "Tags" in texts(doc(html), "//thead//th[not(a)]")


@pytest.mark.parametrize("order", ["password_hash", "note", "name; DROP TABLE ws_order",
                                   "tag_ids", "create_uid", "nothing desc"])
def test_unusable_sort_is_ignored(shop: Shop, order):
    """A sort on a field that is no sortable column falls back to the default order."""
    html = shop.as_user("manager").page(f"/web/ws.order?o={order}")
    assert list_names(html) == ["SO-DONE", "SO-OPEN", "SO-SAM", "SO-SALLY"]


def test_pagination_shows_the_total(shop: Shop, small_pages):
    """Pages of the action's limit, the range and the total, next and previous links."""
    browser = shop.as_user("manager")
    html = browser.page(f"/web/ws.order?action={small_pages}")
    assert list_names(html) == ["SO-DONE", "SO-OPEN"]
    assert texts(doc(html), "//span[@class='pager-value']") == ["1-2 / 4"]
    assert not doc(html).xpath("//a[@rel='prev']")
    html = browser.page(doc(html).xpath("//a[@rel='next']/@href")[0])
    assert list_names(html) == ["SO-SAM", "SO-SALLY"]
    assert texts(doc(html), "//span[@class='pager-value']") == ["3-4 / 4"]
    assert not doc(html).xpath("//a[@rel='next']")
    assert doc(html).xpath("//a[@rel='prev']/@href")


def test_total_counts_beyond_the_page(shop: Shop, small_pages):
    """The total is right when the last page is exactly full and when it is not."""
    browser = shop.as_user("manager")
    add_orders(shop, 1)
    html = browser.page(f"/web/ws.order?action={small_pages}&p=3")
    assert texts(doc(html), "//span[@class='pager-value']") == ["5-5 / 5"]
    add_orders(shop, 1)
    html = browser.page(f"/web/ws.order?action={small_pages}&p=3")
    assert texts(doc(html), "//span[@class='pager-value']") == ["5-6 / 6"]


def test_total_is_capped_past_the_count_limit(shop: Shop, small_pages, monkeypatch):
    """Past COUNT_LIMIT rows beyond the page the pager says "N+" (the database stops
    counting there); its link counts them all."""
    monkeypatch.setattr(listing, "COUNT_LIMIT", 1)
    browser = shop.as_user("manager")
    html = browser.page(f"/web/ws.order?action={small_pages}")
    assert texts(doc(html), "//span[@class='pager-value']") == ["1-2 / 3+"]
    assert doc(html).xpath("//a[@rel='next']")
    exact = doc(html).xpath("//a[@data-total]/@href")[0]
    assert "count=exact" in exact
    html = browser.page(exact)
    assert texts(doc(html), "//span[@class='pager-value']") == ["1-2 / 4"]
    html = browser.page(f"/web/ws.order?action={small_pages}&p=2")
    assert texts(doc(html), "//span[@class='pager-value']") == ["3-4 / 4"]


def test_search_count_with_a_limit_stops_there(shop: Shop):
    """search_count(limit=n) counts at most n rows."""
    with shop.database.env() as env:
        orders = env["ws.order"]
        assert orders.search_count([]) == 4
        assert orders.search_count([], limit=2) == 2
        assert orders.search_count([("name", "like", "SO-")], limit=10) == 4


def test_group_by_tags_counts_each_tag(shop: Shop):
    """Grouping by a many2many: a group per tag and one for orders without; an order
    with two tags is in both."""
    browser = shop.as_user("manager")
    html = browser.page("/web/ws.order?g=tag_ids")
    labels = texts(doc(html), "//tr[contains(@class, 'group-row')]//a")
    assert sorted(" ".join(label.split()) for label in labels) == [
        "Blue (1)", "None (2)", "Red (1)"]
    red = next(a for a in doc(html).xpath("//tr[contains(@class, 'group-row')]//a")
           if "Red" in a.text_content())
    assert list_names(browser.page(red.get("href"))) == ["SO-SALLY"]


@pytest.mark.parametrize("number", ["abc", "-5", "0", "99999999999999999999999", "1e9"])
def test_bad_page_number_is_harmless(shop: Shop, small_pages, number):
    """A page number that is no page shows a page, never an error."""
    html = shop.as_user("manager").page(f"/web/ws.order?action={small_pages}&p={number}")
    assert texts(doc(html), "//span[@data-total]") == ["4"]


def test_page_after_the_last_shows_the_total(shop: Shop, small_pages):
    """A page past the end shows no rows but the right total and a way back."""
    html = shop.as_user("manager").page(f"/web/ws.order?action={small_pages}&p=9")
    assert list_names(html) == []
    assert texts(doc(html), "//span[@data-total]") == ["4"]
    assert doc(html).xpath("//a[@rel='prev']")


def test_sums_of_the_arch(shop: Shop):
    """The columns with `sum=` show their total over the searched records."""
    browser = shop.as_user("manager")
    assert sums(browser.page("/web/ws.order")) == ["11", "480.00"]
    assert sums(browser.page("/web/ws.order?f=urgent")) == ["1", "0.00"]
    assert doc(browser.page("/web/ws.order")).xpath("//tfoot//span/@title") == \
        ["Total priority", "Total amount"]


def test_sums_follow_the_record_rule(shop: Shop):
    """An employee's totals count only the orders the employee may see."""
    assert sums(shop.as_user("sally").page("/web/ws.order")) == ["6", "480.00"]


def test_group_by_one_level_with_counts_and_sums(shop: Shop):
    """g=customer_id: one row per customer with its count and sums, no records."""
    html = shop.as_user("manager").page("/web/ws.order?g=customer_id")
    assert group_rows(html) == ["+ Agrolait (2)", "+ Deco Addict (1)",
                                "+ Gemini Furniture (1)"]
    assert list_names(html) == []
    first = doc(html).xpath("//tr[contains(@class, 'group-row')]")[0]
    assert texts(first, "td[@class='num']") == ["5", "480.00"]
    assert not doc(html).xpath("//nav[@class='pager']")


def test_open_a_group_shows_its_records(shop: Shop):
    """A group's link opens it (its records under it); the open group's link closes it."""
    browser = shop.as_user("manager")
    html = browser.page("/web/ws.order?g=customer_id")
    link = doc(html).xpath("//a[@class='group-toggle'][contains(., 'Agrolait')]/@href")[0]
    html = browser.page(link)
    assert group_rows(html)[0] == "- Agrolait (2)"
    assert sorted(list_names(html)) == ["SO-DONE", "SO-SALLY"]
    link = doc(html).xpath("//a[@class='group-toggle'][contains(., 'Agrolait')]/@href")[0]
    assert list_names(browser.page(link)) == []


def test_group_by_two_levels(shop: Shop):
    """g=customer_id&g=state: an open customer shows its states, an open state its
    records."""
    browser = shop.as_user("manager")
    agrolait = shop.customers["agrolait"]
    html = browser.page(f"/web/ws.order?g=customer_id&g=state&open=/{agrolait}")
    assert group_rows(html) == ["- Agrolait (2)", "+ Done (1)", "+ Quotation (1)",
                                "+ Deco Addict (1)", "+ Gemini Furniture (1)"]
    link = doc(html).xpath("//a[@class='group-toggle'][contains(., 'Quotation')]/@href")[0]
    html = browser.page(link)
    assert list_names(html) == ["SO-SALLY"]
    assert group_rows(html)[1:3] == ["+ Done (1)", "- Quotation (1)"]


def test_group_facet_names_the_levels(shop: Shop):
    """The Group by facet lists the levels by the search view's labels."""
    html = shop.as_user("manager").page("/web/ws.order?g=customer_id&g=date_order:month")
    values = texts(doc(html), "//span[contains(@class, 'facet-group')]"
                              "/span[@class='facet-values']")
    assert values == ["Customer \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} Order month"]


def test_group_by_month_of_a_date(shop: Shop):
    """Grouping by a date's month: one group per month, named by it; opening one shows
    that month's records."""
    browser = shop.as_user("manager")
    html = browser.page("/web/ws.order?g=date_order:month")
    assert group_rows(html) == ["+ January 2026 (1)", "+ February 2026 (2)",
                                "+ March 2026 (1)"]
    link = doc(html).xpath("//a[@class='group-toggle'][contains(., 'February')]/@href")[0]
    assert sorted(list_names(browser.page(link))) == ["SO-OPEN", "SO-SAM"]


def test_closing_a_group_keeps_groups_whose_key_starts_alike(shop: Shop):
    """Closing group "1" leaves group "12" open (keys are compared whole)."""
    add_orders(shop, 1, priority=12)
    browser = shop.as_user("manager")
    html = browser.page("/web/ws.order?g=priority&open=/1&open=/12")
    assert sorted(list_names(html)) == ["NEW-1", "SO-OPEN"]
    link = doc(html).xpath("//a[@class='group-toggle'][starts-with(normalize-space(.), "
                           "'1 (')]/@href")[0]
    assert list_names(browser.page(link)) == ["NEW-1"]


@pytest.mark.parametrize("group", ["nothing", "line_ids", "date_order:fortnight",
                                   "customer_id.name", "note"])
def test_unusable_group_by_is_a_warning(shop: Shop, group):
    """A group-by that cannot be used is left out with a warning; the rows show."""
    html = shop.as_user("manager").page(f"/web/ws.order?g={group}")
    assert texts(doc(html), "//p[@class='warning']")
    assert len(list_names(html)) == 4


def test_empty_list_offers_to_create(shop: Shop):
    """No record matching: a message with a link to a new record."""
    html = shop.as_user("manager").page("/web/ws.order?s=name:nothing-like-this")
    assert doc(html).xpath("//tr[@class='empty']//a/@href")[0].startswith("/web/ws.order/new")


@pytest.mark.parametrize(("lang", "tz", "total"), [
    ("fr_FR", "Europe/Paris", "400,00 \N{EURO SIGN}"),
    ("xx_YY", "Mars/Olympus", "400.00 \N{EURO SIGN}"),
    ("en-US!", "", "400.00 \N{EURO SIGN}")])
def test_numbers_follow_the_user_language(shop: Shop, lang, tz, total):
    """Amounts are formatted in the user's language; an unknown language or time zone
    falls back to en_US and UTC instead of failing."""
    with shop.database.env() as env:
        env["res.users"].browse(shop.users["manager"]).write({"lang": lang, "tz": tz})
    try:
        browser = shop.as_user("manager")
        assert row_cells(browser.page("/web/ws.order"), "SO-SALLY")[-1] == total
        browser.page(f"/web/ws.order/{shop.orders['sally']}")
    finally:
        with shop.database.env() as env:
            env["res.users"].browse(shop.users["manager"]).write({"lang": "en_US",
                                                                  "tz": "UTC"})
