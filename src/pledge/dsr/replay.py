"""Replay past erasures on a system restored from a backup.

The ledger keeps only keyed hashes of the identities an erasure found (those given and those
its rows led to: customer ids, account numbers). Replay reads the restored system's identity
columns, hashes each value, and erases again, on that system alone, everyone whose hash the
ledger holds. Reading whole columns is the price of keeping no identity in clear; it is one
streamed pass per identity column, done once after a restore.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from pledge.connectors import Connector
from pledge.connectors import sql as sqltext
from pledge.connectors.base import BATCH, SQLConnector
from pledge.declaration import Loaded
from pledge.dsr import ledger
from pledge.dsr.certificate import ErasureResult
from pledge.dsr.erasure import erase
from pledge.dsr.subject import check_store, opened
from pledge.settings import Settings
from pledge.store.database import audit, make_engine
from pledge.subjects.identity import Identity


class ReplayImpossible(Exception):
    """The system cannot be scanned for replay (a kind of system without SQL)."""


@dataclass
class Replayed:
    """What a replay found and did on one system."""

    system: str
    erasures: int = 0
    people: int = 0
    results: list[ErasureResult] = field(default_factory=list)


def replay(
    loaded: Loaded,
    *,
    settings: Settings,
    system: str,
    connectors: Mapping[str, Connector] | None = None,
    store: Engine | None = None,
    now: datetime | None = None,
    actor: str = "pledge",
) -> Replayed:
    """Re-apply every erasure the ledger holds for ``system``; ErasureIncomplete if one fails."""
    if system not in loaded.declaration.systems:
        known = ", ".join(loaded.declaration.systems)
        raise ReplayImpossible(f"'{system}' is not a declared system (systems: {known})")
    now = now or datetime.now(UTC)
    engine = store or make_engine(settings, loaded.folder)
    done = Replayed(system)
    try:
        check_store(engine, settings.hash_key)
        past = ledger.past_erasures(engine, system)
        done.erasures = len(past)
        wanted: dict[str, set[str]] = {}
        for erasure in past:
            for kind, hashes in erasure.identities.items():
                wanted.setdefault(kind, set()).update(hashes)
        with opened(loaded, settings, [system], connectors) as conns:
            present = _present(loaded, system, conns[system], wanted, settings.hash_key)
            for erasure in past:
                people = [
                    i
                    for i in present
                    if ledger.identity_hash(settings.hash_key, i.kind, i.value)
                    in set(erasure.identities.get(i.kind, ()))
                ]
                if not people:
                    continue
                done.people += 1
                done.results.append(
                    erase(
                        loaded,
                        people,
                        settings=settings,
                        connectors=conns,
                        now=now,
                        request_id=erasure.request_id,
                        store=engine,
                        systems=[system],
                        actor=actor,
                    )
                )
        audit(
            engine,
            actor=actor,
            action="erasure.replay",
            subject=system,
            details={"erasures": done.erasures, "re-erased": done.people},
        )
    finally:
        if store is None:
            engine.dispose()
    return done


def _present(
    loaded: Loaded, system: str, conn: Connector, wanted: dict[str, set[str]], key: str | None
) -> list[Identity]:
    """Identities in the restored system whose keyed hash the ledger holds."""
    found: dict[Identity, None] = {}
    for name, dataset in loaded.declaration.systems[system].datasets.items():
        for column, spec in dataset.fields.items():
            if spec.identity is None or spec.identity not in wanted:
                continue
            for values in _scan(conn, name, column):
                found.update(dict.fromkeys(ledger.match(wanted, spec.identity, values, key)))
    return list(found)


def _scan(conn: Connector, table: str, column: str) -> Iterator[list[object]]:
    """Every distinct value of one column, in batches."""
    # The connector protocol reads by key values only; a replay must read the whole column,
    # which every SQL connector can do through the same streaming hook its reads use.
    if not isinstance(conn, SQLConnector):
        raise ReplayImpossible(f"system '{conn.system}' cannot be scanned for replay")
    name = sqltext.quote(conn.dialect, column)
    text = f"SELECT DISTINCT {name} FROM {sqltext.quote(conn.dialect, table)}"
    for batch in conn._stream(sqltext.Statement(text, ()), BATCH):
        yield [row[column] for row in batch]
