"""The ledger appends, never rewrites; its state is what replaying the events gives."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pledge.consent.ledger import Change, LedgerIsAppendOnly, record, replay
from pledge.rules.consent import SoftOptIn
from pledge.store.consent_tables import ConsentEventRow, ConsentStateRow, OptOutPropagationRow
from pledge.store.database import session_factory
from pledge.subjects.hashing import Hasher


def states(session: Session) -> set[tuple[object, ...]]:
    rows = session.execute(
        sa.select(
            ConsentStateRow.identity_hash,
            ConsentStateRow.purpose,
            ConsentStateRow.channel,
            ConsentStateRow.stream,
            ConsentStateRow.status,
            ConsentStateRow.basis,
            ConsentStateRow.soft_opt_in_valid,
            ConsentStateRow.last_event_id,
        )
    )
    return {tuple(row) for row in rows}


def test_latest_event_per_key_is_the_state(engine: Engine, hasher: Hasher) -> None:
    with session_factory(engine).begin() as session:
        record(
            session,
            hasher,
            Change(
                "email", "Ann@Example.com", "grant", "news", "email", "residential", basis="consent"
            ),
        )
        record(
            session,
            hasher,
            Change("email", "ann@example.com ", "withdraw", "news", "email", "residential"),
        )
        record(
            session,
            hasher,
            Change(
                "email", "ann@example.com", "grant", "news", "email", "business", basis="consent"
            ),
        )
    with session_factory(engine)() as session:
        found = {(row[3], row[4]) for row in states(session)}
    assert found == {("residential", "withdrawn"), ("business", "granted")}


def test_no_plain_identifier_is_stored(engine: Engine, hasher: Hasher) -> None:
    with session_factory(engine).begin() as session:
        record(
            session,
            hasher,
            Change("phone", "07911 123456", "grant", "offers", "sms", basis="consent"),
        )
    with engine.connect() as connection:
        dumped = str(connection.execute(sa.text("SELECT * FROM consent_event")).all())
        dumped += str(connection.execute(sa.text("SELECT * FROM consent_state")).all())
    assert "7911" not in dumped
    assert hasher.hash("phone", "+447911123456") in dumped


def test_events_cannot_be_changed_or_deleted(engine: Engine, hasher: Hasher) -> None:
    with session_factory(engine).begin() as session:
        event = record(
            session,
            hasher,
            Change("email", "a@b.example", "grant", "news", "email", basis="consent"),
        )
    with session_factory(engine)() as session:
        row = session.get(ConsentEventRow, event.id)
        assert row is not None
        row.action = "withdraw"
        with pytest.raises(LedgerIsAppendOnly):
            session.flush()
        session.rollback()
        session.delete(session.get(ConsentEventRow, event.id))
        with pytest.raises(LedgerIsAppendOnly):
            session.flush()
        session.rollback()
        with pytest.raises(LedgerIsAppendOnly):
            session.execute(sa.delete(ConsentEventRow))
        with pytest.raises(LedgerIsAppendOnly):
            session.execute(sa.update(ConsentEventRow).values(action="withdraw"))
    # SQL that bypasses the ORM meets the database's own triggers.
    for statement in ("UPDATE consent_event SET action = 'withdraw'", "DELETE FROM consent_event"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(sa.text(statement))
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT action FROM consent_event")).scalar() == "grant"


def test_withdrawal_opens_propagation_per_system(engine: Engine, hasher: Hasher) -> None:
    with session_factory(engine).begin() as session:
        event = record(
            session,
            hasher,
            Change("email", "a@b.example", "withdraw", "news", "email"),
            systems=["crm", "mailer"],
            honour_within=timedelta(days=28),
        )
    with session_factory(engine)() as session:
        items = session.scalars(sa.select(OptOutPropagationRow)).all()
    assert {item.system for item in items} == {"crm", "mailer"}
    assert all(item.deadline - event.at == timedelta(days=28) for item in items)


ACTIONS = st.sampled_from(["grant", "withdraw", "object", "lift-objection"])
CHANGES = st.builds(
    lambda who, action, purpose, channel, stream, soft: Change(
        "email",
        f"person{who}@example.com",
        action,
        purpose,
        channel,
        stream,
        basis=("soft-opt-in" if soft else "consent") if action == "grant" else None,
        soft_opt_in=SoftOptIn(True, soft % 2 == 0, True) if soft else None,
    ),
    st.integers(0, 3),
    ACTIONS,
    st.sampled_from(["news", "offers", "*"]),
    st.sampled_from(["email", "sms", "*"]),
    st.sampled_from(["residential", "business", "*"]),
    st.integers(0, 3),
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(changes=st.lists(CHANGES, max_size=25))
def test_replay_gives_the_same_state(engine: Engine, hasher: Hasher, changes: list[Change]) -> None:
    with session_factory(engine).begin() as session:
        # Examples share the store (events cannot be deleted): the state covers them all.
        for change in changes:
            record(session, hasher, change)
        before = states(session)
        replay(session)
        assert states(session) == before
