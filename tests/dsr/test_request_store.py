"""Requests in the store: logged, verified, paused, extended, finished; every move audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.declaration.model import Rights
from pledge.dsr import request_store as requests
from pledge.dsr.request import State, TransitionRefused
from pledge.rules.deadline import ClockError
from pledge.settings import Settings
from pledge.store import AuditEvent, make_engine, session_factory, upgrade

ENGINES = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]
RIGHTS = Rights(verification={"access": "email-code", "erasure": "email-code+account-number"})
WHO = "dpo@northwold.example"


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'pledge.sqlite'}")
    else:
        settings = Settings(database_url=request.getfixturevalue(f"{request.param}_url"))
    upgrade(settings)
    made = make_engine(settings)
    yield made
    made.dispose()


def audit_trail(engine: Engine, request_id: int) -> list[str]:
    with session_factory(engine)() as session:
        events = session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.subject == f"request:{request_id}")
            .order_by(AuditEvent.id)
        )
        return [event.action for event in events]


def test_an_access_request_from_receipt_to_complete(engine: Engine) -> None:
    logged = requests.open_request(
        engine,
        kind="access",
        identities={"email": ["ada@example.org"]},
        rights=RIGHTS,
        received_on=date(2026, 1, 20),
        actor=WHO,
    )
    assert logged.state is State.AWAITING_VERIFICATION
    assert logged.due is None  # the clock starts when identity is confirmed

    verified = requests.confirm_identity(
        engine,
        logged.id,
        on=date(2026, 1, 31),
        declared="email-code",
        passed=["email-code"],
        how="email-code (checked by Pledge)",
        actor=WHO,
    )
    assert verified.state is State.IN_PROGRESS
    assert verified.due == date(2026, 3, 2)  # no 31 Feb; 28 Feb 2026 is a Saturday

    done = requests.move(
        engine, logged.id, State.COMPLETE, actor=WHO, message="sent", outcome={"rows": 3}
    )
    assert done.state is State.COMPLETE and done.outcome == {"rows": 3}
    with pytest.raises(TransitionRefused):
        requests.move(engine, logged.id, State.IN_PROGRESS, actor=WHO)

    assert audit_trail(engine, logged.id) == [
        "request.received",
        "request.awaiting-verification",
        "request.in-progress",
        "request.complete",
    ]
    assert requests.get(engine, logged.id) == done


def test_no_verification_starts_the_clock_on_receipt(engine: Engine) -> None:
    logged = requests.open_request(
        engine,
        kind="access",
        identities={"email": ["ada@example.org"]},
        rights=Rights(deadline="28 days", holidays="scotland"),
        received_on=date(2026, 9, 3),
        actor=WHO,
    )
    assert logged.state is State.IN_PROGRESS
    assert logged.due == date(2026, 10, 1)


def test_pause_resume_extend_are_stored_and_audited(engine: Engine) -> None:
    logged = requests.open_request(
        engine,
        kind="access",
        identities={"phone": ["+447700900123"]},
        rights=Rights(),
        received_on=date(2026, 9, 9),
        actor=WHO,
    )
    with pytest.raises(ClockError, match="not paused"):
        requests.resume(engine, logged.id, on=date(2026, 9, 10), actor=WHO)
    stopped = requests.pause(
        engine, logged.id, on=date(2026, 9, 14), reason="which number?", actor=WHO
    )
    assert stopped.paused and stopped.due is None
    running = requests.resume(engine, logged.id, on=date(2026, 9, 24), actor=WHO)
    assert running.due == date(2026, 10, 19)
    longer = requests.extend(
        engine, logged.id, reason="ten years of records", told_on=date(2026, 10, 1), actor=WHO
    )
    # Three months from 9 Sep is 9 Dec, plus the ten paused days.
    assert longer.due == date(2026, 12, 21)  # 19 Dec 2026 is a Saturday
    assert audit_trail(engine, logged.id)[-3:] == [
        "request.paused",
        "request.resumed",
        "request.extended",
    ]
    with pytest.raises(ClockError, match="one extension"):
        requests.extend(engine, logged.id, reason="again", told_on=date(2026, 10, 2), actor=WHO)


def test_clock_changes_need_a_started_clock(engine: Engine) -> None:
    logged = requests.open_request(
        engine,
        kind="erasure",
        identities={"email": ["ada@example.org"]},
        rights=RIGHTS,
        received_on=date(2026, 9, 9),
        actor=WHO,
    )
    with pytest.raises(ClockError, match="has not started"):
        requests.pause(engine, logged.id, on=date(2026, 9, 10), reason="clarify", actor=WHO)
    with pytest.raises(requests.RequestNotFound, match="there is no request 999"):
        requests.get(engine, 999)


def test_listing_puts_open_requests_first_by_due_date(engine: Engine) -> None:
    def log(received: date) -> int:
        return requests.open_request(
            engine,
            kind="access",
            identities={"email": [f"{received}@example.org"]},
            rights=Rights(),
            received_on=received,
            actor=WHO,
        ).id

    late, early, finished = log(date(2026, 9, 20)), log(date(2026, 9, 1)), log(date(2026, 8, 1))
    requests.move(engine, finished, State.COMPLETE, actor=WHO)
    listed = requests.find(engine)
    assert [v.id for v in listed] == [early, late, finished]
    assert [v.id for v in requests.find(engine, open_only=True)] == [early, late]
    assert [v.id for v in listed if v.overdue(date(2026, 10, 5))] == [early]


def test_identity_is_confirmed_by_the_declared_checks_or_an_override_with_a_reason(
    engine: Engine,
) -> None:
    logged = requests.open_request(
        engine,
        kind="erasure",
        identities={"email": ["ada@example.org"]},
        rights=RIGHTS,
        received_on=date(2026, 1, 20),
        actor=WHO,
    )

    def confirm(passed: list[str], how: str, reason: str | None = None) -> requests.RequestView:
        return requests.confirm_identity(
            engine,
            logged.id,
            on=date(2026, 1, 21),
            declared="email-code+account-number",
            passed=passed,
            how=how,
            actor=WHO,
            override_reason=reason,
        )

    with pytest.raises(requests.IdentityNotConfirmed, match="not passed: account-number"):
        confirm(["email-code"], "code only")
    with pytest.raises(requests.IdentityNotConfirmed, match="say how"):
        confirm([], " ", "urgent")
    assert requests.get(engine, logged.id).verification is None
    done = confirm(
        ["email-code"], "called back on the number on file", "no account number on the old account"
    )
    assert done.state is State.IN_PROGRESS
    assert done.verification == requests.Verification(
        declared=("email-code", "account-number"),
        passed=("email-code",),
        how="called back on the number on file",
        by=WHO,
        override_reason="no account number on the old account",
    )
    assert requests.get(engine, logged.id).verification == done.verification
