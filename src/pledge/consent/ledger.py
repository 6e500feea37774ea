"""The consent ledger: append-only events, and the current state derived from them.

Every grant, withdrawal and objection is a new ``consent_event`` row; nothing rewrites one.
The ``consent_state`` table keeps the latest event per (identity, purpose, channel, stream) so
a decision is a few indexed reads; :func:`replay` rebuilds it from the events alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pledge.rules.consent import SoftOptIn
from pledge.store.append_only import AppendOnly, append_only
from pledge.store.consent_tables import ConsentEventRow, ConsentStateRow, OptOutPropagationRow
from pledge.store.tables import utc_now
from pledge.subjects.hashing import Hasher
from pledge.subjects.identity import normalise

#: Each action and the state it leaves.
STATUS = {
    "grant": "granted",
    "withdraw": "withdrawn",
    "object": "objected",
    "lift-objection": "cleared",
}
#: Stands for every purpose, channel or stream.
ALL = "*"


@dataclass(frozen=True)
class Change:
    """One consent change to record, as the person or a system asked for it."""

    kind: str
    value: str
    action: str
    purpose: str = ALL
    channel: str = ALL
    stream: str = ALL
    basis: str | None = None
    soft_opt_in: SoftOptIn | None = None
    source: str = "cli"
    evidence: dict[str, Any] = field(default_factory=dict)
    actor: str = "pledge"
    at: datetime | None = None


def record(
    session: Session,
    hasher: Hasher,
    change: Change,
    *,
    systems: Sequence[str] = (),
    honour_within: timedelta = timedelta(days=28),
) -> ConsentEventRow:
    """Append one event and bring the current state up to date, in the caller's transaction.

    A withdrawal or objection also opens one propagation item per downstream system in
    ``systems``, due ``honour_within`` after the event.
    """
    identity_hash = hasher.hash(change.kind, normalise(change.kind, change.value))
    return append(session, identity_hash, change, systems=systems, honour_within=honour_within)


def append(
    session: Session,
    identity_hash: str,
    change: Change,
    *,
    systems: Sequence[str] = (),
    honour_within: timedelta = timedelta(days=28),
) -> ConsentEventRow:
    """:func:`record` for an identifier known only by its hash (an unsubscribe token's)."""
    if change.action not in STATUS:
        raise ValueError(f"unknown consent action {change.action!r}; use {', '.join(STATUS)}")
    if change.action == "grant" and change.basis is None:
        raise ValueError("a grant needs its basis: consent, soft-opt-in or specific-agreement")
    evidence = dict(change.evidence)
    if change.soft_opt_in is not None:
        evidence["soft_opt_in"] = vars(change.soft_opt_in)
    event = ConsentEventRow(
        at=change.at or utc_now(),
        identity_hash=identity_hash,
        identity_kind=change.kind,
        purpose=change.purpose,
        channel=change.channel,
        stream=change.stream,
        action=change.action,
        basis=change.basis if change.action == "grant" else None,
        soft_opt_in_valid=change.soft_opt_in is not None and change.soft_opt_in.valid,
        source=change.source,
        evidence=evidence,
        actor=change.actor,
    )
    session.add(event)
    session.flush()  # the event's id orders the state
    _apply(session, event)
    if change.action in ("withdraw", "object"):
        for system in systems:
            session.add(
                OptOutPropagationRow(
                    event_id=event.id, system=system, deadline=event.at + honour_within
                )
            )
    return event


def _apply(session: Session, event: ConsentEventRow) -> None:
    key = (event.identity_hash, event.purpose, event.channel, event.stream)
    state = session.get(ConsentStateRow, key)
    if state is None:
        state = ConsentStateRow(
            identity_hash=event.identity_hash,
            purpose=event.purpose,
            channel=event.channel,
            stream=event.stream,
        )
        session.add(state)
    elif state.last_event_id > event.id:
        return
    state.status = STATUS[event.action]
    state.basis = event.basis
    state.soft_opt_in_valid = event.soft_opt_in_valid
    state.last_event_id = event.id
    state.updated_at = event.at


KEY = ("identity_hash", "purpose", "channel", "stream")


def latest_events(after: int = -1, *, with_time: bool = True) -> sa.Select[Any]:
    """The state as the ledger alone says it: the latest event per key, newer than ``after``.

    Columns: the key, status, basis, soft_opt_in_valid, the event's id, and (``with_time``)
    the event's time.
    """
    event, latest = ConsentEventRow.__table__, sa.alias(ConsentEventRow.__table__, "newer")
    is_latest = ~sa.exists().where(
        *(latest.c[name] == event.c[name] for name in KEY), latest.c.id > event.c.id
    )
    status = sa.case(*((event.c.action == a, s) for a, s in STATUS.items()))
    return sa.select(
        *(event.c[name] for name in KEY),
        status,
        event.c.basis,
        event.c.soft_opt_in_valid,
        event.c.id,
        *([event.c.at] if with_time else []),
    ).where(is_latest, event.c.id > after)


def replay(session: Session) -> int:
    """Rebuild ``consent_state`` from the events, set-based; returns the number of states."""
    key, rows = KEY, latest_events()
    state = ConsentStateRow.__table__
    session.execute(sa.delete(ConsentStateRow))
    columns = [*key, "status", "basis", "soft_opt_in_valid", "last_event_id", "updated_at"]
    session.execute(sa.insert(ConsentStateRow).from_select(columns, rows))
    return session.scalar(sa.select(sa.func.count()).select_from(state)) or 0


def history(session: Session, identity_hash: str) -> list[ConsentEventRow]:
    """Every event for one hashed identifier, oldest first."""
    query = sa.select(ConsentEventRow).where(ConsentEventRow.identity_hash == identity_hash)
    return list(session.scalars(query.order_by(ConsentEventRow.id)))


append_only(ConsentEventRow, "the consent ledger")

#: Kept under the name callers and tests know.
LedgerIsAppendOnly = AppendOnly
