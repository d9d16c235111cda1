"""Prefetch and cache: reading fields over many records costs O(1) queries, and writes
and deletions invalidate what they change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.exceptions import MissingError

PARTNER = "test_compute.partner"
SIZE = 500


@pytest.fixture
def partners(env):
    """10 parents and 500 children (child i belongs to parent i % 10); cache emptied."""
    model = env[PARTNER]
    parents = model.create([{"name": f"parent {i:02d}"} for i in range(10)])
    model.create([{"name": f"child {i:03d}", "parent_id": parents[i % 10].id,
                   "color": i % 7} for i in range(SIZE)])
    env.transaction.invalidate()
    return parents


def search_children(env):
    return env[PARTNER].search([("name", "like", "child ")])


def test_reading_a_stored_field_costs_one_query(env, partners, count_queries):
    children = search_children(env)
    assert len(children) == SIZE
    with count_queries() as counter:
        names = [child.name for child in children]
    assert names == [f"child {i:03d}" for i in range(SIZE)]
    assert counter.count == 1, counter.statements


def test_reading_through_a_many2one_costs_three_queries(env, partners, count_queries):
    with count_queries() as counter:
        children = search_children(env)
        values = [(child.name, child.parent_id.name) for child in children]
    assert len(values) == SIZE
    assert values[:3] == [("child 000", "parent 00"), ("child 001", "parent 01"),
                          ("child 002", "parent 02")]
    assert counter.count <= 3, counter.statements


def test_reading_several_fields_does_not_query_per_record(env, partners, count_queries):
    children = search_children(env)
    with count_queries() as counter:
        rows = [(child.name, child.code, child.priority, child.color, child.parent_id.id,
                 child.display_full, child.name_length) for child in children]
    assert rows[7] == ("child 007", "NEW", 10, 0, partners[7].id, "parent 07 / child 007", 9)
    assert counter.count == 1, counter.statements
    with count_queries() as counter:
        again = [(child.name, child.color) for child in children]
    assert again[8] == ("child 008", 1)
    assert counter.count == 0, counter.statements


def test_prefetch_follows_slices_and_filtered_records(env, partners, count_queries):
    children = search_children(env)
    with count_queries() as counter:
        first = children[0]
        assert first.name == "child 000"
        # the rest of the search result was loaded with it
        assert [c.color for c in children[1:50]] == [i % 7 for i in range(1, 50)]
    assert counter.count == 1, counter.statements


def test_nonstored_compute_over_many_records(env, partners, count_queries):
    children = search_children(env)
    env[PARTNER]._upper_calls.clear()
    with count_queries() as counter:
        values = [child.upper_name for child in children]
    assert values[0] == "CHILD 000"
    assert env[PARTNER]._upper_calls == [SIZE]
    assert counter.count == 1, counter.statements


def test_nonstored_compute_through_a_many2one_is_batched(env, partners, count_queries):
    children = search_children(env)
    assert children[0].name == "child 000"
    env[PARTNER]._upper_calls.clear()
    with count_queries() as counter:
        values = {child.parent_id.upper_name for child in children}
    assert values == {f"PARENT {i:02d}" for i in range(10)}
    assert env[PARTNER]._upper_calls == [10]
    assert counter.count == 1, counter.statements


def test_related_over_many_records(env, partners, count_queries):
    children = search_children(env)
    with count_queries() as counter:
        values = [child.parent_name for child in children]
    assert values[:2] == ["parent 00", "parent 01"]
    assert counter.count <= 2, counter.statements


def test_one2many_over_many_records(env, partners, count_queries):
    parents = env[PARTNER].search([("name", "like", "parent ")])
    with count_queries() as counter:
        sizes = [len(parent.child_ids) for parent in parents]
    assert sizes == [SIZE // 10] * 10
    assert counter.count == 1, counter.statements


def test_read_over_many_records(env, partners, count_queries):
    children = search_children(env)
    with count_queries() as counter:
        rows = children.read(["name", "parent_id", "color"])
    assert rows[3] == {"id": children[3].id, "name": "child 003",
                       "parent_id": (partners[3].id, "parent 03"), "color": 3}
    assert counter.count <= 2, counter.statements


def test_mapped_over_many_records(env, partners, count_queries):
    with count_queries() as counter:
        names = search_children(env).mapped("parent_id.name")
    assert names == [f"parent {i:02d}" for i in range(10)]
    assert counter.count <= 3, counter.statements


# -- invalidation ---------------------------------------------------------------------

def test_cache_serves_repeated_reads(env, count_queries):
    partner = env[PARTNER].create({"name": "cached"})
    env.transaction.invalidate()
    assert partner.name == "cached"
    table = env[PARTNER]._sa_table
    env.execute(sa.update(table).where(table.c.id == partner.id).values(name="behind"))
    with count_queries() as counter:
        assert partner.name == "cached"  # from the cache
    assert counter.count == 0
    env.transaction.invalidate()
    assert partner.name == "behind"


def test_write_updates_what_it_changes(env, partners):
    children = search_children(env)
    assert [c.name for c in children[:3]] == ["child 000", "child 001", "child 002"]
    children[1].write({"name": "renamed", "color": 99})
    assert children[1].name == "renamed"
    assert children[1].color == 99
    # another recordset of the same record sees it too (one cache per transaction)
    assert env[PARTNER].browse(children[1].id).name == "renamed"
    assert children[0].name == "child 000"


def test_write_of_many_records(env, partners):
    children = search_children(env)
    assert children[10].color == 3
    children.write({"color": 42})
    assert {c.color for c in children} == {42}


def test_write_invalidates_dependent_values(env, partners):
    children = search_children(env)
    assert children[0].display_full == "parent 00 / child 000"
    assert children[0].parent_name == "parent 00"
    assert children[0].upper_name == "CHILD 000"
    partners[0].write({"name": "boss"})
    assert children[0].display_full == "boss / child 000"
    assert children[10].display_full == "boss / child 010"
    assert children[0].parent_name == "boss"
    assert children[0].parent_id.name == "boss"
    children[0].write({"name": "kid"})
    assert children[0].upper_name == "KID"
    assert children[0].display_full == "boss / kid"


def test_write_of_a_many2one_updates_the_one2many(env, partners):
    first, second = partners[0], partners[1]
    assert len(first.child_ids) == 50
    moved = first.child_ids[:5]
    moved.write({"parent_id": second.id})
    assert len(first.child_ids) == 45
    assert len(second.child_ids) == 55
    assert set(moved.ids) <= set(second.child_ids.ids)
    assert all(child.parent_id == second for child in moved)


def test_unlink_invalidates(env, partners):
    children = search_children(env)
    parent = partners[0]
    assert len(parent.child_ids) == 50
    victim = parent.child_ids[0]
    assert victim.name == "child 000"
    victim.unlink()
    assert len(parent.child_ids) == 49
    assert victim.id not in parent.child_ids.ids
    with pytest.raises(MissingError):
        _ = victim.name
    assert not victim.exists()
    assert len(search_children(env)) == SIZE - 1
    assert children[1].name == "child 001"


def test_unlink_of_a_target_empties_the_many2one(env, partners):
    children = search_children(env)
    assert children[0].parent_id == partners[0]
    partners[0].unlink()  # ondelete="set null"
    assert not children[0].parent_id
    assert children[0].display_full == "child 000"
    assert children[1].parent_id == partners[1]
