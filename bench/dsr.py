"""Data subject requests on the Northwold demo estate in PostgreSQL, beside the one-statement-
per-row way (how Fides does them), measured in the same run.

Makes its own PostgreSQL database (``pledge_bench_dsr_*``, dropped at the end unless
``--keep``), fills it with ``pledge demo generate --customers N`` (about 100 call records per
customer: 100,000 gives about 10 million), ANALYZEs it and adds an index on the folded
expression of every declared email field (``pledge.connectors.sql.folded_index``: emails are
matched without regard to case; a production estate needs these). Then, with every system's
connection kept open (as a service or a batch keeps them; systems on one database share
one), and one table printed at the end:

1. **access, one subject**: ``pledge.dsr.respond.answer`` on a stored request (plan, every
   system read, the zip with data.json, CSVs and report.html, the request moved to complete
   in a SQLite store); ``--subjects`` subjects, ``--repeat`` runs each, median. The way
   beside it: one ``SELECT`` per value per dataset (no IN-lists), rows kept in memory, the
   zip written at the end;
2. **erasure, one subject**: ``pledge.dsr.erasure.erase`` end to end, verification (the plan
   run again) and ledger included; a different subject each run (an erased subject is gone),
   median. Beside it, for other subjects of the same size: the rows found the same way,
   then each planned write applied one key value at a time, each in its own transaction
   (one statement and one commit per row where rows are named by primary key);
3. **1,000 queued access requests** (``--queued``) answered together by
   ``pledge.dsr.access_batch.access_many`` (one query per dataset and field per batch of
   identities, one zip per subject). Beside it: the per-value way above, measured on
   ``--sample`` of the same subjects and extrapolated;
4. **a subject with 20,000 rows in one table** (``--rows`` call records added to one
   customer's account, older than the 12 months the retention notice keeps them): erased
   end to end as in 2; beside it the per-row way on another customer given the same rows.

    .venv/bin/python bench/dsr.py --customers 100000
    .venv/bin/python bench/dsr.py --customers 2000 --queued 200   # a quick run
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from access import per_value, simple_way
from pledge.connectors import Connector, Row, Select, Write, connect, sql
from pledge.declaration import Loaded, load_file
from pledge.declaration.model import Declaration
from pledge.dsr import request_store as requests
from pledge.dsr.access_batch import access_many
from pledge.dsr.erasure import erase
from pledge.dsr.erasure_plan import columns, hash_widths, plan_works, system_order
from pledge.dsr.respond import answer
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from pledge.subjects.identity import Identity, parse
from pledge.subjects.locate import Found
from pledge.subjects.plan import Plan, Step, make_plan

#: A hash key of the size Pledge requires (made with secrets.token_hex(32)); timings do not
#: depend on it.
BENCH_HASH_KEY = "f55fde5ff41dbfa7af7fed3d5c31ae350c9b1d7d74a5a5b37ccaa8b3bff72b90"
ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
AS_OF = date(2026, 11, 1)


@dataclasses.dataclass
class Measure:
    name: str
    pledge: float
    other: float
    note: str = ""
    target: str = ""

    @property
    def ratio(self) -> float:
        return self.other / self.pledge if self.pledge else float("nan")


# -- the estate -------------------------------------------------------------------------------
def generate(folder: Path, customers: int, url: str) -> float:
    """``pledge demo generate`` into ``url``; seconds taken."""
    started = time.perf_counter()
    pledge = Path(sys.executable).with_name("pledge")
    size = ["--customers", str(customers), "--seed", "1", "--as-of", f"{AS_OF}"]
    target = ["--target", f"postgres={url}"]
    command = [str(pledge), "demo", "generate", *size, "--out", str(folder), *target, "--force"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def loaded_from(folder: Path, url: str) -> tuple[Loaded, Settings]:
    loaded = load_file(folder / "pledge.yaml")
    environ = {
        system.connection.removeprefix("env:"): url
        for system in loaded.declaration.systems.values()
        if system.connection.startswith("env:")
    }
    return loaded, Settings(environ=environ)


def prepare(loaded: Loaded, dsn: str) -> list[str]:
    """ANALYZE, and an index on the folded expression of every declared email field."""
    made: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as db:
        for system in loaded.declaration.systems.values():
            for dataset, spec in system.datasets.items():
                for name, field in spec.fields.items():
                    if field.identity == "email":
                        index = f"ix_{dataset}_{name}_lower"
                        create = sql.folded_index(sql.POSTGRES, dataset, name, index)
                        assert create is not None
                        db.execute(create)
                        made.append(f"{dataset}.{name}")
        db.execute("ANALYZE")
    return made


def customers_by_email(dsn: str, count: int, skip: int = 0) -> list[str]:
    """Emails of ``count`` customers spread over the table, after the first ``skip``."""
    with psycopg.connect(dsn) as db:
        rows = db.execute("SELECT email FROM customer ORDER BY id")
        found = [e for (e,) in rows if e and "@" in e]  # erased ones are hashed
    step = max(1, len(found) // (count + skip))
    return found[::step][skip : skip + count]


def heavy_subject(dsn: str, email: str, rows: int) -> int:
    """Give ``email``'s first account ``rows`` more call records (copies of one of theirs),
    13 months old or more: past the 12 months the retention notice keeps them, so erasure
    erases them rather than keeping them as the law requires."""
    with psycopg.connect(dsn, autocommit=True) as db:
        account = db.execute(
            "SELECT a.number FROM account a JOIN customer c ON c.id = a.customer_id "
            "WHERE c.email = %s ORDER BY a.number LIMIT 1",
            (email,),
        ).fetchone()
        assert account is not None, email
        db.execute(
            "INSERT INTO call_record (id, account_number, calling_number, called_number, "
            "started_at, duration_seconds, cell_id, charge_pence) "
            "SELECT (SELECT max(id) FROM call_record) + i, %s, t.calling_number, "
            "t.called_number, now() - interval '13 months' - i * interval '1 minute', "
            "t.duration_seconds, "
            "t.cell_id, t.charge_pence FROM generate_series(1, %s) AS i, "
            "(SELECT * FROM call_record WHERE account_number = %s "
            " ORDER BY started_at DESC LIMIT 1) AS t",
            (account[0], rows, account[0]),
        )
        found = db.execute(
            "SELECT count(*) FROM call_record WHERE account_number = %s", (account[0],)
        ).fetchone()
        db.execute("ANALYZE call_record")
    return int(found[0]) if found else 0


# -- Pledge -----------------------------------------------------------------------------------
def open_all(loaded: Loaded, settings: Settings) -> dict[str, Connector]:
    servers: dict[str, Connector] = {}
    return {
        name: connect(name, system, environ=settings.environ, folder=loaded.folder, servers=servers)
        for name, system in loaded.declaration.systems.items()
    }


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def pledge_access(
    loaded: Loaded,
    store: Settings,
    engine: Engine,
    email: str,
    out: Path,
    kept: Mapping[str, Connector],
) -> float:
    view = requests.open_request(
        engine,
        kind="access",
        identities={"email": [email]},
        rights=loaded.declaration.rights.model_copy(update={"verification": {}}),
        received_on=AS_OF,
        actor="bench",
    )
    return timed(
        lambda: answer(
            engine, view.id, loaded=loaded, settings=store, out=out, actor="bench", connectors=kept
        )
    )


def pledge_erase(
    loaded: Loaded, store: Settings, engine: Engine, email: str, kept: Mapping[str, Connector]
) -> tuple[float, int]:
    started = time.perf_counter()
    result = erase(
        loaded,
        parse([("email", email)]),
        settings=store,
        connectors=kept,
        store=engine,
        now=datetime.now(UTC),
    )
    seconds = time.perf_counter() - started
    assert result.complete, result.text()
    return seconds, result.erased + result.kept


# -- the one-statement-per-row way ------------------------------------------------------------
def per_row_erase(
    loaded: Loaded, store: Settings, email: str, kept: Mapping[str, Connector]
) -> tuple[float, int]:
    """Find the rows with one SELECT per value (as the access way above, on the open
    connections), then apply Pledge's planned writes one row at a time (by primary key), one
    statement and one commit each; no verification (Fides does none)."""
    declaration = loaded.declaration
    identities = parse([("email", email)])
    started = time.perf_counter()
    plan = make_plan(declaration, identities)
    found = _found_per_value(plan, kept, declaration)
    widths = hash_widths(declaration, plan, kept)
    works = plan_works(declaration, plan, found, datetime.now(UTC), store.hash_key, {}, widths)
    statements = 0
    for system in system_order(declaration, plan):
        for number in plan.erasure_order:
            work = works[number]
            if work.system != system:
                continue
            for write in _per_row(work.writes, plan.step(number).primary_key, found[number].rows):
                for value in write.values:
                    one: Write = dataclasses.replace(write, values=[value])
                    kept[system].execute([one])
                    statements += 1
    return time.perf_counter() - started, statements


def _found_per_value(
    plan: Plan, kept: Mapping[str, Connector], declaration: Declaration
) -> dict[int, Found]:
    """The rows found as the access way finds them (one ``SELECT`` per value, the columns
    erasure needs), with rows shared with other people marked the same way: for each row found
    through ``owns``, one ``SELECT`` of the rows that refer to it."""

    def read(system: str, query: Select) -> Iterator[Row]:
        for batch in kept[system].read(query):
            yield from batch

    def wanted(step: Step) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*step.fields, *columns(declaration, step)]))

    reached = per_value(plan, read, wanted)
    found = {step.number: Found(step) for step in plan.steps}
    for number, rows_of in reached.items():
        for row in rows_of.rows.values():
            found[number].add(row)
        found[number].queried.update(rows_of.queried)
    for step in plan.steps:
        here = found[step.number]
        for match in step.matches:
            for source in match.sources:
                if source.via != "owns":
                    continue
                assert source.step is not None and source.column is not None
                origin = found[source.step]
                mine = {origin.key(r) for r in origin.rows}
                for row in here.rows:
                    if row.get(match.field) is None:
                        continue
                    query = Select(
                        origin.step.dataset, source.column, [row[match.field]], wanted(origin.step)
                    )
                    rows = read(origin.step.system, query)
                    others = sum(1 for r in rows if origin.key(r) not in mine)
                    if others:
                        key = here.key(row)
                        here.shared[key] = max(others, here.shared.get(key, 0))
    # Rows that belong to (or are owned by) a shared row are shared too.
    changed = True
    while changed:
        changed = False
        for step in plan.steps:
            here = found[step.number]
            for match in step.matches:
                for source in match.sources:
                    if source.step is None or source.column is None:
                        continue
                    there = found[source.step]
                    tainted = {
                        r.get(source.column) for r in there.rows if there.key(r) in there.shared
                    } - {None}
                    for row in here.rows:
                        key = here.key(row)
                        if key not in here.shared and row.get(match.field) in tainted:
                            here.shared[key] = 0
                            changed = True
    return found


def _per_row(writes: Sequence[Write], pk: str | None, rows: Sequence[Row]) -> list[Write]:
    """The writes with rows named by primary key (when there is one), not by shared values."""
    out: list[Write] = []
    for write in writes:
        if pk is None or write.key == pk:
            out.append(write)
            continue
        fold = write.fold_case
        wanted = {_fold(v, fold) for v in write.values}
        keys = [r[pk] for r in rows if _fold(r.get(write.key), fold) in wanted]
        out.append(dataclasses.replace(write, key=pk, values=keys, fold_case=False))
    return out


def _fold(value: Any, fold: bool) -> Any:
    return value.lower() if fold and isinstance(value, str) else value


# -- the run ----------------------------------------------------------------------------------
@contextmanager
def database(admin_url: str, keep: str | None) -> Iterator[str]:
    """A new database's SQLAlchemy URL (or ``keep``'s, reused); dropped unless kept."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = keep or f"pledge_bench_dsr_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        exists = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if keep is None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--subjects", type=int, default=5, help="subjects for access/erasure")
    parser.add_argument("--repeat", type=int, default=5, help="access runs per subject")
    parser.add_argument("--queued", type=int, default=1000, help="queued access requests")
    parser.add_argument("--sample", type=int, default=20, help="of them, done the per-value way")
    parser.add_argument("--rows", type=int, default=20_000, help="call records of the heavy one")
    parser.add_argument("--heavy", type=int, default=3, help="heavy subjects erased by Pledge")
    parser.add_argument("--admin-url", default=ADMIN)
    parser.add_argument("--keep", metavar="DATABASE", help="use and keep this database")
    args = parser.parse_args()

    with database(args.admin_url, args.keep) as url, tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        folder = Path(f"/tmp/{args.keep}") if args.keep else work / "estate"
        made = 0.0 if (folder / "pledge.yaml").is_file() else generate(folder, args.customers, url)
        loaded, settings = loaded_from(folder, url)
        indexed = prepare(loaded, dsn)
        with psycopg.connect(dsn) as db:
            calls = db.execute("SELECT count(*) FROM call_record").fetchone()
        print(
            f"estate: {args.customers:,} customers, {calls[0] if calls else 0:,} call records "
            f"in PostgreSQL (generated in {made:.0f} s); lower() indexes on {len(indexed)} "
            "email fields",
            flush=True,
        )
        store = Settings(
            database_url=f"sqlite:///{work / 'store.sqlite'}",
            hash_key=BENCH_HASH_KEY,
            environ=settings.environ,
        )
        upgrade(store)
        engine = make_engine(store)
        out = work / "out"
        out.mkdir()
        # Subjects: access, erasure (Pledge), erasure (per row), queued, heavy (Pledge, per row).
        n = args.subjects
        pool = customers_by_email(dsn, 3 * n + args.queued + args.heavy + 1)
        access_subjects, erase_mine, erase_theirs = pool[:n], pool[n : 2 * n], pool[2 * n : 3 * n]
        queued = pool[3 * n : 3 * n + args.queued]
        heavy = pool[3 * n + args.queued :]
        measures: list[Measure] = []
        kept = open_all(loaded, settings)
        try:
            measures.append(
                access_one(loaded, settings, store, engine, access_subjects, out, kept, args.repeat)
            )
            measures.append(erase_one(loaded, store, engine, erase_mine, erase_theirs, kept))
            measures.append(queued_access(loaded, settings, queued, out, kept, args.sample))
            for email in heavy:
                heavy_subject(dsn, email, args.rows)
            measures.append(erase_heavy(loaded, store, engine, heavy, kept, args.rows))
        finally:
            for conn in kept.values():
                conn.close()
            engine.dispose()
    print()
    print("| measure | Pledge | one statement per row (Fides' way) | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    for m in measures:
        print(
            f"| {m.name} | {_s(m.pledge)} | {_s(m.other)}{m.note} | {m.ratio:,.0f} x | {m.target} |"
        )


def _s(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def access_one(
    loaded: Loaded,
    settings: Settings,
    store: Settings,
    engine: Engine,
    emails: Sequence[str],
    out: Path,
    kept: Mapping[str, Connector],
    repeat: int,
) -> Measure:
    pledge_access(loaded, store, engine, emails[0], out, kept)  # warm
    mine = [
        pledge_access(loaded, store, engine, e, out, kept) for e in emails for _ in range(repeat)
    ]
    theirs = [
        simple_way(loaded, settings, e, out)[0] for e in emails for _ in range(max(1, repeat // 2))
    ]
    detail = f"{len(emails)} subjects x {repeat}"
    print(f"access: Pledge {_spread(mine)}; per value {_spread(theirs)} ({detail})", flush=True)
    return Measure(
        f"access, one subject, median ({detail}; package, report and store included)",
        statistics.median(mine),
        statistics.median(theirs),
        target="< 100 ms",
    )


def erase_one(
    loaded: Loaded,
    store: Settings,
    engine: Engine,
    mine: Sequence[str],
    theirs: Sequence[str],
    kept: Mapping[str, Connector],
) -> Measure:
    ours = [pledge_erase(loaded, store, engine, e, kept) for e in mine]
    other = [per_row_erase(loaded, store, e, kept) for e in theirs]
    rows = statistics.median(r for _, r in ours)
    statements = statistics.median(s for _, s in other)
    print(
        f"erasure: Pledge {_spread([t for t, _ in ours])} ({rows:.0f} rows median); per row "
        f"{_spread([t for t, _ in other])} ({statements:.0f} statements median)",
        flush=True,
    )
    return Measure(
        f"erasure, one subject, median of {len(mine)} (verification, ledger and audit included)",
        statistics.median(t for t, _ in ours),
        statistics.median(t for t, _ in other),
        target="< 500 ms",
    )


def queued_access(
    loaded: Loaded,
    settings: Settings,
    emails: Sequence[str],
    out: Path,
    kept: Mapping[str, Connector],
    sample: int,
) -> Measure:
    subjects: list[Sequence[Identity]] = [parse([("email", e)]) for e in emails]
    folder = out / "queued"
    started = time.perf_counter()
    paths = access_many(loaded, subjects, environ=settings.environ, out=folder, connectors=kept)
    mine = time.perf_counter() - started
    assert len(paths) == len(emails)
    taken = emails[:: max(1, len(emails) // sample)][:sample]
    per = statistics.mean(simple_way(loaded, settings, e, out)[0] for e in taken)
    print(
        f"queued: Pledge {mine:.2f} s for {len(emails)}; per value {per * 1000:.0f} ms each "
        f"on {len(taken)}, x {len(emails)} = {per * len(emails):.1f} s",
        flush=True,
    )
    return Measure(
        f"{len(emails):,} queued access requests, one zip each",
        mine,
        per * len(emails),
        note=f" (extrapolated from {len(taken)})",
        target="< 10 s",
    )


def erase_heavy(
    loaded: Loaded,
    store: Settings,
    engine: Engine,
    emails: Sequence[str],
    kept: Mapping[str, Connector],
    rows: int,
) -> Measure:
    ours = [pledge_erase(loaded, store, engine, e, kept) for e in emails[:-1]]
    other, statements = per_row_erase(loaded, store, emails[-1], kept)
    times = [t for t, _ in ours]
    print(
        f"heavy: Pledge {_spread(times)} ({statistics.median(r for _, r in ours):.0f} rows); "
        f"per row {other:.1f} s ({statements} statements)",
        flush=True,
    )
    return Measure(
        f"erasure, a subject with {rows:,} more call records, median of {len(ours)}",
        statistics.median(times),
        other,
        target="< 500 ms",
    )


def _spread(times: Sequence[float]) -> str:
    return (
        f"median {statistics.median(times) * 1000:.0f} ms "
        f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})"
    )


if __name__ == "__main__":
    main()
