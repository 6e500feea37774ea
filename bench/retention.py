"""Retention sweep speed: Pledge's batched sweep beside a one-row-at-a-time delete.

Makes its own PostgreSQL database (dropped at the end), fills a call-record table with
``--rows`` rows spread over 16 months so a quarter are older than the 12-month rule, deletes a
sample of the expired rows one statement and one commit per row (the simple way, measured on
the sample and extrapolated to all expired rows), then sweeps the rest with
``pledge.retention.service.run`` and prints one table.

    .venv/bin/python bench/retention.py --rows 20000000
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from pledge.declaration import load_text
from pledge.retention import service
from pledge.retention.systems import Systems

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
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
FILL = """
INSERT INTO call_record (id, customer_id, caller, callee, started_at, duration_s)
SELECT i, (i * 7919) % 500000,
       '+4477' || lpad(((i * 31) % 100000000)::text, 8, '0'),
       '+4420' || lpad(((i * 17) % 100000000)::text, 8, '0'),
       :now - interval '16 months' + (interval '16 months' * i / :rows),
       (i % 3600)
FROM generate_series(1::bigint, :rows) AS i
"""


def rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(url: str, rows: int, now: datetime) -> float:
    engine = sa.create_engine(url)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE TABLE call_record (id bigint PRIMARY KEY, customer_id integer NOT NULL, "
                "caller text NOT NULL, callee text NOT NULL, started_at timestamp NOT NULL, "
                "duration_s integer NOT NULL)"
            )
        )
        connection.execute(sa.text(FILL), {"now": now.replace(tzinfo=None), "rows": rows})
        connection.execute(
            sa.text("CREATE INDEX ix_call_record_started_at ON call_record (started_at)")
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE call_record"))
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
    parser.add_argument("--admin-url", default=ADMIN)
    args = parser.parse_args()
    name = f"pledge_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    now = datetime.now(UTC)
    try:
        fill_s = setup(url, args.rows, now)
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
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
