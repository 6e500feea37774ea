"""The erasure ledger: what every erasure did, with people kept only as keyed hashes.

A database restored from last week's backup brings back people erased since. The ledger
lets ``pledge erasure replay --system S`` find them again without keeping who they were:
it holds the keyed hashes of the identities (:mod:`pledge.subjects.hashing`, the consent
ledger's convention), and replay hashes the identity columns of the restored system to match them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pledge.declaration.model import Declaration
from pledge.dsr.certificate import ErasureResult
from pledge.dsr.strategies import StrategyError
from pledge.store.append_only import AppendOnly, append_only
from pledge.store.database import session_factory
from pledge.store.erasure_tables import ErasureLedgerEntry
from pledge.subjects.graph import LINKING
from pledge.subjects.hashing import Hasher
from pledge.subjects.identity import Identity, IdentityInvalid, normalise
from pledge.subjects.locate import Found

append_only(ErasureLedgerEntry, "the erasure ledger")

#: Kept under the name callers and tests know.
LedgerIsAppendOnly = AppendOnly


def identity_hash(key: str | None, kind: str, value: str) -> str:
    """The keyed hash an identity is kept as (:meth:`Hasher.hash`), hex.

    The same convention as the consent ledger and suppression list, so one hash finds a
    person in all three.
    """
    if not key:
        raise StrategyError(
            "the erasure ledger keeps people only as keyed hashes and needs a secret: set "
            "PLEDGE_HASH_KEY (Settings.hash_key) to a long random value and keep it"
        )
    # The derived key is cached (pledge.keys.derive): replay hashes every restored value.
    return Hasher(key.encode()).hash(kind, value)


def hash_identities(identities: Iterable[Identity], key: str | None) -> dict[str, list[str]]:
    """Identity kind → sorted keyed hashes of its values."""
    out: dict[str, set[str]] = {}
    for identity in identities:
        out.setdefault(identity.kind, set()).add(identity_hash(key, identity.kind, identity.value))
    return {kind: sorted(hashes) for kind, hashes in sorted(out.items())}


def discovered(
    declaration: Declaration, identities: Iterable[Identity], found: Mapping[int, Found]
) -> list[Identity]:
    """The identities given plus those the person's rows hold (customer ids, account numbers).

    The ledger keeps the hashes of all of them, so a replay on one restored system finds the
    person by whatever identity that system holds, even one the request never named.
    """
    out: dict[Identity, None] = dict.fromkeys(identities)
    for result in found.values():
        step = result.step
        fields = declaration.systems[step.system].datasets[step.dataset].fields
        for name, spec in fields.items():
            if spec.identity not in LINKING or spec.identity is None:
                continue
            for value in result.values(name):
                try:
                    out[Identity(spec.identity, normalise(spec.identity, str(value)))] = None
                except IdentityInvalid:
                    continue  # a junk value identifies nobody
    return list(out)


def record(session: Session, result: ErasureResult, hashed: dict[str, list[str]]) -> int:
    """Append the ledger entries for one erasure (in the caller's transaction); how many."""
    count = 0
    for system in result.systems:
        if system.status != "erased":
            continue
        for outcome in system.datasets:
            kept = [
                {
                    "rule": k.rule,
                    "reason": k.reason,
                    "rows": k.rows,
                    "restricted_by": k.restricted_by,
                }
                for k in outcome.kept
            ]
            session.add(
                ErasureLedgerEntry(
                    at=result.at,
                    erasure_id=result.erasure_id,
                    request_id=result.request_id,
                    identities=hashed,
                    system=system.system,
                    dataset=outcome.dataset,
                    action=outcome.action,
                    rows=outcome.erased,
                    details={"fields": outcome.fields, "kept": kept},
                )
            )
            count += 1
    return count


@dataclass(frozen=True)
class PastErasure:
    """One erasure as the ledger remembers it, for one system."""

    erasure_id: str
    system: str
    at: datetime
    request_id: str | None
    identities: dict[str, list[str]]
    datasets: tuple[str, ...]
    rows: int


def past_erasures(engine: Engine, system: str | None = None) -> list[PastErasure]:
    """Every erasure of ``system`` (of every system when None), oldest first, one per system."""
    query = sa.select(ErasureLedgerEntry).order_by(ErasureLedgerEntry.at, ErasureLedgerEntry.id)
    if system is not None:
        query = query.where(ErasureLedgerEntry.system == system)
    with session_factory(engine)() as session:
        entries: Sequence[ErasureLedgerEntry] = session.scalars(query).all()
    grouped: dict[tuple[str, str], list[ErasureLedgerEntry]] = {}
    for entry in entries:
        grouped.setdefault((entry.erasure_id, entry.system), []).append(entry)
    return [
        PastErasure(
            erasure_id=erasure_id,
            system=name,
            at=group[0].at,
            request_id=group[0].request_id,
            identities=group[0].identities,
            datasets=tuple(e.dataset for e in group),
            rows=sum(e.rows for e in group),
        )
        for (erasure_id, name), group in grouped.items()
    ]


def match(
    wanted: dict[str, set[str]], kind: str, values: Iterable[object], key: str | None
) -> list[Identity]:
    """The values (read from a restored system) whose keyed hash the ledger holds."""
    hashes = wanted.get(kind, set())
    found: dict[Identity, None] = {}
    for value in values:
        if value is None:
            continue
        try:
            normal = normalise(kind, str(value))
        except IdentityInvalid:
            continue  # a junk value in a restored column is nobody's identity
        if identity_hash(key, kind, normal) in hashes:
            found[Identity(kind, normal)] = None
    return list(found)
