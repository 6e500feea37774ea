"""Access speed: one subject's access request on the Northwold demo estate (about 100 call
records per customer: ``--customers 100000`` gives about 10 million).

In one run, for the same ``--subjects`` customers (found by email), each measured
``--repeat`` times, median reported:

- Pledge end to end: ``pledge.dsr.respond.answer`` on a stored request (plan, every system
  opened, set-based batched reads streamed into the zip with data.json, the CSVs and
  report.html, the request moved to complete in Pledge's SQLite store);
- the same with every system's connection kept open across requests, as a running service
  keeps them (the one-shot CLI connects to each system for each request);
- the simple way, on the same plan and by the same rules (:func:`per_value`): one
  connection per dataset, one ``SELECT * ... WHERE field = ?`` per value (no IN-list), passes
  over the plan until no new value turns up, every row held in memory, then one
  ``json.dump`` and the CSVs written at the end.

The estate is generated once into ``--folder`` (reused when it is already there with the same
size) on SQLite, or on PostgreSQL with ``--target postgres=URL`` (then ANALYZEd: a freshly
loaded database has no statistics, and PostgreSQL plans parallel scans with JIT for lookups
that an index answers in a millisecond). Emails are matched without
regard to case, on an expression (``pledge.connectors.sql.folded_index``) that a plain index on
the column cannot serve, so the bench measures twice: on the estate as generated, then after
adding an index on that expression for every declared email field, as a production estate
should have.

    .venv/bin/python bench/access.py --customers 100000 --subjects 5 --repeat 5
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import statistics
import tempfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pledge.cli import main as pledge
from pledge.connectors import Connector, Row, Select, connect, sql
from pledge.declaration import Loaded, load_file
from pledge.dsr import request_store as requests
from pledge.dsr.package import plain
from pledge.dsr.respond import answer
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from pledge.subjects.graph import LINKING
from pledge.subjects.identity import IdentityInvalid, normalise, parse, stored_forms
from pledge.subjects.plan import Plan, Source, Step, make_plan

AS_OF = date(2026, 11, 1)


def estate(folder: Path, customers: int, target: str | None) -> tuple[Loaded, Settings, float]:
    """The demo estate in ``folder``, made with ``pledge demo generate`` unless one of that size
    is already there; the seconds spent making it."""
    started = time.perf_counter()
    if not _has_estate(folder, customers, target):
        size = ["--customers", str(customers), "--seed", "1", "--as-of", f"{AS_OF}"]
        servers = ["--target", target] if target else []
        args = ["demo", "generate", *size, "--out", str(folder), *servers, "--force"]
        pledge.main(args, standalone_mode=False)
    made = time.perf_counter() - started
    loaded, settings = _loaded(folder, target)
    if target:
        with _database(loaded, settings, "crm") as db:
            db.execute(sa.text("ANALYZE"))
            db.commit()
    return loaded, settings, made


def _loaded(folder: Path, target: str | None) -> tuple[Loaded, Settings]:
    loaded = load_file(folder / "pledge.yaml")
    url = target.split("=", 1)[1] if target else ""
    # Systems on a server are declared as env:VARIABLE; all of them point at --target.
    environ = {
        system.connection.removeprefix("env:"): url
        for system in loaded.declaration.systems.values()
        if system.connection.startswith("env:")
    }
    return loaded, Settings(environ=environ)


def _has_estate(folder: Path, customers: int, target: str | None) -> bool:
    if not (folder / "pledge.yaml").is_file():
        return False
    try:
        loaded, settings = _loaded(folder, target)
        with _database(loaded, settings, "crm") as db:
            found = db.execute(sa.text("SELECT count(*) FROM customer")).scalar_one()
    except (sa.exc.SQLAlchemyError, KeyError, OSError):
        return False
    return int(found) == customers


def subjects(loaded: Loaded, settings: Settings, count: int) -> list[str]:
    """Emails of ``count`` customers spread over the table."""
    with _database(loaded, settings, "crm") as db:
        found = [
            str(e)
            for e in db.execute(sa.text("SELECT email FROM customer ORDER BY id")).scalars()
            if e
        ]
    step = max(1, len(found) // count)
    return found[::step][:count]


@contextmanager
def _database(loaded: Loaded, settings: Settings, system: str) -> Iterator[sa.Connection]:
    """A direct connection to one of the estate's systems, for setting the bench up."""
    connection = loaded.declaration.systems[system].connection
    url = (
        settings.environ[connection.removeprefix("env:")]
        if connection.startswith("env:")
        else f"sqlite:///{loaded.folder / connection.removeprefix('sqlite:///')}"
    )
    engine = sa.create_engine(url)
    try:
        with engine.connect() as db:
            yield db
    finally:
        engine.dispose()


def pledge_end_to_end(
    loaded: Loaded,
    settings: Settings,
    email: str,
    out: Path,
    connectors: Mapping[str, Connector] | None = None,
) -> float:
    store = Settings(database_url=f"sqlite:///{out / 'store.sqlite'}", environ=settings.environ)
    upgrade(store)
    engine = make_engine(store)
    try:
        view = requests.open_request(
            engine,
            kind="access",
            identities={"email": [email]},
            rights=loaded.declaration.rights.model_copy(update={"verification": {}}),
            received_on=AS_OF,
            actor="bench",
        )
        started = time.perf_counter()
        answer(
            engine,
            view.id,
            loaded=loaded,
            settings=store,
            out=out,
            actor="bench",
            now=datetime.now(UTC),
            connectors=connectors,
        )
        return time.perf_counter() - started
    finally:
        engine.dispose()


def simple_way(loaded: Loaded, settings: Settings, email: str, out: Path) -> tuple[float, int]:
    """The same plan, the simple way: a query per value, everything in memory, written last."""
    plan = make_plan(loaded.declaration, parse([("email", email)]))
    started = time.perf_counter()
    rows = _simple_rows(loaded, settings, plan)
    with zipfile.ZipFile(out / "simple.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(rows, default=plain))
        for dotted, found in rows.items():
            if found:
                text = io.StringIO()
                writer = csv.DictWriter(text, fieldnames=list(found[0]))
                writer.writeheader()
                writer.writerows(found)
                archive.writestr(f"{dotted}.csv", text.getvalue())
    return time.perf_counter() - started, sum(len(r) for r in rows.values())


def _simple_rows(loaded: Loaded, settings: Settings, plan: Plan) -> dict[str, list[Row]]:
    """Every row of the plan the simple way, one connection per dataset, opened when first
    queried and closed at the end."""
    opened: dict[str, Connector] = {}

    def read(system: str, query: Select) -> Iterator[Row]:
        dotted = f"{system}.{query.table}"
        connector = opened.get(dotted)
        if connector is None:
            declared = loaded.declaration.systems[system]
            connector = connect(system, declared, environ=settings.environ, folder=loaded.folder)
            opened[dotted] = connector
        for batch in connector.read(query):
            yield from batch

    try:
        found = per_value(plan, read)
        rows = {step.dotted: list(found[step.number].rows.values()) for step in plan.steps}
        rows.update(per_value_context(plan, found, read))
    finally:
        for connector in opened.values():
            connector.close()
    return rows


@dataclass
class PerValue:
    """What the per-value way found in one step."""

    step: Step
    #: Row key (primary key, or the whole row) → row.
    rows: dict[Any, Row] = dataclasses.field(default_factory=dict)
    #: Keys of the rows an identity value found (the others came through a reference).
    by_value: set[Any] = dataclasses.field(default_factory=set)
    #: Field → the values it was queried with, in order.
    queried: dict[str, list[Any]] = dataclasses.field(default_factory=dict)


#: Rows of one query on one system.
Read = Callable[[str, Select], Iterable[Row]]


def per_value(
    plan: Plan, read: Read, columns: Callable[[Step], Sequence[str]] = lambda _: ()
) -> dict[int, PerValue]:
    """The plan's rows found naively by the same rules as the runner: one ``SELECT`` per value
    per matched field, passes over every step until no new value turns up.

    A match's values: for an identity source, every stored form of each of the person's
    values of that kind (given, or harvested: the linking identity values on the rows found,
    except rows of people that no identity value found); for ``belongs-to`` and ``owns``, the
    source column's values on the rows the source step found.
    """
    found = {step.number: PerValue(step) for step in plan.steps}
    values: dict[str, set[str]] = defaultdict(set)
    for identity in plan.identities:
        values[identity.kind].add(identity.value)
    asked: set[tuple[int, str, Any]] = set()
    new = True
    while new:
        new = False
        for step in plan.steps:
            here = found[step.number]
            for match in step.matches:
                for source in match.sources:
                    by_value = source.via == "identity"
                    for value in _source_values(source, values, found):
                        if (step.number, match.field, value) in asked:
                            continue
                        asked.add((step.number, match.field, value))
                        new = True
                        here.queried.setdefault(match.field, []).append(value)
                        query = Select(
                            step.dataset, match.field, [value], columns(step), match.fold_case
                        )
                        for row in read(step.system, query):
                            key = _row_key(step, row)
                            here.rows.setdefault(key, row)
                            if by_value:
                                here.by_value.add(key)
        for here in found.values():
            linking = [(name, kind) for name, kind in here.step.identities if kind in LINKING]
            for key, row in here.rows.items():
                if here.step.role == "people" and key not in here.by_value:
                    continue
                for name, kind in linking:
                    value = _as_identity(kind, row.get(name))
                    if value is not None and value not in values[kind]:
                        values[kind].add(value)
                        new = True
    return found


def per_value_context(plan: Plan, found: dict[int, PerValue], read: Read) -> dict[str, list[Row]]:
    """The context rows an access shows, one ``SELECT`` per value the person's rows hold."""
    shown: dict[str, list[Row]] = {}
    for link in plan.context:
        system, _, dataset = link.target.partition(".")
        rows = shown.setdefault(link.target, [])
        held = {r.get(link.field) for r in found[link.step].rows.values()} - {None}
        for value in sorted(held, key=repr):
            rows.extend(
                r for r in read(system, Select(dataset, link.key, [value])) if r not in rows
            )
    return shown


def _source_values(
    source: Source, values: Mapping[str, set[str]], found: Mapping[int, PerValue]
) -> list[Any]:
    if source.via == "identity":
        assert source.identity is not None
        kind = source.identity
        held = sorted(values.get(kind, ()))
        return [form for value in held for form in stored_forms(kind, value)]
    assert source.step is not None and source.column is not None
    column = source.column
    rows = found[source.step].rows.values()
    return list(dict.fromkeys(r[column] for r in rows if r.get(column) is not None))


def _row_key(step: Step, row: Row) -> Any:
    if step.primary_key is not None:
        return row[step.primary_key]
    return repr(sorted(row.items(), key=str))


def _as_identity(kind: str, value: Any) -> str | None:
    if value is None:
        return None
    try:
        return normalise(kind, str(value))
    except IdentityInvalid:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--subjects", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=Path("bench-northwold"))
    parser.add_argument("--target", help="postgres=URL: put the estate on PostgreSQL")
    args = parser.parse_args()

    loaded, settings, made = estate(args.folder, args.customers, args.target)
    calls = _calls(loaded, settings)
    emails = subjects(loaded, settings, args.subjects)
    engine = "PostgreSQL" if args.target else "SQLite"
    print(
        f"estate: {args.customers:,} customers, {calls:,} call records on {engine} "
        f"({'generated in ' + format(made, '.0f') + ' s' if made > 1 else 'reused'}); "
        f"median of {args.repeat} runs per subject"
    )
    email_indexes(loaded, settings, present=False)  # a reused estate may have them
    print("\nas generated (no index on lower(email)):")
    _measure(loaded, settings, emails, args.repeat)
    indexed = email_indexes(loaded, settings, present=True)
    print(f"\nwith an index on lower(field) for {len(indexed)} email fields:")
    _measure(loaded, settings, emails, args.repeat)


def _measure(loaded: Loaded, settings: Settings, emails: list[str], repeat: int) -> None:
    table: list[tuple[str, float, float, float, int]] = []
    with tempfile.TemporaryDirectory(prefix="pledge-bench-access-") as scratch:
        out = Path(scratch)
        kept = _open_all(loaded, settings)  # as a running service keeps its connections
        try:
            for email in emails:
                cold = statistics.median(
                    pledge_end_to_end(loaded, settings, email, out) for _ in range(repeat)
                )
                pledge_end_to_end(loaded, settings, email, out, kept)  # warm the connections
                warm = statistics.median(
                    pledge_end_to_end(loaded, settings, email, out, kept) for _ in range(repeat)
                )
                simple_runs = [simple_way(loaded, settings, email, out) for _ in range(repeat)]
                simple = statistics.median(t for t, _ in simple_runs)
                table.append((email, cold, warm, simple, simple_runs[0][1]))
        finally:
            for connector in kept.values():
                connector.close()
    print(
        f"{'subject':<42} {'rows':>5} {'pledge, connects':>17} {'pledge, kept open':>18} "
        f"{'simple way':>11} {'ratio':>6}"
    )
    for email, cold, warm, simple, rows in table:
        print(
            f"{email:<42} {rows:>5} {cold * 1000:>14.1f} ms {warm * 1000:>15.1f} ms "
            f"{simple * 1000:>8.1f} ms {simple / cold:>5.1f}x"
        )
    colds, warms, simples = [t[1] for t in table], [t[2] for t in table], [t[3] for t in table]
    print(
        f"{'median':<42} {'':>5} {statistics.median(colds) * 1000:>14.1f} ms "
        f"{statistics.median(warms) * 1000:>15.1f} ms "
        f"{statistics.median(simples) * 1000:>8.1f} ms "
        f"{statistics.median(simples) / statistics.median(colds):>5.1f}x"
    )


def _open_all(loaded: Loaded, settings: Settings) -> dict[str, Connector]:
    return {
        name: connect(name, system, environ=settings.environ, folder=loaded.folder)
        for name, system in loaded.declaration.systems.items()
    }


def email_indexes(loaded: Loaded, settings: Settings, *, present: bool) -> list[str]:
    """Add (or drop) an index on the folded expression of each declared email field."""
    made: list[str] = []
    for system_name, system in loaded.declaration.systems.items():
        fields = [
            (dataset, field)
            for dataset, spec in system.datasets.items()
            for field, f in spec.fields.items()
            if f.identity == "email"
        ]
        if not fields:
            continue
        with _database(loaded, settings, system_name) as db:
            if db.dialect.name not in ("sqlite", "postgresql"):
                continue  # MariaDB indexes no expression
            for dataset, field in fields:
                name = f"ix_{dataset}_{field}_lower"
                ours = sql.SQLITE if db.dialect.name == "sqlite" else sql.POSTGRES
                create = sql.folded_index(ours, dataset, field, name)
                assert create is not None
                db.execute(sa.text(create if present else f'DROP INDEX IF EXISTS "{name}"'))
                made.append(f"{system_name}.{dataset}.{field}")
            db.commit()
    return made


def _calls(loaded: Loaded, settings: Settings) -> int:
    with _database(loaded, settings, "network") as db:
        return int(db.execute(sa.text("SELECT count(*) FROM call_record")).scalar_one())


if __name__ == "__main__":
    main()
