"""Customers and contacts: companies and persons, contacts and addresses, validation,
commercial fields, and who sees what (owner, sharing, private addresses)."""

from __future__ import annotations

import pytest

from core.exceptions import AccessError, ValidationError


def make_company(env, name="Agrolait", **values):
    return env["res.partner"].create({"name": name, "is_company": True, **values})


def test_contact_takes_company_name_and_commercial_fields(env):
    term = env.ref("base.payment_term_30_days")
    company = make_company(env, user_id=env.ref("base.payment_term_30_days").id and None,
                           payment_term_id=term.id)
    contact = env["res.partner"].create({"name": "Michel Fletcher", "parent_id": company.id})
    assert contact.complete_name == "Agrolait, Michel Fletcher"
    assert contact.commercial_partner_id == company
    assert contact.payment_term_id == term
    company.write({"name": "Agrolait SA", "payment_term_id":
                   env.ref("base.payment_term_15_days").id})
    assert contact.complete_name == "Agrolait SA, Michel Fletcher"
    assert contact.payment_term_id == env.ref("base.payment_term_15_days")
    assert env["res.partner"].name_search("agrolait sa, mich")[0][0] == contact.id


def test_address_helpers_find_invoice_and_delivery(env):
    company = make_company(env)
    invoice = env["res.partner"].create({"name": "Accounts", "parent_id": company.id,
                                         "type": "invoice"})
    assert company.invoice_address() == invoice
    assert company.delivery_address() == company
    delivery = env["res.partner"].create({"name": "Warehouse", "parent_id": company.id,
                                          "type": "delivery", "city": "Hải Phòng"})
    assert invoice.delivery_address() == delivery
    assert company.address_get(["invoice", "delivery"]) == {
        "invoice": invoice.id, "delivery": delivery.id, "contact": company.id}


@pytest.mark.parametrize("email", ["bad", "a@b", "two@@example.com", "a b@example.com",
                                   "x@example..com"])
def test_invalid_email_is_refused_with_a_clear_message(env, email):
    with pytest.raises(ValidationError, match="not a valid email address") as caught:
        env["res.partner"].create({"name": "X", "email": email})
    assert caught.value.field == "email"
    assert not env["res.partner"].search([("name", "=", "X")])


@pytest.mark.parametrize("phone", ["12345", "call me", "+84 24 abc 1234"])
def test_invalid_phone_is_refused(env, phone):
    with pytest.raises(ValidationError, match="not a valid phone number"):
        env["res.partner"].create({"name": "X", "phone": phone})


def test_valid_email_and_phone_are_kept(env):
    partner = env["res.partner"].create({"name": "X", "email": " an.nguyen@example.vn ",
                                         "phone": "+84 (24) 3826-1234"})
    assert partner.email == "an.nguyen@example.vn"


def test_a_company_cannot_be_its_own_parent(env):
    company = make_company(env)
    contact = env["res.partner"].create({"name": "C", "parent_id": company.id})
    with pytest.raises(ValidationError, match="own company"):
        company.write({"parent_id": contact.id})


def test_employees_see_own_shared_and_unowned_customers(env, as_user):
    users = {u.login: u for u in env["res.users"].search([])}
    mine = make_company(env, "Sally's", owner_id=users["sally"].id)
    other = make_company(env, "Sam's", owner_id=users["sam"].id)
    shared = make_company(env, "Shared", owner_id=users["sam"].id,
                          share_user_ids=[users["sally"].id])
    by_department = make_company(env, "South's", owner_id=users["sonia"].id,
                                 share_department_ids=[users["sally"].department_id.id])
    unowned = make_company(env, "Nobody's", owner_id=False)
    ours = [mine.id, other.id, shared.id, by_department.id, unowned.id]
    sally = as_user("sally")["res.partner"]
    assert set(sally.search([("id", "in", ours)]).ids) == {
        mine.id, shared.id, by_department.id, unowned.id}
    with pytest.raises(AccessError):
        sally.browse(other.id).name  # noqa: B018
    assert set(as_user("mia")["res.partner"].search([("id", "in", ours)]).ids) == set(ours)


def test_contacts_follow_their_company_visibility(env, as_user):
    users = {u.login: u for u in env["res.users"].search([])}
    company = make_company(env, owner_id=users["sam"].id)
    contact = env["res.partner"].create({"name": "C", "parent_id": company.id})
    assert contact.owner_id == users["sam"]
    company.write({"owner_id": users["sally"].id})
    assert contact.owner_id == users["sally"]
    assert as_user("sally")["res.partner"].search([("parent_id", "=", company.id)]) == contact


def test_private_addresses_only_for_their_group(env, as_user):
    company = make_company(env, owner_id=False)
    home = env["res.partner"].create({"name": "Home", "parent_id": company.id,
                                      "type": "private", "street": "12 Hàng Bạc"})
    assert not as_user("sally")["res.partner"].search([("id", "=", home.id)])
    assert not as_user("mia")["res.partner"].search([("id", "=", home.id)])
    assert as_user("paula")["res.partner"].search([("id", "=", home.id)]) == home
    # field level: the company's list of private addresses is for the group only
    assert as_user("paula")["res.partner"].browse(company.id).private_address_ids == home
    with pytest.raises(AccessError):
        as_user("sally")["res.partner"].browse(company.id).private_address_ids  # noqa: B018


def test_private_addresses_tab_only_for_their_group(team):
    with team.env() as env:
        company = env["res.partner"].create({"name": "Home owner", "is_company": True,
                                             "owner_id": False})
        env["res.partner"].create({"name": "Secret home", "parent_id": company.id,
                                   "type": "private", "street": "7 Nguyễn Du"})
    assert "Secret home" in team.browser("paula").page(f"/web/res.partner/{company.id}")
    html = team.browser("sally").page(f"/web/res.partner/{company.id}")
    assert "Secret home" not in html and "7 Nguyễn Du" not in html
    assert "Private addresses" not in html  # the tab of an unreadable field is gone
