"""Call centre: a CSV list of calls to make, imported (core/views/csv_import.py) as the
operator, through the ORM and the Import button of the calls' list; all or nothing
unless invalid rows are skipped; the imported calls then come one after another with
Next call."""

from __future__ import annotations

import io
import uuid

from core.views.csv_import import import_csv
from tests.web_support import doc, notice, texts


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def csv_text(partner: str, tag: str, bad: bool = False) -> str:
    rows = ["Summary,Contact,Date,Direction,Responsible,phone,opportunity_id",
            f"{tag} A,{partner},2026-04-01 10:00,Outbound,Sally Seller,+84 24 3826 0001,",
            f"{tag} B,{partner},2026-04-01 09:00,outbound,,+84 24 3826 0002,",
            f"{tag} C,{partner},2026-04-01 11:30,Inbound,Sally Seller,,"]
    if bad:
        rows += [f"{tag} D,Nobody Ltd,2026-04-01 12:00,Outbound,,,",
                 f"{tag} E,{partner},April 1st,Outbound,,,",
                 f"{tag} F,{partner},2026-04-01 12:00,Outbound,,call me,",
                 f"{tag} G,{partner},2026-04-01 12:00,Sideways,,,No such deal"]
    return "\n".join(rows) + "\n"


def test_good_rows_become_the_operators_queue(as_user, crm):
    sally = as_user("sally")
    sally["crm.phonecall"].search([("user_id", "=", crm.users["sally"])]).write(
        {"state": "cancelled"})
    partner = sally["res.partner"].create({"name": unique("Agrolait"),
                                           "phone": "+84 24 9999 0000"})
    tag = unique("IMPORT")
    report = import_csv(sally["crm.phonecall"], csv_text(partner.name, tag))
    assert report.ok, [str(e) for e in report.errors]
    calls = sally["crm.phonecall"].browse(report.created_ids)
    assert [(c.name, c.direction, c.state, c.user_id.login) for c in calls] == [
        (f"{tag} A", "outbound", "open", "sally"), (f"{tag} B", "outbound", "open", "sally"),
        (f"{tag} C", "inbound", "open", "sally")]
    assert calls[2].phone == "+84 24 9999 0000"  # the contact's number
    assert all(c.partner_id == partner for c in calls)
    # the queue: earliest first, one after another
    first = sally["crm.phonecall"].action_next_call()["url"]
    assert first.startswith(f"/web/crm.phonecall/{calls[1].id}?")
    assert calls[1].action_held()["url"].startswith(f"/web/crm.phonecall/{calls[0].id}?")
    assert calls[0].action_not_held()["url"].startswith(f"/web/crm.phonecall/{calls[2].id}?")


def test_bad_rows_are_all_reported_and_nothing_is_imported(as_user):
    sally = as_user("sally")
    partner = sally["res.partner"].create({"name": unique("Deco")})
    tag = unique("BAD")
    report = import_csv(sally["crm.phonecall"], csv_text(partner.name, tag, bad=True))
    assert report.created_ids == []
    assert sally["crm.phonecall"].search_count([("name", "=like", f"{tag}%")]) == 0
    assert [(e.row, e.column) for e in report.errors] == [
        (5, "Contact"), (6, "Date"), (7, "phone"), (8, "Direction"), (8, "opportunity_id")]
    messages = [e.message for e in report.errors]
    assert "no Contact is named 'Nobody Ltd'" in messages[0]
    assert "'April 1st' is not a date and time" in messages[1]
    assert "'call me' is not a phone number" in messages[2]
    assert "'Sideways' is not one of: Outbound (outbound), Inbound (inbound)" in messages[3]
    assert "no Lead or opportunity is named 'No such deal'" in messages[4]


def test_skip_invalid_rows_imports_the_good_ones(as_user):
    sally = as_user("sally")
    partner = sally["res.partner"].create({"name": unique("Gemini")})
    tag = unique("SKIP")
    report = import_csv(sally["crm.phonecall"], csv_text(partner.name, tag, bad=True),
                        skip_invalid=True)
    assert len(report.created_ids) == 3 and report.invalid_rows == 4
    names = sally["crm.phonecall"].search([("name", "=like", f"{tag}%")]).mapped("name")
    assert sorted(names) == [f"{tag} A", f"{tag} B", f"{tag} C"]


def test_the_operator_cannot_import_calls_for_a_colleague(as_user):
    sally = as_user("sally")
    report = import_csv(sally["crm.phonecall"], "name,user_id\nFor sam,Sam Seller\n")
    assert not report.ok and "record rule" in report.errors[0].message


def test_import_button_of_the_calls_list(crm):
    with crm.env() as env:
        partner = env["res.partner"].create({"name": unique("Web customer"),
                                             "owner_id": crm.users["sally"]})
        action = env.ref("crm.action_phonecall_outbound").id
    tag = unique("WEB")
    browser = crm.browser("sally")
    page = doc(browser.page(f"/web/crm.phonecall?action={action}"))
    assert page.xpath("//a[@data-import]/@href") == [f"/web/crm.phonecall/import?action="
                                                     f"{action}"]

    def upload(text, skip=False):
        data = [("file", (io.BytesIO(text.encode()), "calls.csv"))]
        if skip:
            data.append(("skip_invalid", "1"))
        return browser.post(f"/web/crm.phonecall/import?action={action}", data,
                            content_type="multipart/form-data")

    response = upload(csv_text(partner.name, tag, bad=True))
    assert response.status_code == 400
    rows = texts(doc(response), "//tr[@class='import-error']/td[1]")
    assert rows == ["5", "6", "7", "8", "8"]
    response = upload(csv_text(partner.name, tag))
    assert response.status_code == 303 and notice(response) == "imported"
    with crm.env() as env:
        assert env["crm.phonecall"].search_count([("name", "=like", f"{tag}%")]) == 3
