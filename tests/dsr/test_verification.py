"""Identity checks over real SMTP: a code emailed and read back, second factors against the
person's rows, expiry, attempt limits and the lock; every step in the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.declaration import load_text
from pledge.dsr import request_store as requests
from pledge.dsr.challenge import send_code
from pledge.dsr.request import State
from pledge.dsr.verification import Checked, VerificationRefused, check
from pledge.mail import MailNotSent
from pledge.rules.verification import Verdict
from pledge.store import AuditEvent, make_engine, session_factory, upgrade
from pledge.store.request_tables import ChallengeRow
from tests.dsr.erasure_estate import HOUSEHOLDS, YAML, Estate, make_estate
from tests.fixtures.smtp import Inbox

RIGHTS = """
rights:
  verification:
    erasure: email-code+account-number
    restriction: email-code+postcode
    access: email-code
  how_to_ask: {email: privacy@northwold.example}
"""
SENT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WHO = "dpo@northwold.example"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path, smtp_server: Inbox) -> Estate:
    if request.param == "sqlite":
        estate = make_estate(tmp_path, list(HOUSEHOLDS))
    else:
        make: Callable[[], str] = request.getfixturevalue("postgres_database")
        estate = make_estate(tmp_path, list(HOUSEHOLDS), crm=make(), billing=make())
        estate.settings = replace(estate.settings, database_url=make())
        upgrade(estate.settings)
    estate.settings = replace(
        estate.settings, smtp_host=smtp_server.host, smtp_port=smtp_server.port
    )
    estate.loaded = load_text(YAML.format(crm=estate.crm, billing=estate.billing) + RIGHTS)
    return estate


def _open(world: Estate, engine: Engine, kind: str, **identities: list[str]) -> int:
    view = requests.open_request(
        engine,
        kind=kind,  # type: ignore[arg-type]
        identities=identities,
        rights=world.loaded.declaration.rights,
        received_on=SENT.date(),
        actor=WHO,
    )
    return view.id


def _code(inbox: Inbox) -> str:
    found = re.search(r"\b(\d{6})\b", inbox.last_body())
    assert found is not None
    return found.group(1)


def _trail(engine: Engine, request_id: int) -> list[tuple[str, dict[str, object]]]:
    with session_factory(engine)() as session:
        events = session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.subject == f"request:{request_id}")
            .order_by(AuditEvent.id)
        )
        return [(e.action.removeprefix("request."), dict(e.details)) for e in events]


def _check(
    world: Estate,
    engine: Engine,
    rid: int,
    *,
    code: str | None = None,
    factors: dict[str, str] | None = None,
    now: datetime = SENT,
) -> Checked:
    return check(
        engine,
        rid,
        loaded=world.loaded,
        settings=world.settings,
        actor=WHO,
        code=code,
        factors=factors,
        now=now,
    )


def test_erasure_verified_by_emailed_code_and_account_number(
    world: Estate, smtp_server: Inbox
) -> None:
    cat = world.people[2]
    engine = make_engine(world.settings)
    try:
        rid = _open(world, engine, "erasure", email=[cat.email])
        to, expires = send_code(
            engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO, now=SENT
        )
        assert (to, expires) == (cat.email, SENT + timedelta(minutes=15))
        message = smtp_server.messages[-1]
        assert message["To"] == cat.email and message["From"] == "privacy@northwold.example"
        code = _code(smtp_server)
        later = SENT + timedelta(minutes=5)
        checked = _check(
            world, engine, rid, code=code, factors={"account-number": " nw-000003"}, now=later
        )
        assert checked.verdict is Verdict.PASSED
        assert checked.request.state is State.IN_PROGRESS
        assert checked.request.clock is not None and checked.request.clock.started == later.date()
        with session_factory(engine)() as session:
            stored = session.scalars(sa.select(ChallengeRow)).one()
        assert stored.code_hash != code and code not in str(stored.code_hash)
        trail = _trail(engine, rid)
    finally:
        engine.dispose()
    actions = [a for a, _ in trail]
    assert actions == [
        "received",
        "awaiting-verification",
        "code-sent",
        "check-passed",
        "in-progress",
    ]
    assert code not in str(trail) and "NW000003" not in str(trail)


def test_wrong_answers_use_attempts_and_the_last_one_locks(
    world: Estate, smtp_server: Inbox
) -> None:
    cat = world.people[2]
    engine = make_engine(world.settings)
    try:
        rid = _open(world, engine, "access", email=[cat.email])
        send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO, now=SENT)
        code = _code(smtp_server)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        lefts = [_check(world, engine, rid, code=wrong, now=SENT) for _ in range(5)]
        assert [c.verdict for c in lefts] == [Verdict.WRONG] * 4 + [Verdict.LOCKED]
        assert [c.attempts_left for c in lefts] == [4, 3, 2, 1, 0]
        # Locked: the right code is no longer taken, and a new code is not sent.
        assert _check(world, engine, rid, code=code, now=SENT).verdict is Verdict.ALREADY_LOCKED
        with pytest.raises(VerificationRefused, match="locked after too many wrong answers"):
            send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO)
        assert requests.get(engine, rid).state is State.AWAITING_VERIFICATION
        actions = [a for a, _ in _trail(engine, rid)]
    finally:
        engine.dispose()
    assert actions.count("check-wrong") == 4 and "check-locked" in actions


def test_a_new_code_does_not_buy_more_attempts(world: Estate, smtp_server: Inbox) -> None:
    engine = make_engine(world.settings)
    try:
        rid = _open(world, engine, "access", email=[world.people[0].email])
        send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO, now=SENT)
        for _ in range(3):
            _check(world, engine, rid, code="not-it", now=SENT)
        send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO, now=SENT)
        assert _check(world, engine, rid, code="not-it", now=SENT).attempts_left == 1
    finally:
        engine.dispose()


def test_an_expired_code_is_refused_without_using_an_attempt(
    world: Estate, smtp_server: Inbox
) -> None:
    engine = make_engine(world.settings)
    try:
        rid = _open(world, engine, "access", email=[world.people[0].email])
        send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO, now=SENT)
        code = _code(smtp_server)
        late = _check(world, engine, rid, code=code, now=SENT + timedelta(minutes=15))
        assert (late.verdict, late.attempts_left) == (Verdict.EXPIRED, 5)
        send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO, now=SENT)
        fresh = _check(world, engine, rid, code=_code(smtp_server), now=SENT)
        assert fresh.request.state is State.IN_PROGRESS
    finally:
        engine.dispose()


def test_the_second_factor_is_checked_against_the_persons_own_rows(
    world: Estate, smtp_server: Inbox
) -> None:
    ann, cat = world.people[0], world.people[2]
    engine = make_engine(world.settings)
    try:
        # Cat's email with Ann's account number given alongside: the number must not vouch
        # for itself; only the rows found from the proved address count.
        rid = _open(world, engine, "erasure", email=[cat.email], account_number=[ann.account])
        send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO, now=SENT)
        code = _code(smtp_server)
        other = _check(world, engine, rid, code=code, factors={"account-number": ann.account})
        assert (other.verdict, other.failed) == (Verdict.WRONG, "account-number")
        wrong_code = _check(world, engine, rid, code="000000", factors={"account-number": "x"})
        assert wrong_code.failed == "code"  # the factor is not even compared
        with pytest.raises(VerificationRefused, match="need email-code"):
            _check(world, engine, rid, code=code)
        ok = _check(world, engine, rid, code=code, factors={"account-number": cat.account})
        assert ok.verdict is Verdict.PASSED
    finally:
        engine.dispose()


def test_a_shared_landline_never_lets_a_neighbours_account_number_vouch(
    world: Estate, smtp_server: Inbox
) -> None:
    ann, bob = world.people[0], world.people[1]
    # Declared as an identity, the landline Ann and Bob's household share would lead from
    # Ann's record to Bob's, and Bob's account number would pass as Ann's second factor.
    world.loaded = load_text(
        (YAML.format(crm=world.crm, billing=world.billing) + RIGHTS).replace(
            "landline: {categories: [user.contact.phone_number], erase: nullify}",
            "landline: {categories: [user.contact.phone_number], identity: phone, erase: nullify}",
        )
    )
    engine = make_engine(world.settings)
    try:
        rid = _open(world, engine, "erasure", email=[ann.email])
        send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO, now=SENT)
        code = _code(smtp_server)
        with pytest.raises(VerificationRefused, match="stopped as ambiguous"):
            _check(world, engine, rid, code=code, factors={"account-number": bob.account})
        with pytest.raises(VerificationRefused, match="cannot be checked"):
            _check(world, engine, rid, code=code, factors={"account-number": ann.account})
        assert requests.get(engine, rid).state is State.AWAITING_VERIFICATION
    finally:
        engine.dispose()


def test_a_postcode_second_factor_for_restriction(world: Estate, smtp_server: Inbox) -> None:
    engine = make_engine(world.settings)
    try:
        rid = _open(world, engine, "restriction", email=[world.people[1].email])
        send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO, now=SENT)
        code = _code(smtp_server)
        bad = _check(world, engine, rid, code=code, factors={"postcode": "YO1 7HH"}, now=SENT)
        assert bad.failed == "postcode"
        good = _check(world, engine, rid, code=code, factors={"postcode": "hu11aa"}, now=SENT)
        assert good.request.state is State.IN_PROGRESS
    finally:
        engine.dispose()


def test_someone_not_found_never_passes_the_second_factor(
    world: Estate, smtp_server: Inbox
) -> None:
    engine = make_engine(world.settings)
    try:
        rid = _open(world, engine, "erasure", email=["nobody@example.uk"])
        send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO, now=SENT)
        checked = _check(
            world, engine, rid, code=_code(smtp_server), factors={"account-number": "NW000001"}
        )
        assert (checked.verdict, checked.failed) == (Verdict.WRONG, "account-number")
    finally:
        engine.dispose()


def test_a_mail_server_that_is_down_is_named_and_audited(world: Estate) -> None:
    world.settings = replace(world.settings, smtp_host="127.0.0.1", smtp_port=1)
    engine = make_engine(world.settings)
    try:
        rid = _open(world, engine, "access", email=[world.people[0].email])
        with pytest.raises(MailNotSent, match=r"mail server at 127\.0\.0\.1:1"):
            send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO)
        with session_factory(engine)() as session:
            assert session.scalars(sa.select(ChallengeRow)).all() == []
        assert _trail(engine, rid)[-1][0] == "code-not-sent"
    finally:
        engine.dispose()


def test_refusals_before_anything_is_counted(world: Estate, smtp_server: Inbox) -> None:
    engine = make_engine(world.settings)
    try:
        rid = _open(world, engine, "access", email=["a@example.uk", "b@example.uk"])
        with pytest.raises(VerificationRefused, match="gives 2 email addresses"):
            send_code(engine, rid, loaded=world.loaded, settings=world.settings, actor=WHO)
        rid = _open(world, engine, "access", email=["a@example.uk"])
        with pytest.raises(VerificationRefused, match="no code was sent yet"):
            _check(world, engine, rid, code="123456")
        with pytest.raises(VerificationRefused, match="does not ask for the date of birth"):
            _check(world, engine, rid, code="123456", factors={"date-of-birth": "1990-01-01"})
        keyless = replace(world.settings, hash_key=None)
        with pytest.raises(VerificationRefused, match="PLEDGE_HASH_KEY"):
            send_code(engine, rid, loaded=world.loaded, settings=keyless, actor=WHO)
        done = _open(world, engine, "portability", email=["a@example.uk"])  # no checks
        with pytest.raises(VerificationRefused, match="is in progress"):
            send_code(engine, done, loaded=world.loaded, settings=world.settings, actor=WHO)
    finally:
        engine.dispose()
