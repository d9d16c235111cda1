"""Phone calls: defaults, the state buttons (Held, Not held, Cancel, Reopen), Schedule
another call, Convert to opportunity, the operator's Next call (earliest first, one
after another), record rules, and the Inbound / Outbound menus."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from addons.base.tests.partner_support import unique
from core.exceptions import AccessError, UserError, ValidationError
from tests.web_support import doc, input_value, main_text, texts


def call(env, **values):
    return env["crm.phonecall"].create({"name": unique("Call"), **values})


def test_defaults_and_the_contacts_number(as_user):
    sally = as_user("sally")
    partner = sally["res.partner"].create({"name": unique("Agrolait"),
                                           "phone": "+84 24 3826 1234"})
    created = call(sally, partner_id=partner.id)
    assert created.state == "open" and created.direction == "outbound"
    assert created.user_id == sally.user and created.phone == "+84 24 3826 1234"
    assert created.date <= dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert call(sally, partner_id=partner.id, phone="+33 1 23 45 67 89").phone == \
        "+33 1 23 45 67 89"
    lead = sally["crm.lead"].create({"name": "Desks", "phone": "+84 24 7777 8888"})
    assert call(sally, opportunity_id=lead.id).phone == "+84 24 7777 8888"
    from_button = sally["crm.phonecall"].with_context(default_partner_id=partner.id)
    assert from_button.create({"name": "From the Calls button"}).phone == "+84 24 3826 1234"


@pytest.mark.parametrize("values, field", [({"phone": "call me"}, "phone"),
                                           ({"phone": "12"}, "phone"),
                                           ({"duration": -5}, "duration")])
def test_invalid_values_are_refused(env, values, field):
    with pytest.raises(ValidationError) as error:
        call(env, **values)
    assert error.value.field == field


def test_state_buttons(env):
    held = call(env)
    held.action_held()
    assert held.state == "held"
    with pytest.raises(UserError, match="is held: only a call to do can be marked not held"):
        held.action_not_held()
    missed = call(env)
    missed.action_not_held()
    assert missed.state == "not_held"
    missed.action_held()  # called back later
    assert missed.state == "held"
    cancelled = call(env)
    cancelled.action_cancel()
    assert cancelled.state == "cancelled"
    with pytest.raises(UserError, match="cancelled"):
        cancelled.action_held()
    cancelled.action_reopen()
    assert cancelled.state == "open"
    with pytest.raises(UserError):
        cancelled.action_reopen()


def test_schedule_another_call_prefills_a_new_open_call(env, crm):
    partner = env["res.partner"].create({"name": unique("Deco")})
    lead = env["crm.lead"].create({"name": "Desks", "type": "opportunity"})
    first = call(env, partner_id=partner.id, opportunity_id=lead.id, phone="+84 1234 5678",
                 user_id=crm.users["sally"], date="2026-03-02 09:00:00")
    first.action_held()
    url = first.action_schedule_another()["url"]
    assert url.startswith("/web/crm.phonecall/new?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert params["default_partner_id"] == str(partner.id)
    assert params["default_opportunity_id"] == str(lead.id)
    assert params["default_user_id"] == str(crm.users["sally"])
    assert params["default_phone"] == "+84 1234 5678"
    assert params["default_direction"] == "outbound"
    tomorrow = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=23)
    assert dt.datetime.fromisoformat(params["default_date"]) >= tomorrow


def test_convert_to_opportunity(env, as_user):
    sally = as_user("sally")
    partner = sally["res.partner"].create({"name": unique("Gemini"),
                                           "email": "gemini@example.com"})
    source = call(sally, partner_id=partner.id, phone="+84 98 765 4321",
                  description="Wants 20 chairs")
    url = source.action_convert_to_opportunity()["url"]
    lead = source.opportunity_id
    assert url == f"/web/crm.lead/{lead.id}"
    assert lead.type == "opportunity" and lead.name == source.name
    assert lead.partner_id == partner and lead.user_id == sally.user
    assert lead.phone == "+84 98 765 4321" and "20 chairs" in lead.description
    assert source.state == "held"
    with pytest.raises(UserError, match="already about the opportunity"):
        source.action_convert_to_opportunity()
    cancelled = call(sally)
    cancelled.action_cancel()
    with pytest.raises(UserError, match="cancelled"):
        cancelled.action_convert_to_opportunity()


def test_next_call_is_the_operators_earliest_open_call(env, as_user, crm):
    sally = as_user("sally")
    sally["crm.phonecall"].search([("user_id", "=", crm.users["sally"])]).write(
        {"state": "cancelled"})  # a clean queue (rolled back after the test)
    late = call(sally, date="2026-03-02 15:00:00")
    early = call(sally, date="2026-03-02 09:00:00")
    middle = call(sally, date="2026-03-02 11:00:00")
    call(env, date="2026-03-01 08:00:00", user_id=crm.users["sam"])  # sam's
    call(sally, date="2026-03-01 08:00:00").action_cancel()  # not open
    action = env.ref("crm.action_phonecall_queue").id
    assert sally["crm.phonecall"].action_next_call() == {
        "url": f"/web/crm.phonecall/{early.id}?action={action}"}
    assert early.action_held()["url"].startswith(f"/web/crm.phonecall/{middle.id}?")
    assert middle.action_not_held()["url"].startswith(f"/web/crm.phonecall/{late.id}?")
    assert late.action_held() == {"url": f"/web/crm.phonecall?action={action}"}
    other = call(env, user_id=crm.users["sam"])  # a manager marking sam's call: no queue
    assert other.with_user(crm.users["mia"]).action_held() is None


def test_record_rules_own_and_unassigned_managers_all(env, as_user, crm):
    mine = call(env, user_id=crm.users["sally"])
    unassigned = call(env, user_id=False)
    sams = call(env, user_id=crm.users["sam"])
    ids = [mine.id, unassigned.id, sams.id]
    assert set(as_user("sally")["crm.phonecall"].search([("id", "in", ids)]).ids) == \
        {mine.id, unassigned.id}
    assert len(as_user("mia")["crm.phonecall"].search([("id", "in", ids)])) == 3
    with pytest.raises(AccessError):
        as_user("sally")["crm.phonecall"].browse(sams.id).action_held()
    with pytest.raises(AccessError):
        as_user("sally")["crm.phonecall"].browse(mine.id).unlink()  # managers only
    with pytest.raises(AccessError):
        as_user("paula")["crm.phonecall"].search([])


# -- in the web client ---------------------------------------------------------------------
def test_menus_inbound_outbound_and_queue(crm, browsers):
    with crm.env() as env:
        inbound = call(env, direction="inbound", name=unique("Inbound"),
                       user_id=crm.users["sally"])
        outbound = call(env, direction="outbound", name=unique("Outbound"),
                        user_id=crm.users["sally"])
        actions = {key: env.ref(f"crm.action_phonecall_{key}").id
                   for key in ("inbound", "outbound", "queue")}
        root = env.ref("crm.menu_crm_phonecalls")
        assert root.parent_id == env.ref("crm.menu_crm_root")
        assert [m.name for m in root.child_ids] == ["Next calls", "Inbound", "Outbound",
                                                    "All calls"]
    browser = browsers("sally")
    page = browser.page(f"/web/crm.phonecall?action={actions['inbound']}")
    assert inbound.name in page and outbound.name not in page
    page = browser.page(f"/web/crm.phonecall?action={actions['outbound']}")
    assert outbound.name in page and inbound.name not in page
    form = browser.page(f"/web/crm.phonecall/new?action={actions['inbound']}")
    assert doc(form).xpath("//select[@name='direction']/option[@selected]/@value") == \
        ["inbound"]
    queue = browser.page(f"/web/crm.phonecall?action={actions['queue']}")
    assert "Import" in texts(doc(queue), "//a[@data-import]")


def test_mark_a_call_held_in_the_form_then_the_next_opens(crm, browsers):
    with crm.env() as env:
        env["crm.phonecall"].search([("user_id", "=", crm.users["sam"]),
                                     ("state", "=", "open")]).write({"state": "cancelled"})
        first = call(env, user_id=crm.users["sam"], date="2026-01-01 08:00:00")
        second = call(env, user_id=crm.users["sam"], date="2026-01-01 09:00:00")
        action = env.ref("crm.action_phonecall_queue").id
    browser = browsers("sam")
    url = f"/web/crm.phonecall/{first.id}?action={action}"
    buttons = texts(doc(browser.page(url)), "//div[@class='header-buttons']//button")
    assert {"Held", "Not held", "Cancel", "Schedule another call", "Convert to opportunity",
            "Next call"} <= set(buttons)
    response = browser.submit(url, {"duration": "4.5", "description": "Interested"},
                              action=f"/web/crm.phonecall/{first.id}/call/action_held")
    assert response.status_code == 303, main_text(response)
    assert response.location == f"/web/crm.phonecall/{second.id}?action={action}"
    with crm.env() as env:
        done = env["crm.phonecall"].browse(first.id)
        assert (done.state, done.duration, done.description) == ("held", 4.5, "Interested")
    buttons = texts(doc(browser.page(response.location)),
                    "//div[@class='header-buttons']//button")
    assert "Held" in buttons
    held_buttons = texts(doc(browser.page(url)), "//div[@class='header-buttons']//button")
    assert "Not held" not in held_buttons and "Reopen" in held_buttons


def test_schedule_another_and_convert_from_the_form(crm, browsers):
    with crm.env() as env:
        partner = env["res.partner"].create({"name": unique("Agro"), "owner_id": False})
        source = call(env, user_id=crm.users["sally"], partner_id=partner.id,
                      phone="+84 24 1111 2222")
    browser = browsers("sally")
    url = f"/web/crm.phonecall/{source.id}"
    response = browser.submit(url, action=f"{url}/call/action_schedule_another")
    assert response.status_code == 303 and "/web/crm.phonecall/new?" in response.location
    form = browser.page(response.location)
    assert input_value(form, "name") == source.name
    assert input_value(form, "partner_id") == str(partner.id)
    assert input_value(form, "phone") == "+84 24 1111 2222"
    created = browser.submit(response.location)
    assert created.status_code == 303, main_text(created)
    response = browser.submit(url, action=f"{url}/call/action_convert_to_opportunity")
    assert response.status_code == 303 and response.location.startswith("/web/crm.lead/")
    with crm.env() as env:
        calls = env["crm.phonecall"].search([("name", "=", source.name)], order="id")
        assert [c.state for c in calls] == ["held", "open"]
        assert calls[0].opportunity_id.partner_id == partner
