"""Erasure (Art. 17): find the person's rows, erase them system by system, prove it.

Everything that can refuse does so before the first write: the hash key, the store, every
system's connection, rows to keep without a key to tell them apart. Then each system is one
transaction (datasets children first), written to the ledger as soon as it commits. Systems
whose rows others point at go last, so if one fails the request stops there and a retry can
still reach everything left. Finally the plan runs again, with the values queried before, and
if any targeted value is still there the erasure fails, naming system, dataset and count.
Files the erased rows named (``file_root`` fields) are removed once their system commits, and
verified gone the same way: a targeted file still on disk fails the erasure.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from pledge import faults
from pledge import files as stored_files
from pledge.connectors import Connector, ConnectorError, Delete, Write
from pledge.declaration import Loaded
from pledge.dsr import ledger
from pledge.dsr.certificate import ErasureResult, Mentioned, Remaining, SystemOutcome
from pledge.dsr.erasure_mentions import context_kept, mention_writes, verify_mentions
from pledge.dsr.erasure_plan import hash_widths, legal_holds, plan_works, system_order
from pledge.dsr.erasure_work import ErasureRefused, Work
from pledge.dsr.restrict import register_rows
from pledge.dsr.subject import check_store, opened
from pledge.settings import Settings
from pledge.store.database import audit, make_engine, session_factory
from pledge.store.subject_locks import SubjectLocks
from pledge.subjects.holds import in_force
from pledge.subjects.identity import Identity
from pledge.subjects.locate import Found, locate
from pledge.subjects.plan import Plan, make_plan
from pledge.subjects.reach import Choices, Person, ReachStopped, Seed, locate_person

__all__ = ["ErasureIncomplete", "ErasureRefused", "ErasureResult", "ReachStopped", "erase"]


class ErasureIncomplete(Exception):
    """The erasure did not finish or data it targeted is still there; ``result`` says where."""

    def __init__(self, result: ErasureResult) -> None:
        self.result = result
        lines = [f"{s.system}: {s.error}" for s in result.systems if s.status == "failed"]
        if result.unverified:
            lines.append(f"the result could not be verified: {result.unverified}")
        lines += [str(r) for r in result.remaining]
        super().__init__("erasure is not complete:\n  " + "\n  ".join(lines))


def erase(
    loaded: Loaded,
    identities: Sequence[Identity],
    *,
    settings: Settings,
    connectors: Mapping[str, Connector] | None = None,
    now: datetime | None = None,
    request_id: str | None = None,
    store: Engine | None = None,
    systems: Sequence[str] | None = None,
    actor: str = "pledge",
    choices: Choices | None = None,
    seed: Seed | None = None,
    kinds: Sequence[str] = (),
    replaying: str | None = None,
    only_rows: Mapping[str, set[str]] | None = None,
) -> ErasureResult:
    """Erase the person known by ``identities``; raise ErasureIncomplete unless verified.

    Raises :class:`ReachStopped` before anything is written when the request must stop
    (an identity value shared with someone else, or rows beyond the person's reach);
    ``choices`` records an operator's decision about shared values.

    Replay passes ``seed`` (step → field → values to search, recovered from the ledger),
    ``kinds`` (the identity kinds the original erasure planned for) and ``replaying``
    (the erasure replayed: rows already erased are not recorded again) and ``only_rows``
    (dataset → keyed hashes of the keys of the rows it erased: no other row is touched).

    >>> erase(loaded, parse([("email", "ann@example.uk")]), settings=settings)  # doctest: +SKIP
    """
    declaration = loaded.declaration
    now = now or datetime.now(UTC)
    choices = choices or Choices()
    hashed = ledger.hash_identities(identities, settings.hash_key)  # no key: refuse now
    given = hashed
    plan = make_plan(declaration, identities, extra_kinds=kinds)
    order = system_order(declaration, plan)
    order += [m.system for m in plan.mentions if m.system not in order]  # their name elsewhere
    order += [s for s in _neighbours(plan) if s not in order]
    wanted = [s for s in dict.fromkeys(order) if systems is None or s in systems]
    engine = store or make_engine(settings, loaded.folder)
    locks = SubjectLocks(engine)
    try:
        check_store(engine, settings.hash_key)
        # Two requests for one person run one after the other: each locks every identity it
        # knows (given, then found), so the second finds what the first left.
        locks.acquire(_lock_names(hashed))
        with opened(loaded, settings, wanted, connectors) as conns:
            person = _locate(engine, plan, conns, choices, seed, request_id, actor)
            if not locks.try_acquire(_lock_names(_hashed(person, settings))):
                locks.release()
                locks.acquire(_lock_names(_hashed(person, settings)))
                person = _locate(engine, plan, conns, choices, seed, request_id, actor)
            if only_rows is not None:
                person = _only(person, only_rows, settings, engine, conns, choices, seed, actor)
            found = person.found
            everyone = person.identities
            hashed = _hashed(person, settings)
            earlier = ledger.interrupted(engine, request_id=request_id, hashed=given)
            holds = legal_holds(in_force(engine, now), everyone)
            widths = hash_widths(declaration, plan, conns)
            works = plan_works(
                declaration,
                plan,
                found,
                now,
                settings.hash_key,
                holds,
                widths,
                folder=loaded.folder,
            )
            result = ErasureResult(str(uuid.uuid4()), now, request_id)
            result.choices = choices.describe() if choices else {}
            result.replay_of = replaying
            result.context = context_kept(plan, found)
            mentions = mention_writes(person.mentions, settings.hash_key)
            keys = {
                (f.step.system, f.step.dataset): ledger.row_keys(f, settings.hash_key)
                for f in found.values()
                if f.rows
            }
            searches = {
                (f.step.system, f.step.dataset): ledger.searched(f, settings.hash_key)
                for f in found.values()
                if f.rows or any(f.queried.values())
            }
            leftover: list[Remaining] = []
            for system in wanted:
                writes = _writes(system, plan, works, mentions)
                if writes:
                    _intend(
                        engine,
                        result,
                        system,
                        plan,
                        works,
                        searches,
                        hashed,
                        keys,
                        mentions,
                        settings.hash_key,
                    )
                    faults.point("erasure.intent-written", system)
                outcome = _run_system(system, plan, works, conns[system], mentions, result)
                result.systems.append(outcome)
                if outcome.status == "failed":
                    break  # the systems after this one are the ones others point at
                faults.point("erasure.committed", system)
                _unlink(system, plan, works)
                faults.point("erasure.files-removed", system)
                leftover += _interrupted_files(loaded, system, earlier.get(system, []), settings)
                phase = ledger.DONE if writes else ledger.UNCHANGED
                if phase == ledger.UNCHANGED and replaying:
                    phase = ""  # a replay that changes nothing leaves no entry
                _remember(
                    engine,
                    result,
                    outcome,
                    works,
                    hashed,
                    actor,
                    searches=searches,
                    keys=keys,
                    phase=phase,
                    earlier=earlier.get(system, []),
                )
                faults.point("erasure.done-written", system)
            try:
                result.remaining = _verify(plan, conns, found, works, result, person.excluded)
                result.remaining += verify_mentions(person.mentions, conns, result)
                result.remaining += leftover
                result.verified = True
            except ConnectorError as exc:
                # Not verified is not complete, whatever the writes reported.
                result.unverified = str(exc)
        audit(
            engine,
            actor=actor,
            action="erasure.complete" if result.complete else "erasure.failed",
            subject=request_id,
            details={
                "erasure_id": result.erasure_id,
                "erased": result.erased,
                "kept": result.kept,
            },
        )
    finally:
        locks.release()
        if store is None:
            engine.dispose()
    if not result.complete:
        raise ErasureIncomplete(result)
    return result


def _lock_names(hashed: Mapping[str, Sequence[str]]) -> list[str]:
    return [h for hashes in hashed.values() for h in hashes]


def _hashed(person: Person, settings: Settings) -> dict[str, list[str]]:
    return ledger.hash_identities(person.identities, settings.hash_key)


def _locate(
    engine: Engine,
    plan: Plan,
    conns: Mapping[str, Connector],
    choices: Choices,
    seed: Seed | None,
    request_id: str | None,
    actor: str,
    excluded: set[tuple[int, Any]] | None = None,
) -> Person:
    """The person's rows, their mentions and the rows around them; audited when it stops."""
    try:
        return locate_person(
            plan,
            conns,
            choices=choices,
            mentions=True,
            referrers=True,
            seed=seed,
            excluded=excluded,
        )
    except ReachStopped as exc:
        audit(
            engine,
            actor=actor,
            action="erasure.stopped",
            subject=request_id,
            details={"reason": str(exc), "dataset": exc.dataset, **choices.describe()},
        )
        raise


def _only(
    person: Person,
    only_rows: Mapping[str, set[str]],
    settings: Settings,
    engine: Engine,
    conns: Mapping[str, Connector],
    choices: Choices,
    seed: Seed | None,
    actor: str,
) -> Person:
    """The person found again without any row the replayed erasure did not erase.

    A value searched then can find someone else's row now (an id reused since, a phone
    learned from a row the operator had left out); those rows are left out, and the person
    is found again without them until nothing more is left out.
    """
    excluded: set[tuple[int, Any]] = set()
    for _ in range(5):
        more = {
            (number, found.key(row))
            for number, found in person.found.items()
            for row in found.rows
            if ledger.identity_hash(settings.hash_key, "row", repr(found.key(row)))
            not in only_rows.get(found.step.dataset, set())
        } - excluded
        if not more:
            return person
        excluded |= more
        person = _locate(engine, person.plan, conns, choices, seed, None, actor, excluded)
    return person


def _interrupted_files(
    loaded: Loaded, system: str, earlier: Sequence[ledger.Interrupted], settings: Settings
) -> list[Remaining]:
    """Remove the files interrupted erasures of the person meant to remove here.

    Their rows were erased before the crash, so nothing names the files any more: they are
    found by the keyed hashes of their paths kept in the intent. Any that cannot be removed
    is listed as remaining, and the erasure is not complete.
    """
    left: list[Remaining] = []
    for interrupted in earlier:
        for dataset, hashes in interrupted.files.items():
            spec = loaded.declaration.systems[system].datasets.get(dataset)
            if spec is None:
                continue
            folder = loaded.folder or Path.cwd()
            for name, root in stored_files.file_fields(spec).items():
                for path in stored_files.under(stored_files.root_of(root, folder)):
                    if ledger.file_hash(settings.hash_key, path) not in hashes:
                        continue
                    try:
                        stored_files.remove(path)
                    except OSError:
                        left.append(Remaining(system, dataset, 0, (name,), files=1))
    return left


def _writes(
    system: str,
    plan: Plan,
    works: Mapping[int, Work],
    mentions: Sequence[tuple[Mentioned, Write | None]],
) -> bool:
    """Whether erasing ``system`` writes anything (rows already erased need nothing)."""
    return any(works[n].writes for n in plan.erasure_order if plan.step(n).system == system) or any(
        m.system == system and w is not None for m, w in mentions
    )


def _intend(
    engine: Engine,
    result: ErasureResult,
    system: str,
    plan: Plan,
    works: Mapping[int, Work],
    searches: Mapping[tuple[str, str], dict[str, list[str]]],
    hashed: dict[str, list[str]],
    keys: Mapping[tuple[str, str], list[str]],
    mentions: Sequence[tuple[Mentioned, Write | None]],
    key: str | None,
) -> None:
    """Commit the intent for ``system`` before its writes: a crash after them cannot lose
    the ledger's memory that this system was erased."""
    planned = [
        ledger.Planned(
            work.dataset,
            work.outcome.action,
            len(work.erasable),
            searches.get((system, work.dataset), {}),
            keys.get((system, work.dataset), []),
            [ledger.file_hash(key, path) for _, path in work.files],
        )
        for n in plan.erasure_order
        if (work := works[n]).system == system and work.outcome.found
    ]
    # A system where only mentions of the person change is named too.
    planned += [
        ledger.Planned(m.dataset, f"mention:{m.action}", m.rows, {})
        for m, write in mentions
        if m.system == system and write is not None
    ]
    with session_factory(engine).begin() as session:
        ledger.intend(session, result, system, planned, hashed)


def _neighbours(plan: Plan) -> list[str]:
    """Systems erasure must read though the plan finds no rows there: the owners of the
    person's rows (is this row really theirs?), and datasets whose rows own or refer to the
    person's rows (are they shared? would deleting them break someone else's record?)."""
    reached = {step.dotted for step in plan.steps}
    out: list[str] = []
    for link in plan.links:
        if link.reach == "belongs-to" and link.dataset in reached:
            out.append(link.target.partition(".")[0])
        elif link.target in reached:
            out.append(link.dataset.partition(".")[0])
    return list(dict.fromkeys(out))


def _run_system(
    system: str,
    plan: Plan,
    works: Mapping[int, Work],
    conn: Connector,
    mentions: Sequence[tuple[Mentioned, Write | None]],
    result: ErasureResult,
) -> SystemOutcome:
    """One system's writes in one transaction; counts are what the writes did."""
    mine = [works[n] for n in plan.erasure_order if plan.step(n).system == system]
    outcome = SystemOutcome(system, datasets=[w.outcome for w in mine if w.outcome.found])
    writes = [(work, index, w) for work in mine for index, w in enumerate(work.writes)]
    named = [(m, w) for m, w in mentions if m.system == system]
    # Mentions go last: the person's own rows are erased first, then their name elsewhere.
    batch = [write for _, _, write in writes] + [c for _, c in named if c is not None]
    if not batch:
        outcome.status = "erased" if outcome.datasets else "nothing-found"
        result.mentions += [m for m, _ in named]
        return outcome
    try:
        counts = conn.execute(batch)
    except ConnectorError as exc:
        outcome.status, outcome.error = "failed", str(exc)
        return outcome
    done: dict[int, int] = {}
    for (work, index, w), count in zip(writes, counts[: len(writes)], strict=True):
        if index >= work.flags and isinstance(w, Delete):
            done[id(work)] = done.get(id(work), 0) + count
    for work in mine:
        if work.outcome.action == "delete":
            work.outcome.erased = done.get(id(work), 0)
        else:
            # Updates pass over the same rows once per field; the rows changed are those
            # that held a targeted value (verification then proves each one changed).
            work.outcome.erased = sum(
                1
                for row in work.erasable
                if any(row.get(f) in values for f, values in work.targeted.items())
            )
    rest = iter(counts[len(writes) :])
    for mentioned, change in named:
        rows = next(rest) if change is not None else mentioned.rows
        result.mentions.append(dataclasses.replace(mentioned, rows=rows))
    outcome.status = "erased"
    return outcome


def _unlink(system: str, plan: Plan, works: Mapping[int, Work]) -> None:
    """Remove the files of the system's erased rows, now that its transaction committed.

    A file already gone counts as nothing; one that cannot be removed stays on disk, where
    verification finds it and fails the erasure by name.
    """
    for number in plan.erasure_order:
        work = works[number]
        if work.system != system:
            continue
        for _field, path in work.files:
            try:
                if stored_files.remove(path):
                    work.outcome.files_removed += 1
            except OSError:
                continue


def _remember(
    engine: Engine,
    result: ErasureResult,
    outcome: SystemOutcome,
    works: Mapping[int, Work],
    hashed: dict[str, list[str]],
    actor: str,
    *,
    searches: Mapping[tuple[str, str], dict[str, list[str]]],
    keys: Mapping[tuple[str, str], list[str]],
    phase: str,
    earlier: Sequence[ledger.Interrupted],
) -> None:
    """Ledger, restriction register and audit for one committed system, in one transaction.

    ``phase`` is done, unchanged, or empty (nothing to record); ``earlier`` are interrupted
    erasures of the person on this system, closed by this one.
    """
    partial = ErasureResult(result.erasure_id, result.at, result.request_id, [outcome])
    partial.replay_of = result.replay_of
    partial.mentions = [m for m in result.mentions if m.system == outcome.system]
    with session_factory(engine).begin() as session:
        if phase:
            ledger.record(session, partial, hashed, searches, phase=phase, keys=keys)
        for interrupted in earlier:
            ledger.close(
                session,
                interrupted,
                by=result.erasure_id,
                at=result.at,
                request_id=result.request_id,
                hashed=hashed,
                erased_now=outcome.erased,
            )
            outcome.interrupted.append(interrupted.erasure_id)
        if not phase and not earlier:
            return  # a replay that found only rows already erased: no record of it
        for work in works.values():
            if work.system == outcome.system:
                register_rows(session, work, hashed, result.request_id, at=result.at)
        audit(
            session,
            actor=actor,
            action="erasure.system",
            subject=result.request_id,
            details={
                "erasure_id": result.erasure_id,
                "system": outcome.system,
                "erased": outcome.erased,
                "kept": outcome.kept,
                "phase": phase or "closed",
                **({"closed": list(outcome.interrupted)} if outcome.interrupted else {}),
            },
        )


def _verify(
    plan: Plan,
    conns: Mapping[str, Connector],
    before: Mapping[int, Found],
    works: Mapping[int, Work],
    result: ErasureResult,
    excluded: set[tuple[int, Any]],
) -> list[Remaining]:
    """Run the plan again, also with every value queried before; list what is still there."""
    ran = {s.system for s in result.systems if s.status in ("erased", "nothing-found")}
    seed = {n: f.queried for n, f in before.items()}
    # Only the systems that committed are read again; the values queried before stand in
    # for the links through the others (a failed system may be unreachable). The stops are
    # not checked again: they were checked before anything was written.
    reached = {name: conn for name, conn in conns.items() if name in ran}
    after = locate(plan, reached, seed=seed, check=False, excluded=excluded)
    remaining: list[Remaining] = []
    for number, found in after.items():
        step, work = found.step, works[number]
        if step.system not in ran or not found.rows:
            continue
        kept = {k for keys in work.kept_keys.values() for k in keys} | set(work.shared_keys)
        rows = [
            r for r in found.rows if step.primary_key is None or r[step.primary_key] not in kept
        ]
        fields: tuple[str, ...] = ()
        if work.outcome.action == "delete":
            left = rows
        else:
            bad = [
                (r, f) for r in rows for f, values in work.targeted.items() if r.get(f) in values
            ]
            left = list({id(r): r for r, _ in bad}.values())
            fields = tuple(sorted({f for _, f in bad}))
        if left:
            remaining.append(Remaining(step.system, step.dataset, len(left), fields))
    for work in works.values():
        if work.system not in ran:
            continue
        there = [name for name, path in work.files if path.exists() or path.is_symlink()]
        if there:
            named = tuple(sorted(set(there)))
            remaining.append(Remaining(work.system, work.dataset, 0, named, files=len(there)))
    return remaining
