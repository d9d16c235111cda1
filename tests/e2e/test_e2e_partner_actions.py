"""The customers' mass actions in a real browser: tick three customers in the list, run
"Change customer group" (move to) and "Share customers" from the Actions menu."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def make_customers(shop, prefix: str, count: int = 4) -> list[int]:
    """Companies named PREFIX-1... owned by sally (committed)."""
    with shop.database.env() as env:
        sally = env["res.users"].search([("login", "=", "sally")])
        return env["res.partner"].create([
            {"name": f"{prefix}-{n}", "is_company": True, "owner_id": sally.id}
            for n in range(1, count + 1)]).ids


def customers_list(shop, prefix: str) -> str:
    """The customers list (list view) searched for `prefix`."""
    with shop.database.env() as env:
        action = env.ref("base.action_customers").id
    return f"/web/res.partner?action={action}&view=list&s=complete_name%3A{prefix}"


def run_action(page: Page, prefix: str, label: str) -> None:
    """Tick PREFIX-1 to PREFIX-3 and run the Actions menu entry `label`."""
    for n in (1, 2, 3):
        page.get_by_role("checkbox", name=f"Select {prefix}-{n}").check()
    expect(page.get_by_text("3 selected")).to_be_visible()
    page.get_by_label("Action on the selected records").select_option(label=label)
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("navigation", name="Breadcrumbs")).to_contain_text(label)


def test_change_customer_group_of_three_customers(page: Page, shop):
    prefix = shop.unique("E2E-GRP")
    ids = make_customers(shop, prefix)
    with shop.database.env() as env:
        north, south = (env["res.partner.group"].create({"name": f"{prefix} {name}"}).id
                        for name in ("North", "South"))
        env["res.partner"].browse(ids[0]).write({"group_ids": [south]})
    page.goto(customers_list(shop, prefix))
    expect(page.locator("table.list tr.record")).to_have_count(4)
    run_action(page, prefix, "Change customer group")

    page.get_by_role("radio", name="Move to (replace all groups)").check()
    groups = page.get_by_role("combobox", name="Customer groups")
    groups.fill(f"{prefix} Nor")
    page.get_by_role("option", name=f"{prefix} North").click()
    expect(page.locator("[data-field=group_ids] .tag")).to_have_text([f"{prefix} North"])
    page.locator(".header-buttons").get_by_role("button", name="Apply").click()

    expect(page.get_by_role("status")).to_have_text("Done.")
    expect(page).to_have_url(re.compile(r"/web/res\.partner\?"))
    assert [shop.read("res.partner", i, ["group_ids"])["group_ids"] for i in ids] == [
        [north], [north], [north], []]
    page.goto(f"/web/res.partner/{ids[0]}")
    expect(page.locator("[data-field=group_ids] .tag")).to_have_text([f"{prefix} North"])
    expect(page.locator(".messages .message-body").first).to_have_text(
        f"Customer groups changed: added to {prefix} North; removed from {prefix} South.")


def test_share_three_customers_with_a_user(page: Page, shop):
    prefix = shop.unique("E2E-SHR")
    ids = make_customers(shop, prefix)
    login = prefix.lower()
    with shop.database.env() as env:
        department = env["res.department"].create({"name": f"{prefix} Team"})
        colleague = env["res.users"].create({
            "name": f"{prefix} Colleague", "login": login, "department_id": department.id,
            "groups_id": [(6, 0, [env.ref("base.group_user").id])]}).id

    def seen_by_colleague() -> list[int]:
        with shop.database.env(user=colleague) as env:
            return sorted(env["res.partner"].search([("id", "in", ids)]).ids)

    assert seen_by_colleague() == []
    page.goto(customers_list(shop, prefix))
    run_action(page, prefix, "Share customers")
    expect(page.get_by_role("radio", name=re.compile(r"^Add"))).to_be_checked()
    users = page.get_by_role("combobox", name="Users")
    users.fill(f"{prefix} Coll")
    page.get_by_role("option", name=f"{prefix} Colleague").click()
    page.locator(".header-buttons").get_by_role("button", name="Apply").click()

    expect(page.get_by_role("status")).to_have_text("Done.")
    assert seen_by_colleague() == sorted(ids[:3])
    page.goto(f"/web/res.partner/{ids[1]}")
    expect(page.locator(".messages .message-body").first).to_have_text(
        f"Sharing changed: shared with {prefix} Colleague.")
