"""Python constraints (@api.constrains) and SQL constraints (unique, check): a violation
raises ValidationError with the declared message, writes nothing, and the environment
keeps working afterwards."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.exceptions import ValidationError

MODEL = "test_compute.constrained"
LINE = "test_compute.constrained.line"


def count_rows(env, model_name: str, **where) -> int:
    """Rows of the model's table matching `where`, counted in SQL (no cache)."""
    table = env[model_name]._sa_table
    query = sa.select(sa.func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    return env.connection.execute(query).scalar_one()


def column_value(env, model_name: str, record_id: int, column: str):
    table = env[model_name]._sa_table
    query = sa.select(table.c[column]).where(table.c.id == record_id)
    return env.connection.execute(query).scalar_one()


@pytest.fixture
def checks(env):
    """The list that records each call of the range constraint (emptied first)."""
    calls = env[MODEL]._range_checks
    calls.clear()
    return calls


# -- Python constraints ---------------------------------------------------------------

def test_python_constraint_accepts_valid_records(env, checks):
    record = env[MODEL].create({"name": "ok", "min_value": 1, "max_value": 5})
    assert checks == [(record.id,)]
    record.write({"max_value": 2})
    assert column_value(env, MODEL, record.id, "max_value") == 2


def test_python_constraint_on_create(env, checks):
    with pytest.raises(ValidationError, match="the minimum cannot exceed the maximum"):
        env[MODEL].create({"name": "bad create", "min_value": 5, "max_value": 1})
    assert len(checks) == 1
    assert count_rows(env, MODEL, name="bad create") == 0
    assert env[MODEL].search_count([("name", "=", "bad create")]) == 0


def test_python_constraint_on_batch_create_rolls_back_all(env, checks):
    with pytest.raises(ValidationError, match="bad two"):
        env[MODEL].create([{"name": "good one", "min_value": 1, "max_value": 2},
                           {"name": "bad two", "min_value": 3, "max_value": 2}])
    assert count_rows(env, MODEL, name="good one") == 0
    assert count_rows(env, MODEL, name="bad two") == 0


def test_python_constraint_on_write_of_named_field(env, checks):
    record = env[MODEL].create({"name": "r", "min_value": 1, "max_value": 5, "note": "n1"})
    checks.clear()
    with pytest.raises(ValidationError, match="minimum"):
        record.write({"min_value": 9, "note": "n2"})
    assert checks == [(record.id,)]
    # nothing of the write was kept, in the database nor in the cache
    assert column_value(env, MODEL, record.id, "min_value") == 1
    assert column_value(env, MODEL, record.id, "note") == "n1"
    assert record.min_value == 1
    assert record.note == "n1"
    with pytest.raises(ValidationError):
        record.write({"max_value": 0})
    assert column_value(env, MODEL, record.id, "max_value") == 5


def test_python_constraint_on_several_records(env, checks):
    records = env[MODEL].create([{"name": "a", "min_value": 1, "max_value": 5},
                                 {"name": "b", "min_value": 4, "max_value": 5}])
    with pytest.raises(ValidationError, match="b: the minimum"):
        records.write({"max_value": 3})
    assert [column_value(env, MODEL, r.id, "max_value") for r in records] == [5, 5]


def test_python_constraint_not_run_for_other_fields(env, checks):
    record = env[MODEL].create({"name": "r", "min_value": 1, "max_value": 5})
    checks.clear()
    record.write({"note": "hello", "quantity": 3, "name": "renamed"})
    assert checks == []
    assert column_value(env, MODEL, record.id, "note") == "hello"
    record.write({"max_value": 6})
    assert checks == [(record.id,)]


def test_python_constraint_not_run_for_other_fields_even_when_invalid(env, checks):
    """Data made invalid behind the ORM's back is not checked by a write of other fields."""
    record = env[MODEL].create({"name": "r", "min_value": 1, "max_value": 5})
    table = env[MODEL]._sa_table
    env.execute(sa.update(table).where(table.c.id == record.id).values(min_value=99))
    env.transaction.invalidate()
    record.write({"note": "still fine"})
    assert column_value(env, MODEL, record.id, "note") == "still fine"
    with pytest.raises(ValidationError):
        record.write({"max_value": 50})


def test_python_constraint_on_x2many_rolls_back_created_lines(env):
    with pytest.raises(ValidationError, match="At most 3 lines"):
        env[MODEL].create({"name": "too many lines",
                           "line_ids": [(0, 0, {"name": f"l{i}", "size": 1}) for i in range(4)]})
    assert count_rows(env, MODEL, name="too many lines") == 0
    assert count_rows(env, LINE) == 0
    record = env[MODEL].create({"name": "three", "line_ids": [
        (0, 0, {"name": f"l{i}", "size": 1}) for i in range(3)]})
    assert record.line_total == 3
    with pytest.raises(ValidationError, match="At most 3 lines"):
        record.write({"line_ids": [(0, 0, {"name": "fourth", "size": 10})]})
    assert count_rows(env, LINE) == 3
    assert count_rows(env, LINE, name="fourth") == 0
    # the stored total recomputed inside the failed write was rolled back too
    assert column_value(env, MODEL, record.id, "line_total") == 3
    assert len(record.line_ids) == 3
    assert record.line_total == 3


def test_environment_works_after_a_python_constraint(env):
    with pytest.raises(ValidationError):
        env[MODEL].create({"name": "bad", "min_value": 2, "max_value": 1})
    record = env[MODEL].create({"name": "good", "min_value": 1, "max_value": 2})
    assert env[MODEL].search([("name", "=", "good")]) == record


# -- SQL constraints ------------------------------------------------------------------

def test_sql_unique_constraint(env):
    first = env[MODEL].create({"name": "first", "code": "C1"})
    with pytest.raises(ValidationError, match=r"The code must be unique."):
        env[MODEL].create({"name": "second", "code": "C1"})
    assert count_rows(env, MODEL, code="C1") == 1
    assert count_rows(env, MODEL, name="second") == 0
    # the environment (and on PostgreSQL its transaction) still works
    second = env[MODEL].create({"name": "second", "code": "C2"})
    assert env[MODEL].search([("code", "in", ["C1", "C2"])], order="code") == first + second
    with pytest.raises(ValidationError, match=r"The code must be unique."):
        second.write({"code": "C1", "note": "changed"})
    assert column_value(env, MODEL, second.id, "code") == "C2"
    assert column_value(env, MODEL, second.id, "note") is None
    assert second.code == "C2"
    second.write({"code": "C3"})
    assert column_value(env, MODEL, second.id, "code") == "C3"


def test_sql_unique_constraint_in_one_batch(env):
    with pytest.raises(ValidationError, match=r"The code must be unique."):
        env[MODEL].create([{"name": "a", "code": "DUP"}, {"name": "b", "code": "DUP"}])
    assert count_rows(env, MODEL, code="DUP") == 0


def test_sql_unique_allows_several_nulls(env):
    env[MODEL].create([{"name": "a"}, {"name": "b"}])
    assert env[MODEL].search_count([("code", "=", False)]) == 2


def test_sql_check_constraint(env):
    with pytest.raises(ValidationError, match=r"The quantity cannot be negative."):
        env[MODEL].create({"name": "negative", "quantity": -1})
    assert count_rows(env, MODEL, name="negative") == 0
    record = env[MODEL].create({"name": "positive", "quantity": 1})
    with pytest.raises(ValidationError, match=r"The quantity cannot be negative."):
        record.write({"quantity": -5})
    assert column_value(env, MODEL, record.id, "quantity") == 1
    record.write({"quantity": 0})
    assert column_value(env, MODEL, record.id, "quantity") == 0


def test_sql_constraint_inside_a_nested_operation(env):
    """A violation raised by a line created through a command undoes the parent too."""
    env[MODEL].create({"name": "holder", "code": "TAKEN"})
    with pytest.raises(ValidationError, match=r"The code must be unique."):
        env[MODEL].create({"name": "parent", "code": "TAKEN",
                           "line_ids": [(0, 0, {"name": "orphan"})]})
    assert count_rows(env, LINE, name="orphan") == 0
    assert count_rows(env, MODEL, name="parent") == 0


def test_many_violations_in_a_row_keep_the_environment_usable(env):
    env[MODEL].create({"name": "holder", "code": "X"})
    for attempt in range(3):
        with pytest.raises(ValidationError):
            env[MODEL].create({"name": f"dup {attempt}", "code": "X"})
        with pytest.raises(ValidationError):
            env[MODEL].create({"name": f"neg {attempt}", "quantity": -attempt - 1})
    assert env[MODEL].search_count([]) == 1
    assert count_rows(env, MODEL) == 1


def test_sql_violation_inside_a_savepoint_keeps_earlier_work(env):
    kept = env[MODEL].create({"name": "kept", "code": "K"})
    with pytest.raises(ValidationError), env.savepoint():
        env[MODEL].create({"name": "inside", "code": "I"})
        env[MODEL].create({"name": "dup", "code": "K"})
    assert count_rows(env, MODEL, name="inside") == 0
    assert env[MODEL].search([]) == kept
    assert kept.name == "kept"


def test_required_field_missing_is_a_validation_error(env):
    with pytest.raises(ValidationError, match="required"):
        env["test_compute.pet"].create({"legs": 3})
    assert count_rows(env, "test_compute.pet") == 0
