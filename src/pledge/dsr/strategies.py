"""Per-field erasure strategies: what a value becomes when a row is kept but its person erased.

Pure functions of a value (and, for ``hash``, a key): no database, no settings lookup. The
executor turns them into set-based statements; rectification reuses :func:`keyed_hash`, so
every field value Pledge hashes is HMAC-SHA256 under one key. Identities in the ledgers and the
suppression list are hashed by :mod:`pledge.subjects.hashing` instead (screening hashes ten
million of them at a time).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from pledge.keys import derive

Strategy = Literal["nullify", "mask", "hash", "keep"]

#: A masked date says nothing about the person; the epoch reads as "not a real date".
MASKED_DATE = date(1970, 1, 1)
#: Prefix on hashed text, so a reader (and the verification pass) can tell it was hashed.
HASH_PREFIX = "h:"
#: The shortest hash kept when a column is narrow: 64 bits, 16 hex digits.
MIN_HASH_HEX = 16
_WIDTH = re.compile(r"char[\w ]*\((\d+)\)", re.IGNORECASE)
# Keeps hashed integers inside a signed 32-bit column, the narrowest integer a key-less
# personal column is likely to have.
_INT_HASH_BITS = 31


class StrategyError(ValueError):
    """A strategy cannot be applied to this value (a hash with no key, a hash of a date)."""


def keyed_hash(key: str | None, value: object) -> str:
    """HMAC-SHA256 of ``value`` under the field-hash key derived from ``key``, as hex.

    One function for every field value hashed.

    >>> keyed_hash("k", "alice@example.com")[:16]
    'ba3b528b2dfc2c35'
    """
    if not key:
        raise StrategyError(
            "a keyed hash needs a secret key: set PLEDGE_HASH_KEY (Settings.hash_key); "
            "without it hashes could be reversed by hashing guesses"
        )
    field_key = derive(key.encode(), "field-hash")
    return hmac.new(field_key, canonical(value).encode(), hashlib.sha256).hexdigest()


def canonical(value: object) -> str:
    """The text a value is hashed as, so 42 and "42" or two spellings of a date agree."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def mask(value: Any) -> Any:
    """A masked value of the same type: the shape survives, the person does not.

    Text keeps its punctuation and length so screens and exports still read as an email or a
    phone number; numbers become zero; dates become the epoch.

    >>> mask("alice.smith@example.com")
    '*****.*****@*******.***'
    >>> mask("+44 7700 900123"), mask(1234), mask(date(1984, 5, 6))
    ('+** **** ******', 0, datetime.date(1970, 1, 1))
    """
    if value is None or isinstance(value, bool):
        return None if value is None else False
    if isinstance(value, str):
        return "".join("*" if ch.isalnum() else ch for ch in value)
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0.0
    if isinstance(value, Decimal):
        return Decimal(0)
    if isinstance(value, datetime):
        return datetime.combine(MASKED_DATE, time(), tzinfo=value.tzinfo)
    if isinstance(value, date):
        return MASKED_DATE
    if isinstance(value, bytes):
        return b""
    raise StrategyError(f"cannot mask a {type(value).__name__}; use nullify or hash")


def hashed(value: Any, key: str | None, width: int | None = None) -> Any:
    """The value pseudonymised under ``key``: same type, same value for the same input.

    ``width`` is the column's length limit: the hex digest is cut to fit (the same cut every
    time, so a replay writes the same value), but never below 64 bits.

    >>> hashed("alice@example.com", "k")[:10]
    'h:ba3b528b'
    """
    if value is None:
        return None
    if already_hashed(value):
        # Erasing an erased row again changes nothing (a hash of a hash would be a change).
        return value
    digest = keyed_hash(key, value)
    if isinstance(value, bool):
        raise StrategyError("cannot hash a true/false value; use nullify or mask")
    if isinstance(value, int):
        return int(digest, 16) >> (256 - _INT_HASH_BITS)
    if isinstance(value, str | bytes):
        text = HASH_PREFIX + digest
        if width is not None and len(text) > width:
            if width < len(HASH_PREFIX) + MIN_HASH_HEX:
                raise StrategyError(
                    f"a column of {width} characters is too narrow for a keyed hash "
                    f"(at least {len(HASH_PREFIX) + MIN_HASH_HEX}); use mask or nullify"
                )
            text = text[:width]
        return text if isinstance(value, str) else text.encode()
    raise StrategyError(
        f"cannot hash a {type(value).__name__} into the same column; use nullify or mask"
    )


_HASHED = re.compile(rf"{re.escape(HASH_PREFIX)}[0-9a-f]{{{MIN_HASH_HEX},64}}")


def already_hashed(value: object) -> bool:
    """Whether ``value`` is text :func:`hashed` made: the prefix and 16 to 64 hex digits.

    Hashed integers cannot be told from others; a repeat erasure hashes them again.
    """
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return isinstance(value, str) and _HASHED.fullmatch(value) is not None


def transform(
    strategy: Strategy, *, key: str | None, width: int | None = None
) -> Callable[[Any], Any]:
    """The function a strategy applies to one value; ``keep`` returns the value unchanged.

    ``width`` is the column's length limit, if it has one (see :func:`width_of`).
    """
    if strategy == "nullify":
        return lambda _value: None
    if strategy == "mask":
        return mask
    if strategy == "hash":
        if not key:
            keyed_hash(key, "")  # raises the explanation once, before any row is touched
        return lambda value: hashed(value, key, width)
    return lambda value: value


def is_erased(strategy: Strategy, before: Any, after: Any, *, key: str | None) -> bool:
    """Whether ``after`` is what ``strategy`` leaves of ``before`` (the verification test)."""
    if strategy == "keep" or after is None:
        return True
    return bool(after == transform(strategy, key=key)(before))


def width_of(column_type: str) -> int | None:
    """The length limit in a column type as an engine names it, if any.

    >>> width_of("character varying(36)"), width_of("VARCHAR(200)"), width_of("text")
    (36, 200, None)
    """
    found = _WIDTH.search(column_type)
    return int(found.group(1)) if found else None
