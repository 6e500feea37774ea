"""Demo estate generation speed: Pledge's bulk loader beside one INSERT per row.

For each engine, generates the Northwold Telecom estate with ``--customers`` customers (about
100 call records each) through ``pledge.demo.estate.generate`` (COPY for PostgreSQL,
multi-row INSERTs for MariaDB, one SQLite transaction per file, indexes after loading), then
loads the estate of ``--sample`` customers the simple way, one INSERT statement per row into
tables created with their indexes, all in one transaction, with the same driver. The simple
way is **measured on that sample and extrapolated** to the full estate's row count. Server
databases are made for the run (``pledge_bench_*``) and dropped at the end.

    .venv/bin/python bench/generate.py --customers 100000 --engines sqlite,postgres,mariadb
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from pledge.demo.estate import Estate, generate
from pledge.demo.generator import make_chunk
from pledge.demo.rows import CHUNK, Clock, Plan
from pledge.demo.schema import SYSTEMS, tables
from pledge.demo.targets import Targets

AS_OF = date(2026, 11, 1)
ADMIN = {
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/",
}


@dataclass
class Result:
    engine: str
    estate: Estate
    #: Seconds per row inserted one at a time: into empty tables, and into the full estate.
    empty_per_row: float
    full_per_row: float

    def simple(self, per_row: float) -> float:
        """The simple way's time for the whole estate, extrapolated from ``per_row``."""
        return per_row * self.estate.rows


def rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def database(engine: str, admin_url: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards; yields its URL."""
    name = f"pledge_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    create, drop = (
        (f'CREATE DATABASE "{name}"', f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if engine == "postgres"
        else (f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4", f"DROP DATABASE `{name}`")
    )
    with admin.connect() as connection:
        connection.execute(sa.text(create))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(drop))
        admin.dispose()


Sample = list[tuple[str, list[tuple[Any, ...]]]]


def sample_rows(plan: Plan, customers: int, *, after: bool) -> Sample:
    """Rows of ``customers`` customers, made before the clock starts: the simple way is
    timed on inserting alone (generation excluded, which flatters it), Pledge end to end.
    With ``after``, the customers follow the estate's last one, so their keys are new."""
    first = -(-plan.customers // CHUNK) if after else 0
    bigger = Plan(plan.seed, first * CHUNK + customers, plan.as_of)
    chunk = make_chunk(bigger, Clock(plan.as_of), first)
    return list(chunk.rows.items())


def one_insert_per_row(connections: dict[str, Any], marker: str, sample: Sample) -> float:
    """Seconds per row, inserting each row with its own INSERT statement, committing at the
    end; ``connections`` maps table names to DBAPI connections whose tables exist."""
    known = tables()
    started = time.perf_counter()
    for name, rows in sample:
        columns = known[name].columns
        marks = ", ".join([marker] * len(columns))
        sql = f"INSERT INTO {name} ({', '.join(c.name for c in columns)}) VALUES ({marks})"
        cursor = connections[name].cursor()
        for row in rows:
            cursor.execute(sql, row)
        cursor.close()
    for connection in {id(c): c for c in connections.values()}.values():
        connection.commit()
    return (time.perf_counter() - started) / sum(len(rows) for _, rows in sample)


def simple_sqlite(folder: Path, sample: Sample, *, create: bool) -> float:
    """One file per system, as Pledge makes them; sqlite3's defaults (rollback journal,
    synchronous FULL, one transaction per file until commit)."""
    connections: dict[str, Any] = {}
    for system, metadata in SYSTEMS.items():
        path = folder / f"{system}.sqlite"
        if create:
            engine = sa.create_engine(f"sqlite:///{path}", poolclass=NullPool)
            metadata.create_all(engine)  # tables with their indexes, as a naive loader does
            engine.dispose()
        connection = sqlite3.connect(path)
        connections.update(dict.fromkeys(metadata.tables, connection))
    try:
        return one_insert_per_row(connections, "?", sample)
    finally:
        for connection in set(connections.values()):
            connection.close()


def simple_server(url: str, sample: Sample, *, create: bool) -> float:
    engine = sa.create_engine(url, poolclass=NullPool)
    if create:
        for metadata in SYSTEMS.values():
            metadata.create_all(engine)
    raw = engine.raw_connection()
    try:
        connections = dict.fromkeys(tables(), raw.driver_connection)
        return one_insert_per_row(connections, "%s", sample)
    finally:
        raw.close()
        engine.dispose()


def run(engine: str, args: argparse.Namespace, work: Path) -> Result:
    plan = Plan(args.seed, args.customers, AS_OF)
    fresh = sample_rows(plan, args.sample, after=False)
    tail = sample_rows(plan, args.sample, after=True)
    if engine == "sqlite":
        estate = generate(plan, work / "sqlite")
        full = simple_sqlite(estate.folder, tail, create=False)
        (work / "empty").mkdir()
        empty = simple_sqlite(work / "empty", fresh, create=True)
        return Result(engine, estate, empty, full)
    admin = args.postgres_admin if engine == "postgres" else args.mariadb_admin
    with database(engine, admin) as url:
        estate = generate(plan, work / engine, targets=Targets(**{engine: url}))
        full = simple_server(url, tail, create=False)
    with database(engine, admin) as url:
        empty = simple_server(url, fresh, create=True)
    return Result(engine, estate, empty, full)


def report(results: list[Result], args: argparse.Namespace) -> None:
    print(
        "| engine | customers | rows (call records) | Pledge: rows | indexes | **total** "
        "| one INSERT per row, µs/row: empty / full tables | simple way, extrapolated "
        "| ratio |"
    )
    print("|" + " --- |" * 9)
    for r in results:
        t = r.estate.timings
        low, high = sorted((r.simple(r.empty_per_row), r.simple(r.full_per_row)))
        print(
            f"| {r.engine} | {r.estate.plan.customers:,} | {r.estate.rows:,} "
            f"({r.estate.counts['call_record']:,}) | {t['rows']:.0f} s | {t['indexes']:.0f} s "
            f"| **{t['total']:.0f} s** ({r.estate.rows / t['total']:,.0f} rows/s) "
            f"| {r.empty_per_row * 1e6:.0f} / {r.full_per_row * 1e6:.0f} "
            f"| {low:,.0f}-{high:,.0f} s "
            f"| {low / t['total']:.1f}-{high / t['total']:.1f} x |"
        )
    print(f"\npeak RSS of the bench process: {rss_mib():,.0f} MiB; sample: {args.sample} customers")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=300, help="customers for the simple way")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default="sqlite,postgres", help="comma-separated")
    parser.add_argument("--postgres-admin", default=ADMIN["postgres"])
    parser.add_argument("--mariadb-admin", default=ADMIN["mariadb"])
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    results = []
    with tempfile.TemporaryDirectory(prefix="pledge-bench-") as folder:
        for engine in engines:
            results.append(run(engine, args, Path(folder)))
            print(f"{engine}: done in {results[-1].estate.timings['total']:.0f} s", flush=True)
    report(results, args)


if __name__ == "__main__":
    main()
