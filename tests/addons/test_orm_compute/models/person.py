from core.orm import Model, fields


class Person(Model):
    """Computed fields that can be written through an inverse method."""

    _name = "test_compute.person"
    _description = "Compute test person"

    first_name = fields.Char()
    last_name = fields.Char()
    full_name = fields.Char(compute="_compute_full_name", inverse="_inverse_full_name",
                            depends=["first_name", "last_name"])
    hours = fields.Integer(default=1)
    rate = fields.Float()
    cost = fields.Float(compute="_compute_cost", inverse="_inverse_cost", store=True,
                        depends=["hours", "rate"])

    def _compute_full_name(self):
        for person in self:
            parts = [person.first_name or "", person.last_name or ""]
            person.full_name = " ".join(p for p in parts if p)

    def _inverse_full_name(self):
        for person in self:
            first, _, last = (person.full_name or "").partition(" ")
            person.write({"first_name": first, "last_name": last})

    def _compute_cost(self):
        for person in self:
            person.cost = person.hours * person.rate

    def _inverse_cost(self):
        for person in self:
            person.write({"rate": person.cost / (person.hours or 1)})
