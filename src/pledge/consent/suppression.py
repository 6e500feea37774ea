"""The suppression list: hashed identifiers never to be marketed to again.

Entries are never changed or deleted. Re-subscription lifts an entry only when the request
comes from the very identifier that was suppressed, and the lift is a new entry of its own with
the reason; a restriction is lifted by its request's process, never by a re-subscription.
"""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pledge.consent.ledger import ALL, Change, append
from pledge.store.consent_tables import (
    ConsentEventRow,
    SuppressionLiftRow,
    SuppressionRow,
    suppression_in_force,
)
from pledge.store.tables import utc_now
from pledge.subjects.hashing import Hasher
from pledge.subjects.identity import normalise

REASONS = ("opt-out", "objection", "erasure", "restriction", "complaint", "manual")
#: What a re-subscription from the same identifier may lift.
LIFTED_BY_RESUBSCRIBING = ("opt-out", "objection", "erasure", "complaint", "manual")


class ResubscribeRefused(Exception):
    """A re-subscription that does not come from the suppressed identifier itself."""


def suppress(
    session: Session,
    hasher: Hasher,
    kind: str,
    value: str,
    *,
    reason: str = "opt-out",
    source: str = "cli",
    actor: str = "pledge",
) -> SuppressionRow:
    """Put an identifier on the suppression list (once per reason), keeping only its hash."""
    identity_hash = hasher.hash(kind, normalise(kind, value))
    return suppress_hash(session, identity_hash, kind, reason=reason, source=source, actor=actor)


def suppress_hash(
    session: Session,
    identity_hash: str,
    kind: str,
    *,
    reason: str,
    source: str,
    actor: str,
) -> SuppressionRow:
    """:func:`suppress` for an identifier known only by its hash (an erasure's, say)."""
    if reason not in REASONS:
        raise ValueError(f"unknown suppression reason {reason!r}; use {', '.join(REASONS)}")
    found = session.scalars(
        sa.select(SuppressionRow).where(
            SuppressionRow.identity_hash == identity_hash,
            SuppressionRow.reason == reason,
            suppression_in_force(),
        )
    ).first()
    if found is not None:
        return found
    row = SuppressionRow(
        identity_hash=identity_hash,
        identity_kind=kind,
        reason=reason,
        source=source,
        actor=actor,
        at=utc_now(),
    )
    session.add(row)
    session.flush()  # the next lookup in this transaction must see it
    return row


def active(session: Session, identity_hash: str) -> set[str]:
    """The reasons an identifier is suppressed for now (empty: not suppressed)."""
    query = sa.select(SuppressionRow.reason).where(
        SuppressionRow.identity_hash == identity_hash, suppression_in_force()
    )
    return set(session.scalars(query))


def resubscribe(
    session: Session,
    hasher: Hasher,
    grant: Change,
    *,
    requested_from: tuple[str, str],
) -> ConsentEventRow:
    """Lift the suppression of ``grant``'s identifier and record the grant.

    ``requested_from`` is the (kind, value) the request came from: the address a confirmation
    link was sent to, the number an SMS came from. Anything else is refused.
    """
    identity_hash = hasher.hash(grant.kind, normalise(grant.kind, grant.value))
    asking = hasher.hash(requested_from[0], normalise(*requested_from))
    if asking != identity_hash:
        raise ResubscribeRefused(
            "re-subscription must come from the suppressed identifier itself; this request "
            "came from another one, so nothing was changed"
        )
    now = utc_now()
    entries = session.scalars(
        sa.select(SuppressionRow).where(
            SuppressionRow.identity_hash == identity_hash,
            suppression_in_force(),
            SuppressionRow.reason.in_(LIFTED_BY_RESUBSCRIBING),
        )
    ).all()
    for entry in entries:
        session.add(
            SuppressionLiftRow(
                suppression_id=entry.id,
                at=now,
                because=f"re-subscribed from the same {grant.kind} ({grant.source})",
                actor=grant.actor,
            )
        )
    if any(entry.reason == "objection" for entry in entries):
        lift = Change(
            grant.kind, grant.value, "lift-objection", ALL, ALL, ALL, source="resubscribe"
        )
        append(session, identity_hash, replace(lift, actor=grant.actor, at=now))
    return append(session, identity_hash, replace(grant, source="resubscribe", at=now))
