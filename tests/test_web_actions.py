"""The Actions menu of a list: delete after a confirmation page, archive and unarchive,
export of the selection as CSV, and the entries of the `record_actions` hook ("Mark as
urgent"); the record rule and the selection are checked on the server.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.web_support import Shop, add_orders, doc, list_names, notice, texts

pytestmark = pytest.mark.usefixtures("clean_shop")  # what a test adds is deleted after it


def existing(shop: Shop, model: str, ids) -> list[int]:
    """Which of `ids` still exist (archived ones included)."""
    with shop.database.env() as env:
        return env[model].with_context(active_test=False).browse(ids).exists().ids


def run(browser, model: str, action: str, ids, **extra):
    """Post the list form's Actions menu."""
    data = [("action", action), *[("ids", str(i)) for i in ids], *extra.items()]
    return browser.post(f"/web/{model}/actions", data)


def test_actions_menu_lists_the_entries(shop: Shop):
    """Export, archive, unarchive, delete, then the hook's entries."""
    html = shop.as_user("sally").page("/web/ws.order")
    assert texts(doc(html), "//select[@name='action']/option")[1:] == [
        "Export as CSV", "Archive", "Unarchive", "Delete", "Mark as urgent"]
    html = shop.as_user("sally").page("/web/ws.tag")
    assert texts(doc(html), "//select[@name='action']/option")[1:] == [
        "Export as CSV", "Delete"]


def test_entries_follow_the_access_rights(shop: Shop):
    """An employee may only read users: no Archive, Unarchive, Delete, nor New."""
    html = shop.as_user("sally").page("/web/res.users")
    assert texts(doc(html), "//select[@name='action']/option")[1:] == ["Export as CSV"]
    assert not doc(html).xpath("//a[starts-with(@href, '/web/res.users/new')]")
    html = shop.as_user("manager").page("/web/res.users")
    assert "Delete" in texts(doc(html), "//select[@name='action']/option")
    assert doc(html).xpath("//a[starts-with(@href, '/web/res.users/new')]")


def test_delete_asks_for_confirmation_first(shop: Shop):
    """Delete shows the records to delete and deletes nothing until confirmed."""
    ids = add_orders(shop, 2)
    browser = shop.as_user("sally")
    response = run(browser, "ws.order", "delete", ids, back="/web/ws.order?f=urgent")
    assert response.status_code == 200
    page = doc(response)
    assert texts(page, "//ul[@class='names']/li") == ["NEW-1", "NEW-2"]
    assert page.xpath("//form//input[@name='confirmed']/@value") == ["1"]
    assert page.xpath("//form//input[@name='back']/@value") == ["/web/ws.order?f=urgent"]
    assert existing(shop, "ws.order", ids) == ids
    form = page.xpath("//section[contains(@class, 'confirm')]//form")[0]
    response = browser.post(form.get("action"), list(form.form_values()))
    assert response.status_code == 303
    assert response.location.startswith("/web/ws.order?f=urgent&")
    assert notice(response) == "deleted"
    assert "Deleted 2 record(s)." in browser.page(response.location)
    assert existing(shop, "ws.order", ids) == []


def test_archive_and_unarchive(shop: Shop):
    """Archive hides the records from the list; Unarchive brings them back."""
    ids = add_orders(shop, 2)
    browser = shop.as_user("sally")
    response = run(browser, "ws.order", "archive", ids)
    assert response.status_code == 303 and notice(response) == "archived"
    assert "Archived 2 record(s)." in browser.page(response.location)
    assert "NEW-1" not in list_names(browser.page("/web/ws.order"))
    assert sorted(list_names(browser.page("/web/ws.order?f=archived"))) == ["NEW-1", "NEW-2"]
    response = run(browser, "ws.order", "unarchive", ids)
    assert notice(response) == "unarchived"
    assert "NEW-1" in list_names(browser.page("/web/ws.order"))


def test_hook_entry_runs_its_method(shop: Shop):
    """"Mark as urgent" (record_actions hook) calls action_mark_urgent on the selection."""
    ids = add_orders(shop, 2)
    response = run(shop.as_user("sally"), "ws.order", "mark_urgent", ids[:1])
    assert response.status_code == 303 and notice(response) == "done"
    with shop.database.env() as env:
        assert env["ws.order"].browse(ids).mapped("is_urgent") == [True, False]


def test_export_csv_of_the_selection(shop: Shop):
    """Export as CSV: the list's columns as shown, one row per selected record."""
    response = run(shop.as_user("manager"), "ws.order", "export",
                   [shop.orders["sally"], shop.orders["sam"]])
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="ws_order.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["id", "Reference", "Customer", "Order date", "Status", "Tags", "Urgent",
                       "Priority", "Total"]
    by_name = {row[1]: row for row in rows[1:]}
    assert sorted(by_name) == ["SO-SALLY", "SO-SAM"]
    assert by_name["SO-SALLY"] == [str(shop.orders["sally"]), "SO-SALLY", "Agrolait",
                                   "2026-01-15", "Quotation", "Red", "No", "3", "400.00"]
    assert by_name["SO-SAM"][4:6] == ["Confirmed", "Blue"]


def test_export_neutralizes_spreadsheet_formulas(shop: Shop):
    """A text starting with = + - @ is exported quoted, so no formula runs."""
    ids = add_orders(shop, 1, name="=HYPERLINK(\"http://evil.example\")")
    response = run(shop.as_user("sally"), "ws.order", "export", ids)
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1][1] == "'=HYPERLINK(\"http://evil.example\")"


def test_action_without_selection_is_refused(shop: Shop):
    """Applying an action with no record ticked says so and does nothing."""
    response = run(shop.as_user("sally"), "ws.order", "delete", [])
    assert response.status_code == 400
    assert "Select at least one record" in response.get_data(as_text=True)


def test_unknown_action_is_not_found(shop: Shop):
    """An entry that is not in the menu is refused (no method of the model is callable
    by its name)."""
    ids = add_orders(shop, 1)
    for action in ["unlink", "action_done", "", "write"]:
        assert run(shop.as_user("sally"), "ws.order", action, ids,
                   confirmed="1").status_code == 404
    with shop.database.env() as env:
        assert env["ws.order"].browse(ids).state == "draft"


@pytest.mark.parametrize(("action", "confirmed"), [
    ("delete", ""), ("delete", "1"), ("archive", ""), ("mark_urgent", ""), ("export", "")])
def test_actions_respect_the_record_rule(shop: Shop, action, confirmed):
    """Sally cannot act on Sam's order by posting its id (nor see its name on the
    confirmation page); nothing changes."""
    sam_order = shop.orders["sam"]
    response = run(shop.as_user("sally"), "ws.order", action, [sam_order],
                   confirmed=confirmed)
    assert response.status_code == 403
    assert "SO-SAM" not in response.get_data(as_text=True)
    with shop.database.env() as env:
        order = env["ws.order"].browse(sam_order)
        assert order.active and not order.is_urgent


def test_deleted_records_in_the_selection(shop: Shop):
    """A selection with a record deleted meanwhile asks to reload; nothing is done."""
    ids = add_orders(shop, 2)
    with shop.database.env() as env:
        env["ws.order"].browse(ids[1]).unlink()
    response = run(shop.as_user("sally"), "ws.order", "archive", ids)
    assert response.status_code == 400
    with shop.database.env() as env:
        assert env["ws.order"].browse(ids[0]).active


@pytest.mark.parametrize("ids", [["abc"], ["-1"], ["1.5"], ["99999999999999999999999"],
                                 ["\N{SUPERSCRIPT TWO}"], ["0"]])
def test_bad_ids_are_harmless(shop: Shop, ids):
    """Ids that are no records never cause a server error."""
    data = [("action", "archive"), *[("ids", i) for i in ids]]
    response = shop.as_user("sally").post("/web/ws.order/actions", data)
    assert response.status_code == 400


def test_failing_hook_method_rolls_back(shop: Shop):
    """A method that fails (UserError) shows the message and writes nothing."""
    ids = add_orders(shop, 1)
    browser = shop.as_user("sally")
    response = browser.post(f"/web/ws.order/{ids[0]}/call/action_confirm",
                            browser.form(f"/web/ws.order/{ids[0]}"))
    assert response.status_code == 400
    assert "has no line" in response.get_data(as_text=True)
    with shop.database.env() as env:
        assert env["ws.order"].browse(ids).state == "draft"


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/web/",
                                  "javascript:alert(1)"])
def test_back_link_stays_on_the_site(shop: Shop, back):
    """After an action, the redirect goes to a page of the web client only."""
    ids = add_orders(shop, 1)
    response = run(shop.as_user("sally"), "ws.order", "archive", ids, back=back)
    assert response.status_code == 303
    assert response.location.startswith("/web/ws.order")


def test_actions_of_an_unknown_model_are_not_found(shop: Shop):
    """POST /web/<unknown>/actions is a 404 page."""
    response = run(shop.as_user("sally"), "no.such.model", "delete", [1], confirmed="1")
    assert response.status_code == 404


def test_delete_refused_by_the_database_is_explained(shop: Shop):
    """Deleting a customer with orders (ondelete restrict) shows why, and keeps it."""
    with shop.database.env() as env:
        customer = env["ws.customer"].create({"name": "Busy customer"}).id
    add_orders(shop, 1, customer_id=customer)
    response = run(shop.as_user("sally"), "ws.customer", "delete", [customer], confirmed="1")
    assert response.status_code == 400
    assert "still use it" in response.get_data(as_text=True)
    assert existing(shop, "ws.customer", [customer]) == [customer]
