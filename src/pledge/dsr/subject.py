"""One person's rows across the estate, with the systems and store opened to act on them.

Rectification, restriction and objection all start the same way: hash the identities (no
key, no start), reach Pledge's store, open every system the plan reaches (a system that is
down stops the request before anything is written), and find the person's rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.connectors import Connector, connect
from pledge.declaration import Loaded
from pledge.dsr import ledger
from pledge.dsr.drift import check_datasets
from pledge.settings import Settings
from pledge.store.database import StoreUnavailable, make_engine, session_factory
from pledge.store.erasure_tables import ErasureLedgerEntry, Restriction
from pledge.store.keycheck import check_key
from pledge.store.subject_locks import SubjectLocks
from pledge.store.tables import HashKeyCheck
from pledge.subjects.identity import Identity
from pledge.subjects.locate import Found, Wanted, locate
from pledge.subjects.plan import Plan, make_plan
from pledge.subjects.reach import Choices


@dataclass
class Subject:
    """The person, as found: plan, rows per step, open systems, the store, hashed identities."""

    loaded: Loaded
    plan: Plan
    found: dict[int, Found]
    connectors: Mapping[str, Connector]
    engine: Engine
    hashed: dict[str, list[str]]


@contextmanager
def open_subject(
    loaded: Loaded,
    identities: Sequence[Identity],
    settings: Settings,
    connectors: Mapping[str, Connector] | None,
    store: Engine | None,
    wanted: Wanted = lambda _step: (),
    choices: Choices | None = None,
) -> Iterator[Subject]:
    """Find the person's rows; close what was opened here when the block ends.

    Raises :class:`ReachStopped` before anything is written when the request must stop.
    The person's identities are locked in the store for the block, so another request for
    them (an erasure, a rectification) waits until this one is done.
    """
    hashed = ledger.hash_identities(identities, settings.hash_key)
    plan = make_plan(loaded.declaration, identities)
    systems = list(dict.fromkeys(s.system for s in plan.steps))
    engine = store or make_engine(settings, loaded.folder)
    locks = SubjectLocks(engine)
    try:
        check_store(engine, settings.hash_key)
        locks.acquire(h for hashes in hashed.values() for h in hashes)
        with opened(loaded, settings, systems, connectors) as conns:
            found = locate(plan, conns, wanted, choices=choices)
            yield Subject(loaded, plan, found, conns, engine, hashed)
    finally:
        locks.release()
        if store is None:
            engine.dispose()


@contextmanager
def opened(
    loaded: Loaded,
    settings: Settings,
    systems: Sequence[str],
    given: Mapping[str, Connector] | None,
) -> Iterator[dict[str, Connector]]:
    """Every system named, opened up front; those opened here are closed at the end.

    Each system opened here is checked against the declaration (a missing column is named).
    """
    out: dict[str, Connector] = {}
    mine: list[Connector] = []
    servers: dict[str, Connector] = {}  # systems on one database share its connection
    try:
        for name in systems:
            if given is not None and name in given:
                out[name] = given[name]
                continue
            system = loaded.declaration.systems[name]
            conn = connect(
                name, system, environ=settings.environ, folder=loaded.folder, servers=servers
            )
            mine.append(conn)
            out[name] = conn
            check_datasets(loaded.declaration, name, conn, system.datasets)
        yield out
    finally:
        for conn in mine:
            conn.close()


def check_store(engine: Engine, key: str | None = None) -> None:
    """Refuse, before any system is touched, when the store lacks this capability's tables or
    its keyed hashes were made under another key than ``key``."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.select(Restriction.id).limit(1))
            connection.execute(sa.select(ErasureLedgerEntry.id).limit(1))
            connection.execute(sa.select(HashKeyCheck.scheme).limit(1))
    except sa.exc.DBAPIError as exc:
        raise StoreUnavailable(
            "Pledge's store has no erasure ledger or restriction register yet, so nothing "
            f"could be recorded: run `pledge db upgrade` first ({type(exc.orig).__name__})"
        ) from None
    if key:
        with session_factory(engine).begin() as session:
            check_key(session, key.encode())
