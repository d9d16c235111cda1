"""Models of the basic ORM tests: contacts with a hierarchy, tags, lines, and a model
holding one field of every type."""

from core.orm import Model, fields

PARTNER_STATES = [("draft", "Draft"), ("open", "Open"), ("done", "Done")]


class Country(Model):
    """A country: the target of a 'set null' many2one, ordered by name."""

    _name = "test_basic.country"
    _description = "Test country"
    _order = "name"

    name = fields.Char(required=True)
    code = fields.Char(size=2)
    partner_ids = fields.One2many("test_basic.partner", "country_id")


class Category(Model):
    """A category: the target of a 'restrict' many2one."""

    _name = "test_basic.category"
    _description = "Test category"

    name = fields.Char(required=True)


class Tag(Model):
    """A tag; sees the partners' many2many from the other side."""

    _name = "test_basic.tag"
    _description = "Test tag"
    _order = "name"

    name = fields.Char(required=True)
    color = fields.Integer()
    partner_ids = fields.Many2many("test_basic.partner")


class Partner(Model):
    """A contact with a parent hierarchy, links of every kind and an active flag."""

    _name = "test_basic.partner"
    _description = "Test partner"
    _order = "name, id"

    name = fields.Char(required=True, index=True)
    ref = fields.Char()
    city = fields.Char()
    sequence = fields.Integer()
    score = fields.Float()
    is_company = fields.Boolean()
    active = fields.Boolean(default=True)
    state = fields.Selection(PARTNER_STATES, default="draft")
    birthday = fields.Date()
    parent_id = fields.Many2one("test_basic.partner", ondelete="cascade")
    child_ids = fields.One2many("test_basic.partner", "parent_id")
    country_id = fields.Many2one("test_basic.country")
    category_id = fields.Many2one("test_basic.category", ondelete="restrict")
    tag_ids = fields.Many2many("test_basic.tag")
    line_ids = fields.One2many("test_basic.line", "partner_id")


class Line(Model):
    """A line of a partner: required many2one with 'cascade'."""

    _name = "test_basic.line"
    _description = "Test line"
    _order = "sequence, id"

    name = fields.Char()
    sequence = fields.Integer()
    quantity = fields.Integer()
    price = fields.Float()
    partner_id = fields.Many2one("test_basic.partner", required=True, ondelete="cascade")


class Code(Model):
    """A model named by another field than `name` (`_rec_name`)."""

    _name = "test_basic.code"
    _description = "Test code"
    _rec_name = "code"
    _order = "code"

    code = fields.Char(required=True)
    label = fields.Char()


class Nameless(Model):
    """A model without any name field."""

    _name = "test_basic.nameless"
    _description = "Test nameless"

    value = fields.Integer()


class Everything(Model):
    """One field of every type, plus a few with defaults."""

    _name = "test_basic.everything"
    _description = "Test field types"

    name = fields.Char()
    char_sized = fields.Char(size=5)
    char_raw = fields.Char(trim=False)
    text = fields.Text()
    html = fields.Html()
    integer = fields.Integer()
    float_plain = fields.Float()
    float_digits = fields.Float(digits=(12, 3))
    amount = fields.Monetary()
    flag = fields.Boolean()
    day = fields.Date()
    moment = fields.Datetime()
    kind = fields.Selection([("a", "Alpha"), ("b", "Beta")])
    partner_id = fields.Many2one("test_basic.partner")
    code_id = fields.Many2one("test_basic.code")
    data = fields.Binary()
    priority = fields.Integer(default=5)
    label = fields.Char(default=lambda self: "new")
    tag_ids = fields.Many2many("test_basic.tag", "test_basic_everything_tag_rel",
                               "everything_id", "tag_id")
    level = fields.Selection("_selection_level")

    def _selection_level(self):
        return [(str(n), f"Level {n}") for n in range(1, 4)]
