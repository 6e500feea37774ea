"""One reach case end to end on a real engine, shared by the property tests and bench/reach.py.

The generated tables are made in SQLite files (one per system) or in one server database
(PostgreSQL, MariaDB; every system on it, tables dropped and made again per case). The rows
are read back with SQLAlchemy, not through Pledge's connectors, and handed to the oracle; then
the runner answers access (``pledge.subjects.reach.find``) and erasure
(``pledge.dsr.erasure.erase``), every table is read again, and each row and field is compared:

- over-reach: the runner reports a row the oracle does not, changes a row or field the oracle
  leaves alone, or goes on where the oracle stops;
- under-reach: the reverse.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.connectors import Connector, connect
from pledge.declaration import load_text
from pledge.dsr.erasure import ErasureIncomplete, ErasureRefused, erase
from pledge.settings import Settings
from pledge.subjects.identity import parse
from pledge.subjects.reach import ReachStopped, find
from tests.subjects.reach_oracle import Expected, expect
from tests.subjects.reach_schemas import Schema, World

Tables = dict[str, list[dict[str, Any]]]


@dataclass
class Tally:
    """Cases run, how many the oracle stopped, and every disagreement counted by row."""

    cases: int = 0
    stops: int = 0
    over: int = 0
    under: int = 0
    #: Cases where the runner failed in a way the oracle does not explain.
    errors: int = 0
    #: Cases with any difference at all.
    differing: int = 0
    examples: list[str] = field(default_factory=list)
    keep: int = 3

    def add(self, verdict: Verdict) -> None:
        self.cases += 1
        self.stops += verdict.expected.stop is not None
        self.over += verdict.over
        self.under += verdict.under
        self.errors += bool(verdict.errors)
        self.differing += verdict.wrong
        if verdict.wrong and len(self.examples) < self.keep:
            self.examples.append(verdict.report())

    def line(self) -> str:
        return (
            f"cases {self.cases}, stops {self.stops}, differing {self.differing}, "
            f"over-reach {self.over}, under-reach {self.under}, errors {self.errors}"
        )


@dataclass
class Verdict:
    """One case: what was asked, what the oracle expected, where the runner differed."""

    declaration: str
    tables: Tables
    given: list[tuple[str, str]]
    expected: Expected
    over: int = 0
    under: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def wrong(self) -> bool:
        return bool(self.over or self.under or self.errors)

    def differ(self, over: int, under: int, note: str) -> None:
        self.over += over
        self.under += under
        self.notes.append(note)

    def report(self) -> str:
        rows = "\n".join(f"  {t}: {r}" for t, r in self.tables.items())
        expected = self.expected
        wanted = (
            f"stop ({expected.stop})"
            if expected.stop
            else f"rows {expected.rows}, shared {expected.shared}, context {expected.context}"
        )
        return (
            f"--- declaration\n{self.declaration}--- rows\n{rows}\n--- subject {self.given}\n"
            f"--- oracle: {wanted}\n--- runner differs (over {self.over}, under {self.under}):\n"
            + "\n".join(f"  {n}" for n in [*self.notes, *self.errors])
        )


class Estate:
    """Where a case's systems live: SQLite files under ``folder``, or one server database."""

    def __init__(self, folder: Path, server: str | None = None) -> None:
        self.folder = folder
        self.server = server
        self._case = 0
        self._admin = sa.create_engine(server) if server else None

    def urls(self, schema: Schema) -> dict[str, str]:
        if self.server is not None:
            return dict.fromkeys(schema.systems, self.server)
        here = self.folder / f"case-{self._case}"
        return {s: f"sqlite:///{here / f'{s}.sqlite'}" for s in schema.systems}

    def build(self, schema: Schema, world: World) -> dict[str, str]:
        """Fresh tables holding ``world``; the systems' URLs."""
        self._case += 1
        if self.server is None:
            shutil.rmtree(self.folder / f"case-{self._case - 1}", ignore_errors=True)
            (self.folder / f"case-{self._case}").mkdir()
        else:
            assert self._admin is not None
            old = sa.MetaData()
            old.reflect(self._admin)
            old.drop_all(self._admin)
        urls = self.urls(schema)
        for system in schema.systems:
            engine = self._admin or sa.create_engine(urls[system])
            meta = _metadata(schema, system)
            with engine.begin() as connection:
                meta.create_all(connection)
                for table in meta.sorted_tables:
                    if world[table.name]:
                        connection.execute(table.insert(), world[table.name])
            if engine is not self._admin:
                engine.dispose()
        return urls

    def read(self, schema: Schema, urls: Mapping[str, str]) -> Tables:
        """Every row of every table, keyed "system.dataset", read without Pledge."""
        out: Tables = {}
        for system in schema.systems:
            engine = self._admin or sa.create_engine(urls[system])
            with engine.connect() as connection:
                for table in _metadata(schema, system).sorted_tables:
                    rows = connection.execute(sa.select(table)).mappings()
                    out[f"{system}.{table.name}"] = [dict(r) for r in rows]
            if engine is not self._admin:
                engine.dispose()
        return out

    def close(self) -> None:
        if self._admin is not None:
            self._admin.dispose()


def _metadata(schema: Schema, system: str) -> sa.MetaData:
    meta = sa.MetaData()
    for table in schema.tables:
        if table.system != system:
            continue
        columns = [
            sa.Column(
                c.name,
                sa.Integer() if c.type == "int" else sa.String(200),
                primary_key=c.fill == "pk",
                autoincrement=False,
            )
            for c in table.columns
        ]
        sa.Table(table.name, meta, *columns)
    return meta


def run_case(
    estate: Estate,
    schema: Schema,
    world: World,
    given: Sequence[tuple[str, str]],
    *,
    settings: Settings,
    store: Engine,
) -> Verdict:
    """Build, ask the oracle, run access and erasure, compare. Never raises on a difference."""
    urls = estate.build(schema, world)
    text = schema.declaration(urls)
    loaded = load_text(text)
    identities = parse(given)
    before = estate.read(schema, urls)
    expected = expect(loaded.declaration, before, identities)
    verdict = Verdict(text, before, list(given), expected)
    keys = {t.dotted: t.key for t in schema.tables}

    servers: dict[str, Connector] = {}
    connectors = {
        name: connect(name, system, environ={}, folder=estate.folder, servers=servers)
        for name, system in loaded.declaration.systems.items()
    }
    try:
        reached = find(loaded.declaration, identities, connectors)
    except ReachStopped as exc:
        if expected.stop is None:
            count = max(1, sum(map(len, expected.rows.values())))
            verdict.differ(0, count, f"access stopped ({exc}); oracle expected rows")
    else:
        got = {d: {r[keys[d]] for r in rows} for d, rows in reached.rows.items()}
        shown = {d: {r[keys[d]] for r in rows} for d, rows in reached.context.items()}
        shared = {d: set(v) for d, v in reached.shared.items()}
        if expected.stop is not None:
            count = max(1, sum(map(len, got.values())))
            verdict.differ(count, 0, f"access went on ({_plain(got)}); oracle stops")
        else:
            _sets(verdict, "access rows", expected.rows, got)
            # A row wrongly called shared is kept by erasure: it counts as under-reach.
            _sets(verdict, "shared rows", expected.shared, shared, swap=True)
            _sets(verdict, "context rows", expected.context, shown)
    finally:
        for connector in connectors.values():
            connector.close()

    stopped = False
    try:
        erase(loaded, identities, settings=settings, store=store)
    except ReachStopped as exc:
        stopped = True
        if expected.stop is None:
            verdict.differ(0, 1, f"erasure stopped ({exc}); oracle expected it to go on")
    except ErasureIncomplete as exc:
        verdict.errors.append(f"erasure incomplete: {exc}")
    except ErasureRefused as exc:
        verdict.errors.append(f"erasure refused: {exc}")
    after = estate.read(schema, urls)
    if expected.stop is not None and not stopped:
        verdict.differ(1, 0, "erasure did not stop; the oracle stops")
    _tables(verdict, keys, before, expected.after, after)
    return verdict


def _plain(sets: Mapping[str, set[Any]]) -> dict[str, list[Any]]:
    return {d: sorted(v, key=repr) for d, v in sets.items() if v}


def _sets(
    verdict: Verdict,
    what: str,
    want: Mapping[str, set[Any]],
    got: Mapping[str, set[Any]],
    *,
    swap: bool = False,
) -> None:
    """Count the runner's sets (``got``) against the oracle's: extra rows are over-reach,
    missing ones under-reach; the other way round when ``swap`` (rows held back)."""
    for dataset in sorted(set(want) | set(got)):
        extra = got.get(dataset, set()) - want.get(dataset, set())
        missing = want.get(dataset, set()) - got.get(dataset, set())
        if extra or missing:
            counts = (len(missing), len(extra)) if swap else (len(extra), len(missing))
            verdict.differ(
                *counts,
                f"{what} of {dataset}: only the runner has {sorted(extra, key=repr)}, "
                f"only the oracle has {sorted(missing, key=repr)}",
            )


def _tables(
    verdict: Verdict,
    keys: Mapping[str, str],
    before: Tables,
    want: Mapping[str, Mapping[Any, Mapping[str, Any]]],
    after: Tables,
) -> None:
    """Row by row and field by field: the erasure's result against the oracle's."""
    for dataset, rows in before.items():
        key = keys[dataset]
        now = {r[key]: r for r in after[dataset]}
        for row in rows:
            k = row[key]
            expected, actual = want[dataset].get(k), now.get(k)
            if expected is None and actual is not None:
                verdict.differ(0, 1, f"erasure kept {dataset} {k}; the oracle deletes it")
            elif expected is not None and actual is None:
                verdict.differ(1, 0, f"erasure deleted {dataset} {k}; the oracle keeps it")
            elif expected is not None and actual is not None:
                for name, value in actual.items():
                    if value == expected[name]:
                        continue
                    was, oracle = row[name], expected[name]
                    if value != was:
                        verdict.differ(
                            1,
                            0,
                            f"{dataset} {k}.{name}: {was!r} became {value!r}; oracle {oracle!r}",
                        )
                    else:
                        verdict.differ(
                            0, 1, f"{dataset} {k}.{name}: {was!r} was left; oracle {oracle!r}"
                        )
        if len(now) > len(rows):
            verdict.errors.append(f"{dataset} has rows it did not have before")


@contextmanager
def scratch() -> Iterator[Path]:
    """A folder for SQLite cases, in memory where the machine has one; removed after."""
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(
        prefix="pledge-reach-", dir=shm if shm.is_dir() else None
    ) as f:
        yield Path(f)
