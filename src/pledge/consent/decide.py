"""One contact decided against the store: gather the facts, then ask the pure rules.

The facts for one identifier are three indexed reads (consent state, suppression, registers);
the decision itself is :func:`pledge.rules.consent.may_contact`.
"""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pledge.consent.hashing import Hasher
from pledge.consent.ledger import ALL
from pledge.consent.suppression import active
from pledge.dsr.identity import IdentityInvalid, normalise
from pledge.rules.consent import (
    Basis,
    Channel,
    ConsentStatus,
    Decision,
    Facts,
    SoftOptIn,
    may_contact,
)
from pledge.store.consent_tables import ConsentStateRow, RegisterNumberRow

#: The soft opt-in conditions as the ledger keeps them: all held, or not.
_HELD, _NOT_HELD = SoftOptIn(True, True, True), SoftOptIn(False, False, False)


def facts(
    session: Session,
    hasher: Hasher,
    kind: str,
    value: str,
    *,
    purpose: str,
    channel: Channel,
    stream: str | None = None,
) -> Facts:
    """What the store knows about one identifier for one purpose, channel and stream.

    ``stream`` None means any stream: a withdrawal in either one counts.
    """
    try:
        normalised = normalise(kind, value)
    except IdentityInvalid:
        return Facts(channel, identifier_valid=False)
    identity_hash = hasher.hash(kind, normalised)
    state = ConsentStateRow
    query = sa.select(state).where(
        state.identity_hash == identity_hash,
        state.purpose.in_((purpose, ALL)),
        state.channel.in_((channel, ALL)),
    )
    if stream is not None:
        query = query.where(state.stream.in_((stream, ALL)))
    rows = session.scalars(query).all()
    consents = [row for row in rows if row.status in ("granted", "withdrawn")]
    # The latest grant or withdrawal that covers the campaign decides.
    latest = max(consents, key=lambda row: row.last_event_id, default=None)
    reasons = active(session, identity_hash)
    on: set[str] = set()
    if channel == "phone" and kind == "phone":
        numbers = sa.select(RegisterNumberRow.register).where(
            RegisterNumberRow.number == normalised
        )
        on = set(session.scalars(numbers))
    status = None if latest is None else cast(ConsentStatus, latest.status)
    basis = cast(Basis, latest.basis) if latest is not None and latest.basis else "consent"
    held = latest is not None and latest.soft_opt_in_valid
    return Facts(
        channel,
        consent=status,
        basis=basis,
        soft_opt_in=_HELD if held else _NOT_HELD,
        objected=any(row.status == "objected" for row in rows),
        restricted="restriction" in reasons,
        erased="erasure" in reasons,
        suppressed=bool(reasons - {"restriction", "erasure"}),
        on_tps="tps" in on,
        on_ctps="ctps" in on,
    )


def decide(
    session: Session,
    hasher: Hasher,
    kind: str,
    value: str,
    *,
    purpose: str,
    channel: Channel,
    stream: str | None = None,
) -> Decision:
    """May we contact this identifier? ``may_contact`` on the store's facts.

    >>> decide(session, hasher, "email", "ann@example.com", purpose="news", channel="email")
    ... # doctest: +SKIP
    Decision(allowed=True, reason=<Reason.CONSENT: 'consent'>, explanation='...')
    """
    found = facts(session, hasher, kind, value, purpose=purpose, channel=channel, stream=stream)
    return may_contact(found)
