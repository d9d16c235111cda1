"""The Import button of lists and the page /web/<model>/import: upload a CSV file (with
the CSRF token), get the records and a notice, or the report of every bad row with
nothing imported, or the good rows imported when "Skip invalid rows" is ticked. The
user's access rights and record rules apply.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import io

import pytest

from core.web.listing import parse_list_arch
from tests.web_support import Shop, doc, notice, texts

pytestmark = pytest.mark.usefixtures("clean_shop")  # what a test adds is deleted after it


def upload(browser, model: str, text: str, skip: bool = False, name: str = "data.csv",
           csrf: bool = True):
    data = [("file", (io.BytesIO(text.encode()), name))]
    if skip:
        data.append(("skip_invalid", "1"))
    return browser.post(f"/web/{model}/import", data, csrf=csrf,
                        content_type="multipart/form-data")


def order_names(shop: Shop, prefix: str) -> list[str]:
    with shop.database.env() as env:
        return sorted(env["ws.order"].search([("name", "=like", f"{prefix}%")]).mapped("name"))


def test_the_list_has_an_import_button_leading_to_the_upload_form(shop):
    browser = shop.as_user("manager")
    page = doc(browser.page("/web/ws.order"))
    assert page.xpath("//a[@data-import]/@href") == ["/web/ws.order/import?action="
                                                     f"{shop.ref('web_shop.action_orders')}"]
    form = doc(browser.page("/web/ws.order/import"))
    assert form.xpath("//form[@id='import-form']/@enctype") == ["multipart/form-data"]
    assert form.xpath("//form[@id='import-form']//input[@name='csrf_token']/@value")
    columns = texts(form, "//table[contains(@class, 'import-fields')]//td[2]")
    assert "customer_id" in columns and "amount" not in columns  # amount is computed


def test_good_file_creates_the_records_and_returns_to_the_list(shop):
    browser = shop.as_user("sally")
    response = upload(browser, "ws.order", "Reference,Customer,priority\n"
                                           "WEB-IMP-1,Agrolait,2\nWEB-IMP-2,Gemini Furniture,\n")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert response.location.startswith("/web/ws.order")
    assert notice(response) == "imported"
    assert "Imported 2 record(s)." in browser.page(response.location)
    assert order_names(shop, "WEB-IMP-") == ["WEB-IMP-1", "WEB-IMP-2"]


BAD = "name,customer_id,priority\nWEB-BAD-1,Agrolait,1\nWEB-BAD-2,Nobody,x\nWEB-BAD-3,,\n"


def test_bad_rows_are_reported_and_nothing_is_imported(shop):
    browser = shop.as_user("sally")
    response = upload(browser, "ws.order", BAD)
    assert response.status_code == 400
    page = doc(response)
    rows = [texts(row, "./td") for row in page.xpath("//tr[@class='import-error']")]
    assert [row[:2] for row in rows] == [["3", "customer_id"], ["3", "priority"],
                                         ["4", "customer_id"]]
    assert "no Customer is named 'Nobody'" in rows[0][2]
    assert "Nothing imported: 2 of 3 row(s) are invalid." in \
        texts(page, "//div[@data-import-report]/p")[0]
    assert order_names(shop, "WEB-BAD-") == []


def test_skip_invalid_rows_imports_the_good_ones(shop):
    browser = shop.as_user("sally")
    response = upload(browser, "ws.order", BAD, skip=True)
    assert response.status_code == 200
    page = doc(response)
    assert "Imported 1 record(s) into ws.order; skipped 2 invalid row(s)." in \
        texts(page, "//div[@data-import-report]/p")[0]
    assert page.xpath("//input[@name='skip_invalid']/@checked")
    assert order_names(shop, "WEB-BAD-") == ["WEB-BAD-1"]


def test_record_rules_apply_to_the_imported_rows(shop):
    browser = shop.as_user("sally")  # sally: her own or unassigned orders only
    response = upload(browser, "ws.order", "name,customer_id,user_id\n"
                                           "WEB-RULE-1,Agrolait,Sam Seller\n")
    assert response.status_code == 400
    assert "record rule" in texts(doc(response), "//tr[@class='import-error']/td[3]")[0]
    assert order_names(shop, "WEB-RULE-") == []


def test_csrf_missing_file_and_forbidden_models(shop):
    browser = shop.as_user("sally")
    response = upload(browser, "ws.order", "name\nWEB-CSRF\n", csrf=False)
    assert response.status_code == 403
    response = browser.post("/web/ws.order/import", {}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a CSV file" in response.get_data(as_text=True)
    assert browser.get("/web/ws.secret/import").status_code == 403
    assert browser.get("/web/no.such/import").status_code == 404
    assert order_names(shop, "WEB-CSRF") == []
    anonymous = shop.browser()
    assert anonymous.get("/web/ws.order/import").status_code == 302  # to the login page


def test_import_0_or_create_0_hide_the_button(shop):
    with shop.database.env() as env:
        model = env["ws.order"]
        assert parse_list_arch(model, '<list><field name="name"/></list>').importable
        assert not parse_list_arch(model, '<list import="0"><field name="name"/></list>') \
            .importable
        assert not parse_list_arch(model, '<list create="0"><field name="name"/></list>') \
            .create
