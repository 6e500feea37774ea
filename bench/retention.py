"""Retention sweep speed: Pledge's batched sweep beside a one-row-at-a-time delete.

Makes its own PostgreSQL (or ``--engine mariadb``) database, dropped at the end, fills a
call-record table with ``--rows`` rows spread over 16 months so a quarter are older than the
12-month rule, deletes a sample of the expired rows one statement and one commit per row (the
simple way, measured on the sample and extrapolated to all expired rows), then sweeps the rest
with ``pledge.retention.service.run`` and prints one table.

    .venv/bin/python bench/retention.py --rows 20000000
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from pledge.declaration import load_text
from pledge.retention import service
from pledge.retention.systems import Systems

DECLARATION = """
controller: {{name: Bench Telecom Ltd, address: 1 Quay Street Hull}}
systems:
  network:
    connection: {url}
    datasets:
      call_record:
        fields:
          id: {{primary_key: true}}
          customer_id: {{identity: customer_id}}
          caller: {{categories: [telecom.call_detail_record]}}
          callee: {{categories: [telecom.call_detail_record]}}
          started_at: {{categories: [telecom.call_detail_record]}}
          duration_s: {{categories: [telecom.call_detail_record]}}
retention:
  cdr-12-months: {{dataset: network.call_record, keep: 12 months, from: started_at,
                   then: delete, basis: legal-obligation}}
"""
POSTGRES_FILL = """
INSERT INTO call_record (id, customer_id, caller, callee, started_at, duration_s)
SELECT i, (i * 7919) % 500000,
       '+4477' || lpad(((i * 31) % 100000000)::text, 8, '0'),
       '+4420' || lpad(((i * 17) % 100000000)::text, 8, '0'),
       :now - interval '16 months' + (interval '16 months' * i / :rows),
       (i % 3600)
FROM generate_series(1::bigint, :rows) AS i
"""
# MariaDB's SEQUENCE engine stands in for generate_series; 16 months taken as 487 days.
MARIADB_FILL = """
INSERT INTO call_record (id, customer_id, caller, callee, started_at, duration_s)
SELECT seq, (seq * 7919) % 500000,
       concat('+4477', lpad((seq * 31) % 100000000, 8, '0')),
       concat('+4420', lpad((seq * 17) % 100000000, 8, '0')),
       :now - INTERVAL 487 DAY + INTERVAL (487 * 86400 * seq DIV :rows) SECOND,
       seq % 3600
FROM seq_1_to_{rows}
"""


@dataclass(frozen=True)
class Server:
    """How the bench talks to one kind of server."""

    admin: str
    create: str
    drop: str
    table: str
    fill: str
    analyse: str


SERVERS = {
    "postgres": Server(
        admin="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        create='CREATE DATABASE "{name}"',
        drop='DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        table="CREATE TABLE call_record (id bigint PRIMARY KEY, customer_id integer NOT NULL, "
        "caller text NOT NULL, callee text NOT NULL, started_at timestamp NOT NULL, "
        "duration_s integer NOT NULL)",
        fill=POSTGRES_FILL,
        analyse="VACUUM ANALYZE call_record",
    ),
    "mariadb": Server(
        admin="mysql+pymysql://root@127.0.0.1:3306/",
        create="CREATE DATABASE `{name}`",
        drop="DROP DATABASE IF EXISTS `{name}`",
        table="CREATE TABLE call_record (id bigint PRIMARY KEY, customer_id integer NOT NULL, "
        "caller varchar(20) NOT NULL, callee varchar(20) NOT NULL, started_at datetime NOT "
        "NULL, duration_s integer NOT NULL)",
        fill=MARIADB_FILL,
        analyse="ANALYZE TABLE call_record",
    ),
}


def rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(server: Server, url: str, rows: int, now: datetime) -> float:
    engine = sa.create_engine(url)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(sa.text(server.table))
        fill = server.fill.replace("{rows}", str(rows))
        connection.execute(sa.text(fill), {"now": now.replace(tzinfo=None), "rows": rows})
        connection.execute(
            sa.text("CREATE INDEX ix_call_record_started_at ON call_record (started_at)")
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text(server.analyse))
    engine.dispose()
    return time.perf_counter() - started


def expired_count(url: str, cutoff: datetime) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            sa.text("SELECT count(*) FROM call_record WHERE started_at < :c"),
            {"c": cutoff.replace(tzinfo=None)},
        ).scalar_one()
    engine.dispose()
    return int(count)


def one_row_at_a_time(url: str, cutoff: datetime, sample: int) -> float:
    """Seconds per row: each expired row deleted by its own statement and commit."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        ids = (
            connection.execute(
                sa.text("SELECT id FROM call_record WHERE started_at < :c ORDER BY id LIMIT :n"),
                {"c": cutoff.replace(tzinfo=None), "n": sample},
            )
            .scalars()
            .all()
        )
    started = time.perf_counter()
    with engine.connect() as connection:
        for key in ids:
            connection.execute(sa.text("DELETE FROM call_record WHERE id = :id"), {"id": key})
            connection.commit()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed / max(len(ids), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--sample", type=int, default=5_000, help="rows for the slow way")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--engine", choices=sorted(SERVERS), default="postgres")
    parser.add_argument("--admin-url", help="server URL with rights to create a database")
    args = parser.parse_args()
    server = SERVERS[args.engine]
    name = f"pledge_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.admin_url or server.admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(server.create.format(name=name)))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    now = datetime.now(UTC)
    try:
        fill_s = setup(server, url, args.rows, now)
        declaration = load_text(DECLARATION.format(url=url)).declaration
        with tempfile.TemporaryDirectory() as folder:
            systems = Systems(declaration, environ={}, folder=Path(folder))
            (step,) = service.plan(declaration, systems, now)
            assert step.preview is not None
            expired = step.preview.eligible
            per_row = one_row_at_a_time(url, step.step.cutoff, args.sample)
            left = expired_count(url, step.step.cutoff)
            memory_before = rss_mib()
            started = time.perf_counter()
            (outcome,) = service.run(declaration, systems, now, batch_size=args.batch_size)
            sweep_s = time.perf_counter() - started
            memory_after = rss_mib()
            systems.close()
        assert outcome.complete and outcome.changed == left, outcome
        assert expired_count(url, step.step.cutoff) == 0
        slow_s = per_row * expired
        print(f"engine                   {args.engine:>14}")
        print(f"rows in table            {args.rows:>14,}   (filled in {fill_s:.0f} s)")
        print(f"expired (12 months)      {expired:>14,}")
        print(f"batch size               {args.batch_size:>14,}")
        print(
            f"sweep                    {sweep_s:>12.1f} s   {left:,} rows, "
            f"{outcome.batches} batches, {left / sweep_s:,.0f} rows/s"
        )
        print(
            f"one row at a time        {slow_s:>12.0f} s   extrapolated from {args.sample:,} "
            f"rows at {per_row * 1000:.2f} ms/row"
        )
        print(f"ratio                    {slow_s / sweep_s:>12.0f} x")
        print(
            f"peak RSS                 {memory_before:>10.0f} MiB before sweep, "
            f"{memory_after:.0f} MiB after"
        )
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(server.drop.format(name=name)))
        admin.dispose()


if __name__ == "__main__":
    main()
