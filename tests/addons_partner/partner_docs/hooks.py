"""The customers' mass actions reach this addon's open documents through these hooks."""

from core.hooks import hookimpl

COMMANDS = {"add": lambda ids: [(4, i) for i in ids],
            "remove": lambda ids: [(3, i) for i in ids],
            "replace": lambda ids: [(6, 0, list(ids))]}


@hookimpl
def partner_share(env, partners, users, departments, mode):
    """Share the customers' open documents with `users` as they were (departments:
    documents have none)."""
    docs = env["partner.doc"].search([("partner_id", "in", partners.ids),
                                      ("state", "=", "open")])
    if docs:
        docs.write({"share_user_ids": COMMANDS[mode](users.ids)})
    return len(docs)


@hookimpl
def partner_owner_transfer(env, partners, owner, previous):
    """Give the customers' open documents that their previous owner held (or nobody)
    to `owner`; documents of other users stay theirs."""
    docs = env["partner.doc"].search([("partner_id", "in", partners.ids),
                                      ("state", "=", "open")])
    moving = docs.filtered(lambda d: d.owner_id.id in (None, False, previous[d.partner_id.id]))
    if moving:
        moving.write({"owner_id": owner.id})
    return len(moving)
