"""Converting leads to opportunities: each customer action, several leads at once, the
salesperson and team, the wizard's defaults and its refusals."""

from __future__ import annotations

import pytest

from core.exceptions import UserError, ValidationError


def convert(env, leads, **values):
    """Run the conversion wizard on `leads` (as env's user) with `values`."""
    wizard = env["crm.lead.convert"].with_context(
        active_model="crm.lead", active_ids=leads.ids).create(values)
    return wizard.action_apply()


def test_create_a_company_and_its_contact_person(as_user):
    sally = as_user("sally")
    lead = sally["crm.lead"].create({"name": "Chairs for Agro", "contact_name": "An Nguyen",
                                     "partner_name": "Agro Convert Co",
                                     "email_from": "an@agro.example", "phone": "+84 90 123 4567"})
    result = convert(sally, lead, action="create")
    person = lead.partner_id
    assert lead.type == "opportunity" and lead.date_conversion
    assert person.name == "An Nguyen" and not person.is_company
    assert person.email == "an@agro.example" and person.phone == "+84 90 123 4567"
    company = person.parent_id
    assert company.name == "Agro Convert Co" and company.is_company
    assert not company.email
    # the salesperson converting it owns the customer (and its contact follows)
    assert company.owner_id == sally.user and person.owner_id == sally.user
    assert company.user_id == sally.user
    assert lead.stage_id == sally.ref("crm.stage_new")
    assert result["url"].startswith(f"/web/crm.lead/{lead.id}")


@pytest.mark.parametrize(("values", "is_company", "name"), [
    ({"partner_name": "Only Company Ltd"}, True, "Only Company Ltd"),
    ({"contact_name": "Only Person"}, False, "Only Person"),
])
def test_create_one_customer_from_the_name_given(as_user, values, is_company, name):
    sally = as_user("sally")
    lead = sally["crm.lead"].create({"name": "One name", "email_from": "x@example.com",
                                     **values})
    convert(sally, lead, action="create")
    assert lead.partner_id.name == name and lead.partner_id.is_company == is_company
    assert lead.partner_id.email == "x@example.com" and not lead.partner_id.parent_id


def test_a_lead_without_a_name_cannot_create_a_customer(as_user):
    sally = as_user("sally")
    named = sally["crm.lead"].create({"name": "Named", "contact_name": "Bao"})
    anonymous = sally["crm.lead"].create({"name": "Anonymous", "email_from": "a@b.example"})
    before = sally["res.partner"].search_count([])
    with pytest.raises(UserError, match="'Anonymous' has no contact name and no company"):
        convert(sally, named | anonymous, action="create")
    assert named.type == "lead" and anonymous.type == "lead" and not named.partner_id
    assert sally["res.partner"].search_count([]) == before


def test_invalid_contact_data_names_the_lead(as_user):
    sally = as_user("sally")
    lead = sally["crm.lead"].create({"name": "Bad phone", "contact_name": "Khanh",
                                     "phone": "call me"})
    with pytest.raises(ValidationError, match="Lead 'Bad phone': its customer cannot be "
                                              "created: Phone 'call me'"):
        convert(sally, lead, action="create")
    assert lead.type == "lead" and not sally["res.partner"].search([("name", "=", "Khanh")])


def test_link_an_existing_customer(as_user):
    sally = as_user("sally")
    customer = sally["res.partner"].create({"name": "Existing Customer", "is_company": True,
                                            "email": "hello@existing.example"})
    lead = sally["crm.lead"].create({"name": "Repeat order"})
    convert(sally, lead, action="exist", partner_id=customer.id)
    assert lead.partner_id == customer and lead.type == "opportunity"
    assert lead.email_from == "hello@existing.example"


def test_link_an_existing_customer_needs_one(as_user):
    sally = as_user("sally")
    lead = sally["crm.lead"].create({"name": "Who?"})
    with pytest.raises(ValidationError, match="Choose the existing customer") as error:
        convert(sally, lead, action="exist")
    assert error.value.field == "partner_id"
    assert lead.type == "lead"


def test_no_customer(as_user):
    sally = as_user("sally")
    lead = sally["crm.lead"].create({"name": "Anonymous deal", "contact_name": "Chi"})
    convert(sally, lead, action="nothing")
    assert lead.type == "opportunity" and not lead.partner_id


def test_several_leads_to_another_salesperson(env, as_user, crm):
    team = env["crm.team"].create({"name": "Sam's team", "member_ids": [crm.users["sam"]]})
    sally = as_user("sally")
    leads = sally["crm.lead"].create([
        {"name": "Batch 1", "partner_name": "Batch Company One"},
        {"name": "Batch 2", "contact_name": "Batch Person Two"},
        {"name": "Batch 3", "partner_name": "Batch Company Three", "contact_name": "Dung"}])
    ids = leads.ids
    result = convert(sally, leads, action="create", user_id=crm.users["sam"])
    assert result["url"].startswith("/web/crm.lead?")  # several (and no longer hers)
    converted = env["crm.lead"].browse(ids)
    assert set(converted.mapped("type")) == {"opportunity"}
    assert converted.mapped("user_id").ids == [crm.users["sam"]]
    assert converted.mapped("team_id") == team
    customers = converted.mapped("partner_id")
    assert len(customers) == 3
    assert customers.mapped("commercial_partner_id.owner_id").ids == [crm.users["sam"]]
    # sally no longer sees them: they are sam's
    assert not sally["crm.lead"].search([("id", "in", ids)])
    assert sorted(as_user("sam")["crm.lead"].search([("id", "in", ids)]).ids) == sorted(ids)


def test_a_team_given_wins_over_the_salespersons(env, as_user, crm):
    team = env["crm.team"].create({"name": "Key accounts"})
    sally = as_user("sally")
    lead = sally["crm.lead"].create({"name": "Key", "contact_name": "Em"})
    convert(sally, lead, action="nothing", user_id=crm.users["sally"], team_id=team.id)
    assert lead.team_id == team and lead.user_id.id == crm.users["sally"]


def test_a_manager_converts_for_a_salesperson(as_user, crm):
    mia = as_user("mia")
    lead = mia["crm.lead"].create({"name": "Dispatched", "user_id": False,
                                   "partner_name": "Dispatched Company"})
    convert(mia, lead, action="create", user_id=crm.users["sally"])
    assert lead.user_id.id == crm.users["sally"]
    assert lead.partner_id.owner_id.id == crm.users["sally"]
    sally = as_user("sally")
    assert sally["res.partner"].search([("id", "=", lead.partner_id.id)])


def test_opportunities_cannot_be_converted_again(as_user):
    sally = as_user("sally")
    lead = sally["crm.lead"].create({"name": "Fresh", "contact_name": "Gia"})
    opportunity = sally["crm.lead"].create({"name": "Old hand", "type": "opportunity"})
    with pytest.raises(UserError, match="Already opportunities: Old hand"):
        convert(sally, lead | opportunity, action="create")
    assert lead.type == "lead" and not lead.partner_id


def test_leads_one_cannot_see_are_refused(env, as_user, crm):
    theirs = env["crm.lead"].create({"name": "Sam's lead", "user_id": crm.users["sam"],
                                     "contact_name": "Hoa"})
    sally = as_user("sally")
    with pytest.raises(UserError, match="not visible to you"):
        convert(sally, theirs, action="create")
    assert theirs.type == "lead"


def test_the_wizard_is_refused_outside_leads(as_user):
    sally = as_user("sally")
    wizard = sally["crm.lead.convert"].with_context(active_model="res.partner",
                                                    active_ids=[1]).create({})
    with pytest.raises(UserError, match="works on leads"):
        wizard.action_apply()


def test_defaults_follow_the_lead(as_user, crm):
    mia = as_user("mia")
    known = mia["res.partner"].create({"name": "Known Buyer", "email": "Known@Buyer.example"})
    by_email = mia["crm.lead"].create({"name": "Email match",
                                       "email_from": "known@buyer.example"})
    named = mia["crm.lead"].create({"name": "Named", "partner_name": "Newco",
                                    "user_id": crm.users["sam"]})
    bare = mia["crm.lead"].create({"name": "Bare"})

    def defaults(lead):
        return mia["crm.lead.convert"].with_context(
            active_model="crm.lead", active_ids=lead.ids).default_get(
                ["action", "partner_id", "user_id"])

    assert defaults(by_email) == {"action": "exist", "partner_id": known.id,
                                  "user_id": crm.users["mia"]}
    assert defaults(named) == {"action": "create", "partner_id": False,
                               "user_id": crm.users["sam"]}
    assert defaults(bare)["action"] == "nothing"
    assert defaults(by_email | named)["action"] == "create"
    assert defaults(by_email | named)["user_id"] == crm.users["mia"]  # two salespeople


def test_the_form_button_opens_the_wizard(as_user):
    sally = as_user("sally")
    lead = sally["crm.lead"].create({"name": "Button"})
    assert lead.action_open_convert_wizard() == {
        "url": f"/web/crm.lead.convert/new?active_model=crm.lead&active_ids={lead.id}"}


def test_the_leads_actions_menu_offers_conversion(env):
    entries = {entry["name"]: entry for found in env.hooks.record_actions(
        env=env, model="crm.lead") for entry in found}
    assert entries["convert"]["wizard"] == "crm.lead.convert"
    assert entries["mark_lost"]["wizard"] == "crm.lead.lost"
    assert entries["mark_won"]["method"] == "action_set_won"
    assert entries["restore"]["method"] == "action_restore"
