from core.orm import Model, fields


class Task(Model):
    _inherit = "vw.task"

    ext2_a = fields.Char()
    ext2_b = fields.Char()
    ext2_c = fields.Char()
    ext2_d = fields.Char()
