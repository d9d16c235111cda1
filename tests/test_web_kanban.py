"""The kanban view: columns by stage (every stage, empty ones included, in sequence
order), by selection and boolean, counts and sums, cards drawn from the card template
(escaped), moving a card (JSON and plain form; refused by a record rule or a constraint,
writing nothing), quick create, "Load more", and a page costing as many queries for 500
cards as for 50.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.security_support import count_queries
from tests.web_support import XSS, Shop, add_orders, doc, texts

STAGES = ["New", "Qualified", "Proposal", "Won", "Lost"]



pytestmark = pytest.mark.usefixtures("clean_shop")  # what a test adds is deleted after it


def stage(shop: Shop, name: str) -> int:
    return shop.ref(f"web_shop.stage_{name.lower()}")


def kanban_url(shop: Shop, **query) -> str:
    return "/web/ws.order?" + urlencode({"view": "kanban",
                                         "action": shop.ref("web_shop.action_orders"),
                                         **query}, doseq=True)


def columns(html: str) -> list[dict]:
    """Each column: key, label, count, sum, card ids, more link."""
    result = []
    for section in doc(html).xpath("//section[@data-column]"):
        result.append({
            "key": section.get("data-column"),
            "label": texts(section, ".//h2")[0],
            "count": int(texts(section, ".//*[@data-count]")[0]),
            "sum": (texts(section, ".//*[contains(@class, 'kb-sum')]") or [None])[0],
            "cards": [int(i) for i in section.xpath(".//li[@data-card]/@data-id")],
            "more": (section.xpath(".//a[contains(@class, 'kb-more')]/@href") or [None])[0]})
    return result


def read(shop: Shop, record_id: int, name: str):
    with shop.database.env() as env:
        return env["ws.order"].browse(record_id).read([name])[0][name]


def test_columns_are_every_stage_in_sequence_with_counts_and_sums(shop: Shop):
    ids = add_orders(shop, 2, stage_id=stage(shop, "Qualified"), user_id=False,
                     line_ids=[(0, 0, {"product": "Desk", "quantity": 2, "price": 50})])
    html = shop.as_user("manager").page(kanban_url(shop))
    found = columns(html)
    # the stage columns in sequence order (empty ones too), then the orders without one
    assert [c["label"] for c in found] == [*STAGES, "None"]
    qualified = found[1]
    assert qualified["count"] == 2 and sorted(qualified["cards"]) == sorted(ids)
    assert qualified["sum"] == "200.00"
    assert found[0]["count"] == 0 and found[0]["cards"] == [] and found[0]["sum"] == "0.00"
    assert found[-1]["count"] == len(shop.orders)
    # the card: name, customer, tags, stars, avatar and a link to the form
    sally = found[-1]["cards"].index(shop.orders["sally"])
    card = doc(html).xpath("//section[@data-column='none']//li[@data-card]")[sally]
    text = " ".join(card.text_content().split())
    assert "SO-SALLY" in text and "Agrolait" in text and "Red" in text
    assert card.xpath(".//span[@class='kb-avatar']/text()") == ["SS"]
    assert len(card.xpath(".//span[@class='kb-star on']")) == 3
    assert card.xpath(".//a[@class='kb-open']/@href")[0].startswith(
        f"/web/ws.order/{shop.orders['sally']}?action=")
    assert "Urgent" not in text  # t-if on a false field
    assert card.xpath(".//script") == []


def test_group_by_in_the_url_overrides_the_default(shop: Shop):
    browser = shop.as_user("manager")
    found = columns(browser.page(kanban_url(shop, g="state")))
    assert [c["label"] for c in found] == ["Quotation", "Confirmed", "Done"]
    assert [c["count"] for c in found] == [2, 1, 1]
    found = columns(browser.page(kanban_url(shop, g="is_urgent")))
    assert [(c["label"], c["count"]) for c in found] == [("Yes", 1), ("No", 3)]
    assert found[0]["cards"] == [shop.orders["open"]] and len(found[1]["cards"]) == 3
    html = browser.page(kanban_url(shop, g="date_order"))
    assert "cannot group by" in html


def test_group_by_tags_shows_a_card_under_each_of_its_tags(shop: Shop):
    """A many2many column per tag (and one for no tag): a card shows in each of its
    tags' columns; tag columns do not move cards."""
    [both] = add_orders(shop, 1, tag_ids=[(6, 0, [shop.tags["red"], shop.tags["blue"]])])
    browser = shop.as_user("manager")
    html = browser.page(kanban_url(shop, g="tag_ids"))
    found = {c["label"]: c for c in columns(html)}
    assert set(found) == {"Red", "Blue", "None"}
    assert both in found["Red"]["cards"] and both in found["Blue"]["cards"]
    assert shop.orders["sally"] in found["Red"]["cards"]
    assert shop.orders["open"] in found["None"]["cards"]
    assert found["Red"]["count"] == 2 and found["Blue"]["count"] == 2
    assert not doc(html).xpath("//li[@draggable='true']")
    response = browser.post(
        f"/web/ws.order/{both}/kanban_move", {"group_by": "tag_ids",
                                              "value": str(shop.tags["red"])},
        csrf=False, headers={"X-CSRF-Token": browser.csrf_token,
                             "Accept": "application/json"})
    assert response.status_code == 400 and response.json["ok"] is False


def test_record_rule_limits_the_cards(shop: Shop):
    found = columns(shop.as_user("sally").page(kanban_url(shop, g="state")))
    shown = {i for c in found for i in c["cards"]}
    assert shop.orders["sam"] not in shown and shop.orders["sally"] in shown


def test_card_content_is_escaped(shop: Shop):
    [order_id] = add_orders(shop, 1, name=XSS[0] + XSS[1], stage_id=stage(shop, "New"))
    html = shop.as_user("manager").page(kanban_url(shop))
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    card = doc(html).xpath(f"//li[@data-id='{order_id}']")[0]
    assert XSS[0] in card.text_content()


def test_move_by_json(shop: Shop):
    [order_id] = add_orders(shop, 1, stage_id=stage(shop, "New"))
    browser = shop.as_user("manager")
    browser.page(kanban_url(shop))
    response = browser.post(
        f"/web/ws.order/{order_id}/kanban_move", {"group_by": "stage_id",
                                                  "value": str(stage(shop, "Proposal"))},
        csrf=False, headers={"X-CSRF-Token": browser.csrf_token, "Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["ok"] is True
    assert read(shop, order_id, "stage_id")[0] == stage(shop, "Proposal")
    found = columns(browser.page(kanban_url(shop)))
    assert order_id in found[2]["cards"]


def test_move_by_form_redirects_back(shop: Shop):
    [order_id] = add_orders(shop, 1, stage_id=stage(shop, "New"), state="draft")
    browser = shop.as_user("manager")
    back = kanban_url(shop, g="state")
    browser.page(back)
    response = browser.post(f"/web/ws.order/{order_id}/kanban_move",
                            {"group_by": "state", "value": "confirmed", "back": back})
    assert response.status_code == 303 and response.location.startswith(back)
    assert read(shop, order_id, "state") == "confirmed"
    # a foreign site is not a way back
    response = browser.post(f"/web/ws.order/{order_id}/kanban_move",
                            {"group_by": "state", "value": "done", "back": "//evil.example/"})
    assert response.status_code == 303 and response.location.startswith("/web/ws.order?")


def test_move_without_token_is_refused(shop: Shop):
    [order_id] = add_orders(shop, 1, stage_id=stage(shop, "New"))
    browser = shop.as_user("manager")
    response = browser.post(f"/web/ws.order/{order_id}/kanban_move",
                            {"group_by": "stage_id", "value": str(stage(shop, "Lost"))},
                            csrf=False, headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert read(shop, order_id, "stage_id")[0] == stage(shop, "New")


def test_move_refused_by_a_constraint_writes_nothing(shop: Shop):
    [order_id] = add_orders(shop, 1, stage_id=stage(shop, "New"))
    browser = shop.as_user("manager")
    browser.page(kanban_url(shop))
    response = browser.post(
        f"/web/ws.order/{order_id}/kanban_move",
        {"group_by": "stage_id", "value": str(stage(shop, "Won"))}, csrf=False,
        headers={"X-CSRF-Token": browser.csrf_token, "Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["ok"] is False and "cannot be won" in response.json["error"]
    assert read(shop, order_id, "stage_id")[0] == stage(shop, "New")
    # the plain form gets the error page
    response = browser.post(f"/web/ws.order/{order_id}/kanban_move",
                            {"group_by": "stage_id", "value": str(stage(shop, "Won"))})
    assert response.status_code == 400 and "cannot be won" in response.get_data(as_text=True)


def test_move_refused_by_the_record_rule_writes_nothing(shop: Shop):
    browser = shop.as_user("sally")
    browser.page(kanban_url(shop))
    sam = shop.orders["sam"]
    before = read(shop, sam, "stage_id")
    response = browser.post(
        f"/web/ws.order/{sam}/kanban_move",
        {"group_by": "stage_id", "value": str(stage(shop, "Lost"))}, csrf=False,
        headers={"X-CSRF-Token": browser.csrf_token, "Accept": "application/json"})
    assert response.status_code in (403, 404)
    assert response.json["ok"] is False and response.json["error"]
    assert read(shop, sam, "stage_id") == before


def test_move_to_an_unknown_column_or_field_is_refused(shop: Shop):
    [order_id] = add_orders(shop, 1, stage_id=stage(shop, "New"))
    browser = shop.as_user("manager")
    browser.page(kanban_url(shop))
    headers = {"X-CSRF-Token": browser.csrf_token, "Accept": "application/json"}
    for data in [{"group_by": "stage_id", "value": "999999"},
                 {"group_by": "state", "value": "nonsense"},
                 {"group_by": "name", "value": "x"},
                 {"group_by": "amount", "value": "1"}]:
        response = browser.post(f"/web/ws.order/{order_id}/kanban_move", data, csrf=False,
                                headers=headers)
        assert response.status_code in (400, 404), data
        assert response.json["ok"] is False
    assert read(shop, order_id, "stage_id")[0] == stage(shop, "New")


def test_quick_create_in_a_column(shop: Shop):
    browser = shop.as_user("manager")
    url = "/web/ws.customer?view=kanban"
    found = columns(browser.page(url))
    retail = next(c for c in found if c["label"] == "Retail")
    response = browser.post("/web/ws.customer/kanban_quick_create",
                            {"name": "Quick Shop", "group_by": "category_id",
                             "value": retail["key"], "back": url})
    assert response.status_code == 303 and response.location.startswith(url)
    with shop.database.env() as env:
        created = env["ws.customer"].search([("name", "=", "Quick Shop")])
        assert created.category_id.id == int(retail["key"])
    found = columns(browser.page(url))
    assert created.id in next(c for c in found if c["label"] == "Retail")["cards"]
    # JSON answer; an order needs a customer: the error says so and nothing is made
    response = browser.post("/web/ws.order/kanban_quick_create",
                            {"name": "QUICK-1", "group_by": "stage_id",
                             "value": str(stage(shop, "New"))}, csrf=False,
                            headers={"X-CSRF-Token": browser.csrf_token,
                                     "Accept": "application/json"})
    assert response.status_code == 400 and response.json["error"]
    with shop.database.env() as env:
        assert not env["ws.order"].search([("name", "=", "QUICK-1")])


def test_load_more(shop: Shop):
    add_orders(shop, 45, stage_id=stage(shop, "Proposal"))
    browser = shop.as_user("manager")
    proposal = columns(browser.page(kanban_url(shop)))[2]
    assert proposal["count"] == 45 and len(proposal["cards"]) == 20 and proposal["more"]
    proposal = columns(browser.page(proposal["more"]))[2]
    assert len(proposal["cards"]) == 40 and proposal["more"]
    proposal = columns(browser.page(proposal["more"]))[2]
    assert len(proposal["cards"]) == 45 and proposal["more"] is None


def add_cards(shop: Shop, start: int, count: int) -> None:
    stages = [stage(shop, name) for name in STAGES]
    customers = list(shop.customers.values())[:3]
    tags = list(shop.tags.values())
    with shop.database.env() as env:
        env["ws.order"].create([{
            "name": f"CARD-{number:03d}", "customer_id": customers[number % 3],
            "stage_id": stages[number % 5], "priority": number % 4,
            "user_id": shop.users["sally"] if number % 2 else False,
            "tag_ids": [(6, 0, tags[: number % 3])],
            "line_ids": [(0, 0, {"product": "Box", "quantity": 1, "price": 10})]}
            for number in range(start, start + count)])


def test_500_cards_cost_as_many_queries_as_50(shop: Shop):
    browser = shop.as_user("manager")
    url = kanban_url(shop, d=json.dumps([["name", "=like", "CARD-%"]]))
    add_cards(shop, 0, 50)
    browser.page(url)
    with count_queries(shop.database) as few:
        html = browser.page(url)
    assert sum(c["count"] for c in columns(html)) == 50
    add_cards(shop, 50, 450)
    with count_queries(shop.database) as many:
        html = browser.page(url)
    found = columns(html)
    assert [c["count"] for c in found[:5]] == [100] * 5
    assert all(len(c["cards"]) == 20 for c in found[:5])
    assert len(many) == len(few), "\n".join(many)


def test_generated_kanban_without_group_by(shop: Shop):
    """A model without a kanban view gets one card per record (its name), in one column
    that cards cannot leave."""
    html = shop.as_user("manager").page("/web/ws.tag?view=kanban")
    [single] = columns(html)
    assert single["label"] == "All" and single["count"] == len(shop.tags)
    assert sorted(texts(doc(html), "//li[@data-card]//div[@class='kb-body']")) == ["Blue", "Red"]
    assert "kanban_move" not in html


def test_card_widgets_and_links():
    """The card renderer alone: selection stars, the activity clock, unsafe links and
    event attributes dropped, t-if-not."""
    from lxml import etree

    from core.web.kanban_cards import initials, render_card

    class Field:
        type = "selection"

        @staticmethod
        def get_selection(_model):
            return [("0", "Normal"), ("1", "Good"), ("2", "Very good"), ("3", "Excellent")]

    class Model:
        _fields = {"priority": Field()}

    card = etree.fromstring(
        '<t t-name="card"><a href="//evil.example/x">far</a><a href="/web/x">near</a>'
        '<field name="priority" widget="priority"/><field name="state" widget="activity"/>'
        '<span t-if-not="note" class="empty" onclick="x()">no note</span><br/></t>')

    def cell(value):
        return {"value": value, "text": str(value), "tags": None}

    html = render_card(card, {"priority": cell("2"), "activity_state": cell("overdue"),
                              "note": cell(False)}, Model)
    assert '<a>far</a>' in html and '<a href="/web/x">near</a>' in html
    assert html.count("kb-star on") == 2 and html.count("kb-star") == 3
    assert 'kb-activity-overdue' in html and "Overdue" in html
    assert '<span class="empty">no note</span>' in html and "onclick" not in html
    html = render_card(card, {"priority": cell("0"), "activity_state": cell(False),
                              "note": cell("written")}, Model)
    assert "kb-activity" not in html and "no note" not in html and "kb-star on" not in html
    assert initials("sally  seller smith") == "SS" and initials("") == "?"


def test_an_activity_is_scheduled_from_a_kanban_card(shop: Shop):
    """Cards of a model with activities carry a Schedule activity form: it schedules on
    that record and comes back to the board."""
    with shop.database.env() as env:
        ticket = env["ws.ticket"].create({"name": "Printer jam"}).id
        call = env.ref("base.activity_type_call").id
    browser = shop.as_user("manager")
    board = "/web/ws.ticket?view=kanban"
    html = browser.page(board)
    forms = doc(html).xpath(f"//li[@data-id='{ticket}']//form[contains(@action, "
                            "'/activity/schedule')]")
    assert len(forms) == 1
    response = browser.post(forms[0].get("action"), {
        "activity_type_id": str(call), "summary": "Call back", "date_deadline": "2030-01-02",
        "back": board})
    assert response.status_code == 303 and response.location.startswith(board)
    with shop.database.env() as env:
        activity = env["mail.activity"].search([("res_model", "=", "ws.ticket"),
                                                ("res_id", "=", ticket)])
        assert activity.summary == "Call back" and activity.activity_type_id.id == call
        env["ws.ticket"].browse(ticket).unlink()


def test_cards_without_activities_offer_no_scheduling(shop: Shop):
    html = shop.as_user("manager").page(kanban_url(shop))
    assert "/activity/schedule" not in html
