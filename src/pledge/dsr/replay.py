"""Replay past erasures on a system restored from a backup.

The ledger keeps only keyed hashes: of the identities an erasure found (those given and those
its rows led to: customer ids, account numbers) and of every value each dataset was searched
with (an account number read in another system, a customer id). Replay reads the restored
system's searched columns, hashes each value, and erases again, on that system alone, the
rows the same values find. Reading whole columns is the price of keeping no identity in
clear; it is one streamed pass per column, done once after a restore.
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
from pledge.subjects.plan import Plan, make_plan


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
    """Re-apply every erasure the ledger holds for ``system``; ErasureIncomplete if one fails.

    Each erasure is found again by what it searched the system with: the ledger's keyed
    hashes of the values each field was queried with, matched against the restored
    system's columns. (Entries made before the ledger kept searches fall back to the
    identity columns.) A replay that finds only rows already erased records nothing.
    """
    declaration = loaded.declaration
    if system not in declaration.systems:
        known = ", ".join(declaration.systems)
        raise ReplayImpossible(f"'{system}' is not a declared system (systems: {known})")
    now = now or datetime.now(UTC)
    engine = store or make_engine(settings, loaded.folder)
    done = Replayed(system)
    key = settings.hash_key
    try:
        check_store(engine, key)
        past = ledger.past_erasures(engine, system)
        done.erasures = len(past)
        wanted: dict[str, set[str]] = {}
        for erasure in past:
            if not erasure.searched:
                for kind, hashes in erasure.identities.items():
                    wanted.setdefault(kind, set()).update(hashes)
        with opened(loaded, settings, [system], connectors) as conns:
            conn = conns[system]
            present = _present(loaded, system, conn, wanted, key) if wanted else []
            columns = _Columns(conn, key)
            for erasure in past:
                kinds = sorted(erasure.identities)
                people: list[Identity] = []
                seed: dict[int, dict[str, list[object]]] = {}
                if erasure.searched:
                    plan = make_plan(declaration, [], extra_kinds=kinds)
                    seed = _seed(plan, system, erasure, columns)
                else:
                    people = [
                        i
                        for i in present
                        if ledger.identity_hash(key, i.kind, i.value)
                        in set(erasure.identities.get(i.kind, ()))
                    ]
                if not people and not seed:
                    continue
                result = erase(
                    loaded,
                    people,
                    settings=settings,
                    connectors=conns,
                    now=now,
                    request_id=erasure.request_id,
                    store=engine,
                    systems=[system],
                    actor=actor,
                    seed=seed or None,
                    kinds=kinds,
                    replaying=erasure.erasure_id,
                    only_rows=erasure.row_keys,
                )
                if result.erased or any(s.interrupted for s in result.systems):
                    done.people += 1
                    done.results.append(result)
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


class _Columns:
    """The restored system's columns as keyed hashes of their values, each read once."""

    def __init__(self, conn: Connector, key: str | None) -> None:
        self.conn = conn
        self.key = key
        self._hashed: dict[tuple[str, str, bool], dict[str, list[object]]] = {}

    def values(self, dataset: str, column: str, fold_case: bool) -> dict[str, list[object]]:
        """Keyed search hash → the stored values that hash to it."""
        cached = self._hashed.get((dataset, column, fold_case))
        if cached is None:
            cached = {}
            for batch in _scan(self.conn, dataset, column):
                for value in batch:
                    if value is not None:
                        digest = ledger.search_hash(self.key, value, fold_case)
                        cached.setdefault(digest, []).append(value)
            self._hashed[(dataset, column, fold_case)] = cached
        return cached


def _seed(
    plan: Plan, system: str, erasure: ledger.PastErasure, columns: _Columns
) -> dict[int, dict[str, list[object]]]:
    """Step → field → the restored values the erasure searched that field with."""
    seed: dict[int, dict[str, list[object]]] = {}
    for step in plan.steps:
        if step.system != system:
            continue
        fields = erasure.searched.get(step.dataset, {})
        for match in step.matches:
            hashes = fields.get(match.field)
            if not hashes:
                continue
            stored = columns.values(step.dataset, match.field, match.fold_case)
            values = [v for h in hashes for v in stored.get(h, ())]
            if values:
                seed.setdefault(step.number, {})[match.field] = values
    return seed


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
