"""Placeholder: being written (the potential rating of customers)."""

from __future__ import annotations

from core.orm import Model


class PartnerPotential(Model):
    """Potential rating (placeholder)."""

    _inherit = "res.partner"

    def _group_potential_scores(self) -> dict:
        return {}
