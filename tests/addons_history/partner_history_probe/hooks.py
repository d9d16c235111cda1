"""Fixed contributions to customers, as another app (sale, crm...) would make them."""

import datetime as dt

from core.hooks import hookimpl

PROBE_DATE = dt.datetime(2030, 1, 2, 3, 4, 5)  # after anything the tests post
PROBE_POINTS = 15
PROBE_DOMAIN = "@probe.example"


@hookimpl
def partner_history(env, partner):
    """One "order" per customer, with a title to escape and a link to the customer."""
    return [{"date": PROBE_DATE, "kind": "order", "title": f"Probe order <b>{partner.id}</b>",
             "model": "res.partner", "res_id": partner.id, "summary": "Total 1,000 €"}]


@hookimpl
def partner_buttons(env, partner):
    """A "Probe documents" button counting 7 documents."""
    return [{"label": "Probe documents", "count": 7, "icon": "fa-file", "sequence": 50,
             "action": {"model": "res.partner", "domain": [("id", "=", partner.id)],
                        "context": {}, "view": "list"}}]


@hookimpl
def partner_potential_score(env, partner):
    """PROBE_POINTS for the customers whose email is at probe.example (one read for the
    whole recordset)."""
    return {p.id: PROBE_POINTS for p in partner
            if (p.email or "").endswith(PROBE_DOMAIN)}
