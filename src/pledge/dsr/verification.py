"""Confirm a requester's identity the way the declaration asks: an emailed one-time code,
plus a second factor (account number, date of birth, postcode) checked against their rows.

Every step is audited on the request: code sent (or not), each check passed or failed, the
lock after the last attempt. Passing every check the declaration asks for starts the clock
that day (:func:`pledge.dsr.request_store.confirm_identity`). Checks Pledge cannot make
itself (ID document, signed-in, SMS) are left for a person: ``pledge request verify --how``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
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
from pledge.store.database import audit, session_factory
from pledge.store.keycheck import check_key
from pledge.store.request_tables import ChallengeRow
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
    """One attempt at the checks the declaration asks for this request's type."""
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
    with session_factory(engine).begin() as session:
        check_key(session, key.encode())
        row = latest(session, request_id)
        if "email-code" in automatic and (row is None or row.code_hash is None):
            raise VerificationRefused(
                f"no code was sent yet: `pledge request challenge {request_id}`"
            )
        if row is None:  # second factors only: a challenge without a code counts the attempts
            row = ChallengeRow(request_id=request_id, created_at=now, attempts=0)
            row.max_attempts = settings.code_attempts
            session.add(row)
        state = Challenge(row.expires_at, row.attempts, row.max_attempts, row.locked_at is not None)
        verdict, _ = rules.judge(state, now, True)
        failed: str | None = None
        if verdict is Verdict.PASSED:  # still open: is the answer right?
            if "email-code" in automatic:
                assert code is not None and row.code_hash is not None
                if not rules.code_matches(key, request_id, code, row.code_hash):
                    failed = "code"
            if failed is None and second:
                try:
                    found = known_values(
                        loaded,
                        _anchor(view, automatic),
                        second,
                        settings=settings,
                        connectors=connectors,
                    )
                except ReachStopped as exc:
                    # Whose rows would vouch for the factor is not clear: never pass on
                    # someone else's account number. Nothing is counted; a person decides.
                    raise VerificationRefused(
                        f"the second factor cannot be checked against the person's own rows: "
                        f"{exc}; verify by hand with --how once it is settled"
                    ) from exc
                failed = next(
                    (f for f in second if not rules.factor_matches(key, f, given[f], found[f])),
                    None,
                )
            verdict, after = rules.judge(state, now, failed is None)
            row.attempts = after.attempts
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
        how = " + ".join(automatic) + " (checked by Pledge)"
        view = requests.confirm_identity(engine, request_id, on=now.date(), how=how, actor=actor)
    return Checked(verdict, requests.get(engine, request_id), left, failed, remaining)


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
