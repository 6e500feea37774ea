"""The erasure ledger: what every erasure did, with people kept only as keyed hashes.

A database restored from last week's backup brings back people erased since. The ledger
lets ``pledge erasure replay --system S`` find them again without keeping who they were:
it holds the keyed hashes of the identities (:mod:`pledge.subjects.hashing`, the consent
ledger's convention) and of every value each dataset was searched with, and replay hashes
the restored system's columns to match them.

Each system's erasure is two entries per dataset: an *intent*, committed before the system's
writes, and a completion (*done*, with the rows the writes changed) after they commit. A
crash between the two leaves the intent: the ledger still names the system, replay uses it,
and the re-run closes it. An erasure that finds only rows already erased writes *unchanged*.
"""

from __future__ import annotations

import dataclasses
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
from pledge.subjects.reach import link_key

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


#: The phases of an entry; "done" and "unchanged" complete an intent.
INTENT, DONE, UNCHANGED = "intent", "done", "unchanged"


def search_hash(key: str | None, value: object, fold_case: bool) -> str:
    """The keyed hash a searched value is kept as: its text as the runner matched it."""
    return identity_hash(key, "searched", link_key(value, fold_case))


def searched(found: Found, key: str | None) -> dict[str, list[str]]:
    """Field → keyed hashes of every value ``found``'s dataset was searched with."""
    folds = {m.field: m.fold_case for m in found.step.matches}
    return {
        name: sorted({search_hash(key, v, folds.get(name, False)) for v in values})
        for name, values in sorted(found.queried.items())
        if values
    }


def row_keys(found: Found, key: str | None) -> list[str]:
    """Keyed hashes of the keys of the rows ``found`` holds: replay erases only these rows,
    never a row that merely matches a value searched (an id reused by a later customer)."""
    return sorted({identity_hash(key, "row", repr(found.key(row))) for row in found.rows})


@dataclass(frozen=True)
class Planned:
    """What one dataset's writes are about to do, for the intent entry."""

    dataset: str
    action: str
    rows: int
    searched: dict[str, list[str]]
    #: Keyed hashes of the person's rows' keys (:func:`row_keys`).
    keys: list[str] = dataclasses.field(default_factory=list)
    #: Keyed hashes of the files to remove once the system commits (:func:`file_hash`).
    files: list[str] = dataclasses.field(default_factory=list)


def file_hash(key: str | None, path: object) -> str:
    """The keyed hash a file an erasure removes is kept as in its intent (its full path)."""
    return identity_hash(key, "file", str(path))


def intend(
    session: Session,
    result: ErasureResult,
    system: str,
    planned: Sequence[Planned],
    hashed: dict[str, list[str]],
) -> None:
    """Append the intent entries for one system's writes (committed before they run)."""
    for item in planned:
        session.add(
            ErasureLedgerEntry(
                at=result.at,
                erasure_id=result.erasure_id,
                request_id=result.request_id,
                identities=hashed,
                system=system,
                dataset=item.dataset,
                action=item.action,
                rows=item.rows,
                details={
                    "planned": item.rows,
                    "rows": item.keys,
                    **({"files": item.files} if item.files else {}),
                    **_replay(result),
                },
                phase=INTENT,
                searched=item.searched,
            )
        )


def record(
    session: Session,
    result: ErasureResult,
    hashed: dict[str, list[str]],
    searches: Mapping[tuple[str, str], dict[str, list[str]]] | None = None,
    phase: str = DONE,
    keys: Mapping[tuple[str, str], list[str]] | None = None,
) -> int:
    """Append the ledger entries for one erasure (in the caller's transaction); how many.

    ``searches`` maps (system, dataset) to what :func:`searched` made of it.
    """
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
                    details={
                        "fields": outcome.fields,
                        "kept": kept,
                        "rows": (keys or {}).get((system.system, outcome.dataset), []),
                        **_replay(result),
                    },
                    phase=phase,
                    searched=(searches or {}).get((system.system, outcome.dataset)),
                )
            )
            count += 1
        for mention in result.mentions:
            if mention.system != system.system or mention.action == "keep":
                continue
            session.add(
                ErasureLedgerEntry(
                    at=result.at,
                    erasure_id=result.erasure_id,
                    request_id=result.request_id,
                    identities=hashed,
                    system=system.system,
                    dataset=mention.dataset,
                    action=f"mention:{mention.action}",
                    rows=mention.rows,
                    details={"field": mention.field, **_replay(result)},
                    phase=phase,
                )
            )
            count += 1
    return count


def _replay(result: ErasureResult) -> dict[str, str]:
    return {"replay_of": result.replay_of} if result.replay_of else {}


@dataclass(frozen=True)
class Interrupted:
    """An intent no completion followed: the process stopped between the two."""

    erasure_id: str
    system: str
    #: (dataset, rows the intent planned) for each dataset of the system.
    datasets: tuple[tuple[str, int], ...]
    #: Dataset → keyed hashes of the files the interrupted erasure meant to remove.
    files: dict[str, set[str]] = dataclasses.field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(rows for _, rows in self.datasets)


def interrupted(
    engine: Engine, *, request_id: str | None, hashed: dict[str, list[str]]
) -> dict[str, list[Interrupted]]:
    """System → intents of earlier erasures of this person that were never completed.

    An intent is the person's when it answers the same request, or when it was made for an
    identity ``hashed`` holds (pass the identities the person was asked for by, not every
    value found on their rows, which can be shared).
    """
    query = sa.select(ErasureLedgerEntry).order_by(ErasureLedgerEntry.id)
    mine = {h for hashes in hashed.values() for h in hashes}
    with session_factory(engine)() as session:
        entries = session.scalars(query).all()
    intents: dict[tuple[str, str], list[ErasureLedgerEntry]] = {}
    closed: set[tuple[str, str]] = set()
    for entry in entries:
        group = (entry.erasure_id, entry.system)
        if entry.phase == INTENT:
            theirs = {h for hashes in entry.identities.values() for h in hashes}
            if (request_id is not None and entry.request_id == request_id) or theirs & mine:
                intents.setdefault(group, []).append(entry)
        else:
            closed.add(group)
    out: dict[str, list[Interrupted]] = {}
    for (erasure_id, system), entries_of in intents.items():
        if (erasure_id, system) in closed:
            continue
        out.setdefault(system, []).append(
            Interrupted(
                erasure_id,
                system,
                tuple((e.dataset, e.rows) for e in entries_of),
                {e.dataset: set(e.details["files"]) for e in entries_of if e.details.get("files")},
            )
        )
    return out


def close(
    session: Session,
    earlier: Interrupted,
    *,
    by: str,
    at: datetime,
    request_id: str | None,
    hashed: dict[str, list[str]],
    erased_now: int,
) -> None:
    """Complete an interrupted erasure's intent on its system, found again by erasure ``by``.

    When the re-run changed nothing there, the interrupted writes had committed: the
    entry counts the rows its intent planned. Otherwise they had not, and the re-run did it.
    """
    committed = erased_now == 0
    how = (
        "the writes had committed before the interruption; rows as the intent planned"
        if committed
        else "the writes had not committed; the re-run erased the rows"
    )
    for dataset, rows in earlier.datasets:
        session.add(
            ErasureLedgerEntry(
                at=at,
                erasure_id=earlier.erasure_id,
                request_id=request_id,
                identities=hashed,
                system=earlier.system,
                dataset=dataset,
                action="closed",
                rows=rows if committed else 0,
                details={"closed_by": by, "how": how},
                phase=DONE,
            )
        )


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
    #: Dataset → field → keyed hashes of the values searched (none for entries made
    #: before the ledger kept them).
    searched: dict[str, dict[str, list[str]]] = dataclasses.field(default_factory=dict)
    #: The intent was never completed (the process stopped between the two).
    pending: bool = False
    #: Dataset → keyed hashes of the keys of the person's rows there; None for entries made
    #: before the ledger kept them.
    row_keys: dict[str, set[str]] | None = None


def past_erasures(engine: Engine, system: str | None = None) -> list[PastErasure]:
    """Every erasure of ``system`` (of every system when None), oldest first, one per system.

    An erasure counts from its intent, whether or not its completion was written; one that
    found only rows already erased (all entries "unchanged") is not an erasure to replay.
    """
    query = sa.select(ErasureLedgerEntry).order_by(ErasureLedgerEntry.at, ErasureLedgerEntry.id)
    if system is not None:
        query = query.where(ErasureLedgerEntry.system == system)
    with session_factory(engine)() as session:
        entries: Sequence[ErasureLedgerEntry] = session.scalars(query).all()
    grouped: dict[tuple[str, str], list[ErasureLedgerEntry]] = {}
    for entry in entries:
        grouped.setdefault((entry.erasure_id, entry.system), []).append(entry)
    out: list[PastErasure] = []
    for (erasure_id, name), group in grouped.items():
        phases = {e.phase for e in group}
        if phases == {UNCHANGED} or any(e.details.get("replay_of") for e in group):
            continue  # nothing was erased; or a replay, which repeats an erasure listed
        work = [e for e in group if e.phase == DONE and e.action != "closed"] or [
            e for e in group if e.phase == INTENT
        ]
        wanted: dict[str, dict[str, list[str]]] = {}
        keys: dict[str, set[str]] | None = None
        for entry in group:
            if "rows" in entry.details:
                keys = keys if keys is not None else {}
                keys.setdefault(entry.dataset, set()).update(entry.details["rows"])
            for field, hashes in (entry.searched or {}).items():
                have = wanted.setdefault(entry.dataset, {}).setdefault(field, [])
                have.extend(h for h in hashes if h not in have)
        out.append(
            PastErasure(
                erasure_id=erasure_id,
                system=name,
                at=group[0].at,
                request_id=group[0].request_id,
                identities=group[0].identities,
                datasets=tuple(dict.fromkeys(e.dataset for e in work)),
                rows=sum(e.rows for e in work),
                searched=wanted,
                pending=phases == {INTENT},
                row_keys=keys,
            )
        )
    return out


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
