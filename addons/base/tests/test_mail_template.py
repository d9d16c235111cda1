"""Email templates: Jinja2 rendering of partner fields in a sandbox (no methods, no
private attributes, no hidden fields), autoescaped bodies, errors naming the template
and the line, the current user's access rights. Every test runs on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.exceptions import AccessError, ValidationError


def template(env, body="<p>Hello</p>", subject="Hi {{ object.name }}", name="T", **values):
    return env["mail.template"].create({"name": name, "model": "res.partner",
                                        "subject": subject, "body_html": body, **values})


def test_shipped_greeting_renders_for_a_company_contact(env, as_user):
    company = env["res.partner"].create({"name": "Agrolait", "is_company": True})
    contact = env["res.partner"].create({"name": "Michel", "parent_id": company.id,
                                         "email": "michel@agrolait.example"})
    greeting = env.ref("base.mail_template_partner_greeting")
    mia = as_user("mia")
    rendered = greeting.with_env(mia).render(mia["res.partner"].browse(contact.id))
    assert rendered[contact.id]["subject"] == "Welcome, Michel"
    body = rendered[contact.id]["body_html"]
    assert "Dear Michel," in body and "on behalf of Agrolait" in body
    assert "Mia Manager" in body  # `user` is the current user
    details = env.ref("base.mail_template_partner_details").render(contact)[contact.id]
    assert "Email: michel@agrolait.example" in details["body_html"]
    assert "Phone: -" in details["body_html"]


def test_partner_fields_are_escaped_in_the_body_not_in_the_subject(env):
    partner = env["res.partner"].create({"name": '<script>alert(1)</script> & "Co"'})
    rendered = template(env, body="<p>Dear {{ object.name }}</p>").render(partner)[partner.id]
    assert rendered["body_html"] == ("<p>Dear &lt;script&gt;alert(1)&lt;/script&gt; &amp; "
                                     "&#34;Co&#34;</p>")
    assert rendered["subject"] == 'Hi <script>alert(1)</script> & "Co"'  # plain text


def test_relations_lists_and_filters_work(env):
    company = env["res.partner"].create({"name": "Agrolait", "is_company": True,
                                         "city": "Hanoi"})
    for name in ("An", "Binh"):
        env["res.partner"].create({"name": name, "parent_id": company.id})
    body = ("{% for c in object.child_ids %}<li>{{ c.name }}</li>{% endfor %}"
            "{{ object.child_ids|map(attribute='name')|join(', ') }} "
            "{{ object['city'] }} {{ object.child_ids[0].parent_id.display_name }}")
    rendered = template(env, body=body).render(company)[company.id]["body_html"]
    assert rendered == "<li>An</li><li>Binh</li>An, Binh Hanoi Agrolait"


@pytest.mark.parametrize("source, refused", [
    ("{{ object.__class__ }}", "__class__"),
    ("{{ ''.__class__.__mro__ }}", "__class__"),
    ("{{ object._name }}", "_name"),
    ("{{ object.env }}", "env"),
    ("{{ object.sudo() }}", "sudo"),
    ("{{ object.write({'name': 'Hacked'}) }}", "write"),
    ("{{ object['unlink'] }}", "unlink"),
    ("{{ object|attr('env') }}", "env"),
    ("{{ [object]|map(attribute='sudo')|list }}", "sudo"),
    ("{{ user.password_hash }}", "password_hash"),
    ("{{ user.password }}", "password"),
    ("{{ object.user_id.password_hash }}", "password_hash"),
])
def test_sandbox_refuses_anything_but_fields(env, source, refused):
    partner = env["res.partner"].create({"name": "Victim", "user_id": env.uid})
    unsafe = template(env, body=f"<p>line one</p>\n{source}", name="Unsafe")
    with pytest.raises(ValidationError) as caught:
        unsafe.render(partner)
    message = str(caught.value)
    assert message.startswith("Email template 'Unsafe' (body, line 2)")
    assert refused in message and "unsafe" in message
    assert partner.name == "Victim"


def test_an_unknown_field_is_named(env):
    partner = env["res.partner"].create({"name": "X"})
    with pytest.raises(ValidationError, match=r"Email template 'T' \(subject, line 1\) "
                                              r".*res.partner has no field 'nickname'"):
        template(env, subject="Hi {{ object.nickname }}").render(partner)
    with pytest.raises(ValidationError, match=r"\(body, line 1\).*'customer' is undefined"):
        template(env, body="{{ customer.name }}").render(partner)


def test_a_syntax_error_is_refused_on_save_with_the_line(env):
    with pytest.raises(ValidationError, match=r"Email template 'Broken' \(body, line 3\): "
                                              r".*'endif'") as caught:
        template(env, name="Broken", body="<p>a</p>\n<p>b</p>\n{% if object.city %}x")
    assert caught.value.field == "body_html"
    assert not env["mail.template"].search([("name", "=", "Broken")])
    with pytest.raises(ValidationError, match=r"no model 'no\.such\.model'"):
        template(env, model="no.such.model")


def test_template_reads_with_the_current_users_rights(env, as_user):
    sam_id = as_user("sam").uid
    hidden = env["res.partner"].create({"name": "Sam's secret customer", "owner_id": sam_id})
    tpl = template(env, name="Owned")
    sally = as_user("sally")
    with pytest.raises(AccessError, match=r"Email template 'Owned' \(subject, line 1\)"):
        tpl.with_env(sally).render(sally["res.partner"].browse(hidden.id))
    assert tpl.render(hidden)[hidden.id]["subject"] == "Hi Sam's secret customer"


def test_a_template_is_for_its_model_only(env):
    with pytest.raises(ValidationError, match=r"is for res\.partner records, not res\.users"):
        template(env).render(env["res.users"].browse(env.uid))


def test_rendering_many_partners_costs_the_same_queries(env, team):
    company = env["res.partner"].create({"name": "Agrolait", "is_company": True})
    partners = env["res.partner"].create([
        {"name": f"P{i}", "parent_id": company.id, "email": f"p{i}@example.com"}
        for i in range(12)])
    greeting = env.ref("base.mail_template_partner_greeting")
    statements = []

    def count(*_args):
        statements.append(1)

    costs = []
    for size in (2, 12):
        env.transaction.invalidate()
        records = env["res.partner"].browse(partners.ids[:size])
        statements.clear()
        sa.event.listen(team.database.engine, "before_cursor_execute", count)
        try:
            rendered = greeting.render(records)
        finally:
            sa.event.remove(team.database.engine, "before_cursor_execute", count)
        costs.append(len(statements))
        assert len(rendered) == size
    assert costs[0] == costs[1]
