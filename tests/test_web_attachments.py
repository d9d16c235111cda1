"""Attachments in the web client: upload (multipart) from the chatter, the list with its
count, download with the file's Content-Type and a safe `attachment` disposition (never
rendered in place), delete, the size limit (a clear error, nothing written), access
following the record, escaped file names and CSRF.

Every test runs on SQLite and on PostgreSQL (tests/web_support.py builds the shop).
"""

from __future__ import annotations

import io

import pytest

from tests.mail_support import use_config
from tests.web_support import XSS, Shop, doc, main_text, texts


@pytest.fixture(autouse=True)
def filestore(shop: Shop, monkeypatch, tmp_path):
    folder = use_config(monkeypatch, tmp_path, max_size=1000)
    yield folder
    with shop.database.env() as env:
        env["ws.ticket"].search([]).unlink()
        env["ir.attachment"].search([]).unlink()


def new_ticket(shop: Shop, name: str = "Broken screen", **values) -> int:
    with shop.database.env() as env:
        return env["ws.ticket"].create({"name": name, **values}).id


def upload(browser, model: str, record_id: int, *files, **kwargs):
    """POST files [(name, bytes, content type)] to the record's attachments."""
    data = [("file", (io.BytesIO(raw), name, kind)) for name, raw, kind in files]
    return browser.post(f"/web/{model}/{record_id}/attachments", data, **kwargs)


def attachments_of(shop: Shop, model: str, record_id: int) -> list[tuple]:
    with shop.database.env() as env:
        return [(a.name, a.raw, a.mimetype) for a in env["ir.attachment"].search(
            [("res_model", "=", model), ("res_id", "=", record_id)], order="id")]


def listed(html: str) -> list[str]:
    return texts(doc(html), "//li[@class='attachment']/a")


def test_upload_list_download_delete(shop: Shop):
    ticket = new_ticket(shop)
    browser = shop.as_user("sally")
    response = upload(browser, "ws.ticket", ticket, ("quote.pdf", b"%PDF-1.4 x",
                                                     "application/pdf"),
                      ("notes.txt", b"hello", "text/plain"))
    assert response.status_code == 303, main_text(response)
    assert response.location == f"/web/ws.ticket/{ticket}#attachments"
    assert attachments_of(shop, "ws.ticket", ticket) == [
        ("quote.pdf", b"%PDF-1.4 x", "application/pdf"), ("notes.txt", b"hello", "text/plain")]
    html = browser.page(f"/web/ws.ticket/{ticket}")
    assert sorted(listed(html)) == ["notes.txt", "quote.pdf"]
    assert texts(doc(html), "//span[@data-attachment-count]") == ["2"]
    href = doc(html).xpath("//li[@class='attachment']/a[text()='quote.pdf']/@href")[0]
    response = browser.get(href)
    assert response.status_code == 200
    assert response.data == b"%PDF-1.4 x"
    assert response.headers["Content-Type"] == "application/pdf"
    attachment_id = int(href.rsplit("/", 1)[1])
    response = browser.post(f"/web/attachment/{attachment_id}/delete",
                            {"back": f"/web/ws.ticket/{ticket}"})
    assert response.status_code == 303
    assert [a[0] for a in attachments_of(shop, "ws.ticket", ticket)] == ["notes.txt"]
    assert browser.get(href).status_code == 404


def test_size_limit_is_a_clear_error_and_writes_nothing(shop: Shop, filestore):
    """Over `[attachments] max_size` (1000 bytes here): a 400 page naming the limit, no
    row and no file, even for the small file sent with it."""
    ticket = new_ticket(shop)
    browser = shop.as_user("sally")
    response = upload(browser, "ws.ticket", ticket, ("small.txt", b"ok", "text/plain"),
                      ("scan.tiff", b"x" * 1500, "image/tiff"))
    assert response.status_code == 400
    text = main_text(response)
    assert "scan.tiff" in text and "1500 bytes" in text and "max_size" in text
    assert attachments_of(shop, "ws.ticket", ticket) == []
    assert not filestore.exists() or not [p for p in filestore.rglob("*") if p.is_file()]


def test_headers_of_a_download(shop: Shop):
    """An HTML file is served as text/html but as an attachment, with nosniff and a
    sandboxing policy; the file name is percent-encoded (UTF-8) with an ASCII
    fallback that quotes cannot break."""
    ticket = new_ticket(shop)
    browser = shop.as_user("sally")
    upload(browser, "ws.ticket", ticket, ("résumé été.html", b"<script>alert(1)</script>",
                                          "text/html"))
    with shop.database.env() as env:
        attachment = env["ir.attachment"].search([("res_id", "=", ticket),
                                                  ("res_model", "=", "ws.ticket")])
        attachment.write({"name": 'a";b\r\nX-Evil: 1.html'})
        evil = attachment.id
        plain = env["ir.attachment"].create({
            "name": "résumé été.html", "raw": b"<b>x</b>", "res_model": "ws.ticket",
            "res_id": ticket}).id
    response = browser.get(f"/web/attachment/{plain}")
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"resume ete.html\"; "
        "filename*=UTF-8''r%C3%A9sum%C3%A9%20%C3%A9t%C3%A9.html")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    response = browser.get(f"/web/attachment/{evil}")
    assert "X-Evil" not in response.headers
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"a_;b__X-Evil_ 1.html\"; ")
    assert "\r" not in disposition and "\n" not in disposition


def test_access_follows_the_record(shop: Shop):
    """sam cannot read sally's ticket: its attachments are refused to him (download,
    delete, upload), while sally gets them."""
    ticket = new_ticket(shop, user_id=shop.users["sally"])
    with shop.database.env() as env:
        attachment = env["ir.attachment"].create({
            "name": "contract.pdf", "raw": b"secret", "res_model": "ws.ticket",
            "res_id": ticket}).id
    sam = shop.as_user("sam")
    response = sam.get(f"/web/attachment/{attachment}")
    assert response.status_code in (403, 404) and b"secret" not in response.data
    assert sam.post(f"/web/attachment/{attachment}/delete").status_code in (403, 404)
    assert upload(sam, "ws.ticket", ticket, ("x.txt", b"x", "text/plain")).status_code \
        in (403, 404)
    assert [a[0] for a in attachments_of(shop, "ws.ticket", ticket)] == ["contract.pdf"]
    assert shop.as_user("sally").get(f"/web/attachment/{attachment}").data == b"secret"


def test_unattached_file_of_someone_else_is_refused(shop: Shop):
    with shop.database.env() as env:
        sally_env = env(user=shop.users["sally"])
        mine = sally_env["ir.attachment"].create({"name": "draft.txt", "raw": b"d"}).id
    assert shop.as_user("sam").get(f"/web/attachment/{mine}").status_code == 403
    assert shop.as_user("sally").get(f"/web/attachment/{mine}").data == b"d"


def test_file_names_are_escaped(shop: Shop):
    ticket = new_ticket(shop)
    with shop.database.env() as env:
        for name in XSS:
            env["ir.attachment"].create({"name": name, "raw": b"x", "res_model": "ws.ticket",
                                         "res_id": ticket})
    html = shop.as_user("sally").page(f"/web/ws.ticket/{ticket}")
    section = doc(html).xpath("//section[@id='attachments']")[0]
    assert not section.xpath(".//script") and not section.xpath(".//*[@onerror]")
    assert sorted(listed(html)) == sorted(XSS)


def test_any_record_may_hold_attachments(shop: Shop):
    """The upload route works for a model without chatter too (ws.customer)."""
    customer = shop.customers["gemini"]
    browser = shop.as_user("sally")
    response = upload(browser, "ws.customer", customer, ("logo.png", b"\x89PNG", "image/png"))
    assert response.status_code == 303
    [(name, raw, kind)] = attachments_of(shop, "ws.customer", customer)
    assert (name, raw, kind) == ("logo.png", b"\x89PNG", "image/png")


def test_upload_without_file_or_csrf(shop: Shop):
    ticket = new_ticket(shop)
    browser = shop.as_user("sally")
    assert browser.post(f"/web/ws.ticket/{ticket}/attachments").status_code == 400
    # (no file part: the application closes uploads only in the route that reads them)
    response = browser.post(f"/web/ws.ticket/{ticket}/attachments", {"file": "a"},
                            csrf=False)
    assert response.status_code == 403
    assert attachments_of(shop, "ws.ticket", ticket) == []
    with shop.database.env() as env:
        attachment = env["ir.attachment"].create({"name": "k.txt", "raw": b"k",
                                                  "res_model": "ws.ticket",
                                                  "res_id": ticket}).id
    assert browser.post(f"/web/attachment/{attachment}/delete", csrf=False).status_code \
        == 403
    assert len(attachments_of(shop, "ws.ticket", ticket)) == 1
