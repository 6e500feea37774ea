"""Opt-out propagation: every withdrawal must reach each downstream system by a deadline.

:func:`pledge.consent.ledger.record` opens one item per system when it records a withdrawal
or an objection, due the declaration's ``honour_opt_out_within`` after it. A system (or the
person running it) confirms when the withdrawal is applied; until then it is pending, and
overdue after its deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pledge.store.consent_tables import ConsentEventRow, OptOutPropagationRow
from pledge.store.tables import utc_now


class NotPending(Exception):
    """No unconfirmed item for that event and system."""


@dataclass(frozen=True)
class Pending:
    """One withdrawal a system has not confirmed yet."""

    system: str
    event: ConsentEventRow
    deadline: datetime
    overdue: bool


def pending(session: Session, now: datetime | None = None) -> list[Pending]:
    """Every unconfirmed item, the earliest deadline first."""
    now = now or utc_now()
    query = (
        sa.select(OptOutPropagationRow, ConsentEventRow)
        .join(ConsentEventRow, ConsentEventRow.id == OptOutPropagationRow.event_id)
        .where(OptOutPropagationRow.confirmed_at.is_(None))
        .order_by(OptOutPropagationRow.deadline, OptOutPropagationRow.system)
    )
    return [
        Pending(item.system, event, item.deadline, item.deadline < now)
        for item, event in session.execute(query).all()
    ]


def confirm(session: Session, event_id: int, system: str, actor: str) -> OptOutPropagationRow:
    """Record that ``system`` has applied withdrawal ``event_id``."""
    item = session.get(OptOutPropagationRow, (event_id, system))
    if item is None or item.confirmed_at is not None:
        raise NotPending(f"no pending opt-out {event_id} for system {system!r}")
    item.confirmed_at, item.confirmed_by = utc_now(), actor
    return item
