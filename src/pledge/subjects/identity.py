"""Identities: the values that say who a request is about, normalised before any query.

Emails are trimmed and folded (``pledge.connectors.sql.fold``: case does not count, accents
do; the same comparison every connector makes in SQL); phone numbers become E.164
(``+441482123456``), read as UK numbers unless they carry a country code; ids and account
numbers are trimmed, and compared exactly. A value that cannot be an identity of its kind is
refused with a sentence naming the kind.

Databases store phone numbers as people typed them, so :func:`stored_forms` lists the
spellings a field may hold for one number: E.164, international with spaces, and national
with spaces and as bare digits ("01482 123456", "01482123456"). Other spellings (dashes,
brackets, "0044...", "+44 (0)1482...") are not matched: a system that keeps numbers that way
needs a normalised column, or its values can be listed with :func:`lenient` from a scan.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import get_args

import phonenumbers

from pledge.connectors.sql import fold
from pledge.declaration.model import IdentityKind

KINDS: tuple[str, ...] = get_args(IdentityKind)
DEFAULT_REGION = "GB"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


class IdentityInvalid(ValueError):
    """A value given as an identity cannot be one (malformed email, impossible number)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Identity:
    """One normalised identity value of one kind."""

    kind: str
    value: str

    @property
    def forms(self) -> list[str]:
        """The spellings a stored field may hold for this value."""
        return stored_forms(self.kind, self.value)

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


def normalise(kind: str, value: str, region: str = DEFAULT_REGION) -> str:
    """The canonical form of ``value`` as an identity of ``kind``.

    >>> normalise("email", "  Ann.Smith@Example.UK ")
    'ann.smith@example.uk'
    >>> normalise("phone", "01482 123456")
    '+441482123456'
    """
    if kind not in KINDS:
        raise IdentityInvalid(
            kind, f"'{kind}' is not an identity kind; use one of: {', '.join(KINDS)}"
        )
    text = value.strip()
    if not text:
        raise IdentityInvalid(kind, f"the {_label(kind)} is empty")
    if kind == "email":
        text = fold(text)
        if not _EMAIL.match(text):
            raise IdentityInvalid(kind, f"email '{value.strip()}' is not an email address")
        return text
    if kind == "phone":
        return _phone(text, region)
    if kind == "postcode":
        match = _POSTCODE.match(re.sub(r"\s+", " ", text.upper()))
        if match is None:
            raise IdentityInvalid(kind, f"postcode '{text}' is not a UK postcode")
        return f"{match.group(1)} {match.group(2)}"
    if kind == "ip_address":
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            raise IdentityInvalid(kind, f"ip address '{text}' is not an IP address") from None
    # Ids, account numbers, usernames: compared exactly, as the system issued them.
    return text


def _phone(text: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise IdentityInvalid("phone", f"phone '{text}' is not a phone number") from None
    # "Possible" (right length for its country), not "valid": validity follows range
    # allocations that change, and Ofcom's drama ranges (07700 900xxx) are never valid.
    if not phonenumbers.is_possible_number(number):
        raise IdentityInvalid(
            "phone",
            f"phone '{text}' is not a phone number: wrong length for its country "
            f"(read as {region} unless it starts with + and a country code)",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def stored_forms(kind: str, value: str) -> list[str]:
    """The spellings of a normalised value that a database field may hold, canonical first.

    >>> stored_forms("phone", "+441482123456")
    ['+441482123456', '+44 1482 123456', '01482 123456', '01482123456']
    """
    if kind != "phone":
        return [value]
    number = phonenumbers.parse(value, None)
    fmt = phonenumbers.PhoneNumberFormat
    national = phonenumbers.format_number(number, fmt.NATIONAL)
    forms = [
        value,
        phonenumbers.format_number(number, fmt.INTERNATIONAL),
        national,
        re.sub(r"[^0-9]", "", national),
    ]
    return list(dict.fromkeys(forms))


def parse(pairs: Iterable[tuple[str, str]], region: str = DEFAULT_REGION) -> list[Identity]:
    """Normalise ``(kind, value)`` pairs, each distinct identity once; all errors at once."""
    found: dict[Identity, None] = {}
    problems: list[IdentityInvalid] = []
    for kind, value in pairs:
        try:
            found[Identity(kind, normalise(kind, value, region))] = None
        except IdentityInvalid as exc:
            problems.append(exc)
    if problems:
        raise IdentityInvalid(problems[0].kind, "; ".join(str(p) for p in problems))
    return list(found)


def lenient(kind: str, values: Iterable[object], region: str = DEFAULT_REGION) -> list[str]:
    """Values read from a database, as identities of ``kind`` in all their stored forms.

    Used when one system's rows lead to another by a shared identity (a phone number on the
    CRM customer finds call records keyed by phone). Values that are not valid identities
    are skipped: a junk phone column must not stop a request.
    """
    out: dict[str, None] = {}
    for raw in values:
        if raw is None:
            continue
        try:
            canonical = normalise(kind, str(raw), region)
        except IdentityInvalid:
            continue
        out.update(dict.fromkeys(stored_forms(kind, canonical)))
    return list(out)


@functools.lru_cache(maxsize=65_536)
def lenient_forms(kind: str, value: object) -> tuple[str, ...]:
    """:func:`lenient` for one value, remembered: a request's passes re-derive the same
    identities, and parsing a phone number is the most expensive thing a pass does."""
    return tuple(lenient(kind, [value]))


def _label(kind: str) -> str:
    return kind.replace("_", " ")
