"""Identifiers with real UK shapes: phone numbers, postcodes, account numbers, IP addresses.

Numbers that must be unique (a customer's mobile, an account number) are drawn from a
bijection of the row's position rather than at random, so two customers never share one by
accident; the neighbours erasure must not touch are made on purpose (households).
"""

from __future__ import annotations

from random import Random

from pledge.demo.names import POSTCODE_LETTERS, Town


def scatter(position: int, modulus: int, salt: int = 0) -> int:
    """A number in [0, modulus) that looks random but is distinct for distinct positions.

    Multiplying by a large prime (which divides no modulus used here) permutes the residues.

    >>> len({scatter(i, 1000) for i in range(1000)})
    1000
    """
    return (position * 982_451_653 + salt * 104_729) % modulus


def mobile(position: int, salt: int = 0) -> str:
    """A UK mobile in national format with the usual space: ``07xxx xxxxxx``."""
    digits = str(400_000_000 + scatter(position, 600_000_000, salt))
    return f"07{digits[:3]} {digits[3:]}"


def landline(town: Town, position: int, salt: int = 0) -> str:
    """A geographic number in the town's dialling code, in national format."""
    code = town.dialling_code
    if len(code) == 3:  # two-part local number after 0113, 0114: "0113 496 0123"
        digits = str(2_000_000 + scatter(position, 7_000_000, salt + 500))
        return f"0{code} {digits[:3]} {digits[3:]}"
    digits = str(200_000 + scatter(position, 700_000, salt + 500))
    return f"0{code} {digits}"


def e164(national: str) -> str:
    """``07700 900123`` as ``+447700900123``."""
    return "+44" + national.replace(" ", "")[1:]


def compact(national: str) -> str:
    """``07700 900123`` as ``07700900123``, the way diallers log it."""
    return national.replace(" ", "")


def postcode(town: Town, rng: Random) -> str:
    """A postcode in the town's area: outward code from its districts, random inward code."""
    district = town.districts[int(rng.random() * len(town.districts))]
    letters = POSTCODE_LETTERS
    first = letters[int(rng.random() * len(letters))]
    second = letters[int(rng.random() * len(letters))]
    return f"{town.area}{district} {int(rng.random() * 10)}{first}{second}"


def account_number(position: int) -> str:
    """``NW`` and eight digits; the digits are scattered so numbers do not reveal order."""
    return f"NW{10_000_000 + scatter(position, 90_000_000):08d}"


def customer_ip(rng: Random) -> str:
    """A subscriber address: mostly carrier-grade NAT space (100.64.0.0/10), some IPv6."""
    if rng.random() < 0.2:
        words = (int(rng.random() * 65_536) for _ in range(4))
        return "2001:db8:" + ":".join(f"{w:x}" for w in words) + "::1"
    value = int(rng.random() * 4_194_304)
    return f"100.{64 + (value >> 16)}.{(value >> 8) & 255}.{value & 255}"


def hexes(rng: Random, count: int) -> str:
    """``count`` random lower-case hex digits."""
    return f"{rng.getrandbits(4 * count):0{count}x}"


def uuid_text(rng: Random) -> str:
    """A random (version 4 shaped) UUID as text."""
    h = hexes(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def ni_number(rng: Random) -> str:
    """A National Insurance number shape (prefixes HMRC uses, random digits)."""
    prefix = ("AB", "CE", "JK", "NP", "SR", "TW", "WL", "YZ")[int(rng.random() * 8)]
    digits = f"{int(rng.random() * 1_000_000):06d}"
    suffix = "ABCD"[int(rng.random() * 4)]
    return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
