"""Objection (Art. 21): to direct marketing it is absolute; to other processing a DPO decides.

An objection to direct marketing is recorded at once (status ``recorded``) and handed, in
the same transaction, to the consent capability: an event in its ledger and the person's
identifiers on the suppression list (``applied_at`` says when). An objection to
other processing waits for the DPO (``awaiting-decision``) with its own due date under the
request clock's rules (one calendar month, weekends and bank holidays moved on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pledge.declaration import Loaded
from pledge.dsr import ledger
from pledge.dsr.subject import check_store
from pledge.rules.deadline import due_date
from pledge.settings import Settings
from pledge.store.database import audit, make_engine, session_factory
from pledge.store.erasure_tables import Objection
from pledge.subjects.identity import Identity

Kind = Literal["direct-marketing", "processing"]
#: Lawful bases an Art. 21(1) objection is about; others are recorded with a note for the DPO.
OBJECTABLE = ("legitimate-interests", "public-task")


#: Records a marketing objection for the consent capability: (session, settings, identities,
#: actor), inside the objection's own transaction.
MarketingObjection = Callable[[Session, Settings, Sequence[Identity], str], None]


class ObjectionRefused(ValueError):
    """An objection that cannot be recorded as given (unknown purpose, decided twice)."""


def object_to(
    loaded: Loaded,
    identities: Sequence[Identity],
    *,
    settings: Settings,
    to: Kind,
    purpose: str | None = None,
    channels: Sequence[str] = (),
    grounds: str | None = None,
    request_id: str | None = None,
    now: datetime | None = None,
    store: Engine | None = None,
    actor: str = "pledge",
    marketing: MarketingObjection | None = None,
) -> Objection:
    """Record an objection; to direct marketing it also reaches the consent capability.

    ``marketing`` records a marketing objection in the consent capability, in the same
    transaction (:func:`pledge.services.objection.object_to` passes it): requests do not
    import consent. An objection to direct marketing without it is refused, not half done.
    """
    now = now or datetime.now(UTC)
    if to == "direct-marketing" and marketing is None:
        raise ObjectionRefused(
            "an objection to direct marketing must reach the consent ledger and suppression "
            "list; call pledge.services.objection.object_to, which connects them"
        )
    declaration = loaded.declaration
    hashes = sorted(
        {h for hs in ledger.hash_identities(identities, settings.hash_key).values() for h in hs}
    )
    note = None
    if to == "processing":
        if purpose is None:
            raise ObjectionRefused("an objection to processing names the purpose objected to")
        if purpose not in declaration.purposes:
            known = ", ".join(declaration.purposes) or "none declared"
            raise ObjectionRefused(f"'{purpose}' is not a declared purpose (purposes: {known})")
        basis = declaration.purposes[purpose].lawful_basis
        if basis not in OBJECTABLE:
            note = f"purpose '{purpose}' relies on {basis}, not on Art. 6(1)(e) or (f)"
    elif not channels and declaration.marketing is not None:
        channels = list(declaration.marketing.channels)
    rights = declaration.rights
    row = Objection(
        at=now,
        identity_hashes=hashes,
        kind=to,
        purpose=purpose,
        channels=list(channels),
        grounds=grounds,
        request_id=request_id,
        status="recorded" if to == "direct-marketing" else "awaiting-decision",
        due_on=None
        if to == "direct-marketing"
        else due_date(now.date(), rule=rights.deadline, region=rights.holidays),
    )
    engine = store or make_engine(settings, loaded.folder)
    try:
        check_store(engine, settings.hash_key)
        with session_factory(engine).begin() as session:
            session.add(row)
            if to == "direct-marketing":
                assert marketing is not None
                marketing(session, settings, identities, actor)
                row.applied_at = now
            audit(
                session,
                actor=actor,
                action=f"objection.{to}",
                subject=request_id,
                details={
                    "identity_hashes": hashes,
                    "purpose": purpose,
                    "channels": list(channels),
                    "due_on": str(row.due_on),
                    "note": note,
                },
            )
    finally:
        if store is None:
            engine.dispose()
    return row


def decide(
    engine: Engine,
    objection_id: int,
    *,
    upheld: bool,
    decided_by: str,
    decision: str,
    now: datetime | None = None,
) -> Objection:
    """The DPO's decision on an objection to processing: upheld (stop) or rejected (why)."""
    now = now or datetime.now(UTC)
    with session_factory(engine).begin() as session:
        row = session.get(Objection, objection_id)
        if row is None:
            raise ObjectionRefused(f"there is no objection {objection_id}")
        if row.status != "awaiting-decision":
            raise ObjectionRefused(f"objection {objection_id} is {row.status}, not awaiting one")
        if not decision.strip():
            raise ObjectionRefused("a decision says why, so the person can be told")
        row.status = "upheld" if upheld else "rejected"
        row.decided_at, row.decided_by, row.decision = now, decided_by, decision
        audit(
            session,
            actor=decided_by,
            action=f"objection.{row.status}",
            subject=row.request_id,
            details={"objection": objection_id, "decision": decision},
        )
    return row


def awaiting(engine: Engine) -> list[Objection]:
    """Objections waiting for the DPO, soonest due first."""
    with session_factory(engine)() as session:
        return list(
            session.scalars(
                sa.select(Objection)
                .where(Objection.status == "awaiting-decision")
                .order_by(Objection.due_on, Objection.id)
            )
        )
