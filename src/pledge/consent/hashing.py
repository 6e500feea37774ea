"""Keyed hashes of identifiers: what the ledger and the suppression list keep instead of them.

An identifier is kept as HMAC-SHA256(key, "kind:normalised value"), hex-encoded. The kind
prefix keeps an email address and a customer id that happen to spell the same text apart.
Without the key a hash cannot be checked against a guessed address, which is what makes the
suppression list safe to keep after the person's data is erased.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from pledge.settings import Settings

#: SHA-256 works on 64-byte blocks; HMAC pads or hashes the key to exactly that.
_BLOCK = 64


class HashKeyMissing(Exception):
    """No key for keyed hashes is configured; the message says how to set one."""

    def __init__(self) -> None:
        super().__init__(
            "no hash key is set, so identifiers cannot be hashed for the consent ledger and "
            "the suppression list: set PLEDGE_HASH_KEY to a long random secret (for example "
            '`export PLEDGE_HASH_KEY="$(python -c "import secrets; print(secrets.token_hex(32))")"`'
            ") and keep it: hashes made with one key never match hashes made with another"
        )


@dataclass(frozen=True)
class Hasher:
    """HMAC-SHA256 of identifiers under one secret key.

    >>> Hasher(b"k").hash("email", "ann@example.com")[:16]
    '4caa1f2b597239aa'
    """

    key: bytes = field(repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Hasher:
        """The hasher for ``settings.hash_key``; a clear error when there is none."""
        if not settings.hash_key:
            raise HashKeyMissing()
        return cls(settings.hash_key.encode())

    def hash(self, kind: str, normalised: str) -> str:
        """The hex HMAC of one normalised identifier of the given kind."""
        return hmac.new(self.key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()

    def pads(self) -> tuple[bytes, bytes]:
        """The inner and outer padded keys, for computing the same HMAC in SQL (RFC 2104)."""
        key = hashlib.sha256(self.key).digest() if len(self.key) > _BLOCK else self.key
        key = key.ljust(_BLOCK, b"\0")
        return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)

    def signing_key(self, purpose: str) -> bytes:
        """A key derived for one purpose (token signing), so no signature doubles as a hash."""
        return hmac.new(self.key, f"pledge-signing-key:{purpose}".encode(), "sha256").digest()
