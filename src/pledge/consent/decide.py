"""One contact decided against the store: gather the facts, then ask the pure rules.

The facts for one identifier are three indexed reads (consent ledger, suppression, registers);
the decision itself is :func:`pledge.rules.consent.may_contact`.
"""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pledge.consent.ledger import STATUS
from pledge.rules.consent import (
    Basis,
    Channel,
    ConsentStatus,
    Decision,
    Facts,
    SoftOptIn,
    may_contact,
)
from pledge.subjects.hashing import Hasher
from pledge.subjects.identity import IdentityInvalid, normalise

#: The soft opt-in conditions as the ledger keeps them: all held, or not.
_HELD, _NOT_HELD = SoftOptIn(True, True, True), SoftOptIn(False, False, False)


def _lookup(with_stream: bool) -> sa.TextClause:
    stream = "AND e.stream IN (:stream, '*')" if with_stream else ""
    # One round trip: a decision is asked per person, and most of its cost was per statement.
    # The state is read from the consent ledger itself, not from consent_state derived from
    # it: an edited state row ("granted" after a withdrawal) is never acted on.
    status = " ".join(f"WHEN '{action}' THEN '{state}'" for action, state in STATUS.items())
    return sa.text(
        f"SELECT 'state', CASE e.action {status} END, e.basis, e.soft_opt_in_valid, e.id "
        "FROM consent_event e WHERE e.identity_hash = :hash AND e.purpose IN (:purpose, '*') "
        f"AND e.channel IN (:channel, '*') {stream} "
        "AND NOT EXISTS (SELECT 1 FROM consent_event n WHERE n.identity_hash = e.identity_hash "
        "AND n.purpose = e.purpose AND n.channel = e.channel AND n.stream = e.stream "
        "AND n.id > e.id) "
        "UNION ALL SELECT 'suppression', reason, NULL, NULL, NULL FROM suppression "
        "WHERE identity_hash = :hash AND NOT EXISTS "
        "(SELECT 1 FROM suppression_lift WHERE suppression_id = suppression.id) "
        # The register's key is (register, number): naming both registers lets every engine
        # seek the key instead of scanning twenty million numbers.
        "UNION ALL SELECT 'register', register, NULL, NULL, NULL FROM register_number "
        "WHERE register IN ('tps', 'ctps') AND number = :number"
    )


_LOOKUP = {True: _lookup(True), False: _lookup(False)}


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
    parameters = {
        "hash": hasher.hash(kind, normalised),
        "purpose": purpose,
        "channel": channel,
        "stream": stream,
        # Registers matter only for calls to a phone number.
        "number": normalised if channel == "phone" and kind == "phone" else "",
    }
    rows = session.execute(_LOOKUP[stream is not None], parameters).all()
    states = [row for row in rows if row[0] == "state"]
    reasons = {row[1] for row in rows if row[0] == "suppression"}
    on = {row[1] for row in rows if row[0] == "register"}
    consents = [row for row in states if row[1] in ("granted", "withdrawn")]
    # The latest grant or withdrawal that covers the campaign decides.
    latest = max(consents, key=lambda row: int(row[4]), default=None)
    status = None if latest is None else cast(ConsentStatus, latest[1])
    basis = cast(Basis, latest[2]) if latest is not None and latest[2] else "consent"
    held = latest is not None and bool(latest[3])
    return Facts(
        channel,
        consent=status,
        basis=basis,
        soft_opt_in=_HELD if held else _NOT_HELD,
        objected=any(row[1] == "objected" for row in states),
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
