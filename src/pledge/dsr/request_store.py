"""Requests in Pledge's store: log one, move it, pause, resume or extend its clock, list them.

Every change is one transaction that also appends its audit event, so the log and the
request can never disagree. The CLI, the API and the job runner call these functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pledge.connectors.redaction import redact, redact_all
from pledge.declaration.model import RequestType, Rights
from pledge.dsr import request as lifecycle
from pledge.dsr.request import State
from pledge.rules.deadline import Clock, ClockError, Extension, Pause
from pledge.rules.verification import checks
from pledge.store.database import audit, session_factory
from pledge.store.request_tables import PauseRow, RequestRow
from pledge.store.tables import AuditEvent


class RequestNotFound(LookupError):
    """No request has that id."""


#: Marks an identity the register keeps only as its keyed hash (a finished erasure's).
HASHED = "keyed-sha256:"


class IdentityNotConfirmed(ValueError):
    """The declared checks did not all pass and no one gave a reason to go ahead without them."""


@dataclass(frozen=True)
class Verification:
    """How a request's identity was confirmed, as recorded: the checks declared and passed,
    what was done, who confirmed it, and why, when the declared checks were overridden."""

    declared: tuple[str, ...]
    passed: tuple[str, ...]
    how: str
    by: str
    override_reason: str | None = None

    @property
    def overridden(self) -> bool:
        return self.override_reason is not None


@dataclass(frozen=True)
class RequestView:
    """A stored request as plain data."""

    id: int
    kind: RequestType
    state: State
    identities: Mapping[str, Sequence[str]]
    received_on: date
    clock: Clock | None
    message: str | None = None
    outcome: Mapping[str, Any] = field(default_factory=dict)
    #: What the request asks beyond who (corrected values, what is objected to).
    details: Mapping[str, Any] = field(default_factory=dict)
    #: How identity was confirmed; None before, and for requests confirmed before Pledge
    #: kept this (their audit log says).
    verification: Verification | None = None

    @property
    def due(self) -> date | None:
        """The due date; None before identity is confirmed or while the clock is paused."""
        return None if self.clock is None else self.clock.due()

    @property
    def paused(self) -> bool:
        return self.clock is not None and lifecycle.is_paused(self.clock)

    def overdue(self, today: date) -> bool:
        """Whether the request is still open after its due date."""
        return self.state in lifecycle.OPEN and self.due is not None and self.due < today


def open_request(
    engine: Engine,
    *,
    kind: RequestType,
    identities: Mapping[str, Sequence[str]],
    rights: Rights,
    received_on: date,
    actor: str,
    details: Mapping[str, Any] | None = None,
) -> RequestView:
    """Log a new request; it waits for identity checks unless the declaration asks for none.

    ``details`` are what its executor needs beyond identities (rectification: ``changes``;
    objection: ``to``, ``purpose``), kept with the request and audited on receipt.
    """
    level = rights.verification.get(kind, "none")
    with session_factory(engine).begin() as session:
        row = RequestRow(
            kind=kind,
            state=State.RECEIVED.value,
            identities={k: list(v) for k, v in identities.items()},
            received_on=received_on,
            rule=rights.deadline,
            region=rights.holidays,
            outcome={},
            details=dict(details) if details else None,
        )
        session.add(row)
        session.flush()
        received = {"kind": kind, "verification": level}
        _audit(
            session,
            row,
            actor,
            "received",
            {**received, **({"details": list(details)} if details else {})},
        )
        if level == "none":
            # Nothing to confirm: day one is the day of receipt.
            row.clock_started = received_on
            _move(session, row, State.IN_PROGRESS, actor, {"clock_started": str(received_on)})
        else:
            _move(session, row, State.AWAITING_VERIFICATION, actor, {"checks": level})
        return _view(row)


def confirm_identity(
    engine: Engine,
    request_id: int,
    *,
    on: date,
    declared: str,
    passed: Sequence[str],
    how: str,
    actor: str,
    override_reason: str | None = None,
) -> RequestView:
    """Record that the person's identity was confirmed on ``on``; the clock starts that day.

    ``declared`` is the declaration's level for the request ("email-code+account-number"),
    ``passed`` the checks that passed. Unless every declared check passed, it is an override
    and needs ``override_reason``: refused without one. Nothing is recorded that the caller
    did not give.
    """
    how, reason = how.strip(), (override_reason or "").strip() or None
    if not how:
        raise IdentityNotConfirmed("say how identity was confirmed")
    wanted = checks(declared)
    if reason is None and not set(wanted) <= set(passed):
        missing = [c for c in wanted if c not in passed]
        raise IdentityNotConfirmed(
            f"request {request_id} needs {' + '.join(wanted)}; not passed: "
            f"{', '.join(missing)}. To confirm identity another way, give an override reason"
        )
    with session_factory(engine).begin() as session:
        row = _load(session, request_id)
        lifecycle.check_move(State(row.state), State.IN_PROGRESS)
        if on < row.received_on:
            raise ClockError(
                f"identity cannot be confirmed on {on}, before the request arrived "
                f"({row.received_on})"
            )
        row.clock_started = on
        row.declared_checks = "+".join(wanted) or "none"
        row.verified_checks = "+".join(passed) or None
        row.verified_how = how
        row.verified_by = actor
        row.override_reason = reason
        details: dict[str, Any] = {
            "declared_checks": row.declared_checks,
            "checks_passed": list(passed),
            "verified_how": how,
            "clock_started": str(on),
        }
        if reason is not None:
            details["override_reason"] = reason
        _move(session, row, State.IN_PROGRESS, actor, details)
        return _view(row)


def move(
    engine: Engine,
    request_id: int,
    target: State,
    *,
    actor: str,
    message: str | None = None,
    outcome: Mapping[str, Any] | None = None,
    forget: Mapping[str, Sequence[str]] | None = None,
) -> RequestView:
    """Move a request to ``target`` if the lifecycle allows it, with what happened.

    ``forget`` replaces the identities the request keeps with keyed hashes of them (by kind,
    hex): an erasure, once done, keeps its evidence but not the person.
    """
    with session_factory(engine).begin() as session:
        row = _load(session, request_id)
        # A failure's message quotes errors, which may quote a connection URL.
        message = redact(message) if message is not None else None
        if message is not None:
            row.message = message
        if outcome is not None:
            row.outcome = redact_all(dict(outcome))
        details: dict[str, Any] = {"message": message} if message else {}
        if forget is not None:
            row.identities = {k: [f"{HASHED}{h}" for h in v] for k, v in forget.items()}
            details["identities"] = "replaced by keyed hashes"
        _move(session, row, target, actor, details)
        return _view(row)


def pause(engine: Engine, request_id: int, *, on: date, reason: str, actor: str) -> RequestView:
    """Stop the clock on ``on`` while the person is asked to clarify."""
    with session_factory(engine).begin() as session:
        row = _load(session, request_id)
        lifecycle.paused(_clock(row, "paused"), on, reason)  # validates
        row.pauses.append(PauseRow(start_on=on, end_on=None, reason=reason.strip()))
        return _changed(session, row, actor, "paused", {"on": str(on), "reason": reason})


def resume(engine: Engine, request_id: int, *, on: date, actor: str) -> RequestView:
    """Start the clock again on ``on``, the day the clarification arrived."""
    with session_factory(engine).begin() as session:
        row = _load(session, request_id)
        lifecycle.resumed(_clock(row, "resumed"), on)  # validates
        next(p for p in row.pauses if p.end_on is None).end_on = on
        return _changed(session, row, actor, "resumed", {"on": str(on)})


def extend(
    engine: Engine, request_id: int, *, reason: str, told_on: date, actor: str
) -> RequestView:
    """Extend by two further months; the person must have been told within the first month."""
    with session_factory(engine).begin() as session:
        row = _load(session, request_id)
        lifecycle.extended(_clock(row, "extended"), reason, told_on)  # validates
        row.extension_reason, row.extension_told_on = reason.strip(), told_on
        details = {"reason": reason, "told_on": str(told_on)}
        return _changed(session, row, actor, "extended", details)


def get(engine: Engine, request_id: int) -> RequestView:
    """One request; :class:`RequestNotFound` when there is none with that id."""
    with session_factory(engine)() as session:
        return _view(_load(session, request_id, lock=False))


def find(engine: Engine, *, open_only: bool = False) -> list[RequestView]:
    """Requests, open ones first by due date, then the rest newest first."""
    query = sa.select(RequestRow)
    if open_only:
        query = query.where(RequestRow.state.in_([s.value for s in lifecycle.OPEN]))
    with session_factory(engine)() as session:
        views = [_view(row) for row in session.scalars(query)]
    far = date.max
    return sorted(
        views,
        key=lambda v: (v.state not in lifecycle.OPEN, v.due or far, -v.id),
    )


def history(engine: Engine, request_id: int) -> list[tuple[datetime, str, str, dict[str, Any]]]:
    """The request's audit events, oldest first: (when, who, what, details)."""
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.subject == f"request:{request_id}")
        .order_by(AuditEvent.id)
    )
    with session_factory(engine)() as session:
        return [(e.at, e.actor, e.action, dict(e.details)) for e in session.scalars(query)]


# -- inside a transaction -------------------------------------------------------------------


def _load(session: Session, request_id: int, *, lock: bool = True) -> RequestRow:
    query = sa.select(RequestRow).where(RequestRow.id == request_id)
    # Two DPOs acting on one request at once must queue, not overwrite each other.
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise RequestNotFound(f"there is no request {request_id}; `pledge request list` shows them")
    return row


def _move(
    session: Session, row: RequestRow, target: State, actor: str, details: dict[str, Any]
) -> None:
    current = State(row.state)
    lifecycle.check_move(current, target)
    row.state = target.value
    _changed(session, row, actor, target.value, {"from": current.value, **details})


def _changed(
    session: Session, row: RequestRow, actor: str, action: str, details: dict[str, Any]
) -> RequestView:
    clock = _clock_or_none(row)
    row.due_on = None if clock is None else clock.due()
    _audit(session, row, actor, action, details)
    return _view(row)


def _audit(
    session: Session, row: RequestRow, actor: str, action: str, details: dict[str, Any]
) -> None:
    audit(
        session,
        actor=actor,
        action=f"request.{action}",
        subject=f"request:{row.id}",
        details=details,
    )


def _clock_or_none(row: RequestRow) -> Clock | None:
    if row.clock_started is None:
        return None
    pauses = tuple(Pause(p.start_on, p.end_on, p.reason) for p in row.pauses)
    extension = (
        Extension(row.extension_reason, row.extension_told_on)
        if row.extension_reason is not None and row.extension_told_on is not None
        else None
    )
    return Clock(
        started=row.clock_started,
        rule=row.rule,  # type: ignore[arg-type]  # written from the declaration's Literal
        region=row.region,  # type: ignore[arg-type]
        pauses=pauses,
        extension=extension,
    )


def _clock(row: RequestRow, what: str) -> Clock:
    clock = _clock_or_none(row)
    if clock is None:
        raise ClockError(
            f"request {row.id}'s clock has not started (identity not yet confirmed), "
            f"so it cannot be {what}"
        )
    if State(row.state) not in lifecycle.OPEN:
        raise ClockError(f"request {row.id} is {State(row.state).label}; its clock stopped")
    return clock


def _view(row: RequestRow) -> RequestView:
    return RequestView(
        id=row.id,
        kind=row.kind,  # type: ignore[arg-type]  # written from RequestType
        state=State(row.state),
        identities={k: list(v) for k, v in row.identities.items()},
        received_on=row.received_on,
        clock=_clock_or_none(row),
        message=row.message,
        outcome=dict(row.outcome or {}),
        details=dict(row.details or {}),
        verification=_verification(row),
    )


def _verification(row: RequestRow) -> Verification | None:
    if row.verified_how is None or row.verified_by is None:
        return None
    return Verification(
        declared=checks(row.declared_checks or ""),
        passed=checks(row.verified_checks or ""),
        how=row.verified_how,
        by=row.verified_by,
        override_reason=row.override_reason,
    )
