"""A test addon: another app's contributions to a customer's form (hooks.py)."""
