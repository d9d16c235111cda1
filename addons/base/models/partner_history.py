"""Placeholder: being written (a customer's smart buttons and History tab)."""

from __future__ import annotations

from core.orm import Model


class PartnerHistory(Model):
    """A customer's history (placeholder)."""

    _inherit = "res.partner"

    def _base_partner_buttons(self) -> list:
        return []

    def _base_history_entries(self) -> list:
        return []
