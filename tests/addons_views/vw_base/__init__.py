from core.orm import Model, fields


class Task(Model):
    """A task: the model every views test displays and extends."""

    _name = "vw.task"
    _description = "Views test task"

    name = fields.Char(required=True)
    state = fields.Selection([("draft", "Draft"), ("open", "Open"), ("done", "Done")],
                             default="draft")
    priority = fields.Integer()
    is_blocked = fields.Boolean()
    estimate = fields.Float()
    deadline = fields.Date()
    date_start = fields.Datetime()
    date_stop = fields.Datetime()
    title = fields.Char()
    phone = fields.Char()
    website = fields.Char()
    note = fields.Text()
    tag_ids = fields.Many2many("vw.tag")
    line_ids = fields.One2many("vw.task.line", "task_id")

    def action_open(self):
        self.write({"state": "open"})

    def action_done(self):
        self.write({"state": "done"})

    def _private_helper(self):
        return True


class TaskLine(Model):
    """A line of a task (shown in the form's x2many sub-list)."""

    _name = "vw.task.line"
    _description = "Views test task line"

    task_id = fields.Many2one("vw.task", required=True, ondelete="cascade")
    name = fields.Char()
    qty = fields.Float()


class Tag(Model):
    """A tag; it has no view of its own (default views are generated)."""

    _name = "vw.tag"
    _description = "Views test tag"

    name = fields.Char(required=True)
    color = fields.Integer()
    parent_id = fields.Many2one("vw.tag", ondelete="set null")
