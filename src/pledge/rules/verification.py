"""Identity checks for requests: one-time codes, second factors, expiry and attempt limits.

Pure: no I/O. A code is six random digits; only its keyed hash (HMAC-SHA256 under a key
derived from the store's hash key, bound to the request) is kept. Every comparison is
constant-time. A second factor (account number, date of birth, postcode) is normalised, then
compared by keyed hash with every value the person's rows hold, all of them, so timing says
nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from pledge.keys import derive

CODE_DIGITS = 6
DEFAULT_MINUTES = 15
DEFAULT_ATTEMPTS = 5

#: Checks Pledge carries out itself: the emailed code and the second factors.
SECOND_FACTORS = ("account-number", "date-of-birth", "postcode")
AUTOMATED = frozenset({"email-code", *SECOND_FACTORS})

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y", "%Y%m%d")


class FactorInvalid(ValueError):
    """A second factor given in a form that cannot be one (a date of birth that is no date)."""


def checks(level: str) -> tuple[str, ...]:
    """The checks a declared level asks for, in order; ``none`` asks for none.

    >>> checks("email-code+account-number")
    ('email-code', 'account-number')
    """
    return tuple(part for part in level.split("+") if part and part != "none")


def new_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh one-time code: six digits from the operating system's random source."""
    return f"{randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(key: str, request_id: int, code: str) -> str:
    """The keyed hash kept for a code; bound to the request so a code fits no other."""
    message = f"request:{request_id}:code:{code.strip()}".encode()
    return hmac.new(derive(key.encode(), "verification-code"), message, "sha256").hexdigest()


def code_matches(key: str, request_id: int, given: str, stored: str) -> bool:
    """Whether ``given`` is the code whose hash is ``stored`` (constant-time)."""
    return hmac.compare_digest(code_hash(key, request_id, given), stored)


def normalise_factor(kind: str, value: object) -> str:
    """A second factor in one canonical form, whether typed by a person or read from a row.

    >>> normalise_factor("date-of-birth", "07/03/1990"), normalise_factor("postcode", "hu1 1aa")
    ('1990-03-07', 'HU11AA')
    """
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if kind == "date-of-birth":
        for fmt in _DATE_FORMATS:
            try:
                return (
                    datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt)
                    .date()
                    .isoformat()
                )
            except ValueError:
                continue
        raise FactorInvalid(f"date of birth '{text}' is not a date; give it as YYYY-MM-DD")
    # Account numbers and postcodes: spaces, dashes and case are how people type, not data.
    return re.sub(r"[\s\-]+", "", text).upper()


def factor_matches(key: str, kind: str, given: str, known: Iterable[object]) -> bool:
    """Whether ``given`` equals one of the values the person's rows hold, after normalising.

    Every known value is compared, constant-time, even after a match.
    """
    mine = _factor_hash(key, kind, normalise_factor(kind, given))
    matched = False
    for value in known:
        if value is None:
            continue
        try:
            theirs = _factor_hash(key, kind, normalise_factor(kind, value))
        except FactorInvalid:
            continue  # a junk value in a column matches nothing
        matched |= hmac.compare_digest(mine, theirs)
    return matched


def _factor_hash(key: str, kind: str, value: str) -> str:
    factor_key = derive(key.encode(), "verification-factor")
    return hmac.new(factor_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


class Verdict(StrEnum):
    """What an attempt at a challenge came to."""

    PASSED = "passed"
    WRONG = "wrong"
    LOCKED = "locked"  # this attempt used the last one
    EXPIRED = "expired"
    ALREADY_LOCKED = "already-locked"


@dataclass(frozen=True)
class Challenge:
    """A challenge's state as the rules see it."""

    expires_at: datetime | None
    attempts: int
    max_attempts: int
    locked: bool = False

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    @property
    def left(self) -> int:
        return max(self.max_attempts - self.attempts, 0)


def judge(challenge: Challenge, now: datetime, correct: bool) -> tuple[Verdict, Challenge]:
    """The verdict on one attempt and the challenge after it.

    A locked challenge takes no attempts; an expired one is refused without counting (the
    person needs a new code, not a penalty); a wrong answer uses an attempt, the last one
    locks the challenge.
    """
    if challenge.locked or challenge.left == 0:
        return Verdict.ALREADY_LOCKED, Challenge(
            challenge.expires_at, challenge.attempts, challenge.max_attempts, True
        )
    if challenge.expired(now):
        return Verdict.EXPIRED, challenge
    if correct:
        return Verdict.PASSED, challenge
    after = Challenge(challenge.expires_at, challenge.attempts + 1, challenge.max_attempts)
    if after.left == 0:
        return Verdict.LOCKED, Challenge(after.expires_at, after.attempts, after.max_attempts, True)
    return Verdict.WRONG, after


def expiry(now: datetime, minutes: int = DEFAULT_MINUTES) -> datetime:
    """When a code sent ``now`` stops working."""
    return now + timedelta(minutes=minutes)
