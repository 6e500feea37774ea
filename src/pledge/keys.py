"""Keys derived from ``PLEDGE_HASH_KEY``: one per use, so nothing one use writes helps another.

The configured key is only ever the input of :func:`derive`, which computes
HMAC-SHA256(key, "pledge-kdf" NUL use). Every hash and signature Pledge writes is made under a
derived key. Were any of them made under the configured key itself, a value that happens to
spell a derivation label (a customer's field erased by hashing, say) would come back as that
derived key: the identity-hash key, with which every phone number on the suppression list
could be recovered by trying them all.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from functools import lru_cache

#: What every derivation label starts with; no other HMAC under the configured key exists.
_PREFIX = b"pledge-kdf\x00"
#: The shortest configured key taken: 32 random bytes, written as 64 hexadecimal characters.
MIN_KEY_HEX = 64
#: A random 64-digit key uses all 16 hex digits but for a handful; one using this few is made
#: up (the chance that a random one does is below 1e-15).
_MIN_DISTINCT_DIGITS = 9
#: How to make a good key, for every message that refuses one.
MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'


@lru_cache(maxsize=64)
def derive(key: bytes, use: str) -> bytes:
    """The 32-byte key for one ``use`` (identity hashes, field hashes, token signing ...).

    >>> derive(b"k", "field-hash").hex()[:16]
    '22fbd77bda1980bf'
    """
    return hmac.new(key, _PREFIX + use.encode(), hashlib.sha256).digest()


def weakness(key: str) -> str | None:
    """Why ``key`` is too weak to be the configured hash key, or None when it will do.

    A key must be at least 32 random bytes written in hex: anyone who can guess the key can
    check guessed identities against every hash in the store. A key must be hex (not a
    passphrase) so its length says how many bytes it holds; an obviously patterned one (all
    zeros, a repeated word) is refused as not random. The reason never quotes the key.

    >>> weakness("0123456789abcdef" * 4)
    'repeats a pattern, so it is not random'
    """
    if len(key) < MIN_KEY_HEX:
        return f"is {len(key)} characters; it must be at least {MIN_KEY_HEX}"
    if any(c not in string.hexdigits for c in key):
        return "is not hexadecimal (only 0-9 and a-f)"
    digits = key.lower()
    if any(_repeats(digits, period) for period in range(1, len(digits) // 2 + 1)):
        return "repeats a pattern, so it is not random"
    if (distinct := len(set(digits))) < _MIN_DISTINCT_DIGITS:
        return f"uses only {distinct} different digits, so it is not random"
    return None


def _repeats(text: str, period: int) -> bool:
    return all(text[i] == text[i - period] for i in range(period, len(text)))
