{
    "name": "Partner documents (test)",
    "version": "1.0",
    "summary": "A document per customer with an owner and sharing, and the partner_share "
               "and partner_owner_transfer hooks for the customers' mass actions' tests.",
    "depends": ["base"],
    "data": ["security/access.csv"],
}
