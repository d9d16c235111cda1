"""Time `init` plus installing every shipped addon, then uninstalling the largest,
on a fresh SQLite database and (with --pg URL) a fresh PostgreSQL database.

    .venv/bin/python bench/install.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--addons-path DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid

import sqlalchemy as sa

from core import Database
from core.addons.discovery import REPO_ADDONS


def measure(url: str, addons_paths: list[str], only: list[str]) -> dict:
    """Seconds for init, install of every shipped addon (or `only`), and uninstall of
    the largest."""
    figures = {}
    start = time.perf_counter()
    database = Database(url, addons_paths=addons_paths)
    with database.env() as env:
        names = only or sorted(n for n, m in env.addons.manifests().items()
                               if m.installable and m.path.parent == REPO_ADDONS)
    figures["init"] = time.perf_counter() - start
    start = time.perf_counter()
    with database.env() as env:
        installed = env.addons.install(names) if names else []
    figures["install"] = time.perf_counter() - start
    figures["addons"] = len(installed)
    if installed:
        with database.env() as env:
            sizes = {n: len(env.addons.uninstall_plan([n]).addons) for n in installed}
        largest = max(sizes, key=lambda n: (sizes[n], n))
        start = time.perf_counter()
        with database.env() as env:
            removed = env.addons.uninstall([largest])
        figures["uninstall"] = time.perf_counter() - start
        figures["uninstalled"] = f"{largest} (+{len(removed) - 1} dependents)"
    database.dispose()
    return figures


def pg_database(server: str):
    """Create a throwaway PostgreSQL database; returns (url, drop function)."""
    name = f"tessera_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return sa.engine.make_url(server).set(database=name).render_as_string(False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL server URL (a database is created and dropped)")
    parser.add_argument("--addons-path", action="append", default=[],
                        help="extra addons folder (repeatable)")
    parser.add_argument("--addons", default="",
                        help="comma-separated addons to install (default: every shipped one)")
    args = parser.parse_args()
    runs = []
    only = [n for n in args.addons.split(",") if n]
    with tempfile.TemporaryDirectory() as folder:
        runs.append(("sqlite", measure(f"sqlite:///{folder}/bench.sqlite3", args.addons_path,
                                         only)))
    if args.pg:
        url, drop = pg_database(args.pg)
        try:
            runs.append(("postgresql", measure(url, args.addons_path, only)))
        finally:
            drop()
    print(f"{'engine':<12}{'addons':>7}{'init s':>9}{'install s':>11}{'uninstall s':>13}  largest")
    for engine, figures in runs:
        print(f"{engine:<12}{figures['addons']:>7}{figures['init']:>9.3f}{figures['install']:>11.3f}"
              f"{figures.get('uninstall', 0.0):>13.3f}  {figures.get('uninstalled', '-')}")


if __name__ == "__main__":
    main()
