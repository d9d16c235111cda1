from core.exceptions import ValidationError
from core.orm import Model, api, fields


class Pet(Model):
    """Extends test_compute.pet: a new field, a redefined default, an overridden method,
    a new Python and SQL constraint and a stored computed field on an inherited field."""

    _inherit = "test_compute.pet"
    _sql_constraints = [("legs_max", "check(legs <= 100)", "A pet has at most 100 legs.")]

    nickname = fields.Char()
    legs = fields.Integer(default=2)
    shout = fields.Char(compute="_compute_shout", store=True, depends=["name", "sound"])

    def describe(self):
        text = super().describe()
        return f"{text}, aka {self.nickname}" if self.nickname else text

    @api.constrains("nickname")
    def _check_nickname(self):
        for pet in self:
            if pet.nickname and pet.nickname == pet.name:
                raise ValidationError("A nickname must differ from the name.")

    def _compute_shout(self):
        for pet in self:
            pet.shout = f"{pet.name.upper()}: {pet.sound}!"
