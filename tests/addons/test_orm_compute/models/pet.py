from core.exceptions import ValidationError
from core.orm import Model, api, fields


class Pet(Model):
    """A model that test_orm_inherit extends."""

    _name = "test_compute.pet"
    _description = "Pet"
    _sql_constraints = [("name_uniq", "unique(name)", "Two pets cannot share a name.")]

    name = fields.Char(required=True)
    legs = fields.Integer(default=4)
    sound = fields.Char(default="...")

    def describe(self):
        return f"{self.name} has {self.legs} legs"

    @api.constrains("legs")
    def _check_legs(self):
        for pet in self:
            if pet.legs < 0:
                raise ValidationError("A pet cannot have a negative number of legs.")
