"""Confirm a requester's identity the way the declaration asks: an emailed one-time code,
plus a second factor (account number, date of birth, postcode) checked against their rows.

Every step is audited on the request: code sent (or not), each check passed or failed, the
lock after the last attempt. Passing every check the declaration asks for starts the clock
that day (:func:`pledge.dsr.request_store.confirm_identity`). Checks Pledge cannot make
itself (ID document, signed-in, SMS) are left for a person: ``pledge request verify --how``.
Confirming identity any other way is an override: ``--how`` with ``--override-reason``,
kept on the request and in the audit log with who made it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session

from pledge.connectors import Connector
from pledge.declaration import Loaded
from pledge.dsr import request_store as requests
from pledge.dsr.factors import known_values
from pledge.dsr.request import State
from pledge.dsr.request_store import RequestView
from pledge.rules import verification as rules
from pledge.rules.verification import Challenge, Verdict
from pledge.settings import Settings
from pledge.store.database import audit, session_factory, write_transaction
from pledge.store.keycheck import check_key
from pledge.store.request_tables import ChallengeRow, RequestRow
from pledge.subjects.identity import Identity, parse
from pledge.subjects.reach import ReachStopped

Mailer = Callable[..., str]


class VerificationRefused(ValueError):
    """A check that cannot be made as asked; nothing was counted."""


@dataclass(frozen=True)
class Checked:
    """What one attempt came to, and where the request stands after it."""

    verdict: Verdict
    request: RequestView
    attempts_left: int
    failed: str | None = None  # "code", or the second factor that did not match
    remaining: tuple[str, ...] = ()  # checks a person still has to make


def check(
    engine: Engine,
    request_id: int,
    *,
    loaded: Loaded,
    settings: Settings,
    actor: str,
    code: str | None = None,
    factors: Mapping[str, str] | None = None,
    now: datetime | None = None,
    connectors: Mapping[str, Connector] | None = None,
) -> Checked:
    """One attempt at the checks the declaration asks for this request's type.

    The attempt is counted before the answer is compared, in one transaction holding the
    store's write lock, by a conditional increment that fails once the limit is reached: of
    any number of attempts made at once, no more than the limit are ever compared.
    """
    now = now or datetime.now(UTC)
    factors = {k: v for k, v in (factors or {}).items() if v is not None}
    view, wanted = awaiting(engine, request_id, loaded)
    key = hash_key(settings)
    automatic = [c for c in wanted if c in rules.AUTOMATED]
    second = [c for c in automatic if c in rules.SECOND_FACTORS]
    if missing := [f for f in second if f not in factors]:
        raise VerificationRefused(_needs(view, wanted, missing))
    if extra := [f for f in factors if f not in second]:
        raise VerificationRefused(
            f"the declaration does not ask for the {extra[0].replace('-', ' ')} for "
            f"{view.kind} requests (it asks for: {', '.join(wanted)})"
        )
    if "email-code" in automatic and not code:
        raise VerificationRefused(_needs(view, wanted, ["email-code"]))
    given = {f: rules.normalise_factor(f, factors[f]) for f in second}  # FactorInvalid early
    if "email-code" in automatic:
        with session_factory(engine)() as session:
            _code_sent(session, request_id, latest(session, request_id))
    # The values the person's rows hold are read before the attempt is taken, so that
    # reading customer systems never happens while the store is locked; comparing them is
    # done under the lock, with the code.
    found = _known(loaded, view, automatic, second, settings, connectors) if second else {}
    with write_transaction(engine) as session:
        check_key(session, key.encode())
        lock_request(session, request_id)
        row = _code_sent(session, request_id, latest(session, request_id), automatic)
        if row is None:  # second factors only: a challenge without a code counts the attempts
            row = ChallengeRow(request_id=request_id, created_at=now, attempts=0)
            row.max_attempts = settings.code_attempts
            session.add(row)
            session.flush()
        state = Challenge(row.expires_at, row.attempts, row.max_attempts, row.locked_at is not None)
        verdict, _ = rules.judge(state, now, True)
        failed: str | None = None
        if verdict is Verdict.PASSED and not _take_attempt(session, row):
            verdict = Verdict.ALREADY_LOCKED  # the last attempt went to someone else
        elif verdict is Verdict.PASSED:  # an attempt is ours: now, and only now, compare
            if "email-code" in automatic:
                assert code is not None and row.code_hash is not None
                if not rules.code_matches(key, request_id, code, row.code_hash):
                    failed = "code"
            if failed is None:
                failed = next(
                    (f for f in second if not rules.factor_matches(key, f, given[f], found[f])),
                    None,
                )
            # Judged as the attempt before ours left it; the count already includes ours.
            taken = Challenge(row.expires_at, row.attempts - 1, row.max_attempts)
            verdict, after = rules.judge(taken, now, failed is None)
            if after.locked:
                row.locked_at = now
            if verdict is Verdict.PASSED:
                row.passed_at = now
        left = max(row.max_attempts - row.attempts, 0)
        details: dict[str, Any] = {"checks": automatic, "attempts_left": left}
        if failed:
            details["failed"] = failed
        audit_step(session, request_id, actor, f"check-{verdict.value}", details)
    remaining = tuple(c for c in wanted if c not in rules.AUTOMATED)
    if verdict is Verdict.PASSED and not remaining:
        view = requests.confirm_identity(
            engine,
            request_id,
            on=now.date(),
            declared="+".join(wanted),
            passed=automatic,
            how=" + ".join(automatic) + " (checked by Pledge)",
            actor=actor,
        )
    return Checked(verdict, requests.get(engine, request_id), left, failed, remaining)


def confirm(
    engine: Engine,
    request_id: int,
    *,
    loaded: Loaded,
    how: str,
    actor: str,
    on: date,
    override_reason: str | None = None,
) -> RequestView:
    """Record a check a person made (``how``: "passport seen by J. Ede").

    It meets the declaration when every check Pledge makes has passed and the rest are
    checks only a person can make (ID document, call back); anything else is an override,
    refused unless ``override_reason`` says why. The record keeps who, how and why.
    """
    view, wanted = awaiting(engine, request_id, loaded)
    how, reason = how.strip(), (override_reason or "").strip() or None
    automatic = [c for c in wanted if c in rules.AUTOMATED]
    manual = [c for c in wanted if c not in rules.AUTOMATED]
    with session_factory(engine)() as session:
        row = latest(session, request_id)
        pledge_passed = automatic if row is not None and row.passed_at is not None else []
    met = bool(manual) and pledge_passed == automatic
    if reason is None and not met:
        raise VerificationRefused(_unmet(view, wanted, automatic, pledge_passed))
    if not how:
        raise VerificationRefused(
            f"request {request_id} needs a person to check {' + '.join(manual or wanted)}: "
            'give --how "what was checked, by whom"'
        )
    if met and reason is None:
        made = f"{' + '.join(manual)}: {how}"
        text = f"{' + '.join(automatic)} (checked by Pledge); {made}" if automatic else made
        passed = [*automatic, *manual]
    else:
        text, passed = how, pledge_passed
    try:
        return requests.confirm_identity(
            engine,
            request_id,
            on=on,
            declared="+".join(wanted),
            passed=passed,
            how=text,
            actor=actor,
            override_reason=reason,
        )
    except requests.IdentityNotConfirmed as exc:
        raise VerificationRefused(str(exc)) from None


def unproved(view: RequestView) -> list[str]:
    """Identities an emailed code does not prove (phone numbers, ids given beside the email)."""
    return [f"{k} {v}" for k, values in view.identities.items() if k != "email" for v in values]


# -- helpers --------------------------------------------------------------------------------


def awaiting(engine: Engine, request_id: int, loaded: Loaded) -> tuple[RequestView, list[str]]:
    view = requests.get(engine, request_id)
    if view.state is not State.AWAITING_VERIFICATION:
        raise VerificationRefused(
            f"request {request_id} is {view.state.label}; there is no identity check to make"
        )
    level = loaded.declaration.rights.verification.get(view.kind, "none")
    return view, list(rules.checks(level))


def _anchor(view: RequestView, automatic: list[str]) -> list[Identity]:
    # With a code, only the address it proved finds the rows the factor is checked against:
    # an account number given with the request must not vouch for itself.
    kinds = (
        {"email"}
        if "email-code" in automatic
        else set(view.identities)
        - {
            "account_number",
            "postcode",
        }
    )
    return parse((k, v) for k, values in view.identities.items() if k in kinds for v in values)


def hash_key(settings: Settings) -> str:
    if not settings.hash_key:
        raise VerificationRefused(
            "identity codes are kept only as keyed hashes: set PLEDGE_HASH_KEY first"
        )
    return settings.hash_key


def _unmet(view: RequestView, wanted: list[str], automatic: list[str], passed: list[str]) -> str:
    rid = view.id
    override = f'pledge request verify {rid} --how "..." --override-reason "..."'
    if automatic and passed != automatic:
        options = ", ".join("--code" if c == "email-code" else f"--{c}" for c in automatic)
        first = (
            f"send a code (pledge request challenge {rid}), then give {options}"
            if "email-code" in automatic
            else f"give {options}"
        )
        return (
            f"request {rid} ({view.kind}) needs {' + '.join(wanted)} and Pledge's checks "
            f"({' + '.join(automatic)}) have not passed: {first}; or, to confirm identity "
            f"another way, override with a reason: {override}"
        )
    return (
        f"request {rid} needs {' + '.join(wanted)}, which Pledge checked; there is nothing "
        f"left for a person to check. To confirm identity another way: {override}"
    )


def _code_sent(
    session: Session,
    request_id: int,
    row: ChallengeRow | None,
    automatic: Sequence[str] = ("email-code",),
) -> ChallengeRow | None:
    if "email-code" in automatic and (row is None or row.code_hash is None):
        raise VerificationRefused(f"no code was sent yet: `pledge request challenge {request_id}`")
    return row


def _known(
    loaded: Loaded,
    view: RequestView,
    automatic: list[str],
    second: list[str],
    settings: Settings,
    connectors: Mapping[str, Connector] | None,
) -> dict[str, list[object]]:
    try:
        return known_values(
            loaded, _anchor(view, automatic), second, settings=settings, connectors=connectors
        )
    except ReachStopped as exc:
        # Whose rows would vouch for the factor is not clear: never pass on someone else's
        # account number. Nothing is counted; a person decides.
        raise VerificationRefused(
            f"the second factor cannot be checked against the person's own rows: "
            f"{exc}; verify by hand with --how once it is settled"
        ) from exc


def lock_request(session: Session, request_id: int) -> None:
    # Attempts at one request queue here (PostgreSQL, MariaDB; SQLite's BEGIN IMMEDIATE has
    # already locked the store), so two first attempts never make two challenges.
    session.execute(
        sa.select(RequestRow.id).where(RequestRow.id == request_id).with_for_update()
    ).first()


def _take_attempt(session: Session, row: ChallengeRow) -> bool:
    """Count one attempt if any is left: one conditional increment, atomic on every engine."""
    taken: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # DML: a cursor
        sa.update(ChallengeRow)
        .where(
            ChallengeRow.id == row.id,
            ChallengeRow.attempts < ChallengeRow.max_attempts,
            ChallengeRow.locked_at.is_(None),
        )
        .values(attempts=ChallengeRow.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)  # the count as the store has it now, ours included
    return taken.rowcount == 1


def _needs(view: RequestView, wanted: list[str], missing: list[str]) -> str:
    options = ", ".join("--code" if m == "email-code" else f"--{m}" for m in missing)
    return f"{view.kind} requests need {' + '.join(wanted)}; give {options}"


def latest(session: Session, request_id: int) -> ChallengeRow | None:
    query = (
        sa.select(ChallengeRow)
        .where(ChallengeRow.request_id == request_id)
        .order_by(ChallengeRow.id.desc())
        .limit(1)
        .with_for_update()
    )
    return session.scalars(query).first()


def is_locked(row: ChallengeRow) -> bool:
    return row.locked_at is not None or row.attempts >= row.max_attempts


def locked_text(request_id: int) -> str:
    return (
        f"identity checks for request {request_id} are locked after too many wrong answers; "
        f"a person must check identity: `pledge request verify {request_id} --how ...`"
    )


def record(engine: Engine, request_id: int, actor: str, what: str, details: dict[str, Any]) -> None:
    with session_factory(engine).begin() as session:
        audit_step(session, request_id, actor, what, details)


def audit_step(
    session: Session, request_id: int, actor: str, what: str, details: dict[str, Any]
) -> None:
    audit(
        session,
        actor=actor,
        action=f"request.{what}",
        subject=f"request:{request_id}",
        details=details,
    )
