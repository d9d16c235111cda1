"""The potential rating of customers: scores from customer groups, stars from the
thresholds, what triggers a new rating, the settings form, filters and query counts."""

from __future__ import annotations

import pytest

from addons.base.models.partner_potential import (
    DEFAULT_THRESHOLDS,
    PARAM,
    check_thresholds,
    stars_for,
)
from addons.base.tests.partner_support import unique
from core.exceptions import AccessError, ValidationError
from tests.security_support import count_queries
from tests.web_support import doc, field_error, list_names, main_text, texts


def group(env, score: int, name: str | None = None):
    return env["res.partner.group"].create({"name": name or unique("Group"),
                                            "potential_score": score})


def customer(env, *groups, **values):
    return env["res.partner"].create({"name": values.pop("name", unique("Customer")),
                                      "is_company": True,
                                      "group_ids": [g.id for g in groups], **values})


def rating(partner) -> tuple[int, str]:
    return partner.potential_score, partner.potential_stars




# -- stars and thresholds --------------------------------------------------------------
@pytest.mark.parametrize(("score", "stars"), [(0, "0"), (19, "0"), (20, "1"), (39, "1"),
                                              (40, "2"), (60, "3"), (79, "3"), (80, "4"),
                                              (94, "4"), (95, "5"), (100, "5")])
def test_stars_from_the_default_thresholds(score, stars):
    assert DEFAULT_THRESHOLDS == (20, 40, 60, 80, 95)
    assert stars_for(score, DEFAULT_THRESHOLDS) == stars


@pytest.mark.parametrize(("thresholds", "field", "message"), [
    ([10, 20, 20, 40, 50], "min_score_3", "must be higher than for 2 star"),
    ([50, 40, 60, 70, 80], "min_score_2", "must be higher than for 1 star"),
    ([10, 20, 30, 40, 101], "min_score_5", "out of range; use 0 to 100"),
    ([-1, 20, 30, 40, 50], "min_score_1", "out of range"),
    ([10, 20, "x", 40, 50], "min_score_3", "is not a whole number"),
])
def test_bad_thresholds_are_refused_naming_the_star(thresholds, field, message):
    with pytest.raises(ValidationError, match=message) as caught:
        check_thresholds(thresholds)
    assert caught.value.field == field
    with pytest.raises(ValidationError, match="needs 5 minimum scores"):
        check_thresholds([10, 20])


def test_thresholds_are_stored_as_parameters_and_rate_everyone_again(env):
    vip = group(env, 50)
    partner = customer(env, vip)
    archived = customer(env, vip, active=False)
    assert rating(partner) == (50, "2")
    env["res.partner"]._set_potential_thresholds([10, 20, 30, 40, 50])
    assert env["ir.config.parameter"].get_param(PARAM.format(3)) == "30"
    assert env["res.partner"]._potential_thresholds() == (10, 20, 30, 40, 50)
    assert rating(partner) == (50, "5")
    assert rating(archived.with_context(active_test=False)) == (50, "5")


def test_parameters_edited_by_hand_fall_back_to_the_defaults(env):
    env["ir.config.parameter"].set_param(PARAM.format(2), "lots")
    assert env["res.partner"]._potential_thresholds() == DEFAULT_THRESHOLDS


# -- what triggers a new rating ----------------------------------------------------------
def test_groups_of_a_customer_make_its_score(env):
    north, vip = group(env, 30), group(env, 55)
    partner = customer(env, north)
    assert rating(partner) == (30, "1")
    partner.write({"group_ids": [(4, vip.id)]})
    assert rating(partner) == (85, "4")
    partner.write({"group_ids": [(3, north.id)]})
    assert rating(partner) == (55, "2")
    partner.write({"group_ids": [(5,)]})
    assert rating(partner) == (0, "0")


def test_score_is_capped_at_100(env):
    partner = customer(env, group(env, 70), group(env, 60))
    assert rating(partner) == (100, "5")


def test_membership_changed_from_the_group_side(env):
    partner, other = customer(env), customer(env)
    south = group(env, 45)
    south.write({"partner_ids": [(4, partner.id), (4, other.id)]})
    assert rating(partner) == rating(other) == (45, "2")
    south.write({"partner_ids": [(6, 0, [other.id])]})
    assert rating(partner) == (0, "0")
    assert rating(other) == (45, "2")
    created = env["res.partner.group"].create({"name": unique("New"), "potential_score": 85,
                                               "partner_ids": [(6, 0, [partner.id])]})
    assert rating(partner) == (85, "4")
    created.unlink()
    assert rating(partner) == (0, "0")


def test_a_group_score_change_rates_its_members(env):
    north = group(env, 20)
    members = customer(env, north) | customer(env, north)
    outsider = customer(env, group(env, 40))
    north.write({"potential_score": 96})
    assert {rating(p) for p in members} == {(96, "5")}
    assert rating(outsider) == (40, "2")
    north.write({"active": False})  # an archived group gives nothing
    assert {rating(p) for p in members} == {(0, "0")}


def test_group_scores_are_checked(env):
    with pytest.raises(ValidationError, match="between 0 and 100"):
        group(env, 120)


def test_users_cannot_write_the_rating(env, as_user):
    partner = customer(env, group(env, 30))
    for values in ({"potential_score": 99}, {"potential_stars": "5"}):
        with pytest.raises(ValidationError, match="cannot be set") as caught:
            partner.write(values)
        assert caught.value.field in values
    with pytest.raises(ValidationError, match="cannot be set"):
        env["res.partner"].create({"name": "X", "potential_score": 50})
    assert rating(partner) == (30, "1")
    copy = partner.copy()
    assert rating(copy) == (30, "1")  # rated from its own groups, not copied


def test_an_employee_adding_a_group_rates_the_customer(env, as_user):
    vip = group(env, 65)
    users = {u.login: u.id for u in env["res.users"].search([])}
    partner = customer(env, owner_id=users["sally"])
    sally_partner = as_user("sally")["res.partner"].browse(partner.id)
    sally_partner.write({"group_ids": [(4, vip.id)]})
    assert rating(sally_partner) == (65, "3")


def test_the_change_group_mass_action_rates_the_customers(env):
    north, vip = group(env, 20), group(env, 60)
    partners = customer(env, north) | customer(env)
    wizard = env["res.partner.group.wizard"].with_context(
        active_model="res.partner", active_ids=partners.ids).create(
        {"mode": "add", "group_ids": [(6, 0, [vip.id])]})
    wizard.action_apply()
    assert [rating(p) for p in partners] == [(80, "4"), (60, "3")]


# -- efficiency --------------------------------------------------------------------------
@pytest.mark.parametrize("operation", ["update", "group_score"])
def test_rating_costs_the_same_queries_for_5_or_50_customers(env, team, operation):
    north = group(env, 30)

    def cost(count: int) -> int:
        members = env["res.partner"].create([{"name": unique("Member"),
                                              "group_ids": [(6, 0, [north.id])]}
                                             for _ in range(count)])
        env["ir.config.parameter"].set_param(PARAM.format(1), 31)  # stars to write again
        with count_queries(team.database) as statements:
            if operation == "update":
                members._update_potential()
            else:
                north.write({"potential_score": 42})
        assert {rating(p) for p in members} == {(30 if operation == "update" else 42,
                                                 "0" if operation == "update" else "2")}
        north.write({"partner_ids": [(5,)], "potential_score": 30})
        env["ir.config.parameter"].set_param(PARAM.format(1), 20)
        return len(statements)

    assert cost(5) == cost(50)


def test_creating_customers_in_a_batch_scores_them_in_one_go(env, team):
    north = group(env, 30)

    with count_queries(team.database) as statements:
        created = env["res.partner"].create([{"name": unique("New"), "group_ids": [north.id]}
                                             for _ in range(50)])
    assert {rating(p) for p in created} == {(30, "1")}
    # (creating costs queries per record elsewhere: the rating costs one of each)
    scoring = [s for s in statements if "sum(res_partner_group.potential_score)" in s]
    thresholds = [s for s in statements if "FROM ir_config_parameter" in s]
    writes = [s for s in statements if "UPDATE res_partner SET" in s and "potential" in s]
    assert (len(scoring), len(thresholds), len(writes)) == (1, 1, 1)


# -- the web client ----------------------------------------------------------------------
def test_filter_and_group_by_stars(team):
    name = unique("Stars")
    with team.env() as env:
        four, two = group(env, 85, f"{name} four"), group(env, 45, f"{name} two")
        for label, groups in [("A4", [four]), ("B2", [two]), ("C0", []), ("D4", [four])]:
            customer(env, *groups, name=f"{name} {label}", owner_id=False)
    browser = team.browser("sally")
    shown = list_names(browser.page(f"/web/res.partner?view=list&s=complete_name:{name}"
                                    "&f=stars_4"))
    assert shown == [f"{name} A4", f"{name} D4"]
    shown = list_names(browser.page(f"/web/res.partner?view=list&s=complete_name:{name}"
                                    "&f=stars_4_plus"))
    assert shown == [f"{name} A4", f"{name} D4"]
    shown = list_names(browser.page(f"/web/res.partner?view=list&s=complete_name:{name}"
                                    "&f=stars_0"))
    assert shown == [f"{name} C0"]
    page = doc(browser.page(f"/web/res.partner?view=list&s=complete_name:{name}"
                            "&g=potential_stars"))
    headers = " ".join(texts(page, "//tr[contains(@class, 'group')]"))
    assert "4 stars" in headers and "2 stars" in headers and "no star" in headers


def test_stars_on_cards_and_forms(team):
    name = unique("Card")
    with team.env() as env:
        partner = customer(env, group(env, 85, f"{name} group"), name=name, owner_id=False)
        partner_id = partner.id
    browser = team.browser("sally")
    board = doc(browser.page(f"/web/res.partner?view=kanban&s=complete_name:{name}"))
    assert board.xpath("//*[contains(@class, 'card-potential')]"
                       "//*[@aria-label='Priority 4 of 5']")
    assert len(board.xpath("//*[contains(@class, 'card-potential')]"
                           "//*[contains(@class, 'kb-star on')]")) == 4
    form = doc(browser.page(f"/web/res.partner/{partner_id}"))
    assert texts(form, "//*[@id='field-potential_stars']") == ["★★★★☆ 4 stars"]
    assert texts(form, "//*[@id='field-potential_score']") == ["85"]
    assert not form.xpath("//*[@name='potential_stars' or @name='potential_score']")


def test_only_managers_set_the_thresholds(team):
    sally = team.browser("sally")

    def menu(browser) -> list[str]:
        return texts(doc(browser.page("/web/res.partner?view=list")), "//nav//a")

    assert "Potential rating" not in menu(sally)
    assert "Potential rating" in menu(team.browser("mia"))
    assert sally.get("/web/res.partner.potential.settings/new").status_code == 403
    with team.env("sally") as env, pytest.raises(AccessError):
        env["res.partner.potential.settings"].create({"min_score_1": 1})


def test_thresholds_form_applies_and_keeps_the_history(team):
    name = unique("Thresholds")
    with team.env() as env:
        partner = customer(env, group(env, 50, name), name=name, owner_id=False)
    browser = team.browser("mia")
    try:
        url = "/web/res.partner.potential.settings/new"
        html = browser.page(url)
        assert [doc(html).xpath(f"//input[@name='min_score_{i}']/@value")[0]
                for i in range(1, 6)] == ["20", "40", "60", "80", "95"]
        response = browser.submit(url, {"min_score_3": "30"})
        assert response.status_code == 400, main_text(response)
        assert "must be higher than for 2 star" in field_error(response.get_data(as_text=True),
                                                               "min_score_3")
        with team.env() as env:
            assert env["res.partner"]._potential_thresholds() == DEFAULT_THRESHOLDS
            assert not env["res.partner.potential.settings"].search_count([])
        response = browser.submit(url, {"min_score_1": "5", "min_score_2": "10",
                                        "min_score_3": "15", "min_score_4": "30",
                                        "min_score_5": "50"})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        with team.env() as env:
            assert env["res.partner"]._potential_thresholds() == (5, 10, 15, 30, 50)
            assert rating(env["res.partner"].browse(partner.id)) == (50, "5")
            applied = env["res.partner.potential.settings"].search([])
            assert applied.mapped("create_uid.login") == ["mia"]
        html = browser.page(response.location)
        assert doc(html).xpath("//*[@id='field-min_score_4']")[0].text_content() == "30"
        listing = browser.page("/web/res.partner.potential.settings")
        assert "Mia Manager" in listing
    finally:
        with team.env() as env:
            env["res.partner"]._set_potential_thresholds(DEFAULT_THRESHOLDS)
            env["res.partner.potential.settings"].search([]).sudo().unlink()
