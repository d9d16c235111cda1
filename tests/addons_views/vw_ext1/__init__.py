from core.orm import Model, fields


class Task(Model):
    _inherit = "vw.task"

    ext1_code = fields.Char()
    ext1_count = fields.Integer()
    qty = fields.Float(string="Total quantity")  # same name as a vw.task.line field

    def action_ext1(self):
        return True
