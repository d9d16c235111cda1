"""Hook implementations of the crm addon."""
