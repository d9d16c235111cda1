"""CSV import (core.views.csv_import) and `tessera import MODEL FILE.csv`, on the test
shop's orders (tests/addons_web/web_shop): columns by name or label, conversions,
many2one by name or external id, a report of every bad row, all-or-nothing unless
--skip-invalid, and the importing user's rights."""

from __future__ import annotations

import contextlib
import subprocess
import sys

import pytest

from core.views.csv_import import import_csv
from tests.web_support import WEB_ADDONS


class _Rollback(Exception):
    pass


@pytest.fixture
def env_as(shop):
    """`env_as("sally")`: the test's transaction as that user (None: superuser), rolled
    back after the test."""
    with contextlib.suppress(_Rollback), shop.database.env() as environment:
        yield lambda login=None: environment(user=shop.users[login]) if login \
            else environment
        raise _Rollback


def orders(env, prefix: str) -> list[tuple]:
    """(name, customer, state, priority, tags) of the orders whose name starts with prefix."""
    found = env["ws.order"].sudo().search([("name", "=like", f"{prefix}%")], order="name")
    return [(o.name, o.customer_id.name, o.state, o.priority, sorted(o.tag_ids.mapped("name")))
            for o in found]


GOOD = ("Reference,customer_id,Status,priority,Tags,date_order,deadline,Urgent,discount\n"
        "IMP-1,Agrolait,Quotation,3,\"Red, Blue\",2026-03-01,2026-03-01 09:30,yes,5.5\n"
        "IMP-2,deco addict,confirmed,,,,,no,\n")


def test_good_rows_are_created_with_converted_values(env_as):
    env = env_as("manager")
    report = import_csv(env["ws.order"], GOOD.encode())
    assert report.ok and report.rows == 2 and len(report.created_ids) == 2, report.errors
    assert orders(env, "IMP-") == [("IMP-1", "Agrolait", "draft", 3, ["Blue", "Red"]),
                                   ("IMP-2", "Deco Addict", "confirmed", 0, [])]
    first = env["ws.order"].search([("name", "=", "IMP-1")])
    assert str(first.date_order) == "2026-03-01" and first.is_urgent is True
    assert first.discount == 5.5
    assert report.summary() == "Imported 2 record(s) into ws.order."


def test_datetimes_are_read_in_the_importers_time_zone(env_as):
    env = env_as("sally")  # Asia/Ho_Chi_Minh, UTC+7
    report = import_csv(env["ws.order"], "name,customer_id,deadline\n"
                                         "IMP-TZ,Agrolait,2026-03-01 09:30\n")
    assert report.ok, report.errors
    order = env["ws.order"].search([("name", "=", "IMP-TZ")])
    assert str(order.deadline) == "2026-03-01 02:30:00"


BAD = ("name,customer_id,state,priority,date_order,is_urgent,discount\n"
       "IMP-OK,Agrolait,draft,1,,,\n"
       "IMP-B1,Nobody Inc,draft,x,,,\n"
       "IMP-B2,Agrolait,shipped,,2026-13-01,maybe,\n"
       "IMP-B3,Agrolait,,,,,150\n"
       ",Agrolait,,,,,\n")


def test_bad_rows_are_all_reported_and_nothing_is_imported(env_as):
    env = env_as("manager")
    report = import_csv(env["ws.order"], BAD)
    assert not report.ok and report.created_ids == []
    assert orders(env, "IMP-") == []
    found = [(e.row, e.column) for e in report.errors]
    assert found == [(3, "customer_id"), (3, "priority"), (4, "state"), (4, "date_order"),
                     (4, "is_urgent"), (5, "discount"), (6, "name")]
    messages = [str(e) for e in report.errors]
    assert "no Customer is named 'Nobody Inc'" in messages[0]
    assert "'x' is not a whole number" in messages[1]
    assert "'shipped' is not one of: Quotation (draft)" in messages[2]
    assert "not a date: write YYYY-MM-DD" in messages[3]
    assert "'maybe' is not a yes/no value" in messages[4]
    assert "between 0 and 100" in messages[5]
    assert "required" in messages[6]
    assert messages[0].startswith("Row 3, column 'customer_id': ")
    assert report.invalid_rows == 4
    assert report.summary().startswith("Nothing imported: 4 of 5 row(s) are invalid.")


def test_skip_invalid_imports_the_good_rows_and_reports_the_bad(env_as):
    env = env_as("manager")
    report = import_csv(env["ws.order"], BAD, skip_invalid=True)
    assert len(report.created_ids) == 1 and report.invalid_rows == 4
    assert [o[0] for o in orders(env, "IMP-")] == ["IMP-OK"]
    assert report.summary() == "Imported 1 record(s) into ws.order; skipped 4 invalid row(s)."


def test_header_problems_stop_everything_even_when_skipping(env_as):
    env = env_as("manager")
    report = import_csv(env["ws.order"], "name,colour,amount,id,customer_id,Customer\n"
                                         "IMP-H,red,1,x,Agrolait,Agrolait\n",
                        skip_invalid=True)
    assert report.fatal and report.created_ids == []
    assert [(e.row, e.column) for e in report.errors] == [
        (1, "colour"), (1, "amount"), (1, "id"), (1, "Customer")]
    assert "no field named or labelled 'colour'" in report.errors[0].message
    assert "cannot be imported (it is computed)" in report.errors[1].message
    assert "already given by column 'customer_id'" in report.errors[3].message
    assert orders(env, "IMP-") == []


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfename\n", "not UTF-8"), (b"  \n", "the file is empty"),
    (b"name,customer_id\n\n", "a header but no rows")])
def test_unreadable_files_are_one_clear_error(env_as, data, message):
    report = import_csv(env_as("manager")["ws.order"], data)
    assert report.fatal and message in str(report.errors[0])


def test_external_ids_semicolons_and_a_bom(env_as, shop):
    env_as()["ir.model.data"].create({"addon": "web_shop", "name": "customer_imp_deco",
                                      "model": "ws.customer", "res_id": shop.customers["deco"]})
    env = env_as("manager")
    data = "\ufeffname;customer_id/id\nIMP-X;web_shop.customer_imp_deco\n" \
           "IMP-Y;web_shop.no_such\n"
    report = import_csv(env["ws.order"], data.encode())
    assert [(e.row, e.column) for e in report.errors] == [(3, "customer_id/id")]
    assert "no Customer has the external id 'web_shop.no_such'" in report.errors[0].message
    report = import_csv(env["ws.order"], data.encode(), skip_invalid=True)
    assert orders(env, "IMP-") == [("IMP-X", "Deco Addict", "draft", 0, [])]


def test_the_importer_rights_and_rules_apply(env_as):
    env = env_as("sally")  # sally creates her own or unassigned orders only
    report = import_csv(env["ws.order"], "name,customer_id,user_id\n"
                                         "IMP-S1,Agrolait,Sally Seller\n"
                                         "IMP-S2,Agrolait,Sam Seller\n"
                                         "IMP-S3,Agrolait,\n", skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, None)]
    assert "record rule" in report.errors[0].message
    assert [o[0] for o in orders(env, "IMP-")] == ["IMP-S1", "IMP-S3"]
    report = import_csv(env["ws.secret"], "name\nThe plan\n")
    assert not report.ok and "not allowed to create" in report.errors[0].message


def test_many2one_names_are_looked_up_once_per_distinct_value(env_as):
    env = env_as("manager")
    rows = "".join(f"IMP-Q{i},{'Agrolait' if i % 2 else 'Deco Addict'}\n" for i in range(40))
    lookups = []
    model = env["ws.customer"]
    original = type(model).name_search

    def counting(self, *args, **kwargs):
        lookups.append(args)
        return original(self, *args, **kwargs)

    type(model).name_search = counting
    try:
        report = import_csv(env["ws.order"], "name,customer_id\n" + rows)
    finally:
        type(model).name_search = original
    assert report.ok and len(report.created_ids) == 40
    assert len(lookups) == 2


# -- the command ------------------------------------------------------------------------
def tessera(url, *args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "--db", url, "--addons-path", str(WEB_ADDONS),
         *args], capture_output=True, text=True, timeout=120, check=False, input=stdin)


def _url(shop) -> str:
    return shop.database.engine.url.render_as_string(hide_password=False)


def test_command_all_or_nothing_then_skip(shop, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("name,customer_id,priority\nCLI-1,Agrolait,2\nCLI-2,Nobody,1\n")
    result = tessera(_url(shop), "import", "ws.order", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Row 3, column 'customer_id': no Customer is named 'Nobody'")
    assert lines[-1].startswith("Error: Nothing imported: 1 of 2 row(s) are invalid.")
    with shop.database.env() as env:
        assert orders(env, "CLI-") == []

    result = tessera(_url(shop), "import", "ws.order", str(path), "--skip-invalid",
                     "--as", "sally")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Imported 1 record(s) into ws.order; skipped 1 invalid " \
                                    "row(s)."
    with shop.database.env() as env:
        created = env["ws.order"].search([("name", "=like", "CLI-%")])
        assert created.mapped("name") == ["CLI-1"]
        assert created.create_uid.login == "sally"
        created.unlink()


def test_command_unknown_model_user_or_file(shop, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name\nX\n")
    result = tessera(_url(shop), "import", "no.such", str(path))
    assert result.returncode == 1 and "model 'no.such' is not installed" in result.stderr
    result = tessera(_url(shop), "import", "ws.tag", str(path), "--as", "nobody")
    assert result.returncode == 1 and "no user with login 'nobody'" in result.stderr
    result = tessera(_url(shop), "import", "ws.tag", str(tmp_path / "missing.csv"))
    assert result.returncode != 0 and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr
