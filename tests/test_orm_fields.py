"""Every field type: writing, reading back from the database, empty values, wrong types."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.exceptions import ValidationError

MODEL = "test_basic.everything"


def reloaded(record):
    """The record with the transaction's cache emptied: values come from the database."""
    record.env.transaction.invalidate()
    return record


def column_value(env, record, column):
    """The raw value stored in the record's table."""
    table = record._sa_table
    return env.execute(sa.select(table.c[column]).where(table.c.id == record.id)).scalar_one()


def assert_invalid(error: pytest.ExceptionInfo, field: str, value_repr: str) -> None:
    message = str(error.value)
    assert MODEL in message
    assert field in message
    assert value_repr in message


# -- values round-trip ---------------------------------------------------------
@pytest.mark.parametrize(("field", "value", "expected"), [
    ("name", "Agrolait", "Agrolait"),
    ("name", "  padded  ", "padded"),
    ("name", 42, "42"),
    ("char_sized", "abcde", "abcde"),
    ("char_sized", "  abcde  ", "abcde"),
    ("char_raw", "  kept  ", "  kept  "),
    ("text", "line 1\nline 2\n", "line 1\nline 2\n"),
    ("text", "  spaces kept  ", "  spaces kept  "),
    ("html", "<p>Hello <b>world</b></p>", "<p>Hello <b>world</b></p>"),
    ("integer", 42, 42),
    ("integer", -7, -7),
    ("integer", "12", 12),
    ("integer", 3.0, 3),
    ("float_plain", 1.25, 1.25),
    ("float_plain", 7, 7.0),
    ("float_digits", 3.14159, 3.142),
    ("float_digits", "2.5", 2.5),
    ("amount", 10.005001, 10.01),
    ("amount", 99.999, 100.0),
    ("flag", True, True),
    ("flag", False, False),
    ("flag", 1, True),
    ("day", dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
    ("day", "2024-02-29", dt.date(2024, 2, 29)),
    ("day", dt.datetime(2024, 2, 29, 23, 59), dt.date(2024, 2, 29)),
    ("moment", dt.datetime(2024, 1, 15, 10, 30, 5), dt.datetime(2024, 1, 15, 10, 30, 5)),
    ("moment", "2024-01-15 10:30:05", dt.datetime(2024, 1, 15, 10, 30, 5)),
    ("moment", "2024-01-15T10:30:05", dt.datetime(2024, 1, 15, 10, 30, 5)),
    ("moment", "2024-01-15T10:30:05Z", dt.datetime(2024, 1, 15, 10, 30, 5)),
    ("moment", "2024-01-15T10:30:05+07:00", dt.datetime(2024, 1, 15, 3, 30, 5)),
    ("moment", dt.datetime(2024, 1, 15, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))),
     dt.datetime(2024, 1, 14, 18, 0)),
    ("moment", dt.datetime(2024, 1, 15, 10, 0, tzinfo=dt.UTC), dt.datetime(2024, 1, 15, 10, 0)),
    ("moment", dt.datetime(2024, 1, 15, 10, 0, 0, 999999), dt.datetime(2024, 1, 15, 10, 0)),
    ("moment", dt.date(2024, 1, 15), dt.datetime(2024, 1, 15, 0, 0)),
    ("kind", "a", "a"),
    ("kind", "b", "b"),
    ("data", b"\x00\x01binary\xff", b"\x00\x01binary\xff"),
    ("data", bytearray(b"abc"), b"abc"),
])
def test_value_round_trip(env, field, value, expected):
    record = env[MODEL].create({field: value})
    assert record[field] == expected  # from the cache filled by create
    assert type(reloaded(record)[field]) is type(expected)
    assert record[field] == expected  # from the database
    other = env[MODEL].create({})
    other.write({field: value})
    assert reloaded(other)[field] == expected


def test_datetime_is_stored_naive_utc(env):
    aware = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    record = env[MODEL].create({"moment": aware})
    stored = column_value(env, record, "moment")
    assert stored == dt.datetime(2024, 6, 1, 17, 0)
    assert stored.tzinfo is None
    assert reloaded(record).moment.tzinfo is None


def test_float_digits_rounds_in_database(env):
    record = env[MODEL].create({"float_digits": 1.23456, "amount": 1.239})
    assert column_value(env, record, "float_digits") == pytest.approx(1.235)
    assert column_value(env, record, "amount") == pytest.approx(1.24)


def test_char_trim_is_stored(env):
    record = env[MODEL].create({"name": "  Agrolait \n", "char_raw": " raw "})
    assert column_value(env, record, "name") == "Agrolait"
    assert column_value(env, record, "char_raw") == " raw "


def test_many2one_round_trip(env):
    partner = env["test_basic.partner"].create({"name": "Agrolait"})
    record = env[MODEL].create({"partner_id": partner.id})
    assert reloaded(record).partner_id == partner
    assert record.partner_id.name == "Agrolait"
    assert record.partner_id._name == "test_basic.partner"
    other = env[MODEL].create({"partner_id": partner})  # a record works too
    assert reloaded(other).partner_id.id == partner.id
    third = env[MODEL].create({"partner_id": str(partner.id)})
    assert reloaded(third).partner_id == partner


def test_many2one_reset_to_empty(env):
    partner = env["test_basic.partner"].create({"name": "Agrolait"})
    record = env[MODEL].create({"partner_id": partner.id})
    record.write({"partner_id": False})
    assert column_value(env, record, "partner_id") is None
    assert not reloaded(record).partner_id
    record.partner_id = partner
    assert reloaded(record).partner_id == partner
    record.partner_id = env["test_basic.partner"]
    assert not reloaded(record).partner_id


def test_one2many_round_trip(env):
    partner = env["test_basic.partner"].create({
        "name": "Agrolait",
        "line_ids": [(0, 0, {"name": "L1", "sequence": 2}), (0, 0, {"name": "L2", "sequence": 1})],
    })
    lines = reloaded(partner).line_ids
    assert lines._name == "test_basic.line"
    assert lines.mapped("name") == ["L2", "L1"]  # in the comodel's _order
    assert all(line.partner_id == partner for line in lines)


def test_many2many_round_trip(env):
    tags = env["test_basic.tag"].create([{"name": "b"}, {"name": "a"}])
    record = env[MODEL].create({"tag_ids": [(6, 0, tags.ids)]})
    assert reloaded(record).tag_ids == tags
    assert record.tag_ids.mapped("name") == ["a", "b"]
    rel = env.execute(sa.text(
        "SELECT tag_id FROM test_basic_everything_tag_rel WHERE everything_id = :id "
        "ORDER BY tag_id"), {"id": record.id}).scalars().all()
    assert rel == sorted(tags.ids)


def test_binary_is_left_out_of_default_read(env):
    record = env[MODEL].create({"data": b"blob", "name": "x"})
    assert "data" not in record.read()[0]
    assert reloaded(record).read(["data"]) == [{"id": record.id, "data": b"blob"}]


# -- empty values ----------------------------------------------------------------
EMPTY = {
    "name": False, "char_sized": False, "char_raw": False, "text": False, "html": False,
    "integer": 0, "float_plain": 0.0, "float_digits": 0.0, "amount": 0.0, "flag": False,
    "day": False, "moment": False, "kind": False, "data": False,
}


def test_empty_values(env):
    record = reloaded(env[MODEL].create({}))
    for name, expected in EMPTY.items():
        value = record[name]
        assert value == expected and type(value) is type(expected), name
    assert record.partner_id._name == "test_basic.partner"
    assert not record.partner_id and len(record.partner_id) == 0
    assert record.tag_ids._name == "test_basic.tag" and not record.tag_ids


def test_empty_values_stored_as_null(env):
    record = env[MODEL].create({"name": "x", "integer": 3, "day": "2024-01-01", "kind": "a"})
    record.write({"name": False, "integer": False, "day": False, "kind": False,
                  "moment": None})
    for column in ("name", "integer", "day", "kind", "moment"):
        assert column_value(env, record, column) is None, column
    assert reloaded(record).name is False
    assert record.integer == 0


def test_empty_values_on_empty_recordset(env):
    empty = env[MODEL]
    assert empty.name is False
    assert empty.integer == 0
    assert empty.flag is False
    assert empty.partner_id._name == "test_basic.partner" and not empty.partner_id
    assert not empty.tag_ids


def test_empty_values_in_read(env):
    record = env[MODEL].create({})
    values = reloaded(record).read(["name", "integer", "day", "moment", "partner_id",
                                    "tag_ids", "kind", "flag"])[0]
    assert values == {"id": record.id, "name": False, "integer": 0, "day": False,
                      "moment": False, "partner_id": False, "tag_ids": [], "kind": False,
                      "flag": False}


def test_read_formats_dates(env):
    record = env[MODEL].create({"day": "2024-03-01", "moment": "2024-03-01 08:09:10"})
    values = reloaded(record).read(["day", "moment"])[0]
    assert values["day"] == "2024-03-01"
    assert values["moment"] == "2024-03-01 08:09:10"


# -- wrong values -------------------------------------------------------------------
@pytest.mark.parametrize(("field", "value"), [
    ("name", ["a list"]),
    ("name", {"a": 1}),
    ("char_sized", "abcdef"),
    ("text", 12),
    ("html", 12),
    ("integer", "twelve"),
    ("integer", 1.5),
    ("integer", [1]),
    ("float_plain", "abc"),
    ("float_plain", float("nan")),
    ("float_plain", float("inf")),
    ("amount", "ten"),
    ("day", "2024-13-01"),
    ("day", "not a date"),
    ("day", 20240101),
    ("moment", "yesterday"),
    ("moment", 1700000000),
    ("kind", "c"),
    ("kind", "A"),
    ("partner_id", "Agrolait"),
    ("partner_id", 1.0),
    ("partner_id", True),
    ("data", "text is not bytes"),
    ("data", 12),
    ("tag_ids", "tags"),
    ("tag_ids", [(9, 1)]),
])
def test_wrong_value_is_a_validation_error(env, field, value):
    with pytest.raises(ValidationError) as error:
        env[MODEL].create({"name": "ok", field: value} if field != "name" else {field: value})
    assert_invalid(error, field, repr(value))
    assert env[MODEL].search_count([]) == 0
    record = env[MODEL].create({})
    with pytest.raises(ValidationError) as error:
        record.write({field: value})
    assert_invalid(error, field, repr(value))


def test_selection_error_lists_allowed_values(env):
    with pytest.raises(ValidationError, match=r"test_basic\.everything\.kind.*'z'.*'a', 'b'"):
        env[MODEL].create({"kind": "z"})


def test_selection_from_a_method(env):
    record = env[MODEL].create({"level": "2"})
    assert reloaded(record).level == "2"
    with pytest.raises(ValidationError, match=r"test_basic\.everything\.level.*'4'"):
        record.write({"level": "4"})
    assert env[MODEL].fields_get()["level"]["selection"] == [
        ("1", "Level 1"), ("2", "Level 2"), ("3", "Level 3")]


def test_char_size_error_names_the_limit(env):
    with pytest.raises(ValidationError, match="at most 5 characters"):
        env[MODEL].create({"char_sized": "toolong"})


def test_many2one_record_of_another_model_is_refused(env):
    country = env["test_basic.country"].create({"name": "Vietnam"})
    with pytest.raises(ValidationError) as error:
        env[MODEL].create({"partner_id": country})
    assert_invalid(error, "partner_id", repr(country))


def test_many2one_several_records_refused(env):
    partners = env["test_basic.partner"].create([{"name": "a"}, {"name": "b"}])
    with pytest.raises(ValidationError, match="partner_id"):
        env[MODEL].create({"partner_id": partners})


def test_many2one_to_missing_record_is_refused(env):
    with pytest.raises(ValidationError):
        env[MODEL].create({"partner_id": 987654321})
    assert env[MODEL].search_count([]) == 0


def test_unknown_field_is_refused(env):
    with pytest.raises(ValidationError, match=r"test_basic\.everything has no field 'nope'"):
        env[MODEL].create({"nope": 1})


def test_assignment_validates_too(env):
    record = env[MODEL].create({})
    with pytest.raises(ValidationError, match=r"test_basic\.everything\.integer"):
        record.integer = "many"
    record.integer = 4
    assert reloaded(record).integer == 4


def test_required_field(env):
    with pytest.raises(ValidationError, match=r"test_basic\.partner\.name.*required"):
        env["test_basic.partner"].create({"ref": "no name"})
    with pytest.raises(ValidationError, match=r"test_basic\.partner\.name.*required"):
        env["test_basic.partner"].create({"name": False})
    partner = env["test_basic.partner"].create({"name": "x"})
    with pytest.raises(ValidationError, match=r"test_basic\.partner\.name.*required"):
        partner.write({"name": None})
    assert reloaded(partner).name == "x"


# -- defaults -------------------------------------------------------------------
def test_defaults_applied_on_create(env):
    record = env[MODEL].create({})
    assert reloaded(record).priority == 5
    assert record.label == "new"
    assert env["test_basic.partner"].create({"name": "x"}).state == "draft"


def test_explicit_value_overrides_default(env):
    record = env[MODEL].create({"priority": 0, "label": False})
    assert reloaded(record).priority == 0
    assert record.label is False


def test_context_default_overrides_field_default(env):
    record = env[MODEL].with_context(default_priority=9, default_name="ctx").create({})
    assert reloaded(record).priority == 9
    assert record.name == "ctx"
