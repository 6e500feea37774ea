"""Legal holds in Pledge's store: set, release, list; every change is audited.

A hold is never deleted: releasing it stamps who and when, so the record shows what was
kept, for whom, and why, for as long as the store is kept.
"""

from __future__ import annotations

from datetime import datetime

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.rules.retention import Hold
from pledge.store import audit, session_factory
from pledge.store.retention_tables import RetentionHoldRow
from pledge.store.tables import utc_now
from pledge.subjects.identity import IdentityInvalid, normalise, stored_forms


class HoldError(ValueError):
    """A hold request that cannot be honoured (no target, unknown hold, already released)."""


def place(
    engine: Engine,
    *,
    reason: str,
    set_by: str,
    dataset: str | None = None,
    identity: str | None = None,
    value: str | None = None,
    expires_at: datetime | None = None,
) -> Hold:
    """Set a hold on a subject (``identity`` and ``value``) or on a ``dataset``."""
    if (dataset is None) == (identity is None):
        raise HoldError("a hold is on a subject (--subject KIND=VALUE) or a dataset, not both")
    if identity is not None and not value:
        raise HoldError("a subject hold needs a value: --subject customer_id=1042")
    if not reason.strip():
        raise HoldError("a hold needs a reason (--reason 'billing dispute #88')")
    if identity is not None and value:
        # Stored normalised (an email lower-cased, a phone in E.164), matched in every form.
        try:
            value = normalise(identity, value)
        except IdentityInvalid as exc:
            raise HoldError(str(exc)) from None
    row = RetentionHoldRow(
        dataset=dataset,
        identity=identity,
        value=value,
        reason=reason,
        set_by=set_by,
        expires_at=expires_at,
    )
    with session_factory(engine).begin() as session:
        session.add(row)
        session.flush()
        hold = _hold(row)
        audit(
            session,
            actor=set_by,
            action="retention.hold.placed",
            subject=hold.subject if identity else dataset,
            details={"hold": row.id, "reason": reason, "expires_at": _iso(expires_at)},
        )
    return hold


def release(engine: Engine, hold_id: int, *, released_by: str) -> Hold:
    """Lift a hold; the next sweep may remove what it kept."""
    with session_factory(engine).begin() as session:
        row = session.get(RetentionHoldRow, hold_id)
        if row is None:
            raise HoldError(f"there is no hold #{hold_id}; `pledge retention hold list` shows them")
        if row.released_at is not None:
            raise HoldError(f"hold #{hold_id} was already released by {row.released_by}")
        row.released_at, row.released_by = utc_now(), released_by
        hold = _hold(row)
        audit(
            session,
            actor=released_by,
            action="retention.hold.released",
            subject=hold.subject if row.identity else row.dataset,
            details={"hold": hold_id, "reason": row.reason},
        )
    return hold


def in_force(engine: Engine, now: datetime) -> list[Hold]:
    """Holds not released and not expired at ``now``."""
    return [hold for hold in listed(engine) if hold.active(now)]


def listed(engine: Engine, include_released: bool = False) -> list[Hold]:
    """Every hold, oldest first; released ones only when asked."""
    query = sa.select(RetentionHoldRow).order_by(RetentionHoldRow.id)
    if not include_released:
        query = query.where(RetentionHoldRow.released_at.is_(None))
    with session_factory(engine)() as session:
        return [_hold(row) for row in session.scalars(query)]


def _hold(row: RetentionHoldRow) -> Hold:
    return Hold(
        id=row.id,
        reason=row.reason,
        set_by=row.set_by,
        dataset=row.dataset,
        identity=row.identity,
        value=row.value,
        expires_at=row.expires_at,
        forms=_forms(row.identity, row.value),
    )


def _forms(identity: str | None, value: str | None) -> tuple[str, ...]:
    if identity is None or value is None:
        return ()
    try:
        return tuple(stored_forms(identity, value))
    except phonenumbers.NumberParseException:  # stored before normalisation: as written
        return (value,)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
