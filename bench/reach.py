"""Subject reach at scale: the runner against an independent oracle on random schemas.

The check tests/subjects/test_reach_property.py makes, run for ``--cases`` cases (10,000 by
default) without stopping at the first difference: each case is a random small schema and
its declaration, random rows (people sharing landlines and emails, addresses shared, chains of
owned rows, agents, mentions), and a random person asking by email, phone or id. Access
(``pledge.subjects.reach.find``) and erasure (``pledge.dsr.erasure.erase``) are compared row
by row and field by field with the oracle (tests/subjects/reach_oracle.py), and the run prints
how many cases it ran, how many the oracle stopped, the over-reach (rows or fields the runner
reported or changed that the oracle does not) and under-reach (the reverse) counts, the
cases with any difference, cases where the runner failed outright, the first few differing
cases in full, and the time.

SQLite by default (one file per system, in /dev/shm where there is one); ``--engine
postgres`` or ``--engine mariadb`` makes a throw-away database on the local server (dropped at
the end) and makes the tables again for every case, so it is slower: run fewer cases there.

    .venv/bin/python bench/reach.py --cases 10000
    .venv/bin/python bench/reach.py --cases 500 --engine postgres --seed 7
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package

from tests.subjects.reach_case import Estate, Tally, run_case, scratch
from tests.subjects.reach_schemas import requesters, schemas, worlds

from pledge.settings import Settings
from pledge.store import make_engine, upgrade

#: A hash key of the size Pledge requires (made with secrets.token_hex(32)); timings do not
#: depend on it.
BENCH_HASH_KEY = "f55fde5ff41dbfa7af7fed3d5c31ae350c9b1d7d74a5a5b37ccaa8b3bff72b90"
ADMIN = {
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/",
}


@contextmanager
def server_database(engine: str) -> Iterator[str]:
    """A new empty database on the local ``engine`` server, dropped afterwards."""
    name = f"pledge_bench_reach_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN[engine], isolation_level="AUTOCOMMIT")
    quoted = f'"{name}"' if engine == "postgres" else f"`{name}`"
    create = f"CREATE DATABASE {quoted}" + (" CHARACTER SET utf8mb4" if engine == "mariadb" else "")
    drop = f"DROP DATABASE IF EXISTS {quoted}" + (" WITH (FORCE)" if engine == "postgres" else "")
    with admin.connect() as connection:
        connection.execute(sa.text(create))
    try:
        yield sa.make_url(ADMIN[engine]).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(drop))
        admin.dispose()


def run(estate: Estate, cases: int, chosen_seed: int, folder: Path, tally: Tally) -> None:
    configured = Settings(
        database_url=f"sqlite:///{folder / 'pledge.sqlite'}", hash_key=BENCH_HASH_KEY
    )
    upgrade(configured)
    store = make_engine(configured)

    @seed(chosen_seed)
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # count every difference; no shrinking, no replay
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def case(data: st.DataObject) -> None:
        schema = data.draw(schemas())
        world = data.draw(worlds(schema))
        given = data.draw(requesters(schema, world))
        tally.add(run_case(estate, schema, world, given, settings=configured, store=store))
        if tally.cases % 1000 == 0:
            print(f"  {tally.line()}", file=sys.stderr, flush=True)

    try:
        case()
    finally:
        store.dispose()
        estate.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "mariadb"], default="sqlite")
    parser.add_argument("--show", type=int, default=3, help="differing cases printed in full")
    args = parser.parse_args()

    tally = Tally(keep=args.show)
    started = time.perf_counter()
    with scratch() as folder, tempfile.TemporaryDirectory() as store_folder:
        if args.engine == "sqlite":
            run(Estate(folder), args.cases, args.seed, Path(store_folder), tally)
        else:
            with server_database(args.engine) as url:
                run(Estate(folder, url), args.cases, args.seed, Path(store_folder), tally)
    seconds = time.perf_counter() - started

    for example in tally.examples:
        print(example, end="\n\n")
    print(
        "| engine | cases | stops | differing cases | over-reach | under-reach | errors | time "
        "| per case |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(
        f"| {args.engine} | {tally.cases:,} | {tally.stops:,} | {tally.differing:,} | {tally.over} "
        f"| {tally.under} "
        f"| {tally.errors} | {seconds:.0f} s | {seconds / max(tally.cases, 1) * 1000:.0f} ms |"
    )
    if tally.over or tally.under or tally.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
