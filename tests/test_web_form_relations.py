"""Relational widgets of the form: many2one (autocomplete JSON endpoint, resolution of a
typed name without JavaScript), many2many tags, and one2many inline lines (add, edit,
delete, typed lines kept after an error, lines of other records left alone).

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import pytest

from tests.web_support import (
    Shop,
    add_orders,
    doc,
    field_error,
    input_value,
    lines_of,
    order_with_lines,
    texts,
)

pytestmark = pytest.mark.usefixtures("clean_shop")  # what a test adds is deleted after it


@pytest.fixture
def order(shop: Shop) -> int:
    """A quotation of sally's with two lines (Desk 2 x 50, Lamp 1 x 20)."""
    return order_with_lines(shop)


def autocomplete(browser, query: str):
    """The JSON answer of the autocomplete endpoint."""
    response = browser.get(f"/web/ws.order/autocomplete?{query}")
    return response.status_code, response.get_json()


def test_autocomplete_of_a_many2one(shop: Shop):
    """Matching records of the comodel as [{"id", "name"}]."""
    status, found = autocomplete(shop.as_user("sally"), "field=customer_id&q=furn")
    assert status == 200
    assert found == [{"id": shop.customers["gemini"], "name": "Gemini Furniture"}]
    status, found = autocomplete(shop.as_user("sally"), "field=tag_ids&q=")
    assert sorted(item["name"] for item in found) == ["Blue", "Red"]


def test_autocomplete_of_a_line_field(shop: Shop):
    """field=line_ids.tag_id completes the tags of a one2many line."""
    status, found = autocomplete(shop.as_user("sally"), "field=line_ids.tag_id&q=blu")
    assert (status, found) == (200, [{"id": shop.tags["blue"], "name": "Blue"}])


def test_autocomplete_leaves_out_archived_records(shop: Shop):
    """Archived customers are not suggested."""
    _status, found = autocomplete(shop.as_user("sally"), "field=customer_id&q=old")
    assert found == []


@pytest.mark.parametrize("query", [
    "field=nothing&q=a", "field=name&q=a", "field=line_ids.nothing", "field=a.b.c",
    "field=nothing.x&relation=ws.secret", "field=line_ids.product", "q=a"])
def test_autocomplete_of_no_relation_is_a_json_error(shop: Shop, query):
    """A field that is no many2one/many2many is a 400 JSON error, never another model."""
    status, found = autocomplete(shop.as_user("sally"), query)
    assert status == 400 and "error" in found


def test_autocomplete_follows_access_rights(shop: Shop):
    """Suggestions never show records of a model the user may not read."""
    response = shop.as_user("sally").get("/web/ws.secret/autocomplete?field=name&q=")
    assert response.status_code == 400
    assert "The recipe" not in response.get_data(as_text=True)
    response = shop.as_user("sally").get("/web/ws.order/autocomplete?field=line_ids.tag_id"
                                         "&relation=ws.secret&q=")
    assert "The recipe" not in response.get_data(as_text=True)


def test_typed_name_resolves_the_many2one(shop: Shop, order):
    """Without JavaScript, a typed name (the id left stale) picks the named record."""
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "customer_id__display": "deco addict"})
    assert response.status_code == 303
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).customer_id.id == shop.customers["deco"]


def test_partial_name_resolves_when_it_matches_one_record(shop: Shop, order):
    """A part of a name matching exactly one record is enough."""
    shop.as_user("sally").submit(f"/web/ws.order/{order}", {"currency_id__display": "dolla"})
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).currency_id.id == shop.currencies["usd"]


@pytest.mark.parametrize(("typed", "message"), [
    ("Nobody Ltd", "nothing is named 'Nobody Ltd'"),
    ("i", "several records match 'i'"),
])
def test_unresolvable_name_is_a_field_error(shop: Shop, order, typed, message):
    """No match or several matches: an error next to the field, what was typed kept."""
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "customer_id__display": typed})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in field_error(html, "customer_id")
    assert input_value(html, "customer_id__display") == typed
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).customer_id.id == shop.customers["gemini"]


def test_picked_id_wins_over_a_matching_name(shop: Shop, order):
    """An id picked in the suggestions is used when the text is its name."""
    shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "customer_id": str(shop.customers["deco"]), "customer_id__display": "Deco Addict"})
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).customer_id.id == shop.customers["deco"]


def test_clearing_an_optional_many2one(shop: Shop, order):
    """Emptying the salesperson's text clears the field."""
    shop.as_user("sally").submit(f"/web/ws.order/{order}", {"currency_id": "",
                                                             "currency_id__display": ""})
    with shop.database.env() as env:
        assert not env["ws.order"].browse(order).currency_id


@pytest.mark.parametrize("raw", ["abc", "-1", "1.5", "99999999999999999999"])
@pytest.mark.parametrize("with_name", [True, False])
def test_bad_many2one_id_is_a_field_error(shop: Shop, order, raw, with_name):
    """A posted id that is no id is an error next to the field, never a server error."""
    changes = {"customer_id": raw}
    if with_name:
        changes["customer_id__display"] = "Gemini Furniture"
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", changes)
    assert response.status_code == 400
    assert f"{raw!r} is not a record" in field_error(response.get_data(as_text=True),
                                                     "customer_id")


def test_unknown_many2one_id_without_a_name_is_refused(shop: Shop, order):
    """An id of no record (posted without its text) is refused; nothing is written."""
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "customer_id": "999999", "priority": "3"}, drop=("customer_id__display",))
    assert response.status_code == 400
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).priority == 0


def test_many2many_tags_add_and_remove(shop: Shop, order):
    """Ticked tags stay, unticked go, a typed name is added."""
    browser = shop.as_user("sally")
    browser.submit(f"/web/ws.order/{order}", {"tag_ids": str(shop.tags["red"]),
                                              "tag_ids__add": "blue"})
    with shop.database.env() as env:
        assert sorted(env["ws.order"].browse(order).tag_ids.mapped("name")) == ["Blue", "Red"]
    html = browser.page(f"/web/ws.order/{order}")
    assert sorted(texts(doc(html), "//label[@class='tag']")) == ["Blue", "Red"]
    browser.submit(f"/web/ws.order/{order}", {"tag_ids": [str(shop.tags["blue"])]})
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).tag_ids.mapped("name") == ["Blue"]


@pytest.mark.parametrize("raw", ["abc", "99999999999999999999", "\N{SUPERSCRIPT TWO}"])
def test_tag_ids_that_are_no_ids_are_dropped(shop: Shop, order, raw):
    """Posted tag values that are no ids are left out; the valid ones are kept."""
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "tag_ids": [raw, str(shop.tags["red"])]})
    assert response.status_code == 303
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).tag_ids.mapped("name") == ["Red"]


def test_unknown_tag_name_is_a_field_error(shop: Shop, order):
    """Adding a tag that does not exist is an error next to Tags; nothing written."""
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "tag_ids__add": "Purple", "priority": "8"})
    assert response.status_code == 400
    assert "nothing is named 'Purple'" in field_error(response.get_data(as_text=True),
                                                      "tag_ids")
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).priority == 0


def test_one2many_lines_are_inputs_named_by_index(shop: Shop, order):
    """Each line has inputs line_ids.<n>.<field>, its id, a delete box; one empty line."""
    html = shop.as_user("sally").page(f"/web/ws.order/{order}")
    assert input_value(html, "line_ids.0.product") == "Desk"
    assert input_value(html, "line_ids.1.product") == "Lamp"
    assert input_value(html, "line_ids.0.id") and input_value(html, "line_ids.1.id")
    assert doc(html).xpath("//input[@name='line_ids.0.delete'][@type='checkbox']")
    assert input_value(html, "line_ids.2.product") == ""
    assert input_value(html, "line_ids.2.id") == ""


def test_one2many_add_edit_and_delete_lines(shop: Shop, order):
    """One save edits a line, deletes another and adds a new one; the total follows."""
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "line_ids.0.quantity": "3", "line_ids.0.tag_id__display": "Red",
        "line_ids.1.delete": "1",
        "line_ids.2.product": "Chair", "line_ids.2.quantity": "4",
        "line_ids.2.price": "10"})
    assert response.status_code == 303
    assert lines_of(shop, order) == [("Desk", 3.0, 50.0, "Red"), ("Chair", 4.0, 10.0, None)]
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).amount == 190.0


def test_empty_new_line_is_ignored(shop: Shop, order):
    """Saving without filling the empty line adds nothing."""
    shop.as_user("sally").submit(f"/web/ws.order/{order}", {"priority": "1"})
    assert len(lines_of(shop, order)) == 2


def test_invalid_line_value_keeps_everything(shop: Shop, order):
    """A bad number in a line is an error next to the lines; nothing is written."""
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "line_ids.0.quantity": "many", "line_ids.2.product": "Sofa", "priority": "6"})
    assert response.status_code == 400
    assert "'many' is not a number" in field_error(response.get_data(as_text=True),
                                                    "line_ids")
    assert lines_of(shop, order) == [("Desk", 2.0, 50.0, None), ("Lamp", 1.0, 20.0, None)]


def test_missing_required_line_field_writes_nothing(shop: Shop, order):
    """A new line without its product is refused; the order is unchanged."""
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "line_ids.2.quantity": "5", "priority": "6"})
    assert response.status_code == 400
    assert len(lines_of(shop, order)) == 2
    with shop.database.env() as env:
        assert env["ws.order"].browse(order).priority == 0


def test_line_of_another_order_cannot_be_edited(shop: Shop, order):
    """A posted line id that is not one of the order's lines is not written."""
    other_line = shop.lines["lamp"]  # a line of SO-DONE
    shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "line_ids.2.id": str(other_line), "line_ids.2.product": "Hijacked"})
    with shop.database.env() as env:
        assert env["ws.order.line"].browse(other_line).product == "Lamp"


def test_line_of_another_record_cannot_be_deleted(shop: Shop, order):
    """A posted deletion of a line of another order (even one sally cannot see) is
    ignored."""
    with shop.database.env() as env:
        foreign = env["ws.order.line"].create({"order_id": shop.orders["sam"],
                                               "product": "Sam's line"}).id
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "line_ids.0.delete": "1", "line_ids.0.id": str(foreign)})
    assert response.status_code == 303
    with shop.database.env() as env:
        assert env["ws.order.line"].browse(foreign).exists()
        env["ws.order.line"].browse(foreign).unlink()


def test_blank_cells_of_a_new_line_take_the_defaults(shop: Shop, order):
    """A new line with a blank quantity gets the default quantity (1)."""
    shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "line_ids.2.product": "Stool", "line_ids.2.price": "15"})
    assert lines_of(shop, order)[-1] == ("Stool", 1.0, 15.0, None)


def test_failed_save_keeps_the_typed_lines(shop: Shop, order):
    """After an error elsewhere, the lines show what was typed: edited cells, the line
    added, the deletion ticked; nothing is written."""
    response = shop.as_user("sally").submit(f"/web/ws.order/{order}", {
        "priority": "abc", "line_ids.0.quantity": "7", "line_ids.0.tag_id__display": "Blu",
        "line_ids.1.delete": "1", "line_ids.2.product": "Sofa", "line_ids.2.price": "99"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert input_value(html, "line_ids.0.quantity") == "7"
    assert input_value(html, "line_ids.0.tag_id__display") == "Blu"
    assert input_value(html, "line_ids.1.product") == "Lamp"
    assert doc(html).xpath("//input[@name='line_ids.1.delete']/@checked")
    assert not doc(html).xpath("//input[@name='line_ids.0.delete']/@checked")
    assert input_value(html, "line_ids.2.product") == "Sofa"
    assert input_value(html, "line_ids.2.price") == "99"
    assert input_value(html, "line_ids.2.id") == ""
    assert input_value(html, "line_ids.3.product") == ""  # a blank line to add more
    assert lines_of(shop, order) == [("Desk", 2.0, 50.0, None), ("Lamp", 1.0, 20.0, None)]


def test_done_order_lines_are_read_only(shop: Shop):
    """readonly="[('state', '=', 'done')]": the lines of a done order have no inputs."""
    html = shop.as_user("sally").page(f"/web/ws.order/{shop.orders['done']}")
    assert not doc(html).xpath("//input[starts-with(@name, 'line_ids.')]")
    assert "Lamp" in texts(doc(html), "//table[@id='field-line_ids']//td")


def test_lines_posted_to_a_done_order_are_ignored(shop: Shop):
    """Lines posted anyway to a done order (read-only lines) change nothing."""
    [done] = add_orders(shop, 1, state="done", line_ids=[(0, 0, {"product": "Vase"})])
    with shop.database.env() as env:
        line = env["ws.order"].browse(done).line_ids.id
    response = shop.as_user("sally").submit(f"/web/ws.order/{done}", {
        "line_ids.0.id": str(line), "line_ids.0.product": "Changed",
        "line_ids.1.product": "Added"})
    assert response.status_code == 303
    assert [row[0] for row in lines_of(shop, done)] == ["Vase"]
