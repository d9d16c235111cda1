#!/usr/bin/env python
"""ORM workload W (see ../shared/WORKLOAD.md and bench/README.md).

Runs the same eight steps three ways, in one run, on fresh databases:

- "orm":   the Tessera ORM, used the way a developer would (model in bench/addons/bench_orm);
- "core":  plain SQLAlchemy Core 2 statements on the ORM's own Table (same columns, indexes);
- "limit": the raw driver (stdlib sqlite3 / psycopg) with executemany and plain SELECTs.

Each step is one transaction committed at its end and timed with time.perf_counter;
the schema creation (addon install for the ORM) is timed separately as "setup". Each
system runs in its own child process (so that its peak RSS is its own) on its own fresh
SQLite file or PostgreSQL database (`tessera_bench_<random>`, created and dropped here).

    .venv/bin/python bench/orm_workload.py                      # SQLite only
    .venv/bin/python bench/orm_workload.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/orm_workload.py --scale 0.1 --json   # quick, machine-readable
    .venv/bin/python bench/orm_workload.py --profile /tmp/prof  # cProfile the ORM steps

Nothing here asserts on timings: it measures and reports.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import os
import platform
import resource
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
ADDONS = BENCH_DIR / "addons"
if str(REPO) not in sys.path:  # `core` importable even without the editable install
    sys.path.insert(0, str(REPO))

MODEL = "bench.partner"
ADDON = "bench_orm"
TABLE = "bench_partner"
COLUMNS = ("name", "email", "phone", "city", "is_company", "parent_id")
READ_FIELDS = ["name", "email", "phone", "city", "parent_id"]
CITIES = [
    "Hanoi", "Ho Chi Minh City", "Da Nang", "Hai Phong", "Can Tho", "Hue", "Nha Trang",
    "Vung Tau", "Quy Nhon", "Da Lat", "Bien Hoa", "Buon Ma Thuot", "Vinh", "Thai Nguyen",
    "Nam Dinh", "Ha Long", "Long Xuyen", "My Tho", "Rach Gia", "Phan Thiet",
]
SEARCH_LIMIT = 80
STEPS = [
    ("W1", "create-batch"), ("W2", "create-single"), ("W3", "search"),
    ("W3b", "search-exact"), ("W4", "read"), ("W5", "write-batch"),
    ("W6", "write-single"), ("W7", "unlink"),
]
EXTRA_STEPS = [("W4-attr", "read by attribute")]  # ORM only, compared with Core's W4
TARGETS = {"W1": 2.0, "W2": 3.0, "W3": 2.0, "W3b": 3.0, "W4": 2.0, "W5": 2.0, "W6": 3.0,
           "W7": 2.0}
SYSTEMS = ("limit", "core", "orm")


# -- the workload's data ----------------------------------------------------------------
@dataclass(frozen=True)
class Sizes:
    """How much work each step does (WORKLOAD.md at scale 1.0)."""

    create_batch: int = 10_000  # W1 partners, `batch` per call
    batch: int = 1_000
    create_single: int = 2_000  # W2
    searches: int = 1_000  # W3
    exact: int = 1_000  # W3b
    writes: int = 1_000  # W6
    unlink: int = 5_000  # W7

    @classmethod
    def scaled(cls, scale: float) -> Sizes:
        def n(value: int) -> int:
            return max(10, round(value * scale / 10) * 10)

        return cls(create_batch=n(10_000), create_single=n(2_000), searches=min(1_000, n(1_000)),
                   exact=min(1_000, n(1_000)), writes=n(1_000), unlink=n(5_000))

    @property
    def total(self) -> int:
        return self.create_batch + self.create_single

    @property
    def companies(self) -> int:
        return sum(1 for i in range(self.total) if i % 5 == 0)

    def records(self, step: str) -> int:
        """Records (or searches) a step handles, for the records-per-second column."""
        return {"W1": self.create_batch, "W2": self.create_single, "W3": self.searches,
                "W3b": self.exact, "W4": self.total, "W4-attr": self.total,
                "W5": self.companies, "W6": self.writes, "W7": self.unlink}[step]


def partner_values(i: int) -> dict:
    """The values of partner number i (parent_id filled in by each step)."""
    return {"name": f"Partner {i:05d}", "email": f"p{i:05d}@example.com",
            "phone": f"+84 24 {i:07d}", "city": CITIES[i % 20], "is_company": i % 5 == 0,
            "parent_id": None}


def parent_index(i: int) -> int | None:
    """Partner i points to partner i // 10 * 10 (itself a parent: i % 10 == 0)."""
    return None if i % 10 == 0 else i // 10 * 10


def w1_batches(sizes: Sizes) -> list[list[int]]:
    """W1 in create calls: the parents (i % 10 == 0, all companies) first, then the rest."""
    parents = [i for i in range(sizes.create_batch) if i % 10 == 0]
    children = [i for i in range(sizes.create_batch) if i % 10]
    return ([parents[s:s + sizes.batch] for s in range(0, len(parents), sizes.batch)]
            + [children[s:s + sizes.batch] for s in range(0, len(children), sizes.batch)])


def w3_patterns(sizes: Sizes) -> list[str]:
    return [f"Partner 0{k:03d}%" for k in range(sizes.searches)]


def w3b_names(sizes: Sizes) -> list[str]:
    return [f"Partner {k * 7:05d}" for k in range(sizes.exact)]


def w6_targets(all_ids: list[int], sizes: Sizes) -> list[tuple[int, str]]:
    """(id, new phone) of the W6 writes: every 12th partner in id order."""
    ids = sorted(all_ids)
    step = max(1, len(ids) // sizes.writes)
    return [(rid, f"+84 28 {k:07d}") for k, rid in enumerate(ids[::step][:sizes.writes])]


def checksum(id_lists) -> list[int]:
    """[number of ids, sum of ids] over the results of many searches."""
    return [sum(len(ids) for ids in id_lists), sum(sum(ids) for ids in id_lists)]


# -- the three implementations ------------------------------------------------------------
class OrmRun:
    """Workload W through the Tessera ORM."""

    def __init__(self, url: str, sizes: Sizes):
        from core import Database

        self.sizes = sizes
        self.db = Database(url, addons_paths=[str(ADDONS)])
        self.parent_ids: dict[int, int] = {}
        self.all_ids: list[int] = []

    def setup(self):
        with self.db.env() as env:
            env.addons.install([ADDON])

    def W1(self, batches, values):
        with self.db.env() as env:
            partners = env[MODEL]
            for batch in batches:
                vals_list = []
                for i in batch:
                    vals = values[i]
                    parent = parent_index(i)
                    if parent is not None:
                        vals["parent_id"] = self.parent_ids[parent]
                    vals_list.append(vals)
                records = partners.create(vals_list)
                for i, rid in zip(batch, records.ids):
                    if i % 10 == 0:
                        self.parent_ids[i] = rid
        return len(self.parent_ids)

    def W2(self, indexes, values):
        with self.db.env() as env:
            partners = env[MODEL]
            for i in indexes:
                vals = values[i]
                parent = parent_index(i)
                if parent is not None:
                    vals["parent_id"] = self.parent_ids[parent]
                record = partners.create(vals)
                if i % 10 == 0:
                    self.parent_ids[i] = record.id
        return len(self.parent_ids)

    def W3(self, patterns):
        with self.db.env() as env:
            partners = env[MODEL]
            results = [partners.search([("name", "=ilike", p)], limit=SEARCH_LIMIT,
                                       order="name").ids for p in patterns]
        return checksum(results)

    def W3b(self, names):
        with self.db.env() as env:
            partners = env[MODEL]
            results = [partners.search([("name", "=", n)], limit=SEARCH_LIMIT).ids
                       for n in names]
        return checksum(results)

    def W4(self):
        with self.db.env() as env:
            records = env[MODEL].search([])
            rows = records.read(READ_FIELDS)
        self.all_ids = [row["id"] for row in rows]
        return [len(rows), sum(1 for row in rows if row["parent_id"])]

    def W4_attr(self):
        with self.db.env() as env:
            rows = [(p.name, p.email, p.phone, p.city, p.parent_id.name)
                    for p in env[MODEL].search([])]
        return [len(rows), sum(1 for row in rows if row[4])]

    def W5(self):
        with self.db.env() as env:
            companies = env[MODEL].search([("is_company", "=", True)])
            companies.write({"city": "Hanoi"})
        return len(companies)

    def W6(self, targets):
        with self.db.env() as env:
            partners = env[MODEL]
            for rid, phone in targets:
                partners.browse(rid).write({"phone": phone})
        return len(targets)

    def W7(self, count):
        with self.db.env() as env:
            records = env[MODEL].search([], order="id desc", limit=count)
            records.unlink()
        return len(records)

    def close(self):
        self.db.dispose()


def orm_schema() -> tuple[sa.MetaData, sa.Table]:
    """The ORM registry's MetaData and `bench.partner` Table, built by installing the bench
    addon in an in-memory SQLite database (the metadata is dialect-independent)."""
    from core import Database

    db = Database("sqlite://", addons_paths=[str(ADDONS)])
    with db.env() as env:
        env.addons.install([ADDON])
        registry = env.registry
    db.dispose()
    return registry.metadata, registry[MODEL]._sa_table


class CoreRun:
    """Workload W in idiomatic SQLAlchemy Core 2: statements built once, executed with
    parameters; executemany for batches; the same WHERE expressions as the ORM compiles."""

    def __init__(self, url: str, sizes: Sizes):
        from core import Database

        self.sizes = sizes
        self.metadata, t = orm_schema()
        # The engine Tessera configures (SQLite PRAGMAs, REPEATABLE READ on PostgreSQL).
        self.engine = Database(url).engine
        self.parent_ids: dict[int, int] = {}
        self.all_ids: list[int] = []
        pg = self.engine.dialect.name == "postgresql"
        pattern = sa.bindparam("pattern")
        if pg:  # served by the lower(name) text_pattern_ops index
            matches = sa.func.lower(t.c.name).like(sa.func.lower(pattern), escape="\\")
        else:  # SQLite LIKE ignores ASCII case: served by the name COLLATE NOCASE index
            matches = t.c.name.like(pattern, escape="\\")
        parent = t.alias("parent")
        self.insert = sa.insert(t)
        self.insert_ids = sa.insert(t).returning(t.c.id, sort_by_parameter_order=True)
        self.insert_one = sa.insert(t).returning(t.c.id)
        self.search = (sa.select(t.c.id).where(matches).order_by(t.c.name, t.c.id)
                       .limit(SEARCH_LIMIT))
        self.search_exact = (sa.select(t.c.id).where(t.c.name == sa.bindparam("name"))
                             .order_by(t.c.id).limit(SEARCH_LIMIT))
        self.read = (sa.select(t.c.id, t.c.name, t.c.email, t.c.phone, t.c.city, t.c.parent_id,
                               parent.c.name.label("parent_name"))
                     .join_from(t, parent, parent.c.id == t.c.parent_id, isouter=True)
                     .order_by(t.c.id))
        self.write_batch = (sa.update(t).where(t.c.is_company == sa.true())
                            .values(city=sa.bindparam("city")))
        self.write_one = (sa.update(t).where(t.c.id == sa.bindparam("b_id"))
                          .values(phone=sa.bindparam("b_phone")))
        newest = sa.select(t.c.id).order_by(t.c.id.desc()).limit(sizes.unlink)
        self.unlink = sa.delete(t).where(t.c.id.in_(newest.scalar_subquery()))

    def setup(self):
        self.metadata.create_all(self.engine)

    def W1(self, batches, values):
        with self.engine.begin() as conn:
            for batch in batches:
                rows = []
                for i in batch:
                    row = values[i]
                    parent = parent_index(i)
                    if parent is not None:
                        row["parent_id"] = self.parent_ids[parent]
                    rows.append(row)
                if batch[0] % 10 == 0:  # the parents: their ids are needed
                    ids = conn.execute(self.insert_ids, rows).scalars().all()
                    self.parent_ids.update(zip(batch, ids))
                else:
                    conn.execute(self.insert, rows)
        return len(self.parent_ids)

    def W2(self, indexes, values):
        with self.engine.begin() as conn:
            for i in indexes:
                row = values[i]
                parent = parent_index(i)
                if parent is not None:
                    row["parent_id"] = self.parent_ids[parent]
                rid = conn.execute(self.insert_one, row).scalar_one()
                if i % 10 == 0:
                    self.parent_ids[i] = rid
        return len(self.parent_ids)

    def W3(self, patterns):
        with self.engine.begin() as conn:
            results = [conn.execute(self.search, {"pattern": p}).scalars().all()
                       for p in patterns]
        return checksum(results)

    def W3b(self, names):
        with self.engine.begin() as conn:
            results = [conn.execute(self.search_exact, {"name": n}).scalars().all()
                       for n in names]
        return checksum(results)

    def W4(self):
        with self.engine.begin() as conn:
            rows = conn.execute(self.read).all()
        self.all_ids = [row[0] for row in rows]
        return [len(rows), sum(1 for row in rows if row[6])]

    def W5(self):
        with self.engine.begin() as conn:
            return conn.execute(self.write_batch, {"city": "Hanoi"}).rowcount

    def W6(self, targets):
        with self.engine.begin() as conn:
            for rid, phone in targets:
                conn.execute(self.write_one, {"b_id": rid, "b_phone": phone})
        return len(targets)

    def W7(self, count):
        with self.engine.begin() as conn:
            return conn.execute(self.unlink).rowcount

    def close(self):
        self.engine.dispose()


class LimitRun:
    """Workload W with the raw driver: the physical floor under SQLAlchemy."""

    def __init__(self, url: str, sizes: Sizes):
        from core import Database

        self.sizes = sizes
        self.url = make_url(url)
        self.pg = self.url.get_backend_name() == "postgresql"
        self.metadata, _table = orm_schema()
        self.engine = Database(url).engine
        self.conn = None
        self.parent_ids: dict[int, int] = {}
        self.all_ids: list[int] = []
        cols = ", ".join(COLUMNS)
        marks = ", ".join("?" for _ in COLUMNS)
        matches = "lower(name) LIKE lower(?)" if self.pg else "name LIKE ?"
        sql = {
            "insert": f"INSERT INTO {TABLE} ({cols}) VALUES ({marks})",
            "insert_one": f"INSERT INTO {TABLE} ({cols}) VALUES ({marks}) RETURNING id",
            "new_ids": f"SELECT id FROM {TABLE} WHERE id > ? ORDER BY id",
            "max_id": f"SELECT coalesce(max(id), 0) FROM {TABLE}",
            "search": f"SELECT id FROM {TABLE} WHERE {matches} ESCAPE '\\' "
                      f"ORDER BY name, id LIMIT {SEARCH_LIMIT}",
            "search_exact": f"SELECT id FROM {TABLE} WHERE name = ? ORDER BY id "
                            f"LIMIT {SEARCH_LIMIT}",
            "read": f"SELECT p.id, p.name, p.email, p.phone, p.city, p.parent_id, q.name "
                    f"FROM {TABLE} p LEFT OUTER JOIN {TABLE} q ON q.id = p.parent_id "
                    "ORDER BY p.id",
            "write_batch": f"UPDATE {TABLE} SET city = ? WHERE is_company = ?",
            "write_one": f"UPDATE {TABLE} SET phone = ? WHERE id = ?",
            "unlink": f"DELETE FROM {TABLE} WHERE id IN "
                      f"(SELECT id FROM {TABLE} ORDER BY id DESC LIMIT ?)",
        }
        if self.pg:
            sql = {key: text.replace("?", "%s") for key, text in sql.items()}
        self.sql = sql

    def setup(self):
        self.metadata.create_all(self.engine)
        self.engine.dispose()
        if self.pg:
            import psycopg

            conninfo = self.url.set(drivername="postgresql").render_as_string(
                hide_password=False)
            self.conn = psycopg.connect(conninfo)
            self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        else:
            self.conn = sqlite3.connect(self.url.database, isolation_level=None)
            for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL"):
                self.conn.execute(f"PRAGMA {pragma}")

    @contextlib.contextmanager
    def transaction(self):
        if self.pg:  # psycopg opens the transaction at the first statement
            cursor = self.conn.cursor()
            yield cursor
            self.conn.commit()
        else:
            cursor = self.conn.cursor()
            cursor.execute("BEGIN")
            yield cursor
            cursor.execute("COMMIT")

    @staticmethod
    def _row(values: dict) -> tuple:
        return (values["name"], values["email"], values["phone"], values["city"],
                values["is_company"], values["parent_id"])

    def W1(self, batches, values):
        sql = self.sql
        with self.transaction() as cur:
            for batch in batches:
                rows = []
                for i in batch:
                    row = values[i]
                    parent = parent_index(i)
                    if parent is not None:
                        row["parent_id"] = self.parent_ids[parent]
                    rows.append(self._row(row))
                if batch[0] % 10 == 0:  # the parents: read back their ids (single writer)
                    cur.execute(sql["max_id"])
                    last = cur.fetchone()[0]
                    cur.executemany(sql["insert"], rows)
                    cur.execute(sql["new_ids"], (last,))
                    self.parent_ids.update(zip(batch, (r[0] for r in cur.fetchall())))
                else:
                    cur.executemany(sql["insert"], rows)
        return len(self.parent_ids)

    def W2(self, indexes, values):
        insert_one = self.sql["insert_one"]
        with self.transaction() as cur:
            for i in indexes:
                row = values[i]
                parent = parent_index(i)
                if parent is not None:
                    row["parent_id"] = self.parent_ids[parent]
                cur.execute(insert_one, self._row(row))
                rid = cur.fetchone()[0]
                if i % 10 == 0:
                    self.parent_ids[i] = rid
        return len(self.parent_ids)

    def _searches(self, sql, params):
        results = []
        with self.transaction() as cur:
            for param in params:
                cur.execute(sql, (param,))
                results.append([row[0] for row in cur.fetchall()])
        return checksum(results)

    def W3(self, patterns):
        return self._searches(self.sql["search"], patterns)

    def W3b(self, names):
        return self._searches(self.sql["search_exact"], names)

    def W4(self):
        with self.transaction() as cur:
            cur.execute(self.sql["read"])
            rows = cur.fetchall()
        self.all_ids = [row[0] for row in rows]
        return [len(rows), sum(1 for row in rows if row[6])]

    def W5(self):
        with self.transaction() as cur:
            cur.execute(self.sql["write_batch"], ("Hanoi", True))
            return cur.rowcount

    def W6(self, targets):
        write_one = self.sql["write_one"]
        with self.transaction() as cur:
            for rid, phone in targets:
                cur.execute(write_one, (phone, rid))
        return len(targets)

    def W7(self, count):
        with self.transaction() as cur:
            cur.execute(self.sql["unlink"], (count,))
            return cur.rowcount

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.engine.dispose()


RUNNERS = {"orm": OrmRun, "core": CoreRun, "limit": LimitRun}


# -- one system in a child process -------------------------------------------------------
def final_state(url: str) -> dict:
    """What the database holds after the workload (untimed), to compare the systems."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.exec_driver_sql(
                f"SELECT count(*), count(parent_id), "
                f"sum(CASE WHEN city = 'Hanoi' THEN 1 ELSE 0 END), "
                f"sum(CASE WHEN is_company THEN 1 ELSE 0 END), "
                f"sum(CASE WHEN phone LIKE '+84 28 %%' THEN 1 ELSE 0 END) FROM {TABLE}"
                if engine.dialect.name == "postgresql" else
                f"SELECT count(*), count(parent_id), "
                f"sum(CASE WHEN city = 'Hanoi' THEN 1 ELSE 0 END), sum(is_company), "
                f"sum(CASE WHEN phone LIKE '+84 28 %' THEN 1 ELSE 0 END) FROM {TABLE}").one()
    finally:
        engine.dispose()
    return dict(zip(["rows", "with_parent", "hanoi", "companies", "new_phones"],
                    [int(v or 0) for v in row]))


def analyze(url: str) -> None:
    """Give PostgreSQL's planner statistics after the data is loaded (untimed), as its
    autovacuum would soon do: without them, once psycopg prepares a statement (5th run)
    the generic plan of `name = $1 ORDER BY id LIMIT $2` scans the primary key (1 ms a
    search instead of 0.03 ms), and when autovacuum wakes up is a matter of luck."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"ANALYZE {TABLE}")
    finally:
        engine.dispose()


def run_child(system: str, url: str, sizes: Sizes, profile_dir: str | None,
              stats: bool = True) -> dict:
    runner = RUNNERS[system](url, sizes)
    values = {i: partner_values(i) for i in range(sizes.total)}
    batches = w1_batches(sizes)
    plan = {
        "W1": lambda: runner.W1(batches, values),
        "W2": lambda: runner.W2(range(sizes.create_batch, sizes.total), values),
        "W3": lambda: runner.W3(w3_patterns(sizes)),
        "W3b": lambda: runner.W3b(w3b_names(sizes)),
        "W4": runner.W4,
        "W4-attr": getattr(runner, "W4_attr", None),
        "W5": runner.W5,
        "W6": lambda: runner.W6(w6_targets(runner.all_ids, sizes)),
        "W7": lambda: runner.W7(sizes.unlink),
    }
    times, checks = {}, {}
    gc.collect()
    start = time.perf_counter()
    runner.setup()
    times["setup"] = time.perf_counter() - start
    for step in ["W1", "W2", "W3", "W3b", "W4", "W4-attr", "W5", "W6", "W7"]:
        function = plan[step]
        if function is None:
            continue
        gc.collect()
        profiler = None
        if profile_dir:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        start = time.perf_counter()
        checks[step] = function()
        times[step] = time.perf_counter() - start
        if profiler is not None:
            profiler.disable()
            dialect = make_url(url).get_backend_name()
            profiler.dump_stats(str(Path(profile_dir) / f"{system}_{dialect}_{step}.prof"))
        if step == "W2" and stats:
            analyze(url)
    runner.close()
    checks["final"] = final_state(url)
    return {"times": times, "checks": checks,
            "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


# -- fresh databases and the parent process --------------------------------------------
@contextlib.contextmanager
def fresh_database(engine_kind: str, pg_url: str | None, workdir: str, label: str):
    """A URL of a new empty database: a SQLite file, or `tessera_bench_<random>` on the
    PostgreSQL server of `pg_url` (dropped afterwards)."""
    if engine_kind == "sqlite":
        path = Path(workdir) / f"{label}_{secrets.token_hex(4)}.sqlite3"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    base = make_url(pg_url)
    name = f"tessera_bench_{secrets.token_hex(6)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def run_system(system, engine_kind, pg_url, workdir, scale, profile_dir=None,
               stats=True) -> dict:
    with fresh_database(engine_kind, pg_url, workdir, system) as url:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", system,
                   "--url", url, "--scale", repr(scale)]
        if profile_dir:
            command += ["--profile", profile_dir]
        if not stats:
            command.append("--no-analyze")
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"{system} on {engine_kind} failed (exit {proc.returncode})")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def server_version(engine_kind: str, pg_url: str | None) -> str:
    if engine_kind == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            return "PostgreSQL " + conn.exec_driver_sql("SHOW server_version").scalar()
    finally:
        engine.dispose()


def summarize(engine_kind: str, runs: list[dict], sizes: Sizes) -> dict:
    """Best (minimum) time per step over the repetitions, ratios and targets."""
    best = {system: {} for system in SYSTEMS}
    for run in runs:
        for system in SYSTEMS:
            for step, seconds in run[system]["times"].items():
                previous = best[system].get(step)
                best[system][step] = seconds if previous is None else min(previous, seconds)
    steps = {}
    for step, label in [("setup", "setup"), *STEPS, *EXTRA_STEPS]:
        orm = best["orm"].get(step)
        core = best["core"].get(step if step != "W4-attr" else "W4")
        limit = best["limit"].get(step if step != "W4-attr" else "W4")
        target = TARGETS.get(step)
        ratio = orm / core if orm is not None and core else None
        steps[step] = {
            "label": label, "orm_s": orm, "core_s": core, "limit_s": limit,
            "orm_records_per_s": (sizes.records(step) / orm) if orm and step != "setup"
            else None,
            "ratio_orm_core": ratio,
            "ratio_core_limit": core / limit if core and limit else None,
            "target": target,
            "met": (ratio <= target) if (ratio is not None and target) else None,
        }
    last = runs[-1]
    checks = {system: last[system]["checks"] for system in SYSTEMS}
    mismatches = []
    for key in checks["orm"]:
        values = {system: checks[system].get(key) for system in SYSTEMS}
        if key != "W4-attr" and len({json.dumps(v) for v in values.values()}) > 1:
            mismatches.append({"check": key, **values})
    return {
        "steps": steps,
        "peak_rss_mib": {system: max(run[system]["peak_rss_kib"] for run in runs) / 1024
                         for system in SYSTEMS},
        "checks": checks,
        "mismatches": mismatches,
    }


def print_table(title: str, result: dict) -> None:
    print(f"\n{title}")
    header = (f"{'step':<26}{'ORM s':>9}{'Core s':>9}{'limit s':>9}{'ORM rec/s':>11}"
              f"{'ORM/Core':>10}{'Core/limit':>12}  target")
    print(header)
    print("-" * len(header))

    def fmt(value, spec):
        if value is None:
            return "-".rjust(int(spec.split(".")[0].replace(",", "")))
        return format(value, spec)

    for step, row in result["steps"].items():
        name = f"{step} {row['label']}" if step != "setup" else "setup"
        if row["target"]:
            mark = f"<= {row['target']:.1f} " + ("met" if row["met"] else "MISSED")
        elif step == "W4-attr":
            mark = "(vs Core W4)"
        else:
            mark = ""
        print(f"{name:<26}{fmt(row['orm_s'], '9.3f')}{fmt(row['core_s'], '9.3f')}"
              f"{fmt(row['limit_s'], '9.3f')}{fmt(row['orm_records_per_s'], '11,.0f')}"
              f"{fmt(row['ratio_orm_core'], '10.2f')}{fmt(row['ratio_core_limit'], '12.2f')}"
              f"  {mark}")
    rss = result["peak_rss_mib"]
    print(f"peak RSS (MiB): ORM {rss['orm']:.1f}, Core {rss['core']:.1f}, "
          f"limit {rss['limit']:.1f}")
    for mismatch in result["mismatches"]:
        print(f"WARNING: the systems disagree on {mismatch}")


def tessera_version() -> str:
    """The commit measured, with "+dirty" when core/ has uncommitted changes."""
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "core"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("TESSERA_COMMIT", "unknown")
    return commit + ("+dirty" if dirty else "")


def machine() -> dict:
    import sqlalchemy

    info = {"python": platform.python_version(), "sqlalchemy": sqlalchemy.__version__,
            "sqlite": sqlite3.sqlite_version, "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "tessera": tessera_version(),
            "platform": platform.platform(), "date": dt.datetime.now().isoformat(
                timespec="seconds")}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(ImportError):
        import psycopg

        info["psycopg"] = psycopg.__version__
    return info


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", metavar="URL", default=os.environ.get("TESSERA_BENCH_PG"),
                        help="PostgreSQL server URL (a database tessera_bench_<random> is "
                             "created and dropped on it); default $TESSERA_BENCH_PG")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the workload's sizes (default 1.0)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run everything N times and keep each step's best time")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--profile", metavar="DIR",
                        help="cProfile each ORM step into DIR/orm_<engine>_<step>.prof "
                             "(only the ORM runs; its times are inflated)")
    parser.add_argument("--no-analyze", action="store_true",
                        help="do not ANALYZE the PostgreSQL table after W2 (untimed)")
    parser.add_argument("--child", choices=SYSTEMS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = Sizes.scaled(args.scale)

    if args.child:
        result = run_child(args.child, args.url, sizes, args.profile, not args.no_analyze)
        print(json.dumps(result))
        return 0

    engines = ["sqlite"] + ([] if args.sqlite_only or not args.pg else ["postgresql"])
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="tessera_bench_") as workdir:
            for kind in engines:
                result = run_system("orm", kind, args.pg, workdir, args.scale, args.profile,
                                    not args.no_analyze)
                print(f"{kind}: profiles in {args.profile}; times (profiled): "
                      + ", ".join(f"{k} {v:.3f}s" for k, v in result["times"].items()))
        return 0

    report = {"machine": machine(), "scale": args.scale, "repeat": args.repeat,
              "analyze_after_w2": not args.no_analyze,
              "sizes": asdict(sizes), "engines": {}}
    with tempfile.TemporaryDirectory(prefix="tessera_bench_") as workdir:
        for kind in engines:
            runs = []
            for _ in range(max(1, args.repeat)):
                runs.append({system: run_system(system, kind, args.pg, workdir, args.scale,
                                                stats=not args.no_analyze)
                             for system in SYSTEMS})
            result = summarize(kind, runs, sizes)
            result["server"] = server_version(kind, args.pg)
            report["engines"][kind] = result
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    info = report["machine"]
    print(f"ORM workload W, scale {args.scale}, best of {max(1, args.repeat)}; "
          f"Tessera {info['tessera']}; {info['date']}; {info.get('cpu', '?')} x{info['cpus']} "
          f"(load {info['load_average'][0]}); Python {info['python']}, "
          f"SQLAlchemy {info['sqlalchemy']}, psycopg {info.get('psycopg', '-')}")
    for result in report["engines"].values():
        print_table(result["server"], result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
