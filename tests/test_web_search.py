"""The search bar of a list: "search a field for a text" facets (s=field:text, and the
q=&in= form that redirects to them), named filters (OR-ed between separators, AND-ed
across), group-bys, removable facets, the state kept in the URL, the action's
`search_default_*` keys, and the `d=` domain of smart buttons.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests.web_support import SQL, Shop, doc, list_names, texts

MENU = "//details[summary[normalize-space()='{}']]//a[@role='menuitemcheckbox']"


def names(shop: Shop, query: str, login: str = "manager") -> list[str]:
    """The sorted names of the orders listed for `query`."""
    return sorted(list_names(shop.as_user(login).page(f"/web/ws.order?{query}")))


def facets(html: str) -> list[str]:
    """The facets of the search bar: "label: values"."""
    return [f"{label}: {values}" for label, values in zip(
        texts(doc(html), "//span[contains(@class, 'facet ')]/span[@class='facet-label']"),
        texts(doc(html), "//span[contains(@class, 'facet ')]/span[@class='facet-values']"))]


def warnings(html: str) -> list[str]:
    """The warnings above the list."""
    return texts(doc(html), "//p[@class='warning']")


def query_of(url: str) -> list[tuple[str, str]]:
    """The parameters of a URL, in order."""
    return parse_qsl(urlsplit(url).query)


def test_typed_search_redirects_to_a_facet(shop: Shop):
    """The plain search form (q=, in=) redirects to s=field:text, keeping the state."""
    action = shop.ref("web_shop.action_orders")
    response = shop.as_user("manager").get(
        f"/web/ws.order?action={action}&f=urgent&q=agro&in=customer_id")
    assert response.status_code == 303
    assert urlsplit(response.location).path == "/web/ws.order"
    assert query_of(response.location) == [("action", str(action)),
                                           ("s", "customer_id:agro"), ("f", "urgent")]


@pytest.mark.parametrize("field", ["", "nothing", "note"])
def test_typed_search_without_a_known_field_uses_the_first(shop: Shop, field):
    """Without `in` (or with a field the search view lacks) the first field is searched."""
    response = shop.as_user("manager").get(f"/web/ws.order?q=SAM&in={field}")
    assert query_of(response.location) == [("s", "name:SAM")]


@pytest.mark.parametrize(("query", "expected"), [
    ("s=name:sally", ["SO-SALLY"]),
    ("s=customer_id:agro", ["SO-DONE", "SO-SALLY"]),
    ("s=tag_ids:blue", ["SO-SAM"]),
    ("s=priority:5", ["SO-SAM"]),
])
def test_search_a_field(shop: Shop, query, expected):
    """Text fields, many2one and many2many names (ilike), numbers (equal)."""
    assert names(shop, query) == expected


def test_values_of_one_field_are_or_ed(shop: Shop):
    """Two searches in one field match either; the facet shows both."""
    html = shop.as_user("manager").page("/web/ws.order?s=name:sally&s=name:sam")
    assert sorted(list_names(html)) == ["SO-SALLY", "SO-SAM"]
    assert facets(html) == ["Reference: sally or sam"]


def test_searches_of_different_fields_are_and_ed(shop: Shop):
    """Searches in two fields must both match."""
    assert names(shop, "s=customer_id:agrolait&s=name:done") == ["SO-DONE"]


def test_huge_number_is_a_warning(shop: Shop):
    """A number beyond the integer columns is left out with a warning."""
    html = shop.as_user("manager").page("/web/ws.order?s=priority:99999999999999999999")
    assert warnings(html) == ["Priority: 99999999999999999999 is too big, so it was not "
                              "searched."]


def test_word_in_a_number_field_is_a_warning(shop: Shop):
    """Searching "abc" in Priority is left out with a warning, not an error."""
    html = shop.as_user("manager").page("/web/ws.order?s=priority:abc")
    assert warnings(html) == ["Priority: 'abc' is not a number, so it was not searched."]
    assert len(list_names(html)) == 4


@pytest.mark.parametrize("query", ["s=note:x", "s=nothing:x", "s=user_id.password_hash:x",
                                   "s=:x", "s=name", "f=nothing", "f=by_customer"])
def test_unusable_search_is_harmless(shop: Shop, query):
    """Fields outside the search view and unknown filters never fail the page."""
    html = shop.as_user("manager").page(f"/web/ws.order?{query}")
    assert len(list_names(html)) == 4


def test_filters_between_separators_are_or_ed(shop: Shop):
    """Quotations and Confirmed are in one group: either matches."""
    assert names(shop, "f=quotations&f=confirmed") == ["SO-OPEN", "SO-SALLY", "SO-SAM"]


def test_filters_of_different_groups_are_and_ed(shop: Shop):
    """Quotations and Urgent are in different groups: both must match."""
    assert names(shop, "f=quotations&f=urgent") == ["SO-OPEN"]


def test_filter_on_the_current_user(shop: Shop):
    """"My orders" uses the user's id."""
    assert names(shop, "f=mine", "sally") == ["SO-SALLY"]
    assert names(shop, "f=mine", "sam") == ["SO-SAM"]


def test_filter_facets_group_the_or_ed_filters(shop: Shop):
    """One facet per group of filters, its members joined by "or"."""
    html = shop.as_user("manager").page("/web/ws.order?f=quotations&f=confirmed&f=urgent")
    assert facets(html) == ["Filter: Quotations or Confirmed", "Filter: Urgent"]


def test_filter_menu_marks_and_toggles(shop: Shop):
    """The Filters menu marks active filters; their link removes them, others add."""
    html = shop.as_user("manager").page("/web/ws.order?f=urgent&s=name:SO")
    menu = doc(html).xpath(MENU.format("Filters"))
    by_label = {link.text_content().strip(): link for link in menu}
    assert by_label["Urgent"].get("aria-checked") == "true"
    assert by_label["Confirmed"].get("aria-checked") == "false"
    assert query_of(by_label["Urgent"].get("href")) == [("s", "name:SO")]
    assert query_of(by_label["Confirmed"].get("href")) == [
        ("s", "name:SO"), ("f", "urgent"), ("f", "confirmed")]


def test_facets_are_removable_one_by_one(shop: Shop):
    """Each facet's remove link removes that facet and keeps the others."""
    browser = shop.as_user("manager")
    html = browser.page("/web/ws.order?s=customer_id:agrolait&f=quotations&g=state")
    assert facets(html) == ["Customer: agrolait", "Filter: Quotations", "Group by: Status"]
    links = doc(html).xpath("//a[@class='facet-remove']/@href")
    assert facets(browser.page(links[0])) == ["Filter: Quotations", "Group by: Status"]
    assert facets(browser.page(links[1])) == ["Customer: agrolait", "Group by: Status"]
    assert facets(browser.page(links[2])) == ["Customer: agrolait", "Filter: Quotations"]


def test_state_is_kept_by_the_links_of_the_page(shop: Shop):
    """Sorting, paging and group links carry the search, filters and action along."""
    action = shop.ref("web_shop.action_orders")
    html = shop.as_user("manager").page(f"/web/ws.order?action={action}&s=name:SO&f=urgent")
    sort_link = doc(html).xpath("//thead//th/a/@href")[0]
    assert query_of(sort_link)[:3] == [("action", str(action)), ("s", "name:SO"),
                                       ("f", "urgent")]
    group_link = doc(html).xpath(MENU.format("Group by") + "/@href")[0]
    assert ("g", "customer_id") in query_of(group_link)
    assert ("f", "urgent") in query_of(group_link)
    hidden = doc(html).xpath("//form[@role='search']/input[@type='hidden']")
    assert [(i.get("name"), i.get("value")) for i in hidden] == [
        ("action", str(action)), ("s", "name:SO"), ("f", "urgent")]


def test_action_search_defaults_apply(shop: Shop):
    """The Quotations action (search_default_quotations) opens with that filter."""
    action = shop.ref("web_shop.action_quotations")
    html = shop.as_user("manager").page(f"/web/ws.order?action={action}")
    assert sorted(list_names(html)) == ["SO-OPEN", "SO-SALLY"]
    assert facets(html) == ["Filter: Quotations"]


def test_removing_the_default_filter_shows_everything(shop: Shop):
    """Removing the default facet leads to clear=1: the defaults no longer apply."""
    action = shop.ref("web_shop.action_quotations")
    browser = shop.as_user("manager")
    html = browser.page(f"/web/ws.order?action={action}")
    remove = doc(html).xpath("//a[@class='facet-remove']/@href")[0]
    assert ("clear", "1") in query_of(remove)
    html = browser.page(remove)
    assert facets(html) == [] and len(list_names(html)) == 4


def test_explicit_search_replaces_the_defaults(shop: Shop):
    """A search in the URL replaces the action's default filters."""
    action = shop.ref("web_shop.action_quotations")
    assert names(shop, f"action={action}&s=name:SAM") == ["SO-SAM"]


def test_related_domain_of_a_smart_button(shop: Shop):
    """d= (a JSON domain) restricts the list, with a facet named by dl=."""
    domain = json.dumps([["customer_id", "=", shop.customers["agrolait"]]])
    html = shop.as_user("manager").page(
        f"/web/ws.order?{urlencode({'d': domain, 'dl': 'Orders of Agrolait'})}")
    assert sorted(list_names(html)) == ["SO-DONE", "SO-SALLY"]
    assert facets(html) == ["Related: Orders of Agrolait"]
    remove = doc(html).xpath("//a[@class='facet-remove']/@href")[0]
    assert len(list_names(shop.as_user("manager").page(remove))) == 4


def test_related_domain_keeps_the_record_rule(shop: Shop):
    """A d= domain naming another user's order shows nothing to sally."""
    domain = json.dumps([["id", "=", shop.orders["sam"]]])
    assert names(shop, urlencode({"d": domain}), "sally") == []


@pytest.mark.parametrize("domain", [
    "not json", '{"a": 1}', '"text"', "12", "[[[[[[]]]]]]", '[["name", "in", {"a": 1}]]',
    '[["id", "=", 99999999999999999999]]', "[" * 100000 + "]" * 100000,
    json.dumps(["!"] * 3000 + [["id", "=", 1]]),
    json.dumps(["|"] * 3000 + [["id", "=", n] for n in range(3001)])])
def test_related_domain_that_is_no_smart_button_domain_is_a_warning(shop: Shop, domain):
    """A d= that is no short JSON list of terms (not JSON, deeply nested, a long chain
    of operators, huge numbers) is left out with a warning, never a server error."""
    html = shop.as_user("manager").page(f"/web/ws.order?{urlencode({'d': domain})}")
    assert warnings(html) == ["The link's filter cannot be read, so it was left out."]
    assert len(list_names(html)) == 4


@pytest.mark.parametrize("domain", [
    '[["x"]]', '[["nothing", "=", 1]]', '[["name", "bogus", 1]]', '[1, 2]', '["|"]',
    '[["priority", "=", "many"]]', '[["name", "like"]]', '[["id", "=", 1], "&"]'])
def test_malformed_related_domain_is_a_clear_error(shop: Shop, domain):
    """A d= list that is no valid domain is refused with the reason (400), never a
    server error."""
    html = shop.as_user("manager").page(f"/web/ws.order?{urlencode({'d': domain})}", 400)
    assert "Invalid domain on ws.order" in " ".join(texts(doc(html), "//main//p"))


def test_sql_in_a_search_is_only_text(shop: Shop):
    """SQL typed in the search box is searched as text: no match, nothing dropped."""
    browser = shop.as_user("manager")
    response = browser.get(f"/web/ws.order?{urlencode({'q': SQL, 'in': 'name'})}")
    html = browser.page(response.location)
    assert list_names(html) == []
    assert facets(html) == [f"Reference: {SQL}"]
    for field in ("customer_id", "tag_ids", "priority"):
        browser.page(f"/web/ws.order?{urlencode({'s': f'{field}:{SQL}'})}")
    assert len(list_names(browser.page("/web/ws.order"))) == 4


def test_like_wildcards_are_searched_literally(shop: Shop):
    """% and _ typed in a search match themselves, not anything."""
    assert names(shop, urlencode({"s": "name:%"})) == []
    assert names(shop, urlencode({"s": "name:SO_SAM"})) == []


def test_group_by_menu_and_custom_group(shop: Shop):
    """The Group by menu offers the search view's group-bys and stored fields."""
    html = shop.as_user("manager").page("/web/ws.order")
    menu = texts(doc(html), MENU.format("Group by"))
    assert menu == ["Customer", "Status", "Order month"]
    custom = doc(html).xpath("//form[contains(@class, 'custom-group')]//option/@value")
    assert "customer_id" in custom and "line_ids" not in custom and "note" not in custom


def test_custom_group_of_an_employee_leaves_out_restricted_fields(shop: Shop):
    """Fields reserved to other groups are not offered to group by."""
    html = shop.as_user("sally").page("/web/res.users")
    custom = doc(html).xpath("//form[contains(@class, 'custom-group')]//option/@value")
    assert "password_hash" not in custom and "login" in custom
