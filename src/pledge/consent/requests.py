"""Erasures and restrictions made through data subject requests, carried onto the suppression
list so that screening and ``may_contact`` refuse those people with the right reason.

The request side keeps its own records (the erasure ledger, the restriction register) under
the same keyed hashes as the consent ledger, so nothing needs the plain identifiers again.
:func:`sync` is idempotent: it adds what is missing and lifts the suppression of restrictions
that have since been lifted. Objections to direct marketing need no sync: the request side
records them through :func:`pledge.consent.optout.object_to_marketing` as they happen.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pledge.consent.suppression import suppress_hash
from pledge.store.consent_tables import SuppressionLiftRow, SuppressionRow, suppression_in_force
from pledge.store.erasure_tables import ErasureLedgerEntry, Restriction, restriction_in_force
from pledge.store.tables import utc_now


@dataclass(frozen=True)
class Synced:
    """How many suppression entries a sync added or lifted."""

    erased: int
    restricted: int
    lifted: int


def _active(session: Session, reason: str, source: str | None = None) -> set[str]:
    query = sa.select(SuppressionRow.identity_hash).where(
        SuppressionRow.reason == reason, suppression_in_force()
    )
    if source is not None:
        query = query.where(SuppressionRow.source == source)
    return set(session.scalars(query))


def sync(session: Session, actor: str = "pledge") -> Synced:
    """Bring the suppression list in line with erasures and restrictions, in one transaction."""
    erased: dict[str, str] = {}
    for identities in session.scalars(sa.select(ErasureLedgerEntry.identities)):
        for kind, hashes in identities.items():
            erased.update(dict.fromkeys(hashes, kind))
    restricted: set[str] = set()
    in_force = sa.select(Restriction.identity_hashes).where(restriction_in_force())
    for hashes in session.scalars(in_force):
        restricted.update(hashes)
    known_erased, known_restricted = _active(session, "erasure"), _active(session, "restriction")
    for identity_hash in erased.keys() - known_erased:
        suppress_hash(
            session,
            identity_hash,
            erased[identity_hash],
            reason="erasure",
            source="request",
            actor=actor,
        )
    for identity_hash in restricted - known_restricted:
        suppress_hash(
            session, identity_hash, "unknown", reason="restriction", source="request", actor=actor
        )
    # Only entries this sync made are lifted here; one set by hand is lifted by hand.
    stale = _active(session, "restriction", "request") - restricted
    if stale:
        lifted = session.scalars(
            sa.select(SuppressionRow).where(
                SuppressionRow.source == "request",
                SuppressionRow.reason == "restriction",
                suppression_in_force(),
                SuppressionRow.identity_hash.in_(stale),
            )
        ).all()
        for row in lifted:
            session.add(
                SuppressionLiftRow(
                    suppression_id=row.id,
                    at=utc_now(),
                    because="the restriction was lifted through its request",
                    actor=actor,
                )
            )
    return Synced(len(erased.keys() - known_erased), len(restricted - known_restricted), len(stale))
