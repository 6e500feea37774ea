"""Identity-check rules as tables: codes, hashes, second factors, expiry and attempts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pledge.rules.verification import (
    Challenge,
    FactorInvalid,
    Verdict,
    checks,
    code_hash,
    code_matches,
    expiry,
    factor_matches,
    judge,
    new_code,
    normalise_factor,
)

KEY = "k" * 32
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("none", ()),
        ("email-code", ("email-code",)),
        ("email-code+account-number", ("email-code", "account-number")),
        ("email-code+date-of-birth+postcode", ("email-code", "date-of-birth", "postcode")),
    ],
)
def test_levels_split_into_checks(level: str, expected: tuple[str, ...]) -> None:
    assert checks(level) == expected


def test_codes_are_six_digits_zero_padded() -> None:
    assert new_code(lambda _n: 42) == "000042"
    assert all(len(c) == 6 and c.isdigit() for c in (new_code() for _ in range(50)))


def test_a_code_hash_is_keyed_and_bound_to_its_request() -> None:
    stored = code_hash(KEY, 7, "123456")
    assert "123456" not in stored and len(stored) == 64
    assert code_matches(KEY, 7, " 123456 ", stored)
    assert not code_matches(KEY, 8, "123456", stored)  # another request's code
    assert not code_matches("other-key" * 4, 7, "123456", stored)
    assert not code_matches(KEY, 7, "123457", stored)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("date-of-birth", "1990-03-07", "1990-03-07"),
        ("date-of-birth", "07/03/1990", "1990-03-07"),
        ("date-of-birth", "07.03.1990", "1990-03-07"),
        ("date-of-birth", date(1990, 3, 7), "1990-03-07"),
        ("date-of-birth", datetime(1990, 3, 7, 0, 0), "1990-03-07"),
        ("date-of-birth", "1990-03-07 00:00:00", "1990-03-07"),
        ("postcode", " hu1 1aa", "HU11AA"),
        ("account-number", "nw-0001 234", "NW0001234"),
        ("account-number", 1234, "1234"),
    ],
)
def test_second_factors_normalise(kind: str, value: object, expected: str) -> None:
    assert normalise_factor(kind, value) == expected


def test_a_date_of_birth_that_is_no_date_is_refused() -> None:
    with pytest.raises(FactorInvalid, match="date of birth '31/02/1990' is not a date"):
        normalise_factor("date-of-birth", "31/02/1990")


@pytest.mark.parametrize(
    ("kind", "given", "known", "expected"),
    [
        ("account-number", "nw 0001", ["NW0001"], True),
        ("account-number", "NW0002", ["NW0001", None], False),
        ("account-number", "NW0001", [], False),  # nobody found: no match
        ("date-of-birth", "7/3/1990", [date(1990, 3, 7)], True),
        ("date-of-birth", "1990-03-08", ["1990-03-07", "not a date"], False),
        ("postcode", "hu11aa", ["HU1 1AA", "YO1 7HH"], True),
    ],
)
def test_second_factors_match_the_persons_values(
    kind: str, given: str, known: list[object], expected: bool
) -> None:
    assert factor_matches(KEY, kind, given, known) is expected


LATER = expiry(NOW)
FRESH = Challenge(expires_at=LATER, attempts=0, max_attempts=3)


@pytest.mark.parametrize(
    ("challenge", "at", "correct", "verdict", "attempts", "locked"),
    [
        (FRESH, NOW, True, Verdict.PASSED, 0, False),
        (FRESH, NOW, False, Verdict.WRONG, 1, False),
        (Challenge(LATER, 2, 3), NOW, False, Verdict.LOCKED, 3, True),
        (Challenge(LATER, 3, 3), NOW, True, Verdict.ALREADY_LOCKED, 3, True),
        (Challenge(LATER, 1, 3, locked=True), NOW, True, Verdict.ALREADY_LOCKED, 1, True),
        (FRESH, LATER, True, Verdict.EXPIRED, 0, False),
        (FRESH, LATER - timedelta(seconds=1), True, Verdict.PASSED, 0, False),
        (Challenge(None, 0, 3), NOW + timedelta(days=400), True, Verdict.PASSED, 0, False),
    ],
)
def test_attempts_expiry_and_locking(
    challenge: Challenge,
    at: datetime,
    correct: bool,
    verdict: Verdict,
    attempts: int,
    locked: bool,
) -> None:
    got, after = judge(challenge, at, correct)
    assert (got, after.attempts, after.locked) == (verdict, attempts, locked)


def test_codes_expire_after_fifteen_minutes_by_default() -> None:
    assert expiry(NOW) == NOW + timedelta(minutes=15)
    assert expiry(NOW, 5) == NOW + timedelta(minutes=5)
