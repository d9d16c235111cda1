"""The customers' mass actions through the web client: tick customers in the list, pick
the entry of the Actions menu, fill in the wizard, Apply; then the customers, who sees
them, and the chatter on their form.

Every test runs on SQLite and on PostgreSQL; the database is committed and shared by
the module's tests, so each test makes its own customers under a unique name.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.web_support import doc, field_error, list_names, notice, texts


def unique(prefix: str) -> str:
    """A name no other test uses (the database is shared)."""
    return f"{prefix}-{uuid.uuid4().hex[:6].upper()}"


@pytest.fixture(scope="module")
def sally(team):
    """Sally's browser (one login per module: argon2 is slow on purpose)."""
    return team.browser("sally")


def make(team, names, owner="sally", **values) -> list[int]:
    """Companies named `names` owned by `owner`, committed; their ids."""
    with team.env() as env:
        return env["res.partner"].create([
            {"name": name, "is_company": True, "owner_id": team.users[owner], **values}
            for name in names]).ids


def customers_list(team, prefix: str, **query) -> str:
    """The URL of the customers list (list view) searched for `prefix`."""
    with team.env() as env:
        action = env.ref("base.action_customers").id
    return "/web/res.partner?" + urlencode({"action": action, "view": "list",
                                            "s": f"complete_name:{prefix}", **query})


def run_from_list(browser, list_url: str, action: str, count: int):
    """Tick the first `count` rows of the list (in the list's order) and choose `action`
    in the Actions menu; return the wizard's URL and the ids posted."""
    page = doc(browser.page(list_url))
    form = page.xpath("//form[contains(@class, 'list-form')]")[0]
    ids = page.xpath("//tr[contains(@class, 'record')]//input[@name='ids']/@value")[:count]
    assert action in page.xpath("//select[@name='action']/option/@value")
    response = browser.post(form.get("action"), [
        ("action", action), ("back", form.xpath(".//input[@name='back']/@value")[0]),
        *[("ids", i) for i in ids]])
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.location, [int(i) for i in ids]


def apply_wizard(browser, wizard_url: str, changes: dict):
    """Fill in the wizard's form and press its Apply button."""
    page = doc(browser.page(wizard_url))
    [apply] = page.xpath("//div[@class='header-buttons']/button[normalize-space()='Apply']")
    return browser.submit(wizard_url, changes, action=apply.get("formaction"))


def chatter(browser, partner_id: int) -> list[str]:
    """The messages' texts on a customer's form."""
    return texts(doc(browser.page(f"/web/res.partner/{partner_id}")),
                 "//li[contains(@class, 'message')]/div[@class='message-body']")


def test_change_customer_group_on_three_selected_customers(team, sally):
    prefix = unique("GRP")
    ids = make(team, [f"{prefix}-{n}" for n in (1, 2, 3, 4)])
    with team.env() as env:
        north, south = (env["res.partner.group"].create({"name": f"{prefix} {name}"}).id
                        for name in ("North", "South"))
        env["res.partner"].browse(ids[0]).write({"group_ids": [south]})
    url = customers_list(team, prefix)
    assert list_names(sally.page(url)) == [f"{prefix}-{n}" for n in (1, 2, 3, 4)]
    wizard_url, selected = run_from_list(sally, url, "change_groups", 3)
    assert selected == ids[:3]
    assert wizard_url.startswith("/web/res.partner.group.wizard/new?")
    assert parse_qs(urlsplit(wizard_url).query)["active_ids"] == [
        ",".join(map(str, ids[:3]))]
    page = doc(sally.page(wizard_url))
    assert page.xpath("//input[@type='radio'][@name='mode']/@value") == [
        "move", "add", "remove"]
    assert texts(page, "//p[@data-wizard-selection]") == [
        f"For 3 selected records: {prefix}-1; {prefix}-2; {prefix}-3"]
    assert not page.xpath("//button[text()='Save']") and page.xpath("//a[@data-cancel]")

    response = apply_wizard(sally, wizard_url, {"mode": "move", "group_ids": [str(north)]})
    assert response.status_code == 303, field_error(response.get_data(as_text=True),
                                                    "__all__")
    assert notice(response) == "done"
    assert response.location.startswith("/web/res.partner?")
    assert "Done." in sally.page(response.location)
    with team.env() as env:
        assert [env["res.partner"].browse(i).group_ids.ids for i in ids] == [
            [north], [north], [north], []]
    form = sally.page(f"/web/res.partner/{ids[0]}")
    assert f"{prefix} North" in texts(doc(form), "//div[@data-field='group_ids']")[0]
    assert any(f"added to {prefix} North; removed from {prefix} South" in text
               for text in chatter(sally, ids[0]))


def test_share_customers_on_three_selected_customers(team, sally):
    prefix = unique("SHR")
    ids = make(team, [f"{prefix}-{n}" for n in (1, 2, 3)])
    with team.env("sonia") as env:
        assert not env["res.partner"].search([("id", "in", ids)])
    wizard_url, selected = run_from_list(sally, customers_list(team, prefix), "share", 3)
    assert wizard_url.startswith("/web/res.partner.share.wizard/new?")
    response = apply_wizard(sally, wizard_url, {
        "mode": "add", "user_ids": [str(team.users["sonia"])]})
    assert response.status_code == 303 and notice(response) == "done"
    with team.env("sonia") as env:
        assert sorted(env["res.partner"].search([("id", "in", ids)]).ids) == sorted(ids)
    with team.env("sam") as env:  # same department as sally, not shared with
        assert not env["res.partner"].search([("id", "in", ids)])
    assert any("shared with Sonia Seller" in text for text in chatter(sally, selected[1]))


def test_transfer_owner_splits_in_the_list_order(team, sally):
    prefix = unique("OWN")
    ids = make(team, [f"{prefix}-{n}" for n in (1, 2, 3, 4)])
    url = customers_list(team, prefix, o="complete_name desc")
    wizard_url, selected = run_from_list(sally, url, "transfer_owner", 4)
    assert selected == list(reversed(ids))  # newest name first, as the list shows
    response = apply_wizard(sally, wizard_url, {
        "user_ids": [str(team.users["sam"]), str(team.users["sonia"])]})
    assert response.status_code == 303 and notice(response) == "done"
    with team.env() as env:
        owners = [env["res.partner"].browse(i).owner_id.login for i in ids]
    assert owners == ["sonia", "sonia", "sam", "sam"]  # 4, 3 to Sam; 2, 1 to Sonia
    assert list_names(sally.page(customers_list(team, prefix))) == []  # no longer hers
    sam = team.browser("sam")
    assert any("Owner changed from Sally Seller to Sam Seller" in text
               for text in chatter(sam, ids[3]))


def test_a_wizard_without_its_choice_shows_the_error_and_changes_nothing(team, sally):
    prefix = unique("ERR")
    ids = make(team, [f"{prefix}-1"])
    wizard_url, _ = run_from_list(sally, customers_list(team, prefix), "change_groups", 1)
    response = apply_wizard(sally, wizard_url, {"mode": "move"})
    assert response.status_code == 400
    assert "at least one customer group" in field_error(response.get_data(as_text=True),
                                                        "group_ids")
    with team.env() as env:
        assert not env["res.partner"].browse(ids[0]).group_ids
        assert not env["res.partner.group.wizard"].search([])


def test_a_hidden_customer_posted_by_hand_is_refused(team, sally):
    prefix = unique("HID")
    [mine] = make(team, [f"{prefix}-mine"])
    [hidden] = make(team, [f"{prefix}-sam"], owner="sam")
    query = urlencode({"active_model": "res.partner", "active_ids": f"{mine},{hidden}"})
    response = apply_wizard(sally, f"/web/res.partner.owner.wizard/new?{query}",
                            {"user_ids": [str(team.users["sonia"])]})
    assert response.status_code == 400
    assert "not visible to you: nothing was changed" in response.get_data(as_text=True)
    with team.env() as env:
        assert env["res.partner"].browse(mine).owner_id.id == team.users["sally"]
        assert env["res.partner"].browse(hidden).owner_id.id == team.users["sam"]


def test_customer_groups_menu_and_search(team, sally):
    prefix = unique("MNU")
    ids = make(team, [f"{prefix}-in", f"{prefix}-out"])
    with team.env() as env:
        group = env["res.partner.group"].create({"name": f"{prefix} Age 20-30"})
        env["res.partner"].browse(ids[0]).write({"group_ids": [group.id]})
        action = env.ref("base.action_partner_groups").id
        contacts = env.ref("base.action_partners").id
    menus = doc(sally.page(f"/web/res.partner?action={contacts}"))
    assert texts(menus, f"//a[contains(@href, '/web/action/{action}')]") == ["Customer groups"]
    assert f"{prefix} Age 20-30" in list_names(sally.page(f"/web/res.partner.group?"
                                                          f"action={action}"))
    url = customers_list(team, prefix)
    searched = url + "&" + urlencode({"s": f"group_ids:{prefix} Age"})
    assert list_names(sally.page(searched)) == [f"{prefix}-in"]
    assert list_names(sally.page(url + "&f=no_group")) == [f"{prefix}-out"]
