"""Restriction (Art. 18): the data stays, its use stops, and the person hears before it resumes.

Where a dataset declares a ``restriction_column`` the flag is set on the person's rows (one
transaction per system); elsewhere Pledge's restriction register records it, keyed by the
hashes of the person's identities, for systems and people to consult. Lifting needs the date
the person was told (Art. 18(3)): a lift without it, or dated later, is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pledge.connectors import Connector, Update, Write
from pledge.declaration import Loaded
from pledge.dsr import ledger
from pledge.dsr.erasure_work import REGISTER, Work
from pledge.dsr.subject import Subject, open_subject
from pledge.settings import Settings
from pledge.store.database import audit, session_factory
from pledge.store.erasure_tables import Restriction, RestrictionLift, restriction_in_force
from pledge.store.keycheck import check_key
from pledge.subjects.identity import Identity
from pledge.subjects.locate import Found
from pledge.subjects.reach import Choices


class RestrictionRefused(ValueError):
    """A restriction change the rules do not allow (lifting before the person was told)."""


@dataclass
class RestrictionResult:
    """Where a restriction was set or lifted, and who must be told."""

    flagged: dict[str, int] = field(default_factory=dict)  # "system.dataset" → rows
    registered: list[str] = field(default_factory=list)  # "system.dataset" in the register
    #: Recipients receiving data from the restricted datasets (Art. 19: tell them).
    recipients: list[str] = field(default_factory=list)


def restrict(
    loaded: Loaded,
    identities: Sequence[Identity],
    *,
    settings: Settings,
    reason: str = "the person asked for processing to be restricted",
    connectors: Mapping[str, Connector] | None = None,
    now: datetime | None = None,
    request_id: str | None = None,
    store: Engine | None = None,
    actor: str = "pledge",
    choices: Choices | None = None,
) -> RestrictionResult:
    """Restrict processing of the person's data everywhere the plan reaches."""
    now = now or datetime.now(UTC)
    with open_subject(loaded, identities, settings, connectors, store, choices=choices) as subject:
        result = _apply(subject, True)
        with session_factory(subject.engine).begin() as session:
            for dotted in result.registered:
                system, _, dataset = dotted.partition(".")
                session.add(
                    Restriction(
                        created_at=now,
                        identity_hashes=_flat(subject.hashed),
                        system=system,
                        dataset=dataset,
                        row_keys=None,
                        reason=reason,
                        origin="request",
                        request_id=request_id,
                    )
                )
            audit(
                session,
                actor=actor,
                action="restriction.set",
                subject=request_id,
                details={"flagged": result.flagged, "registered": result.registered},
            )
    return result


def lift_restriction(
    loaded: Loaded,
    identities: Sequence[Identity],
    *,
    settings: Settings,
    told_at: datetime | None,
    lifted_by: str,
    connectors: Mapping[str, Connector] | None = None,
    now: datetime | None = None,
    request_id: str | None = None,
    store: Engine | None = None,
) -> RestrictionResult:
    """Lift a restriction the person asked for; ``told_at`` is when they were told, first."""
    now = now or datetime.now(UTC)
    if told_at is None:
        raise RestrictionRefused(
            "the person must be told before a restriction is lifted (UK GDPR Art. 18(3)); "
            "give the date and time they were told"
        )
    if told_at > now:
        raise RestrictionRefused(
            f"the person was told on {told_at:%d %B %Y %H:%M}, after the lift "
            f"({now:%d %B %Y %H:%M}); they must be told first"
        )
    with open_subject(loaded, identities, settings, connectors, store) as subject:
        result = _apply(subject, False)
        hashes = set(_flat(subject.hashed))
        with session_factory(subject.engine).begin() as session:
            for row in active(session, hashes):
                if row.origin == "request":
                    session.add(
                        RestrictionLift(
                            restriction_id=row.id,
                            lifted_at=now,
                            told_at=told_at,
                            lifted_by=lifted_by,
                        )
                    )
            audit(
                session,
                actor=lifted_by,
                action="restriction.lifted",
                subject=request_id,
                details={"told_at": told_at.isoformat(), "flagged": result.flagged},
            )
    return result


def active(session: Session, hashes: set[str]) -> list[Restriction]:
    """Restrictions in force for anyone with one of these identity hashes."""
    rows = session.scalars(sa.select(Restriction).where(restriction_in_force())).all()
    return [r for r in rows if hashes & set(r.identity_hashes)]


def is_restricted(engine: Engine, identity: Identity, key: str | None) -> bool:
    """Whether Pledge's register holds a restriction in force for this person."""
    wanted = {ledger.identity_hash(key, identity.kind, identity.value)}
    with session_factory(engine).begin() as session:
        check_key(session, (key or "").encode())
        return bool(active(session, wanted))


def register_rows(
    session: Session,
    work: Work,
    hashed: dict[str, list[str]],
    request_id: str | None,
    *,
    at: datetime,
) -> None:
    """Record the rows an erasure kept back, so restricting them never depends on memory.

    Rows an earlier erasure registered, and that are still restricted, are not registered
    again: erasing the same person twice leaves the register as it was.
    """
    held: set[tuple[str, str]] = set()
    if work.outcome.kept:
        standing = session.scalars(
            sa.select(Restriction).where(
                Restriction.system == work.system,
                Restriction.dataset == work.dataset,
                Restriction.origin == "erasure-exemption",
                restriction_in_force(),
            )
        )
        held = {(r.reason, repr(k)) for r in standing for k in r.row_keys or ()}
    for kept in work.outcome.kept:
        reason = f"{kept.rule}: {kept.reason}" + (
            "" if kept.restricted_by == REGISTER else f" (flagged by {kept.restricted_by})"
        )
        keys = [_json(k) for k in work.kept_keys.get(kept.rule, [])]
        new = [k for k in keys if (reason, repr(k)) not in held]
        if keys and not new:
            continue
        session.add(
            Restriction(
                created_at=at,
                identity_hashes=_flat(hashed),
                system=work.system,
                dataset=work.dataset,
                row_keys=new,
                reason=reason,
                origin="erasure-exemption",
                request_id=request_id,
            )
        )


def _apply(subject: Subject, flag: bool) -> RestrictionResult:
    result = RestrictionResult()
    declaration = subject.loaded.declaration
    writes: dict[str, list[Write]] = {}
    touched: set[str] = set()
    for found in subject.found.values():
        step = found.step
        if not found.rows:
            continue
        touched.add(step.dotted)
        column = declaration.systems[step.system].datasets[step.dataset].restriction_column
        if column is None:
            result.registered.append(step.dotted)
            continue
        writes.setdefault(step.system, []).extend(_flag_writes(found, column, flag, subject))
        result.flagged[step.dotted] = len(found.rows)
    for system, batch in writes.items():
        subject.connectors[system].execute(batch)  # one transaction per system
    for purpose in declaration.purposes.values():
        if touched & set(purpose.datasets):
            result.recipients.extend(r for r in purpose.recipients if r not in result.recipients)
    return result


def _flag_writes(found: Found, column: str, flag: bool, subject: Subject) -> list[Write]:
    step = found.step
    pk = step.primary_key
    if pk is None:
        if found.skipped or found.shared:
            raise RestrictionRefused(
                f"{step.dotted} declares no single primary key, and the values that find the "
                "person's rows there also find rows that are not theirs alone; declare the "
                "key; nothing was changed"
            )
        folds = {m.field: m.fold_case for m in step.matches}
        return [
            Update(step.dataset, f, values, set_to={column: flag}, fold_case=folds.get(f, False))
            for f, values in found.queried.items()
            if values
        ]
    # A row shared with other people (their common address) is not flagged for one of them.
    keys = [r[pk] for r in found.owned_rows]
    if not flag:
        # Rows an erasure kept under a retention rule stay restricted whatever the person asks,
        # however they are identified now (the identities of the erasure may be gone).
        with session_factory(subject.engine)() as session:
            rows = session.scalars(
                sa.select(Restriction.row_keys).where(
                    restriction_in_force(),
                    Restriction.origin == "erasure-exemption",
                    Restriction.system == step.system,
                    Restriction.dataset == step.dataset,
                )
            ).all()
        held = {k for keys in rows for k in keys or []}
        keys = [k for k in keys if _json(k) not in held]
    return [Update(step.dataset, pk, keys, set_to={column: flag})] if keys else []


def _flat(hashed: dict[str, list[str]]) -> list[str]:
    return sorted({h for hashes in hashed.values() for h in hashes})


def _json(value: Any) -> Any:
    return value if isinstance(value, int | str | float) or value is None else str(value)
