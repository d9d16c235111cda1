#!/usr/bin/env python
"""Web client benchmark: page latency and requests per second (see bench/README.md, Web).

On a fresh database per engine (a SQLite file; a PostgreSQL database `tessera_bench_<random>`
created and dropped here) holding 100,000 `bench.partner` records (bench/addons/bench_web):

- latency, in process (`werkzeug.test.Client(create_app(db))`, logged in as an employee
  through the /web/login form): p50/p95 of the list page (80 rows, many2one and many2many
  columns), an order's form (20 one2many lines) and a search page (a search facet, a
  filter and a group-by), next to the list page's data fetched by one hand-written
  SQLAlchemy Core SELECT (the ORM + rendering overhead ratio);
- throughput on PostgreSQL: `tessera serve --workers 2` in a subprocess, loaded over HTTP
  on 127.0.0.1 by Python threads (http.client), or by wrk when /usr/bin/wrk exists.

    .venv/bin/python bench/web.py                # SQLite and the local PostgreSQL
    .venv/bin/python bench/web.py --quick        # 5,000 partners, short runs (smoke)
    .venv/bin/python bench/web.py --sqlite-only --partners 20000 --json

Every loop is bounded in count and in time. Nothing asserts on timings.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from orm_workload import REPO, fresh_database, machine, server_version

BENCH_DIR = Path(__file__).resolve().parent
ADDONS = BENCH_DIR / "addons"
ADDON = "bench_web"
LOGIN, PASSWORD = "bench.employee", "bench-employee-password"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LIST_AIM_MS = 30.0  # list page p50 on SQLite


@dataclass(frozen=True)
class Sizes:
    """How much data and how many measurements."""

    partners: int = 100_000
    orders: int = 500
    lines: int = 20  # per order
    requests: int = 200  # per page (latency), after `warmup`
    warmup: int = 5
    seconds: float = 30.0  # at most per page (latency)
    load_seconds: float = 10.0  # per page (throughput)
    threads: int = 4  # load generator connections

    @classmethod
    def quick(cls, partners: int | None = None) -> Sizes:
        """A short run (the smoke run of the README)."""
        return cls(partners=partners or 5_000, orders=50, requests=30, warmup=3,
                   seconds=10.0, load_seconds=2.0)


# -- data -------------------------------------------------------------------------------
def populate(db, sizes: Sizes) -> dict:
    """Install bench_web and fill it (bench/addons/bench_web/populate.py); on PostgreSQL
    ANALYZE afterwards (untimed). Returns {"install_s", "data_s", "order_id"}."""
    start = time.perf_counter()
    with db.env() as env:
        env.addons.install([ADDON])
    installed = time.perf_counter()
    from addons.bench_web.populate import populate as fill  # importable once installed

    with db.env() as env:
        order_id = fill(env, sizes.partners, sizes.orders, sizes.lines, LOGIN, PASSWORD)
    data = time.perf_counter() - installed
    if db.engine.dialect.name == "postgresql":  # statistics, as autovacuum soon would
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"install_s": installed - start, "data_s": data, "order_id": order_id}


def page_urls(order_id: int) -> dict[str, str]:
    """The three measured pages."""
    return {"list": "/web/bench.partner", "form": f"/web/bench.order/{order_id}",
            "search": "/web/bench.partner?s=name:Tran&f=big&g=country_id"}


def expected_text(env, sizes: Sizes) -> dict[str, str]:
    """A text each page must show (a check that the page measured is the right one)."""
    first = env["bench.partner"].search([], limit=1).name
    return {"list": first, "form": f"Product {sizes.lines - 1:02d}", "search": "Country 0"}


def core_list_statement(registry, dialect: str) -> sa.Select:
    """The list page's data in one SELECT: the first 80 active partners by name with
    their country's and salesperson's names, their tags (aggregated) and the total."""
    meta = registry.metadata
    p, c = meta.tables["bench_partner"], meta.tables["bench_country"]
    u, rel, t = meta.tables["res_users"], meta.tables["bench_partner_tag_rel"], \
        meta.tables["bench_tag"]
    tags = (sa.select(sa.func.group_concat(t.c.name) if dialect == "sqlite"
                      else sa.func.string_agg(t.c.name, sa.literal_column("','")))
            .join_from(rel, t, t.c.id == rel.c.tag_id).where(rel.c.partner_id == p.c.id)
            .scalar_subquery())
    total = sa.select(sa.func.count()).select_from(p).where(p.c.active == sa.true())
    return (sa.select(p.c.id, p.c.name, p.c.email, p.c.city, c.c.name, u.c.name,
                      tags.label("tags"), p.c.amount, total.scalar_subquery().label("total"))
            .join_from(p, c, c.c.id == p.c.country_id, isouter=True)
            .join_from(p, u, u.c.id == p.c.user_id, isouter=True)
            .where(p.c.active == sa.true()).order_by(p.c.name, p.c.id).limit(80))


# -- latency ----------------------------------------------------------------------------
def timed(call, sizes: Sizes) -> list[float]:
    """Seconds of each call: `warmup` untimed calls, then at most `requests` calls
    within `seconds`."""
    for _ in range(sizes.warmup):
        call()
    samples, deadline = [], time.perf_counter() + sizes.seconds
    while len(samples) < sizes.requests and time.perf_counter() < deadline:
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float], **extra) -> dict:
    """n, p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(samples), "p50_ms": statistics.median(ordered) * 1000,
            "p95_ms": p95 * 1000, **extra}


def login(client) -> None:
    """Log in through the form: the hidden csrf_token of the login page, then POST."""
    page = client.get("/web/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/web/login", data={"login": LOGIN, "password": PASSWORD,
                                               "csrf_token": token})
    if response.status_code != 303:
        raise SystemExit(f"login failed ({response.status_code})")


def measure_latency(db, urls: dict[str, str], sizes: Sizes) -> dict:
    """Per page {n, p50_ms, p95_ms, kib}, and "core" (the list data in one SELECT)."""
    from werkzeug.test import Client

    from core.web import create_app

    client = Client(create_app(db))
    login(client)
    with db.env() as env:
        expected, registry = expected_text(env, sizes), env.registry
    results = {}
    for name, url in urls.items():
        response = client.get(url)
        body = response.get_data()
        if response.status_code != 200 or expected[name].encode() not in body:
            raise SystemExit(f"{url} answered {response.status_code} without "
                             f"{expected[name]!r}")
        samples = timed(lambda url=url: client.get(url).get_data(), sizes)
        results[name] = summary(samples, kib=len(body) / 1024)
    statement = core_list_statement(registry, db.engine.dialect.name)

    def fetch():
        with db.engine.begin() as conn:
            return conn.execute(statement).all()

    rows = fetch()
    if len(rows) != min(80, sizes.partners) or rows[0][1] != expected["list"]:
        raise SystemExit("the Core SELECT does not fetch the list page's rows")
    results["core"] = summary(timed(fetch, sizes))
    results["ratio_list_core"] = results["list"]["p50_ms"] / results["core"]["p50_ms"]
    return results


# -- throughput -------------------------------------------------------------------------
@contextlib.contextmanager
def served(url: str, workdir: str):
    """`tessera serve --workers 2` on a free port of 127.0.0.1 until the block ends
    (SIGTERM, then SIGKILL of its process group if it lingers); yields the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(Path(workdir) / "serve.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "--db", url, "--addons-path", str(ADDONS),
         "serve", "--workers", "2", "--port", str(port)],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while request(port, "GET", "/web/login")[0] != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise SystemExit("tessera serve did not start:\n"
                                 + Path(log.name).read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def request(port: int, method: str, path: str, headers=None, body=None):
    """One request on a new connection: (status, cookies set, body); status 0 when the
    connection is refused."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        cookies = SimpleCookie()
        for value in response.msg.get_all("Set-Cookie") or []:
            cookies.load(value)
        return response.status, {k: m.value for k, m in cookies.items()}, response.read()
    except OSError:
        return 0, {}, b""
    finally:
        conn.close()


def http_login(port: int) -> str:
    """Log in over HTTP through the form; the Cookie header of the session."""
    _status, cookies, page = request(port, "GET", "/web/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.decode()).group(1)
    status, cookies, _ = request(port, "POST", "/web/login", body=urlencode(
        {"login": LOGIN, "password": PASSWORD, "csrf_token": token}), headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"tessera_csrf={cookies['tessera_csrf']}"})
    if status != 303 or "tessera_session" not in cookies:
        raise SystemExit(f"login over HTTP failed ({status})")
    return f"tessera_session={cookies['tessera_session']}"


def python_load(port: int, path: str, cookie: str, sizes: Sizes, count: int = 100_000,
                seconds: float | None = None) -> dict:
    """`threads` threads, each with an http.client connection kept alive (the sync
    workers close it after each answer; http.client reconnects), for `load_seconds`
    and at most `count` requests in all."""
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.perf_counter() + (seconds or sizes.load_seconds)
    headers = {"Cookie": cookie}

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        while time.perf_counter() < deadline and len(mine) + failed < count // sizes.threads:
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            mine.append(time.perf_counter() - start) if ok else None
            failed += not ok
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(sizes.threads)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    row = summary(latencies or [0.0])
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "errors": errors[0],
            "p50_ms": row["p50_ms"], "p95_ms": row["p95_ms"]}


def wrk_load(port: int, path: str, cookie: str, sizes: Sizes) -> dict:
    """wrk with `threads` connections on 2 threads for `load_seconds` (p95 not given:
    wrk prints p50/p75/p90/p99)."""
    seconds = max(1, round(sizes.load_seconds))
    out = subprocess.run(
        ["wrk", "-t2", f"-c{sizes.threads}", f"-d{seconds}s", "--latency", "-H",
         f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, timeout=seconds + 30, check=True).stdout

    def ms(label):
        value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\b", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests": total, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)
                                            .group(1)),
            "errors": int(bad.group(1)) if bad else 0, "p50_ms": ms("50%"), "p95_ms": None,
            "p99_ms": ms("99%")}


def measure_throughput(url: str, urls: dict[str, str], sizes: Sizes, loadgen: str) -> dict:
    """Requests per second of each page on `tessera serve --workers 2`."""
    import tempfile

    use_wrk = loadgen == "wrk" or (loadgen == "auto" and shutil.which("wrk") is not None)
    with tempfile.TemporaryDirectory() as workdir, served(url, workdir) as port:
        cookie = http_login(port)
        load, pages = wrk_load if use_wrk else python_load, {}
        for name, path in urls.items():  # warm both workers up (first requests build
            python_load(port, path, cookie, sizes, count=4 * sizes.threads, seconds=30)
            pages[name] = load(port, path, cookie, sizes)  # registry, statements...)
    name = (f"wrk, {sizes.threads} connections" if use_wrk else
            f"Python load generator, {sizes.threads} threads")
    return {"loadgen": name, "seconds": sizes.load_seconds, "pages": pages}


# -- the run ----------------------------------------------------------------------------
def run_engine(kind: str, pg: str | None, workdir: str, sizes: Sizes, loadgen: str) -> dict:
    """Populate a fresh database of `kind`, measure latency (and throughput on PG)."""
    from core import Database

    with fresh_database(kind, pg, workdir, "web") as url:
        db = Database(url, addons_paths=[str(ADDONS)])
        try:
            setup = populate(db, sizes)
            urls = page_urls(setup.pop("order_id"))
            result = {"server": server_version(kind, pg), "setup": setup,
                      "latency": measure_latency(db, urls, sizes)}
        finally:
            db.dispose()
        if kind == "postgresql":
            result["throughput"] = measure_throughput(url, urls, sizes, loadgen)
        return result


def pg_answers(url: str) -> bool:
    """Whether the PostgreSQL server of `url` accepts a connection."""
    engine = sa.create_engine(url)
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def print_report(report: dict) -> None:
    """The tables of a run."""
    info, sizes = report["machine"], report["sizes"]
    print(f"Web client benchmark, {sizes['partners']:,} partners, {sizes['orders']} orders x "
          f"{sizes['lines']} lines; Tessera {info['tessera']}; {info['date']}; "
          f"{info.get('cpu', '?')} x{info['cpus']} (load {info['load_average'][0]}); "
          f"Python {info['python']}")
    for kind, result in report["engines"].items():
        setup, lat = result["setup"], result["latency"]
        print(f"\n{result['server']}: install {setup['install_s']:.2f} s, data "
              f"{setup['data_s']:.2f} s; in-process latency (werkzeug.test.Client)")
        print(f"{'page':<34}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'KiB':>7}")
        for page in ("list", "form", "search", "core"):
            row = lat[page]
            label = "core (list data, one SELECT)" if page == "core" else page
            kib = f"{row['kib']:7.0f}" if "kib" in row else ""
            print(f"{label:<34}{row['n']:>5}{row['p50_ms']:9.1f}{row['p95_ms']:9.1f}{kib}")
        print(f"list page / Core SELECT (p50): {lat['ratio_list_core']:.1f}x")
        if kind == "sqlite":
            met = lat["list"]["p50_ms"] < LIST_AIM_MS
            print(f"aim: list page p50 under {LIST_AIM_MS:.0f} ms on SQLite: "
                  f"{'met' if met else 'MISSED'}")
        if "throughput" in result:
            out = result["throughput"]
            print(f"\nthroughput: tessera serve --workers 2, {out['loadgen']}, "
                  f"{out['seconds']:.0f} s per page")
            print(f"{'page':<10}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
                  f"{'errors':>8}")
            for page, row in out["pages"].items():  # wrk gives p99, not p95
                tail = f"{row['p95_ms']:.1f}" if row.get("p95_ms") else f"{row['p99_ms']:.1f}*"
                print(f"{page:<10}{row['requests']:>9}{row['rps']:8.1f}{row['p50_ms']:9.1f}"
                      f"{tail:>9}{row['errors']:>8}")
            if "p99_ms" in row:
                print("* p99 (wrk)")


def main(argv=None) -> int:
    """Parse the options, run each engine, print the tables (or JSON)."""
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 partners, short runs")
    parser.add_argument("--partners", type=int, help="number of partners (default 100,000)")
    parser.add_argument("--pg", metavar="URL",
                        default=os.environ.get("TESSERA_BENCH_PG", PG_DEFAULT),
                        help="PostgreSQL server (tessera_bench_<random> is created and "
                             "dropped on it); default $TESSERA_BENCH_PG, else the local one")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--loadgen", choices=["auto", "python", "wrk"], default="auto",
                        help="load generator (auto: wrk when /usr/bin/wrk exists)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    sizes = Sizes.quick(args.partners) if args.quick else Sizes(partners=args.partners
                                                               or 100_000)
    engines = ["sqlite"]
    if not args.sqlite_only:
        if pg_answers(args.pg):
            engines.append("postgresql")
        else:
            print(f"PostgreSQL does not answer at {args.pg}: SQLite only", file=sys.stderr)
    start = time.perf_counter()
    report = {"machine": machine(), "sizes": asdict(sizes), "engines": {}}
    with tempfile.TemporaryDirectory(prefix="tessera_bench_web_") as workdir:
        for kind in engines:
            report["engines"][kind] = run_engine(kind, args.pg, workdir, sizes, args.loadgen)
    report["total_s"] = time.perf_counter() - start
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
        print(f"\n(total {report['total_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
