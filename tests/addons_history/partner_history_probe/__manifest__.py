{
    "name": "Partner history probe (test)",
    "version": "1.0",
    "summary": "Implements partner_history, partner_buttons and partner_potential_score "
               "with fixed answers, for the tests of a customer's History tab, smart "
               "buttons and potential rating.",
    "depends": ["base"],
    "data": [],
}
