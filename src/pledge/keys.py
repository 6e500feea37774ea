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
from functools import lru_cache

#: What every derivation label starts with; no other HMAC under the configured key exists.
_PREFIX = b"pledge-kdf\x00"


@lru_cache(maxsize=64)
def derive(key: bytes, use: str) -> bytes:
    """The 32-byte key for one ``use`` (identity hashes, field hashes, token signing ...).

    >>> derive(b"k", "field-hash").hex()[:16]
    '22fbd77bda1980bf'
    """
    return hmac.new(key, _PREFIX + use.encode(), hashlib.sha256).digest()
