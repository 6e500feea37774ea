"""Erasures and restrictions from data subject requests reach the suppression list."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.consent.decide import decide
from pledge.consent.ledger import Change, record
from pledge.consent.requests import sync
from pledge.consent.suppression import suppress
from pledge.store.database import session_factory
from pledge.store.erasure_tables import ErasureLedgerEntry, Restriction, RestrictionLift
from pledge.store.tables import utc_now
from pledge.subjects.hashing import Hasher

ANN, BOB, CAT = "ann@example.com", "bob@example.com", "cat@example.com"


def reason(engine: Engine, hasher: Hasher, email: str) -> str:
    with session_factory(engine)() as session:
        found = decide(session, hasher, "email", email, purpose="news", channel="email")
    return found.reason.value


def test_erasure_and_restriction_are_carried_and_lifted(engine: Engine, hasher: Hasher) -> None:
    with session_factory(engine).begin() as session:
        for email in (ANN, BOB, CAT):
            record(
                session, hasher, Change("email", email, "grant", "news", "email", basis="consent")
            )
        session.add(
            ErasureLedgerEntry(
                erasure_id="e1",
                identities={"email": [hasher.hash("email", ANN)]},
                system="crm",
                dataset="customer",
                action="delete",
                rows=1,
                details={},
            )
        )
        session.add(
            Restriction(
                identity_hashes=[hasher.hash("email", BOB)],
                system="crm",
                dataset="customer",
                reason="accuracy contested",
                origin="request",
            )
        )
        suppress(session, hasher, "email", CAT, reason="restriction")
    with session_factory(engine).begin() as session:
        first = sync(session)
        assert (first.erased, first.restricted, first.lifted) == (1, 1, 0)
    assert [reason(engine, hasher, e) for e in (ANN, BOB, CAT)] == [
        "erased",
        "restricted",
        "restricted",
    ]
    with session_factory(engine).begin() as session:
        again = sync(session)
        assert (again.erased, again.restricted, again.lifted) == (0, 0, 0)
        for restriction in session.scalars(sa.select(Restriction)):
            session.add(
                RestrictionLift(
                    restriction_id=restriction.id,
                    lifted_at=utc_now(),
                    told_at=utc_now(),
                    lifted_by="dpo",
                )
            )
    with session_factory(engine).begin() as session:
        assert sync(session).lifted == 1
    # The hand-made restriction stays until lifted by hand.
    assert [reason(engine, hasher, e) for e in (ANN, BOB, CAT)] == [
        "erased",
        "consent",
        "restricted",
    ]
