"""Automation rules (addon automation, with crm's sales teams): each trigger (creation,
update of fields, stage change, time condition through the worker), each action (email
queued from a template, assignment fixed or round robin, set values, activity), the
filter, errors that undo the change and name the rule, recursion, and who may write
rules."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.exceptions import AccessError, UserError, ValidationError


def rule(env, name="Rule", **values):
    return env["base.automation"].create({"name": name, "model": "crm.lead", **values})


def lead(env, name="Lead", **values):
    return env["crm.lead"].create({"name": name, **values})


def template(env, model="crm.lead"):
    return env["mail.template"].create({
        "name": "Reminder", "model": model, "subject": "About {{ object.name }}",
        "body_html": "<p>Dear {{ object.contact_name or 'customer' }}, news about "
                     "{{ object.name }}.</p>"})


def stage(env, key):
    return env.ref(f"crm.stage_{key}")


def emails_about(env, record):
    return env["mail.mail"].sudo().search([("model", "=", record._name),
                                           ("res_id", "=", record.id)])


# -- triggers and actions ------------------------------------------------------------------
def test_on_create_round_robin_in_a_sales_team_remembers_the_last_one(env, crm):
    members = [crm.users[login] for login in ("sally", "sam", "sonia")]
    team = env["crm.team"].create({"name": "Dispatch", "member_ids": [(6, 0, members)]})
    robin = rule(env, "Dispatch new leads", trigger="on_create", action="assign",
                 assign_mode="round_robin", team_id=team.id,
                 filter_domain="[('type', '=', 'lead')]")
    first = env["crm.lead"].create([{"name": f"L{i}", "type": "lead"} for i in range(4)])
    assert [new.user_id.id for new in first] == [*members, members[0]]
    assert set(first.mapped("team_id").ids) == {team.id}
    assert robin.last_user_id.id == members[0]
    following = lead(env, "L4", type="lead")
    assert following.user_id.id == members[1]
    # the filter: an opportunity is not dispatched
    opportunity = lead(env, "O1", type="opportunity")
    assert opportunity.user_id == env.user


def test_round_robin_among_users_and_a_fixed_user(env, crm):
    sally, sam = crm.users["sally"], crm.users["sam"]
    rule(env, "Among", trigger="on_create", action="assign", assign_mode="round_robin",
         assign_user_ids=[(6, 0, [sam, sally])])
    created = [lead(env, f"R{i}").user_id.id for i in range(3)]
    assert created == [sally, sam, sally]  # in id order, whatever order they were given
    env["base.automation"].search([("name", "=", "Among")]).write({"active": False})
    rule(env, "Fixed", trigger="on_create", action="assign", user_id=sam)
    assert lead(env, "F").user_id.id == sam


def test_on_write_of_given_fields_only_when_they_change(env):
    rule(env, "Hot", trigger="on_write", trigger_fields="priority, expected_revenue",
         action="set_values", values="{'probability': 90, 'tag_ids': [(0, 0, {'name': 'hot'})]}")
    deal = lead(env, "Desks", priority="1")
    deal.write({"name": "Desks and chairs", "priority": "1"})  # no watched field changed
    assert deal.probability != 90 and not deal.tag_ids
    deal.write({"priority": "3"})
    assert deal.probability == 90 and deal.tag_ids.mapped("name") == ["hot"]
    other = lead(env, "Lamps")
    other.write({"expected_revenue": 1000})
    assert other.probability == 90


def test_on_stage_change_schedules_an_activity_for_the_salesperson(env, crm):
    rule(env, "Won: invoice", trigger="on_stage", action="activity",
         filter_domain="[('stage_id.is_won', '=', True)]",
         activity_type_id=env.ref("base.activity_type_todo").id,
         activity_summary="Send the invoice", activity_days=2)
    deal = lead(env, "Tractor", type="opportunity", user_id=crm.users["sam"])
    deal.write({"stage_id": stage(env, "qualified").id})
    assert not deal.activity_ids
    deal.write({"stage_id": stage(env, "won").id})
    activity = deal.activity_ids
    assert activity.summary == "Send the invoice" and activity.user_id.id == crm.users["sam"]
    assert activity.date_deadline == dt.date.today() + dt.timedelta(days=2)
    deal.action_set_won()  # already won: the stage does not change, nothing more
    assert len(deal.activity_ids) == 1


def test_email_action_is_queued_in_the_transaction_not_sent(env):
    rule(env, "Welcome", trigger="on_create", action="email", template_id=template(env).id)
    deal = lead(env, "Greenhouse", email_from="an@example.vn", contact_name="An")
    mail = emails_about(env, deal)
    assert len(mail) == 1 and mail.state == "outgoing" and mail.email_to == "an@example.vn"
    assert mail.subject == "About Greenhouse" and "Dear An" in mail.body_html
    assert mail.attempts == 0  # nothing was sent: the queue sends after the commit
    assert any(m["type"] == "email" for m in deal._chatter()["messages"])
    nobody = lead(env, "No address")  # no recipient: no email, no error
    assert not emails_about(env, nobody)


def test_time_condition_through_the_worker_fires_once_per_record_and_date(env):
    rule(env, "Late", trigger="on_time", date_field="date_deadline", delay=3,
         delay_unit="days", delay_direction="after", action="email",
         template_id=template(env).id, filter_domain="[('type', '=', 'opportunity')]")
    deal = lead(env, "Boat", type="opportunity", email_from="x@example.com",
                date_deadline="2031-05-10")
    lead(env, "Lead too", type="lead", email_from="y@example.com", date_deadline="2031-05-10")
    process = env["base.automation"]._process_time_rules
    assert process(dt.datetime(2031, 5, 12, 23, 0)) == 0  # 2 days after: not yet
    assert env.hooks.worker_tick(env=env, now=dt.datetime(2031, 5, 13, 8, 0))  # the worker
    assert len(emails_about(env, deal)) == 1
    assert process(dt.datetime(2031, 5, 14)) == 0  # never twice for the same date
    deal.write({"date_deadline": "2031-06-01"})  # a new date: it fires again when due
    assert process(dt.datetime(2031, 6, 3)) == 0
    assert process(dt.datetime(2031, 6, 4)) == 1
    assert len(emails_about(env, deal)) == 2


def test_a_failing_time_rule_is_tried_again_and_does_not_stop_the_others(env):
    broken = rule(env, "Broken timer", trigger="on_time", date_field="date_deadline",
                  action="set_values", values="{'probability': 500}",
                  filter_domain="[('name', '=', 'Timed')]")
    rule(env, "Good timer", trigger="on_time", date_field="date_deadline",
         action="set_values", values="{'priority': '3'}",
         filter_domain="[('name', '=', 'Timed')]")
    timed = lead(env, "Timed", date_deadline="2032-01-01")
    assert env["base.automation"]._process_time_rules(dt.datetime(2032, 1, 2)) == 1
    assert timed.priority == "3" and timed.probability != 500
    done = env["base.automation.done"].search([("res_id", "=", timed.id)])
    assert broken not in done.mapped("rule_id") and len(done) == 1


def test_time_condition_before_a_datetime(env, crm):
    partner = env["res.partner"].create({"name": "Visited", "email": "v@example.com"})
    env["base.automation"].create({
        "name": "Prepare the visit", "model": "calendar.event", "trigger": "on_time",
        "date_field": "start", "delay": 2, "delay_unit": "hours",
        "delay_direction": "before", "action": "set_values",
        "values": "{'location': 'Room 2 (booked)'}"})
    start = dt.datetime(2031, 3, 2, 9, 0)
    visit = env["calendar.event"].create({"name": "Visit", "start": start,
                                          "stop": start + dt.timedelta(hours=1),
                                          "partner_id": partner.id})
    process = env["base.automation"]._process_time_rules
    assert process(start - dt.timedelta(hours=3)) == 0
    assert process(start - dt.timedelta(hours=1)) == 1
    assert visit.location == "Room 2 (booked)"
    assert process(start + dt.timedelta(hours=1)) == 0  # past: done already


def test_rules_on_phone_calls(env):
    env["base.automation"].create({
        "name": "Missed call", "model": "crm.phonecall", "trigger": "on_write",
        "trigger_fields": "state", "filter_domain": "[('state', '=', 'not_held')]",
        "action": "set_values", "values": "{'description': 'Call again tomorrow'}"})
    call = env["crm.phonecall"].create({"name": "Ask for the order"})
    call.action_not_held()
    assert call.description == "Call again tomorrow"


# -- failures, recursion, validation, access -----------------------------------------------
def test_a_failing_action_undoes_the_change_and_names_the_rule(env):
    deal = lead(env, "Desks", priority="0")
    rule(env, "Broken rule", trigger="on_create", action="set_values",
         values="{'probability': 150}")
    with pytest.raises(UserError, match=r"Automation rule 'Broken rule' failed on .*Chairs"):
        lead(env, "Chairs")
    assert not env["crm.lead"].search([("name", "=", "Chairs")])
    rule(env, "Broken on write", trigger="on_write", trigger_fields="priority",
         action="set_values", values="{'probability': -1}")
    with pytest.raises(UserError, match="Automation rule 'Broken on write' failed"):
        deal.write({"priority": "2", "name": "Desks (urgent)"})
    env.transaction.invalidate()
    assert (deal.priority, deal.name) == ("0", "Desks")


def test_a_rule_never_triggers_itself_again(env):
    rule(env, "Ping", trigger="on_write", trigger_fields="priority", action="set_values",
         values="{'probability': 50}")
    rule(env, "Pong", trigger="on_write", trigger_fields="probability",
         action="set_values", values="{'priority': '1'}")
    rule(env, "Self", trigger="on_write", trigger_fields="expected_revenue",
         action="set_values", values="{'expected_revenue': 1}")
    deal = lead(env, "Loop")
    deal.write({"priority": "3"})  # Ping -> Pong -> (Ping: already running) stop
    assert (deal.priority, deal.probability) == ("1", 50)
    deal.write({"expected_revenue": 99})
    assert deal.expected_revenue == 1


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"trigger": "on_write", "trigger_fields": "nope"}, "trigger_fields", "no field 'nope'"),
    ({"filter_domain": "[('name', '=', __import__('os'))]"}, "filter_domain",
     "filter cannot be used"),
    ({"filter_domain": "[('no_such_field', '=', 1)]"}, "filter_domain", "filter"),
    ({"trigger": "on_time", "date_field": "name"}, "date_field", "needs a date field"),
    ({"model": "res.country"}, "model", "not an installed model with automation"),
    ({"action": "assign", "assign_field": "partner_id", "assign_mode": "user"},
     "assign_field", "no user field"),
    ({"action": "assign", "assign_mode": "round_robin"}, "assign_user_ids", "in turn"),
    ({"action": "set_values", "values": "{'nope': 1}"}, "values", "no field 'nope'"),
    ({"action": "set_values", "values": "['priority']"}, "values", "dictionary"),
    ({"action": "email"}, "template_id", "choose the email template"),
])
def test_invalid_rules_are_refused_with_the_field_and_reason(env, values, field, message):
    values = {"trigger": "on_create", "action": "set_values", "values": "{'priority': '1'}",
              **values}
    with pytest.raises(ValidationError, match=message) as caught:
        rule(env, "Bad one", **values)
    assert caught.value.field == field and "Automation rule 'Bad one'" in str(caught.value)
    assert not env["base.automation"].search([("name", "=", "Bad one")])


def test_a_template_of_another_model_is_refused(env):
    with pytest.raises(ValidationError, match=r"for res\.partner records"):
        rule(env, trigger="on_create", action="email", template_id=template(env,
                                                                            "res.partner").id)


def test_crm_managers_manage_the_rules_of_crm_documents_only(env, as_user):
    mia = as_user("mia")
    made = mia["base.automation"].create({"name": "Mia's", "model": "crm.lead",
                                          "trigger": "on_create", "action": "set_values",
                                          "values": "{'priority': '2'}"})
    assert made.exists()
    with pytest.raises(AccessError):
        mia["base.automation"].create({"name": "Customers", "model": "res.partner",
                                       "trigger": "on_create", "action": "set_values",
                                       "values": "{'comment': 'x'}"})
    with pytest.raises(AccessError):
        as_user("sally")["base.automation"].search([])
    # a salesperson's change still runs the rule (rules act as superuser)
    assert as_user("sally")["crm.lead"].create({"name": "Hers"}).priority == "2"


def test_a_crm_manager_writes_a_rule_in_the_browser(crm):
    with crm.env() as env:
        menu = env.ref("crm.menu_crm_rules")
        assert menu.parent_id == env.ref("crm.menu_crm_config")
        action = env.ref("crm.action_crm_rules").id
    browser = crm.browser("mia")
    new = f"/web/base.automation/new?action={action}"
    page = browser.page(new)
    assert "Round robin among" in page and "Sales team" in page
    name = f"Web rule {uuid.uuid4().hex[:6]}"
    bad = browser.submit(new, {"name": name, "trigger": "on_write",
                               "trigger_fields": "no_such_field", "action": "set_values",
                               "values": "{'priority': '2'}"})
    assert bad.status_code == 400 and "no field &#39;no_such_field&#39;" in bad.text
    good = browser.submit(new, {"name": name, "trigger": "on_write",
                                "trigger_fields": "priority", "action": "set_values",
                                "values": "{'probability': 77}"})
    assert good.status_code == 303, good.text
    with crm.env() as env:
        made = env["base.automation"].search([("name", "=", name)])
        assert made.model == "crm.lead" and made.trigger_fields == "priority"
        deal = env["crm.lead"].create({"name": f"{name} lead"})
        deal.write({"priority": "2"})
        assert deal.probability == 77
        made.unlink()  # the module's other tests do not expect it
