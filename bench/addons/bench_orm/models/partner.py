"""`bench.partner`: the one model of workload W (see /work/shared/WORKLOAD.md)."""

from core.orm import Model, fields


class BenchPartner(Model):
    _name = "bench.partner"
    _description = "Benchmark partner"

    name = fields.Char(index=True)
    email = fields.Char()
    phone = fields.Char()
    city = fields.Char()
    is_company = fields.Boolean()
    parent_id = fields.Many2one("bench.partner", index=True)
