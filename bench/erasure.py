"""Erasure speed: one subject with 20,001 call records on PostgreSQL (the Fides measurement).

Makes its own PostgreSQL database (dropped at the end): ``--customers`` customers, about
``--background`` call records spread over them, and ``--rows`` call records for customer 1,
the subject. Then, in one run, on the same data (the subject's rows are put back between runs):

- Pledge: ``pledge.dsr.erasure.erase`` end to end (plan, find the rows, one transaction with
  set-based UPDATEs, the plan run again to verify, ledger and audit written), ``--repeat``
  times; the median is the figure;
- the Fides way: the subject's row ids read, then one ``UPDATE ... WHERE id = %s`` and one
  commit per row (on one connection; ``--connection-per-row`` opens one per row, as Fides
  2.78.2 did);
- one hand-written set-based ``UPDATE ... WHERE customer_id = 1``, the floor.

    .venv/bin/python bench/erasure.py --rows 20001 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import sqlalchemy as sa

from pledge.declaration import load_text
from pledge.dsr.erasure import erase
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from pledge.subjects.identity import parse

#: A hash key of the size Pledge requires (made with secrets.token_hex(32)); timings do not
#: depend on it.
BENCH_HASH_KEY = "f55fde5ff41dbfa7af7fed3d5c31ae350c9b1d7d74a5a5b37ccaa8b3bff72b90"
ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SUBJECT_EMAIL = "subject@example.uk"
DECLARATION = """
controller: {{name: Bench Telecom Ltd, address: 1 Quay Street Hull}}
systems:
  network:
    connection: "{url}"
    datasets:
      customer:
        erase: update
        fields:
          id: {{primary_key: true, identity: customer_id}}
          email: {{identity: email, categories: [user.contact.email], erase: hash}}
          full_name: {{categories: [user.name], erase: mask}}
      call_record:
        erase: update
        fields:
          id: {{primary_key: true}}
          customer_id: {{references: customer.id}}
          caller: {{categories: [telecom.call_detail_record], erase: nullify}}
          callee: {{categories: [telecom.call_detail_record], erase: nullify}}
          cell_id: {{categories: [telecom.location_data], erase: nullify}}
          started_at: {{description: When the call started}}
"""
SCHEMA = [
    "CREATE TABLE customer (id integer PRIMARY KEY, email text, full_name text)",
    "CREATE TABLE call_record (id bigint PRIMARY KEY, customer_id integer NOT NULL "
    "REFERENCES customer (id), caller text, callee text, cell_id text, started_at timestamp)",
    "INSERT INTO customer SELECT i, 'person' || i || '@example.uk', 'Person ' || i "
    "FROM generate_series(1, %(customers)s) AS i",
    f"UPDATE customer SET email = '{SUBJECT_EMAIL}' WHERE id = 1",
    # Background rows for everyone but the subject, then the subject's own rows.
    "INSERT INTO call_record SELECT i, 2 + i %% (%(customers)s - 1), '+4477' || (i %% 99999999), "
    "'+4420' || (i * 7 %% 99999999), 'cell-' || (i %% 5000), now() - i * interval '1 minute' "
    "FROM generate_series(1, %(background)s) AS i",
    "INSERT INTO call_record SELECT %(background)s + i, 1, '+447700900123', "
    "'+4420' || (i * 7 %% 99999999), 'cell-' || (i %% 50), now() - i * interval '1 minute' "
    "FROM generate_series(1, %(rows)s) AS i",
    "CREATE INDEX ix_call_record_customer_id ON call_record (customer_id)",
    "CREATE TABLE pristine AS SELECT * FROM call_record WHERE customer_id = 1",
    "CREATE TABLE pristine_customer AS SELECT * FROM customer WHERE id = 1",
]
RESTORE = [
    "UPDATE call_record c SET caller = p.caller, callee = p.callee, cell_id = p.cell_id "
    "FROM pristine p WHERE c.id = p.id",
    "UPDATE customer c SET email = p.email, full_name = p.full_name "
    "FROM pristine_customer p WHERE c.id = p.id",
    "VACUUM ANALYZE call_record",
]
NULL_ROW = "UPDATE call_record SET caller = NULL, callee = NULL, cell_id = NULL WHERE id = %s"
NULL_ALL = (
    "UPDATE call_record SET caller = NULL, callee = NULL, cell_id = NULL WHERE customer_id = 1"
)


def run_sql(dsn: str, statements: list[str], params: dict[str, int] | None = None) -> None:
    with psycopg.connect(dsn, autocommit=True) as db:
        for statement in statements:
            # The statements are this file's constants; sizes go in as parameters.
            db.execute(statement, params)


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def pledge_way(url: str, folder: Path) -> Callable[[], object]:
    """The erasure to time; the store is migrated beforehand, outside the timing."""
    loaded = load_text(DECLARATION.format(url=url))
    settings = Settings(
        database_url=f"sqlite:///{folder / 'pledge.sqlite'}", hash_key=BENCH_HASH_KEY
    )
    upgrade(settings)
    # A service keeps its store engine open; opening and closing SQLite is not erasure work.
    store = make_engine(settings)
    identities = parse([("email", SUBJECT_EMAIL)])

    def run() -> None:
        result = erase(loaded, identities, settings=settings, now=datetime.now(UTC), store=store)
        assert result.complete, result.text()

    return run


def fides_way(dsn: str, connection_per_row: bool) -> int:
    with psycopg.connect(dsn) as db:
        ids = [i for (i,) in db.execute("SELECT id FROM call_record WHERE customer_id = 1")]
    if connection_per_row:
        for row_id in ids:
            with psycopg.connect(dsn) as db:
                db.execute(NULL_ROW, (row_id,))
        return len(ids)
    with psycopg.connect(dsn, autocommit=True) as db:
        for row_id in ids:
            db.execute(NULL_ROW, (row_id,))
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20001, help="call records of the subject")
    parser.add_argument("--background", type=int, default=200_000, help="everyone else's")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="Pledge runs (median reported)")
    parser.add_argument("--connection-per-row", action="store_true")
    parser.add_argument("--admin-url", default=ADMIN)
    args = parser.parse_args()

    name = f"pledge_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        sizes = {"customers": args.customers, "background": args.background, "rows": args.rows}
        setup = timed(lambda: run_sql(dsn, SCHEMA, sizes))
        run_sql(dsn, RESTORE[-1:])
        pledge: list[float] = []
        with tempfile.TemporaryDirectory() as folder:
            for n in range(args.repeat):
                run_sql(dsn, RESTORE)
                store = Path(folder) / str(n)
                store.mkdir()
                pledge.append(timed(pledge_way(url, store)))
        run_sql(dsn, RESTORE)
        floor = timed(lambda: run_sql(dsn, [NULL_ALL]))
        run_sql(dsn, RESTORE)
        fides = timed(lambda: fides_way(dsn, args.connection_per_row))
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    median = statistics.median(pledge)
    per_row = "a new connection per row" if args.connection_per_row else "one connection"
    print(
        f"subject rows {args.rows:,}; table {args.rows + args.background:,} rows; "
        f"filled in {setup:.1f} s"
    )
    print("| way | time | ratio to Pledge |")
    print("| --- | --- | --- |")
    print(
        f"| Pledge erase(), end to end, median of {args.repeat} "
        f"(min {min(pledge) * 1000:.0f} ms, max {max(pledge) * 1000:.0f} ms) "
        f"| {median * 1000:.0f} ms | 1 x |"
    )
    print(
        f"| one UPDATE and commit per row ({per_row}) | {fides:.2f} s "
        f"| {fides / median:.0f} x slower |"
    )
    print(
        f"| one hand-written set-based UPDATE (the floor) | {floor * 1000:.0f} ms "
        f"| {floor / median:.2f} x |"
    )


if __name__ == "__main__":
    main()
