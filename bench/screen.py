"""Campaign screening speed: Pledge's set-based DuckDB screen beside a Python loop with sets.

Generates its own data in DuckDB (``range()``): a phone audience of ``--audience`` rows as a
Parquet file (most numbers bare national digits, 5 % written with spaces or +44, 0.1 %
unreadable), a TPS/CTPS register of ``--register`` E.164 numbers, ``--consent`` consent
states and ``--suppressed`` suppression entries keyed by the same hash Pledge uses. Then:

1. Pledge: :func:`pledge.consent.screen.screen` in a fresh child process (so its peak memory
   is its own), writing the allowed and excluded Parquet files;
2. the simple way: the same facts loaded into Python dicts and sets, then each audience row
   normalised with the shared normaliser, hashed with ``Hasher.hash``, looked up and decided with
   ``may_contact``; the loop is **measured on ``--sample`` rows and extrapolated**.

    .venv/bin/python bench/screen.py --audience 10000000 --register 20000000 \
        --consent 10000000 --suppressed 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from pledge.consent.decide import decide
from pledge.consent.ledger import Change, record
from pledge.consent.phones import normalise_phone
from pledge.consent.screen import Campaign, hash_sql, key_sql, screen
from pledge.consent.screening import refresh_and_screen
from pledge.consent.sources import create_tables, refresh
from pledge.consent.suppression import suppress
from pledge.rules.consent import Facts, may_contact
from pledge.settings import Settings
from pledge.store import make_engine, session_factory, upgrade
from pledge.store.consent_tables import RegisterNumberRow
from pledge.subjects.hashing import Hasher

#: A hash key of the size Pledge requires (made with secrets.token_hex(32)).
KEY = b"f55fde5ff41dbfa7af7fed3d5c31ae350c9b1d7d74a5a5b37ccaa8b3bff72b90"
BASE = 7_100_000_000  # audience numbers are 07100000000 upwards
#: The 128-bit key as two 64-bit halves: DuckDB turns UHUGEINT into Python ints very slowly.
HALVES = "(identity_key >> 64)::UBIGINT, (identity_key & 18446744073709551615::UHUGEINT)::UBIGINT"


def rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(folder: Path, audience: int, register: int, consent: int, suppressed: int) -> Path:
    """Write the audience Parquet file and the facts database; return the database path."""
    database = folder / "facts.duckdb"
    connection = duckdb.connect(str(database))
    create_tables(connection)
    connection.execute("CREATE TEMP TABLE pads AS SELECT $1::BLOB AS k", [Hasher(KEY).identity_key])
    hashed = hash_sql("phone", "'+44' || n")
    # Audience row i has number BASE + 2i: every other number in its range.
    spelled = (
        "CASE WHEN i % 1000 = 7 THEN 'n/a' "
        "WHEN i % 20 = 3 THEN '+44 ' || substr(n::VARCHAR, 1, 4) || ' ' || substr(n::VARCHAR, 5) "
        "WHEN i % 20 = 4 THEN '0' || substr(n::VARCHAR, 1, 4) || ' ' || substr(n::VARCHAR, 5) "
        "ELSE '0' || n::VARCHAR END"
    )
    connection.execute(
        f"COPY (SELECT 'C' || i AS id, {spelled} AS phone FROM "
        f"(SELECT i, {BASE} + 2 * i AS n FROM range({audience}) t(i))) "
        f"TO '{folder / 'audience.parquet'}' (FORMAT parquet)"
    )
    # Register: every third number from BASE, so a third of the audience is listed; 1 in 10 CTPS.
    connection.execute(
        "INSERT INTO register_number SELECT CASE WHEN j % 10 = 0 THEN 'ctps' ELSE 'tps' END, "
        f"44{BASE} + 3 * j FROM range({register}) t(j)"
    )
    # The store's rows (hex hashes), kept for build_store; the screening tables come from them.
    # Consent states for the first numbers of the audience's range (every other one granted by
    # specific agreement, so some TPS numbers pass), 15 % withdrawn, 5 % objected.
    connection.execute(
        f"CREATE TABLE store_consent AS SELECT {hashed} AS identity_hash, 'news' AS purpose, "
        "'phone' AS channel, '*' AS stream, "
        "CASE WHEN c % 20 < 3 THEN 'withdrawn' WHEN c % 20 = 3 THEN 'objected' ELSE 'granted' END "
        "AS status, CASE WHEN c % 2 = 0 THEN 'specific-agreement' ELSE 'consent' END AS basis, "
        "FALSE AS soft_opt_in_valid, c + 1 AS last_event_id "
        f"FROM (SELECT c, {BASE} + 2 * c AS n FROM range({consent}) t(c)), pads"
    )
    connection.execute(
        f"CREATE TABLE store_suppression AS SELECT {hashed} AS identity_hash, "
        "CASE s % 10 WHEN 0 THEN 'erasure' WHEN 1 THEN 'restriction' ELSE 'opt-out' END "
        "AS reason, s + 1 AS id "
        f"FROM (SELECT s, {BASE} + 2 * (s * 7 % {max(audience, 1)}) AS n "
        f"FROM range({suppressed}) t(s)), pads"
    )
    key = key_sql("identity_hash")
    connection.execute(
        f"INSERT INTO consent_state SELECT {key}, * EXCLUDE (identity_hash) FROM store_consent"
    )
    connection.execute(f"INSERT INTO suppression SELECT {key}, reason, id FROM store_suppression")
    connection.close()
    return database


def build_store(database: Path, path: Path) -> None:
    """A SQLite store holding the same facts as ``database``, loaded with executemany."""
    settings = Settings(database_url=f"sqlite:///{path}", hash_key=KEY.decode())
    upgrade(settings)
    facts = duckdb.connect(str(database), read_only=True)
    store = sqlite3.connect(path)
    store.execute("PRAGMA synchronous = OFF")
    now = "2026-11-01 00:00:00.000000"
    loads = {
        "INSERT INTO consent_state (identity_hash, purpose, channel, stream, status, basis, "
        "soft_opt_in_valid, last_event_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)": (
            f"SELECT *, '{now}' FROM store_consent"
        ),
        "INSERT INTO suppression (id, identity_hash, identity_kind, reason, source, actor, at) "
        "VALUES (?, ?, 'phone', ?, 'import', 'bench', ?)": (
            f"SELECT id, identity_hash, reason, '{now}' FROM store_suppression"
        ),
        "INSERT INTO register_number (register, number) VALUES (?, ?)": (
            "SELECT register, '+' || number FROM register_number"
        ),
        # One event with the highest id, so events recorded later number above the states'.
        "INSERT INTO consent_event (id, at, identity_hash, identity_kind, purpose, channel, "
        "stream, action, source, soft_opt_in_valid, evidence, actor) "
        "VALUES (?, ?, '', 'phone', 'news', 'phone', '*', 'grant', 'import', 0, '{}', 'bench')": (
            f"SELECT coalesce(max(last_event_id), 0), '{now}' FROM store_consent"
        ),
    }
    for insert, select in loads.items():
        cursor = facts.execute(select)
        while rows := cursor.fetchmany(100_000):
            store.executemany(insert, rows)
    store.commit()
    store.close()
    facts.close()


def refreshes(store_path: Path, cache: Path) -> list[tuple[str, float, str]]:
    """Time the screening cache: built from empty, then refreshed with nothing changed."""
    engine = make_engine(Settings(database_url=f"sqlite:///{store_path}"))
    timed = []
    for label in ("built from an empty cache", "refreshed, nothing changed"):
        connection = duckdb.connect(str(cache))
        started = time.perf_counter()
        with engine.connect() as store:
            done = refresh(store, connection)
        timed.append((label, time.perf_counter() - started, f"{done.copied}"))
        connection.close()
    engine.dispose()
    return timed


def record_changes(store_path: Path, changes: int) -> None:
    """Consent changes and suppressions through the ledger, for numbers between the audience's
    (BASE + an odd number), so the screen's answers stay those of the generated facts."""
    engine = make_engine(Settings(database_url=f"sqlite:///{store_path}"))
    hasher = Hasher(KEY)
    with session_factory(engine).begin() as session:
        for n in range(changes):
            number = f"0{BASE + 2 * n + 1}"
            action = "withdraw" if n % 2 else "grant"
            record(
                session, hasher, Change("phone", number, action, "news", "phone", basis="consent")
            )
            if n % 10 == 0:
                suppress(session, hasher, "phone", number)
    engine.dispose()


def pledge_run(database: Path, folder: Path, threads: int, store: Path | None) -> None:
    """The child process: screen the audience (after refreshing the cache from ``store``, as
    ``pledge screen`` does, when one is given); print seconds, CPU seconds, peak MiB, counts."""
    connection = duckdb.connect(str(database))
    connection.execute(f"SET threads = {threads}")
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    audience, campaign, hasher = folder / "audience.parquet", Campaign("phone", "news"), Hasher(KEY)
    started = time.perf_counter()
    if store is None:
        outcome = screen(connection, audience, campaign, hasher)
    else:
        engine = make_engine(Settings(database_url=f"sqlite:///{store}"))
        with engine.connect() as facts:
            _, outcome = refresh_and_screen(facts, connection, audience, campaign, hasher)
    seconds = time.perf_counter() - started
    # CPU seconds say what the run cost on a machine shared with other work; wall seconds
    # on a busy machine mostly say how busy it was.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    counts = ",".join(f"{reason}={n}" for reason, n in sorted(outcome.counts.items()))
    print(f"{seconds:.2f} {cpu:.2f} {rss_mib():.0f} {counts}")


def child(args: argparse.Namespace, database: Path, folder: Path, store: Path | None) -> list[str]:
    """Run :func:`pledge_run` in a fresh process, so its peak memory is its own."""
    command = [sys.executable, __file__, "--threads", str(args.threads)]
    command += ["--child", str(database), str(folder)] + (["--store", str(store)] if store else [])
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return done.stdout.split()


def simple_way(database: Path, folder: Path, sample: int) -> tuple[float, float, dict[str, str]]:
    """Build dicts and sets, loop over ``sample`` rows: (build s, loop s per row, reasons)."""
    connection = duckdb.connect(str(database), read_only=True)
    started = time.perf_counter()
    consent = {
        hi << 64 | lo: (status, basis)
        for hi, lo, status, basis in connection.execute(
            f"SELECT {HALVES}, status, basis FROM consent_state"
        ).fetchall()
    }
    suppressed: dict[int, set[str]] = {}
    for hi, lo, reason in connection.execute(
        f"SELECT {HALVES}, reason FROM suppression"
    ).fetchall():
        suppressed.setdefault(hi << 64 | lo, set()).add(reason)
    listed: dict[str, set[str]] = {"tps": set(), "ctps": set()}
    for register, number in connection.execute("SELECT * FROM register_number").fetchall():
        listed[register].add(f"+{number}")
    built = time.perf_counter() - started
    rows = connection.execute(
        f"SELECT id, phone FROM '{folder / 'audience.parquet'}' USING SAMPLE {sample} ROWS"
    ).fetchall()
    hasher = Hasher(KEY)
    reasons = {}
    started = time.perf_counter()
    for row_id, phone in rows:
        e164 = normalise_phone(phone)
        if e164 is None:
            reasons[row_id] = may_contact(Facts("phone", identifier_valid=False)).reason.value
            continue
        h = int(hasher.hash("phone", e164)[:32], 16)
        status, basis = consent.get(h, (None, "consent"))
        why = suppressed.get(h, set())
        facts = Facts(
            "phone",
            consent=status if status in ("granted", "withdrawn") else None,
            basis=basis or "consent",
            objected=status == "objected",
            erased="erasure" in why,
            restricted="restriction" in why,
            suppressed=bool(why - {"erasure", "restriction"}),
            on_tps=e164 in listed["tps"],
            on_ctps=e164 in listed["ctps"],
        )
        reasons[row_id] = may_contact(facts).reason.value
    per_row = (time.perf_counter() - started) / max(len(rows), 1)
    return built, per_row, reasons


def disagreements(folder: Path, reasons: dict[str, str]) -> int:
    """Sampled rows where the simple way and Pledge's output files give different reasons."""
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE simple AS SELECT unnest($1) AS id, unnest($2) AS reason",
        [list(reasons), list(reasons.values())],
    )
    outputs = f"['{folder / 'audience.allowed.parquet'}', '{folder / 'audience.excluded.parquet'}']"
    found = connection.execute(
        f"SELECT count(*) FROM simple s LEFT JOIN read_parquet({outputs}) p USING (id) "
        "WHERE p.reason IS DISTINCT FROM s.reason"
    ).fetchone()
    return int(found[0]) if found else -1


def small_store(path: Path, people: int) -> None:
    """A SQLite store of ``people`` made through the ledger (for runs without ``build_store``)."""
    settings = Settings(database_url=f"sqlite:///{path}", hash_key=KEY.decode())
    upgrade(settings)
    engine = make_engine(settings)
    hasher = Hasher(KEY)
    with session_factory(engine).begin() as session:
        for n in range(people):
            number = f"0{BASE + 2 * n}"
            record(
                session, hasher, Change("phone", number, "grant", "news", "phone", basis="consent")
            )
            if n % 10 == 0:
                suppress(session, hasher, "phone", number)
            if n % 3 == 0:
                session.add(RegisterNumberRow(register="tps", number=f"+44{number[1:]}"))
    engine.dispose()


def decisions(path: Path, people: int, asked: int) -> tuple[float, float]:
    """``decide`` for one number at a time against the store at ``path``: median and p95 ms."""
    engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
    hasher = Hasher(KEY)
    times = []
    with session_factory(engine)() as session:
        for n in range(asked):
            number = f"0{BASE + 2 * ((n * 7919) % people)}"
            started = time.perf_counter()
            decide(session, hasher, "phone", number, purpose="news", channel="phone")
            times.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audience", type=int, default=10_000_000)
    parser.add_argument("--register", type=int, default=20_000_000)
    parser.add_argument("--consent", type=int, default=10_000_000)
    parser.add_argument("--suppressed", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000, help="rows for the simple way")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--people", type=int, default=20_000, help="store size for may_contact")
    parser.add_argument("--changes", type=int, default=1_000, help="consent changes to refresh")
    parser.add_argument(
        "--no-store", action="store_true", help="screen the generated facts, skip store and cache"
    )
    parser.add_argument("--child", nargs=2, metavar=("DATABASE", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        pledge_run(Path(args.child[0]), Path(args.child[1]), args.threads, args.store)
        return
    with tempfile.TemporaryDirectory(prefix="pledge-bench-screen-") as name:
        folder = Path(name)
        started = time.perf_counter()
        database = generate(folder, args.audience, args.register, args.consent, args.suppressed)
        made = time.perf_counter() - started
        cached: list[tuple[str, float, str]] = []
        screened = database
        end_to_end: list[str] = []
        if not args.no_store:
            started = time.perf_counter()
            build_store(database, folder / "store.sqlite")
            cached.append(("SQLite store loaded (executemany)", time.perf_counter() - started, ""))
            screened = folder / "cache.duckdb"
            cached += refreshes(folder / "store.sqlite", screened)
            record_changes(folder / "store.sqlite", args.changes)
            end_to_end = child(args, screened, folder, folder / "store.sqlite")
        seconds, cpu, peak, counts = child(args, screened, folder, None)
        load = os.getloadavg()[0]
        built, per_row, reasons = simple_way(database, folder, args.sample)
        loop = per_row * args.audience
        differ = disagreements(folder, reasons)
        store = folder / "store.sqlite"
        people = args.consent
        if args.no_store:
            small_store(store, args.people)
            people = args.people
        median, p95 = decisions(store, people, 2_000)
    print(f"| data generated | {made:.1f} s |")
    for label, seconds_taken, copied in cached:
        print(f"| screening cache: {label} | {seconds_taken:.1f} s {copied} |")
    print(
        f"| audience / register / consent states / suppressed | {args.audience:,} / "
        f"{args.register:,} / {args.consent:,} / {args.suppressed:,} |"
    )
    print(
        f"| Pledge screen (DuckDB, {args.threads} threads) | **{float(seconds):.1f} s** wall, "
        f"{float(cpu):.1f} s CPU, peak RSS {float(peak):,.0f} MiB |"
    )
    print(
        f"| machine load (1-minute average) after the screen | {load:.1f}, {os.cpu_count()} cores |"
    )
    print(f"| simple way: building dicts and sets | {built:.1f} s (full data) |")
    print(
        f"| simple way: loop, extrapolated from {len(reasons):,} rows at "
        f"{per_row * 1e6:.1f} us/row | {loop:,.0f} s |"
    )
    print(f"| ratio (simple build + loop) / Pledge | {(built + loop) / float(seconds):.0f} x |")
    if end_to_end:
        print(
            f"| `pledge screen`'s path: refresh after {args.changes:,} consent changes and "
            f"{args.changes // 10:,} suppressions, then screen | **{float(end_to_end[0]):.1f} s** "
            f"wall, {float(end_to_end[1]):.1f} s CPU, peak RSS {float(end_to_end[2]):,.0f} MiB |"
        )
        if end_to_end[3] != counts:
            print(f"| reasons after the refresh (differ!) | {end_to_end[3]} |")
    print(f"| sampled rows where the two disagree | {differ} |")
    print(f"| reasons | {counts.replace(',', ', ')} |")
    print(
        f"| may_contact against the SQLite store ({people:,} people), 2,000 asks | "
        f"median {median:.2f} ms, p95 {p95:.2f} ms |"
    )


if __name__ == "__main__":
    main()
